"""The project's Celery app, with each Annex 2 task held back CHAOS_TASK_SECONDS before it starts.

Only the fault tests (tests/chaos/run.py) start a worker on it (`celery -A tests.chaos.slow_worker`): a
recompute of a few shelters takes milliseconds, too short to kill a worker in the middle of one. Each
start is appended to CHAOS_STARTS_FILE (task name, id, process id), so the run knows when to kill and
when a task was redone.
"""

from __future__ import annotations

import os
import time

from celery.signals import task_prerun

from proteja_site.celery import app

__all__ = ["app"]


@task_prerun.connect
def hold_back(task_id: str, task, **kwargs: object) -> None:  # noqa: ANN001
    if not task.name.startswith("indicators.tasks.recompute_shelter_months"):
        return
    with open(os.environ["CHAOS_STARTS_FILE"], "a") as starts:
        starts.write(f"{task.name} {task_id} {os.getpid()} {time.time()}\n")
    time.sleep(float(os.environ.get("CHAOS_TASK_SECONDS", "3")))
