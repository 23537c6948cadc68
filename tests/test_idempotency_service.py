"""Idempotency keys at the service: what a racing copy of a request and a reused key get."""

from __future__ import annotations

import pytest

from catalog.errors import Conflict, PermissionDenied, ValidationFailed
from catalog.services import idempotency
from catalog.services.authz import ANONYMOUS
from tests.portal import actor, make_user


def test_a_copy_racing_the_first_request_is_told_to_retry_then_gets_its_answer(sqlite_cat):
    me = actor(sqlite_cat, make_user(sqlite_cat, "firm@example.cn"))
    other = actor(sqlite_cat, make_user(sqlite_cat, "other@example.cn"))
    digest = idempotency.body_hash({"title": "x"})
    assert idempotency.claim(sqlite_cat, me, "k1", "POST /datasets", digest) is None
    # the first has claimed the key and not finished: a copy may not run it again
    with pytest.raises(Conflict, match="in progress"):
        idempotency.claim(sqlite_cat, me, "k1", "POST /datasets", digest)
    # keys are per user: another user's k1 is another request
    assert idempotency.claim(sqlite_cat, other, "k1", "POST /datasets", digest) is None
    idempotency.remember(sqlite_cat, me, "k1", 201, {"id": "abc"}, "/api/v1/datasets/x")
    replay = idempotency.claim(sqlite_cat, me, "k1", "POST /datasets", digest)
    assert replay is not None and (replay.status_code, replay.response) == (201, {"id": "abc"})
    # the same key on another route is refused, not replayed
    with pytest.raises(ValidationFailed):
        idempotency.claim(sqlite_cat, me, "k1", "POST /datasets/x/status", digest)


@pytest.mark.parametrize("key", ["", "x" * 201, "tab\tkey"])
def test_unusable_keys_are_refused(sqlite_cat, key):
    me = actor(sqlite_cat, make_user(sqlite_cat, "firm@example.cn"))
    with pytest.raises(ValidationFailed):
        idempotency.claim(sqlite_cat, me, key, "POST /datasets", "0" * 64)


def test_anonymous_callers_have_no_keys(sqlite_cat):
    with pytest.raises(PermissionDenied):
        idempotency.claim(sqlite_cat, ANONYMOUS, "k", "POST /datasets", "0" * 64)
