/**
 * The HTML report: rendered from a real pipeline run over a small sample
 * (with one corrupt chunk and one unsupported array whose path holds `<`),
 * it must be self-contained, escape every path, draw one histogram per array
 * with quantile markers, and show failures as red error rows. Synthetic
 * reports cover peaks, profiles, labels, log axes and size.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type ArrayReport, type Report, runPipeline } from "../src/run/pipeline.ts";
import { escapeHtml, renderReportHtml } from "../src/report/html/mod.ts";
import { generateSample } from "../tools/sample/sample.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";

const ODD = `odd/a<b>&"c"`;

/** Chunk files of an array (names that are all digits and separators). */
async function chunkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory && /^\d+$/.test(e.name)) out.push(...await chunkFiles(p));
    else if (e.isFile && /^\d+(\.\d+)*$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

let cached: Promise<{ report: Report; html: string }> | undefined;

/** Runs the pipeline once over a quarter-size sample with two planted failures. */
function sampleReport(): Promise<{ report: Report; html: string }> {
  cached ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "lamella-html-" });
    try {
      await generateSample(dir, { scale: 0.25 });
      const store = join(dir, "sample.zarr");
      const [chunk] = await chunkFiles(join(store, "recon-2/em/fibsem-int16/s1"));
      await Deno.writeTextFile(chunk, "not a zstd frame");
      await Deno.mkdir(join(store, ODD), { recursive: true });
      await Deno.writeTextFile(
        join(store, ODD, ".zarray"),
        JSON.stringify({
          zarr_format: 2,
          shape: [8],
          chunks: [4],
          dtype: "|S4",
          compressor: null,
          fill_value: "",
          filters: null,
          order: "C",
        }),
      );
      const report = await runPipeline({
        source: store,
        arrays: [],
        stages: [
          { name: "stats", options: {} },
          { name: "histogram", options: { bins: 1024 } },
          { name: "quantiles", options: [0.001, 0.01, 0.5, 0.99, 0.999] },
          { name: "labels", options: {} },
          { name: "profile", options: { axes: [1, 2], reduce: "mean" } },
        ],
        stagesSource: "report_html_test",
        limits: { ...DEFAULT_LIMITS },
      });
      return { report, html: renderReportHtml(report) };
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  })();
  return cached;
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** The markup of each `<svg class="chart KIND ...">...</svg>`. */
function charts(html: string, kind: string): string[] {
  return [...html.matchAll(new RegExp(`<svg class="chart ${kind}"[\\s\\S]*?</svg>`, "g"))]
    .map((m) => m[0]);
}

Deno.test("the sample report is one self-contained page with no network references", async () => {
  const { html } = await sampleReport();
  assert.ok(html.startsWith("<!doctype html>"));
  for (const bad of ["http://", "https://", "src=", "<script", "<link", "@import", "url("]) {
    assert.equal(html.includes(bad), false, `the page contains ${bad}`);
  }
  assert.equal(count(html, "<svg"), count(html, "</svg>"));
  assert.equal(count(html, "<section"), count(html, "</section>"));
});

Deno.test("every array path appears escaped, and no raw markup from a path leaks", async () => {
  const { report, html } = await sampleReport();
  assert.ok(report.arrays.some((a) => a.path === ODD), "the odd array was discovered");
  for (const a of report.arrays) {
    assert.ok(html.includes(`>${escapeHtml(a.path)}</h3>`), `${a.path} has an escaped heading`);
  }
  assert.equal(html.includes("a<b>"), false);
  assert.ok(html.includes("a&lt;b&gt;&amp;&quot;c&quot;"));
});

Deno.test("one histogram chart per array with a histogram, each with quantile markers", async () => {
  const { report, html } = await sampleReport();
  const withHistogram = report.arrays.filter((a) => a.histogram);
  assert.ok(withHistogram.length >= 8, `${withHistogram.length} histograms`);
  const hists = charts(html, "hist");
  assert.equal(hists.length, withHistogram.length);
  assert.equal(count(html, '<svg class="chart hist"'), withHistogram.length);
  for (const [i, a] of withHistogram.entries()) {
    const svg = hists[i];
    assert.ok(svg.includes(`histogram of ${escapeHtml(a.path)}`), `chart ${i} is ${a.path}'s`);
    assert.ok(svg.includes('<g class="quantile">'), `${a.path}: quantile markers`);
    assert.match(svg, /quantile 0\.5 = /, `${a.path}: the median is marked`);
    assert.match(svg, /<text [^>]*>q0\.(001|5)\b/, `${a.path}: quantile labels`);
    assert.match(svg, /<path class="bars" d="M[\d.]+ [\d.]+(L[\d.]+ [\d.]+)+Z"\/>/);
  }
});

Deno.test("failed arrays get a red error row with their message", async () => {
  const { report, html } = await sampleReport();
  const failed = report.arrays.filter((a) => a.error);
  assert.deepEqual(failed.map((a) => a.path).sort(), [ODD, "recon-2/em/fibsem-int16/s1"]);
  assert.equal(count(html, '<tr class="errline">'), failed.length);
  assert.equal(count(html, '<tr class="failed">'), failed.length);
  for (const a of failed) {
    assert.ok(html.includes(`error: ${escapeHtml(a.error)}</td></tr>`), a.path);
  }
  assert.match(html, /tr\.errline td\{color:var\(--bad\)/);
  assert.match(html, /--bad:#b3261e/);
});

Deno.test("the sample's profiles and labels are drawn", async () => {
  const { report, html } = await sampleReport();
  const profiles = report.arrays.filter((a) => Array.isArray(a.profiles)).length;
  assert.ok(profiles > 0);
  assert.equal(charts(html, "profile").length, profiles);
  const labelled = report.arrays.filter((a) => a.labels).length;
  assert.equal(labelled, 2);
  assert.equal(charts(html, "labels").length, labelled);
});

// --- synthetic reports -----------------------------------------------------------

function report(arrays: ArrayReport[], warnings: string[] = []): Report {
  return {
    version: "0.1.0",
    startedAt: "2026-01-01T00:00:00.000Z",
    seconds: 1,
    source: "s.zarr",
    environment: {
      memoryLimitBytes: 256 * 2 ** 20,
      memorySource: "cgroup-v2",
      cgroupPath: "/app",
      budgetBytes: 1e8,
      cpuLimit: 1.5,
      workers: 1,
      runtime: "deno 2",
      os: "linux-x86_64",
      cores: 2,
      limits: {
        maxArraySizeMb: null,
        zarrChunkSizeMb: 16,
        streamingChunkMb: 8,
        largeArrayMode: "stream",
        memoryFraction: 0.6,
        directMaxMb: 25,
        chunkedMaxMb: 100,
      },
      warnings,
    },
    arrays,
  };
}

function array(path: string, extra: Partial<ArrayReport> = {}): ArrayReport {
  return {
    path,
    dtype: "uint16",
    shape: [64, 64, 64],
    chunks: [32, 32, 32],
    bytes: 524288,
    strategy: "direct",
    reason: "direct: small",
    seconds: 0.5,
    chunksTotal: 8,
    chunksMissing: 1,
    ...extra,
  };
}

function gaussian(bins: number, spike = 0): number[] {
  return Array.from(
    { length: bins },
    (_, i) => Math.round(1e4 * Math.exp(-(((i - bins / 2) / (bins / 4)) ** 2))) + 1,
  ).map((c, i) => i === 3 ? c + spike : c);
}

function histogram(counts: number[]) {
  return {
    bins: counts.length,
    min: 0,
    max: counts.length,
    binWidth: 1,
    counts,
    below: 0,
    above: 0,
  };
}

Deno.test("the environment shows the limit, its source, the budget, workers, thresholds and warnings", () => {
  const html = renderReportHtml(report([], ["memory.high <b> is low"]));
  assert.match(html, /256 MiB/);
  assert.match(html, /from cgroup v2; cgroup <code>\/app<\/code>/);
  assert.match(html, /CPU limit 1\.5/);
  assert.match(html, /direct &lt; 25 MB, chunked &lt; 100 MB/);
  assert.match(html, /LARGE_ARRAY_MODE=stream/);
  assert.ok(html.includes("<li>memory.high &lt;b&gt; is low</li>"));
});

Deno.test("histogram peaks (they carry a value) are drawn as one marker each at their bin", () => {
  const counts = gaussian(512);
  const peaks = [
    { index: 256, position: 256.2, scale: 8, snr: 30, height: counts[256], fwhm: 40, value: 256.7 },
    { index: 100, position: 100, scale: 4, snr: 3, height: counts[100], fwhm: 9, value: 100.5 },
  ];
  const html = renderReportHtml(report([array("p", { histogram: histogram(counts), peaks })]));
  const [hist] = charts(html, "hist");
  assert.equal(count(hist, '<path class="peak"'), 2);
  assert.match(
    hist,
    /peak at bin 256\.2 \(value 256\.7\), SNR 30, height [\d,]+, scale 8, FWHM 40 bins/,
  );
  assert.match(html, /2 peaks marked ▼/);
  assert.equal(charts(html, "peaks").length, 0);
});

Deno.test("peaks of a 1-D signal are drawn as sticks, not on its histogram", () => {
  const peaks = [
    { index: 3038, position: 3038, scale: 54, snr: 271.8, height: 1896.4, fwhm: 56.8 },
    { index: 10410, position: 10410, scale: 41, snr: 20.6, height: 294.7, fwhm: 43.9 },
  ];
  const a = array("ms/spectrum", {
    dtype: "float64",
    shape: [100_000],
    histogram: histogram(gaussian(256)),
    peaks,
  });
  const html = renderReportHtml(report([a]));
  assert.equal(count(charts(html, "hist")[0], 'class="peak"'), 0);
  const [sticks] = charts(html, "peaks");
  assert.equal(count(sticks, '<path class="peak"'), 2);
  assert.match(sticks, /<path class="stick" d="M[\d.]+ [\d.]+V[\d.]+M[\d.]+ [\d.]+V[\d.]+"\/>/);
  assert.match(html, /strongest: 3038 \(SNR 271\.8\), 10,410 \(SNR 20\.6\)/);
});

Deno.test("profile peaks of a volume are marked on its first 1-D profile", () => {
  const values = Array.from({ length: 128 }, (_, i) => Math.exp(-(((i - 40) / 5) ** 2)));
  const a = array("v", {
    profiles: [{ axes: [1, 2], reduce: "mean", shape: [128], values }],
    peaks: [{ index: 40, position: 40, scale: 5, snr: 9, height: 1, fwhm: 8 }],
  });
  const html = renderReportHtml(report([a]));
  const [profile] = charts(html, "profile");
  assert.equal(count(profile, '<path class="peak"'), 1);
  assert.match(profile, /peak at index 40, SNR 9/);
});

Deno.test("a spike over a broad histogram gets a log y-axis, and the caption says so", () => {
  const spiky = renderReportHtml(
    report([array("a", { histogram: histogram(gaussian(256, 1e7)) })]),
  );
  assert.match(spiky, /log y-axis: the tallest bin holds 10,000,\d{3}, \d+× the median/);
  assert.match(spiky, /count \(log\)/);
  const plain = renderReportHtml(report([array("a", { histogram: histogram(gaussian(256)) })]));
  assert.match(plain, /linear y-axis/);
});

Deno.test("a histogram that fills a small part of its range is zoomed to the occupied bins", () => {
  const counts = new Array(1024).fill(0);
  for (let i = 500; i < 520; i++) counts[i] = 10 + i;
  const html = renderReportHtml(report([array("z", { histogram: histogram(counts) })]));
  assert.match(html, /bins 499–520 of 1024 shown; the others are empty/);
});

Deno.test("1-D and first-row 2-D profiles are plotted; scalars are written out", () => {
  const a = array("v", {
    multiscale: { axes: ["z", "y", "x"], scale: [1, 1, 1], translation: [0, 0, 0] },
    profiles: [
      {
        axes: [1, 2],
        reduce: "mean",
        shape: [64],
        values: Array.from({ length: 64 }, (_, i) => i),
      },
      {
        axes: [0],
        reduce: "max",
        shape: [64, 64],
        values: Array.from({ length: 4096 }, (_, i) => i % 7),
      },
      { axes: [0, 1, 2], reduce: "sum", shape: [], values: [12345] },
    ],
  } as Partial<ArrayReport>);
  const html = renderReportHtml(report([a]));
  assert.equal(charts(html, "profile").length, 2);
  assert.match(html, /index along z \(axis 0\)/);
  assert.match(html, /64×64 profile: the first row is shown \(index 0 along y \(axis 1\)\)/);
  assert.match(html, /sum over every axis 12,345/);
});

Deno.test("the labels chart lists the 20 largest labels, largest first", () => {
  // JSON puts integer-like keys in numeric order, whatever order they were written in.
  const voxels: Record<string, number> = {};
  for (let id = 1; id <= 30; id++) voxels[String(id)] = id * 10;
  const a = array("seg/labels/s0", {
    labels: { distinct: 30, labelledVoxels: 4650, voxels, capped: false, cap: 1000 },
    stats: { count: 262144 },
  });
  const svg = charts(renderReportHtml(report([a])), "labels")[0];
  const ids = [...svg.matchAll(/<title>label (\d+):/g)].map((m) => Number(m[1]));
  assert.deepEqual(ids, Array.from({ length: 20 }, (_, i) => 30 - i));
});

Deno.test("hundreds of arrays with 4096-bin histograms and long profiles render small", () => {
  const wave = Array.from({ length: 100_000 }, (_, k) => Math.sin(k / 100));
  const arrays = Array.from({ length: 300 }, (_, i) =>
    array(`recon-${i}/em/s0`, {
      histogram: histogram(gaussian(4096, i)),
      quantiles: { "0.01": 1500, "0.5": 2048, "0.99": 2600, maxError: 0 },
      profiles: [{ axes: [1, 2], reduce: "mean", shape: [100_000], values: wave }],
    }));
  const html = renderReportHtml(report(arrays));
  // Path points are bounded by the plot width, not by the bins or samples.
  for (const m of html.matchAll(/<path class="(?:bars|line)" d="([^"]*)"/g)) {
    assert.ok(count(m[1], "L") <= 2 * 600, `a path with ${count(m[1], "L")} segments`);
  }
  assert.ok(html.length < 300 * 40_000, `${(html.length / 1e6).toFixed(1)} MB of HTML`);
});

Deno.test("slice pictures are embedded, and an OME-NGFF label slice lies over its image's", async () => {
  const { thumbnailsStage } = await import("../src/stages/thumbnails.ts");
  const pictures = async (path: string, dtype: "uint16" | "uint32", data: ArrayLike<number>) => {
    const stage = thumbnailsStage({}, "test");
    const info = { path, dtype, shape: [4, 4], chunks: [4, 4] };
    const Ctor = dtype === "uint16" ? Uint16Array : Uint32Array;
    const read = () => Promise.resolve({ data: Ctor.from(data), shape: [4, 4], stride: [4, 1] });
    return stage.finalize(await stage.readArray!(stage.init(info), read, info), info);
  };
  const image = array("img/s0", {
    shape: [4, 4],
    thumbnails: await pictures("img/s0", "uint16", Array.from({ length: 16 }, (_, i) => i)),
  });
  const cells = array("img/labels/cells/s0", {
    dtype: "uint32",
    shape: [4, 4],
    thumbnails: await pictures("img/labels/cells/s0", "uint32", [
      0,
      0,
      1,
      1,
      0,
      2,
      2,
      1,
      0,
      0,
      0,
      0,
      3,
      3,
      0,
      0,
    ]),
  });
  const html = renderReportHtml(report([image, cells]));
  // The image alone, the image under the labels, and the labels.
  assert.equal(count(html, '<img class="thumb" src="data:image/png;base64,'), 2);
  assert.equal(count(html, '<img class="thumb labels" src="data:image/png;base64,'), 1);
  assert.equal(count(html, '<div class="overlay">'), 1);
  assert.match(html, /one colour per label, over img\/s0/);
});
