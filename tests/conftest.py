import os
import random
import shutil
import tempfile

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# Hypothesis keeps its example database in a directory of this run, not .hypothesis/ in the checkout.
HYPOTHESIS_DIRECTORY = tempfile.mkdtemp(prefix="sage_lfsr_hypothesis_")
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", HYPOTHESIS_DIRECTORY)

from sage_lfsr.registers.lfsr import LFSR  # noqa: E402


def random_register(rng, q, degree, singular=False):
    coefficients = [rng.randrange(q) for _ in range(degree)]
    coefficients[0] = 0 if singular else rng.randrange(1, q)
    return LFSR(coefficients, q=q)


@pytest.fixture
def rng():
    return random.Random(20261126)


#: Registers every schedule is checked on: (label, q, coefficients).
SCHEDULE_REGISTERS = [
    ("primitive GF(2) x^10+x^3+1", 2, (1, 0, 0, 1, 0, 0, 0, 0, 0, 0)),
    ("many cycles GF(2) x^10-1", 2, (1,) + (0,) * 9),
    ("skewed GF(2) (x^5+x^2+1)(x^3+x+1)(x+1)", 2, None),
    ("singular GF(2) x^3(x^7+x+1)", 2, (0, 0, 0, 1, 1, 0, 0, 0, 0, 0)),
    ("GF(3) degree 6", 3, (2, 1, 0, 2, 0, 1)),
    ("GF(4) degree 5", 4, (3, 1, 0, 2, 1)),
    ("GF(9) degree 3 singular", 9, (0, 5, 7)),
    ("GF(9) degree 4", 9, (1, 0, 3, 8)),
]


def schedule_register(label):
    for name, q, coefficients in SCHEDULE_REGISTERS:
        if name == label:
            if coefficients is None:
                return LFSR.from_polynomial("(x^5+x^2+1)*(x^3+x+1)*(x+1)", q=q)
            return LFSR(coefficients, q=q)
    raise KeyError(label)


@pytest.fixture(scope="session")
def executed(tmp_path_factory):
    r"""
    ``executed(name)``: ``notebooks/name`` executed once per test run (the notebook tests and the
    manual share it), kept in a directory that every pytest-xdist worker of the run sees.
    """
    from notebook_support import executed_notebook

    base = tmp_path_factory.getbasetemp()
    directory = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "executed-notebooks"
    return lambda name: executed_notebook(name, directory)


def pytest_sessionfinish(session, exitstatus):
    r"""The suite writes only in temporary directories: fail the run if /dev/null is no longer a device."""
    import stat

    shutil.rmtree(HYPOTHESIS_DIRECTORY, ignore_errors=True)
    if not stat.S_ISCHR(os.stat(os.devnull).st_mode):
        session.exitstatus = 1
        print(f"\nerror: {os.devnull} is no longer a character device: a test wrote over it "
              "(restore it: rm /dev/null && mknod -m 666 /dev/null c 1 3)")
