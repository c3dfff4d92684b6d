/**
 * A small recorder of Chrome trace events (the JSON that Perfetto and
 * chrome://tracing open): spans, instants and counters with `ts` in
 * microseconds of `performance.now()`, `pid` 1, and one `tid` per thread
 * (0 = main, workers 1..n) with its name as metadata.
 *
 * The pipeline calls a {@linkcode TraceRecorder} unconditionally; with tracing
 * off it is {@linkcode NULL_TRACE}, whose methods do nothing.
 *
 * @module
 */

/** Arguments shown with an event in the viewer. */
export type TraceArgs = Record<string, unknown>;

/** One event of the Chrome trace-event format. */
export interface TraceEvent {
  /** What the span or event is, e.g. an array path. */
  name: string;
  /** Phase: B/E begin/end, X complete, i instant, C counter, M metadata. */
  ph: "B" | "E" | "X" | "i" | "C" | "M";
  /** Microseconds. */
  ts: number;
  /** Process id (always 1). */
  pid: number;
  /** Thread id: 0 for the main thread, 1.. for workers. */
  tid: number;
  /** Category, e.g. `array`, `worker`, `budget`. */
  cat?: string;
  /** Duration in microseconds (`X` only). */
  dur?: number;
  /** Instant scope: thread. */
  s?: "t" | "p" | "g";
  /** Details shown with the event. */
  args?: TraceArgs;
}

/** The JSON object format: what `JSON.stringify(trace)` writes. */
export interface TraceJson {
  /** Every recorded event, in order. */
  traceEvents: TraceEvent[];
  /** How viewers show times. */
  displayTimeUnit: "ms";
}

/** What the pipeline calls; {@linkcode Trace} records, {@linkcode NULL_TRACE} ignores. */
export interface TraceRecorder {
  /** Whether events are kept (false for {@linkcode NULL_TRACE}): skip building costly args. */
  readonly enabled: boolean;
  /** Opens a span on thread `tid` (default 0, the main thread). */
  begin(name: string, cat: string, args?: TraceArgs, tid?: number): void;
  /** Closes the innermost open span named `name` on thread `tid`. */
  end(name: string, cat: string, args?: TraceArgs, tid?: number): void;
  /** A finished span: `startMs` on the `performance.now()` clock, `durMs` long. */
  complete(
    name: string,
    cat: string,
    startMs: number,
    durMs: number,
    args?: TraceArgs,
    tid?: number,
  ): void;
  /** A point in time (a chunk failed, a batch was sized). */
  instant(name: string, cat: string, args?: TraceArgs, tid?: number): void;
  /** Sampled values drawn as a stacked chart, e.g. `{ rssMB: 140, inFlightMB: 15 }`. */
  counter(name: string, values: Record<string, number>, tid?: number): void;
  /** Names a thread in the viewer (tid 0 is "main" unless renamed). */
  threadName(tid: number, name: string): void;
  /** Events so far, in the JSON object format. */
  toJSON(): TraceJson;
}

/** Options of {@linkcode Trace}. */
export interface TraceOptions {
  /** Milliseconds clock; default `performance.now`. */
  now?: () => number;
  /** Process id written on every event (default 1). */
  pid?: number;
  /** Name of the process row in the viewer (default "lamella"). */
  processName?: string;
  /** Events kept at most; later ones are counted and dropped (default 1,000,000). */
  maxEvents?: number;
}

/**
 * Records trace events in memory; `JSON.stringify(trace)` gives a file that
 * Perfetto (ui.perfetto.dev) and chrome://tracing open.
 *
 * Workers have their own `performance.now()` origin: a worker should send
 * `performance.timeOrigin + performance.now()` and the main thread pass
 * `that - performance.timeOrigin` as `startMs`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Trace } from "./trace.ts";
 * let t = 0;
 * const trace = new Trace({ now: () => t });
 * trace.threadName(1, "worker 1");
 * trace.begin("array", "pipeline", { path: "a/s0" });
 * t = 2.5;
 * trace.complete("chunk", "read", 0.5, 1, { key: "0/0/0" }, 1);
 * trace.end("array", "pipeline");
 * const spans = trace.toJSON().traceEvents.filter((e) => e.ph !== "M");
 * assertEquals(spans.length, 3);
 * assertEquals(spans[2].ts, 2500);
 * ```
 */
export class Trace implements TraceRecorder {
  readonly enabled = true;
  readonly #events: TraceEvent[] = [];
  readonly #now: () => number;
  readonly #pid: number;
  readonly #maxEvents: number;
  readonly #named = new Map<number, string>();
  #dropped = 0;

  /** Creates an empty trace. */
  constructor(options: TraceOptions = {}) {
    this.#now = options.now ?? (() => performance.now());
    this.#pid = options.pid ?? 1;
    this.#maxEvents = options.maxEvents ?? 1_000_000;
    this.#events.push({
      name: "process_name",
      ph: "M",
      ts: 0,
      pid: this.#pid,
      tid: 0,
      args: { name: options.processName ?? "lamella" },
    });
  }

  #push(event: Omit<TraceEvent, "pid">): void {
    if (!this.#named.has(event.tid)) {
      this.threadName(event.tid, event.tid === 0 ? "main" : `worker ${event.tid}`);
    }
    if (this.#events.length >= this.#maxEvents) {
      this.#dropped++;
      return;
    }
    this.#events.push({ ...event, pid: this.#pid });
  }

  #ts(ms = this.#now()): number {
    return Math.round(ms * 1000);
  }

  begin(name: string, cat: string, args?: TraceArgs, tid = 0): void {
    this.#push({ name, cat, ph: "B", ts: this.#ts(), tid, ...(args ? { args } : {}) });
  }

  end(name: string, cat: string, args?: TraceArgs, tid = 0): void {
    this.#push({ name, cat, ph: "E", ts: this.#ts(), tid, ...(args ? { args } : {}) });
  }

  complete(
    name: string,
    cat: string,
    startMs: number,
    durMs: number,
    args?: TraceArgs,
    tid = 0,
  ): void {
    this.#push({
      name,
      cat,
      ph: "X",
      ts: this.#ts(startMs),
      dur: Math.max(0, Math.round(durMs * 1000)),
      tid,
      ...(args ? { args } : {}),
    });
  }

  instant(name: string, cat: string, args?: TraceArgs, tid = 0): void {
    this.#push({ name, cat, ph: "i", s: "t", ts: this.#ts(), tid, ...(args ? { args } : {}) });
  }

  counter(name: string, values: Record<string, number>, tid = 0): void {
    this.#push({ name, ph: "C", ts: this.#ts(), tid, args: { ...values } });
  }

  threadName(tid: number, name: string): void {
    const known = this.#named.has(tid);
    this.#named.set(tid, name);
    const meta: TraceEvent = {
      name: "thread_name",
      ph: "M",
      ts: 0,
      pid: this.#pid,
      tid,
      args: { name },
    };
    if (!known) {
      // Metadata never counts against maxEvents: a trace without thread names is hard to read.
      this.#events.push(meta, { ...meta, name: "thread_sort_index", args: { sort_index: tid } });
      return;
    }
    const at = this.#events.findIndex((e) =>
      e.ph === "M" && e.name === "thread_name" && e.tid === tid
    );
    this.#events[at] = meta;
  }

  /** Events dropped because `maxEvents` was reached. */
  get dropped(): number {
    return this.#dropped;
  }

  toJSON(): TraceJson {
    const traceEvents = [...this.#events];
    if (this.#dropped > 0) {
      traceEvents.push({
        name: "trace truncated",
        ph: "i",
        s: "g",
        ts: this.#ts(),
        pid: this.#pid,
        tid: 0,
        cat: "trace",
        args: { droppedEvents: this.#dropped, maxEvents: this.#maxEvents },
      });
    }
    return { traceEvents, displayTimeUnit: "ms" };
  }
}

const noop = () => {};

/**
 * A recorder that records nothing, for runs without `--trace`.
 *
 * @example
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { NULL_TRACE } from "./trace.ts";
 * NULL_TRACE.begin("array", "pipeline");
 * NULL_TRACE.end("array", "pipeline");
 * assert(!NULL_TRACE.enabled);
 * assertEquals(NULL_TRACE.toJSON().traceEvents.length, 0);
 * ```
 */
export const NULL_TRACE: TraceRecorder = Object.freeze({
  enabled: false,
  begin: noop,
  end: noop,
  complete: noop,
  instant: noop,
  counter: noop,
  threadName: noop,
  toJSON: (): TraceJson => ({ traceEvents: [], displayTimeUnit: "ms" }),
});
