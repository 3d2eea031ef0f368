"""The devices alerts go to, as pages: a responder's own (/me/devices/), and everyone's for a
supervisor (/devices/); revoking one from either."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coresponder.roles import Role, has_role
from coresponder.web import role_required
from push import services
from push.models import PushDevice
from units.membership import display_name

Reason = PushDevice.RevokeReason
RESPONDERS = (Role.CLINICIAN, Role.OFFICER)


def _listed(devices):
    """Active first, then the most recently used; each with its push service's host (the
    endpoint itself is a capability and never shown)."""
    rows = list(devices.select_related("user", "revoked_by").order_by("revoked_at", "-last_used_at", "-id")[:500])
    for device in rows:
        device.service = urlsplit(device.endpoint).hostname or ""
        device.person = display_name(device.user)
    return rows


@role_required(*RESPONDERS)
def my_devices(request):
    devices = _listed(PushDevice.objects.filter(user=request.user))
    return render(request, "push/devices.html", {"devices": devices, "everyone": False})


@role_required(Role.SUPERVISOR)
def all_devices(request):
    return render(request, "push/devices.html", {"devices": _listed(PushDevice.objects.all()), "everyone": True})


@require_POST
@role_required(*RESPONDERS, Role.SUPERVISOR)
def device_revoke(request, device_id: int):
    """Its owner, or a supervisor; anyone else is told there is no such device."""
    device = get_object_or_404(PushDevice.objects.select_related("user"), pk=device_id)
    own = device.user_id == request.user.pk
    if not own and not has_role(request.user, Role.SUPERVISOR):
        raise Http404
    revoked = services.device_revoke(
        device=device, actor=request.user, reason=Reason.BY_OWNER if own else Reason.BY_SUPERVISOR,
        keep_session_key=request.session.session_key,
    )  # fmt: skip
    if revoked:
        whose = "your" if own else f"{display_name(device.user)}'s"
        messages.success(request, f"No more alerts go to {whose} {device.label}.")
    return redirect("all-devices" if request.POST.get("back") == "all" else "my-devices")
