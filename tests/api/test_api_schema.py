"""The OpenAPI schema: generated without warnings, served at /api/schema/, with offline docs at
/api/docs/; and a schemathesis run over it, as caseworker A, finds no 5xx and no response
that breaks the schema."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.services import token_issue
from tests.api.fuzz import MODES, connection_kept_open, schema_failures  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.django_db

# Ours: the token, shelters and the case records (other apps test their own endpoints).
OUR_PATHS = (
    r"^/api/v1/(auth/token/|shelters/(\{slug\}/)?"
    r"|(victims|services|referrals|legal-actions|follow-ups|trainings)/(\{id\}/)?)$"
)


def test_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns any warning (an unresolved field, a missing type) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert "/api/v1/victims/{id}/" in (tmp_path / "schema.yaml").read_text()


def test_schema_documents_every_endpoint_field_choice_and_error(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    paths, components = schema["paths"], schema["components"]["schemas"]

    for path in ["victims", "services", "referrals", "legal-actions", "follow-ups", "trainings", "shelters"]:
        assert f"/api/v1/{path}/" in paths
    assert "/api/v1/auth/token/" in paths
    assert set(paths["/api/v1/services/"]["post"]["responses"]) >= {"201", "400", "401", "403", "404", "409"}
    assert set(paths["/api/v1/victims/{id}/"]) >= {"get", "put", "patch", "delete"}
    assert "put" not in paths["/api/v1/services/{id}/"]
    assert set(paths["/api/v1/victims/{id}/"]["get"]["responses"]) >= {"200", "401", "403", "404"}
    assert components["CategoryEnum"]["enum"] == [
        "legal",
        "medical",
        "mental_health",
        "social",
        "vocational_training",
        "schooling",
    ]
    victim = components["Victim"]["properties"]
    assert victim["case_code"]["readOnly"] is True
    assert victim["exploitation_types"]["type"] == "array"
    filters = {parameter["name"] for parameter in paths["/api/v1/victims/"]["get"]["parameters"]}
    assert filters >= {"shelter", "role", "tip_victim", "active_on", "date_from", "date_to", "page", "page_size"}
    service_filters = {parameter["name"] for parameter in paths["/api/v1/services/"]["get"]["parameters"]}
    assert service_filters >= {"shelter", "victim", "date_from", "date_to", "category"}


def test_docs_are_served_without_internet(api_client):
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page


@pytest.mark.usefixtures("connection_kept_open")
@pytest.mark.parametrize("mode", MODES)
def test_no_5xx_and_responses_match_the_schema(settings, caseworker_a, coordinator_a, records_a, records_b, mode):
    """Every operation of ours, fuzzed from the served schema with valid and with invalid input."""
    settings.ALLOWED_HOSTS = ["*"]
    headers = {"Authorization": f"Token {token_issue(user=caseworker_a)[1]}"}

    failures = schema_failures(path_regex=OUR_PATHS, headers=headers, mode=mode, at_least=30)

    assert not failures, "\n\n".join(failures)
