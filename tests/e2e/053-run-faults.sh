# rebound run, exactly once whatever stops it: SIGKILL of rebound 20 times
# at random points of a 5,000-message run, then a run to the end, gives the
# ledger of an uninterrupted run and a mailbox where every message was moved
# once; Dovecot stopped or killed mid-run gives 75, and after its restart
# the next run finishes with the same ledger; a UIDVALIDITY change counts
# nothing twice and misses nothing.
# KILL_MESSAGES, KILL_TIMES and KILL_SEED change the run.
. tests/lib.sh
. tests/dovecot.sh

N=${KILL_MESSAGES:-5000}
KILLS=${KILL_TIMES:-20}
SEED=${KILL_SEED:-$(date +%s)}
NOW=2026-06-01T00:00:00Z
BOX=$TMP/box
echo "# $N messages, $KILLS kills, KILL_SEED=$SEED"

run() {	# run CONFIG: rebound run --once; $TMP/out, $TMP/err, $rc
	$REBOUND run --config "$1" --once --now "$NOW" </dev/null >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq 0 ] || sed 's/^/# /' "$TMP/err" | head -n 5
}
fetched() {
	sed -n 's/^bounces: fetched \([0-9][0-9]*\).*/\1/p' "$TMP/out"
}
count() {	# count DB: messages in the ledger, 0 while there is none
	[ -f "$1" ] || { echo 0; return; }
	sqlite3 -readonly -batch "$1" 'SELECT count(*) FROM messages' 2>/dev/null || echo 0
}
same() {	# same FILE FILE: equal, else the first differences as comments
	cmp -s "$1" "$2" && return 0
	diff "$1" "$2" | head -n 10 | sed 's/^/# /'
	return 1
}
moved_once() {	# INBOX empty; processed + undecoded: each message once
	dv_msgids rebound/processed rebound/undecoded >"$TMP/got.ids"
	[ "$(dv_count)" -eq 0 ] && same "$TMP/want.ids" "$TMP/got.ids"
}
moved_none_lost() {	# INBOX empty; processed + undecoded: each message at
			# least once.  A server killed inside UID MOVE may
			# have copied a message without expunging it; the
			# pending move is done again after the restart, so
			# the copy can be there twice (the ledger counts it
			# once: checked apart).
	dv_msgids rebound/processed rebound/undecoded >"$TMP/got.ids"
	LC_ALL=C sort -u "$TMP/got.ids" >"$TMP/got.uids"
	echo "# $(($(wc -l <"$TMP/got.ids") - $(wc -l <"$TMP/got.uids"))) message(s) doubled in the destination"
	[ "$(dv_count)" -eq 0 ] && same "$TMP/want.ids" "$TMP/got.uids"
}
fresh() {	# fresh NAME [YAML]: an INBOX with the N messages, config $TMP/NAME.yaml
	dv_wipe
	dv_maildir_load "$BOX" >/dev/null
	DV_DB=$TMP/$1.db dv_config "$TMP/$1.yaml" "$2"
}
ms() {
	date +%s%3N
}

dv_start
ok "Dovecot runs (make deps installs it)" test -n "$DV_PID"
[ -n "$DV_PID" ] || exit 1
"$DV_PYTHON" "$DV_HELPER" distinct "$BOX" "$N" "$REBOUND"
ok "$N distinct messages made" test "$(ls "$BOX" | wc -l)" -eq "$N"
i=0
while [ "$i" -lt "$N" ]; do
	echo "<copy-$i@rebound.test>"
	i=$((i + 1))
done | LC_ALL=C sort >"$TMP/want.ids"

# The reference: one uninterrupted run.
fresh ref
t0=$(ms)
run "$TMP/ref.yaml"
T=$(($(ms) - t0))
echo "# an uninterrupted run takes $T ms"
ok "an uninterrupted run exits 0 and fetches $N" test "$rc" -eq 0 -a "$(fetched)" = "$N"
ok "and counts every message" test "$(count "$TMP/ref.db")" -eq "$N"
ok "INBOX is empty, every message moved once" moved_once
ledger_dump "$TMP/ref.db" >"$TMP/ref.dump"

# SIGKILL at random points.  Each kill comes at a random time within the
# start-up plus up to 1.2 times a fair share of the remaining work
# (remaining / (kills left + 2)), as in 041-kill.sh.
delay() {	# delay KILL DONE
	"$DV_PYTHON" -c '
import random, sys
seed, t, n, k, left, done = map(int, sys.argv[1:])
random.seed(seed * 100 + k)
share = 1.2 * t * (n - done) / n / (left + 2)
print("%.3f" % ((60 + random.uniform(0, share)) / 1000))
' "$SEED" "$T" "$N" "$1" "$((KILLS - $1))" "$2"
}
fresh k
killed=0
prev=0
monotonic=1
consistent=1
k=0
while [ "$k" -lt "$KILLS" ]; do
	k=$((k + 1))
	d=$(delay "$k" "$prev")
	$REBOUND run --config "$TMP/k.yaml" --once --now "$NOW" \
		</dev/null >/dev/null 2>&1 &
	pid=$!
	dv_track "$pid"
	sleep "$d"
	kill -KILL "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null
	[ $? -eq 137 ] && killed=$((killed + 1))
	[ -f "$TMP/k.db" ] || continue
	ledger_intact "$TMP/k.db" || consistent=0
	now=$(count "$TMP/k.db")
	[ "$now" -ge "$prev" ] || monotonic=0
	echo "# kill $k after ${d}s: $now messages in the ledger, $(dv_count) in INBOX"
	prev=$now
done
echo "# $prev messages were in the ledger after the last kill"
ok "all $KILLS kills hit a running rebound" test "$killed" -eq "$KILLS"
ok "some work was done between the kills, not all of it" \
	test "$prev" -gt 0 -a "$prev" -lt "$N"
ok "after every kill the database is intact and whole messages only" \
	test "$consistent" -eq 1
ok "the ledger never lost a committed message" test "$monotonic" -eq 1
run "$TMP/k.yaml"
ok "the run after the kills exits 0" test "$rc" -eq 0
ledger_dump "$TMP/k.db" >"$TMP/k.dump"
ok "the ledger equals the uninterrupted run's (messages, events, suppressions, retry, undecoded)" \
	same "$TMP/ref.dump" "$TMP/k.dump"
ok "INBOX is empty, every message moved once, none lost or doubled" moved_once
run "$TMP/k.yaml"
ok "one more run fetches 0" test "$rc" -eq 0 -a "$(fetched)" = 0
ledger_dump "$TMP/k.db" >"$TMP/k2.dump"
ok "and changes nothing" same "$TMP/ref.dump" "$TMP/k2.dump"

# Dovecot goes away mid-run: stopped (SIGTERM) or killed (SIGKILL, all its
# processes).  75, then after the restart the next run finishes.
for how in stop kill; do
	did=${how}ed
	[ "$how" = stop ] && did=stopped
	fresh "$how"
	$REBOUND run --config "$TMP/$how.yaml" --once --now "$NOW" \
		</dev/null >"$TMP/out" 2>"$TMP/err" &
	pid=$!
	dv_track "$pid"
	tries=0
	while [ "$(count "$TMP/$how.db")" -eq 0 ] && [ "$tries" -lt 1200 ] &&
		[ -d "/proc/$pid" ]; do
		sleep 0.05
		tries=$((tries + 1))
	done
	"dv_$how"
	wait "$pid"
	rc=$?
	done=$(count "$TMP/$how.db")
	echo "# Dovecot $did with $done messages counted; rebound exit $rc: $(head -n 1 "$TMP/err")"
	ok "Dovecot $did mid-run: rebound exits 75" test "$rc" -eq 75
	ok "having counted some, not all" test "$done" -gt 0 -a "$done" -lt "$N"
	ok "the database is intact, whole messages only" \
		ledger_intact "$TMP/$how.db"
	if [ "$how" = stop ]; then
		t0=$(ms)
		run "$TMP/$how.yaml"
		ok "a run while Dovecot is down exits 75 ($(($(ms) - t0)) ms)" test "$rc" -eq 75
		ok "and counts nothing" test "$(count "$TMP/$how.db")" -eq "$done"
	fi
	ok "Dovecot restarts" dv_restart
	run "$TMP/$how.yaml"
	ok "the next run exits 0" test "$rc" -eq 0
	ledger_dump "$TMP/$how.db" >"$TMP/$how.dump"
	ok "the ledger equals the uninterrupted run's" same "$TMP/ref.dump" "$TMP/$how.dump"
	if [ "$how" = stop ]; then
		ok "INBOX is empty, every message moved once" moved_once
	else
		ok "INBOX is empty, every message moved, none lost" \
			moved_none_lost
	fi
done

# UIDVALIDITY changes (after: keep, so that the messages stay).  First
# with the UIDs kept (doveadm mailbox update): nothing is counted twice.
dv_wipe
set --
for f in $(ls "$BOX" | head -n 55); do
	set -- "$@" "$BOX/$f"
done
# $1..$50 first, $51..$55 later
first50=
i=1
for f; do
	[ "$i" -le 50 ] && first50="$first50 $f"
	i=$((i + 1))
done
# shellcheck disable=SC2086
dv_maildir_load -f INBOX $first50 >/dev/null
DV_DB=$TMP/u.db dv_config "$TMP/u.yaml" "after: keep
undecoded: keep"
run "$TMP/u.yaml"
ok "50 messages, after: keep: fetched 50" test "$rc" -eq 0 -a "$(fetched)" = 50
sqlite3 -batch "$TMP/u.db" 'SELECT * FROM messages ORDER BY id; SELECT * FROM events ORDER BY id' >"$TMP/u1"
v=$(dv_uidvalidity_change)
echo "# UIDVALIDITY now $v"
run "$TMP/u.yaml"
ok "after a UIDVALIDITY change (same UIDs) the run exits 0" test "$rc" -eq 0
sqlite3 -batch "$TMP/u.db" 'SELECT * FROM messages ORDER BY id; SELECT * FROM events ORDER BY id' >"$TMP/u2"
ok "and counts nothing twice" same "$TMP/u1" "$TMP/u2"

# Then the server loses its index: the 10 messages left are numbered again
# from UID 1 and 5 new ones follow, all below the old checkpoint.  They are
# found, and the 10 are not counted again.
n40=$(cd "$DV_MAILDIR" && { ls cur; ls new; } | LC_ALL=C sort | head -n 40)
for f in $n40; do
	rm -f "$DV_MAILDIR/cur/$f" "$DV_MAILDIR/new/$f"
done
v2=$(dv_uidvalidity_change --renumber)
echo "# UIDVALIDITY now $v2"
shift 50
dv_maildir_load -f INBOX "$@" >/dev/null
set -- $(dv_imap status)
ok "INBOX: 15 messages, UIDs 1 to 15, a new UIDVALIDITY" \
	test "$2" -eq 15 -a "$6" -eq 16 -a "$4" != "$v"
run "$TMP/u.yaml"
ok "the run exits 0" test "$rc" -eq 0
mkdir "$TMP/u55"
for f in $(ls "$BOX" | head -n 55); do
	cp "$BOX/$f" "$TMP/u55/"
done
$REBOUND ingest --quiet --db "$TMP/u55.db" --now "$NOW" "$TMP/u55" >/dev/null
ok "55 messages counted, each once" test "$(count "$TMP/u.db")" -eq 55
# (byte offsets in warnings count the CRs of IMAP's CRLF: made N)
ledger_dump "$TMP/u55.db" | sed -E "s/\\(byte [0-9]+\\)/(byte N)/g" >"$TMP/u55.dump"
ledger_dump "$TMP/u.db" | sed -E "s/\\(byte [0-9]+\\)/(byte N)/g" >"$TMP/u.dump"
ok "the ledger of the 55 ingested in order" same "$TMP/u55.dump" "$TMP/u.dump"
