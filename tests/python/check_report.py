"""The judge: compares a lamella report with what the reference library reads.

    python check_report.py FIXTURES_DIR STORE_NAME REPORT_JSON

For every array of the store, reads it back with the library the manifest
names (zarr-python or TensorStore), then checks every stage in the report
against NumPy:

- stats: count, NaN and Inf counts, min, max exactly; sum, mean, std to 1e-12
  relative (null where infinities make them undefined; sum 0 for no values),
  floats against exactly rounded sums (math.fsum) and the corrected two-pass
  spread, which NumPy's own np.std is only close to at large offsets;
- histogram: every count, below and above, for the report's own bins
  (bin = min(bins - 1, floor((x - min) * bins / (max - min))));
- profiles: nansum, nanmean, nanmax or nanmin over the reduced axes;
- labels: the number of distinct non-zero labels, labelled voxels, and every
  listed label's voxel count;
- checksum: SHA-256 over the SHA-256 of each chunk's values, in C order and
  chunk order, little-endian.

Every array the writer wrote must be in the report, and no other. Arrays the
manifest expects lamella to refuse must carry an error matching the pattern;
every other one must be correct. Prints a JSON object
{"checked": N, "problems": [...]} and exits 0 (the caller asserts).
"""
import hashlib
import itertools
import json
import math
import re
import sys
from pathlib import Path

import numpy as np

root_dir, store_name, report_path = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
manifest = json.loads((root_dir / "manifest.json").read_text())
entry = next(s for s in manifest["stores"] if s["name"] == store_name)
store_path = root_dir / entry["path"]
report = json.loads(Path(report_path).read_text())
problems = []
checked = 0


def read(path):
    if entry["reader"] == "zarr":
        import zarr
        return np.asarray(zarr.open_array(store=str(store_path), path=path, mode="r")[...])
    import tensorstore as ts
    driver = entry["reader"].split(":")[1]
    spec = {"driver": driver, "kvstore": {"driver": "file", "path": str(store_path / path)}}
    x = np.asarray(ts.open(spec, read=True).result().read().result())
    # TensorStore presents N5 axes in N5's order (fastest first); lamella, like zarr-python's
    # N5 store, in Zarr's (fastest last): the same array, transposed.
    return x.T if driver == "n5" else x


def close(a, b, rel=1e-12):
    if a is None or b is None:
        return a is b
    if isinstance(a, str) or isinstance(b, str):
        return int(a) == int(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300) or a == b


def problem(path, what):
    problems.append(f"{store_name} {path}: {what}")


def check_stats(path, x, got):
    f = x.astype(np.float64).ravel() if x.dtype.kind != "b" else x.astype(np.float64).ravel()
    nan = np.isnan(f)
    inf = np.isinf(f)
    valid = f[~nan]
    exact = x.dtype.kind in "iub"
    def extreme(v):
        # JSON has no infinities: lamella writes null, and infCount says why.
        return None if v is None or (isinstance(v, float) and math.isinf(v)) else v
    want = {
        "count": int(valid.size),
        "nanCount": int(nan.sum()),
        "infCount": int(inf.sum()),
        "min": None if valid.size == 0 else extreme(int(x.min()) if exact else float(valid.min())),
        "max": None if valid.size == 0 else extreme(int(x.max()) if exact else float(valid.max())),
    }
    if inf.any():
        want.update(sum=None, mean=None, std=None)
    elif valid.size == 0:
        want.update(sum=0, mean=None, std=None)
    else:
        if exact:
            total = int(x.astype(object).sum())
            want.update(sum=total, mean=float(np.mean(valid)), std=float(np.std(valid)))
        else:
            # Exactly rounded sums (math.fsum) and the corrected two-pass spread: more
            # accurate than np.sum/np.std, whose errors grow with the values' offset.
            n = valid.size
            total = math.fsum(valid)
            mean = total / n
            d = valid - mean
            m2 = math.fsum(d * d) - math.fsum(d) ** 2 / n
            want.update(sum=total, mean=mean, std=math.sqrt(max(m2, 0.0) / n))
    for k, v in want.items():
        g = got.get(k)
        ok = (g == v) if k in ("count", "nanCount", "infCount") else close(g, v)
        if k in ("min", "max") and exact and g is not None and v is not None:
            ok = int(g) == int(v) or (abs(int(v)) > 2**53 and float(g) == float(v))
        if k == "sum" and exact and g is not None and v is not None:
            ok = int(float(g)) == v if abs(v) <= 2**53 else close(float(g), float(v), 1e-15)
        if not ok:
            problem(path, f"stats.{k}: lamella {g}, NumPy {v}")


def check_histogram(path, x, h):
    f = x.astype(np.float64).ravel()
    f = f[~np.isnan(f)]
    lo, hi, bins = h["min"], h["max"], h["bins"]
    below = int((f < lo).sum())
    above = int((f >= hi).sum())
    inside = f[(f >= lo) & (f < hi)]
    idx = np.minimum(bins - 1, np.floor((inside - lo) * (bins / (hi - lo))).astype(np.int64))
    counts = np.bincount(idx, minlength=bins)
    if h["below"] != below or h["above"] != above:
        problem(path, f"histogram below/above: lamella {h['below']}/{h['above']}, NumPy {below}/{above}")
    if list(map(int, h["counts"])) != counts.tolist():
        diff = [i for i in range(bins) if h["counts"][i] != counts[i]][:5]
        problem(path, f"histogram counts differ at bins {diff}")


def check_profiles(path, x, profiles):
    f = x.astype(np.float64)
    for p in profiles:
        axes = tuple(p["axes"])
        fn = {"sum": np.nansum, "mean": np.nanmean, "max": np.nanmax, "min": np.nanmin}[p["reduce"]]
        with np.errstate(all="ignore"), warnings_off():
            all_nan = np.all(np.isnan(f), axis=axes)
            want = np.where(all_nan, np.nan, fn(f, axis=axes)).ravel()
        got = p["values"]
        if len(got) != want.size:
            problem(path, f"profile over {axes}: {len(got)} values, NumPy {want.size}")
            continue
        for i, (g, w) in enumerate(zip(got, want.tolist())):
            if not close(g, None if math.isnan(w) else w, 1e-12):
                problem(path, f"profile {p['reduce']} over {axes} cell {i}: lamella {g}, NumPy {w}")
                break


class warnings_off:
    def __enter__(self):
        import warnings
        self.cm = warnings.catch_warnings()
        self.cm.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *a):
        self.cm.__exit__(*a)


def check_labels(path, x, labels):
    ids, counts = np.unique(x[x != 0], return_counts=True)
    if labels["distinct"] != ids.size or labels["labelledVoxels"] != int(counts.sum()):
        problem(path, f"labels: lamella {labels['distinct']} labels/{labels['labelledVoxels']} voxels, "
                      f"NumPy {ids.size}/{int(counts.sum())}")
        return
    want = {str(int(i)): int(c) for i, c in zip(ids, counts)}
    for k, v in labels["voxels"].items():
        if want.get(k) != v:
            problem(path, f"labels: label {k} has {want.get(k)} voxels, lamella says {v}")
            return


def check_checksum(path, x, chunks, got):
    grid = [math.ceil(n / c) for n, c in zip(x.shape, chunks)]
    le = x.dtype.newbyteorder("<") if x.dtype.kind != "b" else np.dtype("u1")
    outer = hashlib.sha256()
    for coords in itertools.product(*[range(g) for g in grid]):
        region = x[tuple(slice(c * s, (c + 1) * s) for c, s in zip(coords, chunks))]
        outer.update(hashlib.sha256(np.ascontiguousarray(region).astype(le).tobytes()).digest())
    if outer.hexdigest() != got["sha256"]:
        problem(path, f"checksum: lamella {got['sha256'][:16]}…, NumPy {outer.hexdigest()[:16]}…")


def main():
    global checked
    by_path = {a["path"]: a for a in report["arrays"]}
    missing = sorted(set(entry["arrays"]) - set(by_path))
    extra = sorted(set(by_path) - set(entry["arrays"]) - set(entry["expect"]))
    if missing:
        problems.append(f"{store_name}: arrays missing from the report: {missing}")
    if extra:
        problems.append(f"{store_name}: arrays the writer did not write: {extra}")
    for path, pattern in entry["expect"].items():
        a = by_path.pop(path, None)
        if a is None:
            problem(path, f"missing from the report (expected an error matching {pattern!r})")
        elif not a.get("error") or not re.search(pattern, a["error"]):
            problem(path, f"expected an error matching {pattern!r}; got {a.get('error') or a.get('stats')}")
    for path, a in sorted(by_path.items()):
        if a.get("error"):
            problem(path, f"lamella failed: {a['error']}")
            continue
        if a["strategy"] == "skip":
            continue
        x = read(path)
        if list(x.shape) != a["shape"]:
            problem(path, f"shape: lamella {a['shape']}, reference {list(x.shape)}")
            continue
        if "stats" in a:
            check_stats(path, x, a["stats"])
        if "histogram" in a:
            check_histogram(path, x, a["histogram"])
        if "profiles" in a:
            check_profiles(path, x, a["profiles"])
        if "labels" in a:
            check_labels(path, x, a["labels"])
        if "checksum" in a:
            check_checksum(path, x, a["chunks"], a["checksum"])
        checked += 1
    print(json.dumps({"checked": checked, "arrays": len(report["arrays"]), "problems": problems}))


main()
