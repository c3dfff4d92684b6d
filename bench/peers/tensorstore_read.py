"""Peer (d): TensorStore reading the Zarr array (driver `zarr` for v2, `zarr3`
for v3) from the local file kvstore.

TensorStore fetches and decodes the chunks of each read in parallel in C++
(its `data_copy_concurrency` defaults to the core count); no chunk cache is
configured, so every chunk is decoded on every run. The array is read in
chunk-aligned blocks of about --block-mib MiB (default 64), one block read
ahead while NumPy reduces the current one.

Prints the same JSON line as numpy_loop.py; `seconds` covers opening the
array and every read and reduction (imports excluded).

Usage: python tensorstore_read.py --store PATH [--bins N] [--range LO,HI] [--block-mib N]
"""

from __future__ import annotations

import os
import time

import numpy as np

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
    import tensorstore as ts

    t0 = time.perf_counter()
    if args.store.startswith(("http://", "https://")):
        import urllib.request

        try:
            urllib.request.urlopen(args.store.rstrip("/") + "/zarr.json").read()
            driver = "zarr3"
        except Exception:
            driver = "zarr"
        kvstore = {"driver": "http", "base_url": args.store.rstrip("/") + "/"}
    else:
        driver = "zarr3" if os.path.exists(os.path.join(args.store, "zarr.json")) else "zarr"
        kvstore = {"driver": "file", "path": os.path.abspath(args.store)}
    arr = ts.open({"driver": driver, "kvstore": kvstore}, read=True).result()
    shape = tuple(int(n) for n in arr.shape)
    chunks = tuple(int(n) for n in arr.chunk_layout.read_chunk.shape)
    dtype = np.dtype(arr.dtype.numpy_dtype)
    hist = histogram_spec(dtype, args.bins, args.range)
    reducer = ParallelReducer(dtype, hist, os.cpu_count() or 1)
    block = block_shape(shape, chunks, dtype.itemsize, int(args.block_mib * 2**20))
    for data in read_blocks(lambda region: arr[region].read().result(), shape, block):
        reducer.add(data)
    acc = reducer.result()
    seconds = time.perf_counter() - t0

    info = {"dtype": str(dtype), "shape": list(shape), "chunks": list(chunks),
            "block": list(block), "driver": driver}
    emit("tensorstore_read", seconds, acc.result(), acc.hist, hist, info,
         versions("numpy", "tensorstore"))


if __name__ == "__main__":
    main()
