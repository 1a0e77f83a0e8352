"""The payment-provider interface: what Shipdesk asks of whoever holds the customer's money."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class PaymentProviderError(Exception):
    """The provider could not do it now (network, outage, rate limit): try again later."""


@dataclass(frozen=True)
class ProviderRefund:
    reference: str  # the provider's id for the refund


class PaymentProvider(Protocol):
    name: str

    def refund(self, *, payment_reference: str, amount: Decimal, currency: str, idempotency_key: str) -> ProviderRefund:
        """Refund `amount` of the payment. Must be idempotent on `idempotency_key`: the same key
        twice is one refund (every real provider offers this; Stripe's Idempotency-Key header)."""
        ...


class SandboxPaymentProvider:
    """Refunds instantly and deterministically; for development, demos and tests."""

    name = "sandbox"

    def refund(self, *, payment_reference: str, amount: Decimal, currency: str, idempotency_key: str) -> ProviderRefund:
        if amount <= 0:
            raise ValueError("A refund amount must be positive.")
        # Deterministic by key, so a retried call returns the same refund, like a real provider.
        return ProviderRefund(reference=f"sandbox_re_{idempotency_key[:24]}")


def get_payment_provider() -> PaymentProvider:
    return import_string(settings.SHIPDESK_PAYMENT_PROVIDER)()
