# The HTML report (issue 7), rendered by Debian's Chromium in headless mode
# and checked on the screenshot: the charts are drawn, in the class colours,
# and the spike of the last day stands out.  The screenshot command is the
# one the README gives:
#   chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
#     --window-size=1280,2600 --screenshot=report.png file:///.../report.html
. tests/lib.sh

NOW=2026-11-01T06:00:00Z
COLOURS="hard=#c0392b soft=#e67e22 block=#8e44ad complaint=#2471a3
badge_critical=#cf222e badge_ok=#1a7f37"
month() {	# month NAME [--spike P]
	name=$1
	shift
	python3 tests/gen_month.py "$TMP/$name" "$NOW" "$@" >/dev/null &&
	"$REBOUND" ingest --quiet --db "$TMP/$name.db" --now "$NOW" \
		"$TMP/$name/bounces" >/dev/null &&
	"$REBOUND" sent import --db "$TMP/$name.db" --now "$NOW" \
		"$TMP/$name/sent.jsonl" >/dev/null
}
shot() {	# shot NAME: report NAME.html, screenshot NAME.png, stats NAME.json
	"$REBOUND" report --db "$TMP/$1.db" --now "$NOW" --html "$TMP/$1.html" &&
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
		--hide-scrollbars --window-size=1280,2600 \
		--screenshot="$TMP/$1.png" "file://$TMP/$1.html" \
		>"$TMP/chromium.log" 2>&1 &&
	# shellcheck disable=SC2086
	python3 tests/pngstat.py "$TMP/$1.png" $COLOURS >"$TMP/$1.json"
}
check() {	# check NAME PYTHON: PYTHON sees the stats as s
	python3 -c "import json, sys; s = json.load(open(sys.argv[1]))
$2" "$TMP/$1.json"
}

if ! command -v chromium >/dev/null 2>&1; then
	echo "chromium is missing (tools/deps.sh installs Debian's chromium)"
fi
month spike --spike microsoft
month quiet
shot spike
ok "the spiking month's report renders to a screenshot" \
	check spike "assert s['width'] == 1280 and s['height'] == 2600, s"
ok "the report is self-contained: no script, link, image or font to fetch" \
	sh -c "! grep -Eqi '<script|<link|<img|<iframe|src=|href=|url\\(|@import' '$TMP/spike.html'"
ok "each class colour is drawn (bars, lines, legend)" check spike "
for c in ('hard', 'soft', 'block', 'complaint'):
    assert s[c]['pixels'] > 500, (c, s[c])"
ok "the day chart's tallest bar is the last day's block spike" check spike "
x, run = s['block']['tallest']
assert x > 900 and run > 50, s['block']
assert run > 2.5 * s['soft']['tallest'][1], s"
ok "the header carries the critical badge" check spike "
b = s['badge_critical']['box']
assert b is not None and b[1] < 60, s['badge_critical']"
shot quiet
ok "a quiet month's report: no spike, an ok badge, no critical colour above the charts" \
	check quiet "
assert s['block']['tallest'][1] < 30, s['block']
b = s['badge_ok']['box']
assert b is not None and b[1] < 60, s['badge_ok']
c = s['badge_critical']['box']
assert c is None or c[1] > 300, c"
ok "the findings and tables are in the page" \
	sh -c "grep -q 'block spike at provider Microsoft' '$TMP/spike.html' &&
	       grep -q 'id=\"chart-days\"' '$TMP/spike.html' &&
	       grep -q 'id=\"chart-bounce-rate\"' '$TMP/spike.html' &&
	       grep -q 'id=\"chart-providers\"' '$TMP/spike.html' &&
	       grep -q 'id=\"suppressions\"' '$TMP/spike.html' &&
	       grep -q 'id=\"undecoded\"' '$TMP/spike.html'"

# Text from bounces is escaped: a hostile diagnostic stays text.
mkdir -p "$TMP/evil"
cat >"$TMP/evil/1.eml" <<'EOF'
From: MAILER-DAEMON@x.example
To: bounces@sender.example
Subject: failure
Date: Sat, 31 Oct 2026 10:00:00 +0000
Message-ID: <evil@x.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

failed
--b
Content-Type: message/delivery-status

Reporting-MTA: dns; x.example

Final-Recipient: rfc822; user@evil.example
Action: failed
Status: 5.9.9
Diagnostic-Code: smtp; 599 <img src=x onerror=alert(1)> <script>alert(1)</script>
--b--
EOF
# A bounce nothing decodes, under a hostile file name: the source is shown.
cat >"$TMP/evil/<img src=x onerror=alert(1)>.eml" <<'EOF'
From: MAILER-DAEMON@x.example
To: bounces@sender.example
Subject: Undelivered Mail Returned to Sender
Date: Sat, 31 Oct 2026 11:00:00 +0000
Message-ID: <evil2@x.example>

Something went wrong with <script>alert(1)</script> somewhere.
EOF
"$REBOUND" ingest --quiet --db "$TMP/quiet.db" --now "$NOW" "$TMP/evil" \
	>/dev/null
"$REBOUND" report --db "$TMP/quiet.db" --now "$NOW" --html "$TMP/evil.html"
ok "text from bounces is escaped in the page" \
	sh -c "! grep -Eqi '<script|<img' '$TMP/evil.html' &&
	       grep -q '&lt;img src=x' '$TMP/evil.html'"
ok "the report is readable by its owner only (it lists addresses)" \
	test "$(stat -c %a "$TMP/spike.html")" = 600
