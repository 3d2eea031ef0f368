"""The phone page's web app: its manifest and, at the site's root, its service worker (coresponder.pwa)."""

from django.urls import path

from coresponder import pwa

urlpatterns = [
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
]
