from tests.api.conftest import records_a, records_b, token_client  # noqa: F401  (the API tests' fixtures)
