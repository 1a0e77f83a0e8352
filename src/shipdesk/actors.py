"""Who performs an action. Every service takes one, and every event records it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    SELLER = "seller"  # a seller's user (dashboard) or seller token (API)
    PLATFORM = "platform"  # an integration using a platform token (storefront, payment provider)
    OPERATOR = "operator"  # the marketplace operator (admin, CLI)
    SYSTEM = "system"  # Shipdesk itself: sweeps, timeouts
    CARRIER = "carrier"  # a carrier's tracking event
    CUSTOMER = "customer"  # the customer, via a tokenised link or the storefront


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    label: str  # shown in the timeline: an email, a token name, "system"
    user_id: int | None = None
    token_id: int | None = None

    def as_params(self) -> dict:
        return {"kind": self.kind.value, "label": self.label, "user_id": self.user_id, "token_id": self.token_id}


SYSTEM = Actor(kind=ActorKind.SYSTEM, label="system")
