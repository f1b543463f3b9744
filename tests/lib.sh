# lib.sh - TAP helpers for the shell tests (sourced).  REBOUND is the binary.
B=${B:-build}
REBOUND=${REBOUND:-$B/rebound}
n=0
ok() {	# ok DESCRIPTION COMMAND...
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
	fi
}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
