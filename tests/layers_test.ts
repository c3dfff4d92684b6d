/**
 * The source tree's architecture, checked: every module under `src/` and
 * `kernels/` imports only from its own layer or the layers below it (see
 * docs/architecture.md), no import cycle exists, `src/` never reaches into
 * `tasks/`, `tools/`, `bench/` or `tests/`, and no function in the engine
 * (`src/run/`, `src/distributed/`) is longer than {@linkcode MAX_FUNCTION_LINES}.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(new URL("..", import.meta.url).pathname);

/** What each layer may import besides itself. */
export const LAYERS: Record<string, readonly string[]> = {
  kernels: [],
  model: ["kernels"],
  store: ["model", "kernels"],
  stages: ["model", "kernels"],
  plan: ["store", "stages", "model", "kernels"],
  report: ["stages", "store", "model", "kernels"],
  ms: ["plan", "report", "store", "stages", "model", "kernels"],
  run: ["plan", "report", "store", "stages", "model", "kernels"],
  distributed: ["run", "plan", "report", "store", "stages", "model", "kernels"],
};

const MAX_FUNCTION_LINES = 80;

function layerOf(file: string): string | undefined {
  const rel = relative(ROOT, file);
  if (rel.startsWith("kernels/")) return "kernels";
  const m = /^src\/([^/]+)\//.exec(rel);
  return m?.[1];
}

function* sources(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory && !["pkg", "target", "src"].includes(e.name)) yield* sources(p);
    else if (e.isDirectory && e.name === "src" && dir === ROOT) yield* sources(p);
    else if (e.isFile && e.name.endsWith(".ts")) yield p;
  }
}

/** Static and dynamic imports and worker URLs of a module, outside comments. */
export function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*)["'](\.{1,2}\/[^"']+)["']/g;
  for (const m of code.matchAll(re)) out.push(m[1]);
  return out;
}

const files = [...sources(join(ROOT, "src")), ...sources(join(ROOT, "kernels"))];
const graph = new Map<string, string[]>();
for (const f of files) {
  graph.set(f, importsOf(Deno.readTextFileSync(f)).map((s) => resolve(dirname(f), s)));
}

Deno.test("every module imports only its own layer or the layers below it", () => {
  const wrong: string[] = [];
  for (const [f, deps] of graph) {
    const from = layerOf(f);
    assert.ok(from && from in LAYERS, `${relative(ROOT, f)} is in no known layer`);
    for (const d of deps) {
      const to = layerOf(d);
      if (to === from) continue;
      if (!to || !LAYERS[from].includes(to)) {
        wrong.push(`${relative(ROOT, f)} (${from}) -> ${relative(ROOT, d)} (${to ?? "outside"})`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("the import graph of src/ and kernels/ has no cycle", () => {
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "open") {
      cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(ROOT, p)).join(" -> "));
      return;
    }
    state.set(f, "open");
    for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
    state.set(f, "done");
  };
  for (const f of graph.keys()) visit(f, []);
  assert.deepEqual(cycles, []);
});

/** Top-level and method functions longer than `max` lines (brace matching on code). */
export function longFunctions(text: string, max: number): string[] {
  const lines = text.split("\n");
  const long: string[] = [];
  const start =
    /^(\s*)(?:export\s+)?(?:async\s+)?(?:function\*?\s+(\w+)|(?:private\s+|static\s+|async\s+)*(\w+)\s*\([^)]*\)?[^=;]*\{\s*$)/;
  for (let i = 0; i < lines.length; i++) {
    const m = start.exec(lines[i]);
    if (!m || /^\s*(if|for|while|switch|catch|return)\b/.test(lines[i])) continue;
    const indent = m[1];
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith(`${indent}}`)) j++;
    if (j - i + 1 > max) long.push(`${m[2] ?? m[3]} (line ${i + 1}, ${j - i + 1} lines)`);
  }
  return long;
}

Deno.test(`no function in the engine is longer than ${MAX_FUNCTION_LINES} lines`, () => {
  const long: string[] = [];
  for (const f of files) {
    if (!["run", "distributed"].includes(layerOf(f) ?? "")) continue;
    for (const l of longFunctions(Deno.readTextFileSync(f), MAX_FUNCTION_LINES)) {
      long.push(`${relative(ROOT, f)}: ${l}`);
    }
  }
  assert.deepEqual(long, []);
});
