from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "shipdesk.orders"
    label = "orders"

    def ready(self) -> None:
        # Imported here, not at the top: order services import models, which Django loads only
        # after every AppConfig is created (start-up order, not a cycle).
        from .registrations import register_order_services  # noqa: PLC0415

        register_order_services()
