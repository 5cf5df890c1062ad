"""The meetings admin for program staff: dates with their year, the days a meeting met as date pickers (not a raw
"[]"), and merging duplicate organizations ("DIF Oaxaca" and "DIF of Oaxaca") in one audited step."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from meetings import services
from meetings.admin import meeting_days_label
from meetings.models import Meeting, Organization
from shelters.models import AuditEntry

pytestmark = pytest.mark.django_db

ADD = "/admin/meetings/meeting/add/"
ORGANIZATIONS = "/admin/meetings/organization/"
# The merge choice page, whatever the number chosen (measured: 14 with the session, user and admin chrome).
QUERIES = 14


@pytest.fixture
def staff_client(client, program_staff):
    client.force_login(program_staff)
    return client


def meeting(**fields):
    data = {"component": "networks", "state": "OAX", "topic": "Mesa interinstitucional", "participants_total": 3}
    data.update(fields)
    data.setdefault("end_date", data["start_date"])
    return Meeting.objects.create(**data)


def form_data(**fields):
    data = {
        "component": "networks",
        "start_date": "2007-10-24",
        "end_date": "2007-10-26",
        "topic": "Mesa interinstitucional",
        "state": "OAX",
        "participants_total": "4",
        "participants_male": "",
        "participants_female": "",
        "participants_description": "",
        "subheading": "",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize(
    ("fields", "spanish", "english"),
    [
        ({"start_date": date(2007, 10, 2)}, "2 de octubre de 2007", "Oct. 2, 2007"),
        (
            {"start_date": date(2007, 10, 16), "end_date": date(2007, 10, 17)},
            "16 de octubre de 2007 al 17 de octubre de 2007",
            "Oct. 16, 2007 to Oct. 17, 2007",
        ),
        (
            {"start_date": date(2007, 10, 24), "end_date": date(2007, 10, 26), "dates": ["2007-10-24", "2007-10-26"]},
            "24 de octubre de 2007 y 26 de octubre de 2007",
            "Oct. 24, 2007 and Oct. 26, 2007",
        ),
    ],
)
def test_a_meeting_date_has_its_year_in_the_readers_language(fields, spanish, english):
    from django.utils import translation

    shown = meeting(**fields)
    with translation.override("es"):
        assert meeting_days_label(shown) == spanish
    with translation.override("en"):
        assert meeting_days_label(shown) == english


def test_the_meeting_list_shows_each_date_with_its_year(staff_client):
    meeting(start_date=date(2007, 10, 2))
    meeting(start_date=date(2008, 1, 10))

    html = staff_client.get("/admin/meetings/meeting/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "2 de octubre de 2007" in html and "10 de enero de 2008" in html


def test_the_days_are_date_pickers_not_a_raw_list(staff_client):
    html = staff_client.get(ADD, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    pickers = re.findall(r'<input type="date" name="dates"[^>]*>', html)
    assert len(pickers) >= 3
    assert '<label for="id_dates">Días en que se reunió:</label>' in html
    assert "[]" not in re.sub(r"<script.*?</script>", "", html, flags=re.S)
    assert 'name="dates"' not in html.replace('<input type="date" name="dates"', "")


def test_listed_days_are_saved_sorted_and_shown_back(staff_client):
    data = form_data(dates=["2007-10-26", "", "2007-10-24"])

    response = staff_client.post(ADD, data)

    assert response.status_code == 302, response.content.decode()[-3000:]
    saved = Meeting.objects.get()
    assert saved.dates == ["2007-10-24", "2007-10-26"]
    html = staff_client.get(f"/admin/meetings/meeting/{saved.pk}/change/").content.decode()
    assert re.search(r'<input type="date" name="dates" value="2007-10-24"', html)
    assert re.search(r'<input type="date" name="dates" value="2007-10-26"', html)
    # Opened and saved again unchanged: no change recorded.
    before = AuditEntry.objects.filter(record_type="meeting").count()
    staff_client.post(f"/admin/meetings/meeting/{saved.pk}/change/", data)
    assert AuditEntry.objects.filter(record_type="meeting").count() == before


def test_a_plain_range_needs_no_listed_day_and_a_bad_one_is_refused_in_spanish(staff_client):
    assert staff_client.post(ADD, form_data(dates=["", "", ""])).status_code == 302
    assert Meeting.objects.get().dates == []

    outside = staff_client.post(ADD, form_data(dates=["2007-11-30"]), HTTP_ACCEPT_LANGUAGE="es")
    garbled = staff_client.post(ADD, form_data(dates=["26/10/2007"]), HTTP_ACCEPT_LANGUAGE="es")

    assert outside.status_code == garbled.status_code == 200
    assert "Cada día indicado debe estar entre la fecha de inicio y la de término." in outside.content.decode()
    assert "AAAA-MM-DD" in garbled.content.decode()
    assert Meeting.objects.count() == 1


@pytest.fixture
def duplicates():
    keep = Organization.objects.create(name="DIF Oaxaca", sector="government")
    other = Organization.objects.create(name="DIF of Oaxaca", acronym="DIF")
    third = Organization.objects.create(name="Sistema DIF Oaxaca")
    unrelated = Organization.objects.create(name="Fiscalía General", acronym="FGE")
    first = meeting(start_date=date(2007, 10, 2))
    first.organizations.add(keep, other)
    second = meeting(start_date=date(2007, 11, 5))
    second.organizations.add(other, unrelated)
    third_meeting = meeting(start_date=date(2007, 12, 1))
    third_meeting.organizations.add(third)
    return {"keep": keep, "others": [other, third], "unrelated": unrelated, "meetings": [first, second, third_meeting]}


def test_merging_moves_every_meeting_to_the_one_kept_and_deletes_the_others(duplicates, program_staff):
    keep, others = duplicates["keep"], duplicates["others"]

    services.organizations_merge(actor=program_staff, keep=keep, others=others, channel="admin")

    assert set(Organization.objects.values_list("name", flat=True)) == {"DIF Oaxaca", "Fiscalía General"}
    first, second, third = (Meeting.objects.get(pk=m.pk) for m in duplicates["meetings"])
    assert list(first.organizations.all()) == [keep]
    assert set(second.organizations.all()) == {keep, duplicates["unrelated"]}
    assert list(third.organizations.all()) == [keep]
    keep.refresh_from_db()
    # What the kept one lacked is taken from a duplicate; what it had stays.
    assert (keep.name, keep.acronym, keep.sector) == ("DIF Oaxaca", "DIF", "government")
    trail = AuditEntry.objects.filter(actor=program_staff)
    assert {(e.record_type, e.record_id, e.action) for e in trail} == {
        *{("meeting", str(m.pk), "change") for m in duplicates["meetings"]},
        ("organization", str(keep.pk), "change"),
        *{("organization", str(o.pk), "delete") for o in others},
    }
    assert trail.get(record_type="organization", action="change").fields == ["acronym", "meetings"]


def test_a_merge_that_fails_changes_nothing(duplicates, program_staff, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit_write", broken)
    with pytest.raises(RuntimeError):
        services.organizations_merge(
            actor=program_staff, keep=duplicates["keep"], others=duplicates["others"], channel="admin"
        )

    assert Organization.objects.count() == 4
    assert set(duplicates["meetings"][1].organizations.all()) == {duplicates["others"][0], duplicates["unrelated"]}


def test_the_merge_action_asks_which_to_keep_then_merges(duplicates, staff_client):
    keep, others = duplicates["keep"], duplicates["others"]
    selected = [str(o.pk) for o in (keep, *others)]

    page = staff_client.post(
        ORGANIZATIONS, {"action": "merge_organizations", ACTION_CHECKBOX_NAME: selected}, HTTP_ACCEPT_LANGUAGE="es"
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert "Fusionar organizaciones" in html
    assert all(f'name="keep" value="{pk}"' in html for pk in selected)
    assert Organization.objects.count() == 4

    done = staff_client.post(
        ORGANIZATIONS,
        {"action": "merge_organizations", ACTION_CHECKBOX_NAME: selected, "keep": str(keep.pk)},
        HTTP_ACCEPT_LANGUAGE="es",
        follow=True,
    )

    assert "2 organizaciones fusionadas en DIF Oaxaca (DIF)." in done.content.decode()
    assert list(Organization.objects.order_by("name").values_list("name", flat=True)) == [
        "DIF Oaxaca",
        "Fiscalía General",
    ]


def test_the_merge_action_is_offered_in_spanish_and_needs_two(duplicates, staff_client):
    html = staff_client.get(ORGANIZATIONS, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert ">Fusionar organizaciones</option>" in html

    one = staff_client.post(
        ORGANIZATIONS,
        {"action": "merge_organizations", ACTION_CHECKBOX_NAME: [str(duplicates["keep"].pk)]},
        HTTP_ACCEPT_LANGUAGE="es",
        follow=True,
    )
    assert "Seleccione al menos dos organizaciones para fusionar." in one.content.decode()
    assert Organization.objects.count() == 4


@pytest.mark.parametrize("extra", [0, 10])
def test_the_choice_page_takes_a_fixed_number_of_queries(duplicates, staff_client, django_assert_num_queries, extra):
    for number in range(extra):
        Organization.objects.create(name=f"Duplicado {number}")
    selected = [str(o.pk) for o in Organization.objects.all()]
    staff_client.get(ORGANIZATIONS)  # the session and the user, once

    with django_assert_num_queries(QUERIES):
        page = staff_client.post(ORGANIZATIONS, {"action": "merge_organizations", ACTION_CHECKBOX_NAME: selected})

    assert page.content.decode().count('name="keep"') == 4 + extra


def test_only_program_staff_may_merge(duplicates, client, coordinator_a):
    client.force_login(coordinator_a)
    selected = [str(o.pk) for o in Organization.objects.all()]

    response = client.post(
        ORGANIZATIONS,
        {"action": "merge_organizations", ACTION_CHECKBOX_NAME: selected, "keep": str(duplicates["keep"].pk)},
    )

    assert response.status_code in (302, 403)
    assert Organization.objects.count() == 4
