#!/usr/bin/env bash
# Run a command against PostgreSQL: the server in DATABASE_URL, or the embedded one, which this
# script starts when it is not running and stops afterwards if it started it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${DATABASE_URL:-}" ]; then
  exec "$@"
fi
py=.venv/bin/python
if $py -m outings.common.embedded status >/dev/null 2>&1; then
  exec "$@"
fi
$py -m outings.common.embedded start
# Stopped however this script ends: the command's own exit, or a SIGINT/SIGTERM to the job (a CI
# timeout, `timeout`, Ctrl-C).
trap '$py -m outings.common.embedded stop >/dev/null' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
status=0
"$@" || status=$?
exit $status
