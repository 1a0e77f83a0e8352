"""One JSON object per log line, and one line per finished task.

Only the fields named here (and those a caller passes in `extra`) are written; records are
message templates plus ids, never a customer's name, email or address.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # Imported at the first line logged, not at the top: Django configures logging (this class)
        # before `shipdesk serve` sets PROMETHEUS_MULTIPROC_DIR, and .requests imports
        # prometheus_client, which reads it once at import (start-up order).
        from .requests import current_request_id  # noqa: PLC0415

        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            line["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in line and not key.startswith("_"):
                line[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """LOG_FORMAT=text, for a person at a terminal: level, logger and message, then the fields the
    JSON line carries as key=value (a record such as the task line has its content only there)."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(
            f"{key}={value}"
            for key, value in record.__dict__.items()
            if key not in _STANDARD and not key.startswith("_") and value is not None
        )
        line = f"{record.levelname} {record.name} {record.getMessage()}" + (f" {fields}" if fields else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


task_logger = logging.getLogger("shipdesk.task")


def log_task_finished(sender, task_result, **kwargs) -> None:
    """django-tasks' task_finished signal: one line per task run, with its outcome."""
    started, finished = getattr(task_result, "started_at", None), getattr(task_result, "finished_at", None)
    task_logger.info(
        "task",
        extra={
            "task_id": str(task_result.id),
            "task": task_result.task.module_path,
            "status": str(getattr(task_result.status, "value", task_result.status)).lower(),
            "attempt": len(getattr(task_result, "worker_ids", []) or []),
            "duration_ms": round((finished - started).total_seconds() * 1000, 1) if started and finished else None,
        },
    )
