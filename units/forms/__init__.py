from units.forms.pairing import AcceptSuggestionsForm, UnitPairForm

__all__ = ["AcceptSuggestionsForm", "UnitPairForm"]
