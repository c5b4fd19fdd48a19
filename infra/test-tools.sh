#!/usr/bin/env bash
# Makes sure the tools the test suite drives are on the machine, installing Debian's packages
# when one is missing (as root, or with sudo): Chromium for the browser tests (never a browser
# downloaded by a test tool), a CJK font so the big screen renders Chinese, and docker-compose
# to validate docker-compose.yml without a Docker engine. Idempotent; `npm test` calls it.
set -euo pipefail
need=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-microhei)
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null || need+=(docker-compose)
[ ${#need[@]} -eq 0 ] && exit 0
echo "[test-tools] installing Debian packages: ${need[*]}" >&2
sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
$sudo_ apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq "${need[@]}" >/dev/null
