"""The roster's REST API: clinicians, officers, shift templates, shifts, units, and a unit's
status and location.

Views parse and authorise; ``units.services`` decides. Serializers here only validate shapes.
"""

from units.api.common import ID_PATTERN
from units.api.people import ClinicianViewSet, OfficerViewSet
from units.api.shifts import ShiftViewSet
from units.api.templates import ShiftTemplateViewSet
from units.api.units import UnitViewSet

__all__ = ["ID_PATTERN", "ClinicianViewSet", "OfficerViewSet", "ShiftTemplateViewSet", "ShiftViewSet", "UnitViewSet"]
