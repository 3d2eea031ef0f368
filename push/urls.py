from django.urls import path

from push import views

urlpatterns = [
    path("me/devices/", views.my_devices, name="my-devices"),
    path("devices/", views.all_devices, name="all-devices"),
    path("devices/<id:device_id>/revoke/", views.device_revoke, name="device-revoke"),
]
