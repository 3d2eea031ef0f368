"""Every change to the roster, one module a concern. Callers import from this package.

- ``rules``: may this clinician and this officer be paired for this shift (hard and soft rules);
- ``people``: clinicians and officers, and their logins;
- ``templates``: shift templates (their days and staffing targets);
- ``candidates`` and ``gaps``: who is free for a shift, and pairings suggested for a week's gaps;
- ``shifts``: shifts, and a week laid out from templates or copied from last week;
- ``units``: pairings;
- ``publication``: draft and published weeks; ``notices`` tells people of their shifts, and
  ``calendar`` gives each a private calendar feed;
- ``status``: a unit's status and location, as its people set them and as the dispatcher moves it
  with its call (dispatch never writes a unit row itself);
- ``clock``: units on and off duty at their shift's edges.

The API, the web pages and the Celery tasks all call these functions; none holds a rule.
"""

from units.services.calendar import calendar_for, calendar_link_make, calendar_link_revoke
from units.services.clock import units_follow_clock
from units.services.people import responder_save
from units.services.publication import WeekState, week_is_draft, week_of, week_publication, week_publish, week_state
from units.services.rules import HARD, SOFT, Breach, roster_breaches
from units.services.shifts import (
    UNCHANGED,
    WeekReport,
    shift_create,
    shift_delete,
    shift_from_template,
    shift_update,
    week_build_from_templates,
    week_copy,
)
from units.services.status import (
    DOCUMENTING,
    Fix,
    is_documenting,
    unit_engage,
    unit_follow_call,
    unit_record_location,
    unit_release,
    unit_set_status,
    unit_status_entry,
)
from units.services.templates import template_reactivate, template_retire, template_save
from units.services.units import unit_create, unit_delete, unit_update

__all__ = [
    "DOCUMENTING",
    "HARD",
    "SOFT",
    "UNCHANGED",
    "Breach",
    "Fix",
    "WeekReport",
    "WeekState",
    "calendar_for",
    "calendar_link_make",
    "calendar_link_revoke",
    "is_documenting",
    "responder_save",
    "roster_breaches",
    "shift_create",
    "shift_delete",
    "shift_from_template",
    "shift_update",
    "template_reactivate",
    "template_retire",
    "template_save",
    "unit_create",
    "unit_delete",
    "unit_engage",
    "unit_follow_call",
    "unit_record_location",
    "unit_release",
    "unit_set_status",
    "unit_status_entry",
    "unit_update",
    "units_follow_clock",
    "week_build_from_templates",
    "week_copy",
    "week_is_draft",
    "week_of",
    "week_publication",
    "week_publish",
    "week_state",
]
