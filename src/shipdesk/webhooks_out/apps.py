from django.apps import AppConfig


class WebhooksOutConfig(AppConfig):
    name = "shipdesk.webhooks_out"
    label = "webhooks_out"
    verbose_name = "Outgoing webhooks"

    def ready(self) -> None:
        # Imported here, not at the top: the services import models, which Django loads only after
        # every AppConfig is created (start-up order, not a cycle).
        from shipdesk.inventory.services import STOCK_LOW  # noqa: PLC0415
        from shipdesk.orders.events import EVENT_OBSERVERS  # noqa: PLC0415

        from .services import announce_order_event, announce_stock_low  # noqa: PLC0415

        # Order events and low stock are announced from below (orders.events, inventory); they reach
        # this app only through these lists (docs/architecture.md, "Registries").
        if announce_order_event not in EVENT_OBSERVERS:
            EVENT_OBSERVERS.append(announce_order_event)
        if announce_stock_low not in STOCK_LOW:
            STOCK_LOW.append(announce_stock_low)
