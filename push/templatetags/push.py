"""``{% push_controls %}``: the phone page's "Turn on alerts" card (static/js/push.js drives it)."""

from django import template

from push import vapid

register = template.Library()


@register.inclusion_tag("push/_controls.html")
def push_controls():
    keys = vapid.keys()
    return {"public_key": keys.public_key if keys is not None else ""}
