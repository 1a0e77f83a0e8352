from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "shipdesk.performance"
    label = "performance"
