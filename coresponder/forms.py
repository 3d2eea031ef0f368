class ApplicationErrorMixin:
    """Lets a form show a service's refusal (an ApplicationError) next to the fields it names,
    in the same words the API gives."""

    def add_application_error(self, error) -> None:
        placed = False
        for name, sentences in error.fields.items():
            if name in self.fields:
                for sentence in sentences:
                    self.add_error(name, sentence)
                placed = True
        if not placed:
            self.add_error(None, error.detail)
