/**
 * The pipeline file: YAML in, a typed and validated {@linkcode PipelineConfig}
 * out. Unknown keys and wrong types are {@linkcode ConfigError}s that name the
 * file, the line and the key.
 *
 * @module
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { ConfigError } from "../model/errors.ts";
import type { StageSpec } from "../stages/stage.ts";
import { LARGE_ARRAY_MODES, type LimitOverrides } from "./settings_env.ts";

export type { StageSpec };

/** A pipeline file after validation. */
export interface PipelineConfig {
  /** Store to read: a path (relative to the working directory), file://, http(s):// or s3://. */
  source?: string;
  /** Globs over array paths; empty means every array. */
  arrays: string[];
  /** The stages to run, in order. */
  stages: StageSpec[];
  /** Where reports go and which (`json`, `html`). */
  output: { dir?: string; formats: string[] };
  /** Limits the file sets (environment variables and flags override them). */
  limits: LimitOverrides;
  /** S3 region and endpoint for `s3://` sources. */
  s3: { region?: string; endpoint?: string };
}

/** The report files `output.formats` may ask for. */
const OUTPUT_FORMATS = ["json", "html"];

const TOP_KEYS = ["source", "arrays", "stages", "output", "limits", "s3", "schedules"];
const LIMIT_KEYS: Record<string, keyof LimitOverrides> = {
  memory_limit_mb: "memoryLimitMb",
  max_array_size_mb: "maxArraySizeMb",
  zarr_chunk_size_mb: "zarrChunkSizeMb",
  streaming_chunk_mb: "streamingChunkMb",
  large_array_mode: "largeArrayMode",
  workers: "workers",
  memory_fraction: "memoryFraction",
  direct_max_mb: "directMaxMb",
  chunked_max_mb: "chunkedMaxMb",
  request_timeout_s: "requestTimeoutS",
  request_attempts: "requestAttempts",
  array_deadline_s: "arrayDeadlineS",
  run_deadline_s: "runDeadlineS",
};

/**
 * Parses and validates a pipeline file's text.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parsePipelineConfig } from "./config.ts";
 * const c = parsePipelineConfig("source: data/x.zarr\nstages: [stats]\n", "p.yaml");
 * assertEquals(c.stages[0].name, "stats");
 * assertEquals(c.source, "data/x.zarr");
 * ```
 */
export function parsePipelineConfig(text: string, file: string): PipelineConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineOf = (node: Node | null | undefined) =>
    node?.range ? lines.linePos(node.range[0]).line : undefined;
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new ConfigError(`YAML syntax error: ${e.message.split("\n")[0]}`, {
      source: file,
      line: e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line,
    });
  }
  const fail = (message: string, key: string, node?: Node | null): never => {
    throw new ConfigError(message, { source: file, line: lineOf(node), key });
  };
  const config: PipelineConfig = {
    arrays: [],
    stages: [],
    output: { formats: ["json"] },
    limits: {},
    s3: {},
  };
  if (doc.contents === null) {
    fail(
      "the pipeline file is empty; give at least `stages:` (see config/pipeline.yaml)",
      "(root)",
    );
  }
  if (!isMap(doc.contents)) fail("expected a mapping at the top level", "(root)", doc.contents);
  const root = doc.contents as unknown as { items: Array<{ key: Node; value: Node | null }> };

  const str = (node: Node | null, key: string): string => {
    if (!isScalar(node) || typeof node.value !== "string") fail("expected a string", key, node);
    return (node as unknown as { value: string }).value;
  };
  const num = (node: Node | null, key: string): number => {
    if (!isScalar(node) || typeof node.value !== "number") fail("expected a number", key, node);
    return (node as unknown as { value: number }).value;
  };
  const strings = (node: Node | null, key: string): string[] => {
    if (isScalar(node) && typeof node.value === "string") return [node.value];
    if (!isSeq(node)) fail("expected a list of strings", key, node);
    return (node as unknown as { items: Node[] }).items.map((n, i) => str(n, `${key}[${i}]`));
  };
  const mapItems = (node: Node | null, key: string) => {
    if (!isMap(node)) fail("expected a mapping", key, node);
    return (node as unknown as { items: Array<{ key: Node; value: Node | null }> }).items;
  };
  const keyName = (k: Node) => String((k as unknown as { value: unknown }).value);

  for (const { key, value } of root.items) {
    const name = keyName(key);
    switch (name) {
      case "source":
        config.source = str(value, name);
        break;
      case "arrays":
        config.arrays = strings(value, name);
        break;
      case "stages": {
        if (!isSeq(value)) fail("expected a list of stages", name, value);
        for (const item of (value as unknown as { items: Node[] }).items) {
          if (isScalar(item) && typeof item.value === "string") {
            config.stages.push({ name: item.value, options: {}, line: lineOf(item) });
          } else if (isMap(item) && item.items.length === 1) {
            const pair = item.items[0] as unknown as { key: Node; value: Node | null };
            config.stages.push({
              name: keyName(pair.key),
              options: pair.value?.toJSON?.() ?? {},
              line: lineOf(item),
            });
          } else {
            fail("a stage is a name or a one-key mapping `name: { options }`", name, item);
          }
        }
        break;
      }
      case "output":
        for (const { key: k, value: v } of mapItems(value, name)) {
          const kn = keyName(k);
          if (kn === "dir") config.output.dir = str(v, `output.${kn}`);
          else if (kn === "formats") {
            config.output.formats = strings(v, `output.${kn}`);
            const bad = config.output.formats.filter((f) => !OUTPUT_FORMATS.includes(f));
            if (bad.length) {
              fail(
                `unknown format ${bad.join(", ")}; expected ${OUTPUT_FORMATS.join(" and/or ")}`,
                `output.${kn}`,
                v,
              );
            }
          } else fail(`unknown key; expected dir or formats`, `output.${kn}`, k);
        }
        break;
      case "limits":
        for (const { key: k, value: v } of mapItems(value, name)) {
          const kn = keyName(k);
          const field = LIMIT_KEYS[kn];
          if (!field) {
            fail(
              `unknown key; expected one of ${Object.keys(LIMIT_KEYS).join(", ")}`,
              `limits.${kn}`,
              k,
            );
          }
          if (field === "largeArrayMode") {
            const mode = str(v, `limits.${kn}`);
            if (!(LARGE_ARRAY_MODES as readonly string[]).includes(mode)) {
              fail(
                `expected one of ${LARGE_ARRAY_MODES.join(", ")}; found ${mode}`,
                `limits.${kn}`,
                v,
              );
            }
            config.limits.largeArrayMode = mode as LimitOverrides["largeArrayMode"];
          } else {
            const n = num(v, `limits.${kn}`);
            if (!(n >= 0)) fail(`expected a non-negative number; found ${n}`, `limits.${kn}`, v);
            if (field === "memoryFraction" && !(n > 0 && n <= 1)) {
              fail(`expected a fraction in (0, 1], e.g. 0.6; found ${n}`, `limits.${kn}`, v);
            }
            (config.limits as Record<string, number>)[field] = n;
          }
        }
        break;
      case "s3":
        for (const { key: k, value: v } of mapItems(value, name)) {
          const kn = keyName(k);
          if (kn === "region") config.s3.region = str(v, `s3.${kn}`);
          else if (kn === "endpoint") config.s3.endpoint = str(v, `s3.${kn}`);
          else fail("unknown key; expected region or endpoint", `s3.${kn}`, k);
        }
        break;
      case "schedules":
        break; // read by tasks/cron.ts
      default:
        fail(`unknown key; expected one of ${TOP_KEYS.join(", ")}`, name, key);
    }
  }
  return config;
}

/**
 * Reads and validates a pipeline file.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { loadPipelineConfig } from "./config.ts";
 * const c = await loadPipelineConfig(new URL("../../config/pipeline.yaml", import.meta.url).pathname);
 * assert(c.stages.length > 0);
 * ```
 */
export async function loadPipelineConfig(path: string): Promise<PipelineConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new ConfigError(
      e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message,
      { source: path },
    );
  }
  return parsePipelineConfig(text, path);
}
