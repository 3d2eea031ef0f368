"""CSV that is safe to open in a spreadsheet.

Names, notes and addresses are typed by people, and a cell that starts with ``=``, ``+``, ``-``,
``@`` (or a tab or carriage return) is run as a formula by Excel and LibreOffice: a caller's name
of ``=HYPERLINK(...)`` would become a live link in a supervisor's export. Such text is written
with a leading apostrophe, which spreadsheets show as plain text (OWASP's advice). Numbers are
left alone, so a negative figure stays a number.
"""

import csv
import json

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def cell(value) -> str | int | float:
    """One value as a spreadsheet cell: blanks for None, ISO 8601 for dates, JSON for structures."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


class SafeWriter:
    """csv.writer whose every cell goes through cell(); writerow returns the line written."""

    def __init__(self, file):
        self._writer = csv.writer(file)

    def writerow(self, row):
        return self._writer.writerow([cell(value) for value in row])


class Echo:
    """A file that hands back what is written to it, for streaming a CSV row by row."""

    def write(self, value):
        return value
