"""The one exception hierarchy of Shipdesk's domain.

Services raise these; each adapter maps them once (the API to its JSON error format, the
dashboard to messages). A code is part of the public API: never rename one.
"""

from __future__ import annotations

from typing import Any


class ShipdeskError(Exception):
    code = "error"
    status = 400  # the HTTP status the API answers with

    def __init__(self, message: str, *, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(ShipdeskError):
    """Unknown, or belonging to another seller: the two are indistinguishable on purpose."""

    code = "not_found"
    status = 404


class ValidationFailed(ShipdeskError):
    """Fields are invalid; `details` maps each field path to its messages."""

    code = "validation_error"
    status = 422


class StateConflict(ShipdeskError):
    code = "conflict"
    status = 409


class InvalidTransition(StateConflict):
    code = "invalid_transition"


class PaymentRequired(StateConflict):
    code = "payment_required"


class StockShort(StateConflict):
    """A line is short of stock, so the order cannot be confirmed yet."""

    code = "insufficient_stock"


class IdempotencyConflict(StateConflict):
    code = "idempotency_conflict"


class AddressLocked(StateConflict):
    """The shipping address cannot change: a parcel has left, or the order is closed."""

    code = "address_locked"


class TrackingNumberInUse(StateConflict):
    """The number is on another parcel still on its way (any shop's), or on another of this shop's.

    A carrier's tracking number names one parcel: two shipments with one number would each get the
    other's scans and deliveries.
    """

    code = "tracking_number_in_use"


class InvalidTrackingNumber(ShipdeskError):
    code = "invalid_tracking_number"
    status = 422


class InvalidSignature(ShipdeskError):
    """A webhook not signed with our secret (or signed too long ago: replay protection)."""

    code = "invalid_signature"
    status = 401


class MalformedWebhook(ShipdeskError):
    """A correctly signed webhook whose body is not what its provider sends."""

    code = "malformed_request"
    status = 400


class PermissionDenied(ShipdeskError):
    code = "forbidden"
    status = 403


class ClaimBeforeEta(StateConflict):
    """A `not_received` claim on a parcel whose expected delivery date has not passed yet."""

    code = "claim_before_eta"


class ClaimConflict(StateConflict):
    """The claim (or its order) is not in a state that allows this: not shipped yet, another claim
    already open on the order, or a claim already answered, escalated or decided."""

    code = "claim_conflict"


class LabelExists(StateConflict):
    """The order already has a label being bought or bought and not used: one at a time."""

    code = "label_exists"


class LabelInUse(StateConflict):
    """The label is not an unused, bought one: it shipped with the parcel, or is voided already."""

    code = "label_not_voidable"


class ShipFromAddressMissing(StateConflict):
    """Rates and labels need the shop's ship-from address (Settings)."""

    code = "ship_from_address_missing"


class LabelProviderRefused(ShipdeskError):
    """The label provider refused the request: an address it cannot ship to, a rate gone stale.

    `details` carries the provider's own words per field.
    """

    code = "label_provider_refused"
    status = 422


class LabelProviderUnavailable(ShipdeskError):
    """The label provider cannot be reached, or is not set up (no key): nothing was bought or charged."""

    code = "label_provider_unavailable"
    status = 503
