/**
 * Scheduled runs' report destinations: KV (whole or in parts), a directory,
 * an S3-compatible URL without credentials, and an S3 bucket on a real
 * S3-compatible server (moto, tests/s3_setup.sh) that checks SigV4 signatures.
 * When moto cannot be installed, that test is ignored and the reason printed.
 */
import assert from "node:assert/strict";
import { ConfigError, StoreError } from "../src/model/errors.ts";
import {
  KV_PART_BYTES,
  parseReportTarget,
  readKvReport,
  type RunRecord,
  storeReport,
} from "../src/report/sinks.ts";
import { generateSample } from "../tools/sample/sample.ts";
import { signRequest, uriEncodePath } from "../src/store/_sigv4.ts";
import type { EnvironmentProbe } from "../src/plan/budget.ts";
import { loadSchedules, runJob, runScheduledJob } from "../tasks/cron.ts";
import { motoUnavailable, startSigningMoto } from "./_moto.ts";
import { testWith } from "./_prereq.ts";

const PROBE: EnvironmentProbe = {
  cgroup: null,
  systemMemoryBytes: 4 * 2 ** 30,
  cores: 2,
  rssBytes: 64e6,
};
const WHERE = { source: "jobs.yaml", key: "schedules[0].report" };
const EXAMPLE_KEYS = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

/** A sample store and a jobs file with one schedule whose extra keys are `job`. */
async function sampleJobs(dir: string, job: string, formats = "[json]"): Promise<string> {
  await generateSample(dir, { scale: 0.25 });
  const config = `${dir}/jobs.yaml`;
  await Deno.writeTextFile(
    config,
    `source: ${dir}/sample.zarr\narrays: ["recon-2/**"]\nstages: [stats]\n` +
      `output: { formats: ${formats} }\nschedules:\n  - { name: nightly, cron: "0 3 * * *"${job} }\n`,
  );
  return config;
}

Deno.test("SigV4 signatures match AWS's documented S3 examples and botocore's", async () => {
  const now = new Date("2013-05-24T00:00:00Z");
  // "GET Object" and "PUT Object" from AWS's "Signature Calculations for the Authorization Header".
  const get = await signRequest({
    method: "GET",
    url: "https://examplebucket.s3.amazonaws.com/test.txt",
    headers: { Range: "bytes=0-9" },
    region: "us-east-1",
    credentials: EXAMPLE_KEYS,
    now,
  });
  assert.match(
    get.authorization,
    /SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41$/,
  );
  const put = await signRequest({
    method: "PUT",
    url: `https://examplebucket.s3.amazonaws.com/${uriEncodePath("test$file.text")}`,
    headers: {
      Date: "Fri, 24 May 2013 00:00:00 GMT",
      "x-amz-storage-class": "REDUCED_REDUNDANCY",
    },
    body: "Welcome to Amazon S3.",
    region: "us-east-1",
    credentials: EXAMPLE_KEYS,
    now,
  });
  assert.match(
    put.authorization,
    /Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd$/,
  );
  // As botocore 1.44.5's S3SigV4Auth signs it: a session token, a query, escaped key characters.
  const sts = await signRequest({
    method: "PUT",
    url: `http://127.0.0.1:5000/bkt/${uriEncodePath("a b/r(x).json")}?x-id=PutObject`,
    headers: { "content-type": "application/json" },
    body: '{"a":1}',
    region: "eu-west-2",
    credentials: { ...EXAMPLE_KEYS, sessionToken: "TOKEN" },
    now: new Date("2026-11-23T21:13:24Z"),
  });
  assert.equal(sts["x-amz-security-token"], "TOKEN");
  assert.equal(
    sts.authorization,
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261123/eu-west-2/s3/aws4_request, " +
      "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, " +
      "Signature=5dcb46bb09145b9d3734153c11869589f5c868730658fd52a7b5a39b898264be",
  );
});

Deno.test("report destinations parse from kv, paths, file://, s3:// and https://; others are ConfigErrors", () => {
  assert.deepEqual(parseReportTarget(undefined, WHERE, {}), { kind: "kv" });
  assert.deepEqual(parseReportTarget("kv", WHERE, {}), { kind: "kv" });
  assert.deepEqual(parseReportTarget("out/reports/", WHERE, {}), {
    kind: "file",
    dir: "out/reports",
  });
  assert.deepEqual(parseReportTarget("file:///srv/lamella%20reports", WHERE, {}), {
    kind: "file",
    dir: "/srv/lamella reports",
  });
  assert.deepEqual(parseReportTarget("s3://reports/lamella/", WHERE, { AWS_REGION: "eu-west-2" }), {
    kind: "s3",
    url: "s3://reports/lamella",
    baseUrl: "https://reports.s3.eu-west-2.amazonaws.com/lamella",
    region: "eu-west-2",
  });
  assert.deepEqual(
    parseReportTarget({ url: "s3://reports", endpoint: "http://127.0.0.1:9000" }, WHERE, {}),
    {
      kind: "s3",
      url: "s3://reports",
      baseUrl: "http://127.0.0.1:9000/reports",
      region: "us-east-1",
    },
  );
  assert.equal(
    (parseReportTarget("s3://reports/x", WHERE, { AWS_ENDPOINT_URL_S3: "http://minio:9000" }) as {
      baseUrl: string;
    }).baseUrl,
    "http://minio:9000/reports/x",
  );
  assert.deepEqual(
    parseReportTarget("https://reports.s3.ap-south-1.amazonaws.com/runs/", WHERE, {}),
    {
      kind: "s3",
      url: "https://reports.s3.ap-south-1.amazonaws.com/runs",
      baseUrl: "https://reports.s3.ap-south-1.amazonaws.com/runs",
      region: "ap-south-1",
    },
  );
  assert.throws(() => parseReportTarget("ftp://x/y", WHERE, {}), ConfigError);
  assert.throws(() => parseReportTarget("s3://Bad_Bucket/x", WHERE, {}), /schedules\[0\]\.report/);
  assert.throws(
    () => parseReportTarget({ url: "s3://b-1", bucket: "x" }, WHERE, {}),
    /unknown key/,
  );
  assert.throws(() => parseReportTarget(42, WHERE, {}), ConfigError);
});

Deno.test("a schedule with an unknown key or a bad destination fails when the schedules load", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lamella-cron-" });
  try {
    const bad = `${dir}/bad.yaml`;
    await Deno.writeTextFile(
      bad,
      `schedules:\n  - { name: a, cron: "* * * * *", report: "gs://x" }\n`,
    );
    await assert.rejects(loadSchedules(bad, {}), /schedules\[0\]\.report.*unsupported scheme/);
    await Deno.writeTextFile(bad, `schedules:\n  - { name: a, cron: "* * * * *", sink: kv }\n`);
    await assert.rejects(loadSchedules(bad, {}), /unknown key "sink"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a directory destination gets report.json and report.html, atomically, and KV records the path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lamella-cron-" });
  const kv = await Deno.openKv(":memory:");
  try {
    const config = await sampleJobs(dir, `, report: "file://${dir}/reports"`, "[json, html]");
    const [job] = await loadSchedules(config, {});
    const record = await runScheduledJob(job, kv, config, { env: {}, probe: PROBE, log: () => {} });
    const runDir = `${dir}/reports/nightly/${record.startedAt.replaceAll(":", "-")}`;
    assert.equal(record.destination, "file");
    assert.equal(record.location, `${runDir}/report.json`);
    assert.deepEqual(record.files, ["report.json", "report.html"]);
    const names = [...Deno.readDirSync(runDir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["report.html", "report.json"], "no temporary files left");
    const report = JSON.parse(await Deno.readTextFile(`${runDir}/report.json`));
    assert.equal(report.startedAt, record.startedAt);
    assert.equal(report.arrays.length, 4);
    assert.match(await Deno.readTextFile(`${runDir}/report.html`), /<html/i);
    const stored = await kv.get<RunRecord>(["runs", "nightly", record.startedAt]);
    assert.deepEqual(stored.value, record);
    assert.equal((await kv.get(["reports", "nightly", record.startedAt])).value, null);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a report too large for one KV value is stored in parts and reads back whole", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const big = JSON.stringify({ arrays: Array.from({ length: 13000 }, (_, i) => `array-ü-${i}`) });
    assert.ok(new TextEncoder().encode(big).length > 3 * KV_PART_BYTES);
    const startedAt = "2026-01-01T00:00:00.000Z";
    const stored = await storeReport({ kind: "kv" }, [
      { name: "report.json", text: big, contentType: "application/json" },
      { name: "report.html", text: "<html></html>", contentType: "text/html" },
    ], { kv, job: "big", startedAt, env: {} });
    assert.equal(stored.reportKey, undefined);
    assert.deepEqual(stored.kvParts, { "report.json": 4, "report.html": 1 });
    const record = {
      job: "big",
      startedAt,
      destination: "kv",
      ...stored,
    } as RunRecord;
    assert.equal(await readKvReport(kv, record), big);
    assert.equal(await readKvReport(kv, record, "report.html"), "<html></html>");

    const small = await storeReport({ kind: "kv" }, [
      { name: "report.json", text: "{}", contentType: "application/json" },
    ], { kv, job: "small", startedAt, env: {} });
    assert.deepEqual(small.reportKey, ["reports", "small", startedAt]);
    assert.equal((await kv.get(["reports", "small", startedAt])).value, "{}");
  } finally {
    kv.close();
  }
});

Deno.test("without AWS credentials an https:// destination gets plain PUTs; a refusal is a StoreError", async () => {
  const seen: {
    method: string;
    path: string;
    auth: string | null;
    type: string | null;
    body: string;
  }[] = [];
  let refuse = false;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    seen.push({
      method: req.method,
      path: new URL(req.url).pathname,
      auth: req.headers.get("authorization"),
      type: req.headers.get("content-type"),
      body: await req.text(),
    });
    return refuse
      ? new Response("<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>", {
        status: 403,
      })
      : new Response("");
  });
  const kv = await Deno.openKv(":memory:");
  try {
    const dest = parseReportTarget(`http://127.0.0.1:${server.addr.port}/bucket/runs`, WHERE, {});
    const startedAt = "2026-11-23T03:00:00.000Z";
    const files = [{ name: "report.json", text: '{"ok":true}', contentType: "application/json" }];
    const stored = await storeReport(dest, files, { kv, job: "nightly run", startedAt, env: {} });
    assert.equal(
      stored.location,
      `http://127.0.0.1:${server.addr.port}/bucket/runs/nightly run/2026-11-23T03-00-00.000Z/report.json`,
    );
    assert.deepEqual(seen, [{
      method: "PUT",
      path: "/bucket/runs/nightly%20run/2026-11-23T03-00-00.000Z/report.json",
      auth: null,
      type: "application/json",
      body: '{"ok":true}',
    }]);
    refuse = true;
    await assert.rejects(
      storeReport(dest, files, { kv, job: "nightly", startedAt, env: {} }),
      (e) =>
        e instanceof StoreError &&
        /HTTP 403 AccessDenied: Access Denied \(unsigned\)/.test(e.message),
    );
    assert.equal(seen.length, 2, "a 403 is not retried");
  } finally {
    kv.close();
    await server.shutdown();
  }
});

const unavailable = await motoUnavailable();

testWith({
  name: "a job's report goes to s3://bucket/prefix on moto, SigV4-signed, and reads back equal",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "lamella-cron-s3-" });
    const kv = await Deno.openKv(":memory:");
    const moto = await startSigningMoto();
    try {
      const credentials = { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey };
      const signed = async (method: string, url: string) => {
        const headers = await signRequest({ method, url, region: "us-east-1", credentials });
        return fetch(url, { method, headers, signal: AbortSignal.timeout(30_000) });
      };
      const created = await signed("PUT", `${moto.url}/lamella-reports`);
      assert.equal(created.status, 200, await created.text());

      const config = await sampleJobs(
        dir,
        `, report: { url: "s3://lamella-reports/runs/daily", endpoint: "${moto.url}" }`,
        "[json, html]",
      );
      const env = {
        AWS_ACCESS_KEY_ID: moto.accessKeyId,
        AWS_SECRET_ACCESS_KEY: moto.secretAccessKey,
      };
      const [job] = await loadSchedules(config, env);
      const key = await runJob(job, kv, config, { env, probe: PROBE, log: () => {} });
      assert.equal(key[0], "runs");
      const record = (await kv.get<RunRecord>(key)).value!;
      const stamp = record.startedAt.replaceAll(":", "-");
      assert.equal(record.destination, "s3");
      assert.equal(record.location, `s3://lamella-reports/runs/daily/nightly/${stamp}/report.json`);

      const base = `${moto.url}/lamella-reports/runs/daily/nightly/${stamp}`;
      const got = await signed("GET", `${base}/report.json`);
      assert.equal(got.status, 200);
      const text = await got.text();
      assert.equal(new TextEncoder().encode(text).length, record.bytes);
      const report = JSON.parse(text);
      assert.equal(report.startedAt, record.startedAt);
      assert.equal(report.arrays.length, 4);
      assert.ok(report.arrays.every((a: { stats?: { count: number } }) => a.stats!.count > 0));
      const html = await signed("GET", `${base}/report.html`);
      assert.equal(html.status, 200);
      assert.match(await html.text(), /<html/i);

      // The same run with a wrong secret: moto refuses the signature, nothing is recorded.
      const runsBefore = await Array.fromAsync(kv.list({ prefix: ["runs"] }));
      await assert.rejects(
        runScheduledJob(job, kv, config, {
          env: { ...env, AWS_SECRET_ACCESS_KEY: "not-the-secret" },
          probe: PROBE,
          log: () => {},
        }),
        (e) => e instanceof StoreError && /HTTP 403 SignatureDoesNotMatch/.test(e.message),
      );
      assert.equal(
        (await Array.fromAsync(kv.list({ prefix: ["runs"] }))).length,
        runsBefore.length,
      );
    } finally {
      kv.close();
      await moto.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
}, unavailable);
