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
# Compile the kernels now, into numba's on-disk cache, so no first map (nor the tests) pays it:
# one process maps a register of each kind (linear, singular, GF(3), nonlinear, matrix) and runs a census.
echo "compiling the kernels once (numba keeps them in its cache; later runs load them in about a second) ..."
compile_start=$(date +%s)
.venv/bin/python - <<'PYTHON'
from sage_lfsr.cli import main
for register in (["--polynomial", "x^5+x^2+1"], ["--polynomial", "x^5+x^4+x^3"], ["--q", "3", "--polynomial", "x^3+2*x+1"],
                 ["--anf", "x0+x1*x2", "--degree", "4"], ["--matrix", "1,1;0,1"]):
    assert main(["map", *register, "--quiet", "--output", "/dev/null"]) == 0
for family in (["feedback-functions", "--degree", "3"], ["lfsrs", "--degree", "3", "--q", "3"]):
    assert main(["census", "--family", *family, "--schedule", "sequential", "--quiet", "--output", "/dev/null"]) == 0
PYTHON
echo "kernels compiled in $(( $(date +%s) - compile_start )) s"
.venv/bin/sage-lfsr map --polynomial "x^24+x^23+x^22+x^17+1" --schedule queue --workers 2 --quiet \
  | .venv/bin/python -c "import json, sys; r = json.load(sys.stdin); print('example x^24+x^23+x^22+x^17+1 (2^24 states, 2 workers): cycles', r['cycle_counts'], 'in %.2f s, load imbalance %.0f %%' % (r['wall_seconds'], r['imbalance']))"
