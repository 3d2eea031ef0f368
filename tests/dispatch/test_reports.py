"""Program reports against calls whose figures were computed by hand."""

import csv
import io
import random
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F

from dispatch import reports
from dispatch.models import Assignment, CrisisCall, Outcome
from dispatch.reports import hours
from tests.factories import CallFactory, ShiftFactory, UnitFactory

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")
MARCH = {"from": "2030-03-01", "to": "2030-03-31"}


def local(day, hour, minute=0):
    return datetime(2030, 3, day, hour, minute, tzinfo=CHICAGO)


def call(received, priority=1, to_dispatch=None, to_scene=None, **fields):
    dispatched = received + timedelta(seconds=to_dispatch) if to_dispatch is not None else None
    on_scene = dispatched + timedelta(seconds=to_scene) if to_scene is not None else None
    status = "closed" if on_scene else ("dispatched" if dispatched else "queued")
    return CallFactory(received_at=received, priority=priority, dispatched_at=dispatched, on_scene_at=on_scene,
                       status=status, **fields)  # fmt: skip


@pytest.fixture
def march():
    """P1 received→dispatched 10, 20, 30, 40, 100 s; dispatched→on scene 300, 600, 900, 1200 s.
    P2 received→dispatched 50, 70 s. One P3 call never dispatched. Four outcomes."""
    p1 = [
        call(local(2, 8 + i), 1, d, s)
        for i, (d, s) in enumerate([(10, 300), (20, 600), (30, 900), (40, 1200), (100, None)])
    ]
    p2 = [call(local(3, 9), 2, 50), call(local(31, 23, 30), 2, 70)]  # the last: 23:30 on the last day
    call(local(4, 3), 3)
    call(datetime(2030, 4, 1, 0, 10, tzinfo=CHICAGO), 1, 5)  # the next day: outside
    call(datetime(2030, 2, 28, 23, 50, tzinfo=CHICAGO), 1, 5)  # the day before: outside
    for c, disposition, extra in [
        (p1[0], "resolved_on_scene", {"follow_up_needed": True}),
        (p1[1], "resolved_on_scene", {}),
        (p1[2], "referred", {"narrative": "private"}),
        (p1[3], "arrest", {"arrest_made": True, "force_used": True}),
    ]:
        Outcome.objects.create(call=c, disposition=disposition, **extra)
    return p1 + p2


def figures(api, **params):
    body = api("supervisor").get("/api/v1/reports/summary/", {**MARCH, **params}).json()
    return {(r["interval"], r["priority"]): r for r in body["response_times"]}, body


def test_response_times_match_the_hand_computed_figures(api, march):
    rt, _ = figures(api)
    assert rt[("received_dispatched", 1)] | {} == {
        "interval": "received_dispatched", "priority": 1, "calls": 5, "median_seconds": 30.0, "p90_seconds": 76.0,
        "target_seconds": 60, "share_within_target": 0.8, "target_met": False,
    }  # fmt: skip
    assert (rt[("received_dispatched", 2)]["median_seconds"], rt[("received_dispatched", 2)]["p90_seconds"]) == (
        60.0,
        68.0,
    )
    assert rt[("received_dispatched", 2)]["share_within_target"] == 0.5
    assert rt[("received_dispatched", 3)]["calls"] == 0 and rt[("received_dispatched", 3)]["median_seconds"] is None
    everyone = rt[("received_dispatched", None)]
    assert (everyone["calls"], everyone["median_seconds"], everyone["p90_seconds"]) == (7, 40.0, 82.0)
    assert everyone["share_within_target"] == pytest.approx(5 / 7)
    travel = rt[("dispatched_on_scene", 1)]
    assert (travel["calls"], travel["median_seconds"], travel["p90_seconds"], travel["share_within_target"]) == (
        4, 750.0, 1110.0, 0.75,
    )  # fmt: skip
    assert rt[("received_on_scene", 1)]["median_seconds"] == 775.0  # 310, 620, 930, 1240


def test_a_call_given_back_and_dispatched_again_is_timed_from_its_first_dispatch_and_the_report_says_so(
    api, client, users, call_in, unit_at, monkeypatch
):
    """Received at 0 s; unit A sent at 40 s; given back to the queue at 100 s; unit B sent at
    400 s, on scene at 900 s. Received → first dispatch is 40 s (not 400 s), and the 860 s from
    the first dispatch to the scene carry the wait for unit B. The page and the API's schema say so."""
    from django.utils import timezone

    from dispatch.services import call_assign, call_transition

    received = timezone.now() - timedelta(seconds=1000)
    clock = {"now": received}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])

    def at(seconds):
        clock["now"] = received + timedelta(seconds=seconds)

    dispatcher, S = users["dispatcher"], CrisisCall.Status
    call = call_in(S.QUEUED, received_at=received, priority=1)
    first_unit, second_unit = unit_at(1), unit_at(2)
    at(40)
    call_assign(call=call, unit=first_unit, actor=dispatcher)
    at(100)
    call_transition(call=call, to_status=S.QUEUED, actor=dispatcher, note="flat tyre")
    at(400)
    call_assign(call=call, unit=second_unit, actor=dispatcher)
    at(500)
    call_transition(call=call, to_status=S.EN_ROUTE, actor=dispatcher)
    at(900)
    call_transition(call=call, to_status=S.ON_SCENE, actor=dispatcher)
    monkeypatch.undo()

    day = timezone.localtime(received).date().isoformat()
    body = api("supervisor").get("/api/v1/reports/summary/", {"from": day, "to": day}).json()
    rt = {(r["interval"], r["priority"]): r["median_seconds"] for r in body["response_times"]}
    assert (rt[("received_dispatched", 1)], rt[("dispatched_on_scene", 1)], rt[("received_on_scene", 1)]) == (
        40.0, 860.0, 900.0,
    )  # fmt: skip
    client.force_login(users["supervisor"])
    page = client.get("/reports/", {"start": day, "end": day}).content.decode()
    assert "Received → first dispatch" in page and "First dispatch → on scene" in page
    assert "a call a unit gave back to the queue and that was dispatched again keeps its first dispatch time" in page
    schema = api("supervisor").get("/api/schema/", {"format": "json"}).json()
    words = schema["components"]["schemas"]["ReportResponseTime"]["properties"]["interval"]["description"]
    assert "first dispatch" in words and "dispatched again keeps its first dispatch time" in words


def test_outcomes_are_counted_with_rates_per_hundred(api, march):
    _, body = figures(api)
    o = body["outcomes"]
    assert (o["calls"], o["with_outcome"], o["arrests"], o["force"], o["follow_ups_needed"]) == (8, 4, 1, 1, 1)
    assert (o["arrests_per_100"], o["force_per_100"]) == (25.0, 25.0)
    assert o["dispositions"]["resolved_on_scene"] == {"count": 2, "share": 0.5}
    assert o["dispositions"]["emergency_detention"] == {"count": 0, "share": 0.0}


def test_filters_narrow_the_report(api, march):
    rt, body = figures(api, priority=2)
    assert body["outcomes"]["calls"] == 2
    assert rt[("received_dispatched", None)]["median_seconds"] == 60.0


def test_the_page_shows_the_same_figures(client, users, march):
    client.force_login(users["supervisor"])
    page = client.get("/reports/", {"start": "2030-03-01", "end": "2030-03-31"}).content.decode()
    # Times in minutes: 30 s, 76 s, 750 s and 1,110 s.
    for text in ("<strong>8</strong> calls", "<strong>25.0</strong> arrests per 100", ">0.5 min<", ">1.3 min<", ">80 %<",
                 ">12.5 min<", ">18.5 min<"):  # fmt: skip
        assert text in page, text
    assert "private" not in page


def test_the_report_defaults_to_last_month(client, users):
    from dispatch.report_views import last_month

    client.force_login(users["supervisor"])
    first, last = last_month(date(2030, 3, 15))
    assert (first, last) == (date(2030, 2, 1), date(2030, 2, 28))
    assert client.get("/reports/").status_code == 200


def test_csv_exports_carry_the_tables_and_never_the_narrative(client, users, march):
    client.force_login(users["supervisor"])
    query = {"start": "2030-03-01", "end": "2030-03-31"}
    rows = list(csv.reader(io.StringIO(client.get("/reports/response-times.csv", query).content.decode())))
    assert rows[0][:3] == ["interval", "priority", "calls"]
    assert ["received_dispatched", "1", "5", "30.0", "76.0", "60", "0.8000"] in rows
    calls = client.get("/reports/calls.csv", query).content.decode()
    assert "narrative" not in calls and "private" not in calls
    assert len(list(csv.reader(io.StringIO(calls)))) == 1 + 8
    for table in ("dispositions", "heat-map", "workload-units", "workload-responders"):
        response = client.get(f"/reports/{table}.csv", query)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert client.get("/reports/secrets.csv", query).status_code == 404


def test_the_calls_export_gives_local_times_with_their_offset_and_never_the_referral(client, users, march):
    """calls.csv says "no narratives"; the referral can name a substance-use provider (42 CFR
    Part 2), so it stays out too. Times read like the heat map's: local, with the offset."""
    Outcome.objects.filter(call=march[2]).update(referral="Riverside Recovery, opioid treatment program")
    client.force_login(users["supervisor"])
    query = {"start": "2030-03-01", "end": "2030-03-31"}

    exported = client.get("/reports/calls.csv", query).content.decode()
    page = client.get("/reports/", query).content.decode()

    rows = list(csv.DictReader(io.StringIO(exported)))
    assert "referral" not in exported.lower() and "Riverside" not in exported
    first = rows[0]  # received 08:00 on 2 March in Chicago, dispatched 10 s later, on scene 300 s after
    assert (first["received_at"], first["dispatched_at"], first["on_scene_at"]) == (
        "2030-03-02T08:00:00-06:00", "2030-03-02T08:00:10-06:00", "2030-03-02T08:05:10-06:00",
    )  # fmt: skip
    assert rows[-1]["received_at"] == "2030-03-31T23:30:00-05:00"  # after the clocks went forward
    assert "no narratives, referrals, caller details, addresses or notes" in page


def test_a_name_typed_as_a_formula_is_exported_as_text(client, users):
    unit = UnitFactory(clinician__name='=HYPERLINK("http://evil")', officer__name="-Lee")
    c = call(local(6, 8), 1, 30)
    Assignment.objects.create(
        call=c, unit=unit, started_at=c.dispatched_at, ended_at=c.dispatched_at + timedelta(hours=1)
    )
    client.force_login(users["supervisor"])
    exported = client.get("/reports/workload-responders.csv", {"start": "2030-03-01", "end": "2030-03-31"})
    names = [row[0] for row in csv.reader(io.StringIO(exported.content.decode()))][1:]
    assert sorted(names) == ["'-Lee (officer)", '\'=HYPERLINK("http://evil") (clinician)']


def test_daylight_saving_days_have_23_and_25_hours_in_the_heat_map():
    spring = reports.heat_map(reports.Range(first=date(2030, 3, 9), last=date(2030, 3, 11)))
    assert [len(day.hours) for day in spring] == [24, 23, 24]
    autumn = reports.heat_map(reports.Range(first=date(2030, 11, 3), last=date(2030, 11, 3)))
    assert len(autumn[0].hours) == 25
    assert [cell.start.strftime("%H") for cell in autumn[0].hours[:3]] == ["00", "01", "01"]


def test_the_heat_map_counts_calls_in_their_local_hour_against_units_on_duty():
    shift = ShiftFactory(starts_at=local(5, 7), ends_at=local(5, 15))
    UnitFactory(shift=shift)
    UnitFactory(shift=shift, uniformed=True)
    call(local(5, 8, 15))
    call(local(5, 8, 45))
    call(local(5, 20, 5))
    day = reports.heat_map(reports.Range(first=date(2030, 3, 5), last=date(2030, 3, 5)))[0]
    eight, twenty = day.hours[8], day.hours[20]
    assert (eight.calls, eight.units_on_duty, eight.understaffed) == (2, 1, True)
    assert (twenty.calls, twenty.units_on_duty, twenty.uncovered) == (1, 0, True)
    assert day.hours[9].units_on_duty == 1 and day.hours[15].units_on_duty == 0


def test_workload_counts_calls_and_hours_on_them():
    unit = UnitFactory(call_sign="CR-11")
    for start_hour in (8, 10):
        c = call(local(6, start_hour), 1, 30)
        Assignment.objects.create(
            call=c, unit=unit, started_at=c.dispatched_at, ended_at=c.dispatched_at + timedelta(minutes=90)
        )
    workload = reports.workload_by_unit(reports.Range(first=date(2030, 3, 1), last=date(2030, 3, 31)))
    assert [(w.name, w.calls, w.hours_on_calls) for w in workload] == [("CR-11", 2, 3.0)]
    people = reports.workload_by_responder(reports.Range(first=date(2030, 3, 1), last=date(2030, 3, 31)))
    assert {w.name for w in people} == {f"{unit.clinician.name} (clinician)", f"{unit.officer.name} (officer)"}


def test_the_python_percentile_agrees_with_postgresql():
    """The embedded database computes percentiles in Python: it must give PostgreSQL's answers."""
    rng = random.Random(7)
    for n in (1, 2, 5, 10, 37):
        CrisisCall.objects.all().delete()
        for _ in range(n):
            call(local(10, 12), 1, rng.randint(1, 5000))
        seconds = reports.Seconds(F("dispatched_at"), F("received_at"))
        values = list(CrisisCall.objects.annotate(s=seconds).values_list("s", flat=True))
        for fraction in (0.5, 0.9):
            in_database = CrisisCall.objects.aggregate(v=reports.Percentile(seconds, fraction))["v"]
            assert reports.percentile(values, fraction) == pytest.approx(in_database)


@pytest.mark.parametrize(
    "params", [{"from": "2030-03-31", "to": "2030-03-01"}, {"from": "yesterday"}, {"from": "2020-01-01", "to": "2030-01-01"},
               {"priority": "7"}, {"to": "9999-12-31"}, {"to": ""}, {"unit": ""}],
)  # fmt: skip
def test_a_bad_range_is_a_400(api, params):
    response = api("supervisor").get("/api/v1/reports/summary/", params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    ("who", "status"), [("supervisor", 200), ("dispatcher", 403), ("clinician", 403), ("intake", 403), (None, 401)]
)
def test_only_supervisors_read_reports(api, client, users, who, status):
    assert api(who).get("/api/v1/reports/summary/").status_code == status
    if who:
        client.force_login(users[who])
        assert client.get("/reports/").status_code == (200 if who == "supervisor" else 403)


def test_a_call_without_a_unit_counts_in_no_units_workload(api):
    CallFactory(received_at=local(7, 12), status="queued", unit=None)
    _, body = figures(api)
    assert body["workload"]["units"] == []
    assert Assignment.objects.count() == 0


# --- Coverage in the API -------------------------------------------------------------------------


@pytest.fixture
def fifth_of_march():
    """One non-uniformed unit on duty 07:00-15:00 (and a uniformed one, which does not count);
    two calls at 08:xx, one at 20:05 with nobody on duty."""
    shift = ShiftFactory(starts_at=local(5, 7), ends_at=local(5, 15))
    UnitFactory(shift=shift)
    UnitFactory(shift=shift, uniformed=True)
    for hour, minute in [(8, 15), (8, 45), (20, 5)]:
        call(local(5, hour, minute))


def test_the_summary_api_gives_the_coverage_the_page_shows(api, client, users, fifth_of_march):
    day = {"from": "2030-03-05", "to": "2030-03-05"}
    body = api("supervisor").get("/api/v1/reports/summary/", day).json()
    assert body["coverage"] == {
        "hours": 24, "hours_with_calls": 2, "uncovered_hours": 16, "uncovered_hours_with_calls": 1,
        "calls_in_uncovered_hours": 1, "understaffed_hours": 2,
    }  # fmt: skip
    cells = (
        api("supervisor").get("/api/v1/reports/summary/", {**day, "heat_map": "true"}).json()["coverage"]["heat_map"]
    )
    assert len(cells) == 24
    assert cells[8] == {"start": "2030-03-05T08:00:00-06:00", "calls": 2, "non_uniformed_units_on_duty": 1}
    assert cells[20] == {"start": "2030-03-05T20:00:00-06:00", "calls": 1, "non_uniformed_units_on_duty": 0}
    client.force_login(users["supervisor"])
    page = client.get("/reports/", {"start": "2030-03-05", "end": "2030-03-05"}).content.decode()
    assert "Of <strong>24</strong> hours, <strong>1</strong> had calls but no non-uniformed unit on duty" in page


@pytest.mark.parametrize("value", ["yes", "1", ""])
def test_a_heat_map_flag_other_than_true_or_false_is_a_400_that_names_it(api, value):
    response = api("supervisor").get("/api/v1/reports/summary/", {"heat_map": value, "from": "2030-03-31"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"heat_map", "to"}  # every mistake at once


def _as_json_schema(node):
    """OpenAPI 3.0's ``nullable`` said the way JSON Schema says it."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _as_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        node = {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.mark.parametrize("heat_map", ["false", "true"])
def test_the_summary_follows_its_published_schema(api, march, fifth_of_march, heat_map):
    import jsonschema

    document = api("supervisor").get("/api/schema/", {"format": "json"}).json()
    components = _as_json_schema(document["components"])
    for schema in components["schemas"].values():  # an answer with a field the schema lacks fails too
        if schema.get("type") == "object" and "properties" in schema:
            schema["additionalProperties"] = False
    c = march[0]
    Assignment.objects.create(call=c, unit=UnitFactory(), started_at=c.dispatched_at, ended_at=c.on_scene_at)
    body = api("supervisor").get("/api/v1/reports/summary/", {**MARCH, "heat_map": heat_map}).json()
    assert body["workload"]["units"] and body["workload"]["responders"]
    jsonschema.validate(body, {"$ref": "#/components/schemas/ReportSummary", "components": components})
    assert ("heat_map" in body["coverage"]) == (heat_map == "true")


# --- Local hours in any time zone ----------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/St_Johns", "Asia/Kathmandu"])
def test_calls_land_in_their_local_hour_in_a_zone_off_the_whole_hour(settings, zone):
    settings.TIME_ZONE = zone
    here = ZoneInfo(zone)
    for hour, minute in [(8, 0), (8, 15), (8, 59), (9, 0), (23, 59)]:
        call(datetime(2030, 6, 5, hour, minute, tzinfo=here))
    call(datetime(2030, 6, 5, 0, 0, tzinfo=here) - timedelta(seconds=1))  # the day before
    day = reports.heat_map(reports.Range(first=date(2030, 6, 5), last=date(2030, 6, 5)))[0]
    assert [cell.start.hour for cell in day.hours] == list(range(24))
    assert {cell.start.hour: cell.calls for cell in day.hours if cell.calls} == {8: 3, 9: 1, 23: 1}


def test_a_half_hour_zone_counts_right_across_its_clock_changes(settings):
    """St. John's (-03:30, -02:30 in summer): 2:00 becomes 3:00 on 10 March 2030, and 2:00
    becomes 1:00 again on 3 November, so that day has two hours that read 01."""
    settings.TIME_ZONE = "America/St_Johns"
    here = ZoneInfo("America/St_Johns")
    call(datetime(2030, 3, 10, 1, 40, tzinfo=here))
    call(datetime(2030, 3, 10, 3, 10, tzinfo=here))
    call(datetime(2030, 11, 3, 1, 20, tzinfo=here))  # summer time
    call(datetime(2030, 11, 3, 1, 20, fold=1, tzinfo=here))  # an hour later, the clock reads 01:20 again
    call(datetime(2030, 11, 3, 1, 25, fold=1, tzinfo=here))
    spring, autumn = (
        reports.heat_map(reports.Range(first=d, last=d))[0] for d in (date(2030, 3, 10), date(2030, 11, 3))
    )
    assert [(c.start.strftime("%H:%M"), c.calls) for c in spring.hours[:4]] == [
        ("00:00", 0), ("01:00", 1), ("03:00", 1), ("04:00", 0),
    ]  # fmt: skip
    assert [(c.start.isoformat()[11:], c.calls) for c in autumn.hours[:4]] == [
        ("00:00:00-02:30", 0), ("01:00:00-02:30", 1), ("01:00:00-03:30", 2), ("02:00:00-03:30", 0),
    ]  # fmt: skip


def test_a_half_hour_clock_change_makes_a_half_hour_cell(settings):
    """Lord Howe Island goes from +11 back to +10:30 at 02:00 on 7 April 2030: 01:30-02:00 comes
    twice. The day has 24 and a half hours; each call is in the hour its clock showed."""
    settings.TIME_ZONE = "Australia/Lord_Howe"
    here = ZoneInfo("Australia/Lord_Howe")
    call(datetime(2030, 4, 7, 1, 45, tzinfo=here))  # the first time
    call(datetime(2030, 4, 7, 1, 45, fold=1, tzinfo=here))  # the second time
    call(datetime(2030, 4, 7, 2, 10, tzinfo=here))
    day = reports.heat_map(reports.Range(first=date(2030, 4, 7), last=date(2030, 4, 7)))[0]
    assert [(c.start.isoformat()[11:], c.calls) for c in day.hours[1:4]] == [
        ("01:00:00+11:00", 1), ("01:30:00+10:30", 1), ("02:00:00+10:30", 1),
    ]  # fmt: skip
    assert len(day.hours) == 25 and sum(c.calls for c in day.hours) == 3


def test_the_local_hour_of_a_call_is_the_same_in_python_as_in_postgresql(settings):
    """The embedded database finds each call's hour in Python: it must be PostgreSQL's answer."""
    rng = random.Random(11)
    for zone in ("America/Chicago", "Asia/Kolkata", "America/St_Johns", "Australia/Lord_Howe", "Asia/Kathmandu"):
        settings.TIME_ZONE = zone
        CrisisCall.objects.all().delete()
        for _ in range(60):  # around both of 2030's clock changes, wherever they fall
            call(
                datetime(2030, rng.choice([3, 4, 10, 11]), rng.randint(1, 28), tzinfo=UTC)
                + timedelta(seconds=rng.randint(0, 86400))
            )
        report = reports.Range(first=date(2030, 2, 27), last=date(2030, 12, 1))
        received = report.calls().values_list("received_at", flat=True)
        in_python = Counter(hours._hour_key(moment.astimezone(ZoneInfo(zone))) for moment in received)
        assert hours._calls_per_local_hour(report) == in_python, zone


# --- Workload by person --------------------------------------------------------------------------


def test_two_clinicians_with_the_same_name_are_counted_apart(api, client, users):
    first, second = UnitFactory(clinician__name="Alex Kim"), UnitFactory(clinician__name="Alex Kim")
    for unit, calls in [(first, 2), (second, 1)]:
        for i in range(calls):
            c = call(local(6, 8 + 2 * i), 1, 30)
            Assignment.objects.create(call=c, unit=unit, started_at=c.dispatched_at,
                                      ended_at=c.dispatched_at + timedelta(hours=1))  # fmt: skip
    a, b = first.clinician_id, second.clinician_id
    responders = api("supervisor").get("/api/v1/reports/summary/", MARCH).json()["workload"]["responders"]
    clinicians = [r for r in responders if r["role"] == "clinician"]
    assert clinicians == [
        {"responder": f"Alex Kim (clinician #{a})", "role": "clinician", "id": a, "calls": 2, "hours_on_calls": 2.0},
        {"responder": f"Alex Kim (clinician #{b})", "role": "clinician", "id": b, "calls": 1, "hours_on_calls": 1.0},
    ]
    client.force_login(users["supervisor"])
    exported = client.get("/reports/workload-responders.csv", {"start": "2030-03-01", "end": "2030-03-31"})
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0] == ["responder", "calls", "hours_on_calls", "role", "responder_id"]
    assert [f"Alex Kim (clinician #{a})", "2", "2.00", "clinician", str(a)] in rows
    assert [f"Alex Kim (clinician #{b})", "1", "1.00", "clinician", str(b)] in rows


def test_the_pages_heat_map_keeps_every_day_in_the_24_clock_hour_columns(client, users):
    """On the days the clocks change, an hour is missing or doubled: the columns stay put."""
    call(datetime(2030, 11, 3, 1, 30, tzinfo=CHICAGO, fold=0))  # the first 1:30 a.m. (CDT)
    call(datetime(2030, 11, 3, 1, 30, tzinfo=CHICAGO, fold=1))  # the second (CST)
    call(datetime(2030, 11, 3, 5, 10, tzinfo=CHICAGO))
    client.force_login(users["supervisor"])
    page = client.get("/reports/", {"start": "2030-11-02", "end": "2030-11-03"}).content.decode()
    rows = re.findall(r'<tr data-hours="(\d+)">(.*?)</tr>', page, re.S)
    assert [hours for hours, _ in rows] == ["24", "25"]
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", cells) for _, cells in rows]
    assert [len(c) for c in cells] == [24, 24]
    assert (cells[1][1], cells[1][5]) == ("2", "1"), "both 1 a.m. hours in the 01 column, 5 a.m. in 05"
    spring = client.get("/reports/", {"start": "2030-03-10", "end": "2030-03-10"}).content.decode()
    assert 'class="no-hour" title="No such hour: the clocks went forward."' in spring
