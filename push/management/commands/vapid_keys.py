"""Print a new VAPID key pair as environment lines, for production's settings."""

from django.core.management.base import BaseCommand

from push import vapid


class Command(BaseCommand):
    help = "Print a new VAPID key pair (Web Push) as WEBPUSH_VAPID_* lines for the environment file."
    requires_system_checks = []  # run where push is not set up yet: that is what it is for

    def add_arguments(self, parser):
        parser.add_argument(
            "--subject", default="mailto:dispatch-admin@example.org", help="mailto: or https:// for the push services"
        )

    def handle(self, *args, subject: str, **options):
        private, public = vapid.generate()
        self.stdout.write(f"WEBPUSH_VAPID_PRIVATE_KEY={private}")
        self.stdout.write(f"WEBPUSH_VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"WEBPUSH_VAPID_SUBJECT={subject}")
        self.stderr.write("Keep the private key secret and keep the pair: a new pair makes every phone register again.")
