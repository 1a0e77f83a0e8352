"""Reads from PostgreSQL replicas, writes to the primary, and nobody's own change vanishing.

The rules, in the order `PrimaryReplicaRouter.db_for_read` applies them:

1. Every write goes to the primary (`db_for_write`), and so does `select_for_update` (Django asks
   for the write database for it).
2. A read inside `transaction.atomic` goes to the primary: it must see the transaction's own rows
   and the locks it holds.
3. Sessions and sign-in throttling (`sessions`, `axes`) always read the primary: a session
   written a moment ago must be found by the next request.
4. In a request (`ReplicaReadsMiddleware`), reads go to one replica for the whole request, unless
   the request is *pinned* to the primary: it wrote something (any INSERT/UPDATE/DELETE on the
   primary but bookkeeping: sessions, rate-limit counters, a token's last use), its browser wrote
   within `pin_seconds` (a signed cookie: the dashboard, a customer's page), or its seller or API
   token did (a key per seller and per token in the shared cache, set at the end of a request
   that wrote).
5. Outside a request (the worker, the CLI) reads go to the primary, except inside
   `replica_reads()`: the performance evaluation and the exports, which read much and may lag.

A replica that refuses a connection is skipped for `retry_down_after_seconds` and the read goes
to the primary: the request still answers. (A replica that dies in the middle of a request fails
that request; the next one is routed around it.)
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import re
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

logger = logging.getLogger("shipdesk.replicas")

PRIMARY = DEFAULT_DB_ALIAS
# Apps whose rows a request must find the moment another request wrote them.
PRIMARY_ONLY_APPS = frozenset({"sessions", "axes"})
PIN_COOKIE = "shipdesk_primary"
_PIN_COOKIE_SALT = "shipdesk.replica-pin"
_CACHE_PREFIX = "replica-pin:"

_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|MERGE\s+INTO)\s+"?([A-Za-z0-9_]+)', re.IGNORECASE)

# When each replica that refused a connection may be tried again (this process's view).
_down_until: dict[str, float] = {}


@dataclass
class _RequestReads:
    pinned: bool = False  # every further read of this request goes to the primary
    wrote: bool = False  # this request changed rows: pin its seller, token and browser afterwards
    bookkeeping: bool = False  # writes under `bookkeeping_writes()` do not pin
    subjects: list[str] = field(default_factory=list)  # cache keys of who is asking
    unchecked: list[str] = field(default_factory=list)  # subjects whose pin is not yet looked up
    replica: str | None = None  # the one replica this request reads, once chosen


_request_reads: ContextVar[_RequestReads | None] = ContextVar("shipdesk_request_reads", default=None)
_replica_reads: ContextVar[bool] = ContextVar("shipdesk_replica_reads", default=False)


def replica_aliases() -> list[str]:
    return settings.SHIPDESK_REPLICAS["aliases"]


def pin_seconds() -> float:
    return float(settings.SHIPDESK_REPLICAS["pin_seconds"])


def pin_ttl_seconds() -> int:
    """How long a seller's or token's pin lives in the shared cache: whole seconds (Redis and
    Memcached expire keys by the second), rounded up so a pin never ends before `pin_seconds`."""
    return max(1, math.ceil(pin_seconds()))


# --- choosing the database --------------------------------------------------------------------


def _usable(alias: str) -> bool:
    """Whether the replica answers: connected already, or connects now. A refusal marks it down."""
    if _down_until.get(alias, 0.0) > time.monotonic():
        return False
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except (OperationalError, InterfaceError) as error:
        _down_until[alias] = time.monotonic() + float(settings.SHIPDESK_REPLICAS["retry_down_after_seconds"])
        logger.warning("replica unavailable, reading from the primary", extra={"alias": alias, "error": str(error)})
        with contextlib.suppress(Exception):  # the connection is broken already; closing may fail too
            connection.close()
        return False
    return True


def _a_replica(preferred: str | None) -> str:
    if preferred is not None and _usable(preferred):
        return preferred
    candidates = [alias for alias in replica_aliases() if alias != preferred]
    random.shuffle(candidates)
    return next((alias for alias in candidates if _usable(alias)), PRIMARY)


def _pinned(reads: _RequestReads) -> bool:
    if reads.pinned:
        return True
    if reads.unchecked:
        keys, reads.unchecked = reads.unchecked, []
        try:
            reads.pinned = bool(cache.get_many(keys))
        except Exception:  # an unreachable cache cannot say "no recent write": read the primary
            logger.warning("cache unavailable for replica pins, reading from the primary", exc_info=True)
            reads.pinned = True
    return reads.pinned


def read_alias(model) -> str:
    """The database a read of `model` goes to now (the rules at the top of this module)."""
    if not replica_aliases() or model._meta.app_label in PRIMARY_ONLY_APPS:
        return PRIMARY
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY
    reads = _request_reads.get()
    if reads is None:
        return _a_replica(None) if _replica_reads.get() else PRIMARY
    if _pinned(reads):
        return PRIMARY
    reads.replica = _a_replica(reads.replica)
    if reads.replica == PRIMARY:
        reads.replica = None
        return PRIMARY
    return reads.replica


def export_alias() -> str:
    """The database an export streams from: a replica that answers, else the primary. (A
    streamed export reads after its request has returned, so it does not follow the request's
    pin: a change made a second before may be missing from the file, never from the pages.)"""
    return _a_replica(None) if replica_aliases() else PRIMARY


class PrimaryReplicaRouter:
    """settings.DATABASE_ROUTERS: reads by `read_alias`, writes and migrations on the primary."""

    def db_for_read(self, model, **hints):
        return read_alias(model)

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the primary's rows: an object from either relates to any

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


# --- who is asking, and what they wrote -----------------------------------------------------


def read_as(*, seller_id: int | None = None, token_id: int | None = None) -> None:
    """Name who the current request acts for (the dashboard's shop, the API's token and its
    seller): their recent writes pin this request's reads to the primary, and this request's
    writes pin theirs. Outside a request, nothing."""
    reads = _request_reads.get()
    if reads is None:
        return
    keys = [f"{_CACHE_PREFIX}seller:{seller_id}"] if seller_id is not None else []
    if token_id is not None:
        keys.append(f"{_CACHE_PREFIX}token:{token_id}")
    new = [key for key in keys if key not in reads.subjects]
    reads.subjects.extend(new)
    reads.unchecked.extend(new)


@contextlib.contextmanager
def bookkeeping_writes() -> Iterator[None]:
    """Writes inside are the request's own bookkeeping (a token's last use), not a change the
    client will look for: they do not pin reads to the primary."""
    reads = _request_reads.get()
    if reads is None or reads.bookkeeping:
        yield
        return
    reads.bookkeeping = True
    try:
        yield
    finally:
        reads.bookkeeping = False


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Outside a request (worker, CLI), let reads that are not in a transaction go to a replica:
    the performance evaluation and the exports, which read much and can afford a second's lag."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def _bookkeeping_tables() -> frozenset[str]:
    tables = {
        model._meta.db_table
        for label in PRIMARY_ONLY_APPS
        if label in apps.app_configs
        for model in apps.get_app_config(label).get_models()
    }
    tables.add(apps.get_model("ops", "RateWindow")._meta.db_table)
    return frozenset(tables)


def _watch_writes(reads: _RequestReads, tables: frozenset[str]):
    def watch(execute, sql, params, many, context):
        if not reads.wrote and not reads.bookkeeping:
            match = _WRITE.match(sql)
            if match is not None and match.group(1) not in tables:
                reads.wrote = reads.pinned = True
        return execute(sql, params, many, context)

    return watch


class ReplicaReadsMiddleware:
    """Routes a request's reads (see the module's rules) and, after a request that wrote, pins
    its browser (signed cookie), its seller and its token (shared cache) to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._tables: frozenset[str] | None = None

    def __call__(self, request):
        if not replica_aliases():
            return self.get_response(request)
        if self._tables is None:
            self._tables = _bookkeeping_tables()
        reads = _RequestReads()
        if request.get_signed_cookie(PIN_COOKIE, default=None, salt=_PIN_COOKIE_SALT, max_age=pin_seconds()):
            reads.pinned = True
        context = _request_reads.set(reads)
        try:
            with connections[PRIMARY].execute_wrapper(_watch_writes(reads, self._tables)):
                response = self.get_response(request)
        finally:
            _request_reads.reset(context)
        if reads.wrote:
            self._pin(request, response, reads)
        return response

    def _pin(self, request, response, reads: _RequestReads) -> None:
        seconds = pin_seconds()
        if reads.subjects:
            try:
                cache.set_many(dict.fromkeys(reads.subjects, 1), timeout=pin_ttl_seconds())
            except Exception:  # the write is done; only the next read's freshness is at stake
                logger.warning("cache unavailable, replica pin not recorded", exc_info=True)
        # A browser (the dashboard, a customer's page after its action) carries its own pin; an
        # API client is pinned by its token above and has no use for a cookie.
        if "Authorization" not in request.headers:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=_PIN_COOKIE_SALT,
                max_age=seconds,
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Lax",
            )
