"""Schemathesis over the JSON API's OpenAPI document (issue 14, item 6): requests made from
the document itself, anonymous and with a curator's token, over a real socket. No answer may
be a 5xx, and every answer must match what the document says of it (status code, content
type, body schema). Bounded: a few examples per operation, so it stays a test, not a soak.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.apisite import load_api_catalog
from tests.livesite import serve
from web.openapi import openapi_document

EXAMPLES = 6  # per operation and caller: ~20 operations x 2 callers


@pytest.fixture(scope="module")
def live_api(tmp_path_factory):
    info: dict = {}

    def load(cat):
        info.update(load_api_catalog(cat))

    with serve(tmp_path_factory.mktemp("schemathesis"), load) as (url, _cat):
        yield url, info


# the document the API serves (web/api.py calls the same function; a test below checks the
# served one is this one): loaded at collection, so that each operation is a test of its own
DOCUMENT = openapi_document("Data Partner Catalog", "/api/v1")
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_served_document_is_the_one_tested(live_api):
    url, _info = live_api
    served = requests.get(f"{url}/api/v1/openapi.json", timeout=20).json()
    assert served["paths"] == DOCUMENT["paths"]
    assert served["components"] == DOCUMENT["components"]


BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@BOUNDED
def test_api_answers_anonymous_callers_as_documented(case, live_api):
    url, _info = live_api
    case.call_and_validate(base_url=f"{url}/api/v1", checks=CHECKS)


@schema.parametrize()
@BOUNDED
def test_api_answers_a_curator_as_documented(case, live_api):
    url, info = live_api
    case.call_and_validate(
        base_url=f"{url}/api/v1",
        headers={"Authorization": f"Bearer {info['curator']}"},
        checks=CHECKS,
    )
