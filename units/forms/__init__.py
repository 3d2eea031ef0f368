from units.forms.pairing import UnitPairForm

__all__ = ["UnitPairForm"]
