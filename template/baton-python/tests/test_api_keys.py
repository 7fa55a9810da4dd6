"""Direct calls need a Baton API key granting viewer: the wrapper checks it against system/api-keys.json."""

from __future__ import annotations

import json
import types

import pytest

from baton_step import ErrorType
from baton_step.api_keys import API_KEYS_DOCUMENT, ApiKeyChecker, bearer, parse_api_key
from baton_step.app import create_app
from baton_step.envelope import load_validator
from baton_step.secrets import SecretReader
from baton_step.testing import TEST_STEP_KEY, bearer_headers, issue_api_key, memory_store, revoke_api_key

VALIDATOR = load_validator()
ROLES = ["viewer", "trigger", "approver", "admin"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Served:
    """A handler that counts its calls: a refused call must never reach it."""

    def __init__(self) -> None:
        self.calls = 0
        self.module = types.ModuleType("handler")
        self.module.DIRECT_CALLS = True
        self.module.handle = self.handle

    def handle(self, input, ctx):
        self.calls += 1
        return {"output": {"echo": input}}


def make(store=None, clock=None, store_provider=None):
    store = store if store is not None else memory_store()
    served = Served()
    provider = store_provider or (lambda: store)
    checker = ApiKeyChecker(provider, clock=clock or Clock())
    app = create_app(served.module, VALIDATOR, SecretReader("/nonexistent"), provider, "predict", step_key=TEST_STEP_KEY, api_keys=checker)
    return app.test_client(), store, served


def call(client, headers=None):
    return client.post("/", data=json.dumps({"input": {"a": 1}}), headers={"Content-Type": "application/json", **(headers or {})})


def assert_unauthorized(response):
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="baton"'
    error = response.get_json()["error"]
    assert error["type"] == ErrorType.UNAUTHORIZED
    assert "baton keys create --name <you> --roles viewer" in error["message"]
    assert "bootstrap admin key is for the trigger API only" in error["message"]


def test_a_direct_call_without_a_key_is_refused_before_the_handler():
    client, _, served = make()
    assert_unauthorized(call(client))
    assert_unauthorized(call(client, {"Authorization": "Basic dXNlcjpwYXNz"}))
    assert_unauthorized(call(client, {"Authorization": "Bearer "}))
    assert served.calls == 0


def test_a_caller_without_a_key_learns_nothing_of_the_envelope():
    client, _, _ = make()
    response = client.post("/", data=json.dumps({"input": {}, "surprise": 1}), headers={"Content-Type": "application/json"})
    assert_unauthorized(response)
    assert "issues" not in response.get_json()["error"]


@pytest.mark.parametrize(
    "credential",
    [
        "not-a-key",
        "baton_0123456789ab_short",
        "baton_0123456789AB_" + "a" * 43,  # the id is lowercase hex
        "0123456789abcdef" * 4,  # what a bootstrap admin key looks like: never valid here
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",  # an OIDC token: not taken by functions
        "baton_" + "a" * 12 + "_" + "b" * 43 + "x" * 9000,  # oversized
    ],
)
def test_a_malformed_key_is_refused(credential):
    client, store, served = make()
    issue_api_key(store, ["viewer"])
    assert_unauthorized(call(client, bearer_headers(credential)))
    assert served.calls == 0


def test_an_unknown_key_or_a_wrong_secret_is_refused():
    client, store, served = make()
    good = issue_api_key(store, ["viewer"])
    assert_unauthorized(call(client, bearer_headers("baton_0123456789ab_" + "A" * 43)))
    key_id, secret = parse_api_key(good)
    assert_unauthorized(call(client, bearer_headers(f"baton_{key_id}_{'A' * 43}")))
    assert served.calls == 0
    assert call(client, bearer_headers(good)).status_code == 200


def test_no_key_list_yet_means_no_key_is_valid():
    client, store, _ = make()
    assert not store.exists(API_KEYS_DOCUMENT)
    assert_unauthorized(call(client, bearer_headers("baton_0123456789ab_" + "A" * 43)))


def test_a_revoked_key_is_refused():
    client, store, served = make()
    assert_unauthorized(call(client, bearer_headers(issue_api_key(store, ["admin"], revoked=True))))
    assert served.calls == 0


def test_a_revocation_takes_effect_when_the_cache_expires():
    clock = Clock()
    client, store, served = make(clock=clock)
    key = issue_api_key(store, ["viewer"])
    assert call(client, bearer_headers(key)).status_code == 200
    revoke_api_key(store, key)
    clock.now += 4.9
    assert call(client, bearer_headers(key)).status_code == 200, "the list is re-read at most every 5 s"
    clock.now += 0.2
    assert_unauthorized(call(client, bearer_headers(key)))
    assert served.calls == 2


def test_a_new_key_works_within_a_second_and_made_up_keys_read_the_list_at_most_once_a_second():
    clock = Clock()
    client, store, _ = make(clock=clock)
    known = issue_api_key(store, ["viewer"])
    assert call(client, bearer_headers(known)).status_code == 200  # reads the list
    later = issue_api_key(store, ["viewer"])
    reads = []
    read_json = store.read_json
    store.read_json = lambda key: reads.append(key) or read_json(key)
    made_up = bearer_headers("baton_0123456789ab_" + "A" * 43)
    clock.now += 0.5
    assert_unauthorized(call(client, bearer_headers(later)))
    assert_unauthorized(call(client, made_up))
    assert reads == [], "an unknown id within a second of the last read reads nothing"
    clock.now += 0.6
    assert call(client, bearer_headers(later)).status_code == 200, "the unknown id re-read the list"
    assert call(client, bearer_headers(known)).status_code == 200
    assert_unauthorized(call(client, made_up))
    assert len(reads) == 1


@pytest.mark.parametrize("role", ROLES)
def test_every_role_grants_viewer(role):
    client, store, served = make()
    response = call(client, {"authorization": f"bearer {issue_api_key(store, [role])}"})  # scheme in any case
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["output"] == {"echo": {"a": 1}}
    assert served.calls == 1


@pytest.mark.parametrize("roles", [[], ["owner"], "viewer", None])
def test_a_key_whose_roles_grant_no_viewer_is_forbidden(roles):
    client, store, served = make()
    key = issue_api_key(store, roles)
    response = call(client, bearer_headers(key))
    assert response.status_code == 403, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["type"] == ErrorType.FORBIDDEN and parse_api_key(key)[0] in error["message"] and "viewer" in error["message"]
    assert served.calls == 0


def test_an_unreadable_key_list_is_a_503_naming_the_storage_right():
    def broken():
        raise PermissionError("S3 operation failed; code: AccessDenied")

    client, _, served = make(store_provider=broken)
    response = call(client, bearer_headers("baton_0123456789ab_" + "A" * 43))
    assert response.status_code == 503
    assert "read:system/api-keys.json" in response.get_json()["error"]["message"]
    assert served.calls == 0


def test_a_key_list_of_another_shape_is_a_503():
    client, store, _ = make()
    store.put_json(API_KEYS_DOCUMENT, [{"id": "x"}])
    response = call(client, bearer_headers("baton_0123456789ab_" + "A" * 43))
    assert response.status_code == 503 and "is not {\"keys\": [...]}" in response.get_json()["error"]["message"]


def test_a_pipeline_call_needs_no_key():
    # Signed calls are the orchestrator's: test_direct_calls.py covers them; here only that no key list is read.
    def no_store():
        raise AssertionError("a pipeline call read the key list")

    client, _, _ = make(store_provider=no_store)
    assert client.get("/").get_json()["directCalls"] is True


def test_the_key_never_reaches_the_log_or_the_answer(capfd):
    client, store, _ = make()
    good = issue_api_key(store, ["viewer"])
    revoked = issue_api_key(store, ["viewer"], revoked=True)
    roleless = issue_api_key(store, [])
    answers = [call(client, bearer_headers(key)).get_data(as_text=True) for key in (good, revoked, roleless, good + "x")]
    log = capfd.readouterr().err
    for key in (good, revoked, roleless):
        secret = key.split("_", 2)[2]
        assert secret not in log and all(secret not in answer for answer in answers)
    assert parse_api_key(revoked)[0] in log and parse_api_key(roleless)[0] in log, "refusals name the key by its id"


def test_bearer_reads_only_the_bearer_scheme():
    assert bearer("Bearer abc") == "abc" and bearer("bearer  abc ") == "abc"
    assert bearer(None) is None and bearer("Basic abc") is None and bearer("Bearer a b") is None
