#!/usr/bin/env bash
# The test command: Sage doctests of the package, then the pytest suite (notebooks and browser included).
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg
.venv/bin/sage -t --environment=sage.all__sagemath_modules sage_lfsr/
.venv/bin/python -m pytest tests -q -p no:cacheprovider --timeout=600 --durations=15  # slowest tests listed last
