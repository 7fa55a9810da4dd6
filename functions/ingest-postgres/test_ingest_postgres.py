"""ingest-postgres: input checks, quoting, settings and errors without a database; reading real tables from a
throwaway PostgreSQL server (skipped when none is installed: the integration test covers the whole stack)."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from baton_step import ConfigError, StepInputError
from baton_step.app import create_app
from baton_step.envelope import load_validator
from baton_step.handler_loader import load_handler
from baton_step.secrets import SecretReader
from baton_step.testing import TEST_STEP_KEY, signing_client, make_context, memory_store

from postgres_settings import parse_allowed_tables, settings_from_env
from postgres_table import PostgresUnavailableError, connect, describe_table, dtype_of, read_rows, select_query

ingest = load_handler(os.path.dirname(os.path.abspath(__file__)), module_name="ingest_postgres_handler")
RUN = {"workflowId": "wf", "runId": "r", "pipeline": "p", "step": "ingest-postgres", "attempt": 1}


# --- input --------------------------------------------------------------------------------------------------------

def test_defaults_schema_public_and_the_table_name_as_dataset_name():
    assert ingest.parse_input({"table": "Iris", "target": "species"}) == {
        "table": "Iris", "schema": "public", "target": "species", "name": "iris", "limit": None,
    }
    assert ingest.parse_input({"table": "t", "target": "y", "schema": "lab", "name": "flowers", "limit": 10})["name"] == "flowers"


@pytest.mark.parametrize(
    "raw, paths",
    [
        ({"table": 'iris"; DROP TABLE iris; --', "target": "species"}, ["table"]),
        ({"table": "public.iris", "target": "species"}, ["table"]),
        ({"table": "iris", "schema": "a b", "target": "species"}, ["schema"]),
        ({"table": "iris", "target": ""}, ["target"]),
        ({"table": "iris", "target": "x" * 64}, ["target"]),
        ({"table": "iris", "target": "a\x00b"}, ["target"]),
        ({"table": "iris", "target": "species", "limit": 0}, ["limit"]),
        ({"table": "iris", "target": "species", "limit": True}, ["limit"]),
        ({"table": "iris", "target": "species", "name": "Bad Name"}, ["name"]),
        ({"table": "iris$2", "target": "species"}, ["name"]),
        ({"table": "iris", "target": "species", "where": "1=1"}, ["where"]),
        ({}, ["table", "target"]),
        ("iris", [""]),
    ],
)
def test_bad_input_names_every_field(raw, paths):
    with pytest.raises(StepInputError) as caught:
        ingest.parse_input(raw)
    assert sorted(issue["path"] for issue in caught.value.issues) == sorted(paths)


def test_names_are_quoted_as_identifiers_in_the_query():
    columns = [("sepal length", "double precision"), ('we"ird', "text"), ("ok", "boolean"), ("n", "integer")]
    query = select_query("Lab", "Iris", columns, 5).as_string(None)
    assert query == (
        'SELECT "sepal length" AS "sepal length", "we""ird"::text AS "we""ird", "ok"::int AS "ok", "n" AS "n"'
        ' FROM "Lab"."Iris" ORDER BY 1, 2, 3, 4 LIMIT 5'
    )
    assert "LIMIT" not in select_query("public", "t", columns[:1], None).as_string(None)


@pytest.mark.parametrize(
    "data_type, dtype",
    [("integer", "int64"), ("bigint", "int64"), ("smallint", "int64"), ("boolean", "int64"), ("real", "float64"),
     ("double precision", "float64"), ("numeric", "float64"), ("text", "string"), ("character varying", "string"),
     ("date", "string"), ("jsonb", "string"), ("USER-DEFINED", "string")],
)
def test_column_types(data_type, dtype):
    assert dtype_of(data_type) == dtype


# --- settings and connection failures -----------------------------------------------------------------------------

def test_settings_come_from_libpq_names_and_errors_name_the_key():
    env = {"PGHOST": "db.local", "PGDATABASE": "lab", "PGUSER": "reader"}
    settings = settings_from_env(env)
    assert (settings.host, settings.port, settings.database, settings.user, settings.address) == ("db.local", 5432, "lab", "reader", "db.local:5432")
    assert settings_from_env({**env, "PGHOST": "::1", "PGPORT": "6000"}).address == "[::1]:6000"
    for key in ("PGHOST", "PGDATABASE", "PGUSER"):
        with pytest.raises(ConfigError, match=key):
            settings_from_env({k: v for k, v in env.items() if k != key})
    for port in ("abc", "0", "70000"):
        with pytest.raises(ConfigError, match="PGPORT"):
            settings_from_env({**env, "PGPORT": port})


def test_allowed_tables_are_schema_table_pairs_and_a_bad_entry_names_the_key():
    assert parse_allowed_tables(" public.iris, lab.* ,sales,") == {("public", "iris"), ("lab", "*"), ("public", "sales")}
    assert parse_allowed_tables("") == frozenset()
    settings = settings_from_env({"PGHOST": "h", "PGDATABASE": "d", "PGUSER": "u", "PG_ALLOWED_TABLES": "public.iris,lab.*"})
    assert settings.allows("public", "iris") and settings.allows("lab", "Flowers")
    assert not settings.allows("public", "Iris") and not settings.allows("public", "users")
    assert not settings_from_env({"PGHOST": "h", "PGDATABASE": "d", "PGUSER": "u"}).allows("public", "iris"), "unset allows nothing"
    for bad in ("public.iris;drop", "a.b.c", "1table", "public.*x"):
        with pytest.raises(ConfigError, match="PG_ALLOWED_TABLES"):
            parse_allowed_tables(bad)


def test_a_table_off_the_allow_list_is_422_naming_the_setting_before_any_connection(tmp_path, monkeypatch):
    port = _closed_port()  # nothing listens: a connection attempt would be a 500, not a 422
    for key, value in {"PGHOST": "127.0.0.1", "PGPORT": str(port), "PGDATABASE": "baton", "PGUSER": "baton", "PG_ALLOWED_TABLES": "public.iris"}.items():
        monkeypatch.setenv(key, value)
    ingest.settings.cache_clear()
    try:
        store = memory_store()
        app = create_app(ingest, load_validator(), SecretReader(_secrets(tmp_path, "pw")), lambda: store, "ingest-postgres", step_key=TEST_STEP_KEY)
        answer = signing_client(app).post("/", json={"input": {"table": "users", "target": "species"}, "run": RUN})
        assert answer.status_code == 422
        error = answer.get_json()["error"]
        assert error["issues"][0]["path"] == "input.table"
        assert "PG_ALLOWED_TABLES" in error["message"] and '"public"."users"' in error["message"] and "public.iris" in error["message"]
        assert store.backend.puts == []
    finally:
        ingest.settings.cache_clear()


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


def _secrets(tmp_path, password):
    (tmp_path / "postgres-password").write_text(password + "\n")
    return str(tmp_path)


def test_connection_refused_is_a_retryable_500_naming_host_and_port_never_the_password(tmp_path, monkeypatch):
    port = _closed_port()
    monkeypatch.setenv("PGHOST", "127.0.0.1")
    monkeypatch.setenv("PGPORT", str(port))
    monkeypatch.setenv("PGDATABASE", "baton")
    monkeypatch.setenv("PGUSER", "baton")
    monkeypatch.setenv("PG_ALLOWED_TABLES", "public.iris")
    ingest.settings.cache_clear()
    try:
        with pytest.raises(PostgresUnavailableError) as caught:
            connect(ingest.settings(), "pw-Secret-42")
        assert f"127.0.0.1:{port}" in str(caught.value) and "pw-Secret-42" not in str(caught.value)

        store = memory_store()
        app = create_app(ingest, load_validator(), SecretReader(_secrets(tmp_path, "pw-Secret-42")), lambda: store, "ingest-postgres", step_key=TEST_STEP_KEY)
        answer = signing_client(app).post("/", json={"input": {"table": "iris", "target": "species"}, "run": RUN})
        assert answer.status_code == 500
        error = answer.get_json()["error"]
        assert error["type"] == "PostgresUnavailableError" and f"127.0.0.1:{port}" in error["message"]
        assert "pw-Secret-42" not in answer.get_data(as_text=True)
        assert store.backend.puts == []
    finally:
        ingest.settings.cache_clear()


# --- a real server ------------------------------------------------------------------------------------------------

@pytest.fixture
def db(live_postgres, monkeypatch, tmp_path):
    """The live server's settings in the environment, the password as the function's secret, a clean schema."""
    for key, value in live_postgres.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PG_ALLOWED_TABLES", "public.*,lab.*,nowhere.*")  # nowhere: a schema that does not exist
    ingest.settings.cache_clear()
    with live_postgres.admin() as admin:
        admin.execute("DROP SCHEMA IF EXISTS lab CASCADE")
        admin.execute("CREATE SCHEMA lab")
        admin.execute("GRANT USAGE ON SCHEMA lab TO baton")
        admin.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA lab GRANT SELECT ON TABLES TO baton")
        yield admin, _secrets(tmp_path, live_postgres.password)
    ingest.settings.cache_clear()


FLOWERS = """
CREATE TABLE lab."Flowers" (
  "sepal length" real, width double precision, petals integer, ratio numeric(4,2), fresh boolean,
  picked date, species text
);
INSERT INTO lab."Flowers" VALUES
  (5.1, 3.5, 4, 1.25, true, '2024-05-01', 'setosa'),
  (6.3, NULL, 5, 0.5, false, '2024-05-02', 'virginica'),
  (4.9, 3.0, 4, NULL, NULL, NULL, 'setosa'),
  (5.8, 2.7, 6, 2, true, '2024-05-03', 'versicolor');
"""


def test_a_table_becomes_a_dataset_version(db):
    admin, secrets = db
    admin.execute(FLOWERS)
    store = memory_store()
    result = ingest.handle({"table": "Flowers", "schema": "lab", "target": "species"}, make_context(store, secrets_dir=secrets))
    dataset = result["output"]["dataset"]
    data = store.backend.read(f"datasets/flowers/{dataset['version']}/data.csv")
    assert dataset["version"] == hashlib.sha256(data).hexdigest()[:12]
    # Ordered by every column; real keeps its short form; boolean as 0/1; dates as PostgreSQL writes them.
    assert data.decode() == (
        "sepal length,width,petals,ratio,fresh,picked,species\n"
        "4.9,3.0,4,,,,setosa\n"
        "5.1,3.5,4,1.25,1,2024-05-01,setosa\n"
        "5.8,2.7,6,2.0,1,2024-05-03,versicolor\n"
        "6.3,,5,0.5,0,2024-05-02,virginica\n"
    )
    assert (dataset["name"], dataset["rows"], dataset["target"], dataset["previousVersion"]) == ("flowers", 4, "species", None)
    assert dataset["columns"] == ["sepal length", "width", "petals", "ratio", "fresh", "picked"]
    assert result["metrics"] == {"rows": 4, "columns": 6}
    schema = json.loads(store.backend.read(f"datasets/flowers/{dataset['version']}/schema.json"))
    by_name = {column["name"]: column for column in schema["columns"]}
    assert [by_name[n]["dtype"] for n in dataset["columns"]] == ["float64", "float64", "int64", "float64", "int64", "string"]
    assert by_name["width"]["missing"] == 1 and by_name["petals"]["max"] == 6.0 and by_name["picked"]["distinct"] == 3
    assert by_name["species"]["classes"] == ["setosa", "versicolor", "virginica"]


def test_equal_content_is_the_same_version_whatever_the_physical_order_and_a_change_names_the_previous(db):
    admin, secrets = db
    admin.execute("CREATE TABLE lab.a (x int, y text); INSERT INTO lab.a VALUES (2, 'b'), (1, 'a'), (3, 'a')")
    admin.execute("CREATE TABLE lab.b (x int, y text); INSERT INTO lab.b VALUES (3, 'a'), (1, 'a'), (2, 'b')")
    store = memory_store()
    ctx = lambda: make_context(store, secrets_dir=secrets)  # noqa: E731
    first = ingest.handle({"table": "a", "schema": "lab", "target": "y", "name": "letters"}, ctx())["output"]["dataset"]
    same = ingest.handle({"table": "b", "schema": "lab", "target": "y", "name": "letters"}, ctx())["output"]["dataset"]
    assert same == first
    admin.execute("UPDATE lab.a SET y = 'c' WHERE x = 3")
    changed = ingest.handle({"table": "a", "schema": "lab", "target": "y", "name": "letters"}, ctx())["output"]["dataset"]
    assert changed["version"] != first["version"] and changed["previousVersion"] == first["version"]
    again = ingest.handle({"table": "a", "schema": "lab", "target": "y", "name": "letters"}, ctx())["output"]["dataset"]
    assert again == changed
    limited = ingest.handle({"table": "a", "schema": "lab", "target": "y", "name": "two", "limit": 2}, ctx())["output"]["dataset"]
    assert store.backend.read(f"datasets/two/{limited['version']}/data.csv") == b"x,y\n1,a\n2,b\n"


def test_rows_come_in_batches(db, live_postgres):
    admin, _ = db
    admin.execute("CREATE TABLE lab.many AS SELECT g AS n, g % 3 AS label FROM generate_series(1, 10) AS g")
    settings = ingest.settings()
    with connect(settings, live_postgres.password) as connection:
        described = describe_table(connection, "lab", "many")
        rows = read_rows(connection, select_query("lab", "many", described, None), settings, batch_rows=3)
        assert [row[0] for row in rows] == list(range(1, 11))


@pytest.mark.parametrize(
    "raw, path, named",
    [
        ({"table": "nope", "schema": "lab", "target": "y"}, "table", '"lab"."nope"'),
        ({"table": "a", "schema": "nowhere", "target": "y"}, "schema", '"nowhere"'),
        ({"table": "a", "schema": "lab", "target": "label"}, "target", '"label"'),
    ],
)
def test_unknown_names_are_422_naming_them(db, raw, path, named):
    admin, secrets = db
    admin.execute("CREATE TABLE lab.a (x int, y text)")
    store = memory_store()
    app = create_app(ingest, load_validator(), SecretReader(secrets), lambda: store, "ingest-postgres", step_key=TEST_STEP_KEY)
    answer = signing_client(app).post("/", json={"input": raw, "run": RUN})
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["issues"][0]["path"] == f"input.{path}" and named in error["message"]
    assert store.backend.puts == []


def test_a_table_the_role_may_not_read_looks_absent(db):
    admin, secrets = db
    admin.execute("CREATE TABLE public.hidden (x int, y text)")  # no GRANT to baton
    with pytest.raises(StepInputError) as caught:
        ingest.handle({"table": "hidden", "target": "y"}, make_context(memory_store(), secrets_dir=secrets))
    assert caught.value.issues[0]["path"] == "table" and "may not read" in caught.value.message


def test_a_wrong_password_fails_naming_the_server_but_not_the_password(db, tmp_path):
    other = tmp_path / "wrong"
    other.mkdir()
    (other / "postgres-password").write_text("not-the-Password-7")
    with pytest.raises(PostgresUnavailableError) as caught:
        ingest.handle({"table": "a", "schema": "lab", "target": "y"}, make_context(memory_store(), secrets_dir=str(other)))
    message = str(caught.value)
    assert ingest.settings().address in message and "password authentication failed" in message
    assert "not-the-Password-7" not in message
