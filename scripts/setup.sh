#!/usr/bin/env bash
# Create .venv with passagemath (SageMath from PyPI), this package and what its tests and manual use
# (extras test, notebook, dask, docs; a Jupyter kernel), then map an example register.
# Python only: nothing is installed on the system. `--browser` also installs Debian's chromium for the
# browser tests (scripts/test.sh does that itself when it is missing: .ci/browser.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test,notebook,dask,docs]"
bash .ci/jupyter.sh "$PWD/.venv"
if [ "${1:-}" = "--browser" ]; then bash .ci/browser.sh; fi
.venv/bin/python -m sage_lfsr.precompile   # every kernel compiled now, so no first map waits for numba
.venv/bin/sage-lfsr map --polynomial "x^24+x^23+x^22+x^17+1" --schedule queue --workers 2 --quiet \
  | .venv/bin/python -c "import json, sys; r = json.load(sys.stdin); print('example x^24+x^23+x^22+x^17+1 (2^24 states, 2 workers): cycles', r['cycle_counts'], 'in %.2f s, load imbalance %.0f %%' % (r['wall_seconds'], r['imbalance']))"
