"""Operational bookkeeping shared by every web process on every host."""

from __future__ import annotations

from django.db import models


class RateWindow(models.Model):
    """Requests one API token made in one fixed window (the counter several hosts share).

    The unique (key, window_start) row is upserted with `count = count + 1` in one statement, so
    concurrent requests on any number of processes each get their own count back.
    """

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="rate_window_once")]
        indexes = [models.Index(fields=["window_start"], name="rate_window_start")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start.isoformat()}: {self.count}"
