"""The safety hold: the one rule that decides whether the system may send a call by itself.

A call with any safety flag set (``CrisisCall.SAFETY_FLAGS``: weapons, violence, a medical
emergency, someone actively harming themselves) is never sent automatically to a plain-clothes
unit until a dispatcher releases it -- who and when are recorded on the call. This holds on every
path (SPEC §2):

- at intake, a flagged call is stored held;
- the automatic dispatcher refuses to send a call that awaits release (``dispatch.services.moves``
  asks ``may_send_automatically`` on every dispatch the system makes);
- a flagged call sent by hand and given back (declined, "back to queue") waits held, not queued,
  and so does a flagged call the crisis line sends on (``where_it_waits``);
- a flag raised later clears any release and holds a waiting call again; lowering a flag never
  releases;
- a release of a flagged call needs the dispatcher's safety review note (``release_refusal``).

The database holds the rule too: the check constraint ``call_flagged_waits_for_release`` keeps
a flagged, unreleased call out of the statuses the automatic dispatcher reads
(``CrisisCall.AUTO_DISPATCH_STATUSES``), so a future code path cannot go around it.
"""

from __future__ import annotations

from dispatch.models import CrisisCall

S = CrisisCall.Status


def awaits_release(call: CrisisCall) -> bool:
    """Whether ``call`` is flagged and no dispatcher has released it since the flags were raised."""
    return bool(call.safety_flags) and call.released_at is None


def may_send_automatically(call: CrisisCall) -> bool:
    return not awaits_release(call)


def where_it_waits(call: CrisisCall, to_status: str) -> str:
    """The status a call moving to wait for the automatic dispatcher takes: held instead, while it
    awaits release."""
    if to_status in CrisisCall.AUTO_DISPATCH_STATUSES and awaits_release(call):
        return S.HELD
    return to_status


def release_refusal(call: CrisisCall, note: str) -> str:
    """Why a dispatcher's release of ``call`` is refused ("": it is not): a flagged call is
    released only with a safety review note, which the release event keeps."""
    if call.safety_flags and not (note or "").strip():
        return f"Say why call {call.pk} ({describe(call.safety_flags)}) is safe for a plain-clothes team."
    return ""


def sent_by_hand_refusal(call: CrisisCall, reason: str) -> str:
    """The same review when a dispatcher sends a unit by hand to a flagged call no one has
    released: the reason says why this unit may go (the dispatch event keeps it)."""
    if awaits_release(call) and not (reason or "").strip():
        return f"Say why this unit may go to call {call.pk} ({describe(call.safety_flags)})."
    return ""


def raised_flags(call: CrisisCall, changes: dict) -> list[str]:
    """The safety flags ``changes`` would raise on ``call`` (set now, not set before)."""
    return [flag for flag in CrisisCall.SAFETY_FLAGS if changes.get(flag) and not getattr(call, flag)]


def describe(flags: list[str]) -> str:
    """``weapons, self harm in progress``: flags in a dispatcher's words."""
    return ", ".join(str(CrisisCall._meta.get_field(flag).verbose_name) for flag in flags)
