from django.apps import AppConfig


class CoresponderConfig(AppConfig):
    name = "coresponder"
    verbose_name = "Co-responder"
