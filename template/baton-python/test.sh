#!/bin/sh
# Runs the Python tests (template wrapper + every Python function) in the virtualenv that
# `npm run setup` builds from requirements.txt: <BATON_TOOLS_DIR>/venv/<sha256 of it, 12 hex>/.
# Extra arguments go to pytest (e.g. -k minio, -x). BATON_PYTHON overrides the interpreter.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tools=${BATON_TOOLS_DIR:-$HOME/.cache/baton/tools}
if command -v sha256sum >/dev/null 2>&1; then
  sha=$(sha256sum "$here/requirements.txt" | cut -c1-12)
else
  sha=$(shasum -a 256 "$here/requirements.txt" | cut -c1-12)
fi
python=${BATON_PYTHON:-$tools/venv/$sha/bin/python3}
if [ ! -x "$python" ]; then
  echo "no Python virtualenv at $python: run \`npm run setup\` first (it builds it from $here/requirements.txt)" >&2
  exit 1
fi
cd "$root"
# -p no:cacheprovider: no .pytest_cache left in the checkout.
# Every function folder holding test_*.py files is collected, so a new Python function needs no edit here.
functions=$(find functions -name 'test_*.py' -exec dirname {} \; | sort -u)
# shellcheck disable=SC2086 # one word per folder
exec "$python" -m pytest -p no:cacheprovider -q -rs template/baton-python $functions "$@"
