"""Zarr stores written by zarr-python, and what zarr-python reads back from them.

    python write_zarr_fixtures.py OUT_DIR

writes OUT_DIR/v2/data.zarr and OUT_DIR/v3/data.zarr: arrays of every numeric
dtype, codec and filter zarr-python offers for each format (sharding, F order,
big-endian, ragged edge chunks, fill values, consolidated metadata), plus
string and object arrays lamella must refuse. OUT_DIR/expected.json holds, for
every array, the statistics NumPy computes on zarr-python's own reading of it
(nan-aware, population std), or "unsupported" for non-numeric arrays. The
conformance tests compare lamella's report with these.
"""
import json
import sys
import warnings
from pathlib import Path

import numcodecs
import numpy as np
import zarr
import zarr.codecs as zc
from zarr.storage import LocalStore

warnings.filterwarnings("ignore")
rng = np.random.default_rng(20261204)
expected = {}
problems = []


def values(shape, dtype):
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if dt.kind == "b":
        data = rng.integers(0, 2, n).astype(bool)
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        lo, hi = max(int(info.min), -(2**40)), min(int(info.max), 2**40)
        data = rng.integers(lo, hi, n, endpoint=True, dtype=np.int64).astype(dt)
    else:
        data = (rng.standard_normal(n) * 100).astype(dt)
    return data.reshape(shape)


def record(fmt, path, arr):
    """What zarr-python reads back, reduced the way lamella's stats stage does."""
    key = f"{fmt}/{path}"
    data = arr[...]
    if data.dtype.kind not in "biuf":
        expected[key] = {"unsupported": True, "dtype": str(data.dtype)}
        return
    x = np.asarray(data, dtype=np.float64).ravel()
    finite_or_inf = x[~np.isnan(x)]
    n = int(finite_or_inf.size)
    expected[key] = {
        "dtype": str(data.dtype),
        "shape": list(data.shape),
        "count": n,
        "nanCount": int(x.size - n),
        "min": float(finite_or_inf.min()) if n else None,
        "max": float(finite_or_inf.max()) if n else None,
        "mean": float(np.mean(finite_or_inf)) if n else None,
        "std": float(np.std(finite_or_inf)) if n else None,
    }


def make(fmt, root, path, shape, chunks, dtype, data=None, **kwargs):
    try:
        arr = zarr.create_array(
            store=root, name=path, shape=shape, chunks=chunks, dtype=dtype,
            zarr_format=int(fmt[1]), overwrite=True, **kwargs,
        )
        if data is None:
            data = values(shape, dtype)
        arr[...] = data
        record(fmt, path, zarr.open_array(store=root, path=path, mode="r"))
    except Exception as e:  # noqa: BLE001 - report every writer failure at the end
        problems.append(f"{fmt}/{path}: {type(e).__name__}: {e}")


def write_v2(root):
    z = dict(compressors=None)
    make("v2", root, "1d.chunked.i2", (4,), (2,), "<i2", **z)
    make("v2", root, "1d.chunked.ragged.i2", (5,), (2,), "<i2", **z)
    for name, comp in [
        ("raw", None),
        ("zlib", numcodecs.Zlib(level=1)),
        ("gzip", numcodecs.GZip(level=1)),
        ("zstd", numcodecs.Zstd(level=1)),
        ("blosc", numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)),
        ("lz4", numcodecs.LZ4()),
    ]:
        make("v2", root, f"1d.contiguous.{name}.i2", (257,), (257,), "<i2", compressors=comp)
    make("v2", root, "1d.contiguous.delta.i2", (64,), (64,), "<i2", filters=[numcodecs.Delta("<i2")], **z)
    make("v2", root, "1d.contiguous.shuffle.i2", (64,), (64,), "<i2", filters=[numcodecs.Shuffle(2)], **z)
    make("v2", root, "1d.contiguous.delta.shuffle.i2", (64,), (64,), "<i2",
         filters=[numcodecs.Delta("<i2"), numcodecs.Shuffle(2)], **z)
    make("v2", root, "1d.contiguous.bitround.f4", (64,), (64,), "<f4", filters=[numcodecs.BitRound(10)], **z)
    make("v2", root, "1d.contiguous.fixedscaleoffset.f4", (64,), (64,), "<f4",
         data=np.linspace(0, 2.5, 64, dtype="<f4"),
         filters=[numcodecs.FixedScaleOffset(offset=0, scale=100, dtype="<f4", astype="<u2")], **z)
    for dt in ["|b1", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "<f2", "<f4", ">f4", "<f8", ">i2", ">f8"]:
        name = dt[1:] + (".be" if dt[0] == ">" else ".le" if dt[1] in "f" else "")
        make("v2", root, f"1d.contiguous.{name}", (33,), (33,), dt, compressors=numcodecs.Zstd(level=1))
    nan = values((50,), "<f8")
    nan[[3, 17, 18, 40]] = np.nan
    make("v2", root, "1d.chunked.nan.f8", (50,), (16,), "<f8", data=nan, compressors=numcodecs.Zstd(level=1))
    make("v2", root, "2d.chunked.i2", (2, 2), (1, 1), "<i2", **z)
    make("v2", root, "2d.chunked.ragged.i2", (3, 3), (2, 2), "<i2", **z)
    make("v2", root, "2d.contiguous.i2", (2, 2), (2, 2), "<i2", **z)
    make("v2", root, "3d.chunked.i2", (3, 3, 3), (1, 1, 1), "<i2", **z)
    make("v2", root, "3d.contiguous.i2", (3, 3, 3), (3, 3, 3), "<i2", **z)
    make("v2", root, "3d.chunked.mixed.i2.C", (3, 3, 3), (3, 3, 1), "<i2", order="C", **z)
    make("v2", root, "3d.chunked.mixed.i2.F", (3, 3, 3), (3, 3, 1), "<i2", order="F", **z)
    make("v2", root, "3d.chunked.mixed.f8.F", (9, 7, 5), (4, 3, 2), "<f8", order="F",
         compressors=numcodecs.Zstd(level=1))
    fill = values((40,), "<i4")
    fill[8:24] = 7
    make("v2", root, "1d.chunked.filled.i4", (40,), (8,), "<i4", data=fill, fill_value=7,
         compressors=numcodecs.Zstd(level=1))
    make("v2", root, "my group with spaces/my array with spaces", (5,), (2,), "<u2", **z)
    # Non-numeric: lamella refuses these with an error naming the array.
    make("v2", root, "1d.contiguous.U7", (4,), (4,), "<U7", data=np.array(["a", "bb", "ccc", "dddd"], dtype="<U7"), **z)
    make("v2", root, "1d.contiguous.S7", (4,), (4,), "|S7", data=np.array([b"a", b"bb", b"c", b"d"], dtype="|S7"), **z)


def write_v3(root):
    zstd = [zc.ZstdCodec(level=1)]
    make("v3", root, "1d.chunked.i2", (4,), (2,), "int16", compressors=None)
    make("v3", root, "1d.chunked.ragged.i2", (5,), (2,), "int16", compressors=None)
    for name, comp in [
        ("raw", None),
        ("gzip", [zc.GzipCodec(level=1)]),
        ("zstd", zstd),
        ("blosc", [zc.BloscCodec(cname="zstd", clevel=3, shuffle="bitshuffle")]),
    ]:
        make("v3", root, f"1d.contiguous.{name}.i2", (257,), (257,), "int16", compressors=comp)
    for dt in ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
               "float16", "float32", "float64"]:
        make("v3", root, f"1d.contiguous.{dt}", (33,), (33,), dt, compressors=zstd)
    make("v3", root, "1d.contiguous.f4.be", (33,), (33,), "float32",
         serializer=zc.BytesCodec(endian="big"), compressors=None)
    make("v3", root, "1d.contiguous.i4.crc32c", (33,), (33,), "int32", compressors=[zc.Crc32cCodec()])
    nan = values((50,), "float64")
    nan[[0, 9, 10, 49]] = np.nan
    make("v3", root, "1d.chunked.nan.f8", (50,), (16,), "float64", data=nan, compressors=zstd)
    make("v3", root, "2d.chunked.i2", (2, 2), (1, 1), "int16", compressors=None)
    make("v3", root, "2d.chunked.ragged.i2", (3, 3), (2, 2), "int16", compressors=None)
    make("v3", root, "3d.chunked.i2", (3, 3, 3), (1, 1, 1), "int16", compressors=None)
    make("v3", root, "3d.chunked.mixed.i2.C", (3, 3, 3), (3, 3, 1), "int16", compressors=None)
    make("v3", root, "3d.chunked.mixed.i2.F", (3, 3, 3), (3, 3, 1), "int16", compressors=None,
         filters=[zc.TransposeCodec(order=(2, 1, 0))])
    # Sharding: inner chunks inside shard files, each with its own index.
    for dt in ["bool", "uint8", "int16", "int32", "float32", "float64"]:
        make("v3", root, f"1d.contiguous.compressed.sharded.{dt}", (64,), (8,), dt,
             shards=(64,), compressors=zstd)
    make("v3", root, "1d.chunked.compressed.sharded.i2", (64,), (4,), "int16", shards=(16,), compressors=zstd)
    filled = values((64,), "int16")
    filled[16:40] = 3
    make("v3", root, "1d.chunked.filled.compressed.sharded.i2", (64,), (4,), "int16", data=filled,
         shards=(16,), fill_value=3, compressors=zstd)
    make("v3", root, "2d.chunked.compressed.sharded.i2", (16, 16), (4, 4), "int16", shards=(8, 8), compressors=zstd)
    make("v3", root, "2d.chunked.ragged.compressed.sharded.i2", (15, 13), (4, 4), "int16", shards=(8, 8),
         compressors=zstd)
    make("v3", root, "3d.chunked.compressed.sharded.i2", (8, 8, 8), (2, 2, 2), "int16", shards=(4, 4, 4),
         compressors=zstd)
    make("v3", root, "3d.chunked.mixed.compressed.sharded.i2", (6, 6, 6), (3, 3, 1), "int16",
         shards=(6, 6, 2), compressors=zstd)
    make("v3", root, "my group with spaces/my array with spaces", (5,), (2,), "uint16", compressors=None)
    # Non-numeric: refused with an error naming the array.
    make("v3", root, "1d.contiguous.string.vlen", (4,), (4,), str,
         data=np.array(["a", "bb", "ccc", "dddd"], dtype=object))


def main():
    out = Path(sys.argv[1])
    for fmt, write in [("v2", write_v2), ("v3", write_v3)]:
        path = out / fmt / "data.zarr"
        root = zarr.open_group(LocalStore(str(path)), mode="w", zarr_format=int(fmt[1]))
        write(root.store)
    if problems:
        raise SystemExit("zarr-python could not write:\n  " + "\n  ".join(problems))
    meta = {
        "writer": f"zarr-python {zarr.__version__}, numcodecs {numcodecs.__version__}, numpy {np.__version__}",
        "arrays": expected,
    }
    (out / "expected.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
    print(f"{len(expected)} arrays written by {meta['writer']}")


main()
