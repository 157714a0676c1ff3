"""The standing guard: generated requests against every operation, as two kinds of caller.

Fails on any 5xx and on any answer the OpenAPI document does not describe: an undocumented
status code, another content type, or a body that breaks the documented schema; and on a
request that breaks the schema but is accepted. Bounded: a fixed number of valid and of
invalid examples per operation, each sent with an admin and with an associate token, to a
real server on 127.0.0.1.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err, Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from oms.app import create_app
from oms.config import Settings

EXAMPLES_PER_MODE = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

# Built from the application itself (no server needed), so every operation is a test case.
SCHEMA = schemathesis.openapi.from_dict(create_app(Settings()).openapi_schema.to_schema())
_RESULTS = list(SCHEMA.get_all_operations())
if _UNREADABLE := [result.err() for result in _RESULTS if isinstance(result, Err)]:
    raise _UNREADABLE[0]  # a part of the schema schemathesis cannot read fails the module
OPERATIONS = {result.ok().label: result.ok() for result in _RESULTS if isinstance(result, Ok)}


def _can_be_invalid(raw: dict[str, Any]) -> bool:
    """Whether any request breaks the schema: it takes a body, a query or header
    parameter, or a path parameter that is more than "any string"."""
    if raw.get("requestBody"):
        return True
    for parameter in raw.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter["in"] != "path" or set(schema) - {"type", "description", "title"}:
            return True
        if schema.get("type") != "string":
            return True
    return False


CASES = [
    (label, mode)
    for label, operation in sorted(OPERATIONS.items())
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or _can_be_invalid(operation.definition.raw)
]


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_operation_keeps_its_contract(
    label: str,
    mode: GenerationMode,
    contract_server: str,
    contract_tokens: dict[str, dict[str, str]],
) -> None:
    operation = OPERATIONS[label]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def check(case: Any) -> None:
        for headers in contract_tokens.values():
            case.call_and_validate(base_url=contract_server, headers=headers, checks=CHECKS)

    check()
