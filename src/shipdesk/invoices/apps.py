from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "shipdesk.invoices"
    label = "invoices"

    def ready(self) -> None:
        # A refund on an invoiced order is credited in the refund's transaction: order services
        # announce refunds through the timeline's observers (orders.events sits below invoices).
        # Imported here, not at the top: services import models, loaded only after every AppConfig.
        from shipdesk.orders.events import EVENT_OBSERVERS  # noqa: PLC0415

        from .services import credit_refund_on_event  # noqa: PLC0415

        if credit_refund_on_event not in EVENT_OBSERVERS:
            EVENT_OBSERVERS.append(credit_refund_on_event)
