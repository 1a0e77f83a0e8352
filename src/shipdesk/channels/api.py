"""The channels API: signed channel webhooks, order imports by channel JSON, held orders and the
SKU map ("map this SKU"), channel settings, and CSV imports. Thin: parse, authorise, call one
service, render."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.responses import Status

from shipdesk.accounts.models import Seller
from shipdesk.api.auth import seller_for_write
from shipdesk.api.schemas import ErrorOut
from shipdesk.errors import InvalidSignature, MalformedWebhook, NotFound
from shipdesk.sealed_secrets import SealedSecretUnreadable, open_sealed

from . import imports, selectors, services, terms
from .connectors import UnreadableOrder, connector_for, incoming_orders
from .csv_mapping import BUILT_IN
from .models import Channel, HeldOrder, OrderImport
from .schemas import (
    ChannelChangeIn,
    ChannelIn,
    ChannelOut,
    HeldOrderOut,
    HeldOrdersOut,
    ImportIn,
    ImportOut,
    ImportPreviewIn,
    ImportPreviewOut,
    MappingIn,
    MappingOut,
    ReceiveOut,
    SkuMapOut,
    SkuMappedOut,
    SkuMappingIn,
    WebhookAckOut,
)

logger = logging.getLogger(__name__)
router = Router(tags=["channels"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def webhook_url(seller: Seller, kind: str) -> str:
    return f"{settings.SHIPDESK_BASE_URL}/api/v1/webhooks/channels/{seller.slug}/{kind}"


def _channel_out(channel: Channel, seller: Seller, *, new_secret: str | None = None) -> dict:
    """A connection as the API shows it: whether each secret is set, never the secret itself,
    except a webhook secret Shipdesk has just made (`new_webhook_secret`, in that one answer)."""
    return {
        "kind": channel.kind,
        "label": terms.CHANNEL_KINDS.label(channel.kind),
        "enabled": channel.enabled,
        "webhook_url": webhook_url(seller, channel.kind),
        "webhook_secret_set": channel.webhook_secret_set,
        "new_webhook_secret": new_secret,
        "api_base_url": channel.api_base_url,
        "api_token_set": channel.api_token_set,
        "account_id": channel.account_id,
        "updated_at": channel.updated_at,
    }


def _result(receipt: services.Receipt, external_id: str) -> dict:
    return {
        "external_id": external_id,
        "outcome": receipt.outcome,
        "order_id": receipt.order.pk if receipt.order else None,
        "held_order_id": receipt.held.pk if receipt.held else None,
    }


def held_out(held: HeldOrder) -> dict:
    incoming = held.incoming or {}
    actions = ["discard"] if held.status == terms.HELD else []
    if held.status == terms.HELD:
        actions = (["map_sku"] if held.reason == terms.UNMAPPED_SKU else []) + ["retry", "discard"]
        if set(held.problems) == {"total"}:
            actions.insert(0, "accept_lines_total")
    lines = incoming.get("lines") or []
    try:
        total = sum(Decimal(line["unit_price"]) * line["quantity"] + Decimal(line["tax"]) for line in lines)
        total += Decimal(incoming.get("shipping_fee") or 0) + Decimal(incoming.get("shipping_tax") or 0)
    except (ArithmeticError, KeyError, TypeError, ValueError):
        total = 0
    return {
        "id": held.pk,
        "channel": held.channel.kind,
        "external_id": held.external_id,
        "status": held.status,
        "reason": held.reason,
        "reason_label": terms.HOLD_REASONS.label(held.reason),
        "unmapped_skus": held.unmapped_skus,
        "problems": held.problems,
        "actions": actions,
        "order_id": held.order_id,
        "customer_name": incoming.get("customer_name", ""),
        "total": str(total),
        "currency": incoming.get("currency", ""),
        "created_at": held.created_at,
    }


def import_out(order_import: OrderImport) -> dict:
    return {
        "id": order_import.pk,
        "filename": order_import.filename,
        "channel": order_import.channel_kind,
        "status": order_import.status,
        "total_rows": order_import.total_rows,
        "done_rows": order_import.done_rows,
        "placed": order_import.placed,
        "held": order_import.held,
        "existing": order_import.existing,
        "report": order_import.report,
        "created_at": order_import.created_at,
        "finished_at": order_import.finished_at,
    }


# --- the channels' own webhooks ---------------------------------------------------------------


@router.post(
    "/webhooks/channels/{shop}/{kind}",
    auth=None,
    response={200: WebhookAckOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Receive a channel's order webhook (shopify, woocommerce, sandbox)",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}},
)
def channel_webhook(request: HttpRequest, shop: str, kind: str):
    """Signed as the channel signs: Shopify `X-Shopify-Hmac-Sha256`, WooCommerce
    `X-WC-Webhook-Signature` (base64 HMAC-SHA256 of the raw body with the shop's channel
    secret). A bad signature is 401 and changes nothing. A delivery id seen before (Shopify's
    `X-Shopify-Webhook-Id`, WooCommerce's `X-WC-Webhook-Delivery-ID`) is answered `duplicate`;
    news older than the order's last is `unchanged`; a ping or another topic is `ignored`."""
    if kind not in terms.WEBHOOK_KINDS:
        raise NotFound("No such channel webhook.")
    # A connection switched off is refused as an unknown one: the channel retries its delivery
    # for a while, so an order sent meanwhile arrives once it is switched on again.
    channel = (
        Channel.objects.select_related("seller")
        .filter(seller__slug=shop, seller__is_active=True, kind=kind, enabled=True)
        .exclude(webhook_secret_sealed="")
        .first()
    )
    if channel is None:
        raise NotFound("No such channel webhook.")
    connector = connector_for(kind)
    try:
        secret = open_sealed(channel.webhook_secret_sealed)
    except SealedSecretUnreadable:
        # The operator dropped the key that sealed it (docs/operations.md): nothing verifies.
        logger.error("channel webhook secret unreadable", extra={"channel_id": channel.pk})
        raise InvalidSignature("The signature does not match this channel's secret.") from None
    if not connector.verify_signature(request.body, request.headers, secret):
        raise InvalidSignature("The signature does not match this channel's secret.")
    try:
        event = connector.webhook_event(request.body, request.headers)
    except (ValueError, UnicodeDecodeError):
        raise MalformedWebhook("The body is not JSON.") from None
    now = timezone.now()
    if event.payload is None:
        return {"status": "ignored"}
    if not services.note_delivery(channel=channel, delivery_id=event.delivery_id, topic=event.topic, at=now):
        return {"status": "duplicate"}
    try:
        (incoming,) = incoming_orders(kind, event.payload)
    except (UnreadableOrder, ValueError) as exc:
        raise MalformedWebhook(str(exc)[:500]) from None
    receipt = services.receive_order(channel=channel, incoming=incoming, at=now)
    result = _result(receipt, incoming.external_id)
    return {"status": receipt.outcome, "order_id": result["order_id"], "held_order_id": result["held_order_id"]}


# --- held orders and the SKU map --------------------------------------------------------------


@router.get("/channels/held-orders", response={200: HeldOrdersOut, **ERRORS}, summary="Orders waiting for the seller")
def list_held_orders(request: HttpRequest, seller: str | None = None, status: str = terms.HELD):
    owner = seller_for_write(request, seller)
    return {"items": [held_out(h) for h in selectors.held_orders(seller_id=owner.pk, status=status)]}


@router.get("/channels/held-orders/{held_id}", response={200: HeldOrderOut, **ERRORS}, summary="A held order")
def get_held_order(request: HttpRequest, held_id: int, seller: str | None = None):
    owner = seller_for_write(request, seller)
    return held_out(selectors.held_order(seller_id=owner.pk, held_id=held_id))


@router.post(
    "/channels/held-orders/{held_id}/retry", response={200: ReceiveOut, **ERRORS}, summary="Try a held order again"
)
def retry_held_order(request: HttpRequest, held_id: int, seller: str | None = None, accept_lines_total: bool = False):
    """`accept_lines_total=true`: take an order whose channel total differs from its lines as
    the lines say (the seller reviewed it); the channel's total is kept in the order's note."""
    owner = seller_for_write(request, seller)
    held = selectors.held_order(seller_id=owner.pk, held_id=held_id)
    receipt = services.retry_held_order(seller_id=owner.pk, held_id=held.pk, accept_lines_total=accept_lines_total)
    return {"results": [_result(receipt, held.external_id)]}


@router.post(
    "/channels/held-orders/{held_id}/discard", response={200: HeldOrderOut, **ERRORS}, summary="Discard a held order"
)
def discard_held_order(request: HttpRequest, held_id: int, seller: str | None = None):
    owner = seller_for_write(request, seller)
    held = services.discard_held_order(seller_id=owner.pk, held_id=held_id)
    return held_out(selectors.held_order(seller_id=owner.pk, held_id=held.pk))


@router.get("/channels/sku-map", response={200: SkuMapOut, **ERRORS}, summary="The shop's SKU map")
def get_sku_map(request: HttpRequest, seller: str | None = None, channel: str | None = None):
    owner = seller_for_write(request, seller)
    return {
        "items": [
            {"channel": m.channel.kind, "channel_sku": m.channel_sku, "sku": m.sku}
            for m in selectors.sku_map(seller_id=owner.pk, kind=channel)
        ]
    }


@router.post("/channels/sku-map", response={200: SkuMappedOut, **ERRORS}, summary="Map this SKU")
def map_sku(request: HttpRequest, payload: SkuMappingIn):
    """Map a channel's SKU (or listing id) to one of the shop's SKUs; every order held for it is
    placed (`released`), or stays held for another SKU still unmapped."""
    owner = seller_for_write(request, payload.seller)
    receipts = services.map_sku(
        seller_id=owner.pk, kind=payload.channel, channel_sku=payload.channel_sku, sku=payload.sku
    )
    return {
        "mapping": {"channel": payload.channel, "channel_sku": payload.channel_sku.strip(), "sku": payload.sku.strip()},
        "released": [_result(r, r.held.external_id if r.held else "") for r in receipts],
    }


# --- CSV imports ------------------------------------------------------------------------------


@router.post("/channels/imports/preview", response={200: ImportPreviewOut, **ERRORS}, summary="Preview an order file")
def preview_import(request: HttpRequest, payload: ImportPreviewIn):
    owner = seller_for_write(request, payload.seller)
    preview = imports.preview_file(seller_id=owner.pk, content=payload.content)
    return {
        "headers": preview.headers,
        "rows": preview.rows,
        "row_count": preview.row_count,
        "mapping": preview.mapping_name,
        "columns": preview.columns,
        "channel": preview.kind,
        "fields": [{"name": t.value, "label": t.label, "description": t.description} for t in terms.IMPORT_FIELDS],
    }


@router.post("/channels/imports", response={202: ImportOut, **ERRORS}, summary="Import an order file")
def start_import(request: HttpRequest, payload: ImportIn):
    """With a `mapping` (built-in: amazon-all-orders, etsy-sold-order-items; or one the shop saved)
    or explicit `columns` (field → header), saved under `save_as` for next time. The worker
    imports it; `GET /channels/imports/{id}` shows the progress and one report line per bad row."""
    owner = seller_for_write(request, payload.seller)
    if payload.save_as and payload.columns is not None:
        imports.save_mapping(seller_id=owner.pk, name=payload.save_as, columns=payload.columns)
    order_import = imports.start_import(
        seller_id=owner.pk,
        filename=payload.filename,
        content=payload.content,
        mapping_name=payload.save_as or payload.mapping,
        columns=payload.columns,
    )
    return Status(202, import_out(selectors.order_import(seller_id=owner.pk, import_id=order_import.pk)))


@router.get("/channels/imports/{import_id}", response={200: ImportOut, **ERRORS}, summary="An import's progress")
def get_import(request: HttpRequest, import_id: int, seller: str | None = None):
    owner = seller_for_write(request, seller)
    return import_out(selectors.order_import(seller_id=owner.pk, import_id=import_id))


@router.get("/channels/import-mappings", response={200: list[MappingOut], **ERRORS}, summary="Saved column mappings")
def list_mappings(request: HttpRequest, seller: str | None = None):
    owner = seller_for_write(request, seller)
    built_in = [{"name": m.name, "columns": m.columns} for m in BUILT_IN.values()]
    return built_in + [{"name": m.name, "columns": m.columns} for m in selectors.import_mappings(seller_id=owner.pk)]


@router.post("/channels/import-mappings", response={200: MappingOut, **ERRORS}, summary="Save a column mapping")
def save_mapping(request: HttpRequest, payload: MappingIn):
    owner = seller_for_write(request, payload.seller)
    mapping = imports.save_mapping(seller_id=owner.pk, name=payload.name, columns=payload.columns)
    return {"name": mapping.name, "columns": mapping.columns}


# The routes with a channel kind in the path come last: a literal path above (/channels/sku-map)
# must match before /channels/{kind} does.
# --- orders by import of a channel's JSON -----------------------------------------------------


@router.post(
    "/channels/{kind}/orders",
    response={200: ReceiveOut, **ERRORS},
    summary="Import orders in a channel's own JSON (Shopify, WooCommerce, Etsy receipts, Amazon SP-API)",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}},
)
def import_channel_orders(request: HttpRequest, kind: str, seller: str | None = None):
    """The body is what the channel's API answers: a Shopify `{"order"}` / `{"orders"}`, a
    WooCommerce order (or list), an Etsy receipt (or getShopReceipts' page), or Amazon
    `{"orders": <getOrders response>, "items": {"<AmazonOrderId>": <getOrderItems response>}}`.
    Each order is placed, held (a SKU to map, fields to review), or left as it is: a replay
    creates nothing."""
    owner = seller_for_write(request, seller)
    if kind not in terms.CHANNEL_KINDS or connector_for(kind) is None:
        raise NotFound(
            "No connector for that channel.", details={"channels": ["shopify", "woocommerce", "etsy", "amazon"]}
        )
    try:
        payload = json.loads(request.body or b"null")
        found = incoming_orders(kind, payload)
    except (UnreadableOrder, ValueError, UnicodeDecodeError) as exc:
        raise MalformedWebhook(str(exc)[:500]) from None
    channel = services.channel_for(seller_id=owner.pk, kind=kind)
    results = [_result(services.receive_order(channel=channel, incoming=inc), inc.external_id) for inc in found]
    return {"results": results}


@router.get("/channels", response={200: list[ChannelOut], **ERRORS}, summary="The shop's channels")
def list_channels(request: HttpRequest, seller: str | None = None):
    owner = seller_for_write(request, seller)
    return [_channel_out(c, owner) for c in selectors.channels_of(seller_id=owner.pk)]


@router.get("/channels/{kind}", response={200: ChannelOut, **ERRORS}, summary="A channel connection")
def get_channel(request: HttpRequest, kind: str, seller: str | None = None):
    owner = seller_for_write(request, seller)
    return _channel_out(selectors.channel_of(seller_id=owner.pk, kind=kind), owner)


def _connection_answer(connection: services.Connection, owner: Seller) -> dict:
    return _channel_out(connection.channel, owner, new_secret=connection.new_webhook_secret)


@router.put("/channels/{kind}", response={200: ChannelOut, **ERRORS}, summary="Connect a channel")
def set_up_channel(request: HttpRequest, kind: str, payload: ChannelIn):
    """Connect (or set up again) and switch on: where fulfilment is sent (`api_base_url`,
    `api_token`, Etsy's `account_id`) and the webhook secret: the channel's own
    (`webhook_secret`), or a new random one (`new_webhook_secret`, shown once in the answer).
    Secrets are sealed at rest and never returned."""
    owner = seller_for_write(request, payload.seller)
    connection = services.connect_channel(
        seller_id=owner.pk,
        kind=kind,
        api_base_url=payload.api_base_url,
        api_token=payload.api_token,
        account_id=payload.account_id,
        webhook_secret=payload.webhook_secret,
        new_secret=payload.new_webhook_secret,
    )
    return _connection_answer(connection, owner)


@router.patch("/channels/{kind}", response={200: ChannelOut, **ERRORS}, summary="Change a channel connection")
def change_channel(request: HttpRequest, kind: str, payload: ChannelChangeIn):
    """Each setting given replaces the stored one (`""` clears it); the others stay. 404 for a
    channel the shop has not connected."""
    owner = seller_for_write(request, payload.seller)
    connection = services.change_channel(
        seller_id=owner.pk,
        kind=kind,
        api_base_url=payload.api_base_url,
        api_token=payload.api_token,
        account_id=payload.account_id,
        webhook_secret=payload.webhook_secret,
    )
    return _connection_answer(connection, owner)


@router.post("/channels/{kind}/disable", response={200: ChannelOut, **ERRORS}, summary="Switch a channel off")
def disable_channel(request: HttpRequest, kind: str, seller: str | None = None):
    """Its webhooks are answered 404 and nothing is sent back to it; its settings are kept."""
    owner = seller_for_write(request, seller)
    channel = services.set_channel_enabled(seller_id=owner.pk, kind=kind, enabled=False)
    return _channel_out(channel, owner)


@router.post("/channels/{kind}/enable", response={200: ChannelOut, **ERRORS}, summary="Switch a channel on")
def enable_channel(request: HttpRequest, kind: str, seller: str | None = None):
    owner = seller_for_write(request, seller)
    channel = services.set_channel_enabled(seller_id=owner.pk, kind=kind, enabled=True)
    return _channel_out(channel, owner)


@router.post(
    "/channels/{kind}/rotate-secret", response={200: ChannelOut, **ERRORS}, summary="Make a new webhook secret"
)
def rotate_channel_secret(request: HttpRequest, kind: str, seller: str | None = None):
    """A new random webhook secret, in `new_webhook_secret` of this answer only: paste it into the
    channel. The old secret stops verifying at once."""
    owner = seller_for_write(request, seller)
    connection = services.rotate_webhook_secret(seller_id=owner.pk, kind=kind)
    return _connection_answer(connection, owner)
