#!/usr/bin/env bash
# Run a command against PostgreSQL: the server in DATABASE_URL, or the embedded one, which this
# script starts when it is not running and stops afterwards unless a `make run` serves from it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${DATABASE_URL:-}" ]; then
  exec "$@"
fi
py=.venv/bin/python
# Started if it is not running, and held: a `make run` serving from it that ends meanwhile
# leaves it to us. Released however this script ends: the command's own exit, or a
# SIGINT/SIGTERM to the job (a CI timeout, `timeout`, Ctrl-C); release stops it, unless a
# `make run` still serves from it, which then stops it when it ends. A server someone else
# started (status 3: by hand, another `make test`) is left to them.
held=0
$py -m outings.common.embedded hold || held=$?
case $held in
  0) ;;
  3) exec "$@" ;;
  *) exit "$held" ;;
esac
trap '$py -m outings.common.embedded release >/dev/null' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
status=0
"$@" || status=$?
exit $status
