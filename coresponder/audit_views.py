"""The audit log page for supervisors: search, page through, export."""

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import render

from coresponder.errors import ApplicationError
from coresponder.forms import form_errors_response
from coresponder.localtime import day_bounds
from coresponder.models import AuditEntry
from coresponder.roles import Role
from coresponder.spreadsheets import Echo, SafeWriter
from coresponder.web import role_required

MAX_EXPORT_ROWS = 200_000


class AuditSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search (action, record, note)")
    actor = forms.CharField(required=False, max_length=150, label="Who (username or 'system')")
    object_type = forms.ChoiceField(
        required=False,
        label="Record",
        choices=[("", "Any"), ("crisiscall", "Calls"), ("call", "Clinical notes read"), ("outcome", "Outcomes"),
                 ("unit", "Units"), ("shift", "Shifts"), ("clinician", "Clinicians"), ("officer", "Officers"),
                 ("login", "Logins"), ("token", "API tokens")],
    )  # fmt: skip
    start = forms.DateField(required=False, label="From")
    end = forms.DateField(required=False, label="To (inclusive)")

    def clean(self):
        cleaned = super().clean()
        # The instants each day starts and ends, kept for ``search``; a date the time zone
        # arithmetic cannot reach (year 1, year 9999) is refused here rather than failing there.
        for name in ("start", "end"):
            if cleaned.get(name):
                try:
                    cleaned[f"{name}_bounds"] = day_bounds(cleaned[name])
                except ApplicationError as error:
                    self.add_error(name, error.detail)
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start and "end" not in self.errors:
            self.add_error("end", "Must be on or after the From date.")
        return cleaned


def search(form: AuditSearchForm):
    entries = AuditEntry.objects.all()
    if not form.is_valid():
        return entries.none()
    data = form.cleaned_data
    if data["q"]:
        entries = entries.filter(Q(action__icontains=data["q"]) | Q(object_id=data["q"]) | Q(note__icontains=data["q"]))
    if data["actor"]:
        entries = entries.filter(actor_name=data["actor"])
    if data["object_type"]:
        entries = entries.filter(object_type=data["object_type"])
    if data["start"]:
        entries = entries.filter(at__gte=data["start_bounds"][0])
    if data["end"]:
        entries = entries.filter(at__lt=data["end_bounds"][1])
    return entries


@role_required(Role.SUPERVISOR)
def audit_log(request):
    form = AuditSearchForm(request.GET or None)
    entries = search(form) if request.GET else AuditEntry.objects.all()
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    invalid = form.is_bound and not form.is_valid()
    return render(request, "audit.html", {"form": form, "page": page, "query": query.urlencode()},
                  status=400 if invalid else 200)  # fmt: skip


@role_required(Role.SUPERVISOR)
def audit_csv(request):
    form = AuditSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form_errors_response(form)
    entries = (search(form) if request.GET else AuditEntry.objects.all()).order_by("at", "id")[:MAX_EXPORT_ROWS]
    writer = SafeWriter(Echo())

    def rows():
        yield writer.writerow(["at", "actor", "ip", "source", "action", "object_type", "object_id", "changes", "note"])
        for e in entries.iterator(chunk_size=2000):
            yield writer.writerow([e.at.isoformat(), e.actor_name, e.ip or "", e.source, e.action, e.object_type,
                                   e.object_id, e.changes, e.note])  # fmt: skip

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response
