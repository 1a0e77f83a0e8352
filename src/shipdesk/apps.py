from django.apps import AppConfig


class ShipdeskConfig(AppConfig):
    """The project package itself, installed as an app for its CLI commands (run, serve, worker, demo)."""

    name = "shipdesk"
    label = "shipdesk"
