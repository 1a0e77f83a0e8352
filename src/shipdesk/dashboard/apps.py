from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "shipdesk.dashboard"
    label = "dashboard"
