/**
 * Tests that need something outside Deno (root and a memory cgroup, a Python
 * venv from PyPI, a native library) register through {@linkcode testWith}:
 * where the prerequisite is missing the test is ignored with the reason
 * printed, and under `CI=true` it fails instead, so CI never passes a test it
 * did not run. Their caches live outside the checkout ({@linkcode cacheDir}).
 */

/** True when the tests run under CI (`CI=true`). */
export const CI: boolean = Deno.env.get("CI") === "true";

/**
 * Registers `def`, or, when `missing` names what is missing, an ignored test
 * (a failing one under CI=true) that says so.
 */
export function testWith(def: Deno.TestDefinition, missing: string | null): void {
  if (missing === null) {
    Deno.test(def);
  } else if (CI) {
    Deno.test({
      ...def,
      fn: () => {
        throw new Error(`prerequisite missing under CI=true: ${missing}`);
      },
    });
  } else {
    console.log(`${def.name}: ignored: ${missing}`);
    Deno.test({ ...def, ignore: true });
  }
}

/**
 * A cache directory for test data that is expensive to make (venvs, generated
 * stores): `$LAMELLA_TEST_CACHE`, else `$XDG_CACHE_HOME/lamella-tests`, else
 * `~/.cache/lamella-tests`, else the system temp directory. Never the checkout.
 */
export function cacheDir(sub: string): string {
  const base = Deno.env.get("LAMELLA_TEST_CACHE") ??
    (Deno.env.get("XDG_CACHE_HOME")
      ? `${Deno.env.get("XDG_CACHE_HOME")}/lamella-tests`
      : Deno.env.get("HOME")
      ? `${Deno.env.get("HOME")}/.cache/lamella-tests`
      : `${Deno.makeTempDirSync({ prefix: "lamella-tests-" })}`);
  const dir = `${base}/${sub}`;
  Deno.mkdirSync(dir, { recursive: true });
  return dir;
}
