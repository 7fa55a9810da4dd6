"""Artifacts as references: every object goes in and out as ``{uri, sha256, size}``.

``ArtifactStore`` holds the logic (hashing, verification, keys); an ``ObjectBackend`` moves
bytes. Production uses the MinIO backend (``s3_backend.py``); tests use an in-memory one
(``testing.py``), so the same store code runs in both.
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import os
import re
from typing import TYPE_CHECKING, Any, BinaryIO, Iterator, NamedTuple, Optional, Protocol, TypedDict

from .errors import ArtifactIntegrityError, ArtifactNotFoundError

if TYPE_CHECKING:
    from .context import StepContext

CHUNK_SIZE = 1024 * 1024  # read and hash in 1 MiB pieces: memory stays flat whatever the file size
_URI = re.compile(r"^s3://([^/]+)/(.+)$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ArtifactRef(TypedDict):
    """Where an artifact is, what it hashes to (lowercase hex sha256) and its size in bytes."""

    uri: str
    sha256: str
    size: int


class ObjectInfo(NamedTuple):
    """What a backend knows about a stored object; ``sha256`` is None when it was not recorded."""

    size: int
    sha256: Optional[str]


class ListedObject(NamedTuple):
    """One object of a listing: its key, ETag (as the store reports it) and size in bytes."""

    key: str
    etag: str
    size: int


class ObjectBackend(Protocol):
    """Moves bytes to and from an object store. Implementations: MinioBackend, MemoryBackend."""

    def ensure_bucket(self, bucket: str) -> None:
        """Creates the bucket when missing."""

    def put(self, bucket: str, key: str, stream: BinaryIO, size: int, content_type: str, sha256: str) -> None:
        """Stores exactly ``size`` bytes read from ``stream`` and records ``sha256`` with them."""

    def get(self, bucket: str, key: str) -> Iterator[bytes]:
        """Yields the object's bytes in chunks; raises ArtifactNotFoundError when absent."""

    def stat(self, bucket: str, key: str) -> Optional[ObjectInfo]:
        """Size and recorded sha256 of an object, or None when absent."""

    def list_keys(self, bucket: str, prefix: str) -> list[str]:
        """Every key under ``prefix`` (recursive), sorted."""

    def list_objects(self, bucket: str, prefix: str) -> Iterator[ListedObject]:
        """Every object whose key starts with ``prefix`` (recursively), in any order; lazily, page by page."""


def parse_uri(uri: str) -> tuple[str, str]:
    """Splits ``s3://bucket/key`` into (bucket, key)."""
    match = _URI.match(uri) if isinstance(uri, str) else None
    if not match:
        raise ValueError(f'not an s3:// artifact uri: "{uri}"')
    return match.group(1), match.group(2)


def is_artifact_ref(value: Any) -> bool:
    """True when ``value`` has the shape of an ArtifactRef."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("uri"), str)
        and _URI.match(value["uri"]) is not None
        and isinstance(value.get("sha256"), str)
        and _SHA256.match(value["sha256"]) is not None
        and isinstance(value.get("size"), int)
        and not isinstance(value.get("size"), bool)
        and value["size"] >= 0
    )


def run_key(ctx: "StepContext", name: str) -> str:
    """``runs/<workflowId>/<step>/<name>``: a retry writes the same key, so retries leave no duplicates."""
    if not name or name.startswith("/"):
        raise ValueError(f'artifact name must be a relative key, got "{name}"')
    return f"runs/{ctx.run.workflow_id}/{ctx.run.step}/{name}"


def file_sha256(path: str) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _content_type(key: str) -> str:
    guessed, _ = mimetypes.guess_type(key)
    return guessed or "application/octet-stream"


class ArtifactStore:
    """Reads and writes artifacts in one bucket, always by reference."""

    def __init__(self, backend: ObjectBackend, bucket: str) -> None:
        self.backend = backend
        self.bucket = bucket

    def uri(self, key: str) -> str:
        """The ``s3://`` uri of ``key`` in this store's bucket."""
        return f"s3://{self.bucket}/{key}"

    def exists(self, key: str) -> bool:
        """Whether an object is stored at ``key``."""
        return self.backend.stat(self.bucket, key) is not None

    def put_file(self, key: str, path: str, content_type: str | None = None, skip_if_same: bool = False) -> ArtifactRef:
        """Uploads a file by streaming it (never whole in memory) and returns its reference.

        With ``skip_if_same``, an object already at ``key`` with the same size and sha256 is kept
        and not uploaded again (content-addressed keys, idempotent retries).
        """
        size = os.path.getsize(path)
        sha256 = file_sha256(path)
        ref: ArtifactRef = {"uri": self.uri(key), "sha256": sha256, "size": size}
        if skip_if_same and self._holds(key, size, sha256):
            return ref
        with open(path, "rb") as file:
            self.backend.put(self.bucket, key, file, size, content_type or _content_type(key), sha256)
        return ref

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None, skip_if_same: bool = False) -> ArtifactRef:
        """Uploads small bytes (reports, metadata) and returns their reference."""
        sha256 = hashlib.sha256(data).hexdigest()
        ref: ArtifactRef = {"uri": self.uri(key), "sha256": sha256, "size": len(data)}
        if skip_if_same and self._holds(key, len(data), sha256):
            return ref
        self.backend.put(self.bucket, key, io.BytesIO(data), len(data), content_type or _content_type(key), sha256)
        return ref

    def put_json(self, key: str, value: Any, skip_if_same: bool = False) -> ArtifactRef:
        """Uploads ``value`` as JSON with sorted keys, so equal values give equal bytes and hashes."""
        text = json.dumps(value, indent=2, sort_keys=True, allow_nan=False, ensure_ascii=False) + "\n"
        return self.put_bytes(key, text.encode("utf-8"), "application/json", skip_if_same)

    def get_bytes(self, ref: ArtifactRef) -> bytes:
        """Reads a small artifact whole, checking size and sha256 against ``ref``."""
        if not is_artifact_ref(ref):
            raise ValueError("not an artifact reference: expected {uri: s3://bucket/key, sha256, size}")
        bucket, key = parse_uri(ref["uri"])
        data = b"".join(self.backend.get(bucket, key))
        actual = hashlib.sha256(data).hexdigest()
        if len(data) != ref["size"] or actual != ref["sha256"]:
            raise ArtifactIntegrityError(
                f"artifact {ref['uri']} does not match its reference: expected {ref['size']} bytes "
                f"with sha256 {ref['sha256'][:12]}..., got {len(data)} bytes with sha256 {actual[:12]}..."
            )
        return data

    def list_keys(self, prefix: str) -> list[str]:
        """Every key under ``prefix`` in this bucket, sorted (time-partitioned logs, monitoring summaries)."""
        return self.backend.list_keys(self.bucket, prefix)

    def read_bytes(self, key: str) -> Optional[bytes]:
        """The bytes stored at ``key`` now, or None when absent: for objects no reference pins (logs, datasets
        named by a registry record's uri)."""
        try:
            return b"".join(self.backend.get(self.bucket, key))
        except ArtifactNotFoundError:
            return None

    def read_json(self, key: str) -> Optional[Any]:
        """The JSON value stored at ``key`` in this bucket, or None when absent.

        For small mutable documents (pointers such as a model's production stage), which no reference
        pins: the caller gets whatever is stored now.
        """
        try:
            # One GET, no HEAD first: pointers are read on every prediction.
            return json.loads(b"".join(self.backend.get(self.bucket, key)).decode("utf-8"))
        except ArtifactNotFoundError:
            return None

    def get_to_file(self, ref: ArtifactRef, path: str) -> str:
        """Downloads the artifact to ``path``, checking size and sha256 against ``ref``; returns ``path``.

        A mismatch raises ArtifactIntegrityError naming the uri, and leaves no file behind.
        """
        if not is_artifact_ref(ref):
            raise ValueError("not an artifact reference: expected {uri: s3://bucket/key, sha256, size}")
        bucket, key = parse_uri(ref["uri"])
        partial = f"{path}.part"
        digest = hashlib.sha256()
        size = 0
        try:
            with open(partial, "wb") as file:
                for chunk in self.backend.get(bucket, key):
                    digest.update(chunk)
                    size += len(chunk)
                    file.write(chunk)
            if size != ref["size"] or digest.hexdigest() != ref["sha256"]:
                raise ArtifactIntegrityError(
                    f"artifact {ref['uri']} does not match its reference: expected {ref['size']} bytes "
                    f"with sha256 {ref['sha256'][:12]}..., got {size} bytes with sha256 {digest.hexdigest()[:12]}..."
                )
            os.replace(partial, path)
        finally:
            if os.path.exists(partial):
                os.remove(partial)
        return path

    def _holds(self, key: str, size: int, sha256: str) -> bool:
        info = self.backend.stat(self.bucket, key)
        return info is not None and info.size == size and info.sha256 == sha256
