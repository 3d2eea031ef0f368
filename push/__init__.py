"""Alerts on the responders' phones: Web Push to the devices they registered, sent by a Celery
worker after the change commits, and the session a registered phone keeps for the shift.

- ``models``: a registered device (a browser's push subscription) and its revocation;
- ``vapid``: the key pair that signs every push (settings, or one made for ``make run``);
- ``endpoints``: which push services a subscription may point at, and its keys' shape;
- ``services``: registering and revoking devices (on logging out and deactivation too), audited;
- ``alerts``: what a unit is told (``notify_unit_soon``) -- only the unit, the kind of alert and
  the priority, since a notification shows on a lock screen -- and delivering it to one device;
- ``sessions``: a phone registered for alerts stays signed in until the shift ends.
"""
