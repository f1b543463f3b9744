# rebound run and a message over RB_MAX_MESSAGE_BYTES (32 MiB): a 100 MiB
# bounce between two small ones, in one batch, on a Dovecot from
# tests/dovecot.sh.  rebound fetches only its head (33554433 bytes), its
# peak memory is that of a 31 MiB message read whole, the bounce at its head
# is in the ledger with a warning that it was cut, every message is
# counted and moved once, a second run changes nothing, and a new
# UIDVALIDITY reads it again as a duplicate.  Then a server that sends
# more than rebound asked for: the connection is cut off early, exit 75,
# nothing counted.
. tests/lib.sh
. tests/dovecot.sh

NOW=2026-06-01T00:00:00Z
CAP=33554432		# RB_MAX_MESSAGE_BYTES
BIG=100			# MiB

run() {	# run CONFIG: rebound run --once; $TMP/out, $TMP/err, $rc, $rss (KiB)
	"$DV_PYTHON" -c '
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as fh:
    fh.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(rc)' "$TMP/rss" $REBOUND run --config "$1" --once --now "$NOW" \
		</dev/null >"$TMP/out" 2>"$TMP/err"
	rc=$?
	rss=$(cat "$TMP/rss")
	echo "# exit $rc, peak RSS $rss KiB"
	sed 's/^/# /' "$TMP/out" "$TMP/err"
}
summary() {	# summary FIELD: N of "FIELD N" in the summary line
	sed -n "s/^[a-z]*: .*$1 \\([0-9][0-9]*\\).*/\\1/p" "$TMP/out"
}
exact() {	# exact DB: every ledger row as stored
	for t in messages raw events suppressions retry undecoded mailboxes \
		pending; do
		sqlite3 -batch "$1" "SELECT '$t', * FROM $t ORDER BY rowid"
	done
}
q() {
	sqlite3 -batch "$1" "$2"
}
bounce() {	# bounce FILE RCPT STATUS MIB: a DSN returning a message with
		# a MIB MiB attachment (base64, the same each time)
	"$DV_PYTHON" - "$@" <<'EOF'
import base64, random, sys
out, rcpt, status, mib = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
head = f"""From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: bounces@example.org
Subject: Undelivered Mail Returned to Sender
Date: Mon, 01 Jun 2026 00:00:00 +0000
Message-ID: <{rcpt.split("@")[0]}.dsn@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

This is the mail system at host mx.example.net.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; {rcpt}
Action: failed
Status: {status}
Diagnostic-Code: smtp; 552 {status} <{rcpt}>: mailbox full

--b1
Content-Type: message/rfc822

From: sender@example.org
To: {rcpt}
Subject: an attachment
Message-ID: <orig-{rcpt}>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b2"

--b2
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64

""".encode()
# 16 KiB of base64 over and over: within zlib's window, so that keeping
# the message costs little time
blk = base64.encodebytes(random.Random(55).randbytes(12288)) * 64
with open(out, "wb") as fh:
    fh.write(head)
    left = int(mib * (1 << 20)) - len(head)
    while left > 0:
        fh.write(blk[:left])
        left -= len(blk)
    fh.write(b"\n--b2--\n\n--b1--\n")
EOF
}

dv_start
ok "Dovecot runs (make deps installs it)" test -n "$DV_PID"
[ -n "$DV_PID" ] || exit 1

# (0) The reference: a 31 MiB message, under the limit, read whole.
bounce "$TMP/under.eml" under@example.com 5.2.2 31
dv_maildir_load -f under "$TMP/under.eml" >/dev/null
DV_DB=$TMP/u.db dv_config "$TMP/u.yaml" "mailbox: under
after: keep"
run "$TMP/u.yaml"
ok "a 31 MiB message is read whole" test "$rc" -eq 0 -a \
	"$(summary fetched)" = 1 -a "$(grep -c 'only its first' "$TMP/err")" -eq 0
RSS0=$rss

# (a) small, big, small: one batch (batch_size 100), fetched in three
# FETCH commands (RB_MAX_FETCH_BYTES), committed together.
bounce "$TMP/1.eml" small1@example.com 5.2.2 0.01
bounce "$TMP/2.eml" big@example.com 5.2.2 "$BIG"
bounce "$TMP/3.eml" small2@example.com 5.2.2 0.01
SIZE=$(wc -c <"$TMP/2.eml")
ok "a $SIZE-byte message, over the limit of $CAP" test "$SIZE" -gt $((CAP * 2))
ok "three messages loaded" test "$(dv_maildir_load "$TMP/1.eml" "$TMP/2.eml" "$TMP/3.eml")" -eq 3
UV=$(dv_uidvalidity)
DB=$TMP/a.db
DV_DB=$DB dv_config "$TMP/a.yaml"
run "$TMP/a.yaml"
ok "run --once exits 0" test "$rc" -eq 0
ok "fetched 3" test "$(summary fetched)" = 3
ok "peak memory ($rss KiB) no more than for the 31 MiB one ($RSS0 KiB) + 16 MiB" \
	test "$rss" -lt $((RSS0 + 16384))
ok "a warning names the account, mailbox, UID and size" \
	grep -q "^rebound: warning: bounces: INBOX: UID 2 (UIDVALIDITY $UV) is [0-9]* bytes, over the $CAP" "$TMP/err"
ok "and only that message is said to be cut" \
	test "$(grep -c 'only its first' "$TMP/err")" -eq 1
ok "three messages in the ledger" test "$(q "$DB" 'SELECT count(*) FROM messages')" -eq 3
ok "the bounce at the head of the big one was read" \
	test "$(q "$DB" "SELECT class || ' ' || reason || ' ' || status FROM events WHERE recipient = 'big@example.com'")" = "soft mailboxfull 5.2.2"
ok "its record says the message was cut" \
	q "$DB" "SELECT 1 FROM events WHERE recipient = 'big@example.com' AND warnings LIKE '%only the first $CAP read%'" | grep -q 1
ok "the small ones have no such warning" \
	test "$(q "$DB" "SELECT count(*) FROM events WHERE warnings LIKE '%only the first%'")" -eq 1
ok "its source names the part fetched (RFC 5092 PARTIAL)" \
	test "$(q "$DB" "SELECT source FROM messages WHERE message_id = 'big.dsn@mx.example.net'")" = \
	"imap://bounces/INBOX;UIDVALIDITY=$UV/;UID=2/;PARTIAL=0.$((CAP + 1))"
ok "$((CAP + 1)) bytes of it are kept, not $SIZE" \
	test "$(q "$DB" "SELECT r.size FROM raw r JOIN messages m ON m.id = r.message WHERE m.message_id = 'big.dsn@mx.example.net'")" -eq $((CAP + 1))
ok "the checkpoint is UID 3, nothing is pending" \
	test "$(q "$DB" 'SELECT last_uid FROM mailboxes')" -eq 3 -a \
	"$(q "$DB" 'SELECT count(*) FROM pending')" -eq 0
ok "INBOX is empty, rebound/processed holds the three" \
	test "$(dv_count)" -eq 0 -a "$(dv_count rebound/processed)" -eq 3
dv_msgids rebound/processed >"$TMP/ids"
ok "each once" test "$(sort -u "$TMP/ids" | wc -l)" -eq 3 -a "$(wc -l <"$TMP/ids")" -eq 3

exact "$DB" | grep -av '^mailboxes' >"$TMP/a1"
run "$TMP/a.yaml"
ok "a second run exits 0 and fetches 0" test "$rc" -eq 0 -a "$(summary fetched)" = 0
exact "$DB" | grep -av '^mailboxes' >"$TMP/a2"
ok "and changes nothing" cmp -s "$TMP/a1" "$TMP/a2"

# (b) after: keep, and a new UIDVALIDITY: the three are read again and
# found in the ledger, the cut one too (its head hashes the same).
dv_wipe
dv_maildir_load "$TMP/1.eml" "$TMP/2.eml" "$TMP/3.eml" >/dev/null
DB=$TMP/b.db
DV_DB=$DB dv_config "$TMP/b.yaml" "after: keep
undecoded: keep"
run "$TMP/b.yaml"
ok "after: keep: exits 0, fetched 3, INBOX keeps them" \
	test "$rc" -eq 0 -a "$(summary fetched)" = 3 -a "$(dv_count)" -eq 3
exact "$DB" | grep -av '^mailboxes' >"$TMP/b1"
UV2=$(dv_uidvalidity_change)
run "$TMP/b.yaml"
ok "UIDVALIDITY $UV2: fetched 3 again, all duplicates" \
	test "$rc" -eq 0 -a "$(summary fetched)" = 3 -a "$(summary duplicates)" = 3
exact "$DB" | grep -av '^mailboxes' >"$TMP/b2"
ok "and the ledger is as it was" cmp -s "$TMP/b1" "$TMP/b2"

# (c) A server that sends more than was asked: UID FETCH of
# BODY.PEEK[]<0.33554433> answered with a literal of 1 GiB.  rebound stops
# reading past what it asked for and closes the connection.
cat >"$TMP/liar.py" <<'EOF'
import socket, sys
announce = 1 << 30
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
with open(sys.argv[1] + ".tmp", "w") as fh:
    fh.write(str(srv.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
srv.settimeout(30)
c, _ = srv.accept()
c.settimeout(30)
f = c.makefile("rb")
c.sendall(b"* OK [CAPABILITY IMAP4rev1] liar\r\n")
sent = 0
try:
    for line in f:
        tag, cmd = line.split(b" ", 1)
        u = cmd.upper()
        out = b""
        if u.startswith(b"CAPABILITY"):
            out = b"* CAPABILITY IMAP4rev1\r\n"
        elif u.startswith(b"SELECT"):
            out = b"* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n"
        elif u.startswith(b"UID SEARCH"):
            out = b"* SEARCH 1\r\n"
        elif u.startswith(b"UID FETCH") and b"BODY" not in u:
            out = b"* 1 FETCH (UID 1 RFC822.SIZE 1000)\r\n"
        elif u.startswith(b"UID FETCH"):
            c.sendall(b"* 1 FETCH (UID 1 BODY[] {%d}\r\n" % announce)
            chunk = b"Subject: x\r\n\r\n" + b"y" * 65522
            while sent < announce:
                c.sendall(chunk)
                sent += len(chunk)
        c.sendall(out + tag + b" OK done\r\n")
        if u.startswith(b"LOGOUT"):
            break
except OSError:
    pass
with open(sys.argv[2], "w") as fh:
    fh.write(str(sent))
EOF
"$DV_PYTHON" "$TMP/liar.py" "$TMP/liar.port" "$TMP/liar.sent" &
LIAR=$!
dv_track "$LIAR"
i=0
while [ ! -s "$TMP/liar.port" ] && [ "$i" -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
cat >"$TMP/c.yaml" <<EOF
database: $TMP/c.db
accounts:
  - name: liar
    host: 127.0.0.1
    port: $(cat "$TMP/liar.port")
    tls: none
    username: bounce
    password_env: DV_PASS
    after: keep
    timeout: 10s
EOF
run "$TMP/c.yaml"
wait "$LIAR"
sent=$(cat "$TMP/liar.sent" 2>/dev/null || echo 0)
echo "# the server got $sent bytes of its 1 GiB literal out"
ok "exit 75 (temporary)" test "$rc" -eq 75
ok "the error says the server sent more than was asked" \
	grep -q "the server sent more than the $((CAP + 1)) bytes asked" "$TMP/err"
ok "nothing counted, no checkpoint" \
	test "$(q "$TMP/c.db" 'SELECT count(*) FROM messages')" -eq 0 -a \
	"$(q "$TMP/c.db" 'SELECT count(*) FROM mailboxes')" -eq 0
ok "the connection was closed early (under 128 MiB of the literal read)" \
	test "$sent" -gt 0 -a "$sent" -lt $((128 << 20))
ok "peak memory ($rss KiB) below 256 MiB" test "$rss" -lt $((256 << 10))
