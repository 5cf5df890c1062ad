"""A month program staff returned shows its comment on the coordinator's Annex 2 page, and can be resubmitted."""

from datetime import date

import pytest

from indicators import review
from indicators.models import MonthSubmission

pytestmark = pytest.mark.django_db


def test_the_returned_months_comment_is_on_the_annex2_page_until_resubmitted(
    client_as, coordinator_a, program_staff, shelter_a
):
    october = date(2007, 10, 1)
    review.month_submit(actor=coordinator_a, shelter=shelter_a, month=october)
    review.month_return(actor=program_staff, shelter=shelter_a, month=october, comment="Falta el servicio del día 5.")
    client = client_as(coordinator_a)

    page = client.get("/annex2/?from=2007-10&to=2007-12").content.decode()
    assert "octubre de 2007 fue devuelto para corrección" in page
    assert "Falta el servicio del día 5." in page

    client.post("/annex2/submit/", {"month": "2007-10", "confirm": "yes"})
    assert MonthSubmission.objects.get().status == "submitted"
    assert "Falta el servicio del día 5." not in client.get("/annex2/").content.decode()
