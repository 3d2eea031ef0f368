from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from knox.models import AuthToken

from coresponder import audit
from coresponder.roles import Role


class Command(BaseCommand):
    help = (
        "Create USERNAME if needed, put it in ROLE's group and print a new API token on the last line. "
        "Tokens are stored hashed and expire (API_TOKEN_DAYS, default 90); revoke them with revoke_tokens."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--days", type=float, default=None, help="Days until the token expires.")

    @transaction.atomic
    def handle(self, *args, username, role, days, **options):
        if not username.strip() or len(username) > 150:
            raise CommandError("Give a username of 1 to 150 characters.")
        if days is not None and days <= 0:
            raise CommandError("--days must be positive.")
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
        ttl = timedelta(days=days) if days is not None else settings.REST_KNOX["TOKEN_TTL"]
        instance, token = AuthToken.objects.create(user=user, expiry=ttl)
        audit.record("token.issued", object_type="token", object_id=instance.token_key, note=f"{username} ({role})")
        self.stderr.write(
            f"{'Created' if created else 'Found'} {username}, role {role}; token expires {instance.expiry:%Y-%m-%d}."
        )
        self.stdout.write(token)
