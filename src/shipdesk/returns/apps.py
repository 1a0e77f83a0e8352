from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "shipdesk.returns"
    label = "returns"
    verbose_name = "Returns"
