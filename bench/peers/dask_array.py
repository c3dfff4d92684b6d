"""Peer (b): dask.array over the Zarr array, threaded scheduler, 2 workers.

The idiomatic Dask job: `da.from_zarr`, then min, max, sum, NaN count, std and
a histogram as lazy reductions evaluated in ONE `da.compute`, so every chunk
is read and decoded once and feeds every reduction. One Dask chunk per Zarr
chunk (from_zarr's default).

Prints the same JSON line as numpy_loop.py; `seconds` covers opening the
array, building the graph and computing it (imports excluded).

Usage: python dask_array.py --store PATH [--bins N] [--range LO,HI] [--workers N]
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

from numpy_loop import block_shape, emit, histogram_spec, parse_args, versions


def main() -> None:
    args = parse_args(
        __doc__.splitlines()[0],
        lambda p: (
            p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="threads (default: all cores)"),
            p.add_argument("--chunk-mib", type=float, default=64, help="dask chunk size (default 64 MiB)"),
        ),
    )
    import dask
    import dask.array as da
    import zarr

    t0 = time.perf_counter()
    z = zarr.open_array(store=args.store, mode="r")
    # Dask's advice: chunks of ~100 MB, aligned with the storage chunks.
    x = da.from_zarr(z, chunks=block_shape(z.shape, z.chunks, z.dtype.itemsize, int(args.chunk_mib * 2**20)))
    hist = histogram_spec(x.dtype, args.bins, args.range)
    floating = x.dtype.kind == "f"
    lazy = {
        "min": da.nanmin(x) if floating else x.min(),
        "max": da.nanmax(x) if floating else x.max(),
        "sum": da.nansum(x, dtype=np.float64) if floating else x.sum(dtype=np.int64),
        "std": da.nanstd(x, dtype=np.float64) if floating else x.std(dtype=np.float64),
    }
    if floating:
        lazy["nan"] = da.isnan(x).sum()
    if hist is not None:
        bins, lo, hi = hist
        lazy["hist"] = da.histogram(x, bins=bins, range=(lo, hi))[0]
        if x.dtype.kind in "iu" and hi <= np.iinfo(x.dtype).max:
            # np.histogram's last bin is closed, [.., hi]; the job's bins are
            # half-open, so values equal to hi come back out of it.
            lazy["atHi"] = (x == hi).sum()
    with dask.config.set(scheduler="threads", num_workers=args.workers):
        (values,) = da.compute(lazy)
    if "atHi" in values:
        values["hist"][-1] -= values["atHi"]
    seconds = time.perf_counter() - t0

    nan_count = int(values.get("nan", 0))
    count = int(x.size) - nan_count
    as_num = float if floating else int
    total = as_num(values["sum"])
    stats = {
        "count": count,
        "nanCount": nan_count,
        "min": as_num(values["min"]) if count else None,
        "max": as_num(values["max"]) if count else None,
        "sum": total,
        # int / int is correctly rounded, as lamella's mean from its exact sum
        "mean": total / count if count else None,
        "std": float(values["std"]) if count else None,
    }
    info = {
        "dtype": str(x.dtype),
        "shape": list(x.shape),
        "chunks": [c[0] for c in x.chunks],
        "daskChunks": int(math.prod(len(c) for c in x.chunks)),
        "workers": args.workers,
        "setup": f"da.from_zarr with {args.chunk_mib:g} MiB chunks, one da.compute, threaded scheduler on {args.workers} threads",
    }
    emit("dask_array", seconds, stats, values.get("hist"), hist, info,
         versions("numpy", "dask", "zarr", "numcodecs"))


if __name__ == "__main__":
    main()
