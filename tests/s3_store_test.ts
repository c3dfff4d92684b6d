/**
 * S3Store against a real S3-compatible server on 127.0.0.1: moto's server
 * mode (PyPI `moto[s3]` 5.2.5, installed by tests/s3_setup.sh into
 * data/s3test/venv). The sample store is uploaded with plain unsigned PUTs
 * (moto does not check signatures by default) into a bucket whose policy
 * allows anonymous GetObject and ListBucket, like `janelia-cosem-datasets`;
 * lamella then reads it anonymously through the path-style endpoint override.
 *
 * When the server cannot be installed (no python3 with venv, no PyPI), the
 * server tests are ignored and the reason is printed; they never pass
 * silently. A server that is installed but does not start fails the test.
 *
 * Only loopback is used; the server and proxies are stopped in `finally`.
 */
import assert from "node:assert/strict";
import type { EnvironmentProbe } from "../src/plan/budget.ts";
import { loadPipelineConfig } from "../src/plan/config.ts";
import { discoverArrays } from "../src/store/discovery.ts";
import { StoreError } from "../src/model/errors.ts";
import { type Report, runPipeline } from "../src/run/pipeline.ts";
import {
  openS3Store,
  parseListObjectsV2,
  parseS3Url,
  s3BucketUrl,
  S3Store,
} from "../src/store/s3.ts";
import { generateSample } from "../tools/sample/sample.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";
import { FileStore, openStore } from "../src/store/store.ts";
import { type Moto, motoUnavailable, startMoto } from "./_moto.ts";
import { testWith } from "./_prereq.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const BUCKET = "lamella-test";

const PROBE: EnvironmentProbe = {
  cgroup: null,
  systemMemoryBytes: 4 * 2 ** 30,
  cores: 2,
  rssBytes: 64e6,
};

async function put(url: string, body: BodyInit, contentType = "application/octet-stream") {
  const response = await fetch(url, {
    method: "PUT",
    body,
    headers: { "content-type": contentType },
    signal: AbortSignal.timeout(30_000),
  });
  const reply = await response.text();
  assert.equal(response.status, 200, `PUT ${url}: ${response.status} ${reply}`);
}

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${dir}${rel}`)) {
    const path = `${rel}/${e.name}`;
    if (e.isDirectory) out.push(...await filesUnder(dir, path));
    else if (e.isFile) out.push(path.slice(1));
  }
  return out;
}

/** Creates the public bucket and uploads `storeDir` under `key`, eight PUTs at a time. */
async function uploadStore(endpoint: string, storeDir: string, key: string): Promise<number> {
  await put(`${endpoint}/${BUCKET}`, "");
  const policy = {
    Version: "2012-10-17",
    Statement: [{
      Sid: "PublicRead",
      Effect: "Allow",
      Principal: "*",
      Action: ["s3:GetObject", "s3:ListBucket"],
      Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
    }],
  };
  await put(`${endpoint}/${BUCKET}?policy`, JSON.stringify(policy), "application/json");
  const files = await filesUnder(storeDir);
  for (let i = 0; i < files.length; i += 8) {
    await Promise.all(
      files.slice(i, i + 8).map(async (f) =>
        put(`${endpoint}/${BUCKET}/${key}/${f}`, await Deno.readFile(`${storeDir}/${f}`))
      ),
    );
  }
  return files.length;
}

/**
 * A pass-through proxy on 127.0.0.1 in front of moto that plays a bucket
 * without public listing (ListObjectsV2 answers 403 AccessDenied, as AWS
 * does), and can fail the next `failNext` requests with 503.
 */
function listDenyingProxy(target: string, opts: { denyList: boolean }) {
  const state = { failNext: 0, requests: 0 };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    state.requests++;
    const url = new URL(req.url);
    if (state.failNext > 0) {
      state.failNext--;
      return new Response("<Error><Code>SlowDown</Code></Error>", { status: 503 });
    }
    if (opts.denyList && url.searchParams.get("list-type") === "2") {
      return new Response(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>' +
          "<Message>Access Denied</Message></Error>",
        { status: 403, headers: { "content-type": "application/xml" } },
      );
    }
    const headers = new Headers();
    const range = req.headers.get("range");
    if (range) headers.set("range", range);
    const upstream = await fetch(`${target}${url.pathname}${url.search}`, {
      headers,
      signal: AbortSignal.timeout(30_000),
    });
    return new Response(await upstream.arrayBuffer(), {
      status: upstream.status,
      headers: upstream.headers,
    });
  });
  return { server, url: `http://127.0.0.1:${server.addr.port}`, state };
}

function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Arrays by path without the keys that depend on the run and the store kind. */
function withoutRunKeys(report: Report): Record<string, unknown> {
  return Object.fromEntries(
    report.arrays.map(({ seconds: _, timing: __, reason: ___, ...rest }) => [rest.path, rest]),
  );
}

function comparable(report: Report): Record<string, unknown> {
  return Object.fromEntries(
    report.arrays.map(({ seconds: _, multiscale: __, timing: ___, reason: ____, ...rest }) => [
      rest.path,
      rest,
    ]),
  );
}

Deno.test("s3:// URLs map to virtual-host URLs by region and to path style behind an endpoint", () => {
  assert.deepEqual(parseS3Url("s3://janelia-cosem-datasets/jrc_hela-2/jrc_hela-2.zarr/"), {
    bucket: "janelia-cosem-datasets",
    prefix: "jrc_hela-2/jrc_hela-2.zarr",
  });
  assert.deepEqual(parseS3Url("s3://bucket"), { bucket: "bucket", prefix: "" });
  assert.throws(() => parseS3Url("s3://Bad_Bucket/x"), StoreError);
  assert.throws(() => parseS3Url("https://x/y"), StoreError);

  const s = openS3Store("s3://janelia-cosem-datasets/jrc_hela-2/jrc_hela-2.zarr");
  assert.equal(
    s.location,
    "https://janelia-cosem-datasets.s3.us-east-1.amazonaws.com/jrc_hela-2/jrc_hela-2.zarr",
  );
  assert.equal(
    openS3Store("s3://b-1/k", { region: "eu-central-1" }).location,
    "https://b-1.s3.eu-central-1.amazonaws.com/k",
  );
  assert.equal(
    s3BucketUrl("with.dots", { region: "us-west-2" }),
    "https://s3.us-west-2.amazonaws.com/with.dots",
  );
  assert.equal(
    openS3Store("s3://b-1/a b/c", { endpoint: "http://127.0.0.1:9000/", region: "ignored" })
      .location,
    "http://127.0.0.1:9000/b-1/a%20b/c",
  );
  assert.throws(() => s3BucketUrl("b-1", { region: "us east" }), /s3\.region/);
  assert.throws(() => s3BucketUrl("b-1", { endpoint: "ftp://x" }), /s3\.endpoint/);
  assert.throws(() => new S3Store("b-1", "", { pageSize: 0 }), RangeError);
});

Deno.test("ListObjectsV2 pages parse keys, common prefixes, entities and continuation tokens", () => {
  const page = parseListObjectsV2(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>' +
      "<Prefix>z/</Prefix><KeyCount>3</KeyCount><MaxKeys>3</MaxKeys><Delimiter>/</Delimiter>" +
      "<IsTruncated>true</IsTruncated>" +
      "<Contents><Key>z/.zattrs</Key><Size>10</Size></Contents>" +
      "<Contents><Key>z/a&amp;b&#x20;&#99;</Key><Size>1</Size></Contents>" +
      "<CommonPrefixes><Prefix>z/s0/</Prefix></CommonPrefixes>" +
      "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>" +
      "</ListBucketResult>",
  );
  assert.deepEqual(page, {
    keys: ["z/.zattrs", "z/a&b c"],
    prefixes: ["z/s0/"],
    truncated: true,
    nextToken: "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=",
  });
  assert.deepEqual(
    parseListObjectsV2(
      "<ListBucketResult><Prefix/><IsTruncated>false</IsTruncated></ListBucketResult>",
    ),
    { keys: [], prefixes: [], truncated: false },
  );
  assert.equal(parseListObjectsV2("<html><body>not S3</body></html>"), undefined);
});

const unavailable = await motoUnavailable();

testWith({
  name: "a public bucket on a real S3-compatible server (moto) on 127.0.0.1",
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "lamella-s3-" });
    const proxies: Deno.HttpServer[] = [];
    let moto: Moto | undefined;
    try {
      moto = await startMoto();
      const endpoint = moto.url;
      const manifest = await generateSample(dir, { scale: 0.25 });
      const filePath = `${dir}/sample.zarr`;
      const uploaded = await uploadStore(endpoint, filePath, "sample.zarr");
      assert.ok(uploaded > manifest.arrays.length, `uploaded ${uploaded} objects`);
      const source = `s3://${BUCKET}/sample.zarr`;
      const allPaths = manifest.arrays.map((a) => a.path).sort();
      const fileStore = new FileStore(filePath);
      const stages = (await loadPipelineConfig(`${ROOT}config/pipeline.yaml`)).stages;
      const run = (src: string, arrays: string[], s3?: { endpoint?: string; region?: string }) =>
        runPipeline({
          source: src,
          arrays,
          stages,
          stagesSource: "test",
          limits: { ...DEFAULT_LIMITS },
          probe: PROBE,
          ...(s3 ? { s3 } : {}),
        });
      const fileReport = await run(filePath, []);

      await t.step(
        "paginated ListObjectsV2 lists the same children as the file store",
        async () => {
          const store = openS3Store(source, { endpoint: endpoint, pageSize: 2 });
          for (
            const prefix of [
              "/",
              "/recon-2",
              "/recon-2/em",
              "/recon-2/em/fibsem-int16",
              "/ms",
              "/nothing",
            ]
          ) {
            assert.ok(store.list, "listing is allowed");
            assert.deepEqual(await store.list(prefix), await fileStore.list(prefix), prefix);
          }
          assert.deepEqual(store.warnings, []);
        },
      );

      await t.step("listing discovers every array, with its multiscale level", async () => {
        const store = openS3Store(source, { endpoint: endpoint });
        const found = await discoverArrays(store, []);
        assert.deepEqual(found.map((f) => f.path), allPaths);
        assert.deepEqual(found, await discoverArrays(fileStore, []));
        const globbed = await discoverArrays(store, ["recon-2/em/*/s*"]);
        assert.deepEqual(
          globbed.map((f) => f.path),
          allPaths.filter((p) => p.startsWith("recon-2/")),
        );
      });

      await t.step(
        "objects and byte ranges read as in the file store; missing keys are absent",
        async () => {
          const store = openS3Store(source, { endpoint: endpoint });
          const key = "/recon-2/em/fibsem-int16/.zattrs";
          const bytes = await fileStore.get(key);
          assert.ok(bytes);
          assert.deepEqual(await store.get(key), bytes);
          assert.deepEqual(
            await store.getRange(key, { offset: 5, length: 20 }),
            bytes.slice(5, 25),
          );
          assert.deepEqual(await store.getRange(key, { suffixLength: 9 }), bytes.slice(-9));
          assert.equal(await store.get("/recon-2/em/fibsem-int16/s0/9/9/9"), undefined);
          assert.equal(await store.getRange("/no/such/key", { offset: 0, length: 4 }), undefined);
        },
      );

      await t.step(
        "arrays listed through S3 and read from the bucket give the file store's report",
        async () => {
          const found = await discoverArrays(openS3Store(source, { endpoint: endpoint }), []);
          // Path-style HTTP URL of the same objects: the pipeline reads them from moto.
          const report = await run(`${endpoint}/${BUCKET}/sample.zarr`, found.map((f) => f.path));
          assert.deepEqual(comparable(report), comparable(fileReport));
          for (const a of report.arrays) assert.equal(a.error, undefined, `${a.path}: ${a.error}`);
        },
      );

      assert.ok((await openStore(source, { s3Endpoint: endpoint })) instanceof S3Store);
      await t.step({
        name: "runPipeline over s3:// with the endpoint override gives the file store's report",
        fn: async () => {
          const report = await run(source, [], { endpoint: endpoint, region: "us-east-1" });
          assert.deepEqual(
            withoutRunKeys(report),
            withoutRunKeys(fileReport),
          );
        },
      });

      await t.step("503 SlowDown replies are retried", async () => {
        const proxy = listDenyingProxy(endpoint, { denyList: false });
        proxies.push(proxy.server);
        const store = openS3Store(source, {
          endpoint: proxy.url,
          retry: { attempts: 4, backoffMs: 5 },
        });
        proxy.state.failNext = 3;
        assert.deepEqual(await store.list!("/"), await fileStore.list("/"));
        proxy.state.failNext = 3;
        assert.deepEqual(await store.get("/.zgroup"), await fileStore.get("/.zgroup"));
        proxy.state.failNext = 4;
        await assert.rejects(store.get("/.zgroup"), /HTTP 503 .*\(after 4 attempts\)/);
      });

      await t.step(
        "a bucket without public listing falls back to multiscales and array paths, with a warning",
        async () => {
          const proxy = listDenyingProxy(endpoint, { denyList: true });
          proxies.push(proxy.server);
          const warned: string[] = [];
          const group = openS3Store(`${source}/recon-2/em/fibsem-int16`, {
            endpoint: proxy.url,
            onWarning: (m) => warned.push(m),
          });
          const levels = await discoverArrays(group, []);
          assert.deepEqual(levels.map((f) => f.path), ["s0", "s1", "s2", "s3"]);
          assert.ok(levels.every((f) => f.multiscale?.scale.length === 3));
          assert.equal(group.list, undefined, "listing is dropped after the 403");
          assert.equal(warned.length, 1);
          assert.deepEqual(group.warnings, warned);
          assert.match(warned[0], /cannot be listed anonymously \(HTTP 403 \(AccessDenied\)\)/);

          const root = openS3Store(source, { endpoint: proxy.url, onWarning: () => {} });
          const found = await discoverArrays(root, allPaths);
          assert.deepEqual(found.map((f) => f.path), allPaths);
          assert.equal(root.warnings.length, 1);
        },
      );

      await t.step("a missing bucket is a StoreError that names it", async () => {
        const store = openS3Store("s3://no-such-bucket/x.zarr", { endpoint: endpoint });
        await assert.rejects(discoverArrays(store, []), (e: unknown) => {
          assert.ok(e instanceof StoreError, String(e));
          assert.match(e.message, /bucket no-such-bucket does not exist \(NoSuchBucket\)/);
          return true;
        });
      });

      await t.step(
        "an endpoint nothing listens on is a StoreError after bounded retries",
        async () => {
          const port = closedPort();
          const store = openS3Store(source, {
            endpoint: `http://127.0.0.1:${port}`,
            retry: { attempts: 2, backoffMs: 5, timeoutMs: 2_000 },
          });
          await assert.rejects(store.get("/.zgroup"), (e: unknown) => {
            assert.ok(e instanceof StoreError);
            assert.match(
              e.message,
              new RegExp(`127\\.0\\.0\\.1:${port}/${BUCKET}/sample\\.zarr/\\.zgroup`),
            );
            assert.match(e.message, /after 2 attempts/);
            return true;
          });
          await assert.rejects(store.list!("/"), /after 2 attempts/);
        },
      );
    } finally {
      for (const p of proxies) await p.shutdown();
      await moto?.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
}, unavailable);
