from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background work on top of django-tasks: the worker's bookkeeping tables live here."""

    name = "shipdesk.jobs"
    label = "jobs"
