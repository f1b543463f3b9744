# rebound run as a daemon: the backlog at start, then mail appended while
# it runs is ingested within seconds (IDLE: poll_interval is 60 s); it
# comes back after Dovecot restarts; SIGTERM ends it with 0 after the batch
# in hand, leaving every counted message moved and no process behind.
. tests/lib.sh
. tests/dovecot.sh

NOW=2026-06-01T00:00:00Z
SAMPLE=fixtures/mailbox/sample

count() {	# count DB: messages in the ledger, 0 while there is none
	[ -f "$1" ] || { echo 0; return; }
	sqlite3 -readonly -batch "$1" 'SELECT count(*) FROM messages' 2>/dev/null || echo 0
}
waitfor() {	# waitfor SECONDS COMMAND...: until COMMAND succeeds; $took (ms)
	_end=$(($(date +%s%3N) + $1 * 1000))
	_t0=$(date +%s%3N)
	shift
	while ! "$@"; do
		if [ "$(date +%s%3N)" -ge "$_end" ] || ! kill -0 "$pid" 2>/dev/null; then
			took=$(($(date +%s%3N) - _t0))
			return 1
		fi
		sleep 0.05
	done
	took=$(($(date +%s%3N) - _t0))
}
counted() {	# counted N: the ledger holds N messages
	[ "$(count "$DB")" -eq "$1" ]
}
inbox() {	# inbox N: INBOX holds N
	[ "$(dv_count)" -eq "$1" ]
}
start() {	# start CONFIG: the daemon in the background, pid in $pid
	$REBOUND run --config "$1" --now "$NOW" </dev/null >>"$TMP/out" 2>>"$TMP/err" &
	pid=$!
	dv_track "$pid"
}
stop() {	# stop: SIGTERM, wait at most 30 s; $rc, $took (ms)
	_t0=$(date +%s%3N)
	kill -TERM "$pid"
	_n=0
	while kill -0 "$pid" 2>/dev/null && [ -r "/proc/$pid/stat" ] &&
		[ "$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f1)" != Z ] &&
		[ "$_n" -lt 600 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
	took=$(($(date +%s%3N) - _t0))
	if [ "$_n" -ge 600 ]; then
		kill -KILL "$pid"
	fi
	wait "$pid"
	rc=$?
}
msg() {	# msg NAME: a new bounce, $TMP/NAME.eml
	python3 tests/mkbounce.py "$TMP/new" <<-EOF
	$1 hard $1@example.com 2026-05-01T00:00:00Z
	EOF
	find "$TMP/new" -name "$1*" -type f | head -n 1
}

dv_start
ok "Dovecot runs (make deps installs it)" test -n "$DV_PID"
[ -n "$DV_PID" ] || exit 1

# The backlog, then new mail: IDLE, not the 60 s poll.
M=$(dv_maildir_load "$SAMPLE")
DB=$TMP/d.db
DV_DB=$DB dv_config "$TMP/d.yaml" "poll_interval: 60s"
start "$TMP/d.yaml"
waitfor 30 counted "$M"
ok "the daemon ingests the $M messages there at its start ($took ms)" counted "$M"
ok "and moves them" waitfor 10 inbox 0
f1=$(msg new1)
dv_append "$f1"
waitfor 10 counted "$((M + 1))"
ok "a message appended right after is ingested within 10 s ($took ms)" counted "$((M + 1))"
sleep 2
f2=$(msg new2)
dv_append "$f2"
waitfor 10 counted "$((M + 2))"
ok "a message appended while it idles is ingested within 10 s ($took ms)" counted "$((M + 2))"
ok "and moved out of INBOX" waitfor 10 inbox 0
ok "to rebound/processed" test "$(dv_count rebound/processed)" -eq "$((M + 2))"
$REBOUND check --db "$DB" --now "$NOW" new2@example.com >/dev/null
ok "its hard bounce suppresses the address" test $? -eq 1

# Dovecot restarts under it: it reconnects (with backoff) and goes on.
dv_stop
sleep 1
dv_restart
f3=$(msg new3)
dv_append "$f3"
waitfor 30 counted "$((M + 3))"
ok "after Dovecot restarts, new mail is ingested again ($took ms)" counted "$((M + 3))"
ok "the daemon is still running" kill -0 "$pid"

# SIGTERM while idle.
stop
ok "SIGTERM while idle: exit 0 ($took ms)" test "$rc" -eq 0
ok "within 10 s" test "$took" -lt 10000
ok "no process is left" test ! -d "/proc/$pid"
sed 's/^/# /' "$TMP/err" | tail -n 5

# SIGTERM in the middle of a backlog: it finishes the batch in hand,
# moves what it counted, exits 0; the next start does the rest.
dv_wipe
"$DV_PYTHON" "$DV_HELPER" distinct "$TMP/box" 3000 "$REBOUND"
N=$(dv_maildir_load "$TMP/box")
DB=$TMP/e.db
DV_DB=$DB dv_config "$TMP/e.yaml" "poll_interval: 60s"
start "$TMP/e.yaml"
waitfor 60 sh -c "[ \$(sqlite3 -readonly '$DB' 'SELECT count(*) FROM messages' 2>/dev/null || echo 0) -gt 0 ]"
stop
done=$(count "$DB")
echo "# SIGTERM with $done of $N counted"
ok "SIGTERM during a backlog: exit 0 ($took ms)" test "$rc" -eq 0
ok "it had not done them all (else this proves little)" test "$done" -lt "$N"
ok "whole messages only" test "$(sqlite3 "$DB" 'SELECT count(*) FROM messages m WHERE records <> (SELECT count(*) FROM events WHERE message = m.id)')" -eq 0
p=$(dv_count rebound/processed)
u=$(dv_count rebound/undecoded)
i=$(dv_count)
ok "what it counted it moved: $((p + u)) moved, $done counted" test "$((p + u))" -eq "$done"
ok "the rest is in INBOX ($i)" test "$((i + p + u))" -eq "$N"
start "$TMP/e.yaml"
waitfor 120 counted "$N"
ok "started again, it does the rest" counted "$N"
ok "INBOX ends empty" waitfor 20 inbox 0
dv_msgids rebound/processed rebound/undecoded >"$TMP/got.ids"
ok "each message moved once" test "$(wc -l <"$TMP/got.ids")" -eq "$N" -a \
	"$(sort -u "$TMP/got.ids" | wc -l)" -eq "$N"
stop
ok "SIGTERM: exit 0" test "$rc" -eq 0
ok "no process is left" test ! -d "/proc/$pid"
