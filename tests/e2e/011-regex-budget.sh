# Regular-expression work is bounded per message (SECURITY.md finding 5):
# a user rule whose patterns backtrack catastrophically on a crafted body
# of thousands of lines.  A pattern that blows its match limit is not run
# again on that message; an attempt that needs more than the quick limit
# spends a unit of the message's budget, and once that is spent no pattern
# runs on the rest of the message, which says so in one warning.  The
# counts come from `rebound rules explain`; none of this checks a time.
. tests/lib.sh

BUDGET=$(sed -n 's/^#define RB_REGEX_BUDGET \([0-9]*\)u$/\1/p' \
	parsers/core/limits.h)

# evil NPATTERNS NA LINES: $TMP/evil.yaml, a decoder with NPATTERNS field
# patterns ^(a+)+$, and $TMP/evil.eml, whose body has LINES lines of NA
# a's and a '!'.  At the first start position of such a line the pattern
# takes about 2^(NA+1) steps: 16 a's are over the quick limit (10,000)
# and under the match limit (200,000), 30 are over both.
evil() {
	{
		cat <<'YAML'
decoders:
  - id: evil
    description: a user decoder whose field patterns backtrack
    match:
      body: ["EVIL-BOUNCE report"]
    recipients:
      - line: '/^<(?<recipient>[^>\s]+@[^>\s]+)>:\s*$/'
    fields:
YAML
		i=1
		while [ "$i" -le "$1" ]; do
			printf "      - '/^(?<diagnostic>(a+)+)\$(?#%d)/'\n" "$i"
			i=$((i + 1))
		done
	} >"$TMP/evil.yaml"
	{
		printf 'From: MAILER-DAEMON@example.net\nTo: s@example.org\n'
		printf 'Subject: Undelivered\n\nEVIL-BOUNCE report\n\n'
		printf '<user@example.org>:\n550 no such user\n\n'
		awk -v na="$2" -v n="$3" 'BEGIN {
			for (i = 0; i < na; i++) a = a "a"
			for (i = 0; i < n; i++) print a "!" }'
	} >"$TMP/evil.eml"
}

# run: parses $TMP/evil.eml with the rule into $TMP/o.jsonl and explains
# it into $TMP/x.
run() {
	$REBOUND parse --jsonl --rules "$TMP/evil.yaml" "$TMP/evil.eml" \
		>"$TMP/o.jsonl" 2>"$TMP/err"
	$REBOUND rules explain --rules "$TMP/evil.yaml" "$TMP/evil.eml" \
		>"$TMP/x" 2>>"$TMP/err"
}

count() {	# count STRING FILE: the lines holding STRING
	grep -c -F "$1" "$2"
}

ok "the budget is read from limits.h" test -n "$BUDGET"

# 1. One pattern, 3,000 lines each slow but under the match limit: the
# pattern is never turned off, so the budget is what stops it.
evil 1 16 3000
run
ok "slow lines: the record is still made" \
	grep -q '"recipient":"user@example.org".*"decoder":"rule:evil"' \
	"$TMP/o.jsonl"
ok "slow lines: $BUDGET slow matches, none over the limit, budget spent" \
	grep -q "regex: [0-9]* matches run, $BUDGET slow, 0 over a limit, [0-9]* skipped; budget 0 of $BUDGET left" "$TMP/x"
ok "slow lines: the rest of the 3,000 lines are skipped" \
	awk '/  regex: /{ exit !($9 >= 3000 - '"$BUDGET"') }' "$TMP/x"
ok "slow lines: one budget warning in the record" \
	test "$(grep -o 'regex budget spent' "$TMP/o.jsonl" | wc -l)" -eq 1
ok "slow lines: it gives the counts" \
	grep -q "regex budget spent: $BUDGET slow matches, 0 over the match limit; no rule pattern was run on the rest of this message" "$TMP/o.jsonl"
ok "slow lines: explain shows the same warning once" \
	test "$(count 'warning: regex budget spent' "$TMP/x")" -eq 1
ok "slow lines: nothing on stderr" test ! -s "$TMP/err"

# 2. Three patterns over the match limit on every line: each runs once,
# is turned off, and is skipped on the 2,999 lines after; the budget is
# not spent.
evil 3 30 3000
run
ok "limit hits: each pattern blows its limit once" \
	grep -q "regex: [0-9]* matches run, 3 slow, 3 over a limit, [0-9]* skipped; budget $((BUDGET - 3)) of $BUDGET left" "$TMP/x"
ok "limit hits: and is skipped on the 2,999 lines after" \
	awk '/  regex: /{ exit !($9 >= 3 * 2999) }' "$TMP/x"
ok "limit hits: the match-limit warning" \
	grep -q '"warnings":\["a rule pattern hit its match limit on this message and was skipped"' "$TMP/o.jsonl"
ok "limit hits: no budget warning" \
	test "$(count 'regex budget spent' "$TMP/o.jsonl")" -eq 0

# 3. More patterns over the limit than the budget: after $BUDGET of them
# no pattern runs, the rest included.
evil $((BUDGET + 4)) 30 3000
run
ok "many patterns: $BUDGET limit hits, then the budget is spent" \
	grep -q "regex: [0-9]* matches run, $BUDGET slow, $BUDGET over a limit, [0-9]* skipped; budget 0 of $BUDGET left" "$TMP/x"
ok "many patterns: one budget warning" \
	test "$(grep -o 'regex budget spent' "$TMP/o.jsonl" | wc -l)" -eq 1
ok "many patterns: it counts the limit hits" \
	grep -q "regex budget spent: $BUDGET slow matches, $BUDGET over the match limit;" "$TMP/o.jsonl"

# 4. The budget is per message: a normal bounce parsed after the hostile
# one, by the same thread, is read in full; with --jobs 2 the output is
# the same.
mkdir "$TMP/dir"
cp "$TMP/evil.eml" "$TMP/dir/1-evil.eml"
printf 'From: m@example.net\nSubject: failure notice\n\nHi. This is the qmail-send program at x.\n\n<a@example.org>:\n550 no such user here\n' \
	>"$TMP/dir/2-qmail.eml"
$REBOUND parse --jobs 1 --jsonl --rules "$TMP/evil.yaml" "$TMP/dir" \
	>"$TMP/d1.jsonl"
$REBOUND parse --jobs 2 --jsonl --rules "$TMP/evil.yaml" "$TMP/dir" \
	>"$TMP/d2.jsonl"
ok "per message: the hostile message has the budget warning" \
	sh -c "grep '1-evil.eml' '$TMP/d1.jsonl' | grep -q 'regex budget spent'"
$REBOUND parse --jsonl --rules "$TMP/evil.yaml" "$TMP/dir/2-qmail.eml" \
	>"$TMP/alone.jsonl"
grep -F '2-qmail.eml' "$TMP/d1.jsonl" >"$TMP/after.jsonl"
ok "per message: the next one is read as if it were alone" \
	cmp -s "$TMP/alone.jsonl" "$TMP/after.jsonl"
ok "per message: with no regex warning" \
	test "$(grep -c -e 'match limit' -e 'regex budget' "$TMP/after.jsonl")" -eq 0
ok "per message: two threads give the same output" \
	cmp -s "$TMP/d1.jsonl" "$TMP/d2.jsonl"
$REBOUND rules explain --rules "$TMP/evil.yaml" "$TMP/dir/2-qmail.eml" \
	>"$TMP/x"
ok "per message: explain shows no regex trouble on it" \
	grep -q "regex: [0-9]* matches run, 0 slow, 0 over a limit, 0 skipped; budget $BUDGET of $BUDGET left" "$TMP/x"
