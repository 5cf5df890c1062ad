"""Bringing records: a coordinator downloads the Excel template, checks a filled one (a dry run that lists
every row's errors by row and column), imports it (all rows or none), and exports the shelter's own records.

The reading, the rules and the audit are `shelters.spreadsheets`' and `shelters.services`'; the file is read
from the upload and never kept (it holds names).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from shelters import spreadsheets
from shelters.selectors import records_visible_to, victims_visible_to
from web.views.common import shelter_staff_page
from web.views.trail import coordinated_shelter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Filled-in template (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX}),
    )


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@shelter_staff_page(record_type=None)
def records_page(request: HttpRequest) -> HttpResponse:
    shelter = coordinated_shelter(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        dry_run = request.POST.get("action") != "import"
        try:
            rows = spreadsheets.read_rows(form.cleaned_data["file"])
        except spreadsheets.ImportRefused as error:
            form.add_error("file", str(error))
        else:
            result = spreadsheets.import_victims(actor=request.user, shelter=shelter, rows=rows, dry_run=dry_run)
            if result.saved:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d case imported: %(first)s to %(last)s.",
                        "%(count)d cases imported: %(first)s to %(last)s.",
                        len(result.case_codes),
                    )
                    % {"count": len(result.case_codes), "first": result.case_codes[0], "last": result.case_codes[-1]}
                    if result.case_codes
                    else _("The file has no rows to import."),
                )
                return redirect("web:records")
    errors = [
        {
            "row": error.row,
            "column": error.column,
            "letter": spreadsheets.column_letter(error.column),
            "message": error.message,
        }
        for error in (result.errors if result else [])
    ]
    return render(request, "web/records.html", {"shelter": shelter, "form": form, "result": result, "errors": errors})


@shelter_staff_page(record_type=None)
def records_template(request: HttpRequest) -> HttpResponse:
    coordinated_shelter(request)
    return _xlsx(spreadsheets.template_xlsx(), "plantilla-casos.xlsx")


@require_POST
@shelter_staff_page(record_type=None)
def records_export(request: HttpRequest) -> HttpResponse:
    """The shelter's own case records as Excel: every record with personal data in it is audited as a view."""
    shelter = coordinated_shelter(request)
    content = spreadsheets.export_xlsx(
        actor=request.user,
        shelter=shelter,
        victims=victims_visible_to(request.user),
        records=lambda model: records_visible_to(request.user, model),
    )
    return _xlsx(content, f"casos-{shelter.slug}-{timezone.localdate():%Y-%m-%d}.xlsx")
