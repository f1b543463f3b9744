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
ledger_intact() {	# ledger_intact DB: SQLite finds it intact and every
			# message has all its events (whole messages only).
			# A file without a schema yet is intact: a kill came
			# between its creation and the first commit, and the
			# next run makes the schema (an empty file is a new
			# ledger).
	[ "$(sqlite3 "$1" 'PRAGMA integrity_check')" = ok ] || return 1
	[ "$(sqlite3 "$1" 'SELECT count(*) FROM sqlite_schema')" -eq 0 ] &&
		return 0
	[ "$(sqlite3 "$1" 'SELECT count(*) FROM messages m WHERE records <>
		(SELECT count(*) FROM events WHERE message = m.id)')" -eq 0 ]
}
