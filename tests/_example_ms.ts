/**
 * The exampleMS spectrum of MassSpecWavelet (tests/data/exampleMS, LGPL >= 2;
 * see its README for provenance), checked against its pinned SHA-256.
 */

/** Where the vendored spectrum is. */
export const EXAMPLE_MS_PATH: string =
  new URL("./data/exampleMS/exampleMS.csv", import.meta.url).pathname;

const SHA256 = "9650f088e019a9dc8152de28b42ab8255ea575b22c954d374b0855d57377d635";

/** The 37,656 intensities, after checking the file's SHA-256. */
export async function exampleMS(): Promise<Float64Array> {
  const bytes = await Deno.readFile(EXAMPLE_MS_PATH);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  if (hex !== SHA256) {
    throw new Error(`${EXAMPLE_MS_PATH}: SHA-256 ${hex}, expected ${SHA256} (see its README)`);
  }
  const values = new Float64Array(new TextDecoder().decode(bytes).trim().split("\n").map(Number));
  if (values.length !== 37656 || values.some((v) => !Number.isFinite(v))) {
    throw new Error(`${EXAMPLE_MS_PATH}: expected 37,656 finite intensities`);
  }
  return values;
}
