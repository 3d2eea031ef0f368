"""A person's phone and licence numbers reach the audit log -- append-only, kept for ever and
exported as CSV -- only by their length; a change of either is still recorded as a change."""

import pytest

from coresponder.models import AuditEntry
from units import services
from units.models import Clinician

pytestmark = pytest.mark.django_db


def test_a_phone_or_licence_number_is_logged_by_its_length_and_each_change_is_still_seen():
    maya = services.responder_save(responder=Clinician(), role="clinician", name="Maya Patel", credential="LCSW",
                                   phone="314-555-0199", licence_number="LCSW-123456")  # fmt: skip
    services.responder_save(responder=maya, role="clinician", phone="314-555-0100")
    services.responder_save(responder=maya, role="clinician", licence_number="")

    entries = [e.changes for e in AuditEntry.objects.filter(object_type="clinician").order_by("pk")]
    assert "555" not in str(entries) and "123456" not in str(entries)
    created, phone_changed, licence_removed = entries
    assert created["phone"] == ["", "(12 characters)"] and created["licence_number"] == ["", "(11 characters)"]
    assert phone_changed == {"phone": ["(12 characters)", "(12 characters) changed"]}
    assert licence_removed == {"licence_number": ["(11 characters)", "(removed)"]}
