/**
 * Text for the HTML report: escaping, number and byte formats, axis ticks.
 *
 * @module
 */

export const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { escapeHtml } from "./_text.ts";
 * assertEquals(escapeHtml(`a<b & "c"`), "a&lt;b &amp; &quot;c&quot;");
 * ```
 */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export const esc = escapeHtml;

/** A number for people: integers whole (grouped by thousands), others to 5 or 7 significant digits. */
export function num(x: unknown): string {
  if (x === null || x === undefined) return "–";
  if (typeof x === "string") return x;
  if (typeof x !== "number") return String(x);
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "−Inf";
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e15) return group(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e9)) return x.toExponential(3);
  const rounded = Number(x.toPrecision(a >= 1e4 ? 7 : 5));
  return Number.isInteger(rounded) ? group(rounded) : String(rounded);
}

export function group(n: number): string {
  const s = String(Math.abs(n));
  const out = s.length > 4 ? s.replace(/\B(?=(\d{3})+(?!\d))/g, ",") : s;
  return n < 0 ? `−${out}` : out;
}

/** Bytes in SI units, as the rest of lamella prints them (MB = 10^6 bytes). */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let u = 0;
  let v = n;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

export function mib(n: number): string {
  return `${(Math.round(n / 2 ** 20 * 10) / 10).toLocaleString("en-US")} MiB`;
}

/**
 * A short tick label: an SI suffix chosen from `magnitude` (the largest tick
 * of the axis, so one axis never mixes "5000" and "10k"), decimals from the
 * step.
 */
export function tick(v: number, step: number, magnitude = Math.abs(v)): string {
  if (v === 0) return "0";
  if (magnitude >= 1e15 || magnitude < 1e-3) return v.toExponential(1).replace("e+", "e");
  const units = [[1e12, 1e12, "T"], [1e9, 1e9, "G"], [1e6, 1e6, "M"], [1e4, 1e3, "k"]] as const;
  const [, scale, suffix] = units.find(([from]) => magnitude >= from) ?? [1, 1, ""];
  const digits = Math.min(scale === 1 ? 6 : 3, decimals(step / scale));
  return `${trimZeros((v / scale).toFixed(digits))}${suffix}`.replace("-", "−");
}

/** Decimal places needed to write `step` exactly (0.025 -> 3, 5 -> 0). */
export function decimals(step: number): number {
  const s = trimZeros(step.toFixed(10));
  return s.includes(".") ? s.length - s.indexOf(".") - 1 : 0;
}

/** "2.50" -> "2.5", "3.0" -> "3", "10" -> "10". */
export function trimZeros(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/** About `count` round-numbered ticks (1, 2 or 5 times a power of ten) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): { ticks: number[]; step: number } {
  if (!(hi > lo)) return { ticks: [lo], step: 1 };
  const raw = (hi - lo) / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9) * step;
  for (let k = 0; first + k * step <= hi + step * 1e-9; k++) {
    const t = first + k * step;
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  }
  return { ticks, step };
}

/** The first round tick at or above `max` (1 when `max` is 0), so bars never touch the top. */
export function niceTop(max: number): number {
  if (!(max > 0)) return 1;
  const { step } = niceTicks(0, max, 4);
  return Math.ceil(max / step - 1e-9) * step;
}

/** Coordinates with one decimal: enough for a screen, small in the file. */
export function c(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}
