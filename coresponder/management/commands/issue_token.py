from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from coresponder.roles import Role


class Command(BaseCommand):
    help = "Create USERNAME if needed, put it in ROLE's group and print its API token on the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)

    @transaction.atomic
    def handle(self, *args, username, role, **options):
        if not username.strip() or len(username) > 150:
            raise CommandError("Give a username of 1 to 150 characters.")
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
        token, _ = Token.objects.get_or_create(user=user)
        self.stderr.write(f"{'Created' if created else 'Found'} {username}, role {role}.")
        self.stdout.write(token.key)
