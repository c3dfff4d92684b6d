/**
 * Renders a report.json as HTML and takes a screenshot of it with headless
 * Chromium, to look at what a person sees.
 *
 * `deno run -A bench/screenshot_report.ts [--report out/report.json]
 * [--html out/report.html] [--png out/report.png] [--width 1400] [--height 3000]`
 *
 * Needs Chromium (`apt-get install -y chromium` on Debian, or set CHROMIUM to
 * its path). The browser runs with networking and background services off and
 * a throwaway profile, so the page must be self-contained to render right.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../src/store/atomic.ts";
import { renderReportHtml } from "../src/report/html/mod.ts";

const BROWSERS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/** Chromium's path: `CHROMIUM`, else the first of the usual names on PATH. */
export async function findBrowser(): Promise<string | undefined> {
  const fromEnv = Deno.env.get("CHROMIUM");
  if (fromEnv) return fromEnv;
  for (const name of BROWSERS) {
    try {
      const { success, stdout } = await new Deno.Command("which", { args: [name], stdout: "piped" })
        .output();
      if (success) return new TextDecoder().decode(stdout).trim();
    } catch {
      return undefined;
    }
  }
  return undefined;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      report: { type: "string", default: "out/report.json" },
      html: { type: "string", default: "out/report.html" },
      png: { type: "string", default: "out/report.png" },
      width: { type: "string", default: "1400" },
      height: { type: "string", default: "3000" },
    },
    strict: true,
  });
  const report = JSON.parse(await Deno.readTextFile(values.report));
  const t0 = performance.now();
  const html = renderReportHtml(report);
  const ms = performance.now() - t0;
  await writeFileAtomic(values.html, html);
  console.error(
    `${values.html}: ${(html.length / 1e3).toFixed(1)} kB, rendered in ${ms.toFixed(1)} ms`,
  );

  const browser = await findBrowser();
  if (!browser) {
    console.error("no Chromium found: apt-get install -y chromium, or set CHROMIUM=/path/to/it");
    return 1;
  }
  const png = await Deno.realPath(".").then((cwd) =>
    values.png.startsWith("/") ? values.png : `${cwd}/${values.png}`
  );
  const page = await Deno.realPath(values.html);
  const failed = await screenshot(browser, page, png, Number(values.width), Number(values.height));
  if (failed) {
    console.error(failed);
    return 1;
  }
  console.error(`${values.png}: ${values.width}x${values.height} screenshot of ${page}`);
  return 0;
}

/**
 * Takes a `width` x `height` screenshot of the page at `page` (an absolute
 * path) into `png` with headless Chromium, offline and with a throwaway
 * profile. Returns why it failed, or undefined.
 */
export async function screenshot(
  browser: string,
  page: string,
  png: string,
  width: number,
  height: number,
): Promise<string | undefined> {
  const profile = await Deno.makeTempDir({ prefix: "lamella-chromium-" });
  try {
    const { code, stderr } = await new Deno.Command(browser, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        `--user-data-dir=${profile}`,
        `--screenshot=${png}`,
        `--window-size=${width},${height}`,
        `file://${page}`,
      ],
      stdout: "null",
      stderr: "piped",
      signal: AbortSignal.timeout(120_000),
    }).output();
    return code === 0 ? undefined : new TextDecoder().decode(stderr);
  } finally {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) Deno.exit(await main());
