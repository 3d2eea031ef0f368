from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken

from coresponder import audit


class Command(BaseCommand):
    help = "Revoke every API token of USERNAME (a lost phone, a decommissioned CAD link)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        count, _ = AuthToken.objects.filter(user=user).delete()
        audit.record(
            "token.revoked", object_type="user", object_id=str(user.pk), note=f"{count} token(s) of {username}"
        )
        self.stdout.write(f"Revoked {count} token(s) of {username}.")
