# rebound run over IMAP (a Dovecot from tests/dovecot.sh, plain on
# loopback): the same ledger as `rebound ingest` of the same messages, by
# every road; a second run fetches nothing and changes nothing; the
# mailbox ends as `after` and `undecoded` say.
. tests/lib.sh
. tests/dovecot.sh

NOW=2026-06-01T00:00:00Z
BSD=../shared/corpus/sisimai/maildir/bsd
SAMPLE=fixtures/mailbox/sample

run() {	# run CONFIG [OPTION]...: rebound run --once; $TMP/out, $TMP/err, $rc
	cfg=$1
	shift
	$REBOUND run --config "$cfg" --once --now "$NOW" "$@" \
		</dev/null >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq 0 ] || sed 's/^/# /' "$TMP/out" "$TMP/err"
}
fetched() {	# fetched: N of the summary line "bounces: fetched N, ..."
	sed -n 's/^bounces: fetched \([0-9][0-9]*\).*/\1/p' "$TMP/out"
}
ingest() {	# ingest DB PATH...: the reference
	db=$1
	shift
	$REBOUND ingest --quiet --db "$db" --now "$NOW" "$@" >/dev/null 2>"$TMP/err" ||
		sed 's/^/# ingest: /' "$TMP/err"
}
exact() {	# exact DB: every ledger row as stored, ids and all
	for t in messages raw events suppressions retry undecoded audit; do
		sqlite3 -batch "$1" "SELECT '$t', * FROM $t ORDER BY rowid"
	done
}
same() {	# same FILE FILE: equal, else the first differences as comments
	cmp -s "$1" "$2" && return 0
	diff "$1" "$2" | head -n 10 | sed 's/^/# /'
	return 1
}
q() {	# q DB SQL
	sqlite3 -batch "$1" "$2"
}

dv_start
ok "Dovecot runs (make deps installs it)" test -n "$DV_PID"
[ -n "$DV_PID" ] || exit 1
ok "the sisimai corpus is there ($BSD)" test -d "$BSD"
N=$(ls "$BSD" | wc -l)

# (a) Every file of the corpus, into INBOX in name order: rebound run gives
# the suppressions and retry ledger that rebound ingest gives.  after and
# undecoded are keep, so the second run finds the messages still there and
# only the checkpoint keeps it from reading them again.
ok "$N corpus messages loaded into INBOX" test "$(dv_maildir_load "$BSD")" -eq "$N"
ingest "$TMP/ref.db" "$BSD"
DV_DB=$TMP/a.db dv_config "$TMP/a.yaml" "after: keep
undecoded: keep"
run "$TMP/a.yaml"
ok "run --once exits 0" test "$rc" -eq 0
ok "the summary line: bounces: fetched $N" test "$(fetched)" = "$N"
ok "one summary line per account" test "$(grep -c '^bounces: ' "$TMP/out")" -eq 1
# A corpus file that holds two bounces (two multipart reports saved in one
# file) is two messages to ingest, but one IMAP message once loaded.
q "$TMP/ref.db" 'SELECT source FROM messages GROUP BY source HAVING count(*) > 1' |
	sed 's|.*/||' >"$TMP/multi"
E=$(q "$TMP/ref.db" 'SELECT count(*) - count(DISTINCT source) FROM messages')
ok "$(grep -c . "$TMP/multi") corpus file(s) hold two messages or more ($E more messages)" \
	test "$E" -ge "$(grep -c . "$TMP/multi")"
ok "as many messages as ingest counts, a file of several counting once" \
	test "$(q "$TMP/a.db" 'SELECT count(*) FROM messages')" -eq \
	"$(($(q "$TMP/ref.db" 'SELECT count(*) FROM messages') - E))"
ledger_dump "$TMP/ref.db" suppressions >"$TMP/ref.sup"
ledger_dump "$TMP/a.db" suppressions >"$TMP/a.sup"
ok "the same suppressions as ingest ($(wc -l <"$TMP/ref.sup") rows)" \
	same "$TMP/ref.sup" "$TMP/a.sup"
ledger_dump "$TMP/ref.db" retry >"$TMP/ref.retry"
ledger_dump "$TMP/a.db" retry >"$TMP/a.retry"
ok "the same retry ledger as ingest ($(wc -l <"$TMP/ref.retry") rows)" \
	same "$TMP/ref.retry" "$TMP/a.retry"
# By content, every message, event and undecoded row too, with two
# differences that come from IMAP, not from rebound: Dovecot serves a NUL
# byte as 0x80 (an IMAP literal cannot hold NUL), so a message with one has
# other bytes, hence another hash; and byte offsets in warnings count the
# CRs of IMAP's CRLF.  Those messages are left out, the offsets made N; so
# are the files of several messages.
# ($TMP/bsd: a copy of the corpus without either, for later.)
"$DV_PYTHON" - "$BSD" "$TMP/bsd" "$TMP/multi" >"$TMP/nul" <<'EOF'
import os, sys
os.mkdir(sys.argv[2])
multi = set(open(sys.argv[3]).read().split())
for n in sorted(os.listdir(sys.argv[1])):
    with open(os.path.join(sys.argv[1], n), "rb") as fh:
        data = fh.read()
    if b"\0" in data:
        print(n)
    elif n not in multi:
        with open(os.path.join(sys.argv[2], n), "wb") as fh:
            fh.write(data)
EOF
K=$(grep -c . "$TMP/nul")
echo "# $K corpus file(s) with a NUL byte: $(tr '\n' ' ' <"$TMP/nul")"
KM=$(grep -c . "$TMP/multi")
q "$TMP/ref.db" 'SELECT hash FROM messages' | LC_ALL=C sort >"$TMP/ref.h"
q "$TMP/a.db" 'SELECT hash FROM messages' | LC_ALL=C sort >"$TMP/a.h"
LC_ALL=C comm -23 "$TMP/ref.h" "$TMP/a.h" >"$TMP/only.ref"
LC_ALL=C comm -13 "$TMP/ref.h" "$TMP/a.h" >"$TMP/only.a"
cat "$TMP/nul" "$TMP/multi" | while read -r f; do
	q "$TMP/ref.db" "SELECT hash FROM messages WHERE source LIKE '%/$f'"
done | LC_ALL=C sort >"$TMP/odd.h"
ok "only the $K message(s) with a NUL byte and the $KM file(s) of several hash differently" \
	test "$(wc -l <"$TMP/only.a")" -eq "$((K + KM))" -a "$(cat "$TMP/only.ref")" = "$(cat "$TMP/odd.h")"
cat "$TMP/only.ref" "$TMP/only.a" >"$TMP/skip.h"
echo 0000 >>"$TMP/skip.h"
ledger_dump "$TMP/ref.db" | grep -vF -f "$TMP/skip.h" |
	sed -E 's/\(byte [0-9]+\)/(byte N)/g' >"$TMP/ref.all"
ledger_dump "$TMP/a.db" | grep -vF -f "$TMP/skip.h" |
	sed -E 's/\(byte [0-9]+\)/(byte N)/g' >"$TMP/a.all"
ok "the same messages, events and undecoded rows, by content" \
	same "$TMP/ref.all" "$TMP/a.all"
ok "keep: INBOX still holds all $N" test "$(dv_count)" -eq "$N"
ok "and no folder was made for them" \
	test "$(dv_count rebound/processed)" -eq 0 -a "$(dv_count rebound/undecoded)" -eq 0

exact "$TMP/a.db" >"$TMP/a1.exact"
run "$TMP/a.yaml"
ok "a second run exits 0" test "$rc" -eq 0
ok "and fetches 0" test "$(fetched)" = 0
exact "$TMP/a.db" >"$TMP/a2.exact"
ok "and changes nothing in the ledger" same "$TMP/a1.exact" "$TMP/a2.exact"
$REBOUND ingest --db "$TMP/a.db" --now "$NOW" "$TMP/bsd" >"$TMP/ing" 2>"$TMP/err"
ok "ingest of the same files after IMAP: all duplicates (but the NUL ones and the files of several)" \
	grep -q "^messages: $((N - K - KM)) (new 0, duplicates skipped $((N - K - KM))" "$TMP/ing"
exact "$TMP/a.db" >"$TMP/a3.exact"
ok "and the ledger is unchanged" same "$TMP/a1.exact" "$TMP/a3.exact"
$REBOUND run --config "$TMP/a.yaml" --once --db "$TMP/a2.db" --now "$NOW" \
	</dev/null >"$TMP/out" 2>"$TMP/err"
ok "--db overrides the configuration's database" test $? -eq 0 -a \
	"$(fetched)" = "$N" -a "$(q "$TMP/a2.db" 'SELECT count(*) FROM messages')" -eq \
	"$(q "$TMP/a.db" 'SELECT count(*) FROM messages')"

# --jobs: the same ledger, row for row, from one thread and from three.
run "$TMP/a.yaml" --db "$TMP/j1.db" --jobs 1
ok "run --jobs 1 exits 0" test "$rc" -eq 0
run "$TMP/a.yaml" --db "$TMP/j3.db" --jobs 3
ok "run --jobs 3 exits 0" test "$rc" -eq 0
exact "$TMP/j1.db" | grep -v "^mailboxes|" >"$TMP/j1.exact"
exact "$TMP/j3.db" | grep -v "^mailboxes|" >"$TMP/j3.exact"
ok "run --jobs 3 gives the ledger --jobs 1 gives ($(grep -c '^events|' "$TMP/j1.exact") events)" \
	same "$TMP/j1.exact" "$TMP/j3.exact"

# (b) End to end with the defaults: the sample mailbox is read, INBOX ends
# empty, rebound/processed and rebound/undecoded hold every message once,
# the ledger is ingest's.
dv_wipe
M=$(dv_maildir_load "$SAMPLE")
ok "the sample Maildir loaded ($M messages, new/ then cur/)" test "$M" -ge 10
ingest "$TMP/sref.db" "$SAMPLE"
DV_DB=$TMP/b.db dv_config "$TMP/b.yaml"
run "$TMP/b.yaml"
ok "run --once exits 0" test "$rc" -eq 0
ok "fetched $M" test "$(fetched)" = "$M"
ok "INBOX is empty" test "$(dv_count)" -eq 0
p=$(dv_count rebound/processed)
u=$(dv_count rebound/undecoded)
echo "# rebound/processed $p, rebound/undecoded $u"
ok "rebound/processed and rebound/undecoded hold all $M" test "$((p + u))" -eq "$M"
"$DV_PYTHON" "$DV_HELPER" msgids "$SAMPLE" >"$TMP/want.ids"
dv_msgids rebound/processed rebound/undecoded >"$TMP/got.ids"
ok "each message once (Message-IDs)" same "$TMP/want.ids" "$TMP/got.ids"
undec=$(q "$TMP/sref.db" 'SELECT count(DISTINCT message) FROM undecoded')
ok "rebound/undecoded holds the $undec that ingest calls undecoded" test "$u" -eq "$undec"
ledger_dump "$TMP/sref.db" suppressions retry >"$TMP/sref.tab"
ledger_dump "$TMP/b.db" suppressions retry >"$TMP/b.tab"
ok "the suppressions and retry ledger of ingest" same "$TMP/sref.tab" "$TMP/b.tab"
ok "with the suppressions expected ($(grep -c '^suppressions|' "$TMP/b.tab"))" \
	test "$(grep -c '^suppressions|' "$TMP/b.tab")" -ge 5
ledger_dump "$TMP/sref.db" | sed -E 's/\(byte [0-9]+\)/(byte N)/g' >"$TMP/sref.all"
ledger_dump "$TMP/b.db" | sed -E 's/\(byte [0-9]+\)/(byte N)/g' >"$TMP/b.all"
ok "and the same messages and events, by content (offsets aside)" same "$TMP/sref.all" "$TMP/b.all"
exact "$TMP/b.db" >"$TMP/b1.exact"
run "$TMP/b.yaml"
ok "a second run exits 0, fetches 0" test "$rc" -eq 0 -a "$(fetched)" = 0
exact "$TMP/b.db" >"$TMP/b2.exact"
ok "and changes nothing" same "$TMP/b1.exact" "$TMP/b2.exact"
ok "the folders are as they were" test "$(dv_count rebound/processed)" -eq "$p" -a \
	"$(dv_count rebound/undecoded)" -eq "$u" -a "$(dv_count)" -eq 0

# (c) after: seen and after: delete (undecoded the same).
dv_wipe
dv_maildir_load "$SAMPLE" >/dev/null
DV_DB=$TMP/c.db dv_config "$TMP/c.yaml" "after: seen
undecoded: seen"
run "$TMP/c.yaml"
ok "after: seen: exits 0, fetched $M" test "$rc" -eq 0 -a "$(fetched)" = "$M"
ok "the messages stay in INBOX" test "$(dv_count)" -eq "$M"
ok "all flagged \\Seen" test "$(dv_doveadm search -u "$DV_USER" mailbox INBOX unseen | wc -l)" -eq 0
run "$TMP/c.yaml"
ok "and the next run fetches 0" test "$rc" -eq 0 -a "$(fetched)" = 0
dv_wipe
dv_maildir_load "$SAMPLE" >/dev/null
DV_DB=$TMP/d.db dv_config "$TMP/d.yaml" "after: delete
undecoded: delete"
run "$TMP/d.yaml"
ok "after: delete: exits 0, fetched $M" test "$rc" -eq 0 -a "$(fetched)" = "$M"
ok "INBOX is empty and no folder holds them" test "$(dv_count)" -eq 0 -a \
	"$(dv_count rebound/processed)" -eq 0 -a "$(dv_count rebound/undecoded)" -eq 0
ledger_dump "$TMP/d.db" | sed -E 's/\(byte [0-9]+\)/(byte N)/g' >"$TMP/d.all"
ok "the ledger is the same whatever after says" same "$TMP/sref.all" "$TMP/d.all"
