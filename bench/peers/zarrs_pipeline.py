"""Peer (c): zarr-python 3 with the `zarrs` codec pipeline (Rust).

zarr-python 3 hands whole multi-chunk reads to zarrs, which fetches and
decodes the chunks in parallel in Rust (threads: zarr's `threading.max_workers`,
default the core count). `codec_pipeline.strict` is on, so an array zarrs
cannot read fails instead of silently falling back to the Python pipeline.

The array is read in chunk-aligned blocks of about --block-mib MiB (default
64), one block read ahead in a thread while NumPy reduces the current one.

Prints the same JSON line as numpy_loop.py; `seconds` covers opening the
array and every read and reduction (imports excluded).

Usage: python zarrs_pipeline.py --store PATH [--bins N] [--range LO,HI] [--block-mib N]
"""

from __future__ import annotations

import os
import time

from numpy_threads import ParallelReducer
from numpy_loop import (
    block_shape,
    emit,
    histogram_spec,
    parse_args,
    read_blocks,
    versions,
)


def main() -> None:
    args = parse_args(
        __doc__.splitlines()[0],
        lambda p: p.add_argument("--block-mib", type=float, default=64, help="block size"),
    )
    import zarr
    import zarrs  # noqa: F401  (fail here, outside the timing, when it is missing)

    zarr.config.set({"codec_pipeline.path": "zarrs.ZarrsCodecPipeline", "codec_pipeline.strict": True})

    t0 = time.perf_counter()
    arr = zarr.open_array(store=args.store, mode="r")
    codec_pipeline = arr._async_array.codec_pipeline
    pipeline = type(codec_pipeline).__name__
    if pipeline != "ZarrsCodecPipeline" or getattr(codec_pipeline, "impl", None) is None:
        raise SystemExit(f"zarr chose {pipeline} without a zarrs implementation for {args.store}")
    hist = histogram_spec(arr.dtype, args.bins, args.range)
    reducer = ParallelReducer(arr.dtype, hist, os.cpu_count() or 1)
    block = block_shape(arr.shape, arr.chunks, arr.dtype.itemsize, int(args.block_mib * 2**20))
    for data in read_blocks(lambda region: arr[region], arr.shape, block):
        reducer.add(data)
    acc = reducer.result()
    seconds = time.perf_counter() - t0

    info = {"dtype": str(arr.dtype), "shape": list(arr.shape), "chunks": list(arr.chunks),
            "block": list(block), "codecPipeline": pipeline}
    emit("zarrs_pipeline", seconds, acc.result(), acc.hist, hist, info,
         versions("numpy", "zarr", "zarrs", "numcodecs"))


if __name__ == "__main__":
    main()
