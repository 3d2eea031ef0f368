from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from units.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Load the St. Louis demo: its roster for this week and the 8 before, those weeks' calls (history: "
        "closed, never dispatched), idempotent; and print the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production", action="store_true", help="Seed even with DEBUG off (demo passwords are public)."
        )

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError("The demo's passwords are public; seed with DEBUG=1, or pass --allow-production.")
        report = seed_demo()
        self.stdout.write(
            f"Demo roster: {report.created_people} people and {report.created_units} units added; "
            f"{report.created_calls} past calls."
        )
        self.stdout.write("Demo logins (username / password):")
        for role, (username, password) in report.logins.items():
            self.stdout.write(f"  {role:<11} {username} / {password}")
