# The configuration file: the issue's minimal file is valid as written,
# every kind of mistake is named with FILE:LINE, and the ledger commands
# take their database, policy and VERP pattern from it.
. tests/lib.sh

NOW=2026-06-01T00:00:00Z
cat >"$TMP/min.yaml" <<'EOF'
database: rebound.db
accounts:
  - name: bounces
    host: imap.example.org
    port: 993
    tls: implicit
    username: bounces@example.org
    password_env: REBOUND_IMAP_PASSWORD
    mailbox: INBOX
    after: move:rebound/processed
    undecoded: move:rebound/undecoded
EOF
out=$("$REBOUND" config check "$TMP/min.yaml")
ok "the minimal configuration is valid as written" \
	test "$out" = "$TMP/min.yaml: ok (1 account, database $TMP/rebound.db)"

cat >"$TMP/bad.yaml" <<'EOF'
database: rebound.db
colour: blue
policy:
  soft_limit: 99
  backoff: [15m, nonsense]
accounts:
  - name: bounces
    host: imap.example.org
    tls: none
    port: 99999
    username: u
    after: move:x*y
  - name: bounces
    host: 127.0.0.1
    username: u
    password_env: P
    password_file: /x
    batch_size: 0
    tls: sometimes
EOF
"$REBOUND" config check "$TMP/bad.yaml" 2>"$TMP/err"
ok "a bad configuration exits 78" test $? -eq 78
has() {	# has TEXT: a line of the errors holds TEXT
	grep -qF -- "$1" "$TMP/err"
}
ok "an unknown key is named with its line" has "bad.yaml:2: unknown key 'colour'"
ok "a policy number out of range" has "bad.yaml:4: policy.soft_limit: '99' is not 1 to 32"
ok "a bad duration in a list" has "bad.yaml:5: policy.backoff:"
ok "a port out of range" has "bad.yaml:10: port: expected a whole number from 1 to 65535"
ok "tls none away from loopback" has "bad.yaml:9: tls: none sends the password in clear"
ok "no password source" has "bad.yaml:7: account 'bounces': no password_env"
ok "a folder name with a wildcard" has "bad.yaml:12: after: 'move:x*y' is not"
ok "two password sources" has "bad.yaml:17: account 'bounces': give one of"
ok "batch_size 0" has "bad.yaml:18: batch_size: expected a whole number"
ok "a bad choice lists the choices" has "bad.yaml:19: tls: 'sometimes' is not implicit, starttls or none"
ok "a name used twice" has "bad.yaml:13: account 'bounces' is named twice (first at line 7)"
ok "every error is reported" test "$(grep -c 'bad.yaml:[0-9]*:' "$TMP/err")" -eq 11

printf 'accounts: [\n' >"$TMP/broken.yaml"
"$REBOUND" config check "$TMP/broken.yaml" 2>"$TMP/err"
ok "a YAML syntax error exits 78 with its position" \
	sh -c "test $? -eq 78 && grep -q 'broken.yaml:[0-9]*:[0-9]*:' '$TMP/err'"
"$REBOUND" config check "$TMP/none.yaml" 2>"$TMP/err"
ok "a missing file exits 78 and names it" \
	sh -c "test $? -eq 78 && grep -q 'none.yaml' '$TMP/err'"

# The ledger commands read the configuration: the database it names, its
# VERP pattern and its policy (--policy still wins).
mkdir "$TMP/cfg"
cat >"$TMP/cfg/c.yaml" <<'EOF'
database: ledger.db
policy:
  block: soft
EOF
"$REBOUND" ingest --config "$TMP/cfg/c.yaml" --now $NOW \
	fixtures/mailbox/sample >/dev/null
ok "ingest uses the configuration's database (relative to the file)" \
	test -f "$TMP/cfg/ledger.db"
blocks=$(sqlite3 "$TMP/cfg/ledger.db" \
	"SELECT count(*) FROM events WHERE class = 'block' AND effect = 'retry'")
ok "and its policy (block: soft puts blocks on the retry ledger)" \
	test "$blocks" -ge 1
REBOUND_CONFIG="$TMP/cfg/c.yaml" "$REBOUND" check nobody@example.net \
	>"$TMP/out"
ok "\$REBOUND_CONFIG names the configuration for check" \
	grep -q "nobody@example.net" "$TMP/out"
"$REBOUND" ingest --config "$TMP/cfg/c.yaml" --policy block=ignore \
	--db "$TMP/other.db" --now $NOW fixtures/mailbox/sample >/dev/null
blocks=$(sqlite3 "$TMP/other.db" \
	"SELECT count(*) FROM events WHERE class = 'block' AND effect = 'retry'")
ok "--db and --policy override the configuration" test "$blocks" -eq 0
"$REBOUND" check --config "$TMP/bad.yaml" x@example.org 2>"$TMP/err"
ok "a command given a bad configuration exits 78" test $? -eq 78

# Who may change the file (ssh's "bad permissions"): a file or directory
# that group or others can write, or a file someone else owns, is refused
# when it runs commands, and only warned about otherwise.
P=$TMP/perm
mkdir "$P"
chmod 755 "$P"
cat >"$P/cmd.yaml" <<'YAML'
database: rebound.db
accounts:
  - name: bounces
    host: imap.example.org
    username: bounces@example.org
    password_command: cat /etc/rebound/imap.pass
YAML
printf 'database: rebound.db\nalert_command: [/bin/true]\n' >"$P/alert.yaml"
printf 'database: rebound.db\n' >"$P/plain.yaml"
chmod 644 "$P"/*.yaml
"$REBOUND" config check "$P/cmd.yaml" >/dev/null 2>"$TMP/err"
ok "password_command in a 0644 file in a 0755 directory: loaded, no warning" \
	sh -c "test $? -eq 0 && ! test -s '$TMP/err'"
chmod 664 "$P/cmd.yaml"
"$REBOUND" config check "$P/cmd.yaml" >/dev/null 2>"$TMP/err"
ok "group-writable with password_command: refused, exit 78" test $? -eq 78
ok "the message names the file, what is wrong and the command key" \
	has "cmd.yaml: bad permissions: it can be written by its group (mode 0664; chmod go-w it); not loaded, as its password_command would run"
"$REBOUND" check --config "$P/cmd.yaml" x@example.org >/dev/null 2>&1
ok "a ledger command given it exits 78 too" test $? -eq 78
chmod 644 "$P/cmd.yaml"
chmod 777 "$P"
"$REBOUND" config check "$P/cmd.yaml" >/dev/null 2>"$TMP/err"
ok "a directory others can write: refused, and named" sh -c "test $? -eq 78 &&
	grep -qF 'bad permissions: its directory $P can be written by others (mode 0777' '$TMP/err'"
chmod 1777 "$P"
"$REBOUND" config check "$P/cmd.yaml" >/dev/null 2>"$TMP/err"
ok "a sticky directory (as /tmp) is fine" \
	sh -c "test $? -eq 0 && ! test -s '$TMP/err'"
chmod 755 "$P"
chmod 606 "$P/alert.yaml"
"$REBOUND" config check "$P/alert.yaml" >/dev/null 2>"$TMP/err"
ok "alert_command in a file others can write: refused" sh -c "test $? -eq 78 &&
	grep -qF 'alert.yaml: bad permissions: it can be written by others (mode 0606; chmod go-w it); not loaded, as its alert_command' '$TMP/err'"
chmod 666 "$P/plain.yaml"
out=$("$REBOUND" config check "$P/plain.yaml" 2>"$TMP/err")
ok "a file without commands is loaded" test "$out" = "$P/plain.yaml: ok (0 accounts, database $P/rebound.db)"
ok "with a warning" \
	has "warning: $P/plain.yaml: bad permissions: it can be written by others (mode 0666; chmod go-w it)"
ln -s "$P/cmd.yaml" "$TMP/link.yaml"
chmod 777 "$P"
"$REBOUND" config check "$TMP/link.yaml" >/dev/null 2>&1
ok "through a link, the real file's directory is checked too" test $? -eq 78
chmod 755 "$P"
if [ "$(id -u)" -eq 0 ]; then
	chown 65534 "$P/cmd.yaml"
	"$REBOUND" config check "$P/cmd.yaml" >/dev/null 2>"$TMP/err"
	ok "root: password_command in a file owned by another user: refused" \
		sh -c "test $? -eq 78 && grep -qF \
		'cmd.yaml: bad permissions: it is owned by uid 65534, not by root' \
		'$TMP/err'"
	chown 65534 "$P/plain.yaml"
	chmod 644 "$P/plain.yaml"
	"$REBOUND" config check "$P/plain.yaml" >/dev/null 2>"$TMP/err"
	ok "and a file without commands owned by another user: a warning" \
		sh -c "test $? -eq 0 && grep -qF 'plain.yaml: bad permissions: it is owned by uid 65534' '$TMP/err'"
	chown 0 "$P/cmd.yaml" "$P/plain.yaml"
fi
