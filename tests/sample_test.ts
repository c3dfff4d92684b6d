import assert from "node:assert/strict";
import zlib from "node:zlib";
import * as zarr from "zarrita";
import {
  generateSample,
  SAMPLE_MARKER,
  SAMPLE_VERSION,
  sampleIsComplete,
  type SampleManifest,
} from "../tools/sample/sample.ts";
import {
  createArrayV2,
  createArrayV3,
  writeArray,
  writeGroupV2,
} from "../tools/sample/zarr_write.ts";

// --- helpers -----------------------------------------------------------------

/** The smallest zarrita store: keys start with "/", absent keys are undefined. */
function fileStore(root: string): zarr.Readable {
  return {
    async get(key: string) {
      try {
        return await Deno.readFile(root + key);
      } catch {
        return undefined;
      }
    },
  };
}

async function openArray(root: string, path: string) {
  return await zarr.open(zarr.root(fileStore(root)).resolve(path), { kind: "array" });
}

async function openGroup(root: string, path: string) {
  return await zarr.open(zarr.root(fileStore(root)).resolve(path), { kind: "group" });
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function sha256(bytes: Uint8Array | ArrayBufferView): Promise<string> {
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const digest = await crypto.subtle.digest("SHA-256", view.slice());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) out.push(...await listFiles(`${dir}/${entry.name}`, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** numpy's rounding of an integer sum of 8 values divided by 8: ties to even. */
function meanOf8(sum: number): number {
  const mean = sum / 8;
  const floor = Math.floor(mean);
  const frac = mean - floor;
  if (frac > 0.5) return floor + 1;
  if (frac < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Checks that `coarse` is the rounded 2x2x2 mean of `fine` at every voxel. */
function assertWindowedMean(
  fine: { data: ArrayLike<number>; shape: number[] },
  coarse: { data: ArrayLike<number>; shape: number[] },
  label: string,
): void {
  const [, fy, fx] = fine.shape;
  const [cz, cy, cx] = coarse.shape;
  for (let d = 0; d < 3; d++) assert.equal(coarse.shape[d], Math.floor(fine.shape[d] / 2));
  for (let z = 0; z < cz; z++) {
    for (let y = 0; y < cy; y++) {
      for (let x = 0; x < cx; x++) {
        let sum = 0;
        for (let dz = 0; dz < 2; dz++) {
          for (let dy = 0; dy < 2; dy++) {
            for (let dx = 0; dx < 2; dx++) {
              sum += fine.data[((2 * z + dz) * fy + 2 * y + dy) * fx + 2 * x + dx];
            }
          }
        }
        const got = coarse.data[(z * cy + y) * cx + x];
        if (got !== meanOf8(sum)) {
          assert.fail(`${label} [${z},${y},${x}]: ${got} != round(${sum}/8) = ${meanOf8(sum)}`);
        }
      }
    }
  }
}

// The default sample, generated once for the tests that read it.
const tempDirs: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of tempDirs) Deno.removeSync(dir, { recursive: true });
});
async function tempDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "lamella-sample-" });
  tempDirs.push(dir);
  return dir;
}
let defaultSample: Promise<{ dir: string; root: string; manifest: SampleManifest }> | undefined;
function sample() {
  defaultSample ??= (async () => {
    const dir = await tempDir();
    const manifest = await generateSample(dir);
    return { dir, root: `${dir}/sample.zarr`, manifest };
  })();
  return defaultSample;
}

function entry(manifest: SampleManifest, path: string) {
  const found = manifest.arrays.find((a) => a.path === path);
  assert.ok(found, `manifest lists ${path}`);
  return found;
}

// --- the writer ----------------------------------------------------------------

Deno.test("the writer pads edge chunks to full size and skips chunks of fill value", async () => {
  const dir = await tempDir();
  await writeGroupV2(`${dir}/w.zarr`);
  const w = await createArrayV2(`${dir}/w.zarr/a`, {
    shape: [5, 3],
    chunks: [4, 2],
    dtype: "<i2",
    compressor: null,
    fillValue: -1,
  });
  await writeArray(w, ([cy, cx], [ny, nx]) => {
    const data = new Int16Array(ny * nx).fill(-1);
    if (cy === 0) data.forEach((_, i) => data[i] = 10 * cy + cx + i);
    return data;
  });
  assert.deepEqual(w.stats, { chunksWritten: 2, chunksSkipped: 2, bytesWritten: 2 * 4 * 2 * 2 });
  // "." is the v2 default separator; edge chunk 0.1 holds 4x1 values padded to 4x2
  const raw = new Int16Array((await Deno.readFile(`${dir}/w.zarr/a/0.1`)).buffer);
  assert.deepEqual([...raw], [1, -1, 2, -1, 3, -1, 4, -1]);
  assert.equal(await exists(`${dir}/w.zarr/a/1.0`), false);
  const arr = await openArray(`${dir}/w.zarr`, "a");
  const all = await zarr.get(arr);
  assert.deepEqual([...all.data], [0, 1, 1, 2, 3, 2, 4, 5, 3, 6, 7, 4, -1, -1, -1]);
});

Deno.test("the writer rejects chunks of the wrong length or type and coordinates outside the grid", async () => {
  const dir = await tempDir();
  const w = await createArrayV2(`${dir}/b`, {
    shape: [10],
    chunks: [4],
    dtype: "|u1",
    compressor: { id: "gzip", level: 1 },
  });
  await assert.rejects(w.writeChunk([0], new Uint8Array(3)), RangeError);
  await assert.rejects(w.writeChunk([3], new Uint8Array(4)), RangeError);
  // deno-lint-ignore no-explicit-any
  await assert.rejects(w.writeChunk([0], new Int8Array(4) as any), TypeError);
  // the edge chunk may be given at its in-bounds size (2) or full size (4)
  assert.equal(await w.writeChunk([2], new Uint8Array([5, 6])), true);
  assert.deepEqual([...await w.readChunk([2])], [5, 6, 0, 0]);
  assert.deepEqual([...await w.readChunk([1])], [0, 0, 0, 0]);
});

Deno.test("a v3 array with a NaN fill value skips all-NaN chunks and writes the fill as a string", async () => {
  const dir = await tempDir();
  const w = await createArrayV3(`${dir}/c`, {
    shape: [6],
    chunks: [3],
    dataType: "float32",
    compressor: { id: "zstd", level: 3 },
    fillValue: NaN,
  });
  assert.equal(await w.writeChunk([0], new Float32Array([NaN, NaN, NaN])), false);
  assert.equal(await w.writeChunk([1], new Float32Array([1, NaN, 3])), true);
  const meta = JSON.parse(await Deno.readTextFile(`${dir}/c/zarr.json`));
  assert.equal(meta.fill_value, "NaN");
  assert.deepEqual(meta.codecs.map((c: { name: string }) => c.name), ["bytes", "zstd"]);
  assert.equal(await exists(`${dir}/c/c/0`), false);
  const got = await zarr.get(await openArray(dir, "c"));
  assert.deepEqual([...got.data as Float32Array], [NaN, NaN, NaN, 1, NaN, 3]);
});

// --- the default sample ----------------------------------------------------------

Deno.test("the default sample has the OpenOrganelle-like layout and metadata", async () => {
  const { root, manifest } = await sample();
  assert.equal(manifest.version, SAMPLE_VERSION);
  const expected: [string, 2 | 3, string, number[], number[]][] = [
    ["recon-2/em/fibsem-int16/s0", 2, "int16", [256, 256, 256], [64, 64, 64]],
    ["recon-2/em/fibsem-int16/s1", 2, "int16", [128, 128, 128], [64, 64, 64]],
    ["recon-2/em/fibsem-int16/s2", 2, "int16", [64, 64, 64], [64, 64, 64]],
    ["recon-2/em/fibsem-int16/s3", 2, "int16", [32, 32, 32], [64, 64, 64]],
    ["recon-1/em/fibsem-uint8/s0", 2, "uint8", [128, 256, 256], [64, 128, 128]],
    ["recon-1/em/fibsem-uint8/s1", 2, "uint8", [64, 128, 128], [64, 128, 128]],
    ["recon-1/labels/inference/segmentations/mito/s0", 2, "uint64", [128, 256, 256], [64, 64, 64]],
    ["recon-1/labels/groundtruth/crop1/mito/s0", 2, "uint8", [64, 96, 96], [64, 64, 64]],
    ["recon-3/em/fibsem-float32/s0", 3, "float32", [96, 128, 128], [32, 64, 64]],
    ["ms/spectrum", 3, "float64", [100000], [16384]],
    ["ms/scans", 3, "float32", [64, 4096], [16, 1024]],
  ];
  assert.deepEqual(manifest.arrays.map((a) => a.path), expected.map((e) => e[0]));
  for (const [path, format, dtype, shape, chunks] of expected) {
    const arr = await openArray(root, path);
    assert.equal(arr.dtype, dtype, path);
    assert.deepEqual(arr.shape, shape, path);
    assert.deepEqual(arr.chunks, chunks, path);
    const e = entry(manifest, path);
    assert.equal(e.format, format, path);
    assert.deepEqual([e.dataType, e.shape, e.chunks], [dtype, shape, chunks], path);
    assert.equal(e.chunksWritten + e.chunksSkipped, e.chunksTotal, path);
  }
  const zarray = JSON.parse(await Deno.readTextFile(`${root}/recon-2/em/fibsem-int16/s0/.zarray`));
  assert.deepEqual(zarray, {
    chunks: [64, 64, 64],
    compressor: { id: "zstd", level: 1 },
    dimension_separator: "/",
    dtype: "<i2",
    fill_value: 0,
    filters: null,
    order: "C",
    shape: [256, 256, 256],
    zarr_format: 2,
  });
  const uint8 = JSON.parse(await Deno.readTextFile(`${root}/recon-1/em/fibsem-uint8/s0/.zarray`));
  assert.deepEqual(uint8.compressor, { id: "zstd", level: 6 });
  for (const group of ["", "recon-1", "recon-1/labels/groundtruth/crop1", "recon-2/em"]) {
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${root}/${group}/.zgroup`)), {
      zarr_format: 2,
    });
  }
  for (const group of ["recon-3", "recon-3/em", "ms"]) {
    assert.equal(await exists(`${root}/${group}/.zgroup`), false, group);
    const g = await openGroup(root, group);
    assert.ok(g instanceof zarr.Group);
  }
  assert.equal(await exists(`${root}/.zmetadata`), false);
});

Deno.test("multiscales follow OME-NGFF 0.4: scale s0*2^k, translation s0*(2^k-1)/2, shapes halved", async () => {
  const { root } = await sample();
  const cases: [string, number[], number][] = [
    ["recon-2/em/fibsem-int16", [3.24, 4, 4], 4],
    ["recon-1/em/fibsem-uint8", [8, 8, 8], 2],
  ];
  for (const [path, s0, levels] of cases) {
    const group = await openGroup(root, path);
    const [ms] = group.attrs.multiscales as {
      version: string;
      axes: { name: string; type: string; unit: string }[];
      datasets: {
        path: string;
        coordinateTransformations: { type: string; [k: string]: unknown }[];
      }[];
    }[];
    assert.equal(ms.version, "0.4");
    assert.deepEqual(ms.axes.map((a) => [a.name, a.type, a.unit]), [
      ["z", "space", "nanometer"],
      ["y", "space", "nanometer"],
      ["x", "space", "nanometer"],
    ]);
    assert.equal(ms.datasets.length, levels);
    let shape: number[] | undefined;
    for (const [k, ds] of ms.datasets.entries()) {
      assert.equal(ds.path, `s${k}`);
      assert.deepEqual(ds.coordinateTransformations, [
        { type: "scale", scale: s0.map((s) => s * 2 ** k) },
        { type: "translation", translation: s0.map((s) => (s * (2 ** k - 1)) / 2) },
      ]);
      const arr = await openArray(root, `${path}/s${k}`);
      if (shape) assert.deepEqual(arr.shape, shape.map((n) => Math.floor(n / 2)));
      shape = arr.shape;
    }
  }
  const crop = await openGroup(root, "recon-1/labels/groundtruth/crop1/mito");
  const [cropMs] = crop.attrs.multiscales as {
    datasets: { coordinateTransformations: { translation?: number[] }[] }[];
  }[];
  assert.deepEqual(cropMs.datasets[0].coordinateTransformations[1].translation, [256, 512, 512]);
});

Deno.test("every pyramid level is the 2x2x2 mean of the level above, rounded half to even", async () => {
  const { root } = await sample();
  for (
    const [group, levels] of [["recon-2/em/fibsem-int16", 4], [
      "recon-1/em/fibsem-uint8",
      2,
    ]] as const
  ) {
    let fine = await zarr.get(await openArray(root, `${group}/s0`));
    for (let k = 1; k < levels; k++) {
      const coarse = await zarr.get(await openArray(root, `${group}/s${k}`));
      assertWindowedMean(
        fine as { data: ArrayLike<number>; shape: number[] },
        coarse as { data: ArrayLike<number>; shape: number[] },
        `${group}/s${k}`,
      );
      fine = coarse;
    }
  }
});

Deno.test("int16 EM values look like raw FIB-SEM: zero outside the specimen, negatives in dense stain", async () => {
  const { root } = await sample();
  const s0 = await zarr.get(await openArray(root, "recon-2/em/fibsem-int16/s0"));
  const data = s0.data as Int16Array;
  let min = Infinity, max = -Infinity, zeros = 0, negatives = 0;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
    if (v === 0) zeros++;
    if (v < 0) negatives++;
  }
  assert.ok(min < 0 && min > -10000, `min ${min}`);
  assert.ok(negatives > 0 && negatives < data.length * 0.01, `${negatives} negatives`);
  assert.ok(max > 10000 && max < 20000, `max ${max}`);
  // the specimen ellipsoid fills 4/3 pi (88 * 118 * 118) / 256^3 = 31% of the volume
  assert.ok(zeros > data.length * 0.65 && zeros < data.length * 0.75, `${zeros} zeros`);
  // the centre of the volume is inside the specimen and not zero
  assert.notEqual(data[(128 * 256 + 128) * 256 + 128], 0);
});

Deno.test("all-zero chunks are not stored and read back as zeros", async () => {
  const { root, manifest } = await sample();
  const s0 = `${root}/recon-2/em/fibsem-int16/s0`;
  const stored = (await listFiles(s0)).filter((f) => !f.startsWith("."));
  assert.equal(stored.length, 56);
  assert.equal(entry(manifest, "recon-2/em/fibsem-int16/s0").chunksSkipped, 8);
  for (const corner of ["0/0/0", "0/0/3", "3/3/0", "3/3/3"]) {
    assert.equal(await exists(`${s0}/${corner}`), false, corner);
  }
  assert.ok(await exists(`${s0}/0/0/1`));
  assert.ok(await exists(`${s0}/1/1/1`));
  const arr = await openArray(root, "recon-2/em/fibsem-int16/s0");
  const corner = await zarr.get(arr, [
    zarr.slice(192, 256),
    zarr.slice(0, 64),
    zarr.slice(192, 256),
  ]);
  assert.ok((corner.data as Int16Array).every((v) => v === 0));
  // labels: nothing right of x = 192, so that column of chunks is absent
  const mito = `${root}/recon-1/labels/inference/segmentations/mito/s0`;
  for (let z = 0; z < 2; z++) {
    for (let y = 0; y < 4; y++) assert.equal(await exists(`${mito}/${z}/${y}/3`), false);
  }
  assert.equal(entry(manifest, "recon-1/labels/inference/segmentations/mito/s0").chunksSkipped, 10);
});

Deno.test("mitochondria are non-contiguous uint64 instance ids and the ground truth matches them", async () => {
  const { root } = await sample();
  const seg = await openArray(root, "recon-1/labels/inference/segmentations/mito/s0");
  const ids = (seg.attrs["lamella:instanceIds"] as number[]).map(BigInt);
  assert.equal(ids.length, 36);
  const labels = await zarr.get(seg);
  assert.ok(labels.data instanceof BigUint64Array);
  const seen = new Set<bigint>(labels.data as BigUint64Array);
  assert.ok(seen.has(0n));
  seen.delete(0n);
  assert.ok(seen.size >= 30, `${seen.size} ids present`);
  for (const id of seen) assert.ok(ids.includes(id), `unexpected id ${id}`);
  assert.ok([...seen].some((id) => id > 0xffff_ffffn), "some ids above 2^32");
  const sorted = [...seen].sort((a, b) => (a < b ? -1 : 1));
  assert.ok(sorted.some((id, i) => i > 0 && id - sorted[i - 1] > 1n), "ids have gaps");

  const gt = await openArray(root, "recon-1/labels/groundtruth/crop1/mito/s0");
  assert.deepEqual(gt.attrs.cellmap, {
    annotation: {
      class_name: "mito",
      annotation_type: {
        type: "semantic_segmentation",
        encoding: { absent: 0, present: 1, unknown: 255 },
      },
    },
  });
  const truth = await zarr.get(gt);
  const [gz, gy, gx] = truth.shape;
  const offset = [32, 64, 64];
  const counts = new Map<number, number>();
  for (let z = 0; z < gz; z++) {
    for (let y = 0; y < gy; y++) {
      for (let x = 0; x < gx; x++) {
        const v = (truth.data as Uint8Array)[(z * gy + y) * gx + x];
        counts.set(v, (counts.get(v) ?? 0) + 1);
        const border = Math.min(z, y, x, gz - 1 - z, gy - 1 - y, gx - 1 - x) < 4;
        if (border) {
          assert.equal(v, 255, `border voxel [${z},${y},${x}]`);
        } else {
          const label: bigint = (labels.data as BigUint64Array)[
            ((z + offset[0]) * 256 + y + offset[1]) * 256 + x + offset[2]
          ];
          assert.equal(v, label === 0n ? 0 : 1, `voxel [${z},${y},${x}]`);
        }
      }
    }
  }
  assert.deepEqual([...counts.keys()].sort((a, b) => a - b), [0, 1, 255]);
  assert.ok(counts.get(1)! > 1000, `${counts.get(1)} present voxels`);
});

Deno.test("the v3 float32 volume is readable, has a NaN fill value and a few NaNs", async () => {
  const { root } = await sample();
  const group = await openGroup(root, "recon-3/em/fibsem-float32");
  const ome = group.attrs.ome as {
    version: string;
    multiscales: { datasets: { path: string }[] }[];
  };
  assert.equal(ome.version, "0.5");
  assert.equal(ome.multiscales[0].datasets[0].path, "s0");
  const meta = JSON.parse(
    await Deno.readTextFile(`${root}/recon-3/em/fibsem-float32/s0/zarr.json`),
  );
  assert.equal(meta.fill_value, "NaN");
  assert.deepEqual(meta.chunk_key_encoding, { name: "default", configuration: { separator: "/" } });
  assert.ok(await exists(`${root}/recon-3/em/fibsem-float32/s0/c/2/1/1`));
  const arr = await openArray(root, "recon-3/em/fibsem-float32/s0");
  const { data } = await zarr.get(arr);
  let nans = 0;
  for (const v of data as Float32Array) if (Number.isNaN(v)) nans++;
  assert.equal(nans, arr.attrs["lamella:nanCount"]);
  assert.ok(nans > 0 && nans < 100);
});

Deno.test("the v3 spectrum has peaks where its attributes say", async () => {
  const { root } = await sample();
  const arr = await openArray(root, "ms/spectrum");
  const peaks = arr.attrs["lamella:truePeaks"] as {
    position: number;
    height: number;
    sigma: number;
  }[];
  assert.ok(peaks.length >= 20);
  assert.ok(await exists(`${root}/ms/spectrum/c/6`), "padded last chunk");
  const { data } = await zarr.get(arr);
  const y = data as Float64Array;
  assert.equal(y.length, 100000);
  for (const p of peaks) {
    const i = Math.round(p.position);
    const far = Math.round(p.position + 10 * p.sigma);
    const lift = y[i] - y[far];
    // heights are >= 20 with noise sigma 2; neighbours of other peaks are >= 300 away
    assert.ok(
      Math.abs(lift - p.height) < Math.max(15, 0.1 * p.height),
      `peak at ${p.position}: ${lift}`,
    );
  }
});

Deno.test("the sample is deterministic: the same bytes on every run", async () => {
  const [a, b] = [await tempDir(), await tempDir()];
  await generateSample(a, { scale: 0.25 });
  await generateSample(b, { scale: 0.25 });
  const files = await listFiles(`${a}/sample.zarr`);
  assert.deepEqual(await listFiles(`${b}/sample.zarr`), files);
  assert.ok(files.length > 20);
  for (const file of files) {
    const [x, y] = await Promise.all([
      Deno.readFile(`${a}/sample.zarr/${file}`),
      Deno.readFile(`${b}/sample.zarr/${file}`),
    ]);
    assert.equal(await sha256(x), await sha256(y), file);
  }
});

Deno.test("the default sample's content is pinned: change it only with a new SAMPLE_VERSION", async () => {
  const { root } = await sample();
  // Hashes of decoded chunks, independent of the Zstd build that compressed them.
  const decoded = async (path: string) =>
    await sha256(zlib.zstdDecompressSync(await Deno.readFile(`${root}/${path}`)));
  const hashes = {
    int16: await decoded("recon-2/em/fibsem-int16/s0/1/2/1"),
    uint8: await decoded("recon-1/em/fibsem-uint8/s1/0/0/0"),
    spectrum: await decoded("ms/spectrum/c/3"),
  };
  assert.deepEqual(hashes, PINNED, `SAMPLE_VERSION ${SAMPLE_VERSION}`);
});

const PINNED = {
  int16: "d27de379a71f432f3ed6fb79847c4a98b181fa333d360b20a40d993a7b9b2943",
  uint8: "bf603f58cc9247ca2e2f0713bdf4a3147b4abff5ffcd238f68f032b4a59b249d",
  spectrum: "9d4ae82b4c021d5c712351bc114889ff77b10cbbc42cf405df10a96c53f617ec",
};

Deno.test("a half-written sample is detected and regenerated; a complete one is kept", async () => {
  const dir = await tempDir();
  assert.equal(await sampleIsComplete(dir), false);
  const first = await generateSample(dir, { scale: 0.125 });
  assert.equal(await sampleIsComplete(dir), true);
  assert.equal(await sampleIsComplete(dir, { scale: 0.125 }), true);
  assert.equal(await sampleIsComplete(dir, { scale: 1 }), false);
  const marker = JSON.parse(await Deno.readTextFile(`${dir}/sample.zarr/${SAMPLE_MARKER}`));
  assert.deepEqual(marker, first);

  // complete: kept as is
  await Deno.writeTextFile(`${dir}/sample.zarr/extra`, "kept");
  assert.deepEqual(await generateSample(dir, { scale: 0.125 }), first);
  assert.ok(await exists(`${dir}/sample.zarr/extra`));

  // no marker: the store is half-written, so it is removed and written again
  await Deno.remove(`${dir}/sample.zarr/${SAMPLE_MARKER}`);
  await Deno.remove(`${dir}/sample.zarr/recon-2/em/fibsem-int16/s1`, { recursive: true });
  assert.equal(await sampleIsComplete(dir), false);
  assert.deepEqual(await generateSample(dir, { scale: 0.125 }), first);
  assert.equal(await exists(`${dir}/sample.zarr/extra`), false);
  assert.ok(await exists(`${dir}/sample.zarr/recon-2/em/fibsem-int16/s1/.zarray`));
  assert.equal(await sampleIsComplete(dir), true);

  // an older version is regenerated too
  await Deno.writeTextFile(
    `${dir}/sample.zarr/${SAMPLE_MARKER}`,
    JSON.stringify({ ...first, version: SAMPLE_VERSION - 1 }),
  );
  assert.equal(await sampleIsComplete(dir), false);
});
