# Exactly once: SIGKILL `rebound ingest` 20 times at random points of a
# 5,000-message ingest, run it to the end, and compare a sorted dump of every
# table with the database an uninterrupted run gives.
# KILL_MESSAGES, KILL_TIMES and KILL_SEED change the run.
. tests/lib.sh

N=${KILL_MESSAGES:-5000}
KILLS=${KILL_TIMES:-20}
SEED=${KILL_SEED:-$(date +%s)}
NOW=2026-06-01T00:00:00Z
BOX=$TMP/box
echo "# $N messages, $KILLS kills, KILL_SEED=$SEED"

# Distinct messages made from the fixtures: each copy gets its own
# Message-ID, and two copies in three get their own recipients (the third
# keeps them, so that suppressions and the retry ledger see addresses
# again).
mkdir -p "$BOX/new" "$BOX/tmp"
python3 tests/imap_load.py distinct "$BOX/cur" "$N" "$REBOUND"
ok "$N distinct messages made" test "$(ls "$BOX/cur" | wc -l)" -eq "$N"

ingest() {	# ingest DB
	$REBOUND ingest --quiet --db "$1" --now "$NOW" "$BOX" >/dev/null 2>"$TMP/err"
}
ms() {
	date +%s%3N
}

t0=$(ms)
ingest "$TMP/ref.db"
rc=$?
t1=$(ms)
T=$((t1 - t0))
echo "# an uninterrupted run takes $T ms"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$TMP/err"
ok "an uninterrupted run ingests every message" test "$rc" -eq 0 -a \
	"$(sqlite3 "$TMP/ref.db" 'SELECT count(*) FROM messages')" -eq "$N"
sqlite3 "$TMP/ref.db" .dump | sort >"$TMP/ref.sql"

# Each kill comes at a random time within the start-up plus up to 1.2
# times a fair share of the remaining work (remaining / (kills left + 2)):
# the kills spread over the whole ingest (about 80% of it is done by the
# last), yet even the last run would have to be 1.6 times faster than the
# uninterrupted one to finish before its kill.
delay() {	# delay KILL DONE
	python3 -c '
import random, sys
seed, t, n, k, left, done = map(int, sys.argv[1:])
random.seed(seed * 100 + k)
share = 1.2 * t * (n - done) / n / (left + 2)
print("%.3f" % ((60 + random.uniform(0, share)) / 1000))
' "$SEED" "$T" "$N" "$1" "$((KILLS - $1))" "$2"
}

killed=0
prev=0
monotonic=1
consistent=1
k=0
while [ "$k" -lt "$KILLS" ]; do
	k=$((k + 1))
	d=$(delay "$k" "$prev")
	$REBOUND ingest --quiet --db "$TMP/k.db" --now "$NOW" "$BOX" \
		>/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -KILL "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null
	[ $? -eq 137 ] && killed=$((killed + 1))
	[ -f "$TMP/k.db" ] || continue
	ledger_intact "$TMP/k.db" || consistent=0
	# 0 while the schema is not committed yet (see ledger_intact)
	now=$(sqlite3 "$TMP/k.db" 'SELECT count(*) FROM messages' 2>/dev/null ||
	      echo 0)
	[ "$now" -ge "$prev" ] || monotonic=0
	echo "# kill $k after ${d}s: $now messages in the ledger"
	prev=$now
done
echo "# $prev messages were in the ledger after the last kill"
ok "all $KILLS kills hit a running ingest" test "$killed" -eq "$KILLS"
ok "some work was done between the kills, not all of it" \
	test "$prev" -gt 0 -a "$prev" -lt "$N"
ok "after every kill the database is intact and whole messages only" \
	test "$consistent" -eq 1
ok "the ledger never lost a committed message" test "$monotonic" -eq 1

ingest "$TMP/k.db"
ok "the run after the kills finishes" test $? -eq 0
sqlite3 "$TMP/k.db" .dump | sort >"$TMP/k.sql"
ok "the database equals the uninterrupted run's (sorted dump of all tables)" \
	cmp -s "$TMP/ref.sql" "$TMP/k.sql"
ingest "$TMP/k.db"
sqlite3 "$TMP/k.db" .dump | sort >"$TMP/k2.sql"
ok "and one more run changes nothing" cmp -s "$TMP/ref.sql" "$TMP/k2.sql"

# A worker process killed: the parent is stopped as soon as its two
# workers exist, they are killed, and it is let go on.  It fails with 70,
# naming the batch, keeps whole messages only, and the next run ends with
# the uninterrupted run's ledger.
$REBOUND ingest --quiet --jobs 2 --db "$TMP/w.db" --now "$NOW" "$BOX" \
	>/dev/null 2>"$TMP/w.err" &
pid=$!
tries=0
while [ "$(pgrep -P "$pid" | wc -l)" -lt 2 ] && [ "$tries" -lt 1000 ]; do
	sleep 0.01
	tries=$((tries + 1))
done
kill -STOP "$pid"
kill -KILL $(pgrep -P "$pid")
kill -CONT "$pid"
wait "$pid"
rc=$?
ok "a killed worker makes ingest fail with 70" test "$rc" -eq 70
ok "and says which batch it had" \
	grep -q ': the worker for the batch that starts here was killed by signal 9$' "$TMP/w.err"
ok "the database is intact, whole messages only" ledger_intact "$TMP/w.db"
ingest "$TMP/w.db"
sqlite3 "$TMP/w.db" .dump | sort >"$TMP/w.sql"
ok "the next run gives the uninterrupted run's database" \
	cmp -s "$TMP/ref.sql" "$TMP/w.sql"
