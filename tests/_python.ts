/**
 * Runs a reference script in one of the project's Python venvs
 * (tests/python_setup.sh NAME) and parses its JSON output.
 */
const ROOT = new URL("..", import.meta.url).pathname;

/** The venv's python, or why it could not be set up (a string starting with "tests/"). */
export async function venvPython(name: string): Promise<{ python: string } | { missing: string }> {
  const setup = await new Deno.Command("bash", {
    args: [`${ROOT}tests/python_setup.sh`, name],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  if (!setup.success) {
    return { missing: `tests/python_setup.sh ${name}: ${text.decode(setup.stderr)}` };
  }
  return { python: text.decode(setup.stdout).trim() };
}

/** Runs tests/python/SCRIPT with `args` in `python`; its stdout parsed as JSON. */
export async function runJson<T>(python: string, script: string, args: string[]): Promise<T> {
  const r = await new Deno.Command(python, {
    args: [`${ROOT}tests/python/${script}`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  if (!r.success) throw new Error(`${script}: ${text.decode(r.stderr)}`);
  return JSON.parse(text.decode(r.stdout));
}
