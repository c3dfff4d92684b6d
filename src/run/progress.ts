/**
 * Progress of a run, for a person at a terminal or for a log collector.
 *
 * On a TTY every running array has one live line, redrawn in place at most
 * ten times a second: `path  123/456 chunks  234.5 MB/s  ETA 12 s  RSS 140 MB`.
 * Messages and finished arrays scroll above the live lines. Elsewhere
 * (containers, CI, cron) it writes one JSON object per line: `start`,
 * `progress` (at most every 2 s per array), `end`, `log` and `warning`
 * events, each with an ISO `time`.
 *
 * All output goes through `write`, and time through `now`, so tests drive it
 * with a fake clock and a string buffer.
 *
 * @module
 */

/** How an array ended, for {@linkcode Progress.arrayEnd}. */
export interface ArrayOutcome {
  /** Seconds the array took. */
  seconds: number;
  /** The plan's strategy. */
  strategy: string;
  /** Why it failed, when it did. */
  error?: string;
}

/** What the pipeline calls as it works. */
export interface Progress {
  /** An array's chunks start to be read. */
  arrayStart(path: string, totalChunks: number, bytes: number): void;
  /** Chunks (and decoded bytes) of the array done so far, cumulative. */
  chunkDone(path: string, chunksDone: number, bytesDone: number): void;
  /** The array is finished (or failed, or was skipped). */
  arrayEnd(path: string, result: ArrayOutcome): void;
  /** An operator message (the budget, the plan); hidden when quiet. */
  log(line: string): void;
  /** Per-batch detail; shown only when verbose. */
  detail(line: string): void;
  /** A warning; shown even when quiet. */
  warn(line: string): void;
  /** Clears the live lines; later calls do nothing. */
  close(): void;
}

/** Options of {@linkcode createProgress}. */
export interface ProgressOptions {
  /** Live lines with ANSI redraws (true) or JSON lines (false). */
  tty: boolean;
  /** Only errors and warnings. */
  quiet?: boolean;
  /** Also per-batch detail: `detail()` lines, and a JSON progress event for every `chunkDone`. */
  verbose?: boolean;
  /** Where output goes, e.g. a synchronous write to stderr. */
  write: (s: string) => void;
  /** Milliseconds since the epoch (default `performance.timeOrigin + performance.now()`). */
  now?: () => number;
  /** Resident memory in bytes (default `Deno.memoryUsage().rss`; undefined hides it). */
  rss?: () => number | undefined;
  /** Terminal width: live lines are cut to fit so redraws stay in place (TTY only). */
  columns?: number;
  /** ANSI colours for warnings and errors (default: `tty`). */
  color?: boolean;
}

interface Running {
  path: string;
  total: number;
  bytes: number;
  start: number;
  done: number;
  bytesDone: number;
  /** Last JSON progress event (non-TTY). */
  lastEmit: number;
}

/** Redraws per second at most on a TTY. */
const REDRAW_MS = 100;
/** JSON progress events per array at most every this many milliseconds. */
const EMIT_MS = 2000;

function defaultRss(): number | undefined {
  try {
    return Deno.memoryUsage().rss;
  } catch {
    return undefined;
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** "12 s", "3 min 20 s", "2 h 5 min". */
function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 100) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function rates(r: Running, now: number): { mbPerSec: number | null; etaSeconds: number | null } {
  const elapsed = (now - r.start) / 1000;
  const mbPerSec = elapsed > 0 ? r.bytesDone / 1e6 / elapsed : null;
  const etaSeconds = r.done > 0 && elapsed > 0
    ? elapsed * Math.max(0, r.total - r.done) / r.done
    : null;
  return { mbPerSec, etaSeconds };
}

/** Cuts a live line to `columns - 1` characters, shortening the path from its start. */
function fit(path: string, rest: string, columns?: number): string {
  const line = `${path}${rest}`;
  if (!columns || line.length < columns) return line;
  const room = columns - 1 - rest.length;
  if (room < 8) return line.slice(0, columns - 1);
  return `…${path.slice(path.length - room + 1)}${rest}`;
}

/**
 * Creates a progress reporter.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { createProgress } from "./progress.ts";
 * let out = "";
 * let t = Date.parse("2026-01-01T00:00:00Z");
 * const p = createProgress({ tty: false, write: (s) => out += s, now: () => t, rss: () => 1e8 });
 * p.arrayStart("em/s0", 4, 4e6);
 * t += 2500;
 * p.chunkDone("em/s0", 2, 2e6);
 * p.arrayEnd("em/s0", { seconds: 3, strategy: "direct" });
 * const events = out.trim().split("\n").map((l) => JSON.parse(l));
 * assertEquals(events[1].event, "progress");
 * assertEquals(events[1].mbPerSec, 0.8);
 * ```
 */
export function createProgress(options: ProgressOptions): Progress {
  return new ProgressDisplay(options);
}

/** Live TTY lines or JSON events; see the module documentation. */
class ProgressDisplay implements Progress {
  readonly #o: ProgressOptions;
  readonly #quiet: boolean;
  readonly #verbose: boolean;
  readonly #now: () => number;
  readonly #rss: () => number | undefined;
  readonly #color: boolean;
  readonly #running = new Map<string, Running>();
  #closed = false;
  #drawn = 0;
  #lastDraw = -Infinity;

  constructor(options: ProgressOptions) {
    this.#o = options;
    this.#quiet = options.quiet ?? false;
    this.#verbose = (options.verbose ?? false) && !this.#quiet;
    this.#now = options.now ?? (() => performance.timeOrigin + performance.now());
    this.#rss = options.rss ?? defaultRss;
    this.#color = options.color ?? options.tty;
  }

  #paint(code: string, text: string): string {
    return this.#color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  #json(event: Record<string, unknown>): void {
    this.#o.write(`${JSON.stringify(event)}\n`);
  }

  // --- TTY ---------------------------------------------------------------------
  #liveLine(r: Running, t: number, memory: number | undefined): string {
    const { mbPerSec, etaSeconds } = rates(r, t);
    const parts = [
      `${r.done}/${r.total} chunks`,
      `${mbPerSec === null ? "–" : mbPerSec.toFixed(1)} MB/s`,
      `ETA ${etaSeconds === null ? "?" : duration(etaSeconds)}`,
    ];
    if (memory !== undefined) parts.push(`RSS ${Math.round(memory / 1e6)} MB`);
    return fit(r.path, `  ${parts.join("  ")}`, this.#o.columns);
  }

  /** Erases the live lines and leaves the cursor where the first one was. */
  #erase(): string {
    return this.#drawn > 0 ? `\x1b[${this.#drawn}A\r\x1b[J` : "";
  }

  #liveBlock(): string {
    const t = this.#now();
    const memory = this.#running.size ? this.#rss() : undefined;
    const lines = [...this.#running.values()].map((r) =>
      `\r\x1b[K${this.#liveLine(r, t, memory)}\n`
    );
    this.#drawn = lines.length;
    this.#lastDraw = t;
    return lines.join("");
  }

  /** Redraws the live lines (throttled unless `force`). */
  #redraw(force: boolean): void {
    if (this.#quiet || this.#closed) return;
    if (!force && this.#now() - this.#lastDraw < REDRAW_MS) return;
    // Cursor up over the old block, rewrite each line, clear what is left below.
    const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : "";
    const before = this.#drawn;
    const block = this.#liveBlock();
    this.#o.write(`${up}${block}${this.#drawn < before ? "\x1b[J" : ""}`);
  }

  /** Prints permanent lines above the live block. */
  #print(text: string): void {
    if (this.#closed) return;
    const lines = text.split("\n").map((l) => `\r\x1b[K${l}\n`).join("");
    const clear = this.#erase();
    const live = this.#quiet ? "" : this.#liveBlock();
    this.#o.write(`${clear}${lines}${live}`);
  }

  // --- both --------------------------------------------------------------------
  #finishedLine(path: string, r: Running | undefined, result: ArrayOutcome): string {
    if (result.error) {
      return `${this.#paint("31", "✗")} ${path}  ${this.#paint("31", `error: ${result.error}`)}`;
    }
    const parts = [result.strategy];
    if (r) parts.push(`${r.total} chunks`);
    parts.push(`${result.seconds.toFixed(2)} s`);
    if (r && result.seconds > 0 && r.bytesDone > 0) {
      parts.push(`${(r.bytesDone / 1e6 / result.seconds).toFixed(1)} MB/s`);
    }
    const mark = result.strategy === "skip" ? "–" : this.#paint("32", "✓");
    return `${mark} ${path}  ${parts.join("  ")}`;
  }

  arrayStart(path: string, totalChunks: number, bytes: number): void {
    if (this.#closed) return;
    const t = this.#now();
    this.#running.set(path, {
      path,
      total: totalChunks,
      bytes,
      start: t,
      done: 0,
      bytesDone: 0,
      lastEmit: t,
    });
    if (this.#quiet) return;
    if (this.#o.tty) this.#redraw(true);
    else this.#json({ event: "start", array: path, total: totalChunks, bytes, time: iso(t) });
  }

  chunkDone(path: string, chunksDone: number, bytesDone: number): void {
    const r = this.#running.get(path);
    if (this.#closed || !r) return;
    r.done = chunksDone;
    r.bytesDone = bytesDone;
    if (this.#quiet) return;
    if (this.#o.tty) {
      this.#redraw(false);
      return;
    }
    const t = this.#now();
    if (!this.#verbose && t - r.lastEmit < EMIT_MS) return;
    r.lastEmit = t;
    const { mbPerSec, etaSeconds } = rates(r, t);
    this.#json({
      event: "progress",
      array: path,
      chunks: chunksDone,
      total: r.total,
      mbPerSec: mbPerSec === null ? null : round1(mbPerSec),
      etaSeconds: etaSeconds === null ? null : round1(etaSeconds),
      rssBytes: this.#rss() ?? null,
      time: iso(t),
    });
  }

  arrayEnd(path: string, result: ArrayOutcome): void {
    if (this.#closed) return;
    const r = this.#running.get(path);
    this.#running.delete(path);
    if (this.#quiet && !result.error) return;
    if (this.#o.tty) {
      this.#print(this.#finishedLine(path, r, result));
      return;
    }
    const counts = r
      ? {
        chunks: r.done,
        total: r.total,
        mbPerSec: result.seconds > 0 ? round1(r.bytesDone / 1e6 / result.seconds) : null,
      }
      : {};
    this.#json({
      event: "end",
      array: path,
      strategy: result.strategy,
      seconds: result.seconds,
      ...counts,
      ...(result.error ? { error: result.error } : {}),
      time: iso(this.#now()),
    });
  }

  log(line: string): void {
    if (this.#quiet || this.#closed) return;
    if (this.#o.tty) this.#print(line);
    else this.#json({ event: "log", message: line, time: iso(this.#now()) });
  }

  detail(line: string): void {
    if (!this.#verbose || this.#closed) return;
    if (this.#o.tty) this.#print(line);
    else this.#json({ event: "detail", message: line, time: iso(this.#now()) });
  }

  warn(line: string): void {
    if (this.#closed) return;
    const message = line.replace(/^warning:\s*/i, "");
    if (this.#o.tty) this.#print(`${this.#paint("33", "warning:")} ${message}`);
    else this.#json({ event: "warning", message, time: iso(this.#now()) });
  }

  close(): void {
    if (this.#closed) return;
    if (this.#o.tty && this.#drawn > 0) this.#o.write(this.#erase());
    this.#drawn = 0;
    this.#running.clear();
    this.#closed = true;
  }
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
