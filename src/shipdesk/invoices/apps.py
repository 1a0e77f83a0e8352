from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "shipdesk.invoices"
    label = "invoices"

    def ready(self) -> None:
        # A refund on an invoiced order is credited, and a shipped order invoiced when the shop
        # asks for it, in the action's own transaction: order services announce refunds and
        # shipping through the timeline's observers (orders.events sits below invoices).
        # Imported here, not at the top: services import models, loaded only after every AppConfig.
        from shipdesk.orders.events import EVENT_OBSERVERS  # noqa: PLC0415

        from .services import invoice_on_event  # noqa: PLC0415

        if invoice_on_event not in EVENT_OBSERVERS:
            EVENT_OBSERVERS.append(invoice_on_event)
