r"""Errors a run can end with."""


class WorkerError(RuntimeError):
    r"""A worker raised: the message names the worker and the task and holds its traceback."""

    def __init__(self, worker, task_id, details):
        self.worker, self.task_id, self.details = worker, task_id, details
        where = f"task {task_id}" if task_id is not None else "start-up"
        super().__init__(f"worker {worker} failed during {where}:\n{details}")


class MappingCancelled(RuntimeError):
    r"""The run was cancelled; no partial result is returned."""


class IncompleteResult(RuntimeError):
    r"""The tasks' results do not cover the state space (this is a bug: please report it)."""
