# The last-resort body decoder (rules/zz-generic.yaml, body-fallback), after
# Sisimai's RFC3464.pm fallback: a message from a mail system (a null
# Return-Path, a postmaster/mailer-daemon From or a bounce Subject) that
# names an address alone on a line, or after "your message to" and the
# like, is a bounce for that address.  Fixtures: fixtures/synthetic/.
. tests/lib.sh

F=fixtures/synthetic
# One record per line: recipient status reason class decoder rule.
recs() {
	$REBOUND parse --jsonl "$1" | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(" ".join(r[k] or "-" for k in ("recipient", "status", "reason",
          "class", "decoder", "rule")))'
}

recs $F/fallback-null-sender.eml >"$TMP/ns"
ok "a null-sender notice naming the address alone on a line: a record for it" \
	grep -qx "gone@example.net 5.1.1 userunknown hard rule:body-fallback user-unknown-status" "$TMP/ns"
ok "each address alone on a line is a record of its own" \
	grep -q "^left@example.net " "$TMP/ns"
ok "the returned message (from its Received: line on) is not read" \
	test "$(wc -l <"$TMP/ns")" -eq 2
ok "the text before the first address is part of its diagnostic" sh -c \
	"$REBOUND parse --jsonl $F/fallback-null-sender.eml | grep -q '\"diagnostic\":\"We were unable to hand your message on to these recipients: 550 5.1.1 User unknown\"'"
ok "the returned headers after the stop line are the original headers" sh -c \
	"$REBOUND parse --jsonl $F/fallback-null-sender.eml | grep -q '\"Subject\":\"February news\"'"

ok "an ordinary message with an address alone on a line gives no record" \
	test -z "$(recs $F/fallback-plain.eml)"
ok "so do the corpus messages that are not bounces" \
	test -z "$($REBOUND parse --jsonl fixtures/not)"

# An auto-reply whose body names another address: Sisimai's fallback reads
# the body before it looks for auto-reply headers, so that address is the
# record's recipient; the auto-reply marker (rules/autoreply.yaml) makes a
# record without a status a vacation, not a failure.
ok "an auto-reply naming another address: that address, vacation, no status" \
	test "$(recs $F/fallback-autoreply.eml)" = \
	"dora@example.org - vacation autoreply rule:body-fallback rfc3834-auto-replied"
ok "the same for the corpus case (rfc3834-05: karl@hanz.de)" \
	test "$(recs fixtures/autoreply/rfc3834-05.eml)" = \
	"karl@hanz.de - vacation autoreply rule:body-fallback rfc3834-auto-replied"
ok "a status in an auto-replied notice keeps it a failure" \
	test "$(recs $F/fallback-autoreply-status.eml)" = \
	"dora@example.org 5.1.1 userunknown hard rule:body-fallback user-unknown-status"
ok "an auto-reply naming no address is still the responder's vacation" \
	test "$(recs fixtures/autoreply/rfc3834-01.eml)" = \
	"kijitora@example.net - vacation autoreply rfc3834 rfc3834-auto-replied"

# match_any: a decoder for messages that meet any one of its conditions;
# a decoder with neither match nor match_any is refused.
cat >"$TMP/any.yaml" <<'YAML'
decoders:
  - id: any-test
    description: a notice from the test system, by its sender or its subject
    match_any:
      from: ["notices@test.example"]
      subject: ["zz notice"]
    recipients: ['^rcpt=(?<recipient>\S+@\S+)$']
    examples:
      - message: |
          From: someone@test.example
          Subject: zz notice

          rcpt=a@example.net
        expect: [{recipient: a@example.net, decoder: "rule:any-test"}]
      - message: |
          From: notices@test.example
          Subject: hello

          rcpt=b@example.net
        expect: [{recipient: b@example.net}]
YAML
ok "a match_any decoder checks" $REBOUND rules check "$TMP/any.yaml"
ok "its examples pass (either condition is enough)" $REBOUND rules test "$TMP/any.yaml"
printf 'From: someone@test.example\nSubject: hello\n\nrcpt=c@example.net\n' >"$TMP/none.eml"
ok "with neither condition it does not read the message" \
	test -z "$($REBOUND parse --jsonl --rules "$TMP/any.yaml" "$TMP/none.eml")"
sed '/match_any:/,/subject:/d' "$TMP/any.yaml" >"$TMP/nomatch.yaml"
$REBOUND rules check "$TMP/nomatch.yaml" >"$TMP/out" 2>&1
ok "a decoder without match or match_any is refused" \
	grep -q "nomatch.yaml:.*needs a match or match_any block" "$TMP/out"
