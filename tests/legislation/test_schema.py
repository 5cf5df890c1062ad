"""The served OpenAPI schema names the contract's fields, and fuzzing the states' and networks' endpoints finds
no 5xx and no answer off the schema."""

from __future__ import annotations

import pytest

from accounts.services import token_issue
from legislation.models import Network
from tests.api.fuzz import MODES, connection_kept_open, schema_failures  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.django_db

OUR_PATHS = r"^/api/v1/(states|palermo-elements|federal-laws|networks)/"


def test_the_schema_names_the_contracts_fields(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    paths, components = schema["paths"], schema["components"]["schemas"]

    assert {
        "/api/v1/states/", "/api/v1/states/{code}/", "/api/v1/states/{code}/changes/", "/api/v1/networks/",
        "/api/v1/networks/{id}/", "/api/v1/palermo-elements/",
    } <= set(paths)  # fmt: skip
    assert {
        "code", "name", "tip_law_status", "tip_law_name", "tip_law_date", "palermo_elements", "task_force_since",
        "meetings",
    } <= set(components["State"]["properties"])  # fmt: skip
    assert "source" in components["PatchedStateUpdateRequest"]["properties"]
    assert {"name", "state", "kind", "organizations", "established_on", "notes"} <= set(
        components["Network"]["properties"]
    )
    assert "quarter" in {parameter["name"] for parameter in paths["/api/v1/states/"]["get"]["parameters"]}


@pytest.mark.usefixtures("connection_kept_open")
@pytest.mark.parametrize("mode", MODES)
def test_no_5xx_and_responses_match_the_schema(settings, program_staff, seeded, mode):
    settings.ALLOWED_HOSTS = ["*"]
    headers = {"Authorization": f"Token {token_issue(user=program_staff)[1]}"}

    failures = schema_failures(path_regex=OUR_PATHS, headers=headers, mode=mode, at_least=10)

    assert not failures, "\n\n".join(failures)
    assert Network.objects.exists() or mode
