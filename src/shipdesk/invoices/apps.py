from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "shipdesk.invoices"
    label = "invoices"
