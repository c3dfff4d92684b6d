"""What zarr-python reads from an ms-run store, spectrum by spectrum.

    python read_ms_run.py RUN.zarr

Prints JSON: {"attributes": ..., "spectra": [{n, mz_sum, intensity_sum, rt, ms_level,
precursor_mz (null for NaN), centroided, tic, base_peak_intensity}, ...]}.
"""
import json
import math
import sys

import numpy as np
import zarr

g = zarr.open_group(sys.argv[1], mode="r")
offsets = g["offsets"][:]
mz = g["mz"][:]
intensity = g["intensity"][:].astype("float64")
columns = {k: g[k][:] for k in ["rt", "ms_level", "precursor_mz", "centroided", "tic",
                                "base_peak_intensity"]}
out = []
for i in range(len(offsets) - 1):
    a, b = int(offsets[i]), int(offsets[i + 1])
    p = float(columns["precursor_mz"][i])
    rt = float(columns["rt"][i])
    out.append({
        "n": b - a, "mz_sum": float(mz[a:b].sum()), "intensity_sum": float(intensity[a:b].sum()),
        "rt": None if math.isnan(rt) else rt, "ms_level": int(columns["ms_level"][i]),
        "precursor_mz": None if math.isnan(p) else p,
        "centroided": bool(columns["centroided"][i]),
        "tic": float(columns["tic"][i]),
        "base_peak_intensity": float(columns["base_peak_intensity"][i]),
    })
print(json.dumps({
    "attributes": dict(g.attrs),
    "dtypes": {k: str(g[k].dtype) for k in sorted(g.array_keys())},
    "spectra": out,
}))
