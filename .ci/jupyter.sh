#!/usr/bin/env bash
# What the notebooks and their tests need in the package's venv (Python only, nothing on the system):
# JupyterLab, nbclient, ipykernel, ipywidgets and Playwright (it drives Debian's chromium, see
# .ci/browser.sh; no browser download), and a kernelspec named "sage_lfsr" that runs the venv's python.
# Usage: bash .ci/jupyter.sh /path/to/venv
set -euo pipefail
VENV="${1:?usage: bash .ci/jupyter.sh /path/to/venv}"
"$VENV/bin/python" -m pip install -q jupyterlab nbclient nbformat ipykernel ipywidgets playwright
"$VENV/bin/python" -m ipykernel install --sys-prefix --name sage_lfsr --display-name "Python (sage_lfsr)" >/dev/null
echo "jupyter: kernel 'sage_lfsr' (Python (sage_lfsr)) installed in $VENV"
