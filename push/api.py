"""The phone page's alerts, as JSON (static/js/push.js): register the browser's push subscription,
and turn it off. Session and CSRF, or a token; a clinician's or an officer's."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from coresponder.roles import Role, role_permission
from coresponder.strict import StrictSerializer
from push import endpoints, services, sessions
from push.models import PushDevice

IsResponder = role_permission(Role.CLINICIAN, Role.OFFICER)


class SubscriptionKeysSerializer(StrictSerializer):
    p256dh = serializers.CharField(max_length=100, help_text="The browser's P-256 public key, base64url.")
    auth = serializers.CharField(max_length=40, help_text="The browser's 16-byte auth secret, base64url.")


class SubscriptionSerializer(StrictSerializer):
    """``PushSubscription.toJSON()`` as the browser gives it."""

    endpoint = serializers.CharField(max_length=2048, help_text="The push service's URL for this browser.")
    expirationTime = serializers.FloatField(required=False, allow_null=True, help_text="Ignored.")
    keys = SubscriptionKeysSerializer()
    explicit = serializers.BooleanField(
        required=False, default=False,
        help_text="True on the person's tap (\"Turn on alerts\"): only then is a revoked device reactivated.",
    )  # fmt: skip


class EndpointSerializer(StrictSerializer):
    endpoint = serializers.CharField(max_length=2048)


class DeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = PushDevice
        fields = ["id", "label", "created_at", "last_used_at", "active"]


class SubscriptionAPI(APIView):
    permission_classes = [IsResponder]

    @extend_schema(request=SubscriptionSerializer, responses={200: DeviceSerializer, 201: DeviceSerializer})
    def post(self, request):
        """Alerts to this browser: 201 for a device new to alerts (or back after being revoked,
        on an ``explicit`` post), 200 for one already registered. A revoked device posted
        without ``explicit`` stays revoked: 200 ``{"active": false}``. A session that registers
        its phone stays signed in for the shift (see the guarantees)."""
        subscription = SubscriptionSerializer(data=request.data)
        subscription.is_valid(raise_exception=True)
        data = subscription.validated_data
        device, news = services.device_register(
            user=request.user, endpoint=data["endpoint"], p256dh=data["keys"]["p256dh"], auth=data["keys"]["auth"],
            label=endpoints.device_label(request.headers.get("User-Agent", "")), explicit=data["explicit"],
        )  # fmt: skip
        if not device.active:
            return Response({"active": False})
        if isinstance(request.successful_authenticator, SessionAuthentication):
            sessions.mark(request.session, device, timezone.now())
        return Response(DeviceSerializer(device).data, status=status.HTTP_201_CREATED if news else status.HTTP_200_OK)


class SubscriptionRevokeAPI(APIView):
    permission_classes = [IsResponder]

    @extend_schema(
        request=EndpointSerializer,
        responses={200: inline_serializer("SubscriptionRevoked", {"revoked": serializers.BooleanField()})},
    )
    def post(self, request):
        """ "Turn off alerts" on the phone: no more alerts to this browser's subscription (one of
        the caller's own). The session asking stays signed in, under the usual limits."""
        body = EndpointSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        device = PushDevice.objects.filter(endpoint=body.validated_data["endpoint"], user=request.user).first()
        revoked = device is not None and services.device_revoke(
            device=device, actor=request.user, reason=PushDevice.RevokeReason.TURNED_OFF,
            keep_session_key=request.session.session_key,
        )  # fmt: skip
        return Response({"revoked": revoked})
