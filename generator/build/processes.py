"""Run each job in a fresh child process, a bounded number at a time, and yield the results as they finish.

Why not ``ProcessPoolExecutor``: its workers outlive a task (memory held by
one Sphinx project would stay for the next), and with ``max_tasks_per_child``
it must spawn or use a fork server, whose processes are not children of this
one, so their CPU time and memory are missing from what the operating system
reports for the build (``time make html``, ``make bench``).  A forked child
per job starts in milliseconds with everything this process imported, returns
all its memory when it ends, and is waited for here.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, cast

Job = TypeVar("Job")
Result = TypeVar("Result")


def _child(function: Callable[[Any], Any], job: Any, connection: multiprocessing.connection.Connection) -> None:
    try:
        connection.send(function(job))
    finally:
        connection.close()


def run_each_in_a_process(
    function: Callable[[Job], Result],
    jobs: Sequence[Job],
    workers: int,
    lost: Callable[[Job, int | None], Result],
) -> Iterator[Result]:
    """``function(job)`` for every job, each in its own forked process, at most ``workers`` at once.

    Results come in the order the jobs finish.  A child that dies without a
    result (killed, out of memory) gives ``lost(job, exitcode)``.  If this
    process is interrupted, the running children are terminated.
    """
    context = multiprocessing.get_context("fork")
    waiting = list(enumerate(jobs))
    running: dict[int, tuple[Any, multiprocessing.connection.Connection, Job]] = {}
    try:
        while waiting or running:
            while waiting and len(running) < max(1, workers):
                _index, job = waiting.pop(0)
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(function, job, sender), daemon=True)
                process.start()
                sender.close()
                running[process.sentinel] = (process, receiver, job)
            ready = multiprocessing.connection.wait(list(running))
            for sentinel in ready:
                process, receiver, job = running.pop(cast(int, sentinel))
                result = receiver.recv() if receiver.poll() else None
                receiver.close()
                process.join()
                yield result if result is not None else lost(job, process.exitcode)
    finally:
        for process, receiver, _job in running.values():
            process.terminate()
            process.join()
            receiver.close()
