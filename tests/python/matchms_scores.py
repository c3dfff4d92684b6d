"""matchms' own scores for every pair of an MGF file's spectra.

    python matchms_scores.py FILE.mgf

Prints JSON: {"n": N, "cosine": [[score, matched], ...], "modified": [...]},
row-major over (reference i, query j), with matchms' default CosineGreedy and
ModifiedCosineGreedy (tolerance 0.1, mz_power 0, intensity_power 1).
"""
import json
import sys
import warnings

from matchms.importing import load_from_mgf
from matchms.similarity import CosineGreedy, ModifiedCosineGreedy

warnings.filterwarnings("ignore")
spectra = list(load_from_mgf(sys.argv[1]))
cosine = CosineGreedy()
modified = ModifiedCosineGreedy()
out = {"n": len(spectra), "cosine": [], "modified": [], "precursor_mz": []}
for s in spectra:
    out["precursor_mz"].append(s.metadata.get("precursor_mz"))
for a in spectra:
    for b in spectra:
        c = cosine.pair(a, b)
        m = modified.pair(a, b)
        out["cosine"].append([float(c["score"]), int(c["matches"])])
        out["modified"].append([float(m["score"]), int(m["matches"])])
print(json.dumps(out))
