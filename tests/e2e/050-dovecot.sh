# The Dovecot test harness itself (tests/dovecot.sh): start, LOGIN over
# plain, STARTTLS and implicit TLS with certificate checks, Maildir loading
# in UID order, APPEND, counting, UIDVALIDITY changes, kill, restart, stop,
# the clean-up trap.  No rebound here: tests/e2e-pending/05[1-4] use it.
. tests/lib.sh
. tests/dovecot.sh

dv_start
rc=$?
ok "dv_start: Dovecot runs and a LOGIN succeeds" test "$rc" -eq 0
if [ "$rc" -ne 0 ]; then
	echo "# dovecot must be installed (make deps); nothing else can be tested"
	exit 1
fi
echo "# DV=$DV ports $DV_PORT (plain, STARTTLS) $DV_TLSPORT (TLS) pid $DV_PID"
ok "the base_dir path is short enough for Dovecot's sockets" \
	test "${#DV}" -lt 40 -a "$(stat -c %a "$DV")" = 755
nprocs=$(dv_procs | wc -l)
ok "the master and its processes are found ($nprocs)" test "$nprocs" -ge 2

# Logins: the CA verifies, the wrong CA and a name the certificate does not
# hold are refused, a wrong password is refused.
ok "LOGIN without TLS" dv_imap login
ok "STARTTLS, certificate verified against \$DV_CA" \
	dv_imap --tls starttls --ca "$DV_CA" login
ok "implicit TLS, certificate verified against \$DV_CA" \
	dv_imap --tls implicit --port "$DV_TLSPORT" --ca "$DV_CA" login
ok "implicit TLS to localhost (the DNS name in the certificate)" \
	dv_imap --host localhost --tls implicit --port "$DV_TLSPORT" --ca "$DV_CA" login
dv_imap --tls starttls --ca "$DV_WRONG_CA" login 2>"$TMP/err"
ok "STARTTLS against the wrong CA: certificate not trusted" test $? -eq 2
dv_imap --tls implicit --port "$DV_TLSPORT" --ca "$DV_WRONG_CA" login 2>"$TMP/err"
ok "implicit TLS against the wrong CA: certificate not trusted" test $? -eq 2
dv_imap --tls implicit --port "$DV_TLSPORT" login 2>"$TMP/err"
ok "implicit TLS against the system trust store: not trusted" test $? -eq 2
if [ -n "$DV_HOST2" ]; then
	dv_imap --host "$DV_HOST2" login
	ok "$DV_HOST2 serves too" test $? -eq 0
	dv_imap --host "$DV_HOST2" --tls implicit --port "$DV_TLSPORT" \
		--ca "$DV_CA" login 2>"$TMP/err"
	ok "but its name is not in the certificate: refused" test $? -eq 2
	ok "because of the name" grep -q "mismatch" "$TMP/err"
else
	ok "127.0.0.2 cases # SKIP 127.0.0.2 cannot be bound here" true
fi

# The Maildir: 100 messages in the order given get UIDs 1 to 100.
mkdir "$TMP/src"
i=1
while [ "$i" -le 100 ]; do
	name=$(printf 'm%03d' "$i")
	printf 'From MAILER-DAEMON Thu Jan  1 00:00:00 2026\nMessage-ID: <%s@harness.test>\nSubject: %s\n\nbody %s\n' \
		"$name" "$name" "$i" >"$TMP/src/$name"
	i=$((i + 1))
done
ok "dv_count of an empty INBOX is 0" test "$(dv_count)" = 0
ok "dv_count of a missing folder is 0" test "$(dv_count rebound/processed)" = 0
ok "dv_maildir_load loads a directory" test "$(dv_maildir_load "$TMP/src")" = 100
ok "dv_count counts them (doveadm)" test "$(dv_count INBOX)" = 100
cat >"$TMP/uids.py" <<'EOF'
import imaplib, re, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("bounce", "secret")
m.select(sys.argv[2], readonly=True)
typ, d = m.uid("FETCH", "1:*", "(BODY.PEEK[HEADER])")
for x in d:
    if isinstance(x, tuple):
        uid = re.search(rb"UID (\d+)", x[0]).group(1).decode()
        mid = re.search(rb"(?im)^message-id: <([^@]*)@", x[1])
        frm = b"\nFrom " in b"\n" + x[1]
        print(uid, mid.group(1).decode() if mid else "-", "From" if frm else "")
m.logout()
EOF
"$DV_PYTHON" "$TMP/uids.py" "$DV_PORT" INBOX >"$TMP/uids"
ok "UID n is the n-th message loaded" sh -c "awk '{ if (\$2 != sprintf(\"m%03d\", \$1)) bad = 1 } END { exit bad || NR != 100 }' '$TMP/uids'"
ok "the mbox From line is not stored" sh -c "! grep -q From '$TMP/uids'"
ok "dv_maildir_load FILE... into a folder" \
	test "$(dv_maildir_load -f rebound/processed "$TMP/src/m001" "$TMP/src/m002")" = 2
ok "dv_maildir_load FILE FOLDER" \
	test "$(dv_maildir_load "$TMP/src/m003" rebound/undecoded)" = 1
ok "dv_count of a folder" test "$(dv_count rebound/processed)" = 2 -a \
	"$(dv_count rebound/undecoded)" = 1
ok "IMAP sees the folders with separator /" \
	test "$(dv_imap status rebound/processed | cut -d' ' -f2)" = 2
ok "dv_msgids lists the Message-IDs" test "$(dv_msgids rebound/processed rebound/undecoded | tr '\n' ' ')" = \
	"<m001@harness.test> <m002@harness.test> <m003@harness.test> "

# APPEND, as mail arriving while a client runs.
printf 'Message-ID: <appended@harness.test>\nSubject: new\n\nnew\n' >"$TMP/new.eml"
ok "dv_append" dv_append "$TMP/new.eml"
ok "the appended message is counted" test "$(dv_count)" = 101
"$DV_PYTHON" "$TMP/uids.py" "$DV_PORT" INBOX >"$TMP/uids"
ok "and has the next UID" test "$(tail -n 1 "$TMP/uids")" = "101 appended "

# UIDVALIDITY changes.
old=$(dv_uidvalidity)
set -- $(dv_imap status)
next=$6
new=$(dv_uidvalidity_change)
ok "dv_uidvalidity_change gives a new UIDVALIDITY" test -n "$new" -a "$new" != "$old"
set -- $(dv_imap status)
ok "IMAP reports it; the UIDs stay" test "$4" = "$new" -a "$6" = "$next" -a "$2" = 101
new2=$(dv_uidvalidity_change --renumber)
set -- $(dv_imap status)
ok "dv_uidvalidity_change --renumber: another UIDVALIDITY" \
	test -n "$new2" -a "$new2" != "$new" -a "$4" = "$new2"
"$DV_PYTHON" "$TMP/uids.py" "$DV_PORT" INBOX >"$TMP/uids"
ok "the messages are numbered again in the same order" \
	sh -c "head -n 100 '$TMP/uids' | awk '{ if (\$2 != sprintf(\"m%03d\", \$1)) bad = 1 } END { exit bad || NR != 100 }'"
ok "dv_logins counts the successful logins" test "$(dv_logins)" -gt 5

# The rebound configuration.
DV_DB=$TMP/r.db dv_config "$TMP/c.yaml" "tls: implicit
ca_file: $DV_CA
after: keep
mailbox:
policy:
  soft_limit: 3"
cat >"$TMP/want.yaml" <<EOF
database: '$TMP/r.db'
policy:
  soft_limit: 3
accounts:
  - name: bounces
    host: 127.0.0.1
    port: $DV_TLSPORT
    tls: implicit
    username: bounce
    password_env: DV_PASS
    ca_file: $DV_CA
    after: keep
EOF
ok "dv_config: defaults replaced in place, keys added and removed" \
	cmp -s "$TMP/c.yaml" "$TMP/want.yaml"
dv_config "$TMP/d.yaml"
ok "dv_config: plain defaults" \
	grep -qx "    port: $DV_PORT" "$TMP/d.yaml"

# ledger_dump compares ledgers whatever their sources and row ids.
cp -r fixtures/mailbox/sample "$TMP/copy"
python3 tests/mkbounce.py "$TMP/x" <<'EOF'
x1 hard lonely@example.com 2026-03-02T00:00:00Z
EOF
$REBOUND ingest --quiet --db "$TMP/a.db" --now 2026-06-01 fixtures/mailbox/sample "$TMP/x" >/dev/null
$REBOUND ingest --quiet --db "$TMP/b.db" --now 2026-06-01 "$TMP/x" "$TMP/copy" >/dev/null
ledger_dump "$TMP/a.db" >"$TMP/a.dump"
ledger_dump "$TMP/b.db" >"$TMP/b.dump"
ok "ledger_dump: other paths and row ids, same content" \
	test -s "$TMP/a.dump" -a "$(grep -c '^events|' "$TMP/a.dump")" -gt 5
ok "compare equal" cmp -s "$TMP/a.dump" "$TMP/b.dump"
$REBOUND ingest --quiet --db "$TMP/b.db" --now 2026-06-01 fixtures/dsn >/dev/null
ledger_dump "$TMP/b.db" >"$TMP/b.dump"
ok "and differ when the content does" sh -c "! cmp -s '$TMP/a.dump' '$TMP/b.dump'"

# Kill, restart, stop.
pid=$DV_PID
dv_kill
ok "dv_kill: the master and every process of the server are gone" \
	test -z "$(dv_procs)" -a ! -d "/proc/$pid"
dv_imap login 2>/dev/null
ok "and the port is closed" test $? -eq 1
ok "dv_count without the server counts the files" test "$(dv_count)" = 101
port=$DV_PORT
ok "dv_restart" dv_restart
ok "on the same ports, with the same mail" \
	test "$DV_PORT" = "$port" -a "$(dv_count)" = 101 -a "$(dv_count rebound/processed)" = 2
ok "TLS works after the restart" \
	dv_imap --tls implicit --port "$DV_TLSPORT" --ca "$DV_CA" login
dv_imap --password wrong login 2>"$TMP/err"
ok "a wrong password is refused" test $? -eq 3
pid=$DV_PID
dv_stop
ok "dv_stop: no process of the server is left" \
	test -z "$(dv_procs)" -a ! -d "/proc/$pid" -a ! -e "$DV/run/master.pid"
ok "dv_stop again does nothing" dv_stop
dv_imap login 2>/dev/null
ok "the port is closed" test $? -eq 1

left_over() {	# left_over DIR: live processes that name DIR's base name
	re=$(echo "${1##*/}" | sed 's/[.]/[.]/g')
	for f in $(grep -lasE "$re" /proc/[0-9]*/cmdline); do
		p=${f#/proc/}
		_dv_alive "${p%/cmdline}" && echo "${p%/cmdline}"
	done
}

# The EXIT trap stops a server the test left running, and the processes
# given to dv_track; TERM goes through it too; the watchdog stops it when
# the test's shell is killed.
cat >"$TMP/left.sh" <<'EOF'
. tests/lib.sh
. tests/dovecot.sh
dv_start || exit 1
echo "$DV" >"$1"
[ "$2" = kill ] && kill -KILL $$
[ "$2" = wait ] || exit 0
sleep 60 &
dv_track $!
echo $! >>"$1"
wait
EOF
sh "$TMP/left.sh" "$TMP/left1" </dev/null
d1=$(cat "$TMP/left1")
ok "a test that exits with the server running leaves no process or dir" \
	test -n "$d1" -a -z "$(left_over "$d1")" -a ! -d "$d1"
sh "$TMP/left.sh" "$TMP/left2" wait </dev/null &
spid=$!
tries=0
while [ "$(cat "$TMP/left2" 2>/dev/null | wc -l)" -lt 2 ] && [ "$tries" -lt 200 ]; do
	sleep 0.1
	tries=$((tries + 1))
done
d2=$(head -n 1 "$TMP/left2")
sleeper=$(sed -n 2p "$TMP/left2")
kill -TERM "$spid"
wait "$spid"
rc=$?
ok "on TERM the test exits 143" test "$rc" -eq 143
ok "and leaves no Dovecot, no tracked process, no dir" \
	test -n "$d2" -a -z "$(left_over "$d2")" -a ! -d "$d2" -a -n "$sleeper" -a ! -d "/proc/$sleeper"
sh "$TMP/left.sh" "$TMP/left3" kill </dev/null 2>/dev/null
d3=$(cat "$TMP/left3")
tries=0
while [ -n "$d3" ] && [ -d "$d3" ] && [ "$tries" -lt 50 ]; do
	sleep 0.1
	tries=$((tries + 1))
done
ok "a test killed by SIGKILL: the watchdog kills Dovecot, removes the dir" \
	test -n "$d3" -a -z "$(left_over "$d3")" -a ! -d "$d3"
