"""``manage.py check`` (and ``migrate``) say when phones would get no alerts, and why."""

from django.core.checks import Warning, register

from push import vapid


@register()
def push_configured(app_configs, **kwargs):
    reason = vapid.problem()
    if not reason:
        return []
    return [
        Warning(
            reason,
            hint="Set WEBPUSH_VAPID_PRIVATE_KEY, WEBPUSH_VAPID_PUBLIC_KEY and WEBPUSH_VAPID_SUBJECT "
            "(docs/operations.md, 'Alerts on the phones').",
            id="push.W001",
        )
    ]
