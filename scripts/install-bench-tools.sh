#!/usr/bin/env bash
# What `make bench` needs from the operating system: wrk, a C load generator (Debian's package).
# A Python load generator would take the CPU the server needs on a 2-core machine.
set -euo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
else
  echo "please install wrk (Debian/Ubuntu: sudo apt-get install wrk; macOS: brew install wrk)" >&2
  exit 1
fi
