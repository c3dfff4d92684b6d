"""Stores written by the reference libraries, for lamella's conformance tests.

    python write_fixtures.py OUT_DIR

Each writer writes its stores under OUT_DIR/<writer>/, small and seeded:

- zarr-python 3: Zarr v2 and v3 with every numeric dtype, codec and filter it
  offers (sharding with the index at the end and at the start, transposes,
  big-endian, crc32c, ragged edge chunks, fill values including hex NaN and
  64-bit sentinels, NaN, values at large offsets), consolidated metadata;
- TensorStore: its zarr, zarr3 and n5 drivers;
- zarrs: zarr-python with the zarrs codec pipeline;
- ome-zarr-py: an OME-NGFF image with multiscales and labels.

Some stores are then damaged the way real stores get damaged (a flipped byte
under crc32c, invalid or deleted metadata). OUT_DIR/manifest.json lists every
store, the library to read it back with, and what lamella must do for the
arrays it cannot reduce (refuse them with an error matching a pattern). The
judge (check_report.py) reads every array back with that library and compares
lamella's report with NumPy.
"""
import json
import shutil
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
OUT = Path(sys.argv[1])
stores = []
problems = []


def values(shape, dtype, offset=0.0):
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if dt.kind == "b":
        data = rng.integers(0, 2, n).astype(bool)
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        lo, hi = max(int(info.min), -(2**40)), min(int(info.max), 2**40)
        data = rng.integers(lo, hi, n, endpoint=True, dtype=np.int64).astype(dt)
    else:
        data = (rng.standard_normal(n) * 100 + offset).astype(dt)
    return data.reshape(shape)


def labels_volume(shape, dtype, count=9):
    """A segmentation: a few labels on a zero background."""
    data = np.zeros(shape, dtype=dtype)
    flat = data.reshape(-1)
    ids = rng.choice(np.arange(1, 10_000), count, replace=False)
    for i in ids:
        start = int(rng.integers(0, flat.size))
        flat[start : start + int(rng.integers(1, 40))] = i
    return data


def arrays_in(path):
    """Every array under a store: Zarr array metadata, or N5 dataset attributes."""
    found = []
    for meta in path.rglob("*"):
        if meta.name in (".zarray", "zarr.json"):
            try:
                doc = json.loads(meta.read_text())
            except ValueError:
                doc = {"node_type": "array"}  # damaged on purpose: still an array
            if meta.name == ".zarray" or doc.get("node_type") == "array":
                found.append(str(meta.parent.relative_to(path)))
        elif meta.name == "attributes.json" and '"dimensions"' in meta.read_text():
            found.append(str(meta.parent.relative_to(path)))
    return sorted("" if p == "." else p for p in found)


def store(name, path, reader, expect=None, http=True):
    """Records a store; its arrays are listed after all writing and damage (see main)."""
    stores.append({
        "name": name,
        "path": str(path.relative_to(OUT)),
        "reader": reader,
        "expect": expect or {},
        "http": http,
    })


class ZarrPython:
    """zarr-python's create_array, recording failures instead of stopping."""

    def __init__(self, root, fmt):
        self.root = root
        self.fmt = fmt

    def __call__(self, path, shape, chunks, dtype, data=None, **kwargs):
        try:
            arr = zarr.create_array(
                store=self.root, name=path, shape=shape, chunks=chunks, dtype=dtype,
                zarr_format=self.fmt, overwrite=True, **kwargs,
            )
            arr[...] = values(shape, dtype) if data is None else data
        except Exception as e:  # noqa: BLE001 - every failure is reported at the end
            problems.append(f"zarr-python v{self.fmt} {path}: {type(e).__name__}: {e}")


def zarr_python_v2():
    path = OUT / "zarr-python" / "v2.zarr"
    root = zarr.open_group(LocalStore(str(path)), mode="w", zarr_format=2)
    make = ZarrPython(root.store, 2)
    raw = dict(compressors=None)
    zstd = dict(compressors=numcodecs.Zstd(level=1))
    make("1d.chunked.i2", (4,), (2,), "<i2", **raw)
    make("1d.chunked.ragged.i2", (5,), (2,), "<i2", **raw)
    for name, comp in [
        ("raw", None), ("zlib", numcodecs.Zlib(level=1)), ("gzip", numcodecs.GZip(level=1)),
        ("zstd", numcodecs.Zstd(level=1)), ("lz4", numcodecs.LZ4()),
        ("blosc", numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)),
        ("bz2", numcodecs.BZ2(level=1)), ("lzma", numcodecs.LZMA()),
    ]:
        make(f"1d.contiguous.{name}.i2", (257,), (100,), "<i2", compressors=comp)
    make("1d.contiguous.delta.i2", (64,), (64,), "<i2", filters=[numcodecs.Delta("<i2")], **raw)
    make("1d.contiguous.delta.astype.i2", (64,), (64,), "<i4",
         data=rng.integers(-100, 100, 64).astype("<i4"),
         filters=[numcodecs.Delta("<i4", astype="<i2")], **raw)
    make("1d.contiguous.shuffle.i2", (64,), (64,), "<i2", filters=[numcodecs.Shuffle(2)], **raw)
    make("1d.contiguous.delta.shuffle.i2", (64,), (64,), "<i2",
         filters=[numcodecs.Delta("<i2"), numcodecs.Shuffle(2)], **raw)
    make("1d.contiguous.bitround.f4", (64,), (64,), "<f4", filters=[numcodecs.BitRound(10)], **raw)
    make("1d.contiguous.quantize.f8", (64,), (64,), "<f8", filters=[numcodecs.Quantize(3, "<f8")], **raw)
    make("1d.contiguous.astype.f8", (64,), (64,), "<f8",
         data=np.linspace(-3, 3, 64), filters=[numcodecs.AsType("<f4", "<f8")], **raw)
    make("1d.contiguous.fixedscaleoffset.f4", (64,), (64,), "<f4",
         data=np.linspace(0, 2.5, 64, dtype="<f4"),
         filters=[numcodecs.FixedScaleOffset(offset=0, scale=100, dtype="<f4", astype="<u2")], **raw)
    for dt in ["|b1", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "<f2", "<f4",
               ">f4", "<f8", ">i2", ">f8"]:
        name = dt[1:] + (".be" if dt[0] == ">" else ".le" if dt[1] in "f" else "")
        make(f"1d.contiguous.{name}", (33,), (33,), dt, **zstd)
    nan = values((50,), "<f8")
    nan[[3, 17, 18, 40]] = np.nan
    make("1d.chunked.nan.f8", (50,), (16,), "<f8", data=nan, **zstd)
    make("1d.chunked.allnan.f8", (20,), (8,), "<f8", data=np.full(20, np.nan), **zstd)
    inf = values((30,), "<f4")
    inf[[2, 7]] = [np.inf, -np.inf]
    make("1d.chunked.inf.f4", (30,), (8,), "<f4", data=inf, **zstd)
    make("1d.chunked.offset.f8", (4000,), (512,), "<f8",
         data=1e12 + rng.integers(-1, 2, 4000).astype("<f8"), **zstd)
    make("2d.chunked.i2", (2, 2), (1, 1), "<i2", **raw)
    make("2d.chunked.ragged.i2", (3, 3), (2, 2), "<i2", **raw)
    make("2d.contiguous.i2", (2, 2), (2, 2), "<i2", **raw)
    make("3d.chunked.i2", (3, 3, 3), (1, 1, 1), "<i2", **raw)
    make("3d.contiguous.i2", (3, 3, 3), (3, 3, 3), "<i2", **raw)
    make("3d.chunked.mixed.i2.C", (3, 3, 3), (3, 3, 1), "<i2", order="C", **raw)
    make("3d.chunked.mixed.i2.F", (3, 3, 3), (3, 3, 1), "<i2", order="F", **raw)
    make("3d.chunked.ragged.f8.F", (9, 7, 5), (4, 3, 2), "<f8", order="F", **zstd)
    fill = values((40,), "<i4")
    fill[8:24] = 7
    make("1d.chunked.filled.i4", (40,), (8,), "<i4", data=fill, fill_value=7, **zstd)
    big = np.full(40, np.iinfo("<i8").max, dtype="<i8")
    big[:8] = np.arange(8)
    make("1d.chunked.fill.i8max", (40,), (8,), "<i8", data=big, fill_value=int(np.iinfo("<i8").max), **zstd)
    ubig = np.full(40, np.iinfo("<u8").max, dtype="<u8")
    ubig[32:] = np.arange(8, dtype="<u8")
    make("1d.chunked.fill.u8max", (40,), (8,), "<u8", data=ubig, fill_value=int(np.iinfo("<u8").max), **zstd)
    make("labels.u8", (20, 30), (8, 16), "<u8", data=labels_volume((20, 30), "<u8"), **zstd)
    make("labels.i4", (6, 10, 12), (4, 4, 4), "<i4", data=labels_volume((6, 10, 12), "<i4"), **zstd)
    make("my group with spaces/my array with spaces", (5,), (2,), "<u2", **raw)
    make("strings/U7", (4,), (4,), "<U7", data=np.array(["a", "bb", "ccc", "dddd"], dtype="<U7"), **raw)
    make("strings/S7", (4,), (4,), "|S7", data=np.array([b"a", b"bb", b"c", b"d"], dtype="|S7"), **raw)
    # Damaged after writing: unreadable metadata.
    make("damaged/invalid-json", (8,), (4,), "<i2", **raw)
    pyramid = root.create_group("damaged/pyramid")
    pyramid.attrs["multiscales"] = [{"version": "0.4", "axes": [{"name": "x"}], "datasets": [
        {"path": "s0", "coordinateTransformations": [{"type": "scale", "scale": [1.0]}]},
        {"path": "s1", "coordinateTransformations": [{"type": "scale", "scale": [2.0]}]},
    ]}]
    make("damaged/pyramid/s0", (16,), (8,), "<u2", **zstd)
    make("damaged/pyramid/s1", (8,), (8,), "<u2", **zstd)
    zarr.consolidate_metadata(str(path))
    # A level the multiscales name, whose metadata was deleted: its chunks are still there.
    (path / "damaged" / "pyramid" / "s1" / ".zarray").unlink()
    (path / "damaged" / "invalid-json" / ".zarray").write_text('{"zarr_format": 2, "shape": [8,')
    store("zarr-python v2", path, "zarr", {
        "strings/U7": "not numeric", "strings/S7": "not numeric",
        "damaged/invalid-json": r"damaged/invalid-json.*(invalid|JSON|metadata)",
        "damaged/pyramid/s1": r"damaged/pyramid/s1.*multiscales.*absent",
    })


def zarr_python_v3():
    path = OUT / "zarr-python" / "v3.zarr"
    root = zarr.open_group(LocalStore(str(path)), mode="w", zarr_format=3)
    make = ZarrPython(root.store, 3)
    zstd = [zc.ZstdCodec(level=1)]
    make("1d.chunked.i2", (4,), (2,), "int16", compressors=None)
    make("1d.chunked.ragged.i2", (5,), (2,), "int16", compressors=None)
    for name, comp in [
        ("raw", None), ("gzip", [zc.GzipCodec(level=1)]), ("zstd", zstd),
        ("blosc", [zc.BloscCodec(cname="zstd", clevel=3, shuffle="bitshuffle")]),
    ]:
        make(f"1d.contiguous.{name}.i2", (257,), (100,), "int16", compressors=comp)
    for dt in ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
               "float16", "float32", "float64"]:
        make(f"1d.contiguous.{dt}", (33,), (33,), dt, compressors=zstd)
    make("1d.contiguous.f4.be", (33,), (33,), "float32", serializer=zc.BytesCodec(endian="big"),
         compressors=None)
    make("1d.chunked.crc32c.i4", (33,), (16,), "int32", compressors=[zc.Crc32cCodec()])
    nan = values((50,), "float64")
    nan[[0, 9, 10, 49]] = np.nan
    make("1d.chunked.nan.f8", (50,), (16,), "float64", data=nan, compressors=zstd)
    make("1d.chunked.allnan.f4", (20,), (8,), "float32", data=np.full(20, np.nan, "f4"), compressors=zstd)
    make("1d.chunked.offset.f8", (4000,), (512,), "float64",
         data=1e12 + rng.integers(-1, 2, 4000).astype("f8"), compressors=zstd)
    make("2d.chunked.i2", (2, 2), (1, 1), "int16", compressors=None)
    make("2d.chunked.ragged.i2", (3, 3), (2, 2), "int16", compressors=None)
    make("3d.chunked.i2", (3, 3, 3), (1, 1, 1), "int16", compressors=None)
    make("3d.chunked.mixed.i2.C", (3, 3, 3), (3, 3, 1), "int16", compressors=None)
    for order in [(2, 1, 0), (2, 0, 1), (1, 2, 0), (0, 2, 1)]:
        name = "".join(map(str, order))
        make(f"3d.transpose.{name}.ragged.f4", (5, 6, 7), (2, 4, 3), "float32", compressors=zstd,
             filters=[zc.TransposeCodec(order=order)])
    make("3d.transpose.201.sharded.ragged.i2", (6, 9, 10), (2, 3, 4), "int16", shards=(4, 6, 8),
         compressors=zstd, filters=[zc.TransposeCodec(order=(2, 0, 1))])
    # Sharding: inner chunks inside shard files, each with its own index.
    for dt in ["bool", "uint8", "int16", "int32", "float32", "float64"]:
        make(f"1d.sharded.{dt}", (64,), (8,), dt, shards=(32,), compressors=zstd)
    filled = values((64,), "int16")
    filled[16:40] = 3
    make("1d.sharded.filled.i2", (64,), (4,), "int16", data=filled, shards=(16,), fill_value=3,
         compressors=zstd)
    make("2d.sharded.ragged.i2", (15, 13), (4, 4), "int16", shards=(8, 8), compressors=zstd)
    make("3d.sharded.i2", (8, 8, 8), (2, 2, 2), "int16", shards=(4, 4, 4), compressors=zstd)
    # The shard index at the start of each shard file (zarr-python and TensorStore write it on request).
    make("2d.sharded.index-start.i2", (16, 14), (8, 8), "int16", compressors=None,
         serializer=zc.ShardingCodec(chunk_shape=(4, 4), codecs=[zc.BytesCodec(), zc.ZstdCodec(level=1)],
                                     index_location="start"))
    # Fill values: NaN written as a hex string (the v3 spec allows it), 64-bit sentinels.
    hexnan = values((40,), "float32")
    hexnan[8:32] = np.nan
    make("1d.chunked.fill.hexnan.f4", (40,), (8,), "float32", data=hexnan, fill_value=np.nan,
         compressors=zstd)
    big = np.full(40, np.iinfo("i8").max, dtype="i8")
    big[:8] = np.arange(8)
    make("1d.chunked.fill.i8max", (40,), (8,), "int64", data=big, fill_value=int(np.iinfo("i8").max),
         compressors=zstd)
    ubig = np.full(40, np.iinfo("u8").max, dtype="u8")
    ubig[32:] = np.arange(8, dtype="u8")
    make("1d.chunked.fill.u8max", (40,), (8,), "uint64", data=ubig, fill_value=int(np.iinfo("u8").max),
         compressors=zstd)
    make("labels.u4", (20, 30), (8, 16), "uint32", data=labels_volume((20, 30), "u4"), compressors=zstd)
    make("my group with spaces/my array with spaces", (5,), (2,), "uint16", compressors=None)
    make("strings/vlen", (4,), (4,), str, data=np.array(["a", "bb", "ccc", "dddd"], dtype=object))
    make("damaged/crc32c", (32,), (16,), "int32", compressors=[zc.Crc32cCodec()])
    make("damaged/invalid-json", (8,), (4,), "int16", compressors=None)
    zarr.consolidate_metadata(str(path))
    # The hex form of NaN, as the v3 spec allows and other writers produce.
    meta = path / "1d.chunked.fill.hexnan.f4" / "zarr.json"
    doc = json.loads(meta.read_text())
    doc["fill_value"] = "0x7fc00000"
    meta.write_text(json.dumps(doc))
    group = json.loads((path / "zarr.json").read_text())
    group["consolidated_metadata"]["metadata"]["1d.chunked.fill.hexnan.f4"]["fill_value"] = "0x7fc00000"
    (path / "zarr.json").write_text(json.dumps(group))
    # Damage: a flipped byte under a crc32c checksum, invalid metadata.
    chunk = path / "damaged" / "crc32c" / "c" / "1"
    raw = bytearray(chunk.read_bytes())
    raw[5] ^= 0x40
    chunk.write_bytes(bytes(raw))
    (path / "damaged" / "invalid-json" / "zarr.json").write_text('{"zarr_format": 3, "node_type": "array"')
    store("zarr-python v3", path, "zarr", {
        "strings/vlen": "not numeric",
        "damaged/crc32c": r"damaged/crc32c.*c/1.*(crc32c|checksum)",
        "damaged/invalid-json": r"damaged/invalid-json.*(invalid|JSON|metadata)",
    })


def tensorstore_arrays():
    """TensorStore's zarr, zarr3 and n5 drivers, then consolidated by zarr-python for HTTP."""
    import tensorstore as ts

    def write(spec, data, label):
        try:
            t = ts.open(spec, create=True, delete_existing=True).result()
            t[...] = data
        except Exception as e:  # noqa: BLE001
            problems.append(f"tensorstore {label}: {type(e).__name__}: {e}")

    def kv(path):
        return {"driver": "file", "path": str(path)}

    root = OUT / "tensorstore"
    v2 = root / "zarr.zarr"
    zarr.open_group(LocalStore(str(v2)), mode="w", zarr_format=2)
    for name, dtype, shape, chunks, compressor, order in [
        ("u2.zstd", "<u2", (20, 30), (8, 16), {"id": "zstd", "level": 1}, "C"),
        ("f4.blosc.F", "<f4", (9, 7, 5), (4, 3, 2), {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1}, "F"),
        ("i8.zlib", "<i8", (50,), (16,), {"id": "zlib", "level": 1}, "C"),
        ("f8.be.raw", ">f8", (33,), (10,), None, "C"),
    ]:
        spec = {"driver": "zarr", "kvstore": kv(v2 / name), "metadata": {
            "shape": list(shape), "chunks": list(chunks), "dtype": dtype, "order": order,
            "compressor": compressor, "fill_value": 0, "dimension_separator": "/"}}
        write(spec, values(shape, dtype), f"zarr {name}")
    zarr.consolidate_metadata(str(v2))
    store("tensorstore zarr", v2, "zarr")

    v3 = root / "zarr3.zarr"
    zarr.open_group(LocalStore(str(v3)), mode="w", zarr_format=3)

    def zarr3(name, dtype, shape, chunks, codecs, fill=0, data=None):
        spec = {"driver": "zarr3", "kvstore": kv(v3 / name), "metadata": {
            "shape": list(shape), "data_type": dtype, "fill_value": fill, "codecs": codecs,
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(chunks)}}}}
        write(spec, values(shape, dtype) if data is None else data, f"zarr3 {name}")

    zstd = {"name": "zstd", "configuration": {"level": 1}}
    little = {"name": "bytes", "configuration": {"endian": "little"}}
    zarr3("transpose.201.f4", "float32", (5, 6, 7), (2, 4, 3),
          [{"name": "transpose", "configuration": {"order": [2, 0, 1]}}, little, zstd])
    zarr3("sharded.index-start.i2", "int16", (16, 14), (8, 8), [{
        "name": "sharding_indexed", "configuration": {
            "chunk_shape": [4, 4], "codecs": [little, zstd], "index_location": "start",
            "index_codecs": [little, {"name": "crc32c"}]}}])
    zarr3("sharded.transpose.u4", "uint32", (12, 10, 9), (6, 10, 3), [{
        "name": "sharding_indexed", "configuration": {
            "chunk_shape": [3, 5, 3],
            "codecs": [{"name": "transpose", "configuration": {"order": [1, 2, 0]}}, little, zstd],
            "index_codecs": [little, {"name": "crc32c"}]}}])
    nan = values((40,), "float64")
    nan[8:24] = np.nan
    zarr3("fill.nan.f8", "float64", (40,), (8,), [little, zstd], fill="NaN", data=nan)
    zarr3("crc32c.i2", "int16", (30,), (7,), [little, {"name": "crc32c"}])
    zarr.consolidate_metadata(str(v3))
    store("tensorstore zarr3", v3, "zarr")

    n5 = root / "data.n5"
    n5.mkdir(parents=True)
    (n5 / "attributes.json").write_text(json.dumps({"n5": "4.0.0"}))
    for name, dtype, shape, blocks, compression in [
        ("raw.u2", "uint16", (20, 30), (8, 16), {"type": "raw"}),
        ("gzip.i2", "int16", (9, 7, 5), (4, 3, 2), {"type": "gzip", "level": 1}),
        ("zlib.u1", "uint8", (33, 20), (10, 8), {"type": "gzip", "useZlib": True}),
        ("zstd.f4", "float32", (12, 11), (5, 4), {"type": "zstd", "level": 1}),
        ("blosc.i4", "int32", (40, 6), (16, 4), {"type": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1}),
        ("bzip2.f8", "float64", (25,), (10,), {"type": "bzip2", "blockSize": 9}),
        ("xz.u8", "uint64", (17, 3), (5, 2), {"type": "xz", "preset": 1}),
    ]:
        spec = {"driver": "n5", "kvstore": kv(n5 / name), "metadata": {
            "dimensions": list(shape)[::-1], "blockSize": list(blocks)[::-1], "dataType": dtype,
            "compression": compression}}
        # TensorStore's n5 driver presents the dimensions in N5's order; write the transposed array.
        write(spec, values(shape, dtype).T, f"n5 {name}")
    store("tensorstore n5", n5, "tensorstore:n5", http=False)

    # OpenOrganelle's layout: a group whose attributes.json names its scale levels, so a
    # reader over HTTP (no listing) finds them from the metadata.
    oo = root / "openorganelle.n5"
    (oo / "em" / "fibsem-uint16").mkdir(parents=True)
    (oo / "attributes.json").write_text(json.dumps({"n5": "2.5.1"}))
    (oo / "em" / "attributes.json").write_text(json.dumps({}))
    levels = []
    for i, shape in enumerate([(16, 24, 20), (8, 12, 10)]):
        spec = {"driver": "n5", "kvstore": kv(oo / "em" / "fibsem-uint16" / f"s{i}"), "metadata": {
            "dimensions": list(shape)[::-1], "blockSize": [8, 8, 8], "dataType": "uint16",
            "compression": {"type": "gzip", "level": 1}}}
        write(spec, values(shape, "uint16").T, f"openorganelle s{i}")
        levels.append({"path": f"s{i}", "transform": {
            "axes": ["z", "y", "x"], "scale": [4.0 * 2**i] * 3, "translate": [0.0] * 3, "units": ["nm"] * 3}})
    (oo / "em" / "fibsem-uint16" / "attributes.json").write_text(json.dumps(
        {"multiscales": [{"name": "fibsem-uint16", "datasets": levels}]}))
    (oo / "attributes.json").write_text(json.dumps({"n5": "2.5.1", "multiscales": [
        {"name": "em", "datasets": [{"path": "em/fibsem-uint16/s0"}, {"path": "em/fibsem-uint16/s1"}]}]}))
    store("OpenOrganelle-style n5", oo, "tensorstore:n5")


def zarrs_arrays():
    """zarr-python with the zarrs (Rust) codec pipeline writing the chunks."""
    import zarrs  # noqa: F401 - registers the pipeline

    path = OUT / "zarrs" / "v3.zarr"
    with zarr.config.set({"codec_pipeline.path": "zarrs.ZarrsCodecPipeline"}):
        root = zarr.open_group(LocalStore(str(path)), mode="w", zarr_format=3)
        make = ZarrPython(root.store, 3)
        zstd = [zc.ZstdCodec(level=1)]
        make("sharded.i2", (64, 48), (8, 8), "int16", shards=(32, 24), compressors=zstd)
        make("gzip.f4", (30, 20), (7, 6), "float32", compressors=[zc.GzipCodec(level=1)])
        make("u8", (40,), (16,), "uint64", compressors=zstd)
        make("labels.u4", (16, 24), (8, 8), "uint32", data=labels_volume((16, 24), "u4"), compressors=zstd)
    zarr.consolidate_metadata(str(path))
    store("zarrs v3", path, "zarr")


def ome_zarr_image():
    """An OME-NGFF image with a multiscale pyramid and a label image, by ome-zarr-py."""
    from ome_zarr.format import FormatV04
    from ome_zarr.writer import write_image, write_labels

    for fmt_name, fmt, fmt_version in [("0.4", FormatV04(), 2), ("0.5", None, 3)]:
        path = OUT / "ome-zarr" / f"image-{fmt_name}.zarr"
        root = zarr.open_group(str(path), mode="w", zarr_format=fmt_version)
        image = values((2, 24, 40), "uint16")
        kwargs = {"fmt": fmt} if fmt else {}
        write_image(image, root, axes="cyx", scale_factors=[2], **kwargs)
        labels = labels_volume((24, 40), "uint8", count=5)
        write_labels(labels, root, name="cells", axes="yx", scale_factors=[2], **kwargs)
        # Published as they are: no consolidated metadata, so HTTP discovery must follow
        # the OME-NGFF multiscales and labels.
        store(f"ome-zarr-py {fmt_name}", path, "zarr")

    # A plate: wells, each with one field (an image); over HTTP only the plate and well
    # metadata lead to the arrays.
    from ome_zarr.writer import write_plate_metadata, write_well_metadata

    path = OUT / "ome-zarr" / "plate-0.4.zarr"
    root = zarr.open_group(str(path), mode="w", zarr_format=2)
    wells = ["A/1", "A/2", "B/1"]
    write_plate_metadata(root, ["A", "B"], ["1", "2"], wells, fmt=FormatV04())
    for w in wells:
        row, col = w.split("/")
        well = root.require_group(row).require_group(col)
        write_well_metadata(well, [{"path": "0"}], fmt=FormatV04())
        write_image(values((2, 16, 20), "uint16"), well.require_group("0"), axes="cyx",
                    scale_factors=[], fmt=FormatV04())
    store("ome-zarr-py 0.4 plate", path, "zarr")


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    for write in [zarr_python_v2, zarr_python_v3, tensorstore_arrays, zarrs_arrays, ome_zarr_image]:
        try:
            write()
        except Exception as e:  # noqa: BLE001
            problems.append(f"{write.__name__}: {type(e).__name__}: {e}")
    if problems:
        raise SystemExit("the writers failed:\n  " + "\n  ".join(problems))
    for s in stores:
        s["arrays"] = arrays_in(OUT / s["path"])
    from importlib.metadata import version

    versions = {name: version(name) for name in
                ["zarr", "numcodecs", "numpy", "tensorstore", "zarrs", "ome-zarr"]}
    (OUT / "manifest.json").write_text(json.dumps({"versions": versions, "stores": stores}, indent=1))
    print(f"{len(stores)} stores written by " + ", ".join(f"{k} {v}" for k, v in versions.items()))


main()
