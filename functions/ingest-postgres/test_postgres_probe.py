"""The probe of ingest-postgres without a database: its input is told from an ingest's by the function's union
schema, and its queries quote every identifier (the integration test probes a real table)."""

from __future__ import annotations

import json
import os

import pytest

from baton_step import StepInputError
from baton_step.step_schema import StepInputSchema

from postgres_probe import probe_query

HERE = os.path.dirname(os.path.abspath(__file__))


def schema() -> StepInputSchema:
    with open(os.path.join(HERE, "step.schema.json"), encoding="utf-8") as file:
        return StepInputSchema(json.load(file))


def test_the_union_schema_takes_a_probe_and_an_ingest_with_their_own_defaults():
    assert schema().apply({"probe": True, "table": "wine"}) == {"probe": True, "table": "wine", "schema": "public"}
    ingest = schema().apply({"table": "wine", "target": "label"})
    assert "probe" not in ingest and ingest["schema"] == "public"
    with pytest.raises(StepInputError):
        schema().apply({"probe": True, "table": "wine", "target": "label"})  # neither shape: both are strict
    with pytest.raises(StepInputError):
        schema().apply({"probe": True, "table": "wine; DROP TABLE wine"})


def test_probe_queries_quote_identifiers():
    assert probe_query("Lab", "Wine", 'loaded"at').as_string(None) == (
        'SELECT max("loaded""at")::text, count(*) FROM "Lab"."Wine"'
    )
    checksum = probe_query("public", "wine", None).as_string(None)
    assert checksum.startswith("SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')), count(*)")
    assert checksum.endswith('FROM "public"."wine" t')
