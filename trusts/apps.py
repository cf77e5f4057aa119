from django.apps import AppConfig


class TrustsConfig(AppConfig):
    name = "trusts"
    verbose_name = "Organisations and A&E performance"
