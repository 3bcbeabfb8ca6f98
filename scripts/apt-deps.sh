#!/usr/bin/env bash
# Debian packages the test suite needs: PostgreSQL (store tests) and Chromium (browser tests).
# Installs only what is missing, so a second run costs nothing.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "test set-up needs Debian packages: ${missing[*]}; run as root or install them (apt-get install ${missing[*]})" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
