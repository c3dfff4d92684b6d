"""Peer: zarr-python + NumPy, a chunk loop on all cores, written the way a careful user would.

The chunk grid is split into one contiguous list per thread; each thread reads
its chunks through zarr-python (whose codecs release the GIL), reduces them
into its own accumulator with buffers allocated once, and the accumulators
are merged at the end. Integer histograms use `np.bincount` on a shifted
copy; floats use `np.histogram`. With `--threads 1` it is the same loop on one
thread. Works with zarr 2 (Debian's python3-zarr) and zarr 3 (the venv).

Same job and output line as the other peers (see numpy_loop.py).

Usage: python numpy_threads.py --store PATH [--threads N] [--bins N] [--range LO,HI]
"""

from __future__ import annotations

import math
import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from numpy_loop import chunk_slices, emit, histogram_spec, parse_args, versions


class Accumulator:
    """Mergeable stats and histogram; one per thread, its buffers reused chunk after chunk."""

    def __init__(self, dtype: np.dtype, hist, chunk_elements: int) -> None:
        self.dtype = np.dtype(dtype)
        self.exact = self.dtype.kind in "iub" and self.dtype.itemsize <= 2
        self.floating = self.dtype.kind == "f"
        self.count = self.nan_count = 0
        self.min = self.max = None
        self.sum = self.sumsq = 0
        self.mean = self.m2 = 0.0
        self.spec = hist
        self.hist = None if hist is None else np.zeros(hist[0], dtype=np.int64)
        self.wide = np.empty(chunk_elements, dtype=np.float64 if self.floating else np.int64)
        if hist is not None:
            bins, lo, hi = hist
            width = (hi - lo) // bins
            pow2 = (hi - lo) % bins == 0 and width & (width - 1) == 0
            self.shift = width.bit_length() - 1 if pow2 else None

    def add(self, block: np.ndarray) -> None:
        flat = block.reshape(-1)
        step = self.wide.size
        for start in range(0, flat.size, step):
            self._add(flat[start:start + step])

    def _add(self, x: np.ndarray) -> None:
        if x.size == 0:
            return
        if self.floating:
            nan = np.isnan(x)
            k = int(np.count_nonzero(nan))
            if k:
                self.nan_count += k
                x = x[~nan]
                if x.size == 0:
                    return
        n = x.size
        lo, hi = x.min(), x.max()
        self.min = lo if self.min is None else min(self.min, lo)
        self.max = hi if self.max is None else max(self.max, hi)
        w = self.wide[:n]
        np.copyto(w, x, casting="unsafe")
        if self.exact:
            self.sum += int(w.sum())
            self.sumsq += int(np.dot(w, w))
        else:
            s = float(w.sum())
            m = s / n
            np.subtract(w, m, out=w)
            m2 = float(np.dot(w, w))
            total = self.count + n
            delta = m - self.mean
            self.mean += delta * n / total
            self.m2 += m2 + delta * delta * self.count * n / total
            self.sum += s
        self.count += n
        if self.hist is None:
            return
        bins, blo, bhi = self.spec
        if self.floating:
            self.hist += np.histogram(x, bins=bins, range=(blo, bhi))[0]
            return
        if not self.exact:
            np.copyto(w, x, casting="unsafe")
        if lo < blo or hi >= bhi:
            w = w[(w >= blo) & (w < bhi)]
        np.subtract(w, blo, out=w)
        if self.shift is not None:
            np.right_shift(w, self.shift, out=w)
        else:
            np.floor_divide(w * bins, bhi - blo, out=w)
        self.hist += np.bincount(w, minlength=bins)

    def merge(self, o: "Accumulator") -> None:
        if o.count == 0:
            self.nan_count += o.nan_count
            return
        if self.count == 0:
            o.nan_count += self.nan_count
            self.__dict__.update(o.__dict__)
            return
        self.min, self.max = min(self.min, o.min), max(self.max, o.max)
        if not self.exact:
            total = self.count + o.count
            delta = o.mean - self.mean
            self.m2 += o.m2 + delta * delta * self.count * o.count / total
            self.mean += delta * o.count / total
        self.sum += o.sum
        self.sumsq += o.sumsq
        self.count += o.count
        self.nan_count += o.nan_count
        if self.hist is not None:
            self.hist += o.hist

    def result(self) -> dict:
        n = self.count
        if n == 0:
            return {"count": 0, "nanCount": self.nan_count, "min": None, "max": None,
                    "sum": 0, "mean": None, "std": None}
        if self.exact:
            mean = self.sum / n
            std = math.sqrt((n * self.sumsq - self.sum * self.sum) / (n * n))
        else:
            mean, std = self.mean, math.sqrt(self.m2 / n)
        num = int if self.dtype.kind in "iub" else float
        return {"count": n, "nanCount": self.nan_count, "min": num(self.min), "max": num(self.max),
                "sum": self.sum, "mean": mean, "std": std}


PIECE = 1 << 20


class ParallelReducer:
    """Reduces blocks on all cores: each block is cut into one slab per thread along
    its first axis, every thread adding its slab to its own accumulator."""

    def __init__(self, dtype, hist, threads: int) -> None:
        self.threads = threads
        self.accs = [Accumulator(dtype, hist, PIECE) for _ in range(threads)]
        self.pool = ThreadPoolExecutor(max_workers=threads)

    def add(self, block: np.ndarray) -> None:
        n = block.shape[0] if block.ndim else 1
        slabs = [block[n * t // self.threads: n * (t + 1) // self.threads] for t in range(self.threads)]
        list(self.pool.map(lambda ta: ta[0].add(ta[1]), zip(self.accs, slabs)))

    def result(self) -> Accumulator:
        self.pool.shutdown()
        acc = self.accs[0]
        for other in self.accs[1:]:
            acc.merge(other)
        return acc


def main() -> None:
    def extra(p):
        p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads (default: all cores)")

    args = parse_args(__doc__.splitlines()[0], extra)
    import zarr

    t0 = time.perf_counter()
    arr = zarr.open_array(store=args.store, mode="r")
    hist = histogram_spec(arr.dtype, args.bins, args.range)
    regions = list(chunk_slices(arr.shape, arr.chunks))
    threads = max(1, min(args.threads, len(regions)))
    parts = [regions[len(regions) * t // threads: len(regions) * (t + 1) // threads] for t in range(threads)]
    chunk_elements = math.prod(arr.chunks)

    def run(part):
        acc = Accumulator(arr.dtype, hist, chunk_elements)
        for region in part:
            acc.add(arr[region])
        return acc

    if threads == 1:
        accs = [run(parts[0])]
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            accs = list(pool.map(run, parts))
    acc = accs[0]
    for other in accs[1:]:
        acc.merge(other)
    seconds = time.perf_counter() - t0
    info = {"dtype": str(arr.dtype), "shape": list(arr.shape), "chunks": list(arr.chunks),
            "chunksRead": len(regions), "threads": threads,
            "setup": f"zarr {zarr.__version__} chunk loop on {threads} thread(s), persistent buffers, np.bincount"}
    emit("numpy_threads", seconds, acc.result(), acc.hist, hist, info, versions("numpy", "zarr", "numcodecs"))


if __name__ == "__main__":
    main()
