from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "shipdesk.channels"
    label = "channels"
    verbose_name = "Sales channels"

    def ready(self) -> None:
        # Imported here, not at the top: the observer imports models, which Django loads only
        # after every AppConfig is created (start-up order, not a cycle).
        from shipdesk.orders.events import EVENT_OBSERVERS  # noqa: PLC0415

        from .fulfilment import queue_fulfilment_update  # noqa: PLC0415

        # A shipped or cancelled channel order tells its channel (channels.fulfilment).
        if queue_fulfilment_update not in EVENT_OBSERVERS:
            EVENT_OBSERVERS.append(queue_fulfilment_update)
