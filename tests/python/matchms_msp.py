"""What matchms reads from an MSP file, spectrum by spectrum.

    python matchms_msp.py FILE.msp...

Prints JSON: {FILE: [{n, mz (list), intensities (list), precursor_mz (null when none)}, ...]}.
"""
import json
import sys
import warnings

warnings.filterwarnings("ignore")
from matchms.importing import load_from_msp  # noqa: E402

out = {}
for path in sys.argv[1:]:
    out[path] = []
    for s in load_from_msp(path, metadata_harmonization=False):
        p = s.get("precursor_mz")
        out[path].append({"n": int(len(s.peaks.mz)), "mz": [float(x) for x in s.peaks.mz],
                        "intensities": [float(x) for x in s.peaks.intensities],
                        "precursor_mz": None if p is None else float(p)})
print(json.dumps(out))
