"""Writes imzML files with pyimzML's writer and prints what pyimzML's parser reads back.

    python imzml_reference.py DIR

Writes DIR/continuous.imzML and DIR/processed.imzML (+ .ibd): a 4 x 3 pixel grid of random
spectra (float64 m/z, float32 intensities; continuous mode shares one m/z axis). Prints JSON:
{"continuous": [{x, y, n, mz_sum, intensity_sum}, ...], "processed": [...]}.
"""
import json
import sys

import numpy as np
from pyimzml.ImzMLParser import ImzMLParser
from pyimzml.ImzMLWriter import ImzMLWriter

out = {}
rng = np.random.default_rng(7)
for mode in ["continuous", "processed"]:
    path = f"{sys.argv[1]}/{mode}.imzML"
    shared = np.linspace(100, 1000, 500)
    with ImzMLWriter(path, mode=mode, mz_dtype=np.float64, intensity_dtype=np.float32) as w:
        for y in range(1, 4):
            for x in range(1, 5):
                mz = shared if mode == "continuous" else np.sort(rng.uniform(100, 1000, 40 + x * y))
                w.addSpectrum(mz, rng.uniform(0, 1000, len(mz)).astype(np.float32), (x, y))
    parser = ImzMLParser(path)
    rows = []
    for i, (x, y, *_rest) in enumerate(parser.coordinates):
        mz, intensity = parser.getspectrum(i)
        rows.append({"x": int(x), "y": int(y), "n": int(len(mz)), "mz_sum": float(np.sum(mz)),
                     "intensity_sum": float(np.sum(intensity.astype(np.float64)))})
    out[mode] = rows
print(json.dumps(out))
