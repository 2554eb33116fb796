#!/usr/bin/env bash
# What the test suite needs from the operating system: headless Chromium for the browser tests
# (Debian's package, driven by Playwright through its executable path), GNU gettext, and curl
# (docs/api.md's first session is run by a test as a reader would run it).
# The Chromium looked for is the one the browser tests launch: OUTINGS_CHROMIUM, else Debian's
# /usr/bin/chromium, as tests/browser/chromium.py says (the one place that says it).
set -euo pipefail
cd "$(dirname "$0")/.."
chromium=$(python3 tests/browser/chromium.py)
missing_chromium="the browser tests launch $chromium, which is missing: set OUTINGS_CHROMIUM to a Chromium or Chrome executable"
need=()
note=""
[ -x "$chromium" ] || { need+=(chromium); note=" ($missing_chromium)"; }
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
command -v curl >/dev/null 2>&1 || need+=(curl ca-certificates)
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian's package puts it at /usr/bin/chromium; OUTINGS_CHROMIUM may name another place.
  [ -x "$chromium" ] || { echo "error: $missing_chromium" >&2; exit 1; }
else
  echo "please install: ${need[*]}$note" >&2
fi
