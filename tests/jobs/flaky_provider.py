"""A payment provider that is down for a while: the one thing outside the machine these tests fake.

It answers like the provider interface says a real one does (a PaymentProviderError for "try
again later", the same refund for the same idempotency key), and records every call.
"""

from __future__ import annotations

from shipdesk.payments.providers import PaymentProviderError, ProviderRefund


class FlakyProvider:
    name = "flaky"
    failures_left = 0
    calls: list[str] = []

    @classmethod
    def reset(cls, *, failures: int) -> None:
        cls.failures_left = failures
        cls.calls = []

    def refund(self, *, payment_reference, amount, currency, idempotency_key) -> ProviderRefund:
        FlakyProvider.calls.append(idempotency_key)
        if FlakyProvider.failures_left > 0:
            FlakyProvider.failures_left -= 1
            raise PaymentProviderError("503 Service Unavailable: try again later")
        return ProviderRefund(reference=f"re_{idempotency_key[:12]}")
