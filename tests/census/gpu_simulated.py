"""
Run under numba's CUDA simulator by tests/census/test_gpu_search.py (a process of
its own: the simulator is chosen when numba.cuda is first imported). Prints one
JSON document: the GPU search's maximum-period sets, walk periods and a resumed run.
"""
import json
import sys

import numpy as np

from sage_lfsr.census.forms import Form
from sage_lfsr.census.gpu import GpuWalker
from sage_lfsr.census.search import search

#: Every published form at a degree the simulator walks in a second or so (n <= 12).
DEGREES = {"3,1": 11, "9,1": 10, "7,1": 9, "5,1": 9, "2,2": 9, "4,2": 7, "6,2": 7, "3,0,1": 9, "5,0,1": 8,
           "7,0,1": 8}


class Stop(Exception):
    pass


def main(checkpoint):
    out = {"maximum": {}, "walked": {}}
    for name, degree in DEGREES.items():
        summary = search(name, degree, device="cuda")
        out["maximum"][name] = summary.maximum
        out["walked"][name] = [summary.summary()["walked"], summary.summary()["steps"]]
    form = Form("2,2", 6)  # every candidate walked: periods and steps of each
    walker = GpuWalker(form, reduce=False, screen=False, lanes=16)
    parts = [walker.feed(0, 40), walker.feed(40, form.size), walker.drain()]
    periods = np.full(form.size, -9, dtype=np.int64)
    steps = np.zeros(form.size, dtype=np.int64)
    for indices, values, walked in parts:
        periods[indices], steps[indices] = values, walked
    out["periods"], out["steps"] = periods.tolist(), steps.tolist()

    def interrupt(done, total):  # the CPU stops after two tasks; the GPU resumes the checkpoint
        if done >= 200:
            raise Stop

    try:
        search("3,0,1", 9, checkpoint=checkpoint, task_candidates=100, progress=interrupt, workers=1)
    except Stop:
        pass
    resumed = search("3,0,1", 9, checkpoint=checkpoint, task_candidates=100, device="cuda")
    out["resumed"] = [resumed.maximum, resumed.summary()["walked"], len(resumed.tasks)]
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
