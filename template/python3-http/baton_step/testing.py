"""Test helpers: an in-memory object backend and a ready-made StepContext, so handler tests
run the real ArtifactStore code without MinIO."""

from __future__ import annotations

import os
import tempfile
import threading
from typing import BinaryIO, Iterator, Optional

from .artifacts import ArtifactStore, ObjectInfo
from .context import RunInfo, StepContext
from .errors import ArtifactNotFoundError
from .secrets import SecretReader

TEST_BUCKET = "baton-test"


class MemoryBackend:
    """Objects in a dict; records every put so tests can assert on uploads."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], tuple[bytes, str, str]] = {}  # -> (data, content type, sha256)
        self.puts: list[str] = []
        self._lock = threading.Lock()

    def ensure_bucket(self, bucket: str) -> None:
        """Buckets need no creation in memory."""

    def put(self, bucket: str, key: str, stream: BinaryIO, size: int, content_type: str, sha256: str) -> None:
        """Stores exactly ``size`` bytes from ``stream``."""
        data = stream.read(size)
        if len(data) != size:
            raise IOError(f"stream ended after {len(data)} of {size} bytes")
        with self._lock:
            self.objects[(bucket, key)] = (data, content_type, sha256)
            self.puts.append(key)

    def get(self, bucket: str, key: str) -> Iterator[bytes]:
        """Yields the object in small chunks, like a network stream."""
        with self._lock:
            found = self.objects.get((bucket, key))
        if found is None:
            raise ArtifactNotFoundError(f"artifact s3://{bucket}/{key} does not exist")
        data = found[0]
        for start in range(0, len(data), 64 * 1024):
            yield data[start:start + 64 * 1024]

    def stat(self, bucket: str, key: str) -> Optional[ObjectInfo]:
        """Size and sha256 of a stored object, or None."""
        with self._lock:
            found = self.objects.get((bucket, key))
        return None if found is None else ObjectInfo(len(found[0]), found[2])

    def read(self, key: str, bucket: str = TEST_BUCKET) -> bytes:
        """The bytes stored at ``key`` (for assertions)."""
        return self.objects[(bucket, key)][0]


def memory_store(bucket: str = TEST_BUCKET) -> ArtifactStore:
    """An ArtifactStore over a fresh MemoryBackend (reach it as ``store.backend``)."""
    return ArtifactStore(MemoryBackend(), bucket)


def make_context(
    store: Optional[ArtifactStore] = None,
    step: str = "step",
    workflow_id: str = "wf-test",
    call_id: str = "call-test",
    secrets_dir: Optional[str] = None,
) -> StepContext:
    """A StepContext for calling ``handle(input, ctx)`` directly in a test."""
    store = store if store is not None else memory_store()
    run = RunInfo(workflow_id=workflow_id, run_id="run-test", pipeline="test", step=step, attempt=1)
    # No secrets unless the test provides a folder: a read then fails like a missing secret.
    secrets = SecretReader(secrets_dir or os.path.join(tempfile.gettempdir(), "baton-test-no-secrets"))
    return StepContext(run, call_id, secrets, lambda: store)
