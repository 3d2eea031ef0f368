from django.http import HttpResponse


def form_errors_response(form) -> HttpResponse:
    """A 400 in plain text naming each field by its label, for what a browser downloads (CSV)."""
    text = "; ".join(f"{form.fields[name].label if name in form.fields else name}: {' '.join(errors)}"
                     for name, errors in form.errors.items())  # fmt: skip
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


class ApplicationErrorMixin:
    """Lets a form show a service's refusal (an ApplicationError) next to the fields it names,
    in the same words the API gives."""

    def add_application_error(self, error) -> None:
        """Each sentence next to the field it names; the sentences about something the form has
        no field for at the top; the whole refusal at the top when it names no field here."""
        placed, elsewhere = False, []
        for name, sentences in error.fields.items():
            if name in self.fields:
                for sentence in sentences:
                    self.add_error(name, sentence)
                placed = True
            else:
                elsewhere += sentences
        if not placed:
            self.add_error(None, error.detail)
        elif elsewhere:
            self.add_error(None, " ".join(elsewhere))
