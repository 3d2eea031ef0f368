"""Clinical data and caller details follow the people who were on a call, not today's pairing.

One call is worked from start to finish by a unit, through the API as the people would; then a
supervisor re-pairs the unit. Every person is asked for everything they can reach -- the API
(the call, the list, its notes, its history), the pages (the phone page, the board's call
detail), the CSV exports and the audit log -- and each secret must reach exactly the people the
matrix says.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from dispatch.models import CrisisCall
from tests.factories import ClinicianFactory, OfficerFactory, UserFactory

NARRATIVE = "Narrative-7731-SECRET"
REFERRAL = "Referral-7731-SECRET (a substance-use program)"
CLINICAL_NOTE = "ClinicalNote-7731-SECRET"
CALLER = "Casey-7731-Caller"
ADDRESS = "4400 Hidden-7731 Ave"

# person -> which secrets reach them. Y = narrative, referral, clinical note; C = caller details.
MATRIX = {
    "clinician on the call": {"narrative", "referral", "clinical note", "caller details"},
    "officer on the call": {"caller details"},
    "clinician paired in later": set(),
    "officer paired in later": set(),
    "other clinician": set(),
    "dispatcher": {"caller details"},
    "intake": {"caller details"},
    "counselor": set(),  # reads only the calls that came through the crisis line's triage
    "supervisor": {"narrative", "referral", "clinical note", "caller details"},
}
SECRETS = {
    "narrative": [NARRATIVE],
    "referral": [REFERRAL],
    "clinical note": [CLINICAL_NOTE],
    "caller details": [CALLER, ADDRESS],
}


def _person(role: str, username: str, responder=None):
    user = UserFactory(username=username, role=role)
    if responder is not None:
        responder(user=user)
    return user


@pytest.fixture
def worked_call(users, unit_at):
    """A call worked by CR-1 (the ``clinician`` and ``officer`` logins), closed with its outcome;
    then CR-1 re-paired with two other people. Returns (call id, {person: user})."""
    people = {
        "clinician on the call": users["clinician"],
        "officer on the call": users["officer"],
        "dispatcher": users["dispatcher"],
        "intake": users["intake"],
        "counselor": users["counselor"],
        "supervisor": users["supervisor"],
        "clinician paired in later": _person("clinician", "newclinician", ClinicianFactory),
        "officer paired in later": _person("officer", "newofficer", OfficerFactory),
        "other clinician": _person("clinician", "otherclinician", ClinicianFactory),
    }
    unit = unit_at(1, call_sign="CR-1", clinician=ClinicianFactory(user=users["clinician"]),
                   officer=OfficerFactory(user=users["officer"]))  # fmt: skip

    def as_(who):
        client = APIClient()
        client.force_authenticate(people[who])
        return client

    call = as_("intake").post("/api/v1/calls/", {
        "external_id": "STL-7731", "lat": unit.lat, "lon": unit.lon, "address": ADDRESS, "nature": "welfare_check",
        "priority": 2, "caller_name": CALLER, "callback_number": "314-555-7731",
    }).json()  # fmt: skip
    url = f"/api/v1/calls/{call['id']}"
    steps = [
        as_("dispatcher").post(f"{url}/assign/", {"unit": unit.pk}),
        as_("officer on the call").post(f"{url}/transition/", {"status": "en_route"}),
        as_("officer on the call").post(f"{url}/transition/", {"status": "on_scene"}),
        as_("clinician on the call").post(f"{url}/notes/", {"text": CLINICAL_NOTE, "clinical": True}),
        as_("officer on the call").post(f"{url}/notes/", {"text": "Scene is calm."}),
        as_("clinician on the call").post(f"{url}/transition/", {"status": "cleared"}),
        as_("clinician on the call").post(
            f"{url}/outcome/",
            {
                "disposition": "referred",
                "referral": REFERRAL,
                "narrative": NARRATIVE,
                "follow_up_needed": True,
            },
        ),
    ]
    assert [step.status_code for step in steps] == [200, 200, 200, 201, 201, 200, 201], [s.json() for s in steps]
    new_clinician = people["clinician paired in later"].clinician
    new_officer = people["officer paired in later"].officer
    repaired = as_("supervisor").patch(f"/api/v1/units/{unit.pk}/", {"clinician": new_clinician.pk,
                                                                       "officer": new_officer.pk})  # fmt: skip
    assert repaired.status_code == 200, repaired.json()
    return call["id"], people


def csv_exports(web) -> list[str]:
    """Every CSV export the reports page offers, for a range around today (refused for anyone
    but a supervisor)."""
    today = timezone.localdate()
    query = f"start={today - timedelta(days=1)}&end={today + timedelta(days=1)}"
    tables = sorted(set(re.findall(r"/reports/([\w-]+)\.csv", text_of(web.get("/reports/")))))
    exports = [web.get(f"/reports/{table}.csv?{query}") for table in tables]
    assert all(export.status_code == 200 for export in exports)
    return [text_of(export) for export in exports]


def text_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def everything_reachable(user, call_id: int) -> str:
    """All that ``user`` can read of the system, as one text: API, pages, CSV exports, audit log."""
    api = APIClient()
    api.force_authenticate(user)
    web = Client()
    web.force_login(user)
    texts = []
    for path in (f"/api/v1/calls/{call_id}/", "/api/v1/calls/", f"/api/v1/calls/{call_id}/notes/",
                 f"/api/v1/calls/{call_id}/events/"):  # fmt: skip
        texts.append(api.get(path).content.decode())
    for path in ("/me/", "/me/panel/", f"/board/calls/{call_id}/", "/board/panels/", "/audit/", "/audit.csv"):
        texts.append(text_of(web.get(path)))
    texts.extend(csv_exports(web))
    return "\n".join(texts)


@pytest.mark.parametrize("person", list(MATRIX))
def test_each_secret_reaches_exactly_the_people_the_matrix_names(worked_call, person):
    call_id, people = worked_call
    reachable = everything_reachable(people[person], call_id)
    reached = {kind for kind, texts in SECRETS.items() if any(text in reachable for text in texts)}
    assert reached == MATRIX[person]


def test_the_people_who_were_on_the_call_keep_it_after_their_unit_is_re_paired(worked_call):
    call_id, people = worked_call
    for who in ("clinician on the call", "officer on the call"):
        api = APIClient()
        api.force_authenticate(people[who])
        assert api.get(f"/api/v1/calls/{call_id}/").status_code == 200
        assert api.get(f"/api/v1/calls/{call_id}/events/").status_code == 200
    for who in ("clinician paired in later", "officer paired in later", "other clinician"):
        api = APIClient()
        api.force_authenticate(people[who])
        assert api.get(f"/api/v1/calls/{call_id}/").status_code == 404
        assert api.get("/api/v1/calls/").json()["count"] == 0


def test_exports_and_the_audit_log_never_hold_clinical_text_even_for_a_supervisor(worked_call):
    _, people = worked_call
    web = Client()
    web.force_login(people["supervisor"])
    audit_log = text_of(web.get("/audit.csv"))
    exports = csv_exports(web)
    assert any("STL-7731" in export for export in exports), "the call is in the exports, without its secrets"
    for secret in (NARRATIVE, REFERRAL, CLINICAL_NOTE, CALLER, ADDRESS):
        assert secret not in audit_log
        assert all(secret not in export for export in exports)


def test_the_outcome_is_recorded_by_the_clinician_of_the_last_assignment(users, unit_at, api):
    first = unit_at(1, clinician=ClinicianFactory(user=users["clinician"]), officer=OfficerFactory())
    second_clinician = _person("clinician", "secondclinician", ClinicianFactory)
    second = unit_at(2, clinician=second_clinician.clinician, officer=OfficerFactory())
    call = api("intake").post("/api/v1/calls/", {"lat": first.lat, "lon": first.lon, "nature": "welfare_check",
                                                 "priority": 2}).json()  # fmt: skip
    url = f"/api/v1/calls/{call['id']}"
    assert api("dispatcher").post(f"{url}/assign/", {"unit": first.pk}).status_code == 200
    assert api("dispatcher").post(f"{url}/assign/", {"unit": second.pk, "reason": "closer"}).status_code == 200
    assert api(second_clinician).post(f"{url}/transition/", {"status": "en_route"}).status_code == 200
    assert api(second_clinician).post(f"{url}/transition/", {"status": "cleared"}).status_code == 409  # on scene first
    for status in ("on_scene", "cleared"):
        assert api(second_clinician).post(f"{url}/transition/", {"status": status}).status_code == 200
    outcome = {"disposition": "resolved_on_scene", "narrative": "Safety plan made."}
    refused = api("clinician").post(f"{url}/outcome/", outcome)
    assert refused.status_code == 403
    assert api(second_clinician).post(f"{url}/outcome/", outcome).status_code == 201
    # The first clinician was on the call too: they read what happened.
    read = api("clinician").get(f"{url}/")
    assert read.status_code == 200, read.content[:3000]
    assert read.json()["outcome"]["narrative"] == "Safety plan made."
    assert CrisisCall.objects.get(pk=call["id"]).assignments.count() == 2


def test_the_history_names_people_and_only_supervisors_see_logins(worked_call):
    call_id, people = worked_call
    officer = people["officer on the call"]

    def actors_seen_by(who):
        api = APIClient()
        api.force_authenticate(people[who])
        return {event["actor"] for event in api.get(f"/api/v1/calls/{call_id}/events/").json()}

    for who in ("dispatcher", "intake", "officer on the call"):
        seen = actors_seen_by(who)
        assert officer.officer.name in seen and "officer" not in seen and "dispatcher" not in seen
    assert {"officer", "clinician", "dispatcher", "intake"} <= actors_seen_by("supervisor")


def test_the_workload_report_credits_the_people_who_were_on_the_call(worked_call):
    _, people = worked_call
    web = Client()
    web.force_login(people["supervisor"])
    rows = text_of(web.get(f"/reports/workload-responders.csv?start={timezone.localdate()}&end={timezone.localdate()}"))
    worked = people["clinician on the call"].clinician.name
    newcomer = people["clinician paired in later"].clinician.name
    assert worked in rows and newcomer not in rows


def test_a_clinician_re_paired_away_after_clearing_still_records_the_outcome_and_leaves_the_unit_alone(
    users, unit_at, call_in, api
):
    unit = unit_at(1, call_sign="CR-8", clinician=ClinicianFactory(user=users["clinician"]), officer=OfficerFactory())
    call = call_in(CrisisCall.Status.CLEARED, unit=unit, address=ADDRESS)
    newcomer = _person("clinician", "newcomer", ClinicianFactory)
    assert api("supervisor").patch(f"/api/v1/units/{unit.pk}/", {"clinician": newcomer.clinician.pk}).status_code == 200

    web = Client()
    web.force_login(users["clinician"])
    page = web.get("/me/").content.decode()
    assert ADDRESS in page and "Record outcome" in page, "the outcome owed stays with who was on the call"
    assert web.post("/me/status/", {"status": "out_of_service", "reason": "Documenting"}).status_code == 404
    unit.refresh_from_db()
    assert unit.status == "available", "the unit is the newcomer's now"

    web.force_login(newcomer)
    assert ADDRESS not in web.get("/me/").content.decode()
    outcome = {"disposition": "resolved_on_scene", "narrative": "Safety plan."}
    assert api(users["clinician"]).post(f"/api/v1/calls/{call.pk}/outcome/", outcome).status_code == 201
