#!/usr/bin/env bash
# Create .venv with passagemath (SageMath from PyPI) and this package, then map an example register.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test,notebook,dask]"
bash .ci/jupyter.sh "$PWD/.venv"
.venv/bin/sage-lfsr map --polynomial "x^16+x^14+x^13+x^11+1" --schedule queue --workers 2 --quiet \
  | .venv/bin/python -c "import json, sys; r = json.load(sys.stdin); print('example x^16+x^14+x^13+x^11+1: cycles', r['cycle_counts'], 'imbalance %.1f %%' % r['imbalance'])"
