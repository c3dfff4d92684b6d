#!/usr/bin/env bash
# Creates the Python venv the peer benchmarks run in (data/bench/venv) and
# installs pinned versions from PyPI. Idempotent: a marker file records the pins
# that were installed, so a second run with the same pins does nothing.
#
# Core (required): numpy, zarr 3, numcodecs, dask  -> peers numpy_loop, dask_array
# Optional:        zarrs (zarr-python's Rust codec pipeline), tensorstore,
#                  scipy (find_peaks_cwt, the peer of the peaks bench: bench/peers/peaks_scipy.py)
# An optional package that fails to install is reported and skipped; the peer
# that needs it is then reported unavailable by bench/peers.ts.
#
# Usage: bash bench/peers/setup_venv.sh [--force]
# Env:   LAMELLA_PYTHON  interpreter to build the venv from (default /usr/bin/python3, else python3)
#        LAMELLA_VENV    venv directory (default <repo>/data/bench/venv)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${LAMELLA_VENV:-$ROOT/data/bench/venv}"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

# Versions checked with `pip index versions NAME` (newest on PyPI at the time).
CORE_PINS=(numpy==2.4.6 zarr==3.1.6 numcodecs==0.16.6 dask==2026.8.0)
OPTIONAL_PINS=(zarrs==0.2.3 tensorstore==0.1.86 scipy==1.17.1)
MARKER="$VENV/.lamella-peers-installed"
WANT="${CORE_PINS[*]} ${OPTIONAL_PINS[*]}"

if [[ -n "${LAMELLA_PYTHON:-}" ]]; then
  PY="$LAMELLA_PYTHON"
elif [[ -x /usr/bin/python3 ]]; then
  # The system interpreter, not a pyenv shim: the venv must not depend on a
  # user's shell setup.
  PY=/usr/bin/python3
elif command -v python3 >/dev/null; then
  PY="$(command -v python3)"
else
  echo "setup_venv: no python3 found; peers cannot run (install python3 and python3-venv)" >&2
  exit 1
fi

if [[ $FORCE == 0 && -f "$MARKER" && "$(head -n1 "$MARKER")" == "$WANT" && -x "$VENV/bin/python" ]]; then
  echo "setup_venv: $VENV is up to date:"
  tail -n +2 "$MARKER"
  exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "setup_venv: creating $VENV with $PY ($("$PY" --version 2>&1))"
  mkdir -p "$(dirname "$VENV")"
  if ! "$PY" -m venv "$VENV"; then
    echo "setup_venv: '$PY -m venv' failed; on Debian: apt-get install python3-venv" >&2
    exit 1
  fi
fi

PIP=("$VENV/bin/python" -m pip --disable-pip-version-check --no-input)
"${PIP[@]}" install --quiet --upgrade pip

echo "setup_venv: installing ${CORE_PINS[*]}"
if ! "${PIP[@]}" install --quiet --only-binary=:all: "${CORE_PINS[@]}"; then
  echo "setup_venv: core packages failed to install; numpy_loop and dask_array cannot run" >&2
  exit 1
fi

SKIPPED=()
for pin in "${OPTIONAL_PINS[@]}"; do
  echo "setup_venv: installing $pin"
  # Wheels only: building zarrs from source needs a Rust toolchain newer than Debian's.
  if ! "${PIP[@]}" install --quiet --only-binary=:all: "$pin" "${CORE_PINS[@]}"; then
    echo "setup_venv: $pin is not installable here (no wheel for this platform/Python?); skipped" >&2
    SKIPPED+=("$pin")
  fi
done

INSTALLED="$("$VENV/bin/python" - <<'PY'
import importlib.metadata as md
for name in ("numpy", "zarr", "numcodecs", "dask", "zarrs", "tensorstore", "scipy"):
    try:
        print(f"  {name}=={md.version(name)}")
    except md.PackageNotFoundError:
        print(f"  {name}: not installed")
PY
)"
{
  echo "$WANT"
  echo "$INSTALLED"
  for s in "${SKIPPED[@]}"; do echo "  skipped: $s"; done
} >"$MARKER"
# Every distribution, dependencies included, to reproduce the venv exactly.
"${PIP[@]}" freeze --all >"$VENV/requirements.lock"
echo "setup_venv: $VENV ($("$VENV/bin/python" --version 2>&1)) now has:"
tail -n +2 "$MARKER"
echo "setup_venv: full list in $VENV/requirements.lock"
