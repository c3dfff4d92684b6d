/**
 * Bad input gets a clear message naming what and where, one bad array never
 * sinks the run, and nothing half-written is left in the output directory.
 */
import assert from "node:assert/strict";
import { checkpointKey } from "../src/run/checkpoint.ts";
import { createArrayV2, writeArray, writeGroupV2 } from "../tools/sample/zarr_write.ts";
import { assertValidReport } from "./_schema.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function process(cwd: string, args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}tasks/process.ts`, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code, out: new TextDecoder().decode(stdout), err: new TextDecoder().decode(stderr) };
}

async function listAll(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    names.push(e.name);
    if (e.isDirectory) {
      for (const n of await listAll(`${dir}/${e.name}`)) names.push(`${e.name}/${n}`);
    }
  }
  return names;
}

/** A store with a good array, a corrupt one, an unknown codec, an empty and an all-NaN array. */
async function badStore(dir: string): Promise<string> {
  const root = `${dir}/bad.zarr`;
  await writeGroupV2(root);
  const good = await createArrayV2(`${root}/good`, {
    shape: [100],
    chunks: [50],
    dtype: "<i2",
    compressor: { id: "zstd", level: 1 },
  });
  await writeArray(
    good,
    (c, shape) => Int16Array.from({ length: shape[0] }, (_, i) => c[0] * 50 + i + 1),
  );
  const corrupt = await createArrayV2(`${root}/corrupt`, {
    shape: [100],
    chunks: [50],
    dtype: "<i2",
    compressor: { id: "zstd", level: 1 },
  });
  await writeArray(
    corrupt,
    (c, shape) => Int16Array.from({ length: shape[0] }, (_, i) => c[0] * 50 + i + 7),
  );
  // Truncate chunk 1 to half its bytes.
  const chunk = await Deno.readFile(`${root}/corrupt/1`);
  await Deno.writeFile(`${root}/corrupt/1`, chunk.subarray(0, chunk.length >> 1));
  await createArrayV2(`${root}/empty`, {
    shape: [0],
    chunks: [10],
    dtype: "<f4",
    compressor: null,
  });
  const nan = await createArrayV2(`${root}/allnan`, {
    shape: [20],
    chunks: [20],
    dtype: "<f4",
    compressor: null,
    fillValue: 0,
  });
  await writeArray(nan, (_c, shape) => new Float32Array(shape[0]).fill(NaN));
  await Deno.mkdir(`${root}/oddcodec`);
  await Deno.writeTextFile(
    `${root}/oddcodec/.zarray`,
    JSON.stringify({
      zarr_format: 2,
      shape: [4],
      chunks: [4],
      dtype: "<i2",
      compressor: { id: "snappy-9000" },
      fill_value: 0,
      order: "C",
      filters: null,
    }),
  );
  await Deno.writeFile(`${root}/oddcodec/0`, new Uint8Array([1, 2, 3]));
  return root;
}

Deno.test("a corrupt chunk and an unknown codec fail their arrays only, naming the chunk and codec; exit code 2", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "lamella-bad-" });
  try {
    const store = await badStore(cwd);
    const run = await process(cwd, ["--source", store, "--out", "out", "--stages", "stats"]);
    assert.equal(run.code, 2, run.err);
    const report = JSON.parse(await Deno.readTextFile(`${cwd}/out/report.json`));
    assertValidReport(report);
    const by = Object.fromEntries(report.arrays.map((a: { path: string }) => [a.path, a]));
    assert.equal(by.good.error, undefined);
    assert.equal(by.good.stats.sum, 5050);
    assert.match(by.corrupt.error, /array corrupt, chunk 1: /);
    assert.match(by.oddcodec.error, /snappy-9000/);
    assert.match(by.oddcodec.error, /oddcodec/);
    assert.equal(by.empty.error, undefined);
    assert.equal(by.empty.stats.count, 0);
    assert.equal(by.allnan.stats.count, 0);
    assert.equal(by.allnan.stats.nanCount, 20);
    assert.equal(by.allnan.stats.min, null);
    assert.match(run.out, /error: array corrupt, chunk 1/);
    // Only the report remains: no temporary or partial files.
    assert.deepEqual((await listAll(`${cwd}/out`)).sort(), ["report.html", "report.json"]);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("--resume keeps the arrays an earlier run finished and redoes the failed ones", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "lamella-bad-" });
  try {
    const store = await badStore(cwd);
    // Simulate an interrupted run: a partial result for `good` and nothing else.
    const first = await process(cwd, ["--source", store, "--out", "out", "--stages", "stats"]);
    assert.equal(first.code, 2);
    const saved = JSON.parse(await Deno.readTextFile(`${cwd}/out/report.json`)).arrays
      .find((a: { path: string }) => a.path === "good");
    await Deno.mkdir(`${cwd}/out/.lamella-checkpoint`, { recursive: true });
    saved.seconds = 123.5; // a marker that it was kept, not recomputed
    await Deno.writeTextFile(
      `${cwd}/out/.lamella-checkpoint/good.json`,
      JSON.stringify({
        key: checkpointKey(store, [{ name: "stats", options: {} }]),
        result: saved,
      }),
    );
    const again = await process(cwd, [
      "--source",
      store,
      "--out",
      "out",
      "--stages",
      "stats",
      "--resume",
    ]);
    assert.equal(again.code, 2);
    assert.match(again.err, /good: complete in an earlier run; kept/);
    const report = JSON.parse(await Deno.readTextFile(`${cwd}/out/report.json`));
    assertValidReport(report);
    const good = report.arrays.find((a: { path: string }) => a.path === "good");
    assert.equal(good.seconds, 123.5);
    assert.match(
      report.arrays.find((a: { path: string }) => a.path === "corrupt").error,
      /chunk 1/,
    );
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("a directory that is not a Zarr store exits 1 and says so", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "lamella-bad-" });
  try {
    await Deno.mkdir(`${cwd}/photos`);
    await Deno.writeTextFile(`${cwd}/photos/cat.jpg`, "not really");
    const run = await process(cwd, ["--source", "photos", "--out", "out"]);
    assert.equal(run.code, 1);
    assert.match(run.err, /photos: no Zarr arrays found/);
    await assert.rejects(() => Deno.stat(`${cwd}/out`));
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("a YAML syntax error names the file and line; an unknown key names the key", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "lamella-bad-" });
  try {
    await Deno.writeTextFile(`${cwd}/broken.yaml`, "source: x\nstages:\n  - stats\n   - oops: [\n");
    const broken = await process(cwd, ["--config", "broken.yaml"]);
    assert.equal(broken.code, 1);
    assert.match(broken.err, /broken\.yaml:\d+: YAML syntax error/);
    await Deno.writeTextFile(`${cwd}/typo.yaml`, "source: x\nstages: [stats]\nlimitz: {}\n");
    const typo = await process(cwd, ["--config", "typo.yaml"]);
    assert.equal(typo.code, 1);
    assert.match(typo.err, /typo\.yaml:3 \(limitz\): unknown key/);
    await Deno.writeTextFile(`${cwd}/bad.yaml`, "limits:\n  memory_fraction: lots\n");
    const bad = await process(cwd, ["--config", "bad.yaml"]);
    assert.match(bad.err, /bad\.yaml:2 \(limits\.memory_fraction\): expected a number/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("a bad environment value is rejected naming the variable and the accepted values", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "lamella-bad-" });
  try {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}tasks/process.ts`, "--plan"],
      cwd,
      env: { LARGE_ARRAY_MODE: "explode" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 1);
    const err = new TextDecoder().decode(stderr);
    assert.match(err, /LARGE_ARRAY_MODE/);
    assert.match(err, /stream/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("--resume with another stage set recomputes the saved arrays instead of mixing them in", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "lamella-bad-" });
  try {
    const store = await badStore(cwd);
    await process(cwd, ["--source", store, "--out", "out", "--stages", "stats"]);
    const saved = JSON.parse(await Deno.readTextFile(`${cwd}/out/report.json`)).arrays
      .find((a: { path: string }) => a.path === "good");
    await Deno.mkdir(`${cwd}/out/.lamella-checkpoint`, { recursive: true });
    await Deno.writeTextFile(
      `${cwd}/out/.lamella-checkpoint/good.json`,
      JSON.stringify({
        key: checkpointKey(store, [{ name: "stats", options: {} }]),
        result: saved,
      }),
    );
    const again = await process(cwd, [
      "--source",
      store,
      "--out",
      "out",
      "--stages",
      "stats,histogram",
      "--resume",
    ]);
    assert.match(
      again.err,
      /1 array\(s\) in out were saved by a run with another source or stage set/,
    );
    const good = JSON.parse(await Deno.readTextFile(`${cwd}/out/report.json`)).arrays
      .find((a: { path: string }) => a.path === "good");
    assert.ok(good.histogram, "recomputed with both stages");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
