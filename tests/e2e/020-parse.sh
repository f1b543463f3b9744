# rebound parse: inputs, output forms, line endings, bad input.
. tests/lib.sh

# Records without the fields that name the file or carry warnings.
norm() {
	python3 -c '
import sys, json
for line in sys.stdin:
    r = json.loads(line)
    r["source"] = r["source"].rsplit("/", 1)[-1]
    r.pop("warnings")
    print(json.dumps(r, sort_keys=True))'
}

for d in bsd dos mac; do
	$REBOUND parse --jsonl fixtures/twins/$d | norm >"$TMP/$d.jsonl"
done
ok "the twins give records" test -s "$TMP/bsd.jsonl"
ok "CRLF twins give the same records as LF" cmp -s "$TMP/bsd.jsonl" "$TMP/dos.jsonl"
ok "CR-only twins give the same records as LF" cmp -s "$TMP/bsd.jsonl" "$TMP/mac.jsonl"

$REBOUND parse --jsonl fixtures/not >"$TMP/not.jsonl"
ok "messages that are not bounces give no record" test ! -s "$TMP/not.jsonl"
$REBOUND parse --jsonl --all fixtures/not >"$TMP/all.jsonl"
ok "--all gives one record of class none each" \
	test "$(grep -c '"class":"none"' "$TMP/all.jsonl")" -eq "$(ls fixtures/not | wc -l)"

# A Maildir (new/ then cur/), every key present.
$REBOUND parse --jsonl fixtures/mailbox/sample >"$TMP/md.jsonl"
ok "a Maildir is read" test "$(wc -l <"$TMP/md.jsonl")" -ge 8
ok "new/ comes before cur/" sh -c "head -1 '$TMP/md.jsonl' | grep -q '/new/'"
ok "every record has every key" python3 -c '
import json, sys
keys = ["source", "message_id", "recipient", "original_recipient", "action",
        "status", "reply_code", "diagnostic", "reason", "class", "remote_mta",
        "reporting_mta", "date", "original_message_id", "original_headers",
        "envelope_id", "feedback_type", "decoder", "rule", "warnings"]
for line in open(sys.argv[1]):
    r = json.loads(line)
    assert list(r) == keys, list(r)
    assert set(r["original_headers"]) >= {"From", "To", "Subject", "Date"}
' "$TMP/md.jsonl"

# An mbox: split at "From " lines, named PATH#N.
for f in fixtures/dsn/rfc3464-01.eml fixtures/arf/arf-01.eml \
    fixtures/autoreply/rfc3834-01.eml; do
	echo "From MAILER-DAEMON Thu Jan  1 00:00:00 2026"
	cat "$f"
	echo
done >"$TMP/box.mbox"
$REBOUND parse --jsonl "$TMP/box.mbox" >"$TMP/box.jsonl"
ok "an mbox is split into its messages" \
	test "$(grep -c "box.mbox#[123]\"" "$TMP/box.jsonl")" -eq 3
# A file of a directory that holds two bounces (two multipart reports
# saved one after the other, with or without a blank line between): both
# are read, named by the file.  A message quoted in a bounce's text with
# its postmark is not split off.
mkdir "$TMP/multi"
cp fixtures/dsn/rfc3464-28.eml fixtures/multi/rhost-cox-01.eml \
	fixtures/not/rb-issue-368-bug.eml "$TMP/multi/"
$REBOUND parse --jsonl --all "$TMP/multi" >"$TMP/multi.jsonl"
ok "two reports in one file of a directory give two records" \
	test "$(grep -c '/rfc3464-28.eml","message_id":"20151025071[88]' "$TMP/multi.jsonl")" -eq 2
ok "also without a blank line before the second postmark" \
	test "$(grep -c '/rhost-cox-01.eml","message_id":"20200702160505\.' "$TMP/multi.jsonl")" -eq 2
ok "a postmark quoted in a bounce's text does not split it" \
	test "$(grep -c '/rb-issue-368-bug.eml"' "$TMP/multi.jsonl")" -eq 1
# --jobs: the same records in the same order with any number of workers.
C=../shared/corpus/sisimai/maildir/bsd
$REBOUND parse --jobs 1 --jsonl "$C" >"$TMP/j1.jsonl"
$REBOUND parse --jobs 3 --jsonl "$C" "$TMP/box.mbox" >"$TMP/j3.jsonl"
$REBOUND parse --jobs 1 --jsonl "$TMP/box.mbox" >>"$TMP/j1.jsonl"
ok "--jobs 3 gives what --jobs 1 gives, in order ($(wc -l <"$TMP/j1.jsonl") records)" \
	cmp -s "$TMP/j1.jsonl" "$TMP/j3.jsonl"
$REBOUND parse --jobs 1 --table "$C" >"$TMP/t1"
$REBOUND parse --jobs 2 --table "$C" >"$TMP/t2"
ok "--jobs 2 --table gives what --jobs 1 --table gives" cmp -s "$TMP/t1" "$TMP/t2"
# A worker that dies is an error (70) naming the batch it had, not a
# silent gap.  The input comes through a FIFO held open, so that both
# workers are killed before any batch is sent.
mkfifo "$TMP/fifo"
$REBOUND parse --jobs 2 --jsonl - <"$TMP/fifo" >"$TMP/dead.jsonl" 2>"$TMP/dead.err" &
pid=$!
exec 3>"$TMP/fifo"
tries=0
while [ "$(pgrep -P $pid | wc -l)" -lt 2 ] && [ $tries -lt 100 ]; do
	sleep 0.1
	tries=$((tries + 1))
done
kill -KILL $(pgrep -P $pid)
cat "$TMP/box.mbox" >&3
exec 3>&-
wait $pid
rc=$?
ok "a killed worker makes parse fail with 70" test $rc -eq 70
ok "and the error names the batch's first message and the signal" \
	grep -q '^rebound: error: -#1: the worker for the batch that starts here was killed by signal 9' "$TMP/dead.err"
$REBOUND parse --jobs two "$C" >/dev/null 2>"$TMP/err"
ok "--jobs two is a usage error (64)" test $? -eq 64
ok "standard input is read" sh -c "$REBOUND parse --jsonl - <fixtures/arf/arf-01.eml | grep -q '\"source\":\"-\"'"

# --header keeps a header of the returned message.
$REBOUND parse --jsonl --header X-Mailer --header Message-ID \
	fixtures/mailbox/sample/cur/lhost-postfix-01.eml >"$TMP/h.jsonl"
ok "--header adds the header to original_headers" grep -q '"Message-ID":"' "$TMP/h.jsonl"
$REBOUND parse --table fixtures/mailbox/sample >"$TMP/t.txt"
ok "--table prints a header line and rows" sh -c "head -1 '$TMP/t.txt' | grep -q '^RECIPIENT *STATUS'"

$REBOUND parse "$TMP/nonexistent" >/dev/null 2>"$TMP/err"
rc=$?
ok "an unreadable PATH exits 66" test "$rc" -eq 66
ok "and names it" grep -q "nonexistent" "$TMP/err"
$REBOUND parse >/dev/null 2>&1
ok "no PATH is a usage error" test $? -eq 64
for c in "parse" "rules" "rules check" "rules test" "rules explain"; do
	ok "rebound $c --help" sh -c "$REBOUND $c --help | grep -q usage"
done

# Bad input never crashes or hangs: each must exit 0.
python3 - "$TMP" <<'PY'
import os, sys
d = os.path.join(sys.argv[1], "bad")
os.makedirs(d)
def w(name, data):
    open(os.path.join(d, name), "wb").write(data)
hdr = b"From: m@example.org\nSubject: x\nMIME-Version: 1.0\n"
deep = hdr + b"Content-Type: multipart/mixed; boundary=b0\n\n"
for i in range(100):
    deep += b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i, i + 1)
w("deep.eml", deep)
nested = hdr + b"Content-Type: message/rfc822\n\n"
for i in range(100):
    nested += b"From: x@example.org\nContent-Type: message/rfc822\n\n"
w("nested.eml", nested)
w("longheader.eml", b"Subject: " + b"a" * (4 << 20) + b"\n\nbody\n")
w("junk.eml", bytes(range(256)) * 1000)
w("badutf8.eml", hdr + b"Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; \xff\xfe@example.org\nAction: failed\nStatus: 5.1.1\n")
w("truncated.eml", hdr + b"Content-Type: multipart/report; boundary=zz\n\n--zz\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@example.org\nAct")
w("noboundary.eml", hdr + b"Content-Type: multipart/report\n\nFinal-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\n")
w("manyparts.eml", hdr + b"Content-Type: multipart/mixed; boundary=q\n\n" + b"--q\n\n" * 20000 + b"--q--\n")
w("empty.eml", b"")
PY
$REBOUND parse --jsonl --all "$TMP/bad" >"$TMP/bad.jsonl" 2>"$TMP/bad.err"
ok "bad input: exit 0" test $? -eq 0
ok "bad input: one record per message with --all" \
	test "$(wc -l <"$TMP/bad.jsonl")" -ge "$(ls "$TMP/bad" | wc -l)"
ok "bad input: output is valid JSON" python3 -c '
import json, sys
[json.loads(l) for l in open(sys.argv[1])]' "$TMP/bad.jsonl"
ok "a report without boundaries is still read" \
	grep -q '"source":"[^"]*noboundary.eml","message_id":"","recipient":"a@example.org"' "$TMP/bad.jsonl"
ok "too many parts is a warning" grep -q 'manyparts.*warnings":\[".*part' "$TMP/bad.jsonl"
ok "and the message is cut before GMime builds them all" \
	grep -q 'manyparts.*more than 4096 lines start with' "$TMP/bad.jsonl"

# A link to a directory inside a walk is not followed (it could loop).
mkdir "$TMP/loopdir"
cp fixtures/dsn/$(ls fixtures/dsn | grep '\.eml$' | head -1) "$TMP/loopdir/"
ln -s . "$TMP/loopdir/loop"
recs=$("$REBOUND" parse --jsonl "$TMP/loopdir" 2>"$TMP/err" | wc -l)
ok "a link to a directory in a walk is skipped, with a warning" \
	sh -c "test $recs -ge 1 && test $recs -le 3 &&
		grep -q 'not followed' '$TMP/err'"

# Text logs escape control characters: a name from a directory listing
# cannot split a log line (and forge the next) or drive a terminal.
mkdir "$TMP/ctl"
cp fixtures/dsn/$(ls fixtures/dsn | grep '\.eml$' | head -1) "$TMP/ctl/"
ln -s . "$TMP/ctl/$(printf 'x\nrebound: error: forged\r\033[2J\177\tend')"
"$REBOUND" parse --jsonl "$TMP/ctl" >/dev/null 2>"$TMP/err"
ok "a logged name with control characters stays on one line" \
	test "$(wc -l <"$TMP/err")" -eq 1
ok "they are written escaped, as C does, and TAB stays" grep -qF \
	"$(printf 'x\\nrebound: error: forged\\r\\x1b[2J\\x7f\tend: a link to a directory, not followed')" \
	"$TMP/err"
ok "no escape or DEL byte reaches the log" \
	sh -c "! grep -q '$(printf '[\033\177\r]')' '$TMP/err'"
