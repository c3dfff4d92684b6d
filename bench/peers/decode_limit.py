"""Peer: the decode limit. Every chunk file of a Zarr array read and decoded by
numcodecs (libzstd, zlib) on all cores into a buffer per thread, with no
reduction at all: what any tool that decodes the same chunks must pay at least.

Prints the peers' JSON line with `stats: null` (nothing is computed) and
`decodedBytes`.

Usage: python decode_limit.py --store PATH [--threads N]
"""

from __future__ import annotations

import json
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from numpy_loop import emit, parse_args, versions


def main() -> None:
    def extra(p):
        p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads (default: all cores)")

    args = parse_args(__doc__.splitlines()[0], extra)
    import numcodecs

    t0 = time.perf_counter()
    with open(os.path.join(args.store, ".zarray")) as f:
        meta = json.load(f)
    itemsize = np.dtype(meta["dtype"]).itemsize
    chunk_bytes = math.prod(meta["chunks"]) * itemsize
    codec = numcodecs.get_codec(meta["compressor"]) if meta.get("compressor") else None
    files = []
    for root, _dirs, names in os.walk(args.store):
        files.extend(os.path.join(root, n) for n in names if not n.startswith("."))
    threads = max(1, min(args.threads, len(files)))
    parts = [files[len(files) * t // threads: len(files) * (t + 1) // threads] for t in range(threads)]

    def run(part):
        out = np.empty(chunk_bytes, dtype=np.uint8)
        decoded = 0
        for path in part:
            with open(path, "rb") as f:
                data = f.read()
            if codec is None:
                decoded += len(data)
            else:
                codec.decode(data, out=out)
                decoded += chunk_bytes
        return decoded

    with ThreadPoolExecutor(max_workers=threads) as pool:
        decoded = sum(pool.map(run, parts))
    seconds = time.perf_counter() - t0
    info = {"chunksRead": len(files), "threads": threads, "decodedBytes": decoded,
            "setup": f"numcodecs {numcodecs.__version__} {meta.get('compressor', {}).get('id')} decode of every chunk file on {threads} thread(s), no reduction"}
    emit("decode_limit", seconds, None, None, None, info, versions("numpy", "numcodecs"))


if __name__ == "__main__":
    main()
