"""gunicorn settings `shipdesk serve` loads (`--config python:shipdesk.ops.gunicorn_conf`).

Command-line flags given by `shipdesk serve` (bind, workers, timeouts) override these.
"""

import os

# A worker stuck longer than this on one request is killed and replaced (the request gets 502
# from the proxy); nothing Shipdesk serves legitimately takes more than a few seconds.
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle each worker now and then so a slow leak can never take a host down.
max_requests = 2000
max_requests_jitter = 200
# Requests with an absurd request line or headers are refused by gunicorn before Django sees them;
# bodies are capped by Django (DATA_UPLOAD_MAX_MEMORY_SIZE → 400 request_too_large).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# shipdesk.request logs one JSON line per request; gunicorn's access log would only repeat it.
accesslog = None
errorlog = "-"
# gunicorn's own lines (starting, booting workers) follow LOG_LEVEL: `shipdesk run` shows warnings only.
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def child_exit(server, worker) -> None:
    """Tell prometheus-client a worker is gone, so its live gauges stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Only when multiprocess metrics are on: prometheus_client reads PROMETHEUS_MULTIPROC_DIR once,
        # at import, so the master must not import it before `shipdesk serve` has set it (start-up order).
        from prometheus_client import multiprocess  # noqa: PLC0415

        multiprocess.mark_process_dead(worker.pid)
