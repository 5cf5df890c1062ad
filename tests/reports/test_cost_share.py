"""Cost share: exact money, the 50% match at, below and above the limit, and who sees which records."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from meetings.selectors import Quarter
from reports import services
from reports.models import CostShareContribution, Disbursement
from reports.selectors import quarterly_cost_share, within_match
from tests.factories import ShelterFactory
from tests.walls import NO_DOOR

pytestmark = pytest.mark.django_db

Q4 = Quarter(2007, 4)


def contribute(shelter, amount, *, model=CostShareContribution, day=date(2007, 11, 1), **extra):
    data = {"shelter": shelter, "date": day, "amount": Decimal(amount), "currency": "USD", **extra}
    return services.money_record_create(actor=None, model=model, data=data)


@pytest.mark.parametrize(
    ("disbursed", "within"),
    [("500.00", True), ("499.99", True), ("500.01", False), ("0.00", True)],
)
def test_the_50_percent_match_at_below_and_above_the_limit(shelter_a, disbursed, within):
    contribute(shelter_a, "600.00")
    contribute(shelter_a, "400.00", day=date(2007, 12, 31))
    contribute(shelter_a, "9999.00", day=date(2007, 9, 30))  # the quarter before: not counted
    if Decimal(disbursed):
        contribute(shelter_a, disbursed, model=Disbursement, day=date(2007, 10, 1))
    figures = quarterly_cost_share(quarter=Q4)
    row = next(row for row in figures["shelters"] if row["shelter"] == "shelter-a")
    assert row["cost_share_usd"] == Decimal("1000.00")
    assert row["disbursed_usd"] == Decimal(disbursed)
    assert row["match_limit_usd"] == Decimal("500.00")
    assert row["within_match"] is within
    assert figures["all_within_match"] is within


def test_within_match_is_exact_on_odd_cents():
    assert within_match(cost_share_usd=Decimal("0.03"), disbursed_usd=Decimal("0.01"))
    assert not within_match(cost_share_usd=Decimal("0.03"), disbursed_usd=Decimal("0.02"))
    assert within_match(cost_share_usd=Decimal("103873.03"), disbursed_usd=Decimal("51936.51"))
    assert not within_match(cost_share_usd=Decimal("103873.03"), disbursed_usd=Decimal("51936.52"))


def test_pesos_are_converted_at_their_rate_to_the_cent(shelter_a):
    record = contribute(shelter_a, "10000.00", currency="MXN", exchange_rate=Decimal("10.8922"))
    assert record.amount_usd == Decimal("918.09")  # 10,000 / 10.8922 = 918.088...
    contribute(shelter_a, "0.05", currency="USD")
    assert quarterly_cost_share(quarter=Q4)["total_cost_share_usd"] == Decimal("918.14")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"currency": "MXN"}, "exchange_rate"),
        ({"currency": "USD", "exchange_rate": Decimal("10")}, "exchange_rate"),
        ({"currency": "EUR"}, "currency"),
    ],
)
def test_currency_rules(shelter_a, extra, field):
    with pytest.raises(ValidationError) as error:
        contribute(shelter_a, "10.00", **extra)
    assert field in error.value.message_dict
    assert not CostShareContribution.objects.exists()


def test_the_total_across_shelters(shelter_a, shelter_b):
    contribute(shelter_a, "50000.00")
    contribute(shelter_b, "53873.03")
    other = ShelterFactory(agreement_start=date(2008, 1, 1))
    contribute(other, "1.00", day=date(2008, 1, 5))
    figures = quarterly_cost_share(quarter=Q4)
    assert figures["total_cost_share_usd"] == Decimal("103873.03")
    assert [row["shelter"] for row in figures["shelters"]] == ["shelter-a", "shelter-b"]


URL = "/api/v1/cost-share-contributions/"


def test_a_coordinator_keeps_their_own_shelters_cost_share(api_as, coordinator_a, shelter_b):
    client = api_as(coordinator_a)
    response = client.post(
        URL, {"date": "2007-10-31", "amount": "10000.00", "currency": "MXN", "exchange_rate": "10.8922"}, format="json"
    )
    assert response.status_code == 201, response.data
    assert response.json()["shelter"] == "shelter-a"
    assert response.json()["amount_usd"] == "918.09"
    record_id = response.json()["id"]
    assert client.patch(f"{URL}{record_id}/", {"description": "Donations"}, format="json").status_code == 200

    theirs = contribute(shelter_b, "5.00")
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.patch(f"{URL}{theirs.pk}/", {"amount": "1.00"}, format="json").status_code == 404
    assert client.delete(f"{URL}{theirs.pk}/").status_code == 404
    named = client.post(URL, {"shelter": "shelter-b", "date": "2007-10-31", "amount": "1.00"}, format="json")
    assert named.status_code == 404
    assert client.patch(f"{URL}{record_id}/", {"shelter": "shelter-b"}, format="json").status_code == 404
    assert [row["id"] for row in client.get(URL).json()["results"]] == [record_id]
    assert CostShareContribution.objects.filter(shelter=shelter_b).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "abc"}, "amount"),
        ({"amount": "0.00"}, "amount"),
        ({"amount": "10.00", "currency": "MXN"}, "exchange_rate"),
        ({"amount": "10.00", "date": "2007-02-30"}, "date"),
    ],
)
def test_bad_money_answers_400(api_as, coordinator_a, body, field):
    response = api_as(coordinator_a).post(URL, {"date": "2007-10-31", **body}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not CostShareContribution.objects.exists()


def test_program_staff_see_every_shelter_and_name_it(api_as, program_staff, shelter_a, shelter_b):
    contribute(shelter_a, "1.00")
    contribute(shelter_b, "2.00")
    client = api_as(program_staff)
    assert client.get(URL).json()["count"] == 2
    assert client.get(URL, {"shelter": "shelter-b"}).json()["count"] == 1
    assert client.get(URL, {"quarter": "2007-Q3"}).json()["count"] == 0
    missing = client.post(URL, {"date": "2007-10-31", "amount": "1.00"}, format="json")
    assert missing.status_code == 400 and "shelter" in missing.json()
    made = client.post(URL, {"shelter": "shelter-b", "date": "2007-10-31", "amount": "1.00"}, format="json")
    assert made.status_code == 201


def test_disbursements_are_written_by_program_staff_and_read_by_the_coordinator(
    api_as, program_staff, coordinator_a, shelter_a, shelter_b
):
    url = "/api/v1/disbursements/"
    made = api_as(program_staff).post(
        url, {"shelter": "shelter-a", "date": "2007-10-15", "amount": "100.00"}, format="json"
    )
    assert made.status_code == 201
    contribute(shelter_b, "7.00", model=Disbursement)
    coordinator = api_as(coordinator_a)
    assert [row["id"] for row in coordinator.get(url).json()["results"]] == [made.json()["id"]]
    assert coordinator.post(url, {"date": "2007-10-15", "amount": "1.00"}, format="json").status_code == 403
    assert coordinator.patch(f"{url}{made.json()['id']}/", {"amount": "1.00"}, format="json").status_code == 403


@pytest.mark.parametrize("persona", ["caseworker_a", "caseworker_b", "partner"])
def test_others_are_refused(api_as, personas, persona):
    client = api_as(personas[persona])
    for url in (URL, "/api/v1/disbursements/", "/api/v1/cost-share/2007-Q4/"):
        assert client.get(url).status_code == 403


def test_anonymous_gets_401(api_as):
    for url in (URL, "/api/v1/disbursements/", "/api/v1/cost-share/2007-Q4/"):
        assert api_as(None).get(url).status_code == 401


def test_the_quarters_figures_over_the_api(api_as, program_staff, coordinator_a, shelter_a, shelter_b):
    contribute(shelter_a, "1000.00")
    contribute(shelter_a, "500.01", model=Disbursement)
    contribute(shelter_b, "10.00")
    everything = api_as(program_staff).get("/api/v1/cost-share/2007-Q4/").json()
    assert everything["total_cost_share_usd"] == "1010.00"
    assert everything["all_within_match"] is False
    own = api_as(coordinator_a).get("/api/v1/cost-share/2007-Q4/").json()
    assert [row["shelter"] for row in own["shelters"]] == ["shelter-a"]
    assert own["shelters"][0]["within_match"] is False
    bad = api_as(program_staff).get("/api/v1/cost-share/2007-13/")
    assert bad.status_code == 400 and "quarter" in bad.json()


def test_a_rate_that_overflows_the_dollar_amount_answers_400(api_as, coordinator_a):
    body = {"date": "2007-10-31", "amount": "999999999999.99", "currency": "MXN", "exchange_rate": "0.000001"}
    response = api_as(coordinator_a).post(URL, body, format="json")
    assert response.status_code == 400 and "exchange_rate" in response.json()


def test_coordinators_keep_their_own_cost_share_in_admin(client, coordinator_a, caseworker_a, shelter_a, shelter_b):
    own = contribute(shelter_a, "10.00")
    theirs = contribute(shelter_b, "20.00")
    client.force_login(coordinator_a)
    listing = client.get("/admin/reports/costsharecontribution/")
    assert listing.status_code == 200
    assert f"/{own.pk}/change/".encode() in listing.content
    assert f"/{theirs.pk}/change/".encode() not in listing.content
    assert client.get(f"/admin/reports/costsharecontribution/{theirs.pk}/change/").status_code in (302, 404)
    added = client.post(
        "/admin/reports/costsharecontribution/add/",
        {"shelter": shelter_a.pk, "date": "2007-11-02", "amount": "5000.00", "currency": "MXN",
         "exchange_rate": "10.000000", "description": "Donations"},
    )  # fmt: skip
    assert added.status_code == 302
    assert CostShareContribution.objects.get(description="Donations").amount_usd == Decimal("500.00")
    assert client.get("/admin/reports/disbursement/add/").status_code == 403
    client.force_login(caseworker_a)
    assert client.get("/admin/reports/costsharecontribution/").status_code == 403


def test_the_list_takes_two_queries(api_as, program_staff, shelter_a, shelter_b, django_assert_num_queries):
    for index in range(30):
        contribute(shelter_a if index % 2 else shelter_b, "1.00")
    client = api_as(program_staff)
    # 1 count, 1 page of contributions joined to their shelter (for its slug); program staff's no door.
    with django_assert_num_queries(2 + NO_DOOR):
        assert client.get(URL, {"page_size": 100}).json()["count"] == 30
