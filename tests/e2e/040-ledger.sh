# The ledger: policy scenarios with --now, duplicates, VERP, manual changes,
# export, undecoded, stats, replay, retention.  Real SQLite files only.
. tests/lib.sh

DB=$TMP/l.db
IN=$TMP/in
NOW=2026-03-10T00:00:00Z
ing() {	# ing [OPTION]... PATH...: ingest into $DB
	$REBOUND ingest --quiet --db "$DB" --now "$NOW" "$@" >"$TMP/ing.out"
}
chk() {	# chk NOW ADDRESS...: check, output in $TMP/chk, status in $rc
	when=$1
	shift
	$REBOUND check --db "$DB" --now "$when" "$@" >"$TMP/chk"
	rc=$?
}
has() {	# has TEXT FILE
	grep -qF -- "$1" "$2"
}
q() {	# q SQL: one query on $DB
	sqlite3 "$DB" "$1"
}

python3 tests/mkbounce.py "$IN" <<'EOF'
s1 soft soft@example.com 2026-03-02T00:00:00Z
s2 soft soft@example.com 2026-03-02T12:00:00Z
s3 soft soft@example.com 2026-03-03T12:00:00Z
s4 soft soft@example.com 2026-03-04T12:00:00Z
s5 soft soft@example.com 2026-03-05T12:00:00Z
r1 soft reset@example.com 2026-03-02T00:00:00Z
r2 soft reset@example.com 2026-03-02T01:00:00Z
r3 delivered reset@example.com 2026-03-02T02:00:00Z
r4 soft reset@example.com 2026-03-02T03:00:00Z
q1 soft quiet@example.com 2026-03-02T00:00:00Z
q2 soft quiet@example.com 2026-03-06T00:00:00Z
e1 soft expire@example.com 2026-03-02T00:00:00Z
e2 soft expire@example.com 2026-03-03T00:00:00Z
e3 soft expire@example.com 2026-03-05T01:00:00Z
h1 hard hard@example.com 2026-03-02T00:00:00Z
c1 complaint plaint@example.com 2026-03-02T00:00:00Z
b1 block carol@gmail.com 2026-03-02T00:00:00Z
d1 delayed late@example.com 2026-03-02T00:00:00Z
v1 vacation away@example.com 2026-03-02T00:00:00Z
u1 unknown odd@example.com 2026-03-02T00:00:00Z
g1 hard ignored@example.com 2026-03-02T00:00:00Z bounces+Hank=Example.NET@example.org
o1 hard final@example.com 2026-03-02T00:00:00Z bounces@example.org Orig@Example.com
f1 odd frank@example.com 2026-03-08T00:00:00Z
EOF

# Five soft bounces over four days, one ingest each: the retry times follow
# the schedule (15 min, 1 h, 4 h, then 8 h capped at 6 h), the fifth
# suppresses.
ing "$IN/s1"
ok "a new database is made, in WAL mode, schema version 3" \
	test "$(q 'PRAGMA journal_mode; PRAGMA user_version')" = "wal
3"
ok "the new database can be read by its owner only (0600)" \
	test "$(stat -c %a "$DB")" = 600
# A version 1 database (this one, taken back) is migrated forward on
# open, keeping what it holds.
cp "$DB" "$TMP/v1.db"
sqlite3 "$TMP/v1.db" 'DROP TABLE mailboxes; DROP TABLE pending;
	DROP TABLE sends; PRAGMA user_version = 1'
before=$(sqlite3 "$TMP/v1.db" 'SELECT count(*) FROM events')
"$REBOUND" check --db "$TMP/v1.db" nobody@example.net >/dev/null
ok "a version 1 database is migrated to version 3, events kept" \
	test "$(sqlite3 "$TMP/v1.db" 'PRAGMA user_version;
		SELECT count(*) FROM events; SELECT count(*) FROM mailboxes;
		SELECT count(*) FROM sends')" \
	= "3
$before
0
0"
chk 2026-03-02T00:05:00Z soft@example.com
ok "soft 1: check exits 2 (deferred)" test "$rc" -eq 2
ok "soft 1: retry after 15 min" has \
	"soft@example.com retry after 2026-03-02T00:15:00Z (1 soft bounce, last mailboxfull)" "$TMP/chk"
ing "$IN/s2"
chk 2026-03-02T12:30:00Z soft@example.com
ok "soft 2: retry after 1 h" has "retry after 2026-03-02T13:00:00Z (2 soft bounces" "$TMP/chk"
ing "$IN/s3"
chk 2026-03-03T12:30:00Z soft@example.com
ok "soft 3: retry after 4 h" has "retry after 2026-03-03T16:00:00Z (3 soft bounces" "$TMP/chk"
ing "$IN/s4"
chk 2026-03-04T12:30:00Z soft@example.com
ok "soft 4: retry after 6 h (8 h capped)" has "retry after 2026-03-04T18:00:00Z (4 soft bounces" "$TMP/chk"
chk 2026-03-04T19:00:00Z soft@example.com
ok "soft 4: past the retry time the address is sendable (exit 0)" test "$rc" -eq 0
ok "and says the retry is due" has "sendable (retry due since 2026-03-04T18:00:00Z" "$TMP/chk"
$REBOUND ledger due --db "$DB" --now 2026-03-04T19:00:00Z >"$TMP/due"
ok "ledger due lists it once its time has come" has "soft@example.com" "$TMP/due"
$REBOUND ledger due --db "$DB" --now 2026-03-04T17:00:00Z >"$TMP/due"
ok "but not before" sh -c "! grep -q soft@example.com '$TMP/due'"
ing "$IN/s5"
ok "the summary counts the new suppression" has "new suppressions: 1" "$TMP/ing.out"
chk 2026-03-05T13:00:00Z soft@example.com
ok "soft 5: suppressed, check exits 1" test "$rc" -eq 1
ok "since the fifth bounce, because soft mailboxfull, with the count" has \
	"soft@example.com suppressed since 2026-03-05T12:00:00Z because soft mailboxfull (4.2.2 452:" "$TMP/chk"
ok "the evidence says why" has "5 consecutive soft bounces, 5 from 2026-03-02T00:00:00Z to 2026-03-05T12:00:00Z" "$TMP/chk"
ok "the events record what the policy did" test \
	"$(q "SELECT group_concat(effect, ' ') FROM (SELECT effect FROM events WHERE address = 'soft@example.com' ORDER BY id)")" = \
	"retry retry retry retry suppressed"
ok "a suppressed address leaves the retry ledger" \
	test "$(q "SELECT count(*) FROM retry WHERE address = 'soft@example.com'")" -eq 0

# A delivered report resets the count; so does a quiet retry window.
ing "$IN/r1" "$IN/r2" "$IN/r3"
chk 2026-03-02T02:30:00Z reset@example.com
ok "delivered resets: sendable" test "$rc" -eq 0 -a "$(cat "$TMP/chk")" = "reset@example.com sendable"
ing "$IN/r4"
chk 2026-03-02T03:05:00Z reset@example.com
ok "after a reset the schedule starts again at 15 min" has \
	"retry after 2026-03-02T03:15:00Z (1 soft bounce," "$TMP/chk"
ok "the delivered event is recorded as a reset" \
	test "$(q "SELECT effect FROM events WHERE address = 'reset@example.com' AND class = 'delivered'")" = reset
ing "$IN/q1" "$IN/q2"
chk 2026-03-06T00:05:00Z quiet@example.com
ok "no soft bounce for 72 h resets the count" has \
	"retry after 2026-03-06T00:15:00Z (1 soft bounce," "$TMP/chk"

# Past the 72 h retry window the send is given up (state expired).
ing "$IN/e1" "$IN/e2" "$IN/e3"
chk 2026-03-05T02:00:00Z expire@example.com
ok "past the retry window: expired, recorded, not suppressed" \
	test "$rc" -eq 0 -a "$(q "SELECT state FROM retry WHERE address = 'expire@example.com'")" = expired
ok "check says the retries were given up" has \
	"expire@example.com sendable (retries given up at 2026-03-05T00:00:00Z after 3 soft bounces)" "$TMP/chk"
ok "the event says expired" \
	test "$(q "SELECT effect FROM events WHERE message = (SELECT max(id) FROM messages)")" = expired

# Hard and complaint suppress at once; block does not.
ing "$IN/h1" "$IN/c1" "$IN/b1"
chk "$NOW" hard@example.com
ok "hard: suppressed at once" test "$rc" -eq 1
ok "with its evidence (status, diagnostic, rule, bounce)" sh -c "grep -q \
'hard@example.com suppressed since 2026-03-02T00:00:00Z because hard userunknown (5.1.1 550: \"550 5.1.1 <hard@example.com>: Recipient address rejected: User unknown\"; rule [^;]*; bounce <h1@mx.example.net>)' '$TMP/chk'"
chk "$NOW" plaint@example.com
ok "complaint: suppressed at once" has "plaint@example.com suppressed since 2026-03-02T00:00:00Z because complaint feedback" "$TMP/chk"
$REBOUND suppression show --db "$DB" PLAINT@example.com >"$TMP/raw"
ok "suppression show prints the kept raw bounce behind it" cmp -s "$TMP/raw" "$IN/c1"
chk "$NOW" carol@gmail.com
ok "block: not suppressed" test "$rc" -eq 0 -a "$(cat "$TMP/chk")" = "carol@gmail.com sendable"
# A complaint that names nobody: the event is kept, no address is acted on.
ing fixtures/arf/arf-11.eml
ok "a complaint without a recipient: event with effect noaddress" \
	test "$(q "SELECT effect FROM events WHERE address LIKE '%.invalid'")" = noaddress
ok "and no suppression of the placeholder address" \
	test "$(q "SELECT count(*) FROM suppressions WHERE address LIKE '%.invalid'")" -eq 0
ok "block: counted" test "$(q "SELECT effect FROM events WHERE address = 'carol@gmail.com'")" = counted
chk 2026-03-02T03:05:00Z carol@gmail.com reset@example.com
ok "check: sendable and deferred exits 2" test "$rc" -eq 2
chk "$NOW" reset@example.com hard@example.com nobody@example.com
ok "check: any suppressed exits 1, one line each" test "$rc" -eq 1 -a "$(wc -l <"$TMP/chk")" -eq 3
echo "HARD@Example.COM" | $REBOUND check --db "$DB" --now "$NOW" - >"$TMP/chk"
ok "check: addresses are compared ignoring case; - reads stdin" \
	has "hard@example.com suppressed" "$TMP/chk"

# delayed, autoreply, unknown.
ing "$IN/d1" "$IN/v1" "$IN/u1"
ok "delayed is a warning, autoreply ignored, unknown undecoded" test \
	"$(q "SELECT group_concat(effect, ' ') FROM (SELECT effect FROM events WHERE address IN ('late@example.com', 'away@example.com', 'odd@example.com') ORDER BY id)")" = \
	"warning ignored undecoded"
$REBOUND undecoded list --db "$DB" --format csv >"$TMP/undec"
ok "undecoded list shows it" has "odd@example.com" "$TMP/undec"
id=$(grep odd@example.com "$TMP/undec" | cut -d, -f1)
$REBOUND undecoded show --db "$DB" "$id" >"$TMP/raw"
ok "undecoded show prints the kept raw message, byte for byte" cmp -s "$TMP/raw" "$IN/u1"
$REBOUND undecoded show --db "$DB" 999 >/dev/null 2>&1
ok "undecoded show of a missing one exits 1" test $? -eq 1

# VERP, then Original-Recipient, then the final recipient.
ing --verp 'bounces+{local}={domain}@example.org' "$IN/g1" "$IN/o1"
chk "$NOW" hank@example.net ignored@example.com orig@example.com final@example.com
ok "a VERP bounce is about the VERP-decoded address (lower case)" has "hank@example.net suppressed" "$TMP/chk"
ok "not the final recipient" has "ignored@example.com sendable" "$TMP/chk"
ok "else the Original-Recipient" has "orig@example.com suppressed" "$TMP/chk"
ok "not the final recipient" has "final@example.com sendable" "$TMP/chk"
$REBOUND ingest --db "$DB" --verp 'bounces@example.org' "$IN" >/dev/null 2>&1
ok "a --verp without {local} and {domain} is a usage error" test $? -eq 64

# Stats.
$REBOUND stats --db "$DB" --format csv >"$TMP/stats"
ok "stats by class: counts and shares" has "soft,13," "$TMP/stats"
$REBOUND stats --db "$DB" --by domain --class block --format csv >"$TMP/stats"
ok "stats: blocks per domain" test "$(sed -n 2p "$TMP/stats")" = "gmail.com,1,100.0%"
$REBOUND stats --db "$DB" --by provider --format csv >"$TMP/stats"
ok "stats by provider: gmail.com is Google" has "Google,1," "$TMP/stats"
$REBOUND stats --db "$DB" --by day --since 2026-03-05 --format csv >"$TMP/stats"
ok "stats --since and --by day" test "$(sed 1d "$TMP/stats" | cut -d, -f1 | tr '\n' ' ')" = "2026-03-05 2026-03-06 "

# Manual changes, kept with time and note.
$REBOUND suppression add --db "$DB" --now 2026-03-09T08:00:00Z --note "asked by phone" Man@Example.com >"$TMP/out"
ok "suppression add" has "man@example.com added" "$TMP/out"
chk "$NOW" man@example.com
ok "a manual entry suppresses" has "man@example.com suppressed since 2026-03-09T08:00:00Z because manual (manual: asked by phone)" "$TMP/chk"
$REBOUND suppression add --db "$DB" --now "$NOW" man@example.com >/dev/null
ok "adding it again exits 1" test $? -eq 1
$REBOUND suppression remove --db "$DB" --now 2026-03-09T09:00:00Z --note "resubscribed" man@example.com hard@example.com >"$TMP/out"
ok "suppression remove" test "$(cat "$TMP/out")" = "man@example.com removed
hard@example.com removed"
chk "$NOW" man@example.com hard@example.com
ok "removed addresses are sendable" test "$rc" -eq 0
$REBOUND suppression remove --db "$DB" --now "$NOW" nobody@example.com >/dev/null
ok "removing what is not there exits 1" test $? -eq 1
$REBOUND suppression audit --db "$DB" --format jsonl >"$TMP/audit"
ok "the audit keeps each change with its time, note and what it took away" python3 -c '
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
assert [(x["action"], x["address"], x["note"]) for x in a] == [
    ("add", "man@example.com", "asked by phone"),
    ("remove", "man@example.com", "resubscribed"),
    ("remove", "hard@example.com", "resubscribed")], a
assert a[0]["time"] == "2026-03-09T08:00:00Z"
assert a[2]["was"]["suppression"]["reason"] == "userunknown"
assert a[2]["was"]["suppression"]["bounce_message_id"] == "h1@mx.example.net"
' "$TMP/audit"

# Export.
$REBOUND suppression export --db "$DB" --now "$NOW" >"$TMP/exp.csv"
ok "export: CSV with address,class,reason,since,...,evidence" \
	test "$(head -1 "$TMP/exp.csv")" = "address,class,reason,since,last_seen,origin,evidence"
ok "export: the suppressions in force" \
	test "$(sed 1d "$TMP/exp.csv" | cut -d, -f1 | tr '\n' ' ')" = "hank@example.net orig@example.com plaint@example.com soft@example.com "
$REBOUND suppression export --db "$DB" --now "$NOW" --format jsonl >"$TMP/exp.jsonl"
ok "export --format jsonl: evidence is an object" python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    assert {"address", "class", "reason", "since", "evidence"} <= set(e), e
    assert e["evidence"]["bounce_message_id"], e
' "$TMP/exp.jsonl"

# Replay: nothing changes with the same rules; a rule fix reaches back.
$REBOUND replay --db "$DB" --now "$NOW" >"$TMP/replay"
ok "replay with the same rules changes nothing (manual changes replayed too)" \
	has "0 suppression and 0 ledger changes" "$TMP/replay"
ing "$IN/f1"
mkdir "$TMP/rules"
cat >"$TMP/rules/frob.yaml" <<'EOF'
classify:
  - id: test-frobnicator
    description: "a frobnicator refusal means the mailbox is gone"
    text: ["frobnicator said no"]
    reason: userunknown
    examples:
      - {diagnostic: "550 frobnicator said no", status: "5.0.0", expect: {reason: userunknown}}
EOF
sqlite3 "$DB" .dump >"$TMP/before.sql"
$REBOUND replay --db "$DB" --now "$NOW" --rules "$TMP/rules" >"$TMP/replay"
ok "replay shows the suppression a fixed rule adds" has "+ suppress frank@example.com (hard userunknown since 2026-03-08T00:00:00Z)" "$TMP/replay"
ok "and the ledger row it takes away" has "- ledger frank@example.com: retrying, 1 soft, next 2026-03-08T00:15:00Z -> none" "$TMP/replay"
sqlite3 "$DB" .dump >"$TMP/after.sql"
ok "without --apply nothing changes" cmp -s "$TMP/before.sql" "$TMP/after.sql"
$REBOUND replay --db "$DB" --now "$NOW" --rules "$TMP/rules" --apply >/dev/null
chk "$NOW" frank@example.com
ok "replay --apply makes it so" has "frank@example.com suppressed since 2026-03-08T00:00:00Z because hard userunknown" "$TMP/chk"
ok "the events are the new reading" \
	test "$(q "SELECT rule FROM events WHERE address = 'frank@example.com'")" = test-frobnicator
$REBOUND replay --db "$DB" --now "$NOW" --since 2026-03-09 >"$TMP/replay"
ok "replay --since re-reads only later bounces" has "0 parsed again" "$TMP/replay"

# The same Maildir twice: nothing changes the second time.
MD=$TMP/md
mkdir -p "$MD/tmp"
cp -r fixtures/mailbox/sample/cur fixtures/mailbox/sample/new "$MD"
python3 tests/mkbounce.py "$MD" <<'EOF'
x1 soft soft@example.com 2026-03-02T00:00:00Z
x2 hard hard@example.com 2026-03-02T00:00:00Z
EOF
$REBOUND ingest --quiet --db "$TMP/md.db" --now "$NOW" "$MD" >"$TMP/md1"
sqlite3 "$TMP/md.db" .dump >"$TMP/md1.sql"
$REBOUND ingest --quiet --db "$TMP/md.db" --now "$NOW" "$MD" >"$TMP/md2"
sqlite3 "$TMP/md.db" .dump >"$TMP/md2.sql"
ok "the same Maildir twice: the first ingest counts every message" has "messages: 13 (new 13, duplicates skipped 0" "$TMP/md1"
ok "the second skips them all" has "messages: 13 (new 0, duplicates skipped 13" "$TMP/md2"
ok "and changes nothing (dump of all tables)" cmp -s "$TMP/md1.sql" "$TMP/md2.sql"
sed 's/$/\r/' "$MD/new/x2" >"$TMP/crlf.eml"
{ echo "Delivered-To: bounces@example.org"; cat "$MD/new/x1"; } >"$TMP/hdr.eml"
$REBOUND ingest --quiet --db "$TMP/md.db" --now "$NOW" "$TMP/crlf.eml" "$TMP/hdr.eml" >"$TMP/md3"
sqlite3 "$TMP/md.db" .dump >"$TMP/md3.sql"
ok "the same message with CRLF, or with a header added, is a duplicate" \
	has "messages: 2 (new 0, duplicates skipped 2" "$TMP/md3"
ok "and changes nothing" cmp -s "$TMP/md1.sql" "$TMP/md3.sql"

# Raw bounces are kept compressed, then dropped after raw_keep (except
# the undecoded ones); suppressions may expire per reason.
ok "raw bounces are kept, compressed" \
	test "$(sqlite3 "$TMP/md.db" 'SELECT count(*), sum(length(data) < size) FROM raw')" = "13|13"
$REBOUND ingest --quiet --db "$TMP/md.db" --now 2026-06-01 --policy raw_keep=30d "$MD" >/dev/null
ok "past raw_keep they are dropped, except undecoded ones" \
	test "$(sqlite3 "$TMP/md.db" 'SELECT count(*) = (SELECT count(DISTINCT message) FROM undecoded) FROM raw')" = 1
$REBOUND ingest --quiet --db "$TMP/x.db" --now "$NOW" --policy expire.userunknown=30d --policy block=soft "$IN/h1" "$IN/b1" >/dev/null
$REBOUND check --db "$TMP/x.db" --now 2026-03-20 hard@example.com >/dev/null
ok "expire.REASON: suppressed within the time" test $? -eq 1
$REBOUND check --db "$TMP/x.db" --now 2026-04-02 hard@example.com >/dev/null
ok "and sendable after it" test $? -eq 0
$REBOUND check --db "$TMP/x.db" --now 2026-03-02T00:01:00Z carol@gmail.com >/dev/null
ok "block=soft puts blocks in the retry ledger" test $? -eq 2
$REBOUND ingest --db "$TMP/x.db" --policy soft_limit=nope "$IN/h1" >/dev/null 2>&1
ok "a bad --policy exits 78" test $? -eq 78

for c in ingest check "suppression list" "ledger" "undecoded" stats replay; do
	ok "rebound $c --help" sh -c "$REBOUND $c --help | grep -q usage"
done

# --jobs: the same ledger, row for row, on any number of threads.
C=../shared/corpus/sisimai/maildir/bsd
$REBOUND ingest --quiet --jobs 1 --db "$TMP/j1.db" --now "$NOW" "$C" fixtures/mailbox/sample >/dev/null
$REBOUND ingest --quiet --jobs 3 --db "$TMP/j3.db" --now "$NOW" "$C" fixtures/mailbox/sample >/dev/null
sqlite3 "$TMP/j1.db" .dump >"$TMP/j1.sql"
sqlite3 "$TMP/j3.db" .dump >"$TMP/j3.sql"
ok "ingest --jobs 3 gives the ledger --jobs 1 gives ($(sqlite3 "$TMP/j1.db" 'SELECT count(*) FROM events') events)" \
	cmp -s "$TMP/j1.sql" "$TMP/j3.sql"
$REBOUND ingest --quiet --jobs 3 --db "$TMP/j3.db" --now "$NOW" "$C" >"$TMP/j3.out"
ok "and a second pass finds every message a duplicate" \
	grep -q "^messages: [0-9]* (new 0, duplicates skipped" "$TMP/j3.out"

# A database with a wide mode (an older build, a copy): a writing command
# narrows it and its -wal and -shm to the owner, with a warning naming
# each and its old mode; a reading one, or a caller who does not own it,
# only warns.
M=$TMP/mode.db
mode() {	# mode FILE: its permission bits, e.g. 600
	stat -c %a "$1"
}
$REBOUND ingest --quiet --db "$M" --now "$NOW" "$IN/h1" >/dev/null
ok "a new database is made 0600" test "$(mode "$M")" = 600
chmod 644 "$M"
$REBOUND check --db "$M" --now "$NOW" hard@example.com >/dev/null \
	2>"$TMP/err"
ok "check on a 0644 database warns, naming it and its mode" \
	has "warning: $M: the database can be read by others (mode 0644; chmod 600 it)" "$TMP/err"
ok "and leaves the mode as it is" test "$(mode "$M")" = 644
# Another connection keeps the -wal and -shm files (SQLite made them 0644
# after the database) while rebound writes.
python3 - "$M" "$TMP/held" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("SELECT count(*) FROM messages").fetchall()
open(sys.argv[2], "w").close()
time.sleep(60)
PY
holder=$!
i=0
while [ ! -e "$TMP/held" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
ok "(the -wal and -shm files are there, 0644)" \
	test "$(mode "$M-wal") $(mode "$M-shm")" = "644 644"
$REBOUND ingest --quiet --db "$M" --now "$NOW" "$IN/s1" >/dev/null \
	2>"$TMP/err"
ok "ingest narrows it to 0600" test $? -eq 0 -a "$(mode "$M")" = 600
ok "and its -wal and -shm" \
	test "$(mode "$M-wal") $(mode "$M-shm")" = "600 600"
ok "with a warning for each, naming it and its old mode" sh -c "
	grep -qF '$M: the database could be read by others (mode 0644): made 0600' '$TMP/err' &&
	grep -qF '$M-wal: the database'\''s -wal file could be read by others (mode 0644): made 0600' '$TMP/err' &&
	grep -qF '$M-shm: the database'\''s -shm file could be read by others (mode 0644): made 0600' '$TMP/err'"
kill "$holder"
wait "$holder" 2>/dev/null
$REBOUND ingest --quiet --db "$M" --now "$NOW" "$IN/s2" >/dev/null \
	2>"$TMP/err"
ok "once narrowed, no more warnings" test ! -s "$TMP/err"
if [ "$(id -u)" -eq 0 ]; then
	chmod 640 "$M"
	chown 65534 "$M"
	$REBOUND ingest --quiet --db "$M" --now "$NOW" "$IN/s3" >/dev/null \
		2>"$TMP/err"
	ok "root writing a database another user owns only warns" sh -c "
		test $(mode "$M") = 640 &&
		grep -qF '$M: the database can be read by others (mode 0640; chmod 600 it)' '$TMP/err'"
	chown 0 "$M"
fi
