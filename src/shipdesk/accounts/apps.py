from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shipdesk.accounts"
    label = "accounts"
    verbose_name = "Sellers, users and tokens"
