#!/usr/bin/env bash
# The test command: Sage doctests of the package, then the pytest suite (notebooks, the manual's build
# and the browser tests included). The checkout must be left as it was found (checked at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg
bash .ci/browser.sh   # Debian's chromium for the browser tests, only if it is missing (it says so)
checkout_state() {    # tracked changes, untracked and ignored files; Python's own __pycache__ aside
    git status --porcelain --ignored 2>/dev/null | grep -v '__pycache__/$' || true
}
before=$(checkout_state)
.venv/bin/sage -t -p 2 --environment=sage.all__sagemath_modules sage_lfsr/  # two doctest processes: the 2 cores CI has
.venv/bin/python -m pytest tests -q -p no:cacheprovider --timeout=600 --durations=15 -n 2 --dist loadfile  # two processes, a file each; slowest listed last
after=$(checkout_state)
if [ "$before" != "$after" ]; then
    echo "error: the test run changed the checkout (it must write only in temporary directories):"
    diff <(echo "$before") <(echo "$after") | grep '^[<>]' || true
    exit 1
fi
