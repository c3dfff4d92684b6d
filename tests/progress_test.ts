/**
 * Progress output with a fake clock and a string buffer: on a TTY the live
 * lines are checked on the screen a terminal would show (a small emulator of
 * the few ANSI codes used); elsewhere the JSON events are checked one by one.
 */
import assert from "node:assert/strict";
import { createProgress, type ProgressOptions } from "../src/run/progress.ts";

const T0 = Date.parse("2026-11-23T19:00:00.000Z");

function harness(opts: Partial<ProgressOptions> = {}) {
  const h = {
    out: "",
    t: T0,
    writes: 0,
    progress: undefined as unknown as ReturnType<typeof createProgress>,
  };
  h.progress = createProgress({
    tty: true,
    color: false,
    write: (s) => {
      h.out += s;
      h.writes++;
    },
    now: () => h.t,
    rss: () => 140e6,
    ...opts,
  });
  return h;
}

/**
 * What a terminal shows after `output`: handles text, \r, \n, ESC[nA (up),
 * ESC[K (erase to end of line), ESC[J (erase below) and ESC[..m (colours).
 */
function screen(output: string): string[] {
  const lines = [""];
  let row = 0;
  let col = 0;
  for (let i = 0; i < output.length;) {
    if (output[i] === "\x1b") {
      const m = /^.\[(\d*(?:;\d+)*)([AKJm])/.exec(output.slice(i, i + 16));
      if (!m) {
        throw new Error(`unexpected escape at ${i}: ${JSON.stringify(output.slice(i, i + 8))}`);
      }
      const n = m[1] === "" ? 1 : Number(m[1]);
      if (m[2] === "A") row = Math.max(0, row - n);
      if (m[2] === "K") lines[row] = lines[row].slice(0, col);
      if (m[2] === "J") {
        lines[row] = lines[row].slice(0, col);
        lines.length = row + 1;
      }
      i += m[0].length;
      continue;
    }
    const ch = output[i++];
    if (ch === "\r") col = 0;
    else if (ch === "\n") {
      row++;
      col = 0;
      if (lines.length <= row) lines.push("");
    } else {
      const l = lines[row].padEnd(col);
      lines[row] = l.slice(0, col) + ch + l.slice(col + 1);
      col++;
    }
  }
  return lines;
}

function events(out: string): Record<string, unknown>[] {
  return out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

// --- TTY ----------------------------------------------------------------------------

Deno.test("a TTY shows one live line per running array with chunks, MB/s, ETA and RSS", () => {
  const h = harness();
  h.progress.arrayStart("recon-2/em/fibsem-int16/s0", 456, 456e6);
  h.t += 10_000;
  h.progress.chunkDone("recon-2/em/fibsem-int16/s0", 123, 2345e6);
  assert.deepEqual(screen(h.out), [
    "recon-2/em/fibsem-int16/s0  123/456 chunks  234.5 MB/s  ETA 27 s  RSS 140 MB",
    "",
  ]);
});

Deno.test("two running arrays are redrawn in place, and finished ones scroll above", () => {
  const h = harness();
  h.progress.arrayStart("a", 4, 4e6);
  h.progress.arrayStart("b", 8, 8e6);
  h.t += 1000;
  h.progress.chunkDone("a", 2, 2e6);
  h.t += 1000;
  h.progress.chunkDone("b", 2, 2e6);
  assert.deepEqual(screen(h.out), [
    "a  2/4 chunks  1.0 MB/s  ETA 2 s  RSS 140 MB",
    "b  2/8 chunks  1.0 MB/s  ETA 6 s  RSS 140 MB",
    "",
  ]);
  assert.ok(h.out.includes("\x1b[2A"), "the cursor goes up over both lines");
  h.progress.log("Found 2 arrays");
  h.t += 1000;
  h.progress.chunkDone("a", 4, 4e6);
  h.progress.arrayEnd("a", { seconds: 3, strategy: "direct" });
  assert.deepEqual(screen(h.out), [
    "Found 2 arrays",
    "✓ a  direct  4 chunks  3.00 s  1.3 MB/s",
    "b  2/8 chunks  0.7 MB/s  ETA 9 s  RSS 140 MB",
    "",
  ]);
  h.progress.arrayEnd("b", { seconds: 3, strategy: "chunked", error: "chunk 0/1: corrupt" });
  h.progress.close();
  assert.deepEqual(screen(h.out), [
    "Found 2 arrays",
    "✓ a  direct  4 chunks  3.00 s  1.3 MB/s",
    "✗ b  error: chunk 0/1: corrupt",
    "",
  ]);
});

Deno.test("TTY redraws are throttled to ten a second", () => {
  const h = harness();
  h.progress.arrayStart("a", 1000, 1e9);
  const before = h.writes;
  for (let i = 1; i <= 100; i++) {
    h.t += 5; // 100 chunks in 0.5 s
    h.progress.chunkDone("a", i, i * 1e6);
  }
  assert.equal(h.writes - before, 5);
});

Deno.test("live lines are cut to the terminal width, shortening the path from its start", () => {
  const h = harness({ columns: 60 });
  const path = "jrc_mus-nacc-2.zarr/recon-2/em/fibsem-int16/s0";
  h.progress.arrayStart(path, 10, 1e6);
  const [line] = screen(h.out);
  assert.ok(line.length <= 59, `${line.length} columns: ${line}`);
  assert.ok(line.startsWith("…"), line);
  assert.ok(line.includes("fibsem-int16/s0  0/10 chunks"), line);
});

Deno.test("warnings are shown in yellow with colour, and close clears the live lines", () => {
  const h = harness({ color: true });
  h.progress.arrayStart("a", 4, 4e6);
  h.progress.warn("warning: memory.high is below memory.max");
  assert.ok(h.out.includes("\x1b[33mwarning:\x1b[0m memory.high is below memory.max"));
  h.progress.close();
  assert.deepEqual(screen(h.out), ["warning: memory.high is below memory.max", ""]);
  h.progress.log("after close");
  assert.ok(!h.out.includes("after close"));
});

Deno.test("quiet on a TTY shows only errors and warnings", () => {
  const h = harness({ quiet: true });
  h.progress.log("Memory limit: 512 MiB");
  h.progress.arrayStart("a", 4, 4e6);
  h.t += 500;
  h.progress.chunkDone("a", 4, 4e6);
  h.progress.arrayEnd("a", { seconds: 1, strategy: "direct" });
  h.progress.arrayStart("b", 4, 4e6);
  h.progress.arrayEnd("b", { seconds: 1, strategy: "direct", error: "bad chunk" });
  h.progress.warn("tiny budget");
  h.progress.close();
  assert.deepEqual(screen(h.out), ["✗ b  error: bad chunk", "warning: tiny budget", ""]);
});

Deno.test("detail lines appear only when verbose", () => {
  const quiet = harness();
  quiet.progress.detail("batch 1: 7 chunks");
  assert.equal(quiet.out, "");
  const loud = harness({ verbose: true });
  loud.progress.detail("batch 1: 7 chunks");
  assert.deepEqual(screen(loud.out), ["batch 1: 7 chunks", ""]);
});

// --- JSON lines ---------------------------------------------------------------------

Deno.test("without a TTY, progress is JSON lines: start, progress every 2 s at most, end", () => {
  const h = harness({ tty: false });
  h.progress.arrayStart("em/s0", 64, 64e6);
  h.t += 1000;
  h.progress.chunkDone("em/s0", 8, 8e6); // too soon
  h.t += 1500;
  h.progress.chunkDone("em/s0", 20, 20e6);
  h.t += 1000;
  h.progress.chunkDone("em/s0", 30, 30e6); // too soon after the last one
  h.t += 1500;
  h.progress.chunkDone("em/s0", 40, 40e6);
  h.progress.arrayEnd("em/s0", { seconds: 5, strategy: "chunked" });
  const ev = events(h.out);
  assert.deepEqual(ev.map((e) => e.event), ["start", "progress", "progress", "end"]);
  assert.deepEqual(ev[0], {
    event: "start",
    array: "em/s0",
    total: 64,
    bytes: 64e6,
    time: "2026-11-23T19:00:00.000Z",
  });
  assert.deepEqual(ev[1], {
    event: "progress",
    array: "em/s0",
    chunks: 20,
    total: 64,
    mbPerSec: 8,
    etaSeconds: 5.5,
    rssBytes: 140e6,
    time: "2026-11-23T19:00:02.500Z",
  });
  assert.equal(ev[2].chunks, 40);
  assert.deepEqual(ev[3], {
    event: "end",
    array: "em/s0",
    strategy: "chunked",
    seconds: 5,
    chunks: 40,
    total: 64,
    mbPerSec: 8,
    time: "2026-11-23T19:00:05.000Z",
  });
  assert.ok(!h.out.includes("\x1b"), "no escape codes in JSON mode");
});

Deno.test("without a TTY, log, warning, and error ends are events too", () => {
  const h = harness({ tty: false });
  h.progress.log("Found 3 arrays");
  h.progress.warn("Warning: no cgroup");
  h.progress.arrayEnd("odd", { seconds: 0, strategy: "error", error: "dtype |S4 is not numeric" });
  const ev = events(h.out);
  assert.deepEqual(ev[0], {
    event: "log",
    message: "Found 3 arrays",
    time: "2026-11-23T19:00:00.000Z",
  });
  assert.deepEqual(ev[1], {
    event: "warning",
    message: "no cgroup",
    time: "2026-11-23T19:00:00.000Z",
  });
  assert.deepEqual(ev[2], {
    event: "end",
    array: "odd",
    strategy: "error",
    seconds: 0,
    error: "dtype |S4 is not numeric",
    time: "2026-11-23T19:00:00.000Z",
  });
});

Deno.test("verbose JSON reports every chunkDone and detail; quiet JSON only problems", () => {
  const v = harness({ tty: false, verbose: true });
  v.progress.arrayStart("a", 3, 3e6);
  for (let i = 1; i <= 3; i++) {
    v.t += 10;
    v.progress.chunkDone("a", i, i * 1e6);
  }
  v.progress.detail("batch of 3 chunks");
  assert.deepEqual(events(v.out).map((e) => e.event), [
    "start",
    "progress",
    "progress",
    "progress",
    "detail",
  ]);

  const q = harness({ tty: false, quiet: true });
  q.progress.log("hello");
  q.progress.arrayStart("a", 3, 3e6);
  q.t += 5000;
  q.progress.chunkDone("a", 3, 3e6);
  q.progress.arrayEnd("a", { seconds: 5, strategy: "direct" });
  q.progress.arrayEnd("b", { seconds: 1, strategy: "direct", error: "boom" });
  q.progress.warn("careful");
  assert.deepEqual(events(q.out).map((e) => [e.event, e.array ?? e.message]), [
    ["end", "b"],
    ["warning", "careful"],
  ]);
});

Deno.test("before the first chunk the rate and ETA are unknown, not zero or infinite", () => {
  const h = harness({ tty: false, verbose: true });
  h.progress.arrayStart("a", 10, 1e7);
  h.progress.chunkDone("a", 0, 0);
  const [, p] = events(h.out);
  assert.equal(p.mbPerSec, null);
  assert.equal(p.etaSeconds, null);
});
