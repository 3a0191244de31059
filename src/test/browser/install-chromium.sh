#!/usr/bin/env bash
# Makes sure the web app's end-to-end tests find headless Chromium and its driver (given as
# the two paths, /usr/bin/chromium and /usr/bin/chromedriver by default). When either is
# missing, installs Debian's chromium and chromium-driver packages with apt-get, through sudo
# when not root; when that cannot be done, says so in one sentence and fails.
set -uo pipefail
chromium="${1:-/usr/bin/chromium}"
driver="${2:-/usr/bin/chromedriver}"

if [ -x "$chromium" ] && [ -x "$driver" ]; then
  exit 0
fi
cannot() {
  echo "The browser tests need Chromium at $chromium and chromedriver at $driver; $1." >&2
  exit 1
}
command -v apt-get >/dev/null 2>&1 \
  || cannot "this machine has no apt-get to install them, so install both yourself (or give their paths with -Dchromium.binary=… -Dchromedriver.binary=…)"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 \
    || cannot "installing them needs root and there is no sudo, so run: apt-get install chromium chromium-driver (as root)"
  sudo=(sudo)
fi
echo "Installing chromium and chromium-driver for the browser tests (apt-get${sudo:+ via sudo}) ..." >&2
if ! { "${sudo[@]}" apt-get update -q && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
       apt-get install -y -q --no-install-recommends chromium chromium-driver; } >&2; then
  cannot "apt-get could not install the chromium and chromium-driver packages (see its output above)"
fi
[ -x "$chromium" ] && [ -x "$driver" ] \
  || cannot "apt-get installed chromium and chromium-driver but they are not there, so give their paths with -Dchromium.binary=… -Dchromedriver.binary=…"
