/**
 * What a person sees: report.html of a fixed run (a 3-D image with its three
 * central slices, a label array in colours, a 1-D spectrum with its peaks)
 * rendered by headless Chromium, offline, and compared with the reference
 * screenshot in tests/data/report-screenshot.png (at most 0.5 % of pixels
 * may differ by more than 32 levels in a channel, for font antialiasing).
 *
 * `LAMELLA_UPDATE_SCREENSHOT=1 deno test -A tests/report_screenshot_test.ts`
 * writes a new reference after a deliberate change; look at it first.
 */
import assert from "node:assert/strict";
import { runPipeline } from "../src/run/pipeline.ts";
import { DEFAULT_LIMITS } from "../src/plan/settings_env.ts";
import { renderReportHtml } from "../src/report/html/mod.ts";
import type { Report } from "../src/model/report.ts";
import { generateSample } from "../tools/sample/sample.ts";
import { findBrowser, screenshot } from "../bench/screenshot_report.ts";
import { fixtures } from "./_fixtures.ts";
import { testWith } from "./_prereq.ts";

const REFERENCE = new URL("./data/report-screenshot.png", import.meta.url).pathname;
const WIDTH = 1000;
const HEIGHT = 2400;

/** The report with everything that differs between machines and runs fixed. */
function fixed(report: Report): Report {
  return {
    ...report,
    startedAt: "2026-12-04T12:00:00.000Z",
    seconds: 1,
    source: "sample.zarr",
    environment: {
      ...report.environment,
      memoryLimitBytes: 2 ** 31,
      memorySource: "system",
      cgroupPath: null,
      budgetBytes: 2 ** 30,
      cpuLimit: null,
      workers: 2,
      runtime: "deno 2.9.6",
      os: "linux-x86_64",
      cores: 2,
      warnings: [],
    },
    arrays: report.arrays.map(({ timing: _t, workers: _w, ...a }) => ({
      ...a,
      seconds: 0.1,
      reason: `${a.strategy}: fixed for the screenshot`,
    })),
  };
}

const browser = await findBrowser();
const fx = await fixtures();

testWith(
  {
    name: "report.html with slice pictures, label colours and a spectrum looks as the reference",
    async fn() {
      if (typeof fx === "string") throw new Error(fx);
      const dir = await Deno.makeTempDir({ prefix: "lamella-screenshot-" });
      try {
        await generateSample(dir, { scale: 0.25 });
        const report = await runPipeline({
          source: `${dir}/sample.zarr`,
          arrays: [
            "recon-1/em/fibsem-uint8/s0",
            "recon-1/labels/groundtruth/crop1/mito/s0",
            "ms/spectrum",
          ],
          stages: [
            { name: "stats", options: {} },
            { name: "histogram", options: { bins: 256 } },
            { name: "labels", options: {} },
            { name: "peaks", options: { on: "signal", snr: 3 } },
            { name: "thumbnails", options: {} },
          ],
          stagesSource: "test",
          limits: DEFAULT_LIMITS,
          workers: false,
        });
        const html = renderReportHtml(fixed(report));
        assert.equal(
          (html.match(/<img class="thumb" src="data:image\/png;base64,/g) ?? []).length,
          6,
        );
        assert.ok(!/src="(https?:)?\/\//.test(html), "nothing from the network");
        await Deno.writeTextFile(`${dir}/report.html`, html);
        const png = `${dir}/report.png`;
        const failed = await screenshot(browser!, `${dir}/report.html`, png, WIDTH, HEIGHT);
        assert.equal(failed, undefined, failed);
        if (Deno.env.get("LAMELLA_UPDATE_SCREENSHOT") === "1") {
          await Deno.copyFile(png, REFERENCE);
          console.log(`wrote ${REFERENCE}`);
        }
        const compare = await new Deno.Command(fx.python, {
          args: [
            "-c",
            `import sys
from PIL import Image, ImageChops
a = Image.open(sys.argv[1]).convert("RGB"); b = Image.open(sys.argv[2]).convert("RGB")
if a.size != b.size: print(f"size {a.size} vs {b.size}"); sys.exit(0)
diff = ImageChops.difference(a, b).getdata()
bad = sum(1 for p in diff if max(p) > 32)
print(bad / (a.size[0] * a.size[1]))`,
            png,
            REFERENCE,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const out = new TextDecoder().decode(compare.stdout).trim();
        assert.ok(compare.success, new TextDecoder().decode(compare.stderr));
        const fraction = Number(out);
        assert.ok(Number.isFinite(fraction), out);
        assert.ok(
          fraction <= 0.005,
          `${(100 * fraction).toFixed(2)} % of pixels differ (see ${png})`,
        );
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  },
  browser ? (typeof fx === "string" ? fx : null) : "Chromium not found (apt-get install chromium)",
);
