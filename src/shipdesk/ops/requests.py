"""The request id, the per-request log line and the HTTP metrics, in one middleware.

The id comes from the caller's X-Request-ID (when it looks like an id) or is made here; it is
answered in X-Request-ID, written on every log line of the request, and stored in the params of
the order events the request wrote (`observe_order_event`, registered in orders.events.EVENT_OBSERVERS).
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from django.http import HttpRequest

from .metrics import HTTP_LATENCY, HTTP_REQUESTS, count_order_event

logger = logging.getLogger("shipdesk.request")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("shipdesk_request_id", default=None)
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def current_request_id() -> str | None:
    return _request_id.get()


def observe_order_event(*, type: str, params: dict, **_) -> None:
    """Registered in `orders.events.EVENT_OBSERVERS` (OpsConfig.ready): the request that wrote an
    event is findable from it, and the event is counted once its transaction commits."""
    if request_id := current_request_id():
        params.setdefault("request_id", request_id)
    count_order_event(type=type, params=params)


def _route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return "/" + (match.route or match.view_name or "unknown").lstrip("^")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        sent = request.headers.get("X-Request-ID", "")
        request_id = sent if _ACCEPTABLE_ID.fullmatch(sent) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        elapsed = time.perf_counter() - started
        route = _route_of(request)
        HTTP_REQUESTS.labels(route=route, method=request.method, status=str(response.status_code)).inc()
        HTTP_LATENCY.labels(route=route).observe(elapsed)
        response["X-Request-ID"] = request_id
        # Route pattern, never the full path or query: those may carry a customer's name or email.
        logger.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 1),
            },
        )
        return response


def with_request_id(context: dict) -> dict:
    """`context` plus the current request's id (for outbox rows a request writes)."""
    request_id = current_request_id()
    return {**context, "request_id": request_id} if request_id else context
