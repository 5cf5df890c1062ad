"""Fuzzing the served OpenAPI schema with schemathesis: every operation whose path matches, with valid or invalid
input, must answer no 5xx and match the schema. Each app's endpoints are fuzzed by its own tests through this."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


@pytest.fixture
def connection_kept_open():
    """The WSGI app would close the test's database connection after each request, as Django's test client
    also prevents; keep it open so every request sees the test's data, inside its transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def schema_failures(*, path_regex: str, headers: dict[str, str], mode: GenerationMode, at_least: int) -> list[str]:
    """Each matching operation fuzzed (six examples, derandomized); what failed, one entry per operation."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    operations = [result.ok() for result in schema.include(path_regex=path_regex).get_all_operations()]
    assert len(operations) >= at_least, [operation.label for operation in operations]
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
            # Nothing invalid to send: e.g. a GET whose only input is a free-form path string.
            assert mode == GenerationMode.NEGATIVE, operation.label
        except Exception as failure:  # noqa: BLE001 - collect them all, then report every one
            failures.append(f"{operation.label}: {failure}")
    return failures
