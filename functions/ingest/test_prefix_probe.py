"""The probe of ingest (probe-prefix) against the in-memory store: the version follows the listing under the prefix
and nothing else; the function's union schema tells a probe from an ingest (the integration test lists real MinIO)."""

from __future__ import annotations

import io
import json
import os

import pytest

from baton_step import StepInputError
from baton_step.handler_loader import load_handler
from baton_step.step_schema import StepInputSchema
from baton_step.testing import make_context, memory_store

from prefix_probe import EMPTY_VERSION, check_prefix, probe_prefix

HERE = os.path.dirname(os.path.abspath(__file__))
ingest = load_handler(HERE, module_name="ingest_probe_handler")


def put(store, key: str, data: bytes) -> None:
    store.backend.put(store.bucket, key, io.BytesIO(data), len(data), "text/csv", "0" * 64)


def probe(store, prefix: str = "datasets/wine/") -> dict:
    return ingest.handle({"probe": True, "prefix": prefix}, make_context(store, step="probe-prefix"))["output"]


def test_an_empty_prefix_has_a_stable_version():
    store = memory_store()
    put(store, "datasets/iris/a.csv", b"x")  # another prefix: not listed
    assert probe(store) == {"version": EMPTY_VERSION, "objects": 0}


def test_the_version_changes_with_a_new_or_changed_object_and_only_then():
    store = memory_store()
    put(store, "datasets/wine/a.csv", b"1,2\n")
    first = probe(store)
    assert first["objects"] == 1 and first["version"].startswith("sha256:") and first["version"].endswith(";objects:1")
    assert probe(store) == first  # unchanged listing

    put(store, "datasets/winery/x.csv", b"elsewhere")  # "datasets/wine/" is not a prefix of it
    assert probe(store) == first

    put(store, "datasets/wine/b.csv", b"3,4\n")
    second = probe(store)
    assert second["objects"] == 2 and second["version"] != first["version"]

    put(store, "datasets/wine/b.csv", b"3,5\n")  # same size, new content: a new ETag
    third = probe(store)
    assert third["objects"] == 2 and third["version"] not in (first["version"], second["version"])


def test_the_version_does_not_depend_on_listing_order():
    class Reversed:
        def __init__(self, backend):
            self.backend = backend

        def list_objects(self, bucket, prefix):
            return reversed(list(self.backend.list_objects(bucket, prefix)))

    store = memory_store()
    for name in ("a", "b", "c"):
        put(store, f"runs/r1/{name}.json", name.encode())
    assert probe_prefix(Reversed(store.backend), store.bucket, "runs/r1/") == probe_prefix(store.backend, store.bucket, "runs/r1/")


def test_more_objects_than_the_limit_is_an_error_naming_it():
    store = memory_store()
    for index in range(4):
        put(store, f"datasets/big/{index}.csv", b"x")
    assert probe_prefix(store.backend, store.bucket, "datasets/big/", max_objects=4)["objects"] == 4
    with pytest.raises(StepInputError, match="more than 3 objects under datasets/big/.*MAX_OBJECTS") as error:
        probe_prefix(store.backend, store.bucket, "datasets/big/", max_objects=3)
    assert error.value.issues[0]["path"] == "prefix"


@pytest.mark.parametrize("prefix", ["models/", "system/api-keys.json", "datasets/../system/", "/datasets/", "datasets//x", "", 3, "datasets/a b/"])
def test_only_safe_prefixes_under_the_read_roots(prefix):
    with pytest.raises(StepInputError) as error:
        check_prefix(prefix)
    assert error.value.issues[0]["path"] == "prefix"
    assert check_prefix("datasets/") == "datasets/" and check_prefix("runs/wine-1/data") == "runs/wine-1/data"


def test_the_union_schema_takes_a_probe_and_an_ingest():
    with open(os.path.join(HERE, "step.schema.json"), encoding="utf-8") as file:
        schema = StepInputSchema(json.load(file))
    assert schema.apply({"probe": True, "prefix": "datasets/wine/"}) == {"probe": True, "prefix": "datasets/wine/"}
    assert schema.apply({"dataset": "iris"}) == {"source": "sklearn", "dataset": "iris"}
    for wrong in ({"probe": True, "prefix": "models/"}, {"probe": True, "prefix": "datasets/", "dataset": "iris"}):
        with pytest.raises(StepInputError):
            schema.apply(wrong)
