from django.urls import path

from push import api

urlpatterns = [
    path("push/subscriptions/", api.SubscriptionAPI.as_view(), name="push-subscriptions"),
    path("push/subscriptions/revoke/", api.SubscriptionRevokeAPI.as_view(), name="push-subscription-revoke"),
]
