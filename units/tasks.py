from celery import shared_task

from units import services


@shared_task(ignore_result=True)
def follow_clock() -> None:
    """Units come on duty at their shift's start and go off at its end (beat, every ROSTER_CLOCK_INTERVAL)."""
    services.units_follow_clock()
