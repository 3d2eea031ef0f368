"""Every change to calls, one module a concern. Callers import from this package.

- ``intake``: a call comes in, once, however often the 911 CAD repeats it;
- ``moves``: the one place a call changes status (``call_transition``, and ``move`` under it);
- ``assignment``: a dispatcher's assignment, the automatic dispatcher and the queue;
- ``updates``: updates from 911 and a dispatcher's corrections, and the safety alerts they raise;
- ``notes``: a call's timeline of notes;
- ``triage``: the crisis line resolving a call by phone;
- ``outcomes``: how a cleared call ended, which closes it;
- ``sweeper``: recovers lost work and keeps alerts true;
- ``retention``: erases caller details and narratives after their time.

The API, the web pages and the Celery tasks all call these functions; none holds a rule.
"""

from dispatch.services.assignment import call_assign, call_auto_assign, queue_serve
from dispatch.services.intake import call_intake
from dispatch.services.moves import call_transition, mover_for
from dispatch.services.notes import call_add_note, clinical_notes_read
from dispatch.services.outcomes import call_record_outcome, outcome_narratives_read
from dispatch.services.retention import calls_erase_personal_data
from dispatch.services.sweeper import SweepReport, sweep
from dispatch.services.triage import call_resolve_by_phone
from dispatch.services.updates import call_acknowledge_alerts, call_update

__all__ = [
    "SweepReport",
    "call_acknowledge_alerts",
    "call_add_note",
    "call_assign",
    "call_auto_assign",
    "call_intake",
    "call_record_outcome",
    "call_resolve_by_phone",
    "call_transition",
    "call_update",
    "calls_erase_personal_data",
    "clinical_notes_read",
    "mover_for",
    "outcome_narratives_read",
    "queue_serve",
    "sweep",
]
