/**
 * Finds the arrays of a Zarr hierarchy (v2 and v3): by listing when the store
 * can list, through consolidated metadata when present, and otherwise by
 * following OME-NGFF `multiscales` and explicit array paths. Records each
 * multiscale level's scale and translation.
 *
 * @module
 */
import type { Multiscale } from "../model/array.ts";
import type { Store } from "./store.ts";

/** One array found in a store. */
export interface FoundArray {
  /** Path inside the store, without a leading slash ("recon-2/em/fibsem-int16/s0"). */
  path: string;
  /** OME-NGFF scale/translation of this level, when a parent group declares one. */
  multiscale?: Multiscale;
}

const decoder = new TextDecoder();

async function readJson(store: Store, key: string): Promise<Record<string, unknown> | undefined> {
  const bytes = await store.get(key);
  if (!bytes) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
}

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

interface Node {
  kind: "array" | "group";
  attrs: Record<string, unknown>;
}

async function nodeAt(store: Store, path: string): Promise<Node | undefined> {
  const prefix = path ? `/${path}` : "";
  const v3 = await readJson(store, `${prefix}/zarr.json`);
  if (v3 && v3.zarr_format === 3) {
    const attrs = (v3.attributes ?? {}) as Record<string, unknown>;
    return { kind: v3.node_type === "array" ? "array" : "group", attrs };
  }
  if (await store.get(`${prefix}/.zarray`)) {
    return { kind: "array", attrs: (await readJson(store, `${prefix}/.zattrs`)) ?? {} };
  }
  const zgroup = await store.get(`${prefix}/.zgroup`);
  const attrs = await readJson(store, `${prefix}/.zattrs`);
  if (zgroup || attrs) return { kind: "group", attrs: attrs ?? {} };
  return undefined;
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
  const matchers = patterns.map(globToRegExp);
  const clean = (p: string) => p.replace(/^\/+|\/+$/g, "");
  // A literal pattern naming a group covers every array below it.
  const groups = patterns.filter((p) => !/[*?]/.test(p)).map((p) => `${clean(p)}/`);
  const matches = (p: string) =>
    matchers.length === 0 || matchers.some((m) => m.test(p)) ||
    groups.some((g) => p.startsWith(g));
  const found = new Map<string, FoundArray>();
  const visited = new Set<string>();

  async function visit(path: string, inherited?: Multiscale): Promise<void> {
    if (visited.has(path)) return;
    visited.add(path);
    const node = await nodeAt(store, path);
    if (node?.kind === "array") {
      if (!inherited && path.includes("/")) {
        // Reached directly (no listing): the parent group may still describe it.
        const parent = await nodeAt(store, path.slice(0, path.lastIndexOf("/")));
        inherited = parent
          ? multiscaleLevels(parent.attrs).get(path.slice(path.lastIndexOf("/") + 1))
          : undefined;
      }
      if (matches(path)) found.set(path, { path, ...(inherited ? { multiscale: inherited } : {}) });
      return;
    }
    const levels = node ? multiscaleLevels(node.attrs) : new Map<string, Multiscale>();
    const children = new Set<string>(levels.keys());
    if (store.list) {
      const { folders } = await store.list(path ? `/${path}` : "/");
      for (const f of folders) children.add(f);
    }
    for (const child of [...children].sort(naturalCompare)) {
      await visit(path ? `${path}/${child}` : child, levels.get(child));
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
