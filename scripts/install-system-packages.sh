#!/usr/bin/env bash
# What the test suite needs from the operating system: headless Chromium for the browser tests
# (Debian's package, driven by Playwright through its executable path), GNU gettext, and curl
# (docs/api.md's first session is run by a test as a reader would run it).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
command -v curl >/dev/null 2>&1 || need+=(curl ca-certificates)
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "please install: ${need[*]} (browser tests skip without chromium)" >&2
fi
