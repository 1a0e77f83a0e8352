from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "shipdesk.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        # Imported here, not at the top: these import models and prometheus_client, which must wait
        # until Django has loaded every app and `shipdesk serve` has set PROMETHEUS_MULTIPROC_DIR
        # (start-up order, not a cycle).
        from django_tasks_db.compat import task_finished  # noqa: PLC0415

        from shipdesk.orders.events import EVENT_OBSERVERS  # noqa: PLC0415

        from . import metrics  # noqa: F401, PLC0415  (the series exist from the start, at zero)
        from .logs import log_task_finished  # noqa: PLC0415
        from .requests import observe_order_event  # noqa: PLC0415

        task_finished.connect(log_task_finished, dispatch_uid="shipdesk.ops.log_task_finished")
        # Every order event carries the request that wrote it and is counted (orders.events).
        if observe_order_event not in EVENT_OBSERVERS:
            EVENT_OBSERVERS.append(observe_order_event)
