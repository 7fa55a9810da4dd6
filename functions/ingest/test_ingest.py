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
from baton_step.testing import make_context, memory_store

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
    assert len(store.backend.puts) == 2  # data.csv and schema.json, once


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
    app = create_app(ingest, load_validator(), SecretReader("/nonexistent"), lambda: store, "ingest")
    run = {"workflowId": "wf", "runId": "r", "pipeline": "p", "step": "ingest", "attempt": 1}
    bad = app.test_client().post("/", json={"input": {"dataset": "nope"}, "run": run})
    assert bad.status_code == 422 and bad.get_json()["error"]["issues"][0]["path"] == "input.dataset"
    good = app.test_client().post("/", json={"input": {"dataset": "wine"}, "run": run})
    assert good.status_code == 200 and good.get_json()["metrics"] == {"rows": 178, "columns": 13}
