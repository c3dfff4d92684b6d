"""What pyteomics reads from an mzXML file, scan by scan.

    python pyteomics_mzxml.py FILE.mzXML

Prints JSON: a list of {num, ms_level, rt (seconds), n, mz_sum, intensity_sum,
precursor_mz (null when none)}.
"""
import json
import sys

from pyteomics import mzxml

out = []
with mzxml.read(sys.argv[1], decode_binary=True) as reader:
    for s in reader:
        rt = s.get("retentionTime")
        unit = getattr(rt, "unit_info", "minute")
        seconds = None if rt is None else float(rt) * (60.0 if unit == "minute" else 1.0)
        pre = s.get("precursorMz")
        out.append({
            "num": s["num"], "ms_level": s["msLevel"], "rt": seconds, "n": int(len(s["m/z array"])),
            "mz_sum": float(s["m/z array"].astype("float64").sum()),
            "intensity_sum": float(s["intensity array"].astype("float64").sum()),
            "precursor_mz": None if not pre else float(pre[0]["precursorMz"]),
        })
print(json.dumps(out))
