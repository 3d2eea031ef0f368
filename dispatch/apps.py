from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = "Dispatch"

    def ready(self):
        from dispatch.services import queue_serve_soon
        from units import services as roster

        # Units that become free (shift start, back in service) let waiting calls be served.
        if queue_serve_soon not in roster.units_freed_listeners:
            roster.units_freed_listeners.append(queue_serve_soon)
