# Bad input and bad databases: an unreadable file, a corrupt database, a
# read-only database, a database locked by another process.  Each gives a
# clear message and its own exit status, and loses nothing.
. tests/lib.sh

NOW=2026-03-10T00:00:00Z
# Permissions do not stop root: the permission cases run as nobody then.
as_user() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		"$@"
	fi
}
chmod 755 "$TMP"
# The build tree may sit where nobody cannot reach it (a clone in a 0700
# temp dir): then run a copy of the binary with its rules and data.
if [ "$(id -u)" -eq 0 ] && ! as_user test -r "$PWD/rules/reasons.yaml"
then
	mkdir -p "$TMP/tree/build"
	cp "$REBOUND" "$TMP/tree/build/rebound"
	cp -r rules data "$TMP/tree/"
	chmod -R a+rX "$TMP/tree"
	REBOUND=$TMP/tree/build/rebound
fi
IN=$TMP/in
python3 tests/mkbounce.py "$IN" <<'EOF'
a1 hard a1@example.com 2026-03-02T00:00:00Z
a2 hard a2@example.com 2026-03-02T00:00:00Z
a3 hard a3@example.com 2026-03-02T00:00:00Z
EOF
chmod 755 "$IN"
chmod 644 "$IN"/*
W=$TMP/w		# a directory the test user may write
mkdir "$W"
chmod 777 "$W"
count() {	# count DB: messages in the ledger
	sqlite3 "$1" 'SELECT count(*) FROM messages'
}

# An unreadable file: the others are ingested, exit 66, then nothing lost.
chmod 000 "$IN/a2"
as_user "$REBOUND" ingest --quiet --db "$W/u.db" --now "$NOW" "$IN" \
	>"$TMP/out" 2>"$TMP/err"
rc=$?
rc_unreadable=$rc
ok "an unreadable file in a directory: exit 66" test "$rc" -eq 66
ok "the message names it and says why" \
	grep -q "$IN/a2: Permission denied, skipped" "$TMP/err"
ok "the other messages are ingested" test "$(count "$W/u.db")" -eq 2
as_user "$REBOUND" ingest --quiet --db "$W/u.db" --now "$NOW" "$IN/a2" \
	>/dev/null 2>"$TMP/err"
ok "an unreadable PATH: exit 66 with the reason" \
	test $? -eq 66 -a -n "$(grep "a2: Permission denied" "$TMP/err")"
chmod 644 "$IN/a2"
as_user "$REBOUND" ingest --quiet --db "$W/u.db" --now "$NOW" "$IN" \
	>"$TMP/out" 2>&1
ok "once readable it is ingested, the others are not counted twice" \
	test $? -eq 0 -a "$(count "$W/u.db")" -eq 3 -a \
	-n "$(grep 'new 1, duplicates skipped 2' "$TMP/out")"
$REBOUND ingest --db "$W/u.db" "$TMP/nonexistent" >/dev/null 2>"$TMP/err"
ok "a missing PATH: exit 66" test $? -eq 66 -a -s "$TMP/err"

# A corrupt database: refused, left as it is.
head -c 16384 /dev/urandom >"$TMP/junk.db"
cp "$TMP/junk.db" "$TMP/junk.orig"
$REBOUND ingest --db "$TMP/junk.db" --now "$NOW" "$IN" >/dev/null 2>"$TMP/err"
rc=$?
rc_corrupt=$rc
ok "a file that is not a database: exit 65" test "$rc" -eq 65
ok "the message says so" grep -q "junk.db: .*file is not a database" "$TMP/err"
ok "and the file is left as it was" cmp -s "$TMP/junk.db" "$TMP/junk.orig"
$REBOUND check --db "$TMP/junk.db" x@example.com >/dev/null 2>&1
ok "check on it: exit 65 too (not 0, 1 or 2)" test $? -eq 65
$REBOUND ingest --quiet --db "$TMP/dam.db" --now "$NOW" "$IN" >/dev/null
python3 - "$TMP/dam.db" <<'PY'
import sys
f = open(sys.argv[1], "r+b")
f.seek(100)			# the schema page, after the file header
f.write(b"\xde\xad\xbe\xef" * 500)
PY
cp "$TMP/dam.db" "$TMP/dam.orig"
$REBOUND ingest --db "$TMP/dam.db" --now "$NOW" "$IN" >/dev/null 2>"$TMP/err"
ok "a damaged rebound database: exit 65" test $? -eq 65
ok "the message says it is malformed" grep -q "malformed" "$TMP/err"
ok "and the file is left as it was" cmp -s "$TMP/dam.db" "$TMP/dam.orig"
sqlite3 "$TMP/other.db" 'CREATE TABLE t (x)'
$REBOUND ingest --db "$TMP/other.db" "$IN" >/dev/null 2>"$TMP/err"
ok "someone else's SQLite file: exit 65, not touched" test $? -eq 65 -a \
	"$(sqlite3 "$TMP/other.db" .tables)" = t
ok "the message says rebound did not make it" grep -q "did not make" "$TMP/err"
$REBOUND ingest --quiet --db "$TMP/new.db" "$IN" >/dev/null
sqlite3 "$TMP/new.db" 'PRAGMA user_version = 99'
$REBOUND check --db "$TMP/new.db" a1@example.com >/dev/null 2>"$TMP/err"
ok "a database from a newer rebound: exit 65, explained" \
	test $? -eq 65 -a -n "$(grep "newer rebound" "$TMP/err")"
$REBOUND check --db "$TMP/none.db" a1@example.com >/dev/null 2>"$TMP/err"
ok "check without a database: exit 66, and none is made" \
	test $? -eq 66 -a ! -e "$TMP/none.db"

# A read-only database: refused before anything is read, nothing changed.
RO=$TMP/ro
mkdir "$RO"
$REBOUND ingest --quiet --db "$RO/r.db" --now "$NOW" "$IN/a1" >/dev/null
chmod 444 "$RO/r.db"
chmod 555 "$RO"
sqlite3 "$RO/r.db" .dump >"$TMP/ro1.sql"
as_user "$REBOUND" ingest --db "$RO/r.db" --now "$NOW" "$IN" \
	>/dev/null 2>"$TMP/err"
rc=$?
rc_readonly=$rc
ok "a read-only database: exit 77" test "$rc" -eq 77
ok "the message says it is read-only and nothing changed" \
	grep -q "r.db: the database is read-only.*nothing was changed" "$TMP/err"
sqlite3 "$RO/r.db" .dump >"$TMP/ro2.sql"
ok "nothing changed" cmp -s "$TMP/ro1.sql" "$TMP/ro2.sql"
as_user "$REBOUND" suppression add --db "$RO/r.db" x@example.com \
	>/dev/null 2>&1
ok "a manual change to it: exit 77" test $? -eq 77
chmod 755 "$RO"
chmod 644 "$RO/r.db"
$REBOUND ingest --quiet --db "$RO/r.db" --now "$NOW" "$IN" >/dev/null
ok "made writable again, the same ingest works" test $? -eq 0 -a \
	"$(count "$RO/r.db")" -eq 3

# A database locked by another process's write transaction.
L=$TMP/l.db
$REBOUND ingest --quiet --db "$L" --now "$NOW" "$IN/a1" >/dev/null
python3 - "$L" "$TMP/locked" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
c.execute("UPDATE messages SET source = source")
open(sys.argv[2], "w").close()
time.sleep(60)
PY
locker=$!
i=0
while [ ! -e "$TMP/locked" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
sqlite3 "$L" .dump >"$TMP/l1.sql"
$REBOUND ingest --db "$L" --wait 1 --now "$NOW" "$IN" >"$TMP/out" 2>"$TMP/err"
rc=$?
rc_locked=$rc
ok "a locked database: exit 75 after --wait" test "$rc" -eq 75
ok "the message says it is locked and what to do" \
	grep -q "database is locked (another process holds the lock" "$TMP/err"
$REBOUND check --db "$L" --now "$NOW" a1@example.com >/dev/null 2>&1
ok "check still answers while a writer holds the lock (WAL)" test $? -eq 1
kill "$locker"
wait "$locker" 2>/dev/null
sqlite3 "$L" .dump >"$TMP/l2.sql"
ok "nothing was half-written" cmp -s "$TMP/l1.sql" "$TMP/l2.sql"
$REBOUND ingest --quiet --db "$L" --now "$NOW" "$IN" >"$TMP/out"
ok "once the lock is gone the same ingest completes" test $? -eq 0 -a \
	"$(count "$L")" -eq 3

ok "the four failures gave four different exit statuses" test "$(printf \
	'%s\n' $rc_unreadable $rc_corrupt $rc_readonly $rc_locked | sort -u |
	wc -l)" -eq 4
