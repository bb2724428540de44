"""
Every Python block of README.md and docs/*.md runs as pasted (issue 23): each in a
fresh namespace, all in one subprocess (one import of Sage), in a temporary
directory. A block that cannot run here says why in the comment line above it,
``<!-- not run: ... -->`` (a Dask scheduler on another machine).
"""
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(600)

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<language>\w*)[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
                   re.MULTILINE | re.DOTALL)
NOT_RUN = re.compile(r"<!--\s*not run:\s*(?P<why>[^>]*?)\s*-->\s*$")

#: Runs the blocks given as JSON on standard input; one line of JSON per block.
RUNNER = r"""
import json, sys, traceback
for block in json.load(sys.stdin):
    try:
        exec(compile(block["code"], block["where"], "exec"), {"__name__": "__main__"})
        print(json.dumps({"where": block["where"], "error": None}), flush=True)
    except BaseException:
        print(json.dumps({"where": block["where"], "error": traceback.format_exc(limit=-3)}), flush=True)
"""


def python_blocks(path):
    r"""``(where, code, why_not_run)`` for each ```python block of ``path``, dedented."""
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        if match.group("language") != "python":
            continue
        line = text.count("\n", 0, match.start()) + 1
        before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        skipped = NOT_RUN.search(before)
        indent = len(match.group("indent"))
        code = "\n".join(row[indent:] for row in match.group("body").splitlines())
        blocks.append((f"{path.relative_to(ROOT)}:{line}", code, skipped and skipped.group("why")))
    return blocks


def test_the_collector_finds_every_python_fence():
    for path in DOCUMENTS:
        fences = len(re.findall(r"^[ \t]*```python[ \t]*$", path.read_text(encoding="utf-8"), re.MULTILINE))
        assert len(python_blocks(path)) == fences, path
    skipped = [(where, why) for path in DOCUMENTS for where, _, why in python_blocks(path) if why]
    assert all(why for _, why in skipped) and len(skipped) <= 1, skipped  # a skip says why; few may skip


def test_every_documented_python_block_runs(tmp_path):
    blocks = [{"where": where, "code": code} for path in DOCUMENTS for where, code, why in python_blocks(path)
              if not why]
    assert len(blocks) >= 6  # README's five and docs/dask.md's local cluster at least
    environment = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    completed = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(blocks), text=True,
                               capture_output=True, cwd=tmp_path, env=environment, timeout=540)
    reports = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    assert [report["where"] for report in reports] == [block["where"] for block in blocks], completed.stderr[-3000:]
    failures = {report["where"]: report["error"] for report in reports if report["error"]}
    assert not failures, "\n".join(f"{where}:\n{error}" for where, error in failures.items())
