from django.apps import AppConfig


class EarningsConfig(AppConfig):
    name = "shipdesk.earnings"
    label = "earnings"
