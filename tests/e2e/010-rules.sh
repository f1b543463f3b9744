# The shipped rules load, carry examples, and every example passes; bad
# rule files are reported as FILE:LINE:COL.
. tests/lib.sh

ok "rules check passes on the shipped rules" $REBOUND rules check
ok "every example of the shipped rules passes" $REBOUND rules test

cat >"$TMP/bad.yaml" <<'YAML'
classify:
  - id: dup
    description: one
    text: ["x"]
    reason: nosuchreason
    bogus: 1
    examples: [{diagnostic: "x", expect: {reason: userunknown}}]
  - id: dup
    description: two
    text: ["/(unclosed/"]
    reason: userunknown
YAML
$REBOUND rules check "$TMP/bad.yaml" >"$TMP/out" 2>&1
rc=$?
ok "a bad rule file fails the check" test "$rc" -ne 0
ok "an unknown key is named with its line and column" \
	grep -q "bad.yaml:6:5: .*bogus" "$TMP/out"
ok "a bad regex is reported" grep -q "bad.yaml:10:.*regular expression" "$TMP/out"
ok "a rule without examples is rejected" grep -q "no examples" "$TMP/out"

# A user rule with the id of a shipped rule replaces it.
cat >"$TMP/mine.yaml" <<'YAML'
classify:
  - id: mailbox-full
    description: my mailbox-full, mapped to suspend for this test
    text: ["mailbox full"]
    reason: suspend
    examples:
      - {diagnostic: "552 Mailbox full", expect: {reason: suspend, class: soft}}
YAML
ok "a user rule replacing a shipped id checks" $REBOUND rules check "$TMP/mine.yaml"
ok "its examples pass" $REBOUND rules test "$TMP/mine.yaml"
printf 'From: m@example.net\nSubject: failure notice\n\nHi. This is the qmail-send program at x.\n\n<a@example.org>:\n552 Mailbox full\n' >"$TMP/q.eml"
$REBOUND parse --jsonl --rules "$TMP/mine.yaml" "$TMP/q.eml" >"$TMP/o.jsonl"
ok "the user rule decides the reason" grep -q '"reason":"suspend"' "$TMP/o.jsonl"
$REBOUND parse --jsonl "$TMP/q.eml" >"$TMP/o2.jsonl"
ok "without it the shipped rule does" grep -q '"reason":"mailboxfull"' "$TMP/o2.jsonl"

# A failing example is reported with its rule file and line.
cat >"$TMP/wrong.yaml" <<'YAML'
classify:
  - id: wrong-example
    description: an example that does not hold
    text: ["zzqq marker"]
    reason: userunknown
    examples:
      - {diagnostic: "550 zzqq marker", expect: {reason: mailboxfull}}
YAML
$REBOUND rules test "$TMP/wrong.yaml" >"$TMP/out" 2>&1
rc=$?
ok "rules test fails on a wrong example" test "$rc" -eq 1
ok "the failure names the file and the line" grep -q "wrong.yaml:7: rule 'wrong-example'.*reason is \"userunknown\", expected \"mailboxfull\"" "$TMP/out"

# A classification rule scoped to a decoder is tried before the others,
# and only on that decoder's records.
cat >"$TMP/scoped.yaml" <<'YAML'
classify:
  - id: qmail-scoped
    description: qmail's "no mailbox here" read as suspend, for this test
    decoder: [qmail]
    text: ["no mailbox here"]
    reason: suspend
    examples:
      - {diagnostic: "Sorry, no mailbox here by that name.", decoder: "rule:qmail", expect: {reason: suspend}}
YAML
printf 'From: m@example.net\nSubject: failure notice\n\nHi. This is the qmail-send program at x.\n\n<a@example.org>:\nSorry, no mailbox here by that name. (#5.1.1)\n' >"$TMP/q2.eml"
ok "a decoder-scoped rule checks" $REBOUND rules check "$TMP/scoped.yaml"
ok "its examples pass" $REBOUND rules test "$TMP/scoped.yaml"
ok "it decides the qmail record" sh -c "$REBOUND parse --jsonl --rules '$TMP/scoped.yaml' '$TMP/q2.eml' | grep -q '\"reason\":\"suspend\"'"
printf 'From: MAILER-DAEMON@example.net\nSubject: Undelivered\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 Sorry, no mailbox here by that name\n--b--\n' >"$TMP/d.eml"
ok "but not another decoder's" sh -c "$REBOUND parse --jsonl --rules '$TMP/scoped.yaml' '$TMP/d.eml' | grep -q '\"reason\":\"userunknown\"'"
