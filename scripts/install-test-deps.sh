#!/bin/sh
# Installs the Debian packages the tests run against: `age` and `age-keygen`
# (the reference age implementation), `minisign`, `chromium` (the end-to-end
# tests and the browser run of the core suites drive it with playwright-core),
# GNU `tar`, `b2sum` and `script` (coreutils, bsdutils), `microsocks` (a SOCKS5
# server: the CLI's --proxy tests run through it), `tor` (checks the torrc
# docs/OPERATIONS.md documents with `tor --verify-config`), and a Korean font
# (`fonts-nanum`, so screenshots of the Korean page show text rather than
# empty boxes). Under CI the suites fail when one of these is missing
# (test/support/required-tools.ts).
# Skips apt entirely when everything is already present.
set -eu
missing=""
for pair in age:age age-keygen:age minisign:minisign /usr/bin/chromium:chromium tar:tar b2sum:coreutils script:bsdutils microsocks:microsocks /usr/sbin/tor:tor; do
  tool=${pair%%:*}
  package=${pair#*:}
  if ! command -v "$tool" >/dev/null 2>&1; then
    case " $missing " in *" $package "*) ;; *) missing="$missing $package" ;; esac
  fi
done
[ -d /usr/share/fonts/truetype/nanum ] || missing="$missing fonts-nanum"
if [ -z "$missing" ]; then
  echo "test dependencies present: age, minisign, chromium, tar, b2sum, script, microsocks, tor, fonts-nanum"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian packages:$missing"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
