"""Crisis calls, their history, the units sent to them, their notes and how they ended.

Every change to these rows goes through ``dispatch/services/``; the allowed status moves are
in ``dispatch/transitions.py``.
"""

from dispatch.models.activity import Assignment, CallAlert, CallEvent, CallNote
from dispatch.models.calls import CrisisCall
from dispatch.models.outcomes import Outcome

__all__ = ["Assignment", "CallAlert", "CallEvent", "CallNote", "CrisisCall", "Outcome"]
