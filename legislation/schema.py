"""The OpenAPI schema's word on what a state's PATCH requires."""

from __future__ import annotations

from typing import Any

# drf-spectacular makes every field of a PATCH body optional ("Patched..."), but a state's change is refused
# without the source it cites (400 naming `source`): the schema says so, as the contract does.
REQUIRED_ON_PATCH = {"PatchedStateUpdateRequest": ["source"]}


def required_on_patch(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """A drf-spectacular post-processing hook: mark the fields a PATCH cannot go without as required."""
    schemas = result.get("components", {}).get("schemas", {})
    for component, fields in REQUIRED_ON_PATCH.items():
        if component in schemas:
            schemas[component]["required"] = sorted({*schemas[component].get("required", []), *fields})
    return result
