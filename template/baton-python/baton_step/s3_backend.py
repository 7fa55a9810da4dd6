"""The MinIO/S3 backend of the ArtifactStore, and the one store a process shares. With tracing on, each S3 call is a
child span of the step in progress (tracing.py)."""

from __future__ import annotations

import threading
from typing import BinaryIO, Callable, Iterator, Mapping, Optional

from minio import Minio
from minio.error import S3Error

from .artifacts import CHUNK_SIZE, ArtifactStore, ListedObject, ObjectInfo
from .config import ArtifactSettings
from .errors import ArtifactNotFoundError
from .secrets import SecretReader, read_s3_credentials
from .tracing import s3_span

# Uploads over this size go multipart in parts of this size (S3 minimum is 5 MiB), one part at a time: minio-py then
# holds the part it read and one copy of it as it sends, whatever the file size. Measured (tracemalloc, 96 MiB file):
# 16 MiB parts with its default 3 uploads in flight held 80 MiB, over the 64 MiB a replica may grow streaming a
# large artifact; 8 MiB parts, 2 in flight: 32 MiB; 8 MiB parts, one at a time: 16 MiB, as the TS template's putStream.
PART_SIZE = 8 * 1024 * 1024
PARALLEL_UPLOADS = 1
UPLOAD_BUFFER_BYTES = 2 * PART_SIZE  # what one upload holds: the part read and the copy being sent
SHA256_META = "sha256"  # stored as x-amz-meta-sha256, so an identical upload can be skipped
_MISSING = {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"}
_BUCKET_TAKEN = {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}


class MinioBackend:
    """Moves bytes with the ``minio`` client."""

    def __init__(self, client: Minio, region: str) -> None:
        self.client = client
        self.region = region

    def ensure_bucket(self, bucket: str) -> None:
        """Creates the bucket when missing; another replica creating it first is fine."""
        try:
            with s3_span("HeadBucket", bucket):
                if self.client.bucket_exists(bucket):
                    return
        except S3Error as error:
            # A function's own S3 user may see only its prefixes, not the bucket: the deployment made the bucket
            # (and a write to a missing one still fails, with NoSuchBucket).
            if error.code == "AccessDenied":
                return
            raise
        try:
            with s3_span("CreateBucket", bucket):
                self.client.make_bucket(bucket, location=self.region)
        except S3Error as error:
            if error.code not in _BUCKET_TAKEN:
                raise

    def put(self, bucket: str, key: str, stream: BinaryIO, size: int, content_type: str, sha256: str) -> None:
        """Streams ``size`` bytes to ``bucket/key`` (multipart above PART_SIZE, holding at most UPLOAD_BUFFER_BYTES)."""
        with s3_span("PutObject", bucket, key):
            self.client.put_object(
                bucket,
                key,
                stream,
                length=size,
                content_type=content_type,
                metadata={SHA256_META: sha256},
                part_size=PART_SIZE,
                num_parallel_uploads=PARALLEL_UPLOADS,
            )

    def get(self, bucket: str, key: str) -> Iterator[bytes]:
        """Yields the object in chunks and always returns the connection to the pool."""
        try:
            with s3_span("GetObject", bucket, key):  # the request; the body streams after it
                response = self.client.get_object(bucket, key)
        except S3Error as error:
            if error.code in _MISSING:
                raise ArtifactNotFoundError(f"artifact s3://{bucket}/{key} does not exist") from None
            raise
        try:
            yield from response.stream(CHUNK_SIZE)
        finally:
            response.close()
            response.release_conn()

    def stat(self, bucket: str, key: str) -> Optional[ObjectInfo]:
        """Size and recorded sha256, or None when there is no such object."""
        try:
            with s3_span("HeadObject", bucket, key):
                info = self.client.stat_object(bucket, key)
        except S3Error as error:
            if error.code in _MISSING:
                return None
            raise
        metadata = {name.lower(): value for name, value in (info.metadata or {}).items()}
        return ObjectInfo(size=info.size or 0, sha256=metadata.get(f"x-amz-meta-{SHA256_META}"))

    def list_keys(self, bucket: str, prefix: str) -> list[str]:
        """Every key under ``prefix`` (recursive), sorted; a missing bucket lists nothing."""
        try:
            with s3_span("ListObjectsV2", bucket, prefix):
                return sorted(item.object_name for item in self.client.list_objects(bucket, prefix=prefix, recursive=True))
        except S3Error as error:
            if error.code in _MISSING:
                return []
            raise

    def list_objects(self, bucket: str, prefix: str) -> Iterator[ListedObject]:
        """Every object under ``prefix`` (ListObjectsV2, recursive), page by page as the caller reads."""
        with s3_span("ListObjectsV2", bucket, prefix):
            for item in self.client.list_objects(bucket, prefix=prefix, recursive=True):
                if not item.is_dir:
                    yield ListedObject(item.object_name or "", (item.etag or "").strip('"'), item.size or 0)


def open_store(settings: ArtifactSettings, secrets: SecretReader) -> ArtifactStore:
    """Builds a store from settings and the function's S3 credentials (``read_s3_credentials``); creates the bucket
    when it is missing and these credentials may."""
    access_key, secret_key = read_s3_credentials(secrets)
    client = Minio(
        settings.host,
        access_key=access_key,
        secret_key=secret_key,
        secure=settings.secure,
        region=settings.region,  # known region: no GetBucketLocation round trip
    )
    backend = MinioBackend(client, settings.region)
    backend.ensure_bucket(settings.bucket)
    return ArtifactStore(backend, settings.bucket)


class SharedStore:
    """The process's one ArtifactStore, created on first use (a handler that never touches
    artifacts never needs S3 settings). A failed creation is not cached: the next call retries."""

    def __init__(self, env: Mapping[str, str], secrets: SecretReader, opener: Callable[..., ArtifactStore] = open_store) -> None:
        self._env = dict(env)  # read once, at startup
        self._secrets = secrets
        self._opener = opener
        self._store: Optional[ArtifactStore] = None
        self._lock = threading.Lock()

    def __call__(self) -> ArtifactStore:
        """Returns the shared store, creating it on the first call."""
        with self._lock:
            if self._store is None:
                self._store = self._opener(ArtifactSettings.from_env(self._env), self._secrets)
            return self._store
