from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "shipdesk.orders"
    label = "orders"
