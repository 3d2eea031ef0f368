"""How long a unit would take to reach a call.

The default estimate is the great-circle distance times a circuity factor (streets are not
straight lines) divided by an average urban speed, both settings. A routing service can be
plugged in with ``DISPATCH_ETA_ESTIMATOR`` (a dotted path to a class with the same
``seconds`` method); when it fails, the default answers instead, so dispatch never waits on it.
"""

from __future__ import annotations

import logging
import math
from functools import cache
from typing import Protocol

from django.conf import settings
from django.db.models import ExpressionWrapper, F, FloatField, Value
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

EARTH_RADIUS_KM = 6371.0088
Point = tuple[float, float]  # (lat, lon)
# No drive in a city takes a day: a longer (or infinite, or negative) answer is a broken estimator.
MAX_PLAUSIBLE_SECONDS = 86_400.0


def haversine_km(a: Point, b: Point) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


class TravelTimeEstimator(Protocol):
    def seconds(self, origins: list[Point], destination: Point) -> list[float]:
        """Estimated driving seconds from each origin to the destination, in the same order."""


class StraightLineEstimator:
    """Great-circle distance × circuity ÷ average urban speed."""

    def __init__(self, circuity: float | None = None, speed_kmh: float | None = None):
        self.circuity = circuity or settings.DISPATCH_CIRCUITY_FACTOR
        self.speed_kmh = speed_kmh or settings.DISPATCH_URBAN_SPEED_KMH

    def seconds(self, origins: list[Point], destination: Point) -> list[float]:
        return [haversine_km(origin, destination) * self.circuity / self.speed_kmh * 3600 for origin in origins]


@cache
def _configured_estimator() -> TravelTimeEstimator:
    return import_string(settings.DISPATCH_ETA_ESTIMATOR)()


def travel_seconds(origins: list[Point], destination: Point) -> list[float]:
    """The configured estimator's answer, or the default's if it fails or answers nonsense."""
    if not origins:
        return []
    try:
        answer = list(_configured_estimator().seconds(origins, destination))
        if len(answer) == len(origins) and all(0 <= s <= MAX_PLAUSIBLE_SECONDS for s in answer):
            return answer
        logger.warning("ETA estimator gave an unusable answer; using straight-line estimates")
    except Exception:
        logger.exception("ETA estimator failed; using straight-line estimates")
    return StraightLineEstimator().seconds(origins, destination)


def distance_km_expression(lat: float, lon: float, lat_field: str = "lat", lon_field: str = "lon") -> ExpressionWrapper:
    """The great-circle distance from (lat, lon) to a row's location, computed by the database
    so that ranking thousands of units never loads them into Python."""
    lat_rad, lon_rad = Radians(Value(lat)), Radians(Value(lon))
    row_lat, row_lon = Radians(F(lat_field)), Radians(F(lon_field))
    h = Power(Sin((row_lat - lat_rad) / 2), 2) + Cos(lat_rad) * Cos(row_lat) * Power(Sin((row_lon - lon_rad) / 2), 2)
    # LEAST: rounding can push the root a hair above 1, where ASIN fails.
    return ExpressionWrapper(Value(2 * EARTH_RADIUS_KM) * ASin(Least(Sqrt(h), Value(1.0))), output_field=FloatField())
