"""Channel actions: connect a channel (change it, switch it off and on, make it a new webhook
secret, seal its secrets again with a new key), receive a channel's order (place it, hold it, or apply the
channel's update to it), map a SKU (which releases the orders waiting for it), discard a held
order. Each is one transaction; orders are placed and moved only through `orders.services`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from shipdesk.accounts.models import Seller
from shipdesk.actors import Actor, ActorKind
from shipdesk.errors import IdempotencyConflict, NotFound, ShipdeskError, ValidationFailed
from shipdesk.inventory.models import Product
from shipdesk.orders import services as orders
from shipdesk.orders.models import Order
from shipdesk.orders.services import NewOrder, NewOrderLine
from shipdesk.orders.terms import (
    CANCELLED,
    CONFIRMED,
    NOT_PAID_STATES,
    OPEN_STATUSES,
    PENDING,
    PROCESSING,
    SHIPPED,
)
from shipdesk.sealed_secrets import reseal, seal, sealed_with_first_key
from shipdesk.single_line import single_line_problem

from . import terms
from .incoming import STEPS_TO, IncomingOrder, service_level_of
from .models import Channel, ChannelOrder, HeldOrder, SkuMapping, WebhookDelivery

PROGRESS = (PENDING, CONFIRMED, PROCESSING, SHIPPED)


def channel_actor(kind: str) -> Actor:
    """Who acts when a channel's order is placed or moved: the channel, as an integration."""
    return Actor(kind=ActorKind.PLATFORM, label=f"{terms.CHANNEL_KINDS.label(kind)} channel")


@dataclass(frozen=True)
class Receipt:
    """What receiving a channel's order did: placed, held, updated (the channel's news applied)
    or unchanged (a replay, or news older than what we have)."""

    outcome: str
    order: Order | None = None
    held: HeldOrder | None = None


# --- connecting -------------------------------------------------------------------------------


def channel_for(*, seller_id: int, kind: str) -> Channel:
    """The shop's channel of that kind, created on first use (an import needs no set-up)."""
    if kind not in terms.CHANNEL_KINDS:
        raise ValidationFailed(
            "Unknown channel.", details={"channel": [f"One of {', '.join(terms.CHANNEL_KINDS.values)}."]}
        )
    channel = Channel.objects.filter(seller_id=seller_id, kind=kind).first()
    if channel is not None:
        return channel
    try:
        with transaction.atomic():
            return Channel.objects.create(seller_id=seller_id, kind=kind)
    except IntegrityError:
        return Channel.objects.get(seller_id=seller_id, kind=kind)


CONNECTION_LIMITS = {"api_base_url": 300, "api_token": 500, "account_id": 100, "webhook_secret": 200}


@dataclass(frozen=True)
class Connection:
    """What a connection action did: the channel, and a webhook secret Shipdesk just made (shown
    to the seller once, in the answer to the action that made it; never readable again)."""

    channel: Channel
    new_webhook_secret: str | None = None


def _check_settings(*, api_base_url, api_token, account_id, webhook_secret) -> dict[str, str]:
    """The given settings, stripped; 422 for an address that is not http(s) or a value that is not
    one line within its column's limit. None: not given (unchanged); "": cleared."""
    given = {
        "api_base_url": api_base_url,
        "api_token": api_token,
        "account_id": account_id,
        "webhook_secret": webhook_secret,
    }
    given = {name: value.strip() for name, value in given.items() if value is not None}
    errors: dict[str, list[str]] = {}
    url = given.get("api_base_url")
    if url and not url.startswith(("https://", "http://")):
        errors["api_base_url"] = ["An http(s) address."]
    for name, value in given.items():
        limit = CONNECTION_LIMITS[name]
        if value and (len(value) > limit or single_line_problem(value)):
            errors.setdefault(name, []).append(f"One line of at most {limit} characters.")
    if errors:
        raise ValidationFailed("The channel settings are invalid.", details=errors)
    return given


def _apply_settings(channel: Channel, given: dict[str, str], *, new_secret: bool, now: datetime) -> Connection:
    """Write the settings on a locked channel; secrets are sealed before they reach the row."""
    made = secrets.token_urlsafe(32) if new_secret else None
    if made is not None:
        given = {**given, "webhook_secret": made}
    for name, value in given.items():
        if name == "webhook_secret":
            channel.webhook_secret_sealed = seal(value)
        elif name == "api_token":
            channel.api_token_sealed = seal(value)
        else:
            setattr(channel, name, value)
    channel.updated_at = now
    channel.save()
    return Connection(channel=channel, new_webhook_secret=made)


def _lock_channel(*, seller_id: int, kind: str) -> Channel:
    channel = Channel.objects.select_for_update().filter(seller_id=seller_id, kind=kind).first()
    if channel is None:
        raise NotFound("No such channel connection.")
    return channel


def connect_channel(
    *,
    seller_id: int,
    kind: str,
    api_base_url: str | None = None,
    api_token: str | None = None,
    account_id: str | None = None,
    webhook_secret: str | None = None,
    new_secret: bool = False,
    at: datetime | None = None,
) -> Connection:
    """Connect the shop to a channel kind (or set up again a kind already there): where
    fulfilment goes and how webhooks are signed, and switch it on. Guards: a known kind; an http(s)
    URL; one-line values (422). `new_secret`: a fresh random webhook secret (shown once).
    One transaction; the secrets are sealed at rest."""
    given = _check_settings(
        api_base_url=api_base_url, api_token=api_token, account_id=account_id, webhook_secret=webhook_secret
    )
    channel_for(seller_id=seller_id, kind=kind)  # the row exists (an import may have made it)
    with transaction.atomic():
        channel = _lock_channel(seller_id=seller_id, kind=kind)
        channel.enabled = True
        return _apply_settings(channel, given, new_secret=new_secret, now=at or timezone.now())


def change_channel(
    *,
    seller_id: int,
    kind: str,
    api_base_url: str | None = None,
    api_token: str | None = None,
    account_id: str | None = None,
    webhook_secret: str | None = None,
    at: datetime | None = None,
) -> Connection:
    """Change a connection's settings: each one given replaces the stored one ("" clears it), the
    others stay. 404 for a kind the shop has not connected; 422 as `connect_channel`."""
    given = _check_settings(
        api_base_url=api_base_url, api_token=api_token, account_id=account_id, webhook_secret=webhook_secret
    )
    with transaction.atomic():
        channel = _lock_channel(seller_id=seller_id, kind=kind)
        return _apply_settings(channel, given, new_secret=False, now=at or timezone.now())


def set_channel_enabled(*, seller_id: int, kind: str, enabled: bool, at: datetime | None = None) -> Channel:
    """Switch a connection off (its webhooks are refused, nothing is sent back to it; its settings
    are kept) or on again. 404 for a kind the shop has not connected. Repeating it changes nothing."""
    with transaction.atomic():
        channel = _lock_channel(seller_id=seller_id, kind=kind)
        if channel.enabled != enabled:
            channel.enabled = enabled
            channel.updated_at = at or timezone.now()
            channel.save(update_fields=["enabled", "updated_at"])
    return channel


def rotate_webhook_secret(*, seller_id: int, kind: str, at: datetime | None = None) -> Connection:
    """Replace the webhook secret with a new random one (returned once: the seller pastes it into
    the channel). The old one stops verifying at once. 404 for a kind the shop has not connected."""
    with transaction.atomic():
        channel = _lock_channel(seller_id=seller_id, kind=kind)
        return _apply_settings(channel, {}, new_secret=True, now=at or timezone.now())


def reseal_channel_secrets(*, channel_id: int) -> bool:
    """Seal a channel's secrets again with the first key of SHIPDESK_SECRETS_KEY (after a new key
    was put first); True if a secret moved. Under the row's lock, so a concurrent change is not
    overwritten with an older value."""
    with transaction.atomic():
        channel = Channel.objects.select_for_update().filter(pk=channel_id).first()
        if channel is None:
            return False
        fields = []
        for name in ("webhook_secret_sealed", "api_token_sealed"):
            value = getattr(channel, name)
            if not sealed_with_first_key(value):
                setattr(channel, name, reseal(value))
                fields.append(name)
        if fields:
            channel.save(update_fields=fields)
    return bool(fields)


# --- receiving an order -----------------------------------------------------------------------


def note_delivery(*, channel: Channel, delivery_id: str, topic: str, at: datetime | None = None) -> bool:
    """Remember a webhook delivery; False when it was seen before (a replay: answer, change nothing)."""
    if not delivery_id:
        return True
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(
                seller_id=channel.seller_id,
                channel=channel,
                delivery_id=delivery_id[:200],
                topic=topic[:64],
                received_at=at or timezone.now(),
            )
    except IntegrityError:
        return False
    return True


def receive_order(*, channel: Channel, incoming: IncomingOrder, at: datetime | None = None) -> Receipt:
    """Take a channel's order: place it (and move it to the state the channel says), hold it (a
    SKU to map, fields to review), or apply the channel's news to the order placed before.

    Idempotent by (channel, external id): the same order again is `unchanged`; news older than
    the last applied (`channel_updated_at`) is ignored. Writes in one transaction: the order
    through `orders.services` (placed, paid, confirmed, processing, shipped or cancelled, each
    with its events and messages), the ChannelOrder link, or the HeldOrder.
    """
    now = at or timezone.now()
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _receive(channel=channel, incoming=incoming, now=now)
        except IntegrityError:
            # The same order arriving twice at once (a webhook and its retry): the loser rolls
            # back whole and reads what the winner wrote.
            if attempt:
                raise
    raise AssertionError("unreachable")


def receive_new_orders(
    *, channel: Channel, incomings: list[IncomingOrder], at: datetime | None = None
) -> list[Receipt]:
    """Take a chunk of a channel's orders the caller has just found unknown here (no link, no held
    order with their ids: an import's chunk), each placed or held as `receive_order` would.

    What the orders share is read once for the chunk: the SKU map and the products for all their
    SKUs, and the shop. The chunk is one transaction and each order its own savepoint in it: a
    failing order rolls back whole (nothing of it half-written) and spoils no other, and the chunk
    pays one commit (a commit waits for the disk: ~3 ms each on PostgreSQL here, as much as the
    rest of an order's statements). The products an order locks stay locked until the chunk
    commits (under a second for 100 orders); keep chunks small. The unique keys keep (channel,
    external id) idempotent: if an order arrived meanwhile (a webhook, another upload), its second
    link or held row is refused, its savepoint rolls back, and it is received the ordinary way.
    """
    if not incomings:
        return []  # a chunk of a re-uploaded file: every order was here already
    now = at or timezone.now()
    receipts = []
    with transaction.atomic():
        wanted = list(dict.fromkeys(line.channel_sku for incoming in incomings for line in incoming.lines))
        known = resolve_skus(channel=channel, channel_skus=wanted)
        # Read per chunk, not once per import: a shop closed during a long import stops it here.
        seller = Seller.objects.filter(pk=channel.seller_id, is_active=True).first()
        for incoming in incomings:
            try:
                with transaction.atomic():
                    receipt = _place_or_hold(
                        channel=channel, incoming=incoming, held=None, now=now, known=known, seller=seller
                    )
            except IntegrityError:
                receipt = receive_order(channel=channel, incoming=incoming, at=now)
            receipts.append(receipt)
    return receipts


def _receive(*, channel: Channel, incoming: IncomingOrder, now: datetime) -> Receipt:
    link = (
        ChannelOrder.objects.select_related("order")
        .filter(seller_id=channel.seller_id, channel=channel, external_id=incoming.external_id)
        .first()
    )
    if link is not None:
        return _apply_news(link=link, channel=channel, incoming=incoming, now=now)
    held = (
        HeldOrder.objects.select_for_update()
        .filter(seller_id=channel.seller_id, channel=channel, external_id=incoming.external_id)
        .first()
    )
    if held is not None and held.status != terms.HELD:
        return Receipt("unchanged", held=held)
    return _place_or_hold(channel=channel, incoming=incoming, held=held, now=now)


def resolve_skus(*, channel: Channel, channel_skus: list[str]) -> dict[str, str]:
    """The channel SKUs we know: through the shop's SKU map, else a product with that very SKU."""
    if not channel_skus:
        return {}
    found = dict(
        SkuMapping.objects.filter(
            seller_id=channel.seller_id, channel=channel, channel_sku__in=channel_skus
        ).values_list("channel_sku", "sku")
    )
    rest = [sku for sku in channel_skus if sku not in found]
    if rest:
        for sku in Product.objects.filter(seller_id=channel.seller_id, sku__in=rest, is_active=True).values_list(
            "sku", flat=True
        ):
            found[sku] = sku
    return found


def _hold(
    *,
    channel: Channel,
    incoming: IncomingOrder,
    held: HeldOrder | None,
    reason: str,
    unmapped: list[str],
    problems: dict,
    now: datetime,
) -> Receipt:
    if held is None:
        held = HeldOrder(seller_id=channel.seller_id, channel=channel, external_id=incoming.external_id, created_at=now)
    held.reason = reason
    held.unmapped_skus = unmapped
    held.problems = problems
    held.incoming = incoming.to_json()
    held.updated_at = now
    held.save()
    return Receipt("held", held=held)


def _place_or_hold(
    *,
    channel: Channel,
    incoming: IncomingOrder,
    held: HeldOrder | None,
    now: datetime,
    known: dict[str, str] | None = None,
    seller: Seller | None = None,
) -> Receipt:
    """`known`: the channel SKUs resolved already (a superset of this order's), else read here;
    `seller`: the shop as read by the caller, else `place_order` reads it."""
    if incoming.problems:
        return _hold(
            channel=channel,
            incoming=incoming,
            held=held,
            reason=terms.NEEDS_REVIEW,
            unmapped=[],
            problems=incoming.problems,
            now=now,
        )
    wanted = list(dict.fromkeys(line.channel_sku for line in incoming.lines))
    if known is None:
        known = resolve_skus(channel=channel, channel_skus=wanted)
    unmapped = [sku for sku in wanted if sku not in known]
    if unmapped:
        return _hold(
            channel=channel,
            incoming=incoming,
            held=held,
            reason=terms.UNMAPPED_SKU,
            unmapped=unmapped,
            problems={},
            now=now,
        )

    # Two channel lines may name one product of ours (two listings mapped to one SKU): one line
    # here, if they sell at one price; the order's lines hold each SKU once.
    lines: dict[str, NewOrderLine] = {}
    problems: dict[str, list[str]] = {}
    for i, line in enumerate(incoming.lines):
        sku = known[line.channel_sku]
        before = lines.get(sku)
        if before is None:
            lines[sku] = NewOrderLine(sku=sku, quantity=line.quantity, unit_price=line.unit_price, tax=line.tax)
        elif before.unit_price == line.unit_price:
            lines[sku] = NewOrderLine(
                sku=sku, quantity=before.quantity + line.quantity, unit_price=line.unit_price, tax=before.tax + line.tax
            )
        else:
            problems.setdefault(f"lines.{i}.sku", []).append(f"{sku} appears twice at different prices.")
    if problems:
        return _hold(
            channel=channel,
            incoming=incoming,
            held=held,
            reason=terms.NEEDS_REVIEW,
            unmapped=[],
            problems=problems,
            now=now,
        )

    data = NewOrder(
        channel=channel.kind,
        external_id=incoming.external_id,
        customer_name=incoming.customer_name,
        customer_email=incoming.customer_email,
        customer_phone=incoming.customer_phone,
        ship_name=incoming.ship_name,
        ship_line1=incoming.ship_line1,
        ship_line2=incoming.ship_line2,
        ship_city=incoming.ship_city,
        ship_region=incoming.ship_region,
        ship_postal_code=incoming.ship_postal_code,
        ship_country=incoming.ship_country,
        currency=incoming.currency,
        lines=tuple(lines.values()),
        shipping_fee=incoming.shipping_fee,
        shipping_tax=incoming.shipping_tax,
        payment_status="paid" if incoming.paid else "unpaid",
        placed_at=incoming.placed_at,
        note=incoming.note,
        payment_reference=incoming.payment_reference,
    )
    actor = channel_actor(channel.kind)
    try:
        order, _created = orders.place_order(seller_id=channel.seller_id, data=data, actor=actor, seller=seller, at=now)
    except ValidationFailed as exc:
        return _hold(
            channel=channel,
            incoming=incoming,
            held=held,
            reason=terms.NEEDS_REVIEW,
            unmapped=[],
            problems=exc.details or {"order": [exc.message]},
            now=now,
        )
    except IdempotencyConflict as exc:
        return _hold(
            channel=channel,
            incoming=incoming,
            held=held,
            reason=terms.NEEDS_REVIEW,
            unmapped=[],
            problems={"external_id": [f"Another order was placed with this id: {exc.message}"]},
            now=now,
        )
    link = ChannelOrder.objects.create(
        seller_id=channel.seller_id,
        channel=channel,
        order=order,
        external_id=incoming.external_id,
        channel_status=incoming.channel_status[:64],
        channel_updated_at=incoming.channel_updated_at,
        data=incoming.data,
    )
    if held is not None:
        held.status = terms.RELEASED
        held.order = order
        held.released_at = now
        held.updated_at = now
        held.save(update_fields=["status", "order", "released_at", "updated_at"])
    if _move_to(link=link, incoming=incoming, actor=actor, now=now, order=order):
        order.refresh_from_db()
    return Receipt("placed", order=order, held=held)


def _apply_news(*, link: ChannelOrder, channel: Channel, incoming: IncomingOrder, now: datetime) -> Receipt:
    if (
        link.channel_updated_at
        and incoming.channel_updated_at
        and incoming.channel_updated_at <= link.channel_updated_at
    ):
        return Receipt("unchanged", order=link.order)
    order = link.order
    before = (order.status, order.payment_status)
    actor = channel_actor(channel.kind)
    if incoming.paid and order.payment_status in NOT_PAID_STATES and order.status != CANCELLED:
        _attempt(
            link,
            "record the payment",
            lambda: orders.update_payment(
                order_id=order.pk,
                seller_id=order.seller_id,
                actor=actor,
                status="paid",
                amount=order.total,
                reference=(incoming.payment_reference or f"{channel.kind}:{incoming.external_id}")[:200],
                at=now,
            ),
        )
    link.channel_status = incoming.channel_status[:64]
    link.channel_updated_at = incoming.channel_updated_at
    link.save(update_fields=["channel_status", "channel_updated_at"])
    _move_to(link=link, incoming=incoming, actor=actor, now=now)
    order.refresh_from_db()
    changed = (order.status, order.payment_status) != before
    return Receipt("updated" if changed else "unchanged", order=order)


def _attempt(link: ChannelOrder, step: str, action) -> bool:
    """Run one order action in its own savepoint; a refusal (a short line blocks the confirm) is
    noted on the link for the seller, and the order stays where it is."""
    try:
        with transaction.atomic():
            action()
    except ShipdeskError as exc:
        label = terms.CHANNEL_KINDS.label(link.channel.kind)
        link.sync_note = f"{label} says {link.channel_status or 'so'}, but Shipdesk could not {step}: {exc.message}"[
            :500
        ]
        link.save(update_fields=["sync_note"])
        return False
    return True


def _move_to(
    *, link: ChannelOrder, incoming: IncomingOrder, actor: Actor, now: datetime, order: Order | None = None
) -> bool:
    """Take the order from where it is to where the channel says it is, one action at a time;
    True if an action was attempted (the caller's copy of the order is then stale)."""
    order = order or Order.objects.get(pk=link.order_id)
    target = incoming.status
    if target == PENDING and not any(line.cancelled for line in incoming.lines):
        return False
    if target in (SHIPPED, CANCELLED):
        # What the channel already knows is not sent back to it (channels.fulfilment).
        link.channel_state = target
        link.save(update_fields=["channel_state"])
    if order.status not in OPEN_STATUSES:
        return False
    seller_id = order.seller_id
    cancelled = [line for line in incoming.lines if line.cancelled]
    if cancelled and len(cancelled) == len(incoming.lines):
        target = CANCELLED
    if target == CANCELLED:
        link.channel_state = CANCELLED
        link.save(update_fields=["channel_state"])
        label = terms.CHANNEL_KINDS.label(link.channel.kind)
        _attempt(
            link,
            "cancel",
            lambda: orders.cancel_order(
                order_id=order.pk,
                seller_id=seller_id,
                actor=actor,
                reason=incoming.cancel_reason,
                note=f"Cancelled on {label}.",
                at=now,
            ),
        )
        return True
    steps = [step for step in STEPS_TO.get(target, ()) if PROGRESS.index(step) > PROGRESS.index(order.status)]
    for step in steps:
        if step == CONFIRMED:
            done = _attempt(
                link,
                "confirm",
                lambda: orders.confirm_order(order_id=order.pk, seller_id=seller_id, actor=actor, at=now),
            )
        elif step == PROCESSING:
            done = _attempt(
                link,
                "start processing",
                lambda: orders.process_order(order_id=order.pk, seller_id=seller_id, actor=actor, at=now),
            )
        else:
            if not incoming.tracking_number:
                label = terms.CHANNEL_KINDS.label(link.channel.kind)
                link.sync_note = f"{label} says it shipped, without a tracking number: ship it here with one."
                link.save(update_fields=["sync_note"])
                return True
            done = _attempt(
                link,
                "ship",
                lambda: orders.ship_order(
                    order_id=order.pk,
                    seller_id=seller_id,
                    actor=actor,
                    carrier=incoming.carrier,
                    service_level=service_level_of(incoming.carrier),
                    tracking_number=incoming.tracking_number,
                    confirm_incomplete_pack=True,
                    at=now,
                ),
            )
        if not done:
            return True
    return bool(steps)


# --- SKU map and held orders ------------------------------------------------------------------


def map_sku(*, seller_id: int, kind: str, channel_sku: str, sku: str, at: datetime | None = None) -> list[Receipt]:
    """Map a channel SKU (or listing id) to one of our SKUs, then release every order held for it.

    Guards: a known channel; a one-line channel SKU of at most 128 characters; an active product
    of the shop with that SKU (422). Writes: the mapping (replacing an earlier one), then each
    held order of that channel waiting for it is received again (placed, or still held for
    another SKU), each in its own transaction.
    """
    channel_sku = (channel_sku or "").strip()
    sku = (sku or "").strip()
    errors: dict[str, list[str]] = {}
    if not channel_sku or len(channel_sku) > 128 or single_line_problem(channel_sku):
        errors["channel_sku"] = ["One line of 1 to 128 characters."]
    if not Product.objects.filter(seller_id=seller_id, sku=sku, is_active=True).exists():
        errors["sku"] = [f"No active product with SKU {sku!r}."]
    if errors:
        raise ValidationFailed("The mapping is invalid.", details=errors)
    channel = channel_for(seller_id=seller_id, kind=kind)
    SkuMapping.objects.update_or_create(
        seller_id=seller_id, channel=channel, channel_sku=channel_sku, defaults={"sku": sku}
    )
    receipts = []
    waiting = HeldOrder.objects.filter(
        seller_id=seller_id, channel=channel, status=terms.HELD, reason=terms.UNMAPPED_SKU
    ).order_by("created_at", "id")
    for held in waiting:
        if channel_sku in held.unmapped_skus:
            receipts.append(retry_held_order(seller_id=seller_id, held_id=held.pk, at=at))
    return receipts


def retry_held_order(
    *, seller_id: int, held_id: int, accept_lines_total: bool = False, at: datetime | None = None
) -> Receipt:
    """Receive a held order again as it came (after a mapping or a product was added).

    `accept_lines_total`: the seller reviewed an order whose channel total differs from its lines,
    shipping and tax, and takes it as the lines say; the channel's total is kept in its note.
    """
    held = HeldOrder.objects.select_related("channel").filter(seller_id=seller_id, pk=held_id).first()
    if held is None:
        raise NotFound("Held order not found.")
    if held.status != terms.HELD:
        return Receipt("unchanged", order=held.order, held=held)
    incoming = IncomingOrder.from_json(held.incoming)
    if accept_lines_total and set(incoming.problems) == {"total"}:
        label = terms.CHANNEL_KINDS.label(held.channel.kind)
        charged = f"{label} charged {incoming.channel_total} {incoming.currency}; placed as its lines add up."
        incoming.note = "\n".join(filter(None, [incoming.note, charged]))[:5000]
        incoming.problems = {}
    return receive_order(channel=held.channel, incoming=incoming, at=at)


def discard_held_order(*, seller_id: int, held_id: int, at: datetime | None = None) -> HeldOrder:
    """The seller will not take this order: it stays discarded (a replay of it changes nothing)."""
    with transaction.atomic():
        held = HeldOrder.objects.select_for_update().filter(seller_id=seller_id, pk=held_id).first()
        if held is None:
            raise NotFound("Held order not found.")
        if held.status == terms.HELD:
            held.status = terms.DISCARDED
            held.updated_at = at or timezone.now()
            held.save(update_fields=["status", "updated_at"])
    return held
