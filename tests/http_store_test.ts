/**
 * lamella over plain HTTP: the sample store served by a static file server on
 * 127.0.0.1 (Range requests, and faults on demand: 5xx, persistent 500 on one
 * key, delays past the client's timeout). HTTP cannot list, so discovery
 * follows OME-NGFF `multiscales` and literal array paths; the reports must
 * equal the file store's, field for field, except for timings.
 *
 * Only loopback is used; every server is shut down in `finally`.
 */
import assert from "node:assert/strict";
import type { EnvironmentProbe } from "../src/plan/budget.ts";
import { loadPipelineConfig, type StageSpec } from "../src/plan/config.ts";
import { StoreError } from "../src/model/errors.ts";
import { type Report, runPipeline } from "../src/run/pipeline.ts";
import { generateSample, type SampleManifest } from "../tools/sample/sample.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";
import { HttpStore } from "../src/store/store.ts";
import { noFaults, serveDirectory } from "./_http_server.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** A fixed environment, so both runs plan every array the same way. */
const PROBE: EnvironmentProbe = {
  cgroup: null,
  systemMemoryBytes: 4 * 2 ** 30,
  cores: 2,
  rssBytes: 64e6,
};

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Report entries without timings, keyed by path. `withoutMultiscale` drops
 * the OME-NGFF scale too: an array named by its path is opened without its
 * parent group, so over HTTP (no listing) it has none.
 */
function comparable(report: Report, withoutMultiscale = false): Record<string, unknown> {
  return Object.fromEntries(
    report.arrays.map(({ seconds: _, timing: __, reason: ___, multiscale, ...rest }) => [
      rest.path,
      withoutMultiscale ? rest : { ...rest, multiscale },
    ]),
  );
}

async function run(source: string, arrays: string[], stages: StageSpec[]): Promise<Report> {
  return await runPipeline({
    source,
    arrays,
    stages,
    stagesSource: "test",
    limits: { ...DEFAULT_LIMITS },
    probe: PROBE,
  });
}

Deno.test("the sample store served over HTTP from 127.0.0.1", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "lamella-http-" });
  const { server, url, faults, served } = serveDirectory(dir);
  try {
    const manifest: SampleManifest = await generateSample(dir, { scale: 0.25 });
    const stages = (await loadPipelineConfig(`${ROOT}config/pipeline.yaml`)).stages;
    const filePath = `${dir}/sample.zarr`;
    const httpUrl = `${url}/sample.zarr`;
    const allPaths = manifest.arrays.map((a) => a.path);
    const fileReport = await run(filePath, [], stages);
    assert.deepEqual(
      fileReport.arrays.map((a) => a.path).sort(),
      [...allPaths].sort(),
      "the file store lists every array",
    );
    for (const a of fileReport.arrays) assert.equal(a.error, undefined, `${a.path}: ${a.error}`);

    await t.step("every array named by its path gives the file store's report", async () => {
      const report = await run(httpUrl, allPaths, stages);
      assert.deepEqual(comparable(report, true), comparable(fileReport, true));
      assert.ok(
        served.some((s) => s.status === 404),
        "absent all-zero chunks were requested and answered 404",
      );
    });

    await t.step("discovery follows multiscales from a group with no array paths", async () => {
      for (const group of ["recon-2/em/fibsem-int16", "recon-1/em/fibsem-uint8"]) {
        const report = await run(`${httpUrl}/${group}`, [], stages);
        const local = await run(`${filePath}/${group}`, [], stages);
        const levels = manifest.arrays.filter((a) => a.path.startsWith(`${group}/`)).length;
        assert.equal(report.arrays.length, levels, `${group}: every level found`);
        assert.deepEqual(comparable(report), comparable(local));
        for (const a of report.arrays) {
          assert.equal(a.multiscale?.scale.length, 3, `${group}/${a.path} carries its scale`);
        }
      }
    });

    await t.step("without listing, a root with no multiscales finds no arrays", async () => {
      await assert.rejects(run(httpUrl, [], stages), (e: unknown) => {
        assert.ok(e instanceof StoreError);
        assert.match(e.message, /no Zarr arrays found/);
        return true;
      });
    });

    await t.step("503 replies are retried and the statistics do not change", async () => {
      const group = "recon-2/em/fibsem-int16";
      const before = served.filter((s) => s.status === 503).length;
      // Two failures in a row: the first request needs all three attempts.
      faults.failNext = 2;
      faults.status = 503;
      const report = await run(`${httpUrl}/${group}`, [], stages);
      Object.assign(faults, noFaults());
      assert.equal(served.filter((s) => s.status === 503).length - before, 2);
      assert.deepEqual(
        comparable(report),
        comparable(await run(`${filePath}/${group}`, [], stages)),
      );
    });

    await t.step(
      "a persistent 500 on one chunk fails that array with the chunk key; the others succeed",
      async () => {
        const broken = manifest.arrays.find((a) => a.path === "recon-2/em/fibsem-int16/s1");
        assert.ok(broken && broken.chunksWritten > 0);
        // The first stored chunk of s1 (v2, "/" separator): its key is its grid coordinates.
        const chunkKey = await firstChunkKey(`${filePath}/${broken.path}`);
        faults.alwaysFail = new RegExp(`/${broken.path}/${chunkKey}$`);
        const report = await run(httpUrl, allPaths, stages);
        Object.assign(faults, noFaults());
        for (const a of report.arrays) {
          if (a.path === broken.path) {
            assert.match(a.error ?? "", new RegExp(`chunk ${chunkKey}\\b`), a.error);
            assert.match(a.error ?? "", /HTTP 500/);
            assert.match(a.error ?? "", /after 3 attempts/);
          } else {
            assert.equal(a.error, undefined, `${a.path}: ${a.error}`);
            const local = fileReport.arrays.find((b) => b.path === a.path);
            assert.deepEqual(
              { ...a, seconds: 0, timing: 0, reason: "", multiscale: undefined },
              { ...local, seconds: 0, timing: 0, reason: "", multiscale: undefined },
            );
          }
        }
      },
    );

    await t.step(
      "a reply slower than the timeout is retried; a reply that never comes is a StoreError",
      async () => {
        const key = "/sample.zarr/recon-2/em/fibsem-int16/.zattrs";
        const want = await Deno.readFile(`${dir}${key}`);
        const store = new HttpStore(httpUrl, { attempts: 3, backoffMs: 10, timeoutMs: 150 });
        faults.delay = /\.zattrs$/;
        faults.delayMs = 1_000;
        faults.delayCount = 1;
        assert.deepEqual(await store.get("/recon-2/em/fibsem-int16/.zattrs"), want);
        faults.delayCount = Infinity;
        // The first get's timed-out attempt is logged when its held reply ends.
        await new Promise((r) => setTimeout(r, 1_100));
        const before = served.filter((r) => r.path.endsWith("fibsem-int16/.zattrs")).length;
        await assert.rejects(store.get("/recon-2/em/fibsem-int16/.zattrs"), (e: unknown) => {
          assert.ok(e instanceof StoreError);
          assert.match(
            e.message,
            /fibsem-int16\/\.zattrs: timed out after 150 ms \(after 3 attempts\)/,
          );
          return true;
        });
        Object.assign(faults, noFaults());
        // Bounded by attempts, not by time: exactly three requests reached the server.
        await new Promise((r) => setTimeout(r, 1_100)); // let the held replies finish
        const after = served.filter((r) => r.path.endsWith("fibsem-int16/.zattrs")).length;
        assert.equal(after - before, 3);
      },
    );

    await t.step("range requests return the requested bytes", async () => {
      const key = "/recon-2/em/fibsem-int16/.zattrs";
      const all = await Deno.readFile(`${filePath}${key}`);
      const store = new HttpStore(httpUrl);
      assert.deepEqual(await store.getRange(key, { offset: 3, length: 10 }), all.slice(3, 13));
      assert.deepEqual(await store.getRange(key, { suffixLength: 7 }), all.slice(-7));
      assert.equal(await store.get("/no/such/key"), undefined);
    });
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

/** The key of the first chunk file under a v2 array directory ("0/0/0"). */
async function firstChunkKey(arrayDir: string): Promise<string> {
  let path = "";
  for (;;) {
    const names: string[] = [];
    for await (const e of Deno.readDir(`${arrayDir}${path}`)) {
      if (!e.name.startsWith(".")) names.push(e.name);
    }
    assert.ok(names.length, `no chunk under ${arrayDir}${path}`);
    names.sort((a, b) => Number(a) - Number(b));
    path += `/${names[0]}`;
    if ((await Deno.stat(`${arrayDir}${path}`)).isFile) return path.slice(1);
  }
}

Deno.test("process exits 1 with a StoreError for an http source nothing listens on", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "lamella-http-closed-" });
  try {
    const port = closedPort();
    const source = `http://127.0.0.1:${port}/sample.zarr`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        `${ROOT}deno.json`,
        `${ROOT}tasks/process.ts`,
        "--source",
        source,
        "--quiet",
      ],
      cwd,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, stderr);
    assert.match(
      stderr,
      new RegExp(`^lamella: http://127\\.0\\.0\\.1:${port}/sample\\.zarr/`, "m"),
    );
    assert.match(stderr, /after 3 attempts/);
    assert.doesNotMatch(stderr, /Uncaught|at .*\.ts:\d+/, "no stack trace");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
