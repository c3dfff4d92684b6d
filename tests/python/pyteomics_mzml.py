"""What pyteomics reads from an mzML file, spectrum by spectrum.

    python pyteomics_mzml.py FILE.mzML[.gz]

Prints JSON: a list of {index, id, ms_level, rt (seconds), n, mz_sum,
intensity_sum, precursor_mz (null when none), centroided}.
"""
import gzip
import json
import sys

from pyteomics import mzml

path = sys.argv[1]
source = gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")
out = []
with mzml.read(source, decode_binary=True) as reader:
    for s in reader:
        scan = s.get("scanList", {}).get("scan", [{}])[0]
        t = scan.get("scan start time")
        rt = None
        if t is not None:
            unit = getattr(t, "unit_info", "second")
            rt = float(t) * (60.0 if unit == "minute" else 1.0)
        precursor = None
        for p in s.get("precursorList", {}).get("precursor", []):
            for ion in p.get("selectedIonList", {}).get("selectedIon", []):
                if precursor is None and "selected ion m/z" in ion:
                    precursor = float(ion["selected ion m/z"])
        mz = s.get("m/z array")
        it = s.get("intensity array")
        out.append({
            "index": s["index"], "id": s["id"], "ms_level": s.get("ms level"), "rt": rt,
            "n": int(len(mz)), "mz_sum": float(mz.astype("float64").sum()),
            "intensity_sum": float(it.astype("float64").sum()), "precursor_mz": precursor,
            "centroided": "centroid spectrum" in s,
        })
print(json.dumps(out))
