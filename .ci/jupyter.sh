#!/usr/bin/env bash
# Install what the notebook tests need beyond the package's venv:
# Debian's chromium (driven by Playwright's Python package; no browser download),
# JupyterLab, nbclient, ipykernel and Playwright in the venv, and a kernelspec
# named "sage_lfsr" that runs the venv's python.
# Usage: bash .ci/jupyter.sh /path/to/venv
set -euo pipefail
VENV="${1:?usage: bash .ci/jupyter.sh /path/to/venv}"

if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi

"$VENV/bin/python" -m pip install -q jupyterlab nbclient nbformat ipykernel ipywidgets playwright
"$VENV/bin/python" -m ipykernel install --sys-prefix --name sage_lfsr --display-name "Python (sage_lfsr)"
"$VENV/bin/python" -m jupyter kernelspec list
