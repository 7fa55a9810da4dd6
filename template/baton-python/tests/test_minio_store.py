"""The ArtifactStore against a real MinIO server (skipped when the binary is not installed).

The binary comes from `npm run setup` (deploy/tools), cached under BATON_TOOLS_DIR.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import tracemalloc

import pytest

from baton_step import ArtifactIntegrityError, ArtifactNotFoundError
from baton_step.config import ArtifactSettings
from baton_step.s3_backend import PART_SIZE, UPLOAD_BUFFER_BYTES, open_store
from baton_step.secrets import SecretReader
from baton_test_procs import free_port, stop, wait_http

MINIO_VERSION = "v0.0.0-20260212201848-7aac2a2c5b7c"
TOOLS_DIR = os.environ.get("BATON_TOOLS_DIR") or os.path.expanduser("~/.cache/baton/tools")
MINIO_BIN = os.path.join(TOOLS_DIR, "minio", MINIO_VERSION, "minio")


@pytest.fixture
def minio_server(tmp_path):
    """A throwaway MinIO on a free loopback port with random root credentials."""
    if not os.access(MINIO_BIN, os.X_OK):
        pytest.skip(f"no MinIO binary at {MINIO_BIN} (run `npm run setup` to install it)")
    user, password = f"test-{secrets.token_hex(4)}", secrets.token_hex(16)
    port = free_port()
    env = {**os.environ, "MINIO_ROOT_USER": user, "MINIO_ROOT_PASSWORD": password, "MINIO_BROWSER": "off"}
    proc = subprocess.Popen(
        [MINIO_BIN, "server", str(tmp_path / "data"), "--address", f"127.0.0.1:{port}", "--console-address", f"127.0.0.1:{free_port()}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/minio/health/ready", proc, timeout=60)
        secrets_dir = tmp_path / "secrets"
        secrets_dir.mkdir()
        (secrets_dir / "s3-access-key").write_text(user + "\n")
        (secrets_dir / "s3-secret-key").write_text(password + "\n")
        yield {"endpoint": f"http://127.0.0.1:{port}", "secrets_dir": str(secrets_dir)}
    finally:
        stop(proc)


def test_store_against_real_minio(minio_server, tmp_path):
    settings = ArtifactSettings.from_env({"S3_ENDPOINT": minio_server["endpoint"], "BATON_ARTIFACT_BUCKET": "baton-it"})
    store = open_store(settings, SecretReader(minio_server["secrets_dir"]))  # creates the bucket
    open_store(settings, SecretReader(minio_server["secrets_dir"]))  # a second replica: bucket already there

    # Bigger than one part: goes multipart, streamed from disk.
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(PART_SIZE + 1024 * 1024 + 3))
    ref = store.put_file("runs/wf/train/big.bin", str(big))
    assert ref["size"] == big.stat().st_size and ref["uri"] == "s3://baton-it/runs/wf/train/big.bin"
    assert store.exists("runs/wf/train/big.bin") and not store.exists("runs/wf/train/none")
    out = store.get_to_file(ref, str(tmp_path / "back.bin"))
    assert hashlib.sha256(open(out, "rb").read()).hexdigest() == ref["sha256"]

    # The sha256 recorded as object metadata lets an identical upload be skipped.
    info = store.backend.stat("baton-it", "runs/wf/train/big.bin")
    assert info.sha256 == ref["sha256"]
    uploads = []
    real_put = store.backend.put
    store.backend.put = lambda bucket, key, *rest: (uploads.append(key), real_put(bucket, key, *rest))
    small = store.put_bytes("datasets/x/1/data.csv", b"a\n1\n", skip_if_same=True)
    assert store.put_bytes("datasets/x/1/data.csv", b"a\n1\n", skip_if_same=True) == small
    assert uploads == ["datasets/x/1/data.csv"]

    # A reference that no longer matches what is stored, and one to nothing.
    store.put_bytes("datasets/x/1/data.csv", b"a\n2\n")
    with pytest.raises(ArtifactIntegrityError, match="s3://baton-it/datasets/x/1/data.csv"):
        store.get_to_file(small, str(tmp_path / "changed.csv"))
    with pytest.raises(ArtifactNotFoundError, match="s3://baton-it/nothing"):
        store.get_to_file({"uri": "s3://baton-it/nothing", "sha256": "0" * 64, "size": 1}, str(tmp_path / "n"))


def test_large_artifact_streams_with_bounded_memory(minio_server, tmp_path):
    """Many parts up and back: Python's peak allocation stays within one part and its copy, not the object's size
    (minio-py's defaults, 16 MiB parts with 3 uploads in flight, held 80 MiB here)."""
    settings = ArtifactSettings.from_env({"S3_ENDPOINT": minio_server["endpoint"], "BATON_ARTIFACT_BUCKET": "baton-it"})
    store = open_store(settings, SecretReader(minio_server["secrets_dir"]))
    big = tmp_path / "big.bin"
    with open(big, "wb") as file:
        for _ in range(12):  # 12 parts of PART_SIZE, written a part at a time
            file.write(os.urandom(PART_SIZE))
    size = big.stat().st_size
    assert UPLOAD_BUFFER_BYTES <= 32 * 1024 * 1024  # at most half the 64 MiB a replica may grow streaming

    tracemalloc.start()  # traces every thread's allocations: minio-py uploads parts from a thread pool
    try:
        ref = store.put_file("runs/wf/ingest/big.bin", str(big))
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        store.get_to_file(ref, str(tmp_path / "back.bin"))
        _, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ref["size"] == size
    assert upload_peak <= UPLOAD_BUFFER_BYTES + 2 * 1024 * 1024, f"upload held {upload_peak / 2**20:.1f} MiB of a {size / 2**20:.0f} MiB file"
    assert download_peak <= 8 * 1024 * 1024, f"download held {download_peak / 2**20:.1f} MiB of a {size / 2**20:.0f} MiB file"
