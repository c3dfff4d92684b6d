#!/usr/bin/env bash
# Creates (once) the Python venv NAME for tests that run reference libraries:
# tests/python/NAME.txt lists its packages, pinned with every dependency, from
# PyPI. The venv lives in the test cache, outside the checkout:
#   ${LAMELLA_TEST_CACHE:-${XDG_CACHE_HOME:-~/.cache}/lamella-tests}/venvs/NAME
# and is rebuilt when NAME.txt changes. Prints the venv's python on stdout.
# Safe to run from tests in parallel (a lock serialises the install).
#
#   bash tests/python_setup.sh writers
#   PYTHON=python3.12 bash tests/python_setup.sh writers
set -euo pipefail
cd "$(dirname "$0")/.."

name=${1:?usage: tests/python_setup.sh NAME}
requirements=tests/python/$name.txt
[ -f "$requirements" ] || { echo "python_setup: no $requirements" >&2; exit 2; }
cache=${LAMELLA_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lamella-tests}
venv=$cache/venvs/$name
stamp=$(sha256sum "$requirements" | cut -c1-16)
PYTHON=${PYTHON:-python3}

mkdir -p "$cache/venvs"
exec 9>"$cache/venvs/$name.lock"
flock 9
if [ "$(cat "$venv/.lamella-stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "python_setup: installing $requirements into $venv" >&2
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv" >&2
  "$venv/bin/pip" install --disable-pip-version-check --no-input --quiet --timeout 60 \
    -r "$requirements" >&2
  echo "$stamp" >"$venv/.lamella-stamp"
fi
echo "$venv/bin/python"
