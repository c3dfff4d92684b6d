/**
 * The trace recorder writes Chrome trace-event JSON that Perfetto and
 * chrome://tracing accept: microsecond timestamps, pid 1, a tid per thread
 * with thread-name metadata, and a no-op twin for runs without tracing.
 */
import assert from "node:assert/strict";
import { NULL_TRACE, Trace, type TraceEvent } from "../src/run/trace.ts";

function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

const spans = (t: Trace) => t.toJSON().traceEvents.filter((e) => e.ph !== "M");
const meta = (t: Trace) => t.toJSON().traceEvents.filter((e) => e.ph === "M");

Deno.test("begin and end record B and E events in microseconds on the main thread", () => {
  const c = clock(10);
  const trace = new Trace({ now: c.now });
  trace.begin("array", "pipeline", { path: "em/s0" });
  c.t = 12.3456;
  trace.end("array", "pipeline");
  assert.deepEqual(spans(trace), [
    {
      name: "array",
      cat: "pipeline",
      ph: "B",
      ts: 10_000,
      tid: 0,
      pid: 1,
      args: { path: "em/s0" },
    },
    { name: "array", cat: "pipeline", ph: "E", ts: 12_346, tid: 0, pid: 1 },
  ]);
});

Deno.test("complete records an X event from a start and a duration in milliseconds", () => {
  const trace = new Trace({ now: clock().now });
  trace.complete("decode", "chunk", 5.5, 0.25, { key: "0/1/2" }, 3);
  assert.deepEqual(spans(trace), [
    {
      name: "decode",
      cat: "chunk",
      ph: "X",
      ts: 5500,
      dur: 250,
      tid: 3,
      pid: 1,
      args: { key: "0/1/2" },
    },
  ]);
});

Deno.test("instants are thread-scoped and counters carry their values as args", () => {
  const c = clock(1);
  const trace = new Trace({ now: c.now });
  trace.instant("chunk failed", "read", { key: "3" });
  c.t = 2;
  trace.counter("memory", { rssMB: 140, inFlightMB: 15 });
  const [instant, counter] = spans(trace);
  assert.equal(instant.ph, "i");
  assert.equal(instant.s, "t");
  assert.deepEqual(counter, {
    name: "memory",
    ph: "C",
    ts: 2000,
    tid: 0,
    pid: 1,
    args: { rssMB: 140, inFlightMB: 15 },
  });
});

Deno.test("every thread used gets one name: main for 0, worker n otherwise, or the name given", () => {
  const trace = new Trace({ now: clock().now });
  trace.threadName(2, "decoder 2");
  trace.begin("a", "x");
  trace.begin("b", "x", undefined, 1);
  trace.begin("c", "x", undefined, 2);
  trace.threadName(1, "reader 1");
  const names = new Map(
    meta(trace).filter((e) => e.name === "thread_name").map((e) => [e.tid, e.args?.name]),
  );
  assert.deepEqual(
    [...names].sort((a, b) => a[0] - b[0]),
    [[0, "main"], [1, "reader 1"], [2, "decoder 2"]],
  );
  assert.equal(meta(trace).filter((e) => e.name === "thread_name").length, 3);
  const process = meta(trace).find((e) => e.name === "process_name");
  assert.deepEqual(process?.args, { name: "lamella" });
});

Deno.test("JSON.stringify gives the object format with the fields viewers require", () => {
  const trace = new Trace();
  trace.begin("run", "pipeline");
  trace.complete("chunk", "read", performance.now(), 1, undefined, 1);
  trace.end("run", "pipeline");
  const parsed = JSON.parse(JSON.stringify(trace)) as { traceEvents: TraceEvent[] };
  assert.ok(Array.isArray(parsed.traceEvents));
  for (const e of parsed.traceEvents) {
    assert.equal(typeof e.name, "string");
    assert.ok(["B", "E", "X", "i", "C", "M"].includes(e.ph));
    assert.ok(Number.isInteger(e.ts) && e.ts >= 0);
    assert.equal(e.pid, 1);
    assert.ok(Number.isInteger(e.tid));
  }
  // The default clock is performance.now() in microseconds.
  const begin = parsed.traceEvents.find((e) => e.ph === "B")!;
  assert.ok(Math.abs(begin.ts / 1000 - performance.now()) < 5000);
});

Deno.test("past maxEvents, events are dropped and the trace says how many", () => {
  const trace = new Trace({ now: clock().now, maxEvents: 10 });
  for (let i = 0; i < 20; i++) trace.instant(`e${i}`, "x");
  assert.ok(trace.dropped > 0);
  const events = trace.toJSON().traceEvents;
  const last = events.at(-1)!;
  assert.equal(last.name, "trace truncated");
  assert.equal(last.args?.droppedEvents, trace.dropped);
  assert.equal(events.length, 11);
});

Deno.test("NULL_TRACE accepts every call and records nothing", () => {
  NULL_TRACE.begin("a", "b", { x: 1 }, 2);
  NULL_TRACE.end("a", "b");
  NULL_TRACE.complete("a", "b", 0, 1);
  NULL_TRACE.instant("a", "b");
  NULL_TRACE.counter("a", { x: 1 });
  NULL_TRACE.threadName(1, "w");
  assert.equal(NULL_TRACE.enabled, false);
  assert.deepEqual(NULL_TRACE.toJSON().traceEvents, []);
  assert.ok(Object.isFrozen(NULL_TRACE));
});
