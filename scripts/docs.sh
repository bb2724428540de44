#!/usr/bin/env bash
# Build the manual into docs/_build/html (offline; Sphinx -W: a warning fails it). The notebooks are
# executed once and kept in docs/_build/notebooks until a notebook or the package changes.
# Usage: bash scripts/docs.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg
.venv/bin/python docs/build.py "$@"
