#!/bin/sh
# deps.sh - install the Debian 12 packages rebound needs to build and test.
# Does nothing when they are all present; needs root (or password-less
# sudo) only when something is missing.  Non-interactive: safe under CI
# with no standard input.
set -eu

# chromium renders the HTML report in the tests; prometheus brings promtool,
# which checks the metrics text.
PKGS="make gcc pkg-config libc6-dev
libgmime-3.0-dev libglib2.0-dev libpcre2-dev libyaml-dev
libsqlite3-dev sqlite3 libetpan-dev libgnutls28-dev zlib1g-dev
dovecot-imapd openssl python3
chromium prometheus"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo -n"
else
	echo "deps: missing packages:$missing" >&2
	echo "deps: run as root: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Dovecot's package would start a system-wide server; the tests run their
# own on 127.0.0.1 from a temp dir, so keep the system one from starting.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 755 /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -q </dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing </dev/null
