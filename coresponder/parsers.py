"""The API's one body parser: DRF's JSONParser, with the two bodies it cannot take refused in
the error shape (coresponder.errors) instead of crashing or answering Django's HTML page.

- Nested deeper than Python's recursion limit (about 935 levels of ``[``), the json module raises
  RecursionError, which DRF does not catch: a 500 on every endpoint that reads a body.
- Over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: DRF reads the request's stream directly, which Django's
  limit does not guard, so a body of any size would be read into memory and parsed. It is
  refused from its declared length before a byte is read, as Django refuses forms.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers
from rest_framework.exceptions import ParseError

TOO_DEEP = "The JSON is nested too deeply to read."


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP)
