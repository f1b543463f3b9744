# Health (issue 7): send volumes, rates against thresholds, spikes,
# sender-side findings, alerts and their command, metrics.  A month of
# sends and bounces made by tests/gen_month.py, quiet or with Microsoft
# refusing the sender on the last day, ingested into real SQLite files.
. tests/lib.sh

NOW=2026-11-01T06:00:00Z
has() {	# has TEXT FILE
	grep -qF -- "$1" "$2"
}
month() {	# month NAME [--spike P]: generate, ingest, import the volumes
	name=$1
	shift
	python3 tests/gen_month.py "$TMP/$name" "$NOW" "$@" >/dev/null &&
	cat >"$TMP/$name.yaml" <<EOF
database: $name.db
campaign_header: X-Campaign-Id
EOF
	"$REBOUND" ingest --quiet --config "$TMP/$name.yaml" --now "$NOW" \
		"$TMP/$name/bounces" >/dev/null
}
alerts() {	# alerts NAME [OPTION]...: output in $TMP/al, status in $rc
	name=$1
	shift
	"$REBOUND" alerts --config "$TMP/$name.yaml" --now "$NOW" "$@" \
		>"$TMP/al" 2>"$TMP/al.err"
	rc=$?
}

month quiet
month spike --spike microsoft

# Without volumes: counts, no rates, and a note that says so.
"$REBOUND" health --config "$TMP/quiet.yaml" --now "$NOW" >"$TMP/h0"
ok "without volumes health shows counts and says rates need volumes" \
	sh -c "grep -q '^all .* needs volumes' '$TMP/h0' &&
	       grep -q 'rates need them' '$TMP/h0'"
alerts quiet
ok "without volumes a quiet month has no findings (exit 0)" \
	sh -c "[ $rc -eq 0 ] && grep -q 'no send volumes' '$TMP/al'"

# Volumes: imported once however often the file is read.
for m in quiet spike; do
	"$REBOUND" sent import --config "$TMP/$m.yaml" --now "$NOW" \
		"$TMP/$m/sent.jsonl" >"$TMP/imp1.$m"
	"$REBOUND" sent import --config "$TMP/$m.yaml" --now "$NOW" \
		"$TMP/$m/sent.jsonl" >"$TMP/imp2.$m"
done
total=$(python3 -c "import json,sys; print(sum(json.loads(l)['count'] for l in open(sys.argv[1])))" "$TMP/quiet/sent.jsonl")
ok "sent import adds every row once; a second import adds nothing" \
	sh -c "grep -q '150 added ($total messages)' '$TMP/imp1.quiet' &&
	       grep -q '0 added (0 messages), 150 recorded before' \
		'$TMP/imp2.quiet' &&
	       [ \"\$(sqlite3 '$TMP/quiet.db' 'SELECT sum(count) FROM sends')\" \
		 = $total ]"
head -100 "$TMP/quiet/sent.jsonl" >"$TMP/part.jsonl"
"$REBOUND" sent import --db "$TMP/grow.db" --now "$NOW" "$TMP/part.jsonl" \
	>/dev/null
"$REBOUND" sent import --db "$TMP/grow.db" --now "$NOW" \
	"$TMP/quiet/sent.jsonl" >"$TMP/grow"
ok "a file that grew adds only its new rows" \
	has "150 row(s): 50 added" "$TMP/grow"

# The quiet month: every rate ok, no findings, exit 0.
alerts quiet
ok "a quiet month: alerts exits 0 with no findings" \
	sh -c "[ $rc -eq 0 ] && grep -q '^no findings since' '$TMP/al'"
"$REBOUND" health --config "$TMP/quiet.yaml" --now "$NOW" --by provider \
	--format jsonl >"$TMP/hp"
ok "health --by provider: a row per provider, each rate judged ok" \
	python3 - "$TMP/hp" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
names = sorted(r["group"] for r in rows)
assert names == ["Google", "Microsoft", "United Internet", "Yahoo"], names
for r in rows:
    assert r["status"] == "ok", r
    assert 0 < r["bounce_rate"] < 0.02, r
    # bounce = (hard + chronic soft) / sent
    assert abs(r["bounce_rate"] - (r["hard"] + r["chronic"]) / r["sent"]) < 1e-6
    assert r["chronic"] > 0 and r["chronic"] <= r["soft"], r
EOF

# The spiking month: Microsoft refused the sender on the last day.
alerts spike
ok "a spike: alerts exits 2 (critical)" test "$rc" -eq 2
ok "the finding names the provider, the class and the reason" \
	grep -q '^CRITICAL block spike at provider Microsoft: 151 in the last 24 hours.*top reason blocked (151)' "$TMP/al"
ok "it is reported as the sender's problem, with its domains and a hint" \
	sh -c "grep -q 'sender-side' '$TMP/al' &&
	       grep -q 'domains: outlook.com (101), hotmail.com (50)' '$TMP/al' &&
	       grep -q 'hint: .*blocklist' '$TMP/al'"
alerts spike --format json
ok "alerts --format json: one document with the findings" \
	python3 - "$TMP/al" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == "critical" and d["volumes"] is True, d
f = d["findings"][0]
assert (f["level"], f["kind"], f["scope"], f["name"], f["metric"],
        f["reason"], f["count"]) == ("critical", "spike", "provider",
        "Microsoft", "block", "blocked", 151), f
assert f["baseline"] > 0 and f["value"] >= 10, f
assert any(x["kind"] == "rate" and x["metric"] == "block" and
           x["name"] == "Microsoft" for x in d["findings"]), d
EOF
"$REBOUND" health --config "$TMP/spike.yaml" --now "$NOW" --by campaign \
	--format csv >"$TMP/hc"
ok "health --by campaign takes the campaign from the returned header" \
	sh -c "grep -q '^nov-30,[0-9]*,.*,critical,blocked$' '$TMP/hc' &&
	       ! grep -q '^(none)' '$TMP/hc'"
"$REBOUND" health --config "$TMP/spike.yaml" --now "$NOW" --by day \
	--format csv --since 2026-10-29 >"$TMP/hd"
ok "health --by day --since: one row per day of the window" \
	sh -c "[ \$(wc -l <'$TMP/hd') -eq 5 ] &&
	       sed -n 2p '$TMP/hd' | grep -q '^2026-10-29,'"

# Thresholds come from the configuration.
cat >>"$TMP/quiet.yaml" <<'EOF'
health:
  bounce_rate: {warn: 0.3%, critical: 5%}
EOF
alerts quiet
ok "a lower bounce threshold in the configuration makes the quiet month warn (exit 1)" \
	sh -c "[ $rc -eq 1 ] && grep -q '^WARN *bounce rate of all mail' '$TMP/al'"
cat >"$TMP/bad.yaml" <<'EOF'
database: quiet.db
health:
  bounce_rate: {warn: 12%, critical: 5%}
  complaint_rate: {warn: lots}
  spike: {factor: 0.5, colour: red}
alert_command: notify --to ops
EOF
"$REBOUND" alerts --config "$TMP/bad.yaml" --now "$NOW" >/dev/null \
	2>"$TMP/bad.err"
rc=$?
ok "bad health settings: exit 78, each named FILE:LINE" \
	sh -c "[ $rc -eq 78 ] &&
	       grep -q 'bad.yaml:3: health.bounce_rate: warn is above critical' '$TMP/bad.err' &&
	       grep -q 'bad.yaml:4: health.complaint_rate.warn: expected a share' '$TMP/bad.err' &&
	       grep -q 'bad.yaml:5: health.spike.factor: expected a number of at least 1' '$TMP/bad.err' &&
	       grep -q \"bad.yaml:5: health.spike: unknown key 'colour'\" '$TMP/bad.err' &&
	       grep -q 'bad.yaml:6: alert_command: .*without a shell' '$TMP/bad.err'"

# alert_command: run without a shell, the JSON on its standard input.
cat >"$TMP/notify" <<'EOF'
#!/bin/sh
cat >"$1"
printf '%s\n' "$2" >"$1.arg"
EOF
chmod +x "$TMP/notify"
cp "$TMP/spike.yaml" "$TMP/cmd.yaml"
cat >>"$TMP/cmd.yaml" <<EOF
alert_command: [$TMP/notify, $TMP/got.json, '\$(touch $TMP/pwned); x']
EOF
"$REBOUND" alerts --config "$TMP/cmd.yaml" --now "$NOW" --format json \
	>"$TMP/al.json"
rc=$?
ok "alert_command gets the same JSON on its standard input" \
	sh -c "[ $rc -eq 2 ] && cmp -s '$TMP/al.json' '$TMP/got.json'"
ok "its arguments are passed as they are, never to a shell" \
	sh -c "[ ! -e '$TMP/pwned' ] &&
	       grep -qF '\$(touch $TMP/pwned); x' '$TMP/got.json.arg'"
rm -f "$TMP/got.json"
"$REBOUND" alerts --config "$TMP/cmd.yaml" --now "$NOW" --no-command \
	>/dev/null
ok "--no-command does not run it" test ! -e "$TMP/got.json"
sed -i "s|^alert_command: .*|alert_command: [/bin/false]|" "$TMP/cmd.yaml"
"$REBOUND" alerts --config "$TMP/cmd.yaml" --now "$NOW" >"$TMP/al" \
	2>"$TMP/al.err"
rc=$?
ok "a failing alert_command: exit 3, the findings still printed" \
	sh -c "[ $rc -eq 3 ] && grep -q '^CRITICAL' '$TMP/al' &&
	       grep -q 'alert_command: /bin/false exited with 1' '$TMP/al.err'"

# sent record and bad imports.
"$REBOUND" sent record --db "$TMP/r.db" --now "$NOW" --id send-42 \
	--domain GMail.com --campaign c1 500 &&
"$REBOUND" sent record --db "$TMP/r.db" --now "$NOW" --id send-42 \
	--domain gmail.com --campaign c1 500 >"$TMP/rec"
ok "sent record --id counts a send once" \
	sh -c "grep -q 'id send-42 was recorded before' '$TMP/rec' &&
	       [ \"\$(sqlite3 '$TMP/r.db' 'SELECT count(*), sum(count), domain FROM sends')\" = '1|500|gmail.com' ]"
cat >"$TMP/bad.csv" <<'EOF'
time,count,domain
2026-10-30T10:00:00Z,100,gmail.com
yesterday,100,gmail.com
2026-10-30T10:00:00Z,-5,gmail.com
2026-10-30T10:00:00Z,100,"gmail.com
EOF
"$REBOUND" sent import --db "$TMP/r.db" "$TMP/bad.csv" 2>"$TMP/bad.err"
rc=$?
ok "a bad CSV: exit 65, every bad row named FILE:LINE, nothing imported" \
	sh -c "[ $rc -eq 65 ] &&
	       grep -q 'bad.csv:3: the time is not' '$TMP/bad.err' &&
	       grep -q 'bad.csv:4: the count is not' '$TMP/bad.err' &&
	       grep -q 'bad.csv:5: a badly quoted CSV field' '$TMP/bad.err' &&
	       [ \"\$(sqlite3 '$TMP/r.db' 'SELECT count(*) FROM sends')\" = 1 ]"
printf 'count,time,campaign\n7,2026-10-30,"a, b"\n' >"$TMP/ok.csv"
printf '{"time": 1793700000, "count": 3, "campaign": "x\\u00e9"}\n' \
	>"$TMP/ok.jsonl"
"$REBOUND" sent import --db "$TMP/r.db" "$TMP/ok.csv" >/dev/null &&
"$REBOUND" sent import --db "$TMP/r.db" "$TMP/ok.jsonl" >/dev/null
ok "CSV with a header in any order, quoted fields, JSON lines with escapes" \
	test "$(sqlite3 "$TMP/r.db" "SELECT group_concat(count || ':' || campaign, ' ') FROM (SELECT * FROM sends ORDER BY id)")" = "500:c1 7:a, b 3:xé"

# Metrics: the text format, written atomically.
mkdir "$TMP/prom"
"$REBOUND" metrics --config "$TMP/spike.yaml" --now "$NOW" \
	--textfile "$TMP/prom/rebound.prom"
ok "metrics --textfile writes the file and leaves no temporary file" \
	sh -c "[ \$(ls '$TMP/prom' | wc -l) -eq 1 ] &&
	       grep -q '^rebound_events_total{class=\"block\"} 351$' '$TMP/prom/rebound.prom' &&
	       grep -q '^rebound_events_by_provider_total{provider=\"Microsoft\",class=\"block\"} 224$' '$TMP/prom/rebound.prom' &&
	       grep -q '^rebound_health_status 2$' '$TMP/prom/rebound.prom'"
if command -v promtool >/dev/null 2>&1; then
	ok "promtool check metrics accepts it" \
		sh -c "promtool check metrics <'$TMP/prom/rebound.prom'"
else
	echo "promtool is missing (tools/deps.sh installs Debian's prometheus)"
	ok "promtool check metrics accepts it" false
fi
ok "every line is a comment or NAME{LABELS} VALUE of a declared family" \
	python3 - "$TMP/prom/rebound.prom" <<'EOF'
import re, sys
types, seen = {}, set()
line_re = re.compile(r'^([a-z_:][a-z0-9_:]*)(\{([a-z_]+="([^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN)$')
for ln in open(sys.argv[1]):
    ln = ln.rstrip("\n")
    if ln.startswith("# TYPE "):
        _, _, name, kind = ln.split(" ")
        assert kind in ("counter", "gauge"), ln
        assert name not in types, "family declared twice: " + name
        types[name] = kind
        assert (kind == "counter") == name.endswith("_total"), ln
    elif ln.startswith("# HELP "):
        continue
    else:
        m = line_re.match(ln)
        assert m, "bad line: " + ln
        assert m.group(1) in types, "undeclared: " + ln
        assert ln not in seen, "repeated: " + ln
        seen.add(ln)
EOF
"$REBOUND" metrics --config "$TMP/spike.yaml" --now "$NOW" \
	--textfile "$TMP/nodir/rebound.prom" 2>"$TMP/m.err"
rc=$?
ok "an unwritable textfile: exit 73, the path named" \
	sh -c "[ $rc -eq 73 ] && grep -q 'nodir/' '$TMP/m.err'"
for c in sent "sent record" "sent import" health alerts report metrics; do
	ok "rebound $c --help" sh -c "$REBOUND $c --help | grep -q usage"
done
"$REBOUND" health --frobnicate >/dev/null 2>&1
ok "an unknown option is a usage error (64)" test $? -eq 64
"$REBOUND" report --db "$TMP/quiet.db" >/dev/null 2>"$TMP/r.err"
rc=$?
ok "report without --html says so (64)" \
	sh -c "[ $rc -eq 64 ] && grep -q 'html FILE is needed' '$TMP/r.err'"
