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
