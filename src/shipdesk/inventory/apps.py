from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "shipdesk.inventory"
    label = "inventory"
