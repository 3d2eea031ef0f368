from django.apps import AppConfig


class PushConfig(AppConfig):
    name = "push"
    verbose_name = "Alerts on phones"

    def ready(self):
        from push import checks  # noqa: F401  (registers the system check)
