"""The probe of ingest (the ``probe-prefix`` step of a data-change watch): the version of everything under one key
prefix of the artifact bucket now. It lists the objects (ingest may list only under its read prefixes, datasets/
and runs/) and hashes their sorted ``key etag size`` lines: a new, changed or removed object changes the version,
the same listing gives the same one. Nothing is read or stored but the listing.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from baton_step import StepInputError
from baton_step.artifacts import ObjectBackend

# ingest's read prefixes (stack.yml's com.baton.storage): listing elsewhere would be refused by the store anyway.
ALLOWED_ROOTS = ("datasets/", "runs/")
# Folder names of letters, digits, ".", "_", "-" (none starting with ".") after an allowed root; a trailing partial
# name is allowed. The same check as workflows/steps/probe-prefix.ts's.
SAFE_PREFIX = re.compile(r"^(datasets|runs)/([A-Za-z0-9_-][A-Za-z0-9._-]*/)*([A-Za-z0-9_-][A-Za-z0-9._-]*)?$")
MAX_PREFIX_CHARS = 500
MAX_OBJECTS = 10_000  # a watch polls often: a bigger prefix is a mistake or belongs to a narrower one
EMPTY_VERSION = "empty"


def check_prefix(prefix: Any) -> str:
    """The prefix when it is a safe key prefix under an allowed root; else a StepInputError naming ``prefix``."""
    if (
        not isinstance(prefix, str)
        or len(prefix) > MAX_PREFIX_CHARS
        or not SAFE_PREFIX.match(prefix)  # no folder starts with ".": no ".." either
    ):
        raise StepInputError(
            f'must be a key prefix under {" or ".join(ALLOWED_ROOTS)} (folder names of letters, digits, ".", "_", "-", not starting with "."; '
            f'at most {MAX_PREFIX_CHARS} characters), e.g. "datasets/wine/"',
            path="prefix",
        )
    return prefix


def probe_prefix(backend: ObjectBackend, bucket: str, prefix: str, max_objects: int = MAX_OBJECTS) -> dict[str, Any]:
    """The probe step's output ``{version, objects}``: ``sha256:<hex>;objects:<n>``, or ``empty`` for no object."""
    lines = []
    for item in backend.list_objects(bucket, prefix):
        if len(lines) == max_objects:
            raise StepInputError(
                f"more than {max_objects} objects under {prefix} (the probe's limit MAX_OBJECTS): watch a narrower prefix",
                path="prefix",
            )
        lines.append(f"{item.key}\t{item.etag}\t{item.size}\n")
    if not lines:
        return {"version": EMPTY_VERSION, "objects": 0}
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update(line.encode("utf-8"))
    return {"version": f"sha256:{digest.hexdigest()};objects:{len(lines)}", "objects": len(lines)}
