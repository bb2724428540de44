#!/usr/bin/env bash
# The test command: Sage doctests of the package, then the pytest suite (notebooks and browser included).
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg
.venv/bin/sage -t -p 2 --environment=sage.all__sagemath_modules sage_lfsr/  # two doctest processes: the 2 cores CI has
.venv/bin/python -m pytest tests -q -p no:cacheprovider --timeout=600 --durations=15 -n 2 --dist loadfile  # two processes, a file each; slowest listed last
