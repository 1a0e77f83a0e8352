from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "shipdesk.shipping"
    label = "shipping"

    def ready(self) -> None:
        # Registers the periodic jobs (carrier polling, the delay sweep) with shipdesk.jobs, so
        # the worker finds them whatever else it has imported. Imported here, not at the top: they
        # import models, which Django loads only after every AppConfig exists (start-up order).
        from . import polling, tasks  # noqa: F401, PLC0415
