"""Sending a fulfilment update to its channel: the worker's half (`channels.fulfilment` wrote the
row and the task in the shipping transaction). Run by `channels.tasks.send_fulfilment`.

The channel is called outside any transaction. A refusal or a network failure is recorded on the
row and in the order's timeline, then raised, so the worker retries it with backoff
(`tasks.FULFILMENT_RETRIES`); after the last attempt the update is `failed`. A sent update is
never sent again. The address is the seller's own setting: private, loopback and link-local
addresses are refused (checked on the resolved address; redirects are not followed) unless the
operator allows them (`SHIPDESK_CHANNELS_ALLOW_PRIVATE_URLS`, for a local test server).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shipdesk.orders.events import channel_fulfilment_failed_event, channel_fulfilment_sent_event
from shipdesk.sealed_secrets import SealedSecretUnreadable, open_sealed
from shipdesk.shipping.carriers import get_carrier

from . import terms
from .connectors import connector_for
from .connectors.base import FulfilmentRequest, FulfilmentUpdateData
from .models import ChannelOrder, FulfilmentUpdate

TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 8  # tasks.FULFILMENT_RETRIES.max_attempts: the last attempt marks the update failed


class ChannelRequestError(Exception):
    """The channel refused the update or could not be reached; the worker retries it."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to {newurl} not followed", headers, fp)


def address_problem(url: str) -> str | None:
    """Why Shipdesk must not call `url`, or None: not http(s), or a name resolving to a private,
    loopback, link-local or reserved address (a seller must not reach into our own network)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Not an http(s) address."
    if getattr(settings, "SHIPDESK_CHANNELS_ALLOW_PRIVATE_URLS", False):
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError:
        return f"{parts.hostname} does not resolve."
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            return f"{parts.hostname} resolves to a private or reserved address ({address})."
    return None


def _headers(kind: str, token: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "Shipdesk"}
    if not token:
        return headers
    if kind in (terms.SHOPIFY, terms.SANDBOX):
        headers["X-Shopify-Access-Token"] = token
    elif kind == terms.WOOCOMMERCE:  # consumer key and secret, "ck_…:cs_…"
        headers["Authorization"] = "Basic " + base64.b64encode(token.encode()).decode()
    elif kind == terms.AMAZON:
        headers["x-amz-access-token"] = token
    else:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def request_for(update: FulfilmentUpdate, link: ChannelOrder) -> FulfilmentRequest | None:
    """The request the channel's connector shapes for this update (None: the channel has none)."""
    connector = connector_for(update.channel.kind)
    if connector is None:
        return None
    carrier = get_carrier(update.params.get("carrier", ""))
    number = update.params.get("tracking_number", "")
    tracking_url = ""
    if carrier is not None and carrier.tracking_url and number:
        tracking_url = carrier.tracking_url.format(number=number)
    shipped_at = update.order.shipped_at.isoformat() if update.order.shipped_at else ""
    data = {**link.data}
    if update.channel.account_id:
        data.setdefault("shop_id", update.channel.account_id)
    return connector.fulfilment_request(
        FulfilmentUpdateData(
            kind=update.kind,
            external_id=link.external_id,
            channel_data=data,
            carrier=update.params.get("carrier", ""),
            carrier_name=carrier.name if carrier is not None else update.params.get("carrier", ""),
            tracking_number=number,
            tracking_url=tracking_url,
            shipped_at=shipped_at,
            reason=update.params.get("reason", ""),
        )
    )


def send_update(*, update_id: int) -> str:
    update = FulfilmentUpdate.objects.select_related("channel", "order").filter(pk=update_id).first()
    if update is None or update.status != terms.PENDING:
        return "nothing to do"
    link = ChannelOrder.objects.filter(order_id=update.order_id).first()
    request = request_for(update, link) if link is not None else None
    if request is None:
        FulfilmentUpdate.objects.filter(pk=update.pk, status=terms.PENDING).update(status=terms.SKIPPED)
        return "the channel takes no such update"
    if not update.channel.enabled:
        # Retried with backoff like a refusal: switched on again in time, the update still goes.
        return _record_failure(update, "The channel connection is switched off.", status_code=None)
    if update.channel.kind == terms.SANDBOX and not update.channel.api_base_url:
        return _record_sent(update, status_code=200)  # the sandbox channel accepts everything
    url = update.channel.api_base_url.rstrip("/") + request.path
    if problem := address_problem(url):
        return _record_failure(update, f"Refused address: {problem}", status_code=None)
    try:
        token = open_sealed(update.channel.api_token_sealed)
    except SealedSecretUnreadable as exc:
        return _record_failure(update, f"The API token cannot be opened: {exc}", status_code=None)
    http = urllib.request.Request(
        url,
        data=json.dumps(request.body).encode(),
        method=request.method,
        headers=_headers(update.channel.kind, token),
    )
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(http, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        excerpt = exc.read(300).decode("utf-8", "replace") if exc.fp else ""
        return _record_failure(update, f"HTTP {exc.code}: {excerpt or exc.reason}", status_code=exc.code)
    except (urllib.error.URLError, OSError) as exc:
        return _record_failure(update, f"Not reached: {getattr(exc, 'reason', exc)}", status_code=None)
    return _record_sent(update, status_code=status)


def _record_sent(update: FulfilmentUpdate, *, status_code: int) -> str:
    with transaction.atomic():
        locked = FulfilmentUpdate.objects.select_for_update().select_related("order").get(pk=update.pk)
        if locked.status != terms.PENDING:
            return "already sent"
        locked.status = terms.SENT
        locked.attempts += 1
        locked.response_status = status_code
        locked.sent_at = timezone.now()
        locked.last_error = ""
        locked.save(update_fields=["status", "attempts", "response_status", "sent_at", "last_error"])
        channel_fulfilment_sent_event(
            order=locked.order, channel=update.channel.kind, kind=locked.kind, status_code=status_code
        )
    return "sent"


def _record_failure(update: FulfilmentUpdate, error: str, *, status_code: int | None) -> str:
    with transaction.atomic():
        locked = FulfilmentUpdate.objects.select_for_update().select_related("order").get(pk=update.pk)
        if locked.status != terms.PENDING:
            return "already sent"
        locked.attempts += 1
        locked.last_error = error[:1000]
        locked.response_status = status_code
        final = locked.attempts >= MAX_ATTEMPTS
        if final:
            locked.status = terms.FAILED
        locked.save(update_fields=["attempts", "last_error", "response_status", "status"])
        channel_fulfilment_failed_event(
            order=locked.order, channel=update.channel.kind, kind=locked.kind, error=error, will_retry=not final
        )
    if final:
        return "failed"
    raise ChannelRequestError(error)
