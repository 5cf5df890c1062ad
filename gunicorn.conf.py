"""gunicorn settings that the command line does not give (gunicorn reads ./gunicorn.conf.py by itself).

Used by docker-compose's web service, the Dockerfile's default command and `make bench-api`.
"""

import gc


def post_worker_init(worker):
    """The application is loaded and lives as long as the worker: keep the garbage collector off it.

    A full collection walked Django's, DRF's and the app's ~130,000 long-lived objects
    each time, stalling a request for 60-80 ms every few dozen requests; frozen, they
    are skipped, and a request's own garbage is still collected as usual.
    """
    gc.freeze()
