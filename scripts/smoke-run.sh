#!/usr/bin/env bash
# Start `make run` in the embedded profile, check that it serves, stop it with Ctrl-C (SIGINT to
# its process group) and check that nothing is left running.
set -euo pipefail
cd "$(dirname "$0")/.."
unset DATABASE_URL REDIS_URL CELERY_BROKER_URL EMAIL_URL SECRET_KEY OUTINGS_REQUIRE_SERVICES
# The defaults (8000 for the site and 8001 behind it, 54329 for PostgreSQL) unless something on
# this machine already holds them: then free ports, so a stray server cannot fail the smoke test.
free_port() {
  python3 - "$1" "$2" <<'PY'
import socket, sys
start, span = int(sys.argv[1]), int(sys.argv[2])
for port in range(start, start + 200, span):
    try:
        for offset in range(span):
            with socket.socket() as s:
                s.bind(("127.0.0.1", port + offset))
        print(port)
        break
    except OSError:
        continue
PY
}
port=${OUTINGS_PORT:-$(free_port 8000 2)}
export OUTINGS_PORT=$port
export OUTINGS_PG_PORT=${OUTINGS_PG_PORT:-$(free_port 54329 1)}
base="http://127.0.0.1:$port"
log=var/smoke-run.log
mkdir -p var
here=$(pwd)

setsid make run >"$log" 2>&1 &
leader=$!
cleanup() { kill -INT -- "-$leader" 2>/dev/null || true; }
trap cleanup EXIT

fail() { echo "smoke: $*" >&2; tail -n 60 "$log" >&2; exit 1; }

deadline=$(( $(date +%s) + 900 ))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/health")" = 200 ]; do
  kill -0 "$leader" 2>/dev/null || fail "make run exited before /health answered 200"
  [ "$(date +%s)" -lt "$deadline" ] || fail "/health did not answer 200 within 15 minutes"
  sleep 2
done
echo "smoke: /health 200: $(curl -s "$base/health")"

code=$(curl -s -o var/smoke-home.html -w '%{http_code}' "$base/")
[ "$code" = 200 ] || fail "home page answered $code"
code=$(curl -s -o var/smoke-list.html -w '%{http_code}' "$base/things-to-do/")
[ "$code" = 200 ] || fail "listing list answered $code"
listing=$(grep -o 'href="/things-to-do/[0-9]*/"' var/smoke-list.html | head -n 1 | cut -d'"' -f2)
[ -n "$listing" ] || fail "no listing link on the listing list"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base$listing")
[ "$code" = 200 ] || fail "listing page $listing answered $code"
echo "smoke: home, list and $listing answer 200"

# The slow worker warms the page cache once it is up (docs/caching.md).
for _ in $(seq 1 180); do
  grep -q "cache warmed:" "$log" && break
  sleep 1
done
grep -q "cache warmed: [0-9]* pages, 0 failed" "$log" || fail "the page cache was not warmed within 3 minutes"
curl -s -D - -o /dev/null "$base/" | grep -qi "^cache-control: public" \
  || fail "the anonymous home page is not sent as public"
echo "smoke: $(grep -o 'cache warmed: [0-9]* pages, [0-9]* failed' "$log" | head -n 1); the home page is public"

# A second make run while one is running says so and exits.
if OUTINGS_PORT=$((port + 10)) OUTINGS_PG_PORT=$OUTINGS_PG_PORT make run >var/smoke-second.log 2>&1; then
  fail "a second make run did not refuse to start"
fi
grep -q "already running" var/smoke-second.log || fail "the second make run did not say why it stopped"
echo "smoke: a second make run refuses: $(grep 'already running' var/smoke-second.log)"

trap - EXIT
kill -INT -- "-$leader"
for _ in $(seq 1 60); do
  kill -0 "$leader" 2>/dev/null || break
  sleep 1
done
kill -0 "$leader" 2>/dev/null && fail "make run still running 60 s after Ctrl-C"
sleep 1
left=$(pgrep -f "$here/(\.venv|var)" || true)
[ -z "$left" ] || { ps -o pid,args -p $left >&2; fail "processes left behind after Ctrl-C"; }
echo "smoke: stopped cleanly, nothing left running"
