from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rubrica.accounts"
    label = "accounts"
