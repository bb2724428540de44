r"""
Every Python block of the README and of ``docs/`` runs as pasted (issue 23), in
the environment ``scripts/setup.sh`` makes: the blocks of one file run in order
in one fresh interpreter (as a reader pastes them into one session), with only
the names they import or define themselves. A block preceded by an HTML comment
``<!-- example not run by the tests: REASON -->`` is left out, with its reason.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent.parent
DOCUMENTS = ["README.md"] + sorted(str(path.relative_to(REPOSITORY)) for path in (REPOSITORY / "docs").glob("*.md"))
BLOCK = re.compile(r"(<!-- example not run by the tests: [^>]*-->\s*)?^([ \t]*)```python\n(.*?)^\2```", re.M | re.S)


def python_blocks(document):
    r"""``(line number, code, skipped)`` of every Python block of ``document``."""
    text = (REPOSITORY / document).read_text()
    blocks = []
    for match in BLOCK.finditer(text):
        indent = match.group(2)
        code = "\n".join(line[len(indent):] for line in match.group(3).splitlines())
        blocks.append((text[:match.start(3)].count("\n") + 1, code, bool(match.group(1))))
    return blocks


def test_the_documents_have_python_examples_and_each_skip_gives_a_reason():
    counted = {document: len(python_blocks(document)) for document in DOCUMENTS}
    assert counted["README.md"] >= 5
    for document in DOCUMENTS:
        for match in re.finditer(r"<!-- example not run by the tests: ([^>]*)-->", (REPOSITORY / document).read_text()):
            assert len(match.group(1).strip()) > 10, document


@pytest.mark.timeout(300)
@pytest.mark.parametrize("document", [d for d in DOCUMENTS if any(not skip for _, _, skip in python_blocks(d))])
def test_every_python_block_runs_as_pasted(document, tmp_path):
    script = ["import sys"]
    for line, code, skipped in python_blocks(document):
        if skipped:
            continue
        script.append(f"print('BLOCK {document}:{line}', file=sys.stderr, flush=True)")
        script.append(code)
    environment = dict(os.environ, PYTHONPATH=str(REPOSITORY), MPLBACKEND="Agg")
    completed = subprocess.run([sys.executable, "-c", "\n".join(script)], capture_output=True, text=True,
                               cwd=tmp_path, env=environment, timeout=280)
    started = [line for line in completed.stderr.splitlines() if line.startswith("BLOCK ")]
    where = started[-1][6:] if started else document
    assert completed.returncode == 0, f"the block at {where} fails as pasted:\n{completed.stderr[-3000:]}"


def free_names(code) -> set:
    r"""The names a block reads that it neither imports nor defines (nor are builtins): ``symtable``, no run."""
    import builtins
    import symtable

    top = symtable.symtable(code, "block", "exec")
    bound = {symbol.get_name() for symbol in top.get_symbols() if symbol.is_imported() or symbol.is_assigned()}
    used, tables = set(), [top]
    while tables:
        table = tables.pop()
        tables.extend(table.get_children())
        used |= {symbol.get_name() for symbol in table.get_symbols()
                 if symbol.is_referenced() and (table is top or symbol.is_global())}
    return used - bound - set(dir(builtins))


def test_free_names_finds_a_missing_import():
    assert free_names("from x import a\nb = a(c)\n[d for d in e]\n") == {"c", "e"}


@pytest.mark.parametrize("document", DOCUMENTS)
def test_each_python_block_runs_when_pasted_alone(document):
    r"""Each block imports what it uses: pasted alone into a fresh session it needs nothing before it (issue 29)."""
    for line, code, skipped in python_blocks(document):
        assert skipped or free_names(code) == set(), f"{document}:{line} uses names it does not import"
