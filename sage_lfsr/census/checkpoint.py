r"""
Census checkpoints: the finished tasks of a census, so a killed census resumes
by register index.

The file is a :class:`sage_lfsr.engine.checkpoint.Checkpoint` (magic line, a header
frame, then one frame per finished task, each with a CRC-32, appended and
``fsync``-ed one at a time; a frame torn by a kill is dropped on restore). The
header identifies the census: the mode, the start state, whether theory was
checked, the register ranges of the tasks, and a SHA-256 of the registers'
texts, so a checkpoint of another family or another plan is refused.
"""
from __future__ import annotations

from sage_lfsr.census.job import CensusTaskResult
from sage_lfsr.engine.checkpoint import (FORMAT_VERSION, Checkpoint, CheckpointCorrupted, CheckpointMismatch, _frame,
                                  decode_record, encode_record)

_NUMBERS = ("task_id", "worker", "steps", "start", "end")


def census_header(job) -> dict:
    r"""
    What identifies a census job in a checkpoint.

    EXAMPLES::

        sage: from sage_lfsr.census.checkpoint import census_header
        sage: from sage_lfsr.census.job import CensusJob, make_tasks
        sage: from sage_lfsr.census.registers import parse_register
        sage: job = CensusJob(make_tasks([parse_register("lfsr q=2 c=1,1")] * 3, 2), "period", 1, False,
        ....:                 {"registers_digest": "0a1b"})
        sage: header = census_header(job)
        sage: header["key"], header["tasks"], header["batch_size"]
        (['census', 'period', 1, False, '0a1b'], [[0, 2], [2, 3]], 2)
    """
    return {
        "format": "sage_lfsr checkpoint",
        "version": FORMAT_VERSION,
        "key": ["census", job.mode, int(job.start_state), bool(job.check_theory),
                job.choices.get("registers_digest", "")],
        "state_count": sum(task.size for task in job.tasks),
        "batch_size": int(job.choices.get("batch_size", max((task.size for task in job.tasks), default=0))),
        "split": False,
        "dbits": 0,
        "tasks": [[task.lo, task.hi] for task in job.tasks],
    }


class CensusCheckpoint(Checkpoint):
    r"""
    A checkpoint file of a census: pass ``checkpoint=FILE`` to
    :func:`~sage_lfsr.census.census` and rerun with the same file to resume.
    """

    def header_for(self, job) -> dict:
        return census_header(job)

    def _check_same_job(self, header, wanted):
        if header["key"][:1] != ["census"]:
            raise CheckpointMismatch(f"checkpoint {self.path} was written by a single map, not a census")
        if header["key"] != wanted["key"]:
            raise CheckpointMismatch(f"checkpoint {self.path} was written for another census (mode, start, theory "
                                     f"checks or registers differ): use another file")
        if header["tasks"] != wanted["tasks"]:
            raise CheckpointMismatch(f"checkpoint {self.path} was written for the same registers in other tasks: "
                                     f"rerun with batch size {header['batch_size']} to resume it")

    def _result(self, header, offset, payload):
        try:
            numbers, arrays = decode_record(payload)
            result = CensusTaskResult(int(numbers["task_id"]), int(numbers["worker"]), int(numbers["steps"]),
                                      float(numbers["start"]), float(numbers["end"]),
                                      dict(zip(numbers["names"], arrays)))
            header_crc = int(numbers["header"])
        except Exception:
            raise CheckpointCorrupted(f"checkpoint {self.path} is corrupted: the record at byte {offset} "
                                      "is not a census task result") from None
        if header_crc != self._header_crc:
            raise CheckpointCorrupted(f"checkpoint {self.path} is corrupted: the record at byte {offset} belongs "
                                      "to another checkpoint (its header checksum differs)")
        if not 0 <= result.task_id < len(header["tasks"]):
            raise CheckpointCorrupted(f"checkpoint {self.path} is corrupted: the record at byte {offset} is for "
                                      f"task {result.task_id}, which its header does not list")
        return result

    def record(self, result: CensusTaskResult):
        r"""Append ``result`` durably (one write, flushed and ``fsync``-ed)."""
        names = sorted(result.arrays)
        numbers = {name: getattr(result, name) for name in _NUMBERS}
        payload = encode_record(dict(numbers, names=names, header=self.header_crc()),
                                [result.arrays[name] for name in names])
        self._append(_frame(payload))
