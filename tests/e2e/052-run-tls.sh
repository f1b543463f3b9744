# rebound run and TLS: implicit TLS and STARTTLS with the test CA work; a
# certificate that is not trusted, or that names another host, fails closed
# (76, before the password is sent); a wrong password is 77; tls: none to a
# host that is not loopback is a configuration error (78).
. tests/lib.sh
. tests/dovecot.sh

NOW=2026-06-01T00:00:00Z
MSG=fixtures/mailbox/sample/new/arf-01.eml

run() {	# run NAME [YAML]: rebound run --once with a new database $TMP/NAME.db
	# (after: keep, so that every case finds the message); $TMP/NAME.out
	# holds stdout and stderr, $rc the status
	DV_DB=$TMP/$1.db dv_config "$TMP/$1.yaml" "after: keep
$2"
	$REBOUND run --config "$TMP/$1.yaml" --once --now "$NOW" \
		</dev/null >"$TMP/$1.out" 2>&1
	rc=$?
	echo "# $1: exit $rc: $(grep -v '^bounces: ' "$TMP/$1.out" | head -n 3 | tr '\n' ' ')"
}
fetched() {	# fetched NAME: N of "bounces: fetched N"
	sed -n 's/^bounces: fetched \([0-9][0-9]*\).*/\1/p' "$TMP/$1.out"
}
counted() {	# counted NAME: messages in its database (0 when there is none)
	if [ -f "$TMP/$1.db" ]; then
		sqlite3 -batch "$TMP/$1.db" 'SELECT count(*) FROM messages' 2>/dev/null || echo 0
	else
		echo 0
	fi
}
check() {	# check NAME YAML: rebound config check; $TMP/NAME.chk, $rc
	printf '%s\n' "$2" >"$TMP/$1.yaml"
	$REBOUND config check "$TMP/$1.yaml" </dev/null >"$TMP/$1.chk" 2>&1
	rc=$?
}
line() {	# line NAME KEY: the line number of KEY in $TMP/NAME.yaml
	grep -n "^ *-\{0,1\} *$2:" "$TMP/$1.yaml" | head -n 1 | cut -d: -f1
}

dv_start
ok "Dovecot runs (make deps installs it)" test -n "$DV_PID"
[ -n "$DV_PID" ] || exit 1
dv_maildir_load "$MSG" >/dev/null

# Trusted: the test CA, for 127.0.0.1 (IP in the certificate) and
# localhost (DNS name in the certificate).
run implicit "tls: implicit
ca_file: $DV_CA"
ok "implicit TLS with ca_file = the test CA: exit 0" test "$rc" -eq 0
ok "and the message is fetched" test "$(fetched implicit)" = 1 -a "$(counted implicit)" -eq 1
run starttls "tls: starttls
ca_file: $DV_CA"
ok "STARTTLS with ca_file = the test CA: exit 0" test "$rc" -eq 0
ok "and the message is fetched" test "$(fetched starttls)" = 1 -a "$(counted starttls)" -eq 1
run localhost "host: localhost
tls: implicit
ca_file: $DV_CA"
ok "host: localhost (its DNS name in the certificate): exit 0" test "$rc" -eq 0 -a \
	"$(counted localhost)" -eq 1

# Not trusted: fail closed, exit 76, nothing fetched, no LOGIN sent.
sleep 0.5	# Dovecot's log process writes the last login
logins=$(dv_logins)
run wrongca "tls: implicit
ca_file: $DV_WRONG_CA"
ok "implicit TLS, certificate from another CA: exit 76" test "$rc" -eq 76
ok "the message says why (certificate)" grep -qi "certificate" "$TMP/wrongca.out"
ok "nothing is fetched" test "$(counted wrongca)" -eq 0 -a "$(fetched wrongca)" != 1
run wrongca2 "tls: starttls
ca_file: $DV_WRONG_CA"
ok "STARTTLS, certificate from another CA: exit 76" test "$rc" -eq 76
ok "the message says why (certificate)" grep -qi "certificate" "$TMP/wrongca2.out"
ok "nothing is fetched" test "$(counted wrongca2)" -eq 0
run system "tls: implicit"
ok "no ca_file: the system trust store does not know the test CA: 76" test "$rc" -eq 76
ok "the message says why (certificate)" grep -qi "certificate" "$TMP/system.out"
if [ -n "$DV_HOST2" ]; then
	# 127.0.0.2 reaches the same server; its certificate names 127.0.0.1
	# and localhost only.
	run mismatch "host: $DV_HOST2
tls: implicit
ca_file: $DV_CA"
	ok "implicit TLS to $DV_HOST2, a name the certificate does not hold: 76" \
		test "$rc" -eq 76
	ok "the message says why (certificate)" grep -qi "certificate" "$TMP/mismatch.out"
	run mismatch2 "host: $DV_HOST2
tls: starttls
ca_file: $DV_CA"
	ok "STARTTLS to $DV_HOST2: 76" test "$rc" -eq 76
	ok "nothing is fetched" test "$(counted mismatch)" -eq 0 -a "$(counted mismatch2)" -eq 0
else
	ok "host name mismatch # SKIP 127.0.0.2 cannot be bound here" true
fi
sleep 0.5
ok "no refused case sent a LOGIN (Dovecot logged none)" test "$(dv_logins)" -eq "$logins"
if [ -n "$DV_HOST2" ]; then
	run plain2 "host: $DV_HOST2"
	ok "(while $DV_HOST2 without TLS works: the refusal was the name's)" \
		test "$rc" -eq 0 -a "$(counted plain2)" -eq 1
fi

# Configuration: tls: none only for loopback or with allow_plaintext.
check loop "database: '$TMP/x.db'
accounts:
  - name: bounces
    host: 127.0.0.1
    port: 143
    tls: none
    username: bounce
    password_env: DV_PASS"
ok "config check: tls: none to 127.0.0.1 is valid" test "$rc" -eq 0
check remote "database: '$TMP/x.db'
accounts:
  - name: bounces
    host: mail.example.org
    port: 143
    tls: none
    username: bounce
    password_env: DV_PASS"
ok "config check: tls: none to mail.example.org: exit 78" test "$rc" -eq 78
sed 's/^/# /' "$TMP/remote.chk"
ok "with FILE:LINE: message (the tls or host line)" \
	grep -Eq "(^| )$TMP/remote.yaml:($(line remote tls)|$(line remote host)): " "$TMP/remote.chk"
$REBOUND run --config "$TMP/remote.yaml" --once --now "$NOW" </dev/null >"$TMP/remote.out" 2>&1
ok "and run with it exits 78 too" test $? -eq 78
check allowed "database: '$TMP/x.db'
accounts:
  - name: bounces
    host: mail.example.org
    port: 143
    tls: none
    allow_plaintext: true
    username: bounce
    password_env: DV_PASS"
ok "config check: tls: none with allow_plaintext: true is valid" test "$rc" -eq 0

# A wrong password: 77 (last: Dovecot delays logins from an address that
# failed one).
WRONG_PASS=nope
export WRONG_PASS
run badpass "tls: implicit
ca_file: $DV_CA
password_env: WRONG_PASS"
ok "a wrong password: exit 77" test "$rc" -eq 77
ok "nothing is fetched" test "$(counted badpass)" -eq 0
