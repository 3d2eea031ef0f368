"""The call's state machine: every allowed move and who may make it. Nothing else is allowed.

    triage   ──► received (send a unit) | held (the same, for a flagged call) | closed (resolved
                 by phone) | returned_to_911 | cancelled                (triage mode only)
    received ──► dispatched | queued | held            (automatic dispatcher)
    held     ──► received (released) | dispatched (manual) | returned_to_911 | cancelled
    queued   ──► dispatched | held (a flag raised by an update) | cancelled | returned_to_911
    dispatched ► en_route | queued (unit declined/reassigned) | held (the same, for a flagged call
                 never released) | cancelled
    en_route ──► on_scene | cancelled
    on_scene ──► transporting | cleared
    transporting ► cleared
    cleared  ──► closed                                 (outcome recorded)
    closed, cancelled, returned_to_911: terminal

Reassignment (a dispatcher's ``assign`` on a dispatched or en-route call) frees the old unit and
leaves the call dispatched to the new one.

The status sets (waiting, with a unit, open, terminal) are defined once, on the model
(``CrisisCall.WAITING_STATUSES`` and the rest).

Who moves a call:
- SYSTEM: the automatic dispatcher (dispatch, queue, hold);
- DISPATCHER: any allowed move; hold, cancel and return to 911 are theirs alone;
- MEMBER: the assigned unit's clinician or officer, through en route, on scene, transporting
  and cleared;
- COUNSELOR: the crisis line's counselor, deciding a call in triage (with the dispatcher);
- OUTCOME: closing a cleared call, which only recording the outcome does.

Where a call goes to wait for the automatic dispatcher (received, queued), the safety hold may
send it to held instead (dispatch/safety.py): those moves are in the table too.
"""

from enum import StrEnum

from dispatch.models import CrisisCall

S = CrisisCall.Status


class Mover(StrEnum):
    SYSTEM = "system"
    DISPATCHER = "dispatcher"
    MEMBER = "member"
    COUNSELOR = "counselor"
    OUTCOME = "outcome"


SYSTEM, DISPATCHER, MEMBER, COUNSELOR, OUTCOME = (
    Mover.SYSTEM, Mover.DISPATCHER, Mover.MEMBER, Mover.COUNSELOR, Mover.OUTCOME
)  # fmt: skip

MOVES: dict[tuple[str, str], frozenset[Mover]] = {
    (S.TRIAGE, S.RECEIVED): frozenset({COUNSELOR, DISPATCHER}),
    (S.TRIAGE, S.HELD): frozenset({COUNSELOR, DISPATCHER}),
    (S.TRIAGE, S.CLOSED): frozenset({COUNSELOR}),
    (S.TRIAGE, S.RETURNED_TO_911): frozenset({COUNSELOR, DISPATCHER}),
    (S.TRIAGE, S.CANCELLED): frozenset({COUNSELOR, DISPATCHER}),
    (S.RECEIVED, S.DISPATCHED): frozenset({SYSTEM, DISPATCHER}),
    (S.RECEIVED, S.QUEUED): frozenset({SYSTEM, DISPATCHER}),
    (S.RECEIVED, S.HELD): frozenset({SYSTEM, DISPATCHER}),
    (S.HELD, S.RECEIVED): frozenset({DISPATCHER}),
    (S.HELD, S.DISPATCHED): frozenset({DISPATCHER}),
    (S.HELD, S.RETURNED_TO_911): frozenset({DISPATCHER}),
    (S.HELD, S.CANCELLED): frozenset({DISPATCHER}),
    (S.QUEUED, S.DISPATCHED): frozenset({SYSTEM, DISPATCHER}),
    (S.QUEUED, S.HELD): frozenset({SYSTEM, DISPATCHER}),
    (S.QUEUED, S.CANCELLED): frozenset({DISPATCHER}),
    (S.QUEUED, S.RETURNED_TO_911): frozenset({DISPATCHER}),
    (S.DISPATCHED, S.EN_ROUTE): frozenset({DISPATCHER, MEMBER}),
    (S.DISPATCHED, S.QUEUED): frozenset({SYSTEM, DISPATCHER}),
    (S.DISPATCHED, S.HELD): frozenset({SYSTEM, DISPATCHER}),
    (S.DISPATCHED, S.CANCELLED): frozenset({DISPATCHER}),
    (S.EN_ROUTE, S.ON_SCENE): frozenset({DISPATCHER, MEMBER}),
    (S.EN_ROUTE, S.CANCELLED): frozenset({DISPATCHER}),
    (S.ON_SCENE, S.TRANSPORTING): frozenset({DISPATCHER, MEMBER}),
    (S.ON_SCENE, S.CLEARED): frozenset({DISPATCHER, MEMBER}),
    (S.TRANSPORTING, S.CLEARED): frozenset({DISPATCHER, MEMBER}),
    (S.CLEARED, S.CLOSED): frozenset({OUTCOME}),
}

# A dispatcher may move a call in these statuses to another unit: it becomes dispatched again,
# to the new unit (dispatch.services.moves.reassign), and the old unit is freed.
REASSIGNABLE = frozenset({S.DISPATCHED, S.EN_ROUTE})
# The milestone timestamp each status sets on the call, the first time it is reached.
MILESTONES = {
    S.DISPATCHED: "dispatched_at",
    S.EN_ROUTE: "en_route_at",
    S.ON_SCENE: "on_scene_at",
    S.CLEARED: "cleared_at",
    S.CLOSED: "closed_at",
}


def is_allowed(from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in MOVES


def may_move(mover: Mover, from_status: str, to_status: str) -> bool:
    return mover in MOVES.get((from_status, to_status), frozenset())


def next_statuses(from_status: str, mover: Mover) -> list[str]:
    """The moves ``mover`` may make from ``from_status``, in the table's order (for buttons)."""
    return [to for (frm, to), movers in MOVES.items() if frm == from_status and mover in movers]
