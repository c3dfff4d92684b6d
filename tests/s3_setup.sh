#!/usr/bin/env bash
# Installs the S3-compatible server the S3 tests run against: moto's server
# mode (PyPI `moto[s3]` plus Flask), pinned with every dependency, into a venv
# in the test cache (outside the checkout; LAMELLA_TEST_CACHE overrides it). Idempotent: exits at once when the venv
# already holds these versions. Needs python3 (3.9+) with venv and PyPI.
#
#   bash tests/s3_setup.sh            # install if missing
#   PYTHON=python3.12 bash tests/s3_setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${LAMELLA_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lamella-tests}
VENV=$CACHE/s3test/venv
MOTO_VERSION=5.2.5
PYTHON=${PYTHON:-python3}

if [ -x "$VENV/bin/python" ] &&
  "$VENV/bin/python" -c "import moto, flask, flask_cors, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  echo "s3_setup: moto $MOTO_VERSION already in $VENV"
  exit 0
fi

echo "s3_setup: installing moto[s3] $MOTO_VERSION with Flask (server mode) into $VENV"
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PYTHON" -m venv "$VENV"
requirements=$(mktemp)
trap 'rm -f "$requirements"' EXIT
# `moto[server]` would pull every AWS service's dependencies (cfn-lint, sympy,
# ...); S3 needs only these. Versions as resolved on 2026-11-23.
cat >"$requirements" <<EOF
moto[s3]==$MOTO_VERSION
Flask==3.1.3
flask-cors==6.0.5
blinker==1.9.0
boto3==1.44.5
botocore==1.44.5
certifi==2026.10.18
cffi==2.1.1
charset-normalizer==3.5.2
click==8.5.1
cryptography==50.0.2
idna==3.20
itsdangerous==2.2.0
Jinja2==3.1.6
jmespath==1.1.0
MarkupSafe==3.0.4
py-partiql-parser==0.6.3
pycparser==3.12
python-dateutil==2.9.0.post0
PyYAML==6.0.3
requests==2.34.2
responses==0.26.3
s3transfer==0.19.3
six==1.17.0
urllib3==2.8.0
Werkzeug==3.1.9
xmltodict==1.0.4
EOF
"$VENV/bin/pip" install --disable-pip-version-check --no-input --quiet --timeout 60 -r "$requirements"
"$VENV/bin/python" -c "from moto.server import ThreadedMotoServer; import moto; print('s3_setup: moto', moto.__version__, 'ready')"
