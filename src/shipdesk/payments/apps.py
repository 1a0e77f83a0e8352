from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "shipdesk.payments"
    label = "payments"
