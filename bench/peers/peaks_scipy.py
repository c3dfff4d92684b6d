"""scipy.signal.find_peaks_cwt, the peer of lamella's CWT peaks benchmark (bench/peaks_bench.ts).

Times find_peaks_cwt with its own clock (time.perf_counter around the call only: imports,
reading the signal and JSON are excluded) and prints JSON with the median seconds and the
peak indices. scipy's other arguments stay at their defaults, which is what lamella's
`preset: scipy` (kernels/peak_params.ts SCIPY_PRESET) reproduces: min_snr 1, noise_perc 10,
gap_thresh ceil(widths[0]), min_length ceil(len(widths)/4), window_size ceil(n/20),
max_distances widths/4.

A signal file is text with one number per line (.csv, e.g. exampleMS.csv) or raw
little-endian float64 (.f64, as the benchmark writes its synthetic spectra).

One shot:  python peaks_scipy.py [--widths 1..64 | --widths 1,2,4] [--runs 3] FILE
  prints {"versions": {...}, "file", "n", "widths", "runs", "seconds", "times", "peaks"}.
Serve:     python peaks_scipy.py --serve
  prints {"ready": true, "versions": {...}} once scipy is imported and warmed up, then reads
  one JSON job per stdin line, {"file": ..., "widths": [...], "runs": 1}, and answers each
  with one JSON line as above (or {"error": "..."}); stops at end of input. The benchmark
  uses this to interleave scipy calls with lamella's without paying the imports each time.
"""

import argparse
import json
import statistics
import sys
import time
import traceback

import numpy as np
import scipy
from scipy.signal import find_peaks_cwt


def versions():
    return {
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
    }


def read_signal(path):
    if path.endswith(".f64"):
        return np.fromfile(path, dtype="<f8")
    return np.loadtxt(path, dtype=np.float64, ndmin=1)


def parse_widths(text):
    """'1..64' (inclusive) or '1,2,4'."""
    if ".." in text:
        lo, hi = (int(s) for s in text.split(".."))
        return list(range(lo, hi + 1))
    return [float(s) for s in text.split(",")]


def run_job(job):
    x = read_signal(job["file"])
    widths = np.asarray(job["widths"], dtype=np.float64)
    runs = max(1, int(job.get("runs", 1)))
    times = []
    peaks = None
    for _ in range(runs):
        t = time.perf_counter()
        peaks = find_peaks_cwt(x, widths)
        times.append(time.perf_counter() - t)
    return {
        "file": job["file"],
        "n": int(x.size),
        "widths": len(widths),
        "runs": runs,
        "seconds": statistics.median(times),
        "times": times,
        "peaks": [int(i) for i in peaks],
    }


def serve():
    # One small call first, so lazily loaded scipy modules are not timed in the first job.
    find_peaks_cwt(np.sin(np.linspace(0, 20, 1000)), np.arange(1, 9))
    print(json.dumps({"ready": True, "versions": versions()}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = run_job(json.loads(line))
        except Exception as e:  # answer the job; the benchmark reports it and carries on
            answer = {"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}
        print(json.dumps(answer), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?")
    ap.add_argument("--widths", default="1..64")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--serve", action="store_true")
    args = ap.parse_args()
    if args.serve:
        serve()
        return
    if not args.file:
        ap.error("a signal FILE is required unless --serve")
    answer = run_job({"file": args.file, "widths": parse_widths(args.widths), "runs": args.runs})
    print(json.dumps({"versions": versions(), **answer}))


if __name__ == "__main__":
    main()
