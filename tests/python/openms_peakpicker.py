"""OpenMS PeakPickerHiRes centroids of every spectrum of an mzML file.

    python openms_peakpicker.py FILE.mzML SIGNAL_TO_NOISE

Prints JSON: {"spectra": [{"profile_points": n, "mz": [...], "intensity": [...]}, ...]}.
"""
import json
import os
import sys

import pyopenms as oms

exp = oms.MSExperiment()
oms.MzMLFile().load(sys.argv[1], exp)
picker = oms.PeakPickerHiRes()
params = picker.getParameters()
params.setValue("signal_to_noise", float(sys.argv[2]))
picker.setParameters(params)
picked = picker.pickExperiment(exp, False)
out = []
for raw, s in zip(exp, picked):
    mz, intensity = s.get_peaks()
    out.append({"profile_points": raw.size(), "mz": [float(x) for x in mz],
                "intensity": [float(x) for x in intensity]})
sys.stdout.write(json.dumps({"spectra": out}) + "\n")
sys.stdout.flush()
# OpenMS prints a summary to stdout when it shuts down; leave before it does.
os._exit(0)
