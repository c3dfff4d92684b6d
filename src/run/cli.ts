/**
 * The shared edge of the command-line tasks: run `main`, exit with its code,
 * and turn lamella's own errors (and bad flags) into one line and exit code 1.
 *
 * @module
 */
import { LamellaError } from "../model/errors.ts";

/**
 * Runs a task's `main` and exits with its status; a {@linkcode LamellaError}
 * or a flag parsing error prints `lamella: message` and exits 1, anything
 * else is a bug and keeps its stack trace.
 *
 * @example
 * ```ts ignore
 * import { runCli } from "./cli.ts";
 * if (import.meta.main) await runCli(async () => 0);
 * ```
 */
export async function runCli(main: () => Promise<number>): Promise<never> {
  try {
    Deno.exit(await main());
  } catch (e) {
    if (e instanceof LamellaError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`lamella: ${(e as Error).message}`);
      Deno.exit(1);
    }
    throw e;
  }
}
