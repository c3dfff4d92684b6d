/**
 * Decoded chunks and per-window rows are typed arrays outside V8's heap,
 * which V8 collects only after external memory grew by tens of MiB: more
 * than a small container has. Stages that read the array themselves call
 * {@linkcode collectGarbage} after each window or band; when the runtime
 * exposes `gc` (the tasks pass `--v8-flags=--expose-gc`), a young-generation
 * collection frees them at once. Elsewhere it does nothing.
 *
 * @module
 */

/** A young-generation collection when the runtime exposes `gc`. */
export function collectGarbage(): void {
  (globalThis as { gc?: (o?: { type: "minor" | "major" }) => void }).gc?.({ type: "minor" });
}
