"""validate-dataset end to end against the in-memory store: calibration on the bundled datasets, each check, the
fail/warn policy, the report, and the 422 through the wrapper."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os

import numpy as np
import pytest

from baton_step import StepInputError
from baton_step.app import create_app
from baton_step.envelope import load_validator
from baton_step.handler_loader import load_handler
from baton_step.secrets import SecretReader
from baton_step.step_schema import load_step_schema
from baton_step.testing import call_step, TEST_STEP_KEY, signing_client, make_context, memory_store

HERE = os.path.dirname(os.path.abspath(__file__))
ingest = load_handler(os.path.join(HERE, "..", "ingest"), module_name="ingest_handler")
validate = load_handler(HERE, module_name="validate_dataset_handler")

REPORT_KEY = "runs/wf-test/validate-dataset/validation-report.json"
# One column per bundled dataset that takes injected values (digits: a pixel column whose IQR is not 0).
INJECTED_COLUMN = {"breast_cancer": "mean radius", "iris": "petal width (cm)", "wine": "alcohol", "digits": "pixel_2_3"}


@pytest.fixture
def store():
    return memory_store()


def ingested(store, name):
    return ingest.handle({"dataset": name}, make_context(store, step="ingest"))["output"]["dataset"]


def key_of(ref):
    return ref["uri"].split("/", 3)[3]


def read_rows(store, dataset):
    return list(csv.reader(io.StringIO(store.backend.read(key_of(dataset["data"])).decode())))


def read_schema(store, dataset):
    return json.loads(store.backend.read(key_of(dataset["schema"])))


def store_version(store, dataset, rows, schema=None, previous="same"):
    """Writes ``rows`` (header first) as another version of ``dataset`` (previousVersion = dataset's own, by default)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    data = buffer.getvalue().encode()
    version = hashlib.sha256(data).hexdigest()[:12]
    prefix = f"datasets/{dataset['name']}/{version}"
    schema = {**(schema or read_schema(store, dataset)), "version": version, "rows": len(rows) - 1}
    schema.pop("bytes", None)
    return {
        **dataset,
        "version": version,
        "rows": len(rows) - 1,
        "data": store.put_bytes(f"{prefix}/data.csv", data, "text/csv"),
        "schema": store.put_json(f"{prefix}/schema.json", schema),
        "previousVersion": dataset["version"] if previous == "same" else previous,
    }


def inject(rows, column, count, sigmas=50.0):
    """A copy of ``rows`` with ``count`` values of ``column`` set ``sigmas`` standard deviations above its mean."""
    j = rows[0].index(column)
    values = np.array([float(row[j]) for row in rows[1:]])
    extreme = repr(float(values.mean() + sigmas * values.std(ddof=1)))
    tampered = [list(row) for row in rows]
    for i in range(count):
        tampered[1 + 7 * i][j] = extreme
    return tampered


def run(store, dataset, policy=None):
    payload = {"dataset": dataset, **({"policy": policy} if policy is not None else {})}
    return call_step(validate, payload, make_context(store, step="validate-dataset"))


def report(store):
    return json.loads(store.backend.read(REPORT_KEY))


# --- calibration -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["breast_cancer", "iris", "wine", "digits"])
def test_every_bundled_dataset_passes_with_no_issue_under_the_defaults(store, name):
    result = run(store, ingested(store, name))
    assert result["output"]["status"] == "passed"
    assert result["output"]["issues"] == []
    assert result["metrics"]["issues"] == 0
    assert result["output"]["report"]["uri"] == f"s3://baton-test/{REPORT_KEY}"
    written = report(store)
    assert written["status"] == "passed" and written["issues"] == []
    assert written["isolationForest"]["fraction"] <= 0.3  # the default limit leaves room on every bundled dataset


@pytest.mark.parametrize("name", ["breast_cancer", "iris", "wine", "digits"])
@pytest.mark.parametrize("count", [1, 3])
def test_a_few_values_50_std_out_fail_the_column_under_the_defaults(store, name, count):
    clean = ingested(store, name)
    column = INJECTED_COLUMN[name]
    # No previous version: the column check alone must catch them, inflated standard deviation and all.
    tampered = store_version(store, clean, inject(read_rows(store, clean), column, count), previous=None)
    with pytest.raises(StepInputError) as caught:
        run(store, tampered)
    message = caught.value.message
    assert message.startswith(f'dataset "{name}" version {tampered["version"]} failed validation: column "{column}": ')
    assert f"({count} of {clean['rows']} with |z| > 6 and beyond 20×IQR), limit 0%" in message
    assert message.endswith(f"(report s3://baton-test/{REPORT_KEY})")
    assert caught.value.issues == [{"path": "dataset.data", "message": message.split(": ", 1)[1].rsplit(" (report", 1)[0]}]
    written = report(store)
    assert written["status"] == "failed"
    assert [(i["check"], i["column"]) for i in written["issues"]] == [("outliers", column)]


def test_the_two_rules_together_are_what_lets_heavy_tails_and_sparse_columns_pass(store):
    # Each rule alone misfires on the bundled data: breast_cancer's tails reach 18 IQRs, digits' sparse pixels |z| 42.
    cancer = run(store, ingested(store, "breast_cancer"), {"onIssue": "warn", "outliers": {"iqrFactor": 3}})
    assert cancer["output"]["status"] == "warned"
    assert {i["check"] for i in cancer["output"]["issues"]} == {"outliers"}
    wine = run(store, ingested(store, "wine"), {"onIssue": "warn", "outliers": {"iqrFactor": 3}})
    assert wine["output"]["status"] == "passed"
    digits = report_after(store, ingested(store, "digits"))
    skipped = [c for c in digits["columns"] if c.get("skipped", "").startswith("IQR is 0")]
    assert len(skipped) > 10 and all(c["outliers"] is None for c in skipped)


def report_after(store, dataset, policy=None):
    run(store, dataset, policy)
    return report(store)


# --- fail or warn ------------------------------------------------------------------------------------------------

def test_warn_passes_with_status_warned_and_the_same_issues(store):
    clean = ingested(store, "breast_cancer")
    tampered = store_version(store, clean, inject(read_rows(store, clean), "mean radius", 3))
    result = run(store, tampered, {"onIssue": "warn"})
    out = result["output"]
    assert out["status"] == "warned"
    assert [(i["check"], i["column"], i["severity"]) for i in out["issues"]] == [("outliers", "mean radius", "warning")]
    assert out["issues"][0]["value"] == pytest.approx(3 / 569, rel=1e-5) and out["issues"][0]["limit"] == 0
    assert result["metrics"] == {"issues": 1, "errors": 0, "warnings": 1, "rows": 569}
    written = report(store)
    assert written["status"] == "warned" and written["issues"] == out["issues"]
    assert written["previous"]["rows"] == {"previous": 569, "current": 569, "change": 0.0}
    assert written["policy"]["onIssue"] == "warn" and written["policy"]["outliers"]["zScore"] == 6


def test_a_failure_lists_the_first_issues_and_counts_the_rest(store):
    clean = ingested(store, "wine")
    rows = read_rows(store, clean)
    for column in clean["columns"][:5]:
        rows = inject(rows, column, 2)
    with pytest.raises(StepInputError) as caught:
        run(store, store_version(store, clean, rows))
    message = caught.value.message
    listed = message.count('column "')  # at most three, fewer when they would not fit 420 characters
    assert 1 <= listed <= 3 and f"; and {5 - listed} more (report s3://baton-test/{REPORT_KEY})" in message
    assert len(message) <= 420
    assert [i["path"] for i in caught.value.issues] == ["dataset.data"] * 5
    assert len(report(store)["issues"]) == 5


# --- schema, types, missing values --------------------------------------------------------------------------------

def test_text_and_missing_cells_name_their_column(store):
    clean = ingested(store, "iris")
    rows = [list(row) for row in read_rows(store, clean)]
    rows[3][0] = "n/a-ish"  # text in a feature
    rows[5][1] = ""  # a missing feature value
    rows[8][-1] = ""  # a missing label
    with pytest.raises(StepInputError) as caught:
        run(store, store_version(store, clean, rows))
    found = {(i["check"], i.get("column"), i["severity"]) for i in report(store)["issues"]}
    assert found == {
        ("type", "sepal length (cm)", "error"),
        ("missing", "sepal width (cm)", "warning"),
        ("missing", "target", "error"),
    }
    assert 'column "sepal length (cm)": 1 of 150 values are not numbers (e.g. "n/a-ish")' in caught.value.message


def test_missing_values_within_the_limit_pass(store):
    clean = ingested(store, "iris")
    rows = [list(row) for row in read_rows(store, clean)]
    rows[5][1] = ""
    result = run(store, store_version(store, clean, rows), {"maxMissingFraction": 0.01})
    assert result["output"]["status"] == "passed"


def test_schema_changes_against_the_previous_version(store):
    clean = ingested(store, "wine")
    rows = [row[1:] for row in read_rows(store, clean)]  # first feature dropped
    rows[0][0] = "malic_acid_renamed"
    schema = read_schema(store, clean)
    schema["columns"] = [{**c, "name": "malic_acid_renamed"} if c["name"] == "malic_acid" else c for c in schema["columns"][1:]]
    schema["columns"][1] = {**schema["columns"][1], "dtype": "string"}  # ash: declared as text now
    dataset = {**clean, "columns": rows[0][:-1]}
    with pytest.raises(StepInputError) as caught:
        run(store, store_version(store, dataset, rows, schema))
    found = {(i["check"], i.get("column")) for i in report(store)["issues"]}
    assert {("schema", "alcohol"), ("schema", "malic_acid"), ("schema", "malic_acid_renamed"), ("schema", "ash"), ("type", "ash")} <= found
    assert "dataset.schema" in [i["path"] for i in caught.value.issues]


def test_header_and_declared_columns_must_agree(store):
    clean = ingested(store, "iris")
    rows = [list(row) for row in read_rows(store, clean)]
    rows[0][2] = "surprise"
    rows[9] = rows[9][:3]  # a short row
    result = run(store, store_version(store, clean, rows), {"onIssue": "warn"})
    messages = [i["message"] for i in result["output"]["issues"]]
    assert 'column "petal length (cm)" is declared but not in data.csv\'s header' in messages
    assert 'column "surprise" is in data.csv but not declared in dataset.columns' in messages
    assert "1 of 150 rows do not have 5 fields (lines 10)" in messages


# --- row count and size against the previous version --------------------------------------------------------------

def test_row_count_and_size_change_against_the_previous_version(store):
    clean = ingested(store, "breast_cancer")
    half = read_rows(store, clean)[:200]
    result = run(store, store_version(store, clean, half), {"onIssue": "warn"})
    issues = {i["check"]: i for i in result["output"]["issues"]}
    assert set(issues) == {"rowCount", "size"}
    assert issues["rowCount"]["message"].startswith(f"row count changed by 65% (569 -> 199) since version {clean['version']}, limit 50%")
    assert issues["rowCount"]["value"] == pytest.approx(370 / 569, rel=1e-5)
    assert issues["size"]["value"] > 0.5
    # The same change is fine under a looser policy.
    loose = run(store, store_version(store, clean, half), {"maxRowCountChange": 0.7, "maxSizeChange": 0.7})
    assert loose["output"]["status"] == "passed"


def test_size_of_the_previous_version_comes_from_its_schema_when_it_has_bytes(store):
    clean = ingested(store, "iris")
    schema = read_schema(store, clean)
    schema["bytes"] = clean["data"]["size"] * 10  # a schema that says the previous data was 10 times larger
    store.put_json(key_of(clean["schema"]), schema)
    rows = read_rows(store, clean)
    rows[1][0] = str(float(rows[1][0]) + 0.1)  # another version, about the same size
    result = run(store, store_version(store, clean, rows), {"onIssue": "warn"})
    assert [i["check"] for i in result["output"]["issues"]] == ["size"]


def test_a_missing_previous_version_is_an_issue_not_a_crash(store):
    clean = ingested(store, "iris")
    dataset = store_version(store, clean, read_rows(store, clean), previous="000000000000")
    result = run(store, dataset, {"onIssue": "warn"})
    assert [i["check"] for i in result["output"]["issues"]] == ["previousVersion"]
    assert "datasets/iris/000000000000/schema.json" in result["output"]["issues"][0]["message"]


# --- isolation forest ---------------------------------------------------------------------------------------------

def test_isolation_forest_is_deterministic_and_fires_above_its_limit(store):
    dataset = ingested(store, "breast_cancer")
    first = report_after(store, dataset)["isolationForest"]
    assert first == report_after(store, dataset)["isolationForest"]
    assert 0.05 < first["fraction"] < 0.3 and first["seed"] == 42 and len(first["mostAnomalous"]) == 10
    strict = run(store, dataset, {"onIssue": "warn", "outliers": {"isolationForest": {"maxAnomalyFraction": 0.05}}})
    (found,) = strict["output"]["issues"]
    assert found["check"] == "isolationForest" and "column" not in found
    assert found["message"].startswith(f"isolation forest: {first['fraction'] * 100:.1f}% of rows are anomalous")
    off = run(store, dataset, {"outliers": {"isolationForest": {"enabled": False, "maxAnomalyFraction": 0.05}}})
    assert off["output"]["status"] == "passed" and report(store)["isolationForest"] == {"enabled": False, "seed": 42}


# --- input ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "policy, path",
    [
        ({"onIssue": "ignore"}, "policy.onIssue"),
        ({"maxMissingFraction": 1.5}, "policy.maxMissingFraction"),
        ({"maxRowCountChange": -1}, "policy.maxRowCountChange"),
        ({"maxSizeChange": "big"}, "policy.maxSizeChange"),
        ({"outliers": {"zScore": 0}}, "policy.outliers.zScore"),
        ({"outliers": {"iqrFactor": True}}, "policy.outliers.iqrFactor"),
        ({"outliers": {"maxOutlierFraction": 2}}, "policy.outliers.maxOutlierFraction"),
        ({"outliers": {"isolationForest": {"enabled": "yes"}}}, "policy.outliers.isolationForest.enabled"),
        ({"outliers": {"isolationForest": {"maxAnomalyFraction": -0.1}}}, "policy.outliers.isolationForest.maxAnomalyFraction"),
        ({"outliers": {"isolationForest": {"seed": 1.5}}}, "policy.outliers.isolationForest.seed"),
        ({"outliers": {"zscore": 3}}, "policy.outliers.zscore"),
        ({"onissue": "warn"}, "policy.onissue"),
        ("warn", "policy"),
    ],
)
def test_a_bad_policy_names_the_field(store, policy, path):
    dataset = ingested(store, "iris")
    puts = len(store.backend.puts)
    with pytest.raises(StepInputError) as caught:
        run(store, dataset, policy)
    assert [i["path"] for i in caught.value.issues] == [path]
    assert len(store.backend.puts) == puts  # bad input: nothing read, no report


@pytest.mark.parametrize(
    "change, path",
    [
        ({"data": {"uri": "nope"}}, "dataset.data"),
        ({"schema": None}, "dataset.schema"),
        ({"columns": []}, "dataset.columns"),
        ({"name": "../models"}, "dataset.name"),
        ({"previousVersion": "a/b"}, "dataset.previousVersion"),
        ({"rows": -1}, "dataset.rows"),
    ],
)
def test_a_bad_dataset_names_the_field(store, change, path):
    with pytest.raises(StepInputError) as caught:
        run(store, {**ingested(store, "iris"), **change})
    assert any(i["path"] == path or i["path"].startswith(path + ".") for i in caught.value.issues), caught.value.issues


def test_through_the_wrapper_422_names_the_column_and_200_warns(store):
    clean = ingested(store, "iris")
    tampered = store_version(store, clean, inject(read_rows(store, clean), "petal width (cm)", 2))
    app = create_app(validate, load_validator(), SecretReader("/nonexistent"), lambda: store, "validate-dataset", step_key=TEST_STEP_KEY,
                     input_schema=load_step_schema(HERE))
    run_info = {"workflowId": "wf", "runId": "r", "pipeline": "p", "step": "validate-dataset", "attempt": 1}
    failed = signing_client(app).post("/", json={"input": {"dataset": tampered}, "run": run_info})
    assert failed.status_code == 422
    error = failed.get_json()["error"]
    assert 'column "petal width (cm)": 1.3% of values are outliers' in error["message"]
    assert error["issues"][0]["path"] == "input.dataset.data"
    assert store.exists("runs/wf/validate-dataset/validation-report.json")
    warned = signing_client(app).post("/", json={"input": {"dataset": tampered, "policy": {"onIssue": "warn"}}, "run": run_info})
    assert warned.status_code == 200 and warned.get_json()["output"]["status"] == "warned"
    bad = signing_client(app).post("/", json={"input": {"dataset": tampered, "policy": {"onIssue": "maybe"}}, "run": run_info})
    assert bad.status_code == 422 and bad.get_json()["error"]["issues"][0]["path"] == "input.policy.onIssue"


# The calibrated defaults (see validation_outliers.py), declared once in workflows/steps/validate-dataset.ts.
DEFAULT_POLICY = {
    "onIssue": "fail", "maxMissingFraction": 0, "maxRowCountChange": 0.5, "maxSizeChange": 0.5,
    "outliers": {"zScore": 6, "iqrFactor": 20, "maxOutlierFraction": 0,
                 "isolationForest": {"enabled": True, "maxAnomalyFraction": 0.3, "seed": 42}},
}


def test_an_absent_policy_gets_the_declared_defaults_from_the_generated_schema(store):
    run(store, ingested(store, "iris"))
    assert report(store)["policy"] == DEFAULT_POLICY
    run(store, ingested(store, "iris"), {"outliers": {"isolationForest": {"seed": 7}}})
    assert report(store)["policy"]["outliers"] == {**DEFAULT_POLICY["outliers"], "isolationForest": {**DEFAULT_POLICY["outliers"]["isolationForest"], "seed": 7}}


def test_unreadable_data_is_a_422_naming_the_field(store):
    clean = ingested(store, "iris")
    gone = {**clean, "data": {**clean["data"], "uri": "s3://baton-test/datasets/iris/000000000000/data.csv"}}
    with pytest.raises(StepInputError) as caught:
        run(store, gone)
    assert caught.value.issues[0]["path"] == "dataset.data"
    binary = {**clean, "data": store.put_bytes("datasets/iris/ffffffffffff/data.csv", b"\xff\xfe\x00garbage")}
    with pytest.raises(StepInputError, match="not a readable UTF-8 CSV") as caught:
        run(store, binary)
    assert caught.value.issues[0]["path"] == "dataset.data"


def test_values_near_the_float_limit_are_reported_not_a_crash(store):
    clean = ingested(store, "iris")
    rows = [list(row) for row in read_rows(store, clean)]
    for row in rows[1:4]:
        row[0] = "1e308"
    result = run(store, store_version(store, clean, rows), {"onIssue": "warn"})
    assert result["output"]["status"] in ("passed", "warned")
    (column,) = [c for c in report(store)["columns"] if c["name"] == "sepal length (cm)"]
    assert column["skipped"].startswith("values too large")
