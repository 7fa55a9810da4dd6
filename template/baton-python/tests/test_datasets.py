"""baton_ml.datasets: deterministic CSV, content-addressed keys, schema statistics and the latest pointer."""

from __future__ import annotations

import hashlib
import json
import math
import statistics

import pytest

from baton_step import StepInputError
from baton_ml.datasets import FLOAT64, INT64, STRING, Column, format_value, latest_key, write_dataset_version
from baton_step.testing import memory_store

COLUMNS = [Column("colour", STRING), Column("label", INT64), Column("size", FLOAT64), Column("count", INT64)]
ROWS = [
    ["red", 1, 1.5, 3],
    ["blue", 0, None, 4],
    ["red", 1, 2.25, None],
    [None, 2, 0.1, 5],
    ["a, \"quoted\" one", 0, float("nan"), 6],
]


def _schema(store, dataset):
    return json.loads(store.backend.read(f"datasets/{dataset['name']}/{dataset['version']}/schema.json"))


def test_csv_is_deterministic_with_the_target_last_and_missing_values_empty():
    store = memory_store()
    dataset = write_dataset_version(store, "shapes", COLUMNS, ROWS, "label")
    data = store.backend.read(f"datasets/shapes/{dataset['version']}/data.csv")
    assert data.decode() == (
        "colour,size,count,label\n"
        "red,1.5,3,1\n"
        "blue,,4,0\n"
        "red,2.25,,1\n"
        ",0.1,5,2\n"
        '"a, ""quoted"" one",,6,0\n'
    )
    assert dataset["version"] == hashlib.sha256(data).hexdigest()[:12]
    assert dataset["data"] == {"uri": f"s3://baton-test/datasets/shapes/{dataset['version']}/data.csv", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert (dataset["rows"], dataset["columns"], dataset["target"], dataset["previousVersion"]) == (5, ["colour", "size", "count"], "label", None)


def test_schema_describes_every_column():
    store = memory_store()
    dataset = write_dataset_version(store, "shapes", COLUMNS, ROWS, "label")
    schema = _schema(store, dataset)
    assert dataset["schema"]["sha256"] == hashlib.sha256(store.backend.read(f"datasets/shapes/{dataset['version']}/schema.json")).hexdigest()
    assert (schema["dataset"], schema["version"], schema["rows"], schema["target"]) == ("shapes", dataset["version"], 5, "label")
    assert schema["bytes"] == dataset["data"]["size"]
    colour, size, count, label = schema["columns"]
    assert colour == {
        "name": "colour", "dtype": "string", "role": "feature", "missing": 1, "distinct": 3,
        "top": [{"value": "red", "count": 2}, {"value": 'a, "quoted" one', "count": 1}, {"value": "blue", "count": 1}],
    }
    # NaN is missing, like None; the statistics are over the present values only.
    assert size["missing"] == 2 and size["dtype"] == "float64" and size["role"] == "feature"
    assert (size["min"], size["max"], size["mean"]) == (0.1, 2.25, 1.283333333)  # 10 significant digits
    assert math.isclose(size["std"], statistics.stdev([1.5, 2.25, 0.1]), rel_tol=1e-9)
    assert (count["missing"], count["min"], count["max"], count["mean"]) == (1, 3.0, 6.0, 4.5)
    assert label["role"] == "target" and label["dtype"] == "int64" and label["classes"] == [0, 1, 2]


def test_string_and_float_targets():
    store = memory_store()
    columns = [Column("x", FLOAT64), Column("kind", STRING)]
    kinds = write_dataset_version(store, "kinds", columns, [[1.0, "b"], [2.0, "a"], [3.0, "b"]], "kind")
    assert _schema(store, kinds)["columns"][-1]["classes"] == ["a", "b"]
    amounts = write_dataset_version(store, "amounts", columns, [[1.0, "b"], [2.5, "a"]], "x")
    target = _schema(store, amounts)["columns"][-1]
    assert target["name"] == "x" and target["classes"] is None and target["mean"] == 1.75


def test_same_content_same_version_and_no_second_upload():
    store = memory_store()
    first = write_dataset_version(store, "shapes", COLUMNS, ROWS, "label")
    second = write_dataset_version(store, "shapes", COLUMNS, iter(ROWS), "label")
    assert first == second
    assert len(store.backend.puts) == 3  # data.csv, schema.json and latest.json, once each


def test_a_new_version_names_the_previous_one_and_repeats_keep_it():
    store = memory_store()
    first = write_dataset_version(store, "shapes", COLUMNS, ROWS, "label")
    second = write_dataset_version(store, "shapes", COLUMNS, ROWS[:-1], "label")
    assert second["version"] != first["version"] and second["previousVersion"] == first["version"]
    # Re-ingesting the newest content: the same answer again, never itself as its previous version.
    again = write_dataset_version(store, "shapes", COLUMNS, ROWS[:-1], "label")
    assert again == second
    assert json.loads(store.backend.read(latest_key("shapes"))) == {"version": second["version"], "previous": first["version"]}
    # Going back to the first content is a change too: its previous version is now the second.
    back = write_dataset_version(store, "shapes", COLUMNS, ROWS, "label")
    assert (back["version"], back["previousVersion"]) == (first["version"], second["version"])
    # Another name has a history of its own.
    assert write_dataset_version(store, "other", COLUMNS, ROWS, "label")["previousVersion"] is None


def test_a_missing_target_is_an_input_error_and_nothing_is_stored():
    store = memory_store()
    with pytest.raises(StepInputError) as caught:
        write_dataset_version(store, "shapes", COLUMNS, ROWS, "species")
    assert caught.value.issues[0]["path"] == "target" and "species" in caught.value.message and "colour" in caught.value.message
    assert store.backend.puts == []


@pytest.mark.parametrize("name", ["Shapes", "-x", "a/b", "", "x" * 64, None])
def test_bad_dataset_names_are_refused(name):
    store = memory_store()
    with pytest.raises(StepInputError) as caught:
        write_dataset_version(store, name, COLUMNS, ROWS, "label")
    assert caught.value.issues[0]["path"] == "name"
    assert store.backend.puts == []


def test_rows_must_fit_the_columns():
    with pytest.raises(ValueError, match="row 2 has 3 values for 4 columns"):
        write_dataset_version(memory_store(), "shapes", COLUMNS, [ROWS[0], ["red", 1, 1.0]], "label")


def test_values_are_formatted_by_dtype():
    assert [format_value(v, FLOAT64) for v in (0.1, 1, None, float("nan"), float("inf"))] == ["0.1", "1.0", "", "", "inf"]
    assert [format_value(v, INT64) for v in (3, True, 2.0, None)] == ["3", "1", "2", ""]
    assert format_value("  spaced ", STRING) == "  spaced "
