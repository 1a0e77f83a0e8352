"""The ops app's periodic job: old rate-limit counters are dropped (they only ever grow otherwise)."""

from __future__ import annotations

from datetime import timedelta

from shipdesk.jobs import periodic

from .ratelimit import prune_windows


@periodic("ops.prune-rate-windows", every=timedelta(minutes=10))
def prune_rate_windows() -> int:
    return prune_windows()
