from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "shipdesk.claims"
    label = "claims"

    def ready(self) -> None:
        # A chargeback the payment webhooks read is recorded on its order by claims (payments sits
        # below and names it only through this registry). Imported here, not at the top: both
        # modules import models, which Django loads only after every AppConfig exists (start-up order).
        from shipdesk.payments.provider_events import DISPUTE_APPLIERS  # noqa: PLC0415

        from .disputes import apply_dispute  # noqa: PLC0415

        if apply_dispute not in DISPUTE_APPLIERS:
            DISPUTE_APPLIERS.append(apply_dispute)
