"""Writes an mzML file whose arrays pynumpress encoded, and prints what pynumpress decodes.

    python numpress_mzml.py FILE.mzML

Six spectra, one per MS-Numpress variant of the intensity array (linear, pic, slof, each
also followed by zlib); the m/z arrays are MS-Numpress linear (zlib on the odd spectra).
Prints JSON: [{"mz": [...], "intensity": [...]}, ...] as pynumpress decodes the arrays.
"""
import base64
import json
import sys
import zlib

import numpy as np
import pynumpress

rng = np.random.default_rng(3)
VARIANTS = [("MS:1002312", "linear", False), ("MS:1002313", "pic", False),
            ("MS:1002314", "slof", False), ("MS:1002746", "linear", True),
            ("MS:1002747", "pic", True), ("MS:1002748", "slof", True)]


def encode(kind, values):
    if kind == "linear":
        return pynumpress.encode_linear(values, pynumpress.optimal_linear_fixed_point(values))
    if kind == "pic":
        return pynumpress.encode_pic(values)
    return pynumpress.encode_slof(values, pynumpress.optimal_slof_fixed_point(values))


def decode(kind, data):
    return {"linear": pynumpress.decode_linear, "pic": pynumpress.decode_pic,
            "slof": pynumpress.decode_slof}[kind](data)


def array(acc, kind_acc, data, zlibbed):
    raw = bytes(data)
    if zlibbed:
        raw = zlib.compress(raw)
    return (f'<binaryDataArray encodedLength="0"><cvParam accession="{kind_acc}"/>'
            f'<cvParam accession="{acc}"/><binary>{base64.b64encode(raw).decode()}</binary>'
            '</binaryDataArray>')


spectra, expected = [], []
for i, (acc, kind, zlibbed) in enumerate(VARIANTS):
    n = 200 + 37 * i
    mz = np.sort(rng.uniform(100, 2000, n))
    intensity = np.round(rng.gamma(2.0, 500.0, n))
    mz_data = encode("linear", mz)
    it_data = encode(kind, intensity)
    mz_acc = "MS:1002746" if i % 2 else "MS:1002312"
    expected.append({"mz": decode("linear", mz_data).tolist(),
                     "intensity": decode(kind, it_data).tolist()})
    spectra.append(
        f'<spectrum index="{i}" id="scan={i + 1}" defaultArrayLength="{n}">'
        '<cvParam accession="MS:1000511" value="1"/><binaryDataArrayList count="2">'
        + array(mz_acc, "MS:1000514", mz_data, bool(i % 2))
        + array(acc, "MS:1000515", it_data, zlibbed)
        + "</binaryDataArrayList></spectrum>")
with open(sys.argv[1], "w") as f:
    f.write('<?xml version="1.0" encoding="utf-8"?><mzML><run><spectrumList count="6">'
            + "".join(spectra) + "</spectrumList></run></mzML>")
print(json.dumps(expected))
