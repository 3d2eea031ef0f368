from datetime import timedelta

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from units.models import Clinician, Credential, Officer, Shift, ShiftTemplate, Unit


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pass-word-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])


class ClinicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinician

    name = factory.Sequence(lambda n: f"Clinician {n}")
    credential = Credential.LCSW
    languages = factory.LazyFunction(lambda: ["en"])


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Officer

    name = factory.Sequence(lambda n: f"Officer {n}")
    badge_number = factory.Sequence(lambda n: f"B{1000 + n}")
    languages = factory.LazyFunction(lambda: ["en"])


class ShiftTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShiftTemplate
        django_get_or_create = ("name",)


class ShiftFactory(factory.django.DjangoModelFactory):
    """By default a shift that started an hour ago and lasts eight hours."""

    class Meta:
        model = Shift

    name = factory.Sequence(lambda n: f"Shift {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    ends_at = factory.LazyAttribute(lambda shift: shift.starts_at + timedelta(hours=8))


class UnitFactory(factory.django.DjangoModelFactory):
    """A unit stored directly; tests of the roster rules go through units.services instead."""

    class Meta:
        model = Unit

    call_sign = factory.Sequence(lambda n: f"CR-{n}")
    shift = factory.SubFactory(ShiftFactory)
    clinician = factory.SubFactory(ClinicianFactory)
    officer = factory.SubFactory(OfficerFactory)
    shift_starts_at = factory.SelfAttribute("shift.starts_at")
    shift_ends_at = factory.SelfAttribute("shift.ends_at")
    status = Unit.Status.AVAILABLE
    status_changed_at = factory.LazyFunction(timezone.now)


class CallFactory(factory.django.DjangoModelFactory):
    """A call stored directly in a given status; tests of intake go through dispatch.services."""

    class Meta:
        model = "dispatch.CrisisCall"

    external_id = factory.Sequence(lambda n: f"911-{n:06d}")
    lat = 38.6270
    lon = -90.1994
    address = "1200 Market St"
    nature = "welfare_check"
    priority = 2
