from django.apps import AppConfig


class CheckoutsConfig(AppConfig):
    name = "shipdesk.checkouts"
    label = "checkouts"
    verbose_name = "Checkouts"
