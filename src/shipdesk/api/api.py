"""The one NinjaAPI instance: routers, authentication, and the error format mapped once.

Every error leaves as `{"error": {"code", "message", "details"}}`. No input may produce a 500:
a service raises a ShipdeskError with a stable code, parsing problems become 400/422 here.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.db import DataError, InterfaceError, OperationalError, connection
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from shipdesk.accounts.api import router as shop_router
from shipdesk.channels.api import router as channels_router
from shipdesk.checkouts.api import router as checkouts_router
from shipdesk.claims.api import router as claims_router
from shipdesk.conversations.api import router as conversations_router
from shipdesk.earnings.api import router as earnings_router
from shipdesk.errors import ShipdeskError
from shipdesk.inventory.api import router as inventory_router
from shipdesk.invoices.api import router as invoices_router
from shipdesk.notifications.api import router as notifications_router
from shipdesk.ops.health import error_text
from shipdesk.orders.api import router as orders_router
from shipdesk.payments.api import router as payments_router
from shipdesk.performance.api import router as performance_router
from shipdesk.returns.api import router as returns_router
from shipdesk.shipping.api import router as shipping_router
from shipdesk.shipping.labels.api import router as labels_router
from shipdesk.webhooks_out.api import router as webhooks_out_router

from .auth import TokenAuth
from .parsing import JsonObjectParser

logger = logging.getLogger(__name__)
# What a 503 during a database outage asks the client to wait: a failover or restart takes that long.
DATABASE_RETRY_AFTER_SECONDS = 30


class ShipdeskSwagger(Swagger):
    """Swagger UI in our page template (with `<html lang>`); the widget itself is django-ninja's."""

    template = "api/docs.html"


class ShipdeskAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        # TokenAuth enforces the per-token rate limit on every authenticated operation, so each
        # one can answer 429; stated once here rather than in every router's response map.
        for item in schema["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and operation.get("security"):
                    operation["responses"].setdefault(429, TOO_MANY_REQUESTS)
        return schema


TOO_MANY_REQUESTS = {
    "description": (
        "Too many requests from this token in the current window (SHIPDESK_API_RATE_LIMIT); nothing was written."
    ),
    "headers": {"Retry-After": {"description": "Seconds until the window turns.", "schema": {"type": "integer"}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}

api = ShipdeskAPI(
    title="Shipdesk API",
    version="1",
    description=(
        "Order management for marketplace sellers. Authenticate with `Authorization: Bearer <token>`: "
        "a seller token acts for one seller, a platform token for any seller. Errors are "
        '`{"error": {"code", "message", "details"}}`.'
    ),
    auth=TokenAuth(),
    parser=JsonObjectParser(),
    urls_namespace="api",
    docs_url="/docs",
    docs=ShipdeskSwagger(),
    openapi_url="/openapi.json",
)


def error_response(status: int, code: str, message: str, details: dict | None = None) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "details": details or {}}}, status=status)


@csrf_exempt
def not_found_view(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any other URL under /api/: the API's own 404, not Django's HTML page.

    CSRF-exempt like every ninja view (API clients send a bearer token, not a CSRF cookie): a POST
    to `/api/v1/orders/abc/confirm` would otherwise get the dashboard's HTML 403 page."""
    return error_response(404, "not_found", "No such endpoint.")


@api.exception_handler(ShipdeskError)
def _domain_error(request: HttpRequest, exc: ShipdeskError):
    response = error_response(exc.status, exc.code, exc.message, exc.details)
    if retry_after := getattr(exc, "retry_after", None):  # 429 rate_limited
        response["Retry-After"] = str(retry_after)
    return response


def _path(loc) -> str:
    # ninja prefixes "body"/"query"/"path" and the parameter name; keep the field path only.
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in ("payload", "filters", "data"):
        parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError):
    details: dict[str, list[str]] = {}
    malformed = False
    for error in exc.errors:
        if (
            error.get("type") in ("json_invalid", "model_attributes_type")
            or error.get("msg") == "Cannot parse request body"
        ):
            malformed = True
        loc = tuple(error.get("loc", ()))
        if error.get("type") == "missing" and len(loc) == 2 and loc[0] == "body":
            malformed = True  # no body at all where a JSON object is required
        details.setdefault(_path(error.get("loc", ())), []).append(str(error.get("msg", "Invalid value."))[:500])
    if malformed:
        return error_response(
            400, "malformed_request", "The request body is not valid JSON of the expected shape.", details
        )
    return error_response(422, "validation_error", "Some fields are invalid.", details)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError):
    return error_response(401, "unauthenticated", "Send a valid API token: Authorization: Bearer <token>.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404):
    return error_response(404, "not_found", "Not found.")


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig):
    return error_response(400, "request_too_large", "The request body is too large.")


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError):
    # A value the database refuses (a NUL in a path parameter on PostgreSQL, a number out of
    # range): the input is at fault, and the service's transaction has rolled back.
    logger.warning("Database refused a value in %s %s: %s", request.method, request.path, exc)
    return error_response(422, "validation_error", "A value in the request cannot be stored.")


# SQLSTATE classes that mean "the database cannot serve now", not "this statement is wrong":
# connection exceptions, insufficient resources, operator intervention (shutdown, "cannot connect
# now"), and transaction rollbacks (serialization failure, deadlock) that a retry resolves.
OUTAGE_SQLSTATE_CLASSES = frozenset({"08", "53", "57", "40"})


def is_database_outage(exc: Exception) -> bool:
    """Whether a database error is the database being unavailable (so: 503, come back), rather
    than a fault of ours such as a missing table or column (a 500 that must not hide as an outage)."""
    if isinstance(exc, InterfaceError):
        return True  # the connection is closed or unusable
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if sqlstate:
        return sqlstate[:2] in OUTAGE_SQLSTATE_CLASSES
    if connection.vendor == "sqlite":
        message = str(exc)
        return "database is locked" in message or "unable to open database" in message
    # No SQLSTATE at all: the server never answered (refused, unreachable, timed out).
    return True


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_unavailable(request: HttpRequest, exc: Exception):
    # The database is down, restarting or unreachable (or, on SQLite, locked past the busy
    # timeout): nothing about the request is wrong and nothing was written, so the client is
    # told to come back (503 + Retry-After) instead of a 500. The driver's detail is logged only.
    if not is_database_outage(exc):
        raise exc
    logger.error("Database unavailable in %s %s: %s", request.method, request.path, error_text(exc))
    response = error_response(503, "database_unavailable", "The service is briefly unavailable; retry shortly.")
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError):
    codes = {
        400: "malformed_request",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        429: "rate_limited",
    }
    return error_response(exc.status_code, codes.get(exc.status_code, "error"), exc.message)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception):
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return error_response(500, "internal_error", "Something went wrong on our side; it has been logged.")


api.add_router("/orders", orders_router)
api.add_router("/products", inventory_router)
api.add_router("/alerts", notifications_router)
api.add_router("/", shipping_router)
api.add_router("/", labels_router)
api.add_router("/", payments_router)
api.add_router("/earnings", earnings_router)
api.add_router("/performance", performance_router)
api.add_router("/", claims_router)
api.add_router("/", returns_router)
api.add_router("/", webhooks_out_router)
api.add_router("/checkouts", checkouts_router)
api.add_router("/", conversations_router)
api.add_router("/", channels_router)
api.add_router("/", invoices_router)
api.add_router("/shop", shop_router)
