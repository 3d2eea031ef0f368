import logging
from datetime import date

from celery import shared_task

from units import services
from units.services import notices

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def follow_clock() -> None:
    """Units come on duty at their shift's start and go off at its end (beat, every ROSTER_CLOCK_INTERVAL)."""
    services.units_follow_clock()


@shared_task(ignore_result=True)
def tell_schedule(user_id: int, week_start_iso: str, kind: str) -> None:
    """A week was published ("published") or changed ("changed"): tell the person of login
    ``user_id`` their shifts in it (units.services.notices). Never fails the worker: a notice that
    cannot be sent is logged, and the roster, My unit and the calendar feed show the schedule."""
    try:
        week_start = date.fromisoformat(week_start_iso)
    except (TypeError, ValueError):
        logger.error("Schedule notice not sent: %r is not a week.", week_start_iso)
        return
    try:
        notices.schedule_tell(user_id=user_id, week_start=week_start, kind=kind)
    except Exception:
        logger.exception("Schedule notice for user %s, week of %s, not sent.", user_id, week_start)
