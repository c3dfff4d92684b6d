/**
 * Validates reports against schema/report.schema.json with Ajv (draft
 * 2020-12, formats checked), for every test that produces a report.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const SCHEMA = JSON.parse(
  Deno.readTextFileSync(new URL("../schema/report.schema.json", import.meta.url)),
);
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
// deno-lint-ignore no-explicit-any
(addFormats as any)(ajv);
const validate = ajv.compile(SCHEMA);

/** The schema, parsed. */
export const REPORT_SCHEMA: Record<string, unknown> = SCHEMA;

/** Throws, listing every violation, unless `report` (as JSON text or parsed) is valid. */
export function assertValidReport(report: unknown, what = "report"): void {
  const value = typeof report === "string" ? JSON.parse(report) : JSON.parse(JSON.stringify(
    report,
    (_k, v) => typeof v === "bigint" ? v.toString() : v,
  ));
  if (validate(value)) return;
  const errors = (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
  throw new Error(`${what} does not match schema/report.schema.json:\n  ${errors.join("\n  ")}`);
}
