"""The consents' and transfers' OpenAPI operations, fuzzed from the served schema as caseworker A with valid
and invalid input: no 5xx, and every answer matches the schema (as tests/api/test_api_schema.py does for the
case records)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from accounts.services import token_issue
from tests.api.test_api_schema import CHECKS, connection_kept_open  # noqa: F401 - the fixture is used by name

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
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_5xx_and_responses_match_the_schema(settings, caseworker_a, case_a, transfer_consent, shelter_b, mode):
    settings.ALLOWED_HOSTS = ["*"]
    headers = {"Authorization": f"Token {token_issue(user=caseworker_a)[1]}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    operations = [result.ok() for result in schema.include(path_regex=OUR_PATHS).get_all_operations()]
    assert len(operations) >= 9
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=6, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
        )
        def call(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            call()
        except Unsatisfiable:
            assert mode == GenerationMode.NEGATIVE, operation.label
        except Exception as failure:  # noqa: BLE001 - collect them all, then report every one
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)
