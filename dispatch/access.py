"""Who may read and change what of a call: the one place that answers it (SPEC §2, Outcome).

A call's people are the clinician and the officer of each unit sent to it, as the unit was
paired when it was sent (``Assignment.clinician`` and ``.officer``), never whoever is paired into
that unit today: a supervisor who re-pairs a unit gives the newcomer none of its earlier calls,
and the people who worked them keep them.

- **Reading a call** (its caller details, history and notes that are not clinical): intake,
  dispatchers and supervisors; a counselor, the calls that came through triage; a clinician or
  an officer, the calls they were on.
- **Clinical data** (the narrative, the referral, clinical notes): the clinicians who were on the
  call, and supervisors. Never an officer, a dispatcher or intake.
- **Working the call** (moving it, as a member): the people of the assignment that holds it.
- **Adding notes** as a member: anyone who was on the call; clinical ones, its clinicians.
- **Recording the outcome**: the clinician of the call's last assignment, or a supervisor.
"""

from __future__ import annotations

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When

from coresponder.roles import Role, has_role
from dispatch.models import Assignment, CallEvent, CallNote, CrisisCall
from units.membership import member_filter
from units.models import Unit

READERS = (Role.INTAKE, Role.DISPATCHER, Role.SUPERVISOR)
MEMBER_ROLES = (Role.CLINICIAN, Role.OFFICER)


def _people(user, *, clinicians_only: bool = False) -> Q:
    """Assignments with ``user`` among their people."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    return Q(clinician__user=user) if clinicians_only else member_filter(user)


def through_triage() -> Q:
    """Calls that are, or were, in the crisis line's triage: what a counselor may read."""
    return Q(status=CrisisCall.Status.TRIAGE) | Q(
        Exists(CallEvent.objects.filter(call=OuterRef("pk"), from_status=CrisisCall.Status.TRIAGE))
    )


def worked_by(user, *, clinicians_only: bool = False) -> Q:
    """Calls ``user`` was on (as a clinician, with ``clinicians_only``), whichever unit they are in now."""
    return Q(Exists(Assignment.objects.filter(_people(user, clinicians_only=clinicians_only), call=OuterRef("pk"))))


def readable_calls(user, calls: QuerySet[CrisisCall]) -> QuerySet[CrisisCall]:
    """The calls of ``calls`` that ``user`` may read. A clinician's are marked ``was_clinician``
    so that showing many of them asks ``may_read_clinical`` no more questions."""
    if has_role(user, *READERS):
        return calls
    if has_role(user, Role.COUNSELOR):
        return calls.filter(through_triage())
    if has_role(user, *MEMBER_ROLES):
        return calls.filter(worked_by(user)).annotate(was_clinician=worked_by(user, clinicians_only=True))
    return calls.none()


def may_read_clinical(user, call: CrisisCall) -> bool:
    """The narrative, the referral and clinical notes: the call's clinicians and supervisors."""
    if has_role(user, Role.SUPERVISOR):
        return True
    if not has_role(user, Role.CLINICIAN):
        return False
    known = getattr(call, "was_clinician", None)
    if known is not None:
        return known
    return Assignment.objects.filter(_people(user, clinicians_only=True), call_id=call.pk).exists()


def _holding_people(call: CrisisCall) -> tuple[int | None, int | None] | None:
    """The logins of the clinician and officer of the assignment that holds ``call`` (its unit's
    latest; after the call cleared, the last), or None when no unit has it."""
    if call.unit_id is None:
        return None
    return (
        Assignment.objects.filter(call_id=call.pk, unit_id=call.unit_id)
        .order_by("-started_at", "-id")
        .values_list("clinician__user_id", "officer__user_id")
        .first()
    )


def is_on_call(user, call: CrisisCall) -> bool:
    """Whether ``user`` is one of the people of the unit that has ``call`` (or had it last)."""
    people = _holding_people(call) if user is not None and user.is_authenticated else None
    return people is not None and user.pk in people


def may_add_note(user, call: CrisisCall, *, clinical: bool) -> bool:
    """Clinical notes: the call's clinicians. Others: the call's people, and the roles that write notes."""
    if clinical:
        return has_role(user, Role.CLINICIAN) and may_read_clinical(user, call)
    if has_role(user, Role.INTAKE, Role.DISPATCHER, Role.COUNSELOR):
        return True
    return has_role(user, *MEMBER_ROLES) and Assignment.objects.filter(_people(user), call_id=call.pk).exists()


def may_record_outcome(user, call: CrisisCall) -> bool:
    """The clinician of the call's last assignment, or a supervisor."""
    if has_role(user, Role.SUPERVISOR):
        return True
    people = _holding_people(call) if user is not None and user.is_authenticated else None
    return people is not None and people[0] == user.pk


def call_notes_for(user, call: CrisisCall) -> QuerySet[CallNote]:
    """The notes of ``call`` that ``user`` may read, newest first."""
    notes = call.call_notes.filter(erased_at__isnull=True)
    return notes if may_read_clinical(user, call) else notes.filter(clinical=False)


# --- The phone page -------------------------------------------------------------------------------


def current_call(user, unit: Unit, call_id: int | None = None) -> CrisisCall | None:
    """The call ``user`` is on in ``unit``, or their cleared call still waiting for its outcome
    (the latest cleared first). With ``call_id``, that one of these calls: a cleared call opened
    from the shift's list to record its outcome while another call is on."""
    holding = Assignment.objects.filter(_people(user), call=OuterRef("pk"), unit=unit).filter(
        Q(ended_at__isnull=True) | Q(end_reason=Assignment.EndReason.CLEARED)
    )
    calls = CrisisCall.objects.filter(pk=call_id) if call_id is not None else CrisisCall.objects.all()
    return (
        calls.filter(unit=unit, status__in=(*CrisisCall.WITH_UNIT_STATUSES, CrisisCall.Status.CLEARED))
        .filter(Exists(holding))
        .select_related("unit__clinician", "unit__officer")
        .order_by(Case(When(status=CrisisCall.Status.CLEARED, then=Value(1)), default=Value(0)), "-status_changed_at")
        .first()
    )


def recent_calls(user, unit: Unit, limit: int = 10) -> QuerySet[CrisisCall]:
    """The latest calls ``user`` was on in ``unit``."""
    worked_here = Assignment.objects.filter(_people(user), call=OuterRef("pk"), unit=unit)
    return CrisisCall.objects.filter(Exists(worked_here)).select_related("outcome").order_by("-received_at")[:limit]
