from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "shipdesk.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from django_tasks_db.compat import task_finished

        from . import metrics  # noqa: F401  (the series exist from the start, at zero)
        from .logs import log_task_finished

        task_finished.connect(log_task_finished, dispatch_uid="shipdesk.ops.log_task_finished")
