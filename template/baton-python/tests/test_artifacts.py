"""ArtifactStore logic (hashing, verification, skip-if-same, keys) over the in-memory backend."""

from __future__ import annotations

import hashlib
import os

import pytest

from baton_step import ArtifactIntegrityError, ArtifactNotFoundError, parse_uri
from baton_step.testing import make_context, memory_store


def test_put_bytes_and_get_back(tmp_path):
    store = memory_store()
    ref = store.put_bytes("a/b.bin", b"hello")
    assert ref == {"uri": "s3://baton-test/a/b.bin", "sha256": hashlib.sha256(b"hello").hexdigest(), "size": 5}
    path = store.get_to_file(ref, str(tmp_path / "out"))
    assert open(path, "rb").read() == b"hello"
    assert store.exists("a/b.bin") and not store.exists("a/c.bin")


def test_put_file_streams_and_records_sha(tmp_path):
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    store = memory_store()
    ref = store.put_file("big.bin", str(source))
    assert ref["size"] == source.stat().st_size
    assert ref["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert store.backend.read("big.bin") == source.read_bytes()


def test_skip_if_same_does_not_upload_twice():
    store = memory_store()
    first = store.put_bytes("k", b"same", skip_if_same=True)
    second = store.put_bytes("k", b"same", skip_if_same=True)
    assert first == second and store.backend.puts == ["k"]
    store.put_bytes("k", b"different", skip_if_same=True)
    assert store.backend.puts == ["k", "k"]


def test_put_json_is_deterministic():
    store = memory_store()
    a = store.put_json("a.json", {"b": 1, "a": [1.5, None]})
    b = store.put_json("b.json", {"a": [1.5, None], "b": 1})
    assert a["sha256"] == b["sha256"]


def test_mismatch_names_the_uri_and_leaves_no_file(tmp_path):
    store = memory_store()
    ref = store.put_bytes("x.csv", b"a,b\n1,2\n")
    store.put_bytes("x.csv", b"a,b\n1,3\n")  # overwritten behind the reference's back
    target = tmp_path / "x.csv"
    with pytest.raises(ArtifactIntegrityError, match="s3://baton-test/x.csv"):
        store.get_to_file(ref, str(target))
    assert os.listdir(tmp_path) == []


def test_missing_object_names_the_uri(tmp_path):
    ref = {"uri": "s3://baton-test/none", "sha256": "0" * 64, "size": 0}
    with pytest.raises(ArtifactNotFoundError, match="s3://baton-test/none"):
        memory_store().get_to_file(ref, str(tmp_path / "f"))


def test_run_key_and_uri_parsing():
    ctx = make_context(step="train", workflow_id="wf-7")
    assert ctx.run_key("model.skops") == "runs/wf-7/train/model.skops"
    assert parse_uri("s3://bucket/a/b") == ("bucket", "a/b")
    with pytest.raises(ValueError):
        parse_uri("http://bucket/a")
