#!/bin/sh
# Installs the Debian packages the tests run against: `age` (the reference
# age implementation), `minisign`, `chromium` (the end-to-end tests drive it
# with playwright-core) and a Korean font (`fonts-nanum`, so screenshots of
# the Korean page show text rather than empty boxes).
# Skips apt entirely when everything is already present.
set -eu
missing=""
for tool in age minisign chromium; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
[ -d /usr/share/fonts/truetype/nanum ] || missing="$missing fonts-nanum"
if [ -z "$missing" ]; then
  echo "test dependencies present: age, minisign, chromium, fonts-nanum"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian packages:$missing"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
