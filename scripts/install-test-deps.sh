#!/bin/sh
# Installs the Debian packages the interoperability tests run against:
# `age` (the reference age implementation) and `minisign`.
# Skips apt entirely when they are already present.
set -eu
missing=""
for tool in age minisign; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -z "$missing" ]; then
  echo "test dependencies present: age, minisign"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian packages:$missing"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
