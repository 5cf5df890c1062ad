"""The Celery app: finds every app's tasks.py. Periodic schedules live in one place: CELERY_BEAT_SCHEDULE below."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proteja_site.settings")

app = Celery("proteja_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Every night, recompute the current and previous month of every shelter.
    "recompute-recent-months": {
        "task": "indicators.tasks.recompute_recent_months",
        "schedule": crontab(hour=2, minute=30),
    },
    # Every minute, drain the recompute outbox: the requests whose nudge was lost (Redis down, a message
    # lost) are recomputed within a minute of Redis coming back (indicators.tasks.drain_recompute_requests).
    # (RECOMPUTE_DRAIN_SECONDS: shorter in the fault tests, tests/chaos.)
    "drain-recompute-requests": {
        "task": "indicators.tasks.drain_recompute_requests",
        "schedule": float(os.environ.get("RECOMPUTE_DRAIN_SECONDS") or 60),
    },
    # Every minute, seal the audit entries not sealed after their commit, and write the finished minutes'
    # refusal totals (shelters.tasks.seal_audit_trail).
    "seal-audit-trail": {
        "task": "shelters.tasks.seal_audit_trail",
        "schedule": 60.0,
    },
    # Every night, delete API tokens that have expired (they already sign nothing in).
    "delete-expired-tokens": {
        "task": "accounts.tasks.delete_expired_tokens",
        "schedule": crontab(hour=3, minute=15),
    },
}


@worker_init.connect
def refuse_privileged_database_role(**kwargs: object) -> None:
    """A worker, like the web process, refuses to run as a role that row-level security would not hold."""
    from django.db import connection

    from proteja_site.database_roles import refuse_privileged_role

    refuse_privileged_role(connection)
    connection.close()
