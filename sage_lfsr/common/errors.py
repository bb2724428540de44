r"""Errors a run can end with."""


class WorkerError(RuntimeError):
    r"""
    A worker raised or died: the message names the worker (or the Manager), the
    task and holds its traceback, or its exit code and signal.
    """

    def __init__(self, worker, task_id, details, where=None):
        self.worker, self.task_id, self.details = worker, task_id, details
        if where is None:
            where = f"during task {task_id}" if task_id is not None else "during start-up"
        who = worker if isinstance(worker, str) else f"worker {worker}"
        super().__init__(f"{who} failed {where}:\n{details}")


class MappingCancelled(RuntimeError):
    r"""The run was cancelled; no partial result is returned."""


class IncompleteResult(RuntimeError):
    r"""The tasks' results do not cover the state space (this is a bug: please report it)."""
