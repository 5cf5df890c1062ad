"""The consents' and transfers' OpenAPI operations, fuzzed from the served schema as caseworker A with valid
and invalid input: no 5xx, and every answer matches the schema (as tests/api/test_api_schema.py does for the
case records)."""

from __future__ import annotations

import pytest

from accounts.services import token_issue
from tests.api.fuzz import MODES, connection_kept_open, schema_failures  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.django_db

OUR_PATHS = r"^/api/v1/(consents|transfers)/"


def test_the_schema_names_the_contracts_fields(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    assert {"/api/v1/consents/", "/api/v1/transfers/", "/api/v1/transfers/{id}/accept/"} <= set(paths)
    assert set(components["Consent"]["properties"]) == {
        "id", "victim", "purpose", "given_on", "expires_on", "withdrawn_on", "recorded_by", "notes",
    }  # fmt: skip
    assert set(components["Transfer"]["properties"]) == {
        "id", "victim", "from_shelter", "to_shelter", "date", "reason", "share", "status", "received_victim",
    }  # fmt: skip


@pytest.mark.usefixtures("connection_kept_open")
@pytest.mark.parametrize("mode", MODES)
def test_no_5xx_and_responses_match_the_schema(settings, caseworker_a, case_a, transfer_consent, shelter_b, mode):
    settings.ALLOWED_HOSTS = ["*"]
    headers = {"Authorization": f"Token {token_issue(user=caseworker_a)[1]}"}

    failures = schema_failures(path_regex=OUR_PATHS, headers=headers, mode=mode, at_least=9)

    assert not failures, "\n\n".join(failures)
