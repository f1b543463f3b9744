#!/bin/sh
# golden.sh [--update] - compares `rebound parse --jsonl` of each golden
# fixture (fixtures/{dsn,arf,autoreply}/*.eml) with the .jsonl beside it,
# printing TAP; with --update, rewrites the .jsonl files instead (review
# the diff before committing).
REBOUND=${REBOUND:-${B:-build}/rebound}
n=0
fail=0
for f in fixtures/dsn/*.eml fixtures/arf/*.eml fixtures/autoreply/*.eml; do
	want=${f%.eml}.jsonl
	if [ "${1:-}" = "--update" ]; then
		"$REBOUND" parse --jsonl "$f" >"$want"
		continue
	fi
	n=$((n + 1))
	if "$REBOUND" parse --jsonl "$f" | cmp -s - "$want"; then
		echo "ok $n - golden $f"
	else
		echo "not ok $n - golden $f"
		"$REBOUND" parse --jsonl "$f" | diff "$want" - | sed 's/^/#   /'
		fail=1
	fi
done
exit $fail
