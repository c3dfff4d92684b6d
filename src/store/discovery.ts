/**
 * Finds the arrays of a Zarr hierarchy (v2 and v3): by listing when the store
 * can list, and always through what the metadata names: consolidated
 * metadata (v2 `.zmetadata`, v3 `consolidated_metadata`), OME-NGFF
 * `multiscales`, `labels`, plates and wells, and explicit array paths. So a
 * store behind plain HTTP, which cannot list, is found whole. Records each
 * multiscale level's scale and translation.
 *
 * An array never disappears silently: one whose metadata is not valid JSON,
 * or that metadata names but that is absent, is returned with an `error`.
 *
 * @module
 */
import type { Multiscale } from "../model/array.ts";
import { getMetadata } from "./metadata.ts";
import type { Store } from "./types.ts";

/** One array found in a store. */
export interface FoundArray {
  /** Path inside the store, without a leading slash ("recon-2/em/fibsem-int16/s0"). */
  path: string;
  /** OME-NGFF scale/translation of this level, when a parent group declares one. */
  multiscale?: Multiscale;
  /**
   * Why the array cannot be read, when its metadata is unreadable or it is
   * named (by consolidated or OME-NGFF metadata) but absent.
   */
  error?: string;
}

const decoder = new TextDecoder();

/** A metadata document: absent, parsed, or present but not valid JSON (with why). */
type Json = Record<string, unknown> | undefined | { invalid: string };

async function readJson(store: Store, key: string): Promise<Json> {
  const bytes = await getMetadata((k) => store.get(k), key);
  if (!bytes) return undefined;
  try {
    const value = JSON.parse(decoder.decode(bytes));
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { invalid: `${key.replace(/^\//, "")} is not a JSON object` };
    }
    return value;
  } catch (e) {
    return { invalid: `${key.replace(/^\//, "")} is not valid JSON (${(e as Error).message})` };
  }
}

const isInvalid = (j: Json): j is { invalid: string } =>
  j !== undefined && typeof j.invalid === "string" && Object.keys(j).length === 1;

/**
 * Turns a glob ("recon-1/em/*\/s*", "recon-1/labels/**") into a RegExp over
 * array paths: `*` matches within one path segment, `**` across segments.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { globToRegExp } from "./discovery.ts";
 * assert(globToRegExp("a/**").test("a/b/c"));
 * assert(!globToRegExp("a/*").test("a/b/c"));
 * ```
 */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      re += ".*";
      i++;
      if (glob[i + 1] === "/") i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/, "\\$&");
  }
  return new RegExp(`^${re.replace(/^\/+/, "")}$`);
}

type Node =
  | {
    kind: "array" | "group";
    attrs: Record<string, unknown>;
    /** Paths (relative to this group) of the nodes its consolidated metadata lists. */
    consolidated: string[];
  }
  | { kind: "broken"; reason: string };

async function nodeAt(store: Store, path: string): Promise<Node | undefined> {
  const prefix = path ? `/${path}` : "";
  const v3 = await readJson(store, `${prefix}/zarr.json`);
  if (isInvalid(v3)) return { kind: "broken", reason: v3.invalid };
  if (v3 && v3.zarr_format === 3) {
    const attrs = (v3.attributes ?? {}) as Record<string, unknown>;
    const cm = v3.consolidated_metadata as { metadata?: Record<string, unknown> } | undefined;
    const consolidated = Object.keys(cm?.metadata ?? {});
    return { kind: v3.node_type === "array" ? "array" : "group", attrs, consolidated };
  }
  const zattrs = await readJson(store, `${prefix}/.zattrs`);
  const attrs = zattrs && !isInvalid(zattrs) ? zattrs : {};
  const zarray = await readJson(store, `${prefix}/.zarray`);
  if (isInvalid(zarray)) return { kind: "broken", reason: zarray.invalid };
  if (zarray) return { kind: "array", attrs, consolidated: [] };
  const zgroup = await readJson(store, `${prefix}/.zgroup`);
  if (isInvalid(zgroup)) return { kind: "broken", reason: zgroup.invalid };
  // Attributes without .zgroup or .zarray are not a node (a level whose .zarray was deleted).
  if (!zgroup) return undefined;
  const zmeta = await readJson(store, `${prefix}/.zmetadata`);
  const metadata = zmeta && !isInvalid(zmeta)
    ? (zmeta.metadata ?? {}) as Record<string, unknown>
    : {};
  const consolidated = Object.keys(metadata)
    .filter((k) => /\/\.z(array|group)$/.test(k))
    .map((k) => k.slice(0, k.lastIndexOf("/")));
  return { kind: "group", attrs, consolidated };
}

/** The `labels` list of an OME-NGFF `labels` group (0.4 at the top, 0.5 under `ome`). */
function labelNames(attrs: Record<string, unknown>): string[] {
  const list = attrs.labels ?? (attrs.ome as { labels?: unknown } | undefined)?.labels;
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === "string") : [];
}

/** Paths an OME-NGFF plate (its wells) or well (its fields) names. */
function platePaths(attrs: Record<string, unknown>): string[] {
  const ome = (attrs.ome ?? attrs) as Record<string, unknown>;
  const plate = ome.plate as { wells?: { path?: unknown }[] } | undefined;
  const well = ome.well as { images?: { path?: unknown }[] } | undefined;
  const entries = [...(plate?.wells ?? []), ...(well?.images ?? [])];
  return entries.map((e) => e?.path).filter((p): p is string => typeof p === "string");
}

/** Scale/translation per dataset path of a group's OME-NGFF 0.4 `multiscales`. */
export function multiscaleLevels(attrs: Record<string, unknown>): Map<string, Multiscale> {
  const out = new Map<string, Multiscale>();
  // OME-NGFF 0.4 keeps `multiscales` at the top; 0.5 (Zarr v3) under `ome`.
  const list = attrs.multiscales ??
    (attrs.ome as { multiscales?: unknown } | undefined)?.multiscales;
  if (!Array.isArray(list)) return out;
  for (const ms of list) {
    const axes = Array.isArray(ms?.axes)
      ? ms.axes.map((a: unknown) =>
        typeof a === "string" ? a : (a as { name?: string })?.name ?? ""
      )
      : undefined;
    for (const ds of Array.isArray(ms?.datasets) ? ms.datasets : []) {
      if (typeof ds?.path !== "string") continue;
      let scale: number[] = [];
      let translation: number[] = [];
      for (
        const t of Array.isArray(ds.coordinateTransformations) ? ds.coordinateTransformations : []
      ) {
        if (t?.type === "scale" && Array.isArray(t.scale)) scale = t.scale;
        if (t?.type === "translation" && Array.isArray(t.translation)) translation = t.translation;
      }
      out.set(ds.path, { scale, translation, axes });
    }
  }
  return out;
}

/**
 * Lists the arrays under `root` (a group or an array path) that match any of
 * `patterns` (globs over paths relative to the store root; empty: all).
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { discoverArrays } from "./discovery.ts";
 * import { FileStore } from "./store.ts";
 * const found = await discoverArrays(new FileStore(Deno.makeTempDirSync()), []);
 * assertEquals(found.length, 0);
 * ```
 */
export async function discoverArrays(
  store: Store,
  patterns: string[],
  root = "",
): Promise<FoundArray[]> {
  // "recon-1/em/" means the group recon-1/em: a trailing slash is not part of any path.
  patterns = patterns.map((p) => p.replace(/\/+$/, "")).filter((p) => p !== "");
  const matchers = patterns.map(globToRegExp);
  const clean = (p: string) => p.replace(/^\/+|\/+$/g, "");
  // A literal pattern naming a group covers every array below it.
  const groups = patterns.filter((p) => !/[*?]/.test(p)).map((p) => `${clean(p)}/`);
  const matches = (p: string) =>
    matchers.length === 0 || matchers.some((m) => m.test(p)) ||
    groups.some((g) => p.startsWith(g));
  const found = new Map<string, FoundArray>();
  const visited = new Set<string>();

  /** `named`: metadata says a node is here, so its absence is an error, not a skip. */
  async function visit(path: string, inherited?: Multiscale, named?: string): Promise<void> {
    if (visited.has(path)) return;
    visited.add(path);
    let node = await nodeAt(store, path);
    if (node === undefined) {
      if (named) {
        if (matches(path)) {
          found.set(path, {
            path,
            error: `${named} names ${path || "the root"}, but it is absent`,
          });
        }
        return;
      }
      // A folder without metadata (an implicit group): listing may still find arrays below.
      if (!store.list) return;
      node = { kind: "group", attrs: {}, consolidated: [] };
    }
    if (node.kind === "broken") {
      if (matches(path)) found.set(path, { path, error: `invalid metadata: ${node.reason}` });
      return;
    }
    if (node.kind === "array") {
      if (!inherited && path.includes("/")) {
        // Reached directly (no listing): the parent group may still describe it.
        const parent = await nodeAt(store, path.slice(0, path.lastIndexOf("/")));
        inherited = parent && parent.kind !== "broken"
          ? multiscaleLevels(parent.attrs).get(path.slice(path.lastIndexOf("/") + 1))
          : undefined;
      }
      if (matches(path)) found.set(path, { path, ...(inherited ? { multiscale: inherited } : {}) });
      return;
    }
    const join = (child: string) => path ? `${path}/${child}` : child;
    const where = path ? `group ${path}` : "the root group";
    const levels = multiscaleLevels(node.attrs);
    for (const child of [...levels.keys()].sort(naturalCompare)) {
      await visit(join(child), levels.get(child), `the OME-NGFF multiscales of ${where}`);
    }
    for (const child of labelNames(node.attrs)) {
      await visit(join(child), undefined, `the OME-NGFF labels of ${where}`);
    }
    for (const child of platePaths(node.attrs)) {
      await visit(join(child), undefined, `the OME-NGFF plate or well of ${where}`);
    }
    for (const child of node.consolidated.sort(naturalCompare)) {
      await visit(join(child), undefined, `the consolidated metadata of ${where}`);
    }
    // An image's segmentations live in its `labels` group, which only listing would find.
    if (levels.size > 0) await visit(join("labels"));
    if (store.list) {
      const { folders } = await store.list(path ? `/${path}` : "/");
      for (const f of folders.sort(naturalCompare)) await visit(join(f));
    }
  }

  await visit(root.replace(/^\/+|\/+$/g, ""));
  if (!store.list) {
    // Without listing, start again from each pattern's literal part: the
    // segments before its first wildcard (the whole path when it has none).
    for (const p of patterns) {
      const segments = clean(p).split("/");
      const wild = segments.findIndex((x) => /[*?]/.test(x));
      await visit(segments.slice(0, wild < 0 ? segments.length : wild).join("/"));
    }
  }
  return [...found.values()].sort((a, b) => naturalCompare(a.path, b.path));
}

/** Compares paths so that "s2" sorts before "s10". */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}
