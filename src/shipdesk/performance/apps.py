from django.apps import AppConfig

from shipdesk.earnings.holds import HOLD_EXTENSIONS


class PerformanceConfig(AppConfig):
    name = "shipdesk.performance"
    label = "performance"

    def ready(self) -> None:
        # Penalty points lengthen the earnings hold (docs/workflow.md): earnings asks every registered
        # extension for a seller's extra days. Imported here, not at the top: services import models,
        # which Django loads only after every AppConfig exists (start-up order).
        from .services import extra_hold_days  # noqa: PLC0415

        if extra_hold_days not in HOLD_EXTENSIONS:
            HOLD_EXTENSIONS.append(extra_hold_days)
