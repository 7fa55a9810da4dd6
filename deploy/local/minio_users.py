"""Creates the local stack's bucket and one MinIO user + policy per function, through MinIO's admin API.

Run by storage-users.ts with the project virtualenv's Python, whose pinned ``minio`` package has ``MinioAdmin``
(the admin API's signed, encrypted requests). Reads one JSON plan on stdin, so no credential is on a command line::

    {"endpoint": "127.0.0.1:9000", "rootUser": ..., "rootPassword": ..., "buckets": ["baton-artifacts"],
     "users": [{"accessKey": "baton-predict", "secretKey": ..., "policy": "baton-predict", "document": {...}}],
     "prunePrefix": "baton-"}

Idempotent: a user or policy that exists is updated. Users and policies named ``prunePrefix...`` that the plan does
not list (a function removed from stack.yml) are removed, so they lose access. Prints one JSON summary line.
"""

from __future__ import annotations

import json
import sys

from minio import Minio, MinioAdmin
from minio.credentials import StaticProvider
from minio.error import S3Error


def main() -> int:
    plan = json.load(sys.stdin)
    endpoint = plan["endpoint"]
    root = StaticProvider(plan["rootUser"], plan["rootPassword"])
    client = Minio(endpoint, credentials=root, secure=False)
    for bucket in plan["buckets"]:
        try:
            client.make_bucket(bucket)
        except S3Error as error:
            if error.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
    admin = MinioAdmin(endpoint=endpoint, credentials=root, secure=False)
    wanted = {user["accessKey"] for user in plan["users"]}
    policies = {user["policy"] for user in plan["users"]}
    for user in plan["users"]:
        admin.policy_add(user["policy"], policy=user["document"])
        admin.user_add(user["accessKey"], user["secretKey"])
        admin.policy_set(user["policy"], user=user["accessKey"])
    prefix = plan.get("prunePrefix")
    removed: list[str] = []
    if prefix:
        for name in json.loads(admin.user_list() or "{}"):
            if name.startswith(prefix) and name not in wanted:
                admin.user_remove(name)
                removed.append(name)
        for name in json.loads(admin.policy_list() or "{}"):
            if name.startswith(prefix) and name not in policies:
                admin.policy_remove(name)
    print(json.dumps({"users": sorted(wanted), "removed": removed}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:  # noqa: BLE001 - one line for the caller; no credential is in these messages
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
