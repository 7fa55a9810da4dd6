"""ingest end to end against the in-memory artifact store."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os

import pytest

from baton_step import StepInputError
from baton_step.app import create_app
from baton_step.envelope import load_validator
from baton_step.handler_loader import load_handler
from baton_step.secrets import SecretReader
from baton_step.testing import TEST_STEP_KEY, signing_client, make_context, memory_store

ingest = load_handler(os.path.dirname(os.path.abspath(__file__)), module_name="ingest_handler")


def test_breast_cancer_is_stored_content_addressed():
    store = memory_store()
    result = ingest.handle({"source": "sklearn", "dataset": "breast_cancer"}, make_context(store, step="ingest"))
    dataset = result["output"]["dataset"]
    data = store.backend.read(f"datasets/breast_cancer/{dataset['version']}/data.csv")
    assert dataset["version"] == hashlib.sha256(data).hexdigest()[:12]
    assert dataset["data"] == {
        "uri": f"s3://baton-test/datasets/breast_cancer/{dataset['version']}/data.csv",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }
    assert (dataset["name"], dataset["rows"], dataset["target"], len(dataset["columns"])) == ("breast_cancer", 569, "target", 30)
    assert result["metrics"] == {"rows": 569, "columns": 30}

    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0] == [*dataset["columns"], "target"] and len(rows) == 570

    schema = json.loads(store.backend.read(f"datasets/breast_cancer/{dataset['version']}/schema.json"))
    assert schema["rows"] == 569 and schema["version"] == dataset["version"]
    first, target = schema["columns"][0], schema["columns"][-1]
    assert first["name"] == "mean radius" and first["dtype"] == "float64" and first["missing"] == 0
    assert first["min"] <= first["mean"] <= first["max"] and first["std"] > 0
    assert target["name"] == "target" and target["classes"] == [0, 1]


def test_same_data_same_version_and_no_second_upload():
    store = memory_store()
    first = ingest.handle({"dataset": "iris"}, make_context(store))
    second = ingest.handle({"dataset": "iris"}, make_context(store))
    assert first == second
    assert first["output"]["dataset"]["previousVersion"] is None
    assert len(store.backend.puts) == 3  # data.csv, schema.json and the latest pointer, once each


# The versions every bundled dataset has had since ingest existed: runs, registered models and recorded
# histories name them, so the CSV bytes must never change.
@pytest.mark.parametrize(
    "name, version",
    [("breast_cancer", "75a1d74a59df"), ("iris", "0ba79ae755c6"), ("wine", "cd80158fad3d"), ("digits", "59834b81e552")],
)
def test_bundled_versions_never_change(name, version):
    store = memory_store()
    dataset = ingest.handle({"source": "sklearn", "dataset": name}, make_context(store))["output"]["dataset"]
    assert dataset["version"] == version
    assert hashlib.sha256(store.backend.read(f"datasets/{name}/{version}/data.csv")).hexdigest().startswith(version)


@pytest.mark.parametrize("name, rows, columns", [("iris", 150, 4), ("wine", 178, 13), ("digits", 1797, 64)])
def test_every_bundled_dataset(name, rows, columns):
    output = ingest.handle({"dataset": name}, make_context())["output"]["dataset"]
    assert (output["rows"], len(output["columns"])) == (rows, columns)


@pytest.mark.parametrize("raw", [None, {}])
def test_defaults(raw):
    assert ingest.handle(raw, make_context())["output"]["dataset"]["name"] == "breast_cancer"


@pytest.mark.parametrize(
    "raw, path",
    [({"dataset": "mnist"}, "dataset"), ({"dataset": ["iris"]}, "dataset"), ({"source": "kaggle"}, "source"), ({"dataSet": "iris"}, "dataSet"), ("iris", "")],
)
def test_bad_input_names_the_field(raw, path):
    store = memory_store()
    with pytest.raises(StepInputError) as caught:
        ingest.handle(raw, make_context(store))
    assert [issue["path"] for issue in caught.value.issues] == [path]
    assert store.backend.puts == []


def test_through_the_wrapper():
    store = memory_store()
    app = create_app(ingest, load_validator(), SecretReader("/nonexistent"), lambda: store, "ingest", step_key=TEST_STEP_KEY)
    run = {"workflowId": "wf", "runId": "r", "pipeline": "p", "step": "ingest", "attempt": 1}
    bad = signing_client(app).post("/", json={"input": {"dataset": "nope"}, "run": run})
    assert bad.status_code == 422 and bad.get_json()["error"]["issues"][0]["path"] == "input.dataset"
    good = signing_client(app).post("/", json={"input": {"dataset": "wine"}, "run": run})
    assert good.status_code == 200 and good.get_json()["metrics"] == {"rows": 178, "columns": 13}


# --- source "csv": a raw CSV file stored as an artifact (by fetch-csv, or anyone) -------------------------------

IRIS_LIKE = (
    "sepal_length,sepal_width,petals,species\r\n"
    "5.1,3.5,4,setosa\r\n"
    "4.90,3,4,setosa\r\n"
    "\r\n"
    "6.3,,5,virginica\r\n"
    "5.8,2.7,n/a,versicolor\r\n"
)


def _put_csv(store, text, key="runs/wf/fetch-csv/source.csv"):
    return store.put_bytes(key, text.encode("utf-8"), "text/csv")


def _csv_input(ref, **extra):
    return {"source": "csv", "name": "iris-csv", "csv": ref, "target": "species", **extra}


def test_a_csv_artifact_becomes_a_dataset_version():
    store = memory_store()
    result = ingest.handle(_csv_input(_put_csv(store, IRIS_LIKE)), make_context(store, step="ingest"))
    dataset = result["output"]["dataset"]
    data = store.backend.read(f"datasets/iris-csv/{dataset['version']}/data.csv")
    assert dataset["version"] == hashlib.sha256(data).hexdigest()[:12]
    # Canonical numbers, "\n" line ends, the blank line dropped, the missing cell empty, text kept as it was.
    assert data.decode() == (
        "sepal_length,sepal_width,petals,species\n"
        "5.1,3.5,4,setosa\n"
        "4.9,3.0,4,setosa\n"
        "6.3,,5,virginica\n"
        "5.8,2.7,n/a,versicolor\n"
    )
    assert (dataset["name"], dataset["rows"], dataset["columns"], dataset["target"], dataset["previousVersion"]) == (
        "iris-csv", 4, ["sepal_length", "sepal_width", "petals"], "species", None,
    )
    assert result["metrics"] == {"rows": 4, "columns": 3}
    schema = json.loads(store.backend.read(f"datasets/iris-csv/{dataset['version']}/schema.json"))
    by_name = {column["name"]: column for column in schema["columns"]}
    assert by_name["sepal_length"]["dtype"] == "float64" and by_name["sepal_length"]["min"] == 4.9
    assert by_name["sepal_width"]["missing"] == 1 and by_name["sepal_width"]["dtype"] == "float64"
    # One non-number makes the column text: stored as it is, the validation step judges it.
    assert by_name["petals"]["dtype"] == "string" and by_name["petals"]["distinct"] == 3
    assert by_name["species"]["role"] == "target" and by_name["species"]["classes"] == ["setosa", "versicolor", "virginica"]
    assert schema["bytes"] == len(data) and schema["rows"] == 4


def test_integer_columns_stay_integers_and_a_byte_order_mark_is_no_part_of_a_name():
    store = memory_store()
    text = "\ufeffa,b,label\n1,-2,0\n+3,4,1\n"
    dataset = ingest.handle(_csv_input(_put_csv(store, text), target="label"), make_context(store))["output"]["dataset"]
    assert store.backend.read(f"datasets/iris-csv/{dataset['version']}/data.csv") == b"a,b,label\n1,-2,0\n3,4,1\n"
    schema = json.loads(store.backend.read(f"datasets/iris-csv/{dataset['version']}/schema.json"))
    assert [c["dtype"] for c in schema["columns"]] == ["int64", "int64", "int64"] and schema["columns"][-1]["classes"] == [0, 1]


def test_changed_content_names_the_previous_version_and_a_repeat_keeps_it():
    store = memory_store()
    first = ingest.handle(_csv_input(_put_csv(store, IRIS_LIKE)), make_context(store))["output"]["dataset"]
    changed = IRIS_LIKE + "7.7,3.8,6,virginica\n"
    second = ingest.handle(_csv_input(_put_csv(store, changed, "runs/wf2/fetch-csv/source.csv")), make_context(store))["output"]["dataset"]
    assert second["version"] != first["version"] and second["previousVersion"] == first["version"]
    again = ingest.handle(_csv_input(_put_csv(store, changed, "runs/wf3/fetch-csv/source.csv")), make_context(store))["output"]["dataset"]
    assert again == second


def test_the_same_rows_written_differently_are_the_same_version():
    store = memory_store()
    first = ingest.handle(_csv_input(_put_csv(store, IRIS_LIKE)), make_context(store))["output"]["dataset"]
    tidy = IRIS_LIKE.replace("\r\n", "\n").replace("4.90,3,", "4.9,3.0,")
    second = ingest.handle(_csv_input(_put_csv(store, tidy, "other.csv")), make_context(store))["output"]["dataset"]
    assert second["version"] == first["version"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("a,,label\n1,2,0\n", "column 2 has no name"),
        ("a,a,label\n1,2,0\n", "more than once"),
        ("a,label\n1,0\n2,1,9\n", "line 3 of the CSV file has 3 fields"),
        ("a,label\n", "no rows"),
        ("a,label\n\"1,0\n", "cannot be parsed"),
    ],
)
def test_malformed_csv_is_an_input_error_at_csv(text, message):
    store = memory_store()
    with pytest.raises(StepInputError) as caught:
        ingest.handle(_csv_input(_put_csv(store, text), target="label"), make_context(store))
    assert [issue["path"] for issue in caught.value.issues] == ["csv"] and message in caught.value.message
    assert not [key for key in store.backend.puts if key.startswith("datasets/")]


def test_text_that_is_not_utf8_is_an_input_error():
    store = memory_store()
    ref = store.put_bytes("latin1.csv", "name,label\nJos\xe9,1\n".encode("latin-1"))
    with pytest.raises(StepInputError) as caught:
        ingest.handle(_csv_input(ref, target="label"), make_context(store))
    assert caught.value.issues[0]["path"] == "csv" and "UTF-8" in caught.value.message


def test_a_missing_target_column_is_refused_naming_it():
    store = memory_store()
    with pytest.raises(StepInputError) as caught:
        ingest.handle(_csv_input(_put_csv(store, IRIS_LIKE), target="label"), make_context(store))
    assert caught.value.issues[0]["path"] == "target" and '"label"' in caught.value.message and "species" in caught.value.message
    assert not [key for key in store.backend.puts if key.startswith("datasets/")]


def test_a_reference_to_nothing_or_to_other_bytes_is_an_input_error():
    store = memory_store()
    ref = _put_csv(store, IRIS_LIKE)
    missing = {**ref, "uri": "s3://baton-test/runs/nope.csv"}
    other = {**ref, "sha256": "0" * 64}
    for bad, words in ((missing, "does not exist"), (other, "does not match")):
        with pytest.raises(StepInputError) as caught:
            ingest.handle(_csv_input(bad), make_context(store))
        assert caught.value.issues[0]["path"] == "csv" and words in caught.value.message


@pytest.mark.parametrize(
    "change, paths",
    [
        ({"name": "Iris"}, ["name"]),
        ({"name": None}, ["name"]),
        ({"csv": {"uri": "http://x/a.csv", "sha256": "a", "size": 1}}, ["csv"]),
        ({"target": ""}, ["target"]),
        ({"dataset": "iris"}, ["dataset"]),
        ({"name": "a/b", "target": 3}, ["name", "target"]),
    ],
)
def test_bad_csv_input_names_every_field(change, paths):
    store = memory_store()
    raw = {**_csv_input(_put_csv(store, IRIS_LIKE)), **change}
    with pytest.raises(StepInputError) as caught:
        ingest.handle(raw, make_context(store))
    assert sorted(issue["path"] for issue in caught.value.issues) == sorted(paths)


def test_csv_through_the_wrapper():
    store = memory_store()
    ref = _put_csv(store, IRIS_LIKE)
    app = create_app(ingest, load_validator(), SecretReader("/nonexistent"), lambda: store, "ingest", step_key=TEST_STEP_KEY)
    run = {"workflowId": "wf", "runId": "r", "pipeline": "p", "step": "ingest", "attempt": 1}
    bad = signing_client(app).post("/", json={"input": _csv_input(ref, target="nope"), "run": run})
    assert bad.status_code == 422 and bad.get_json()["error"]["issues"][0]["path"] == "input.target"
    good = signing_client(app).post("/", json={"input": _csv_input(ref), "run": run})
    assert good.status_code == 200 and good.get_json()["output"]["dataset"]["rows"] == 4
