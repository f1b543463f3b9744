#!/bin/sh
# bench/run.sh - `make bench` (issue 6): figures, never a pass/fail test.
#
# From the repository root, after `make bench` has built $B/rebound,
# $B/bench/ceiling and $B/bench/imap-ceiling:
#
#	B=build sh bench/run.sh
#
# 1. inputs, made once in $BENCH_DATA (default /tmp/rebound-bench-data-UID,
#    kept between runs; ~1.2 GB, ~6 GB more after BENCH_BIG=1) from the
#    Sisimai corpus ($BENCH_CORPUS, default ../shared/corpus/sisimai/
#    maildir/bsd, 629 files) by bench/mkcorpus.py: whole copies of it up to
#    >= BENCH_MESSAGES (50,000) messages as a Maildir and as one mbox, a
#    smaller pair of BENCH_SISIMAI_MESSAGES (5,000) for Sisimai, and a
#    Maildir of distinct messages (own Message-IDs) for ingest and IMAP;
# 2. parse: `rebound parse --jsonl` on one core (taskset -c BENCH_CPU), the
#    GMime-only ceiling (bench/ceiling.c) and Sisimai 4.25 (bench/sisimai.pl)
#    on the same inputs: msg/s, MB/s, peak RSS, median of BENCH_RUNS (3);
#    `--jobs` on every core too when rebound has it;
# 3. ingest: `rebound ingest` of the distinct Maildir into a fresh
#    database, then again (all duplicates), BENCH_INGEST_RUNS (1) times;
# 4. IMAP: `rebound run --once` against the test Dovecot (tests/dovecot.sh)
#    holding BENCH_IMAP_MESSAGES (10,000) messages, against a plain libetpan
#    fetch of the same (bench/imap-ceiling.c); skipped with a note while
#    `rebound run` or tests/dovecot.sh are missing;
# 5. BENCH_BIG=1 adds BENCH_BIG_MESSAGES (500,000) for parse and ceiling
#    (flat per-message cost and memory) and BENCH_IMAP_BIG_MESSAGES
#    (100,000) for IMAP, each run BENCH_BIG_RUNS (1) times; this takes
#    about 15 minutes more and ~5 GB of disk.  Without it, the 500k section
#    of the previous bench/results.md is carried over, marked with its date.
#
# Prints a table and writes it, with the machine's description, to
# BENCH_RESULTS (bench/results.md).
set -u

B=${B:-build}
REBOUND=${REBOUND:-$B/rebound}
CEILING=${CEILING:-$B/bench/ceiling}
IMAP_CEILING=${IMAP_CEILING:-$B/bench/imap-ceiling}
CORPUS=${BENCH_CORPUS:-../shared/corpus/sisimai/maildir/bsd}
# outside the build tree: the Makefile's `find $(B) -name '*.d'` would walk
# every message file on each make
DATA=${BENCH_DATA:-${TMPDIR:-/tmp}/rebound-bench-data-$(id -u)}
RUNS=${BENCH_RUNS:-3}
N=${BENCH_MESSAGES:-50000}
SIS_N=${BENCH_SISIMAI_MESSAGES:-5000}
BIG=${BENCH_BIG:-0}
BIG_N=${BENCH_BIG_MESSAGES:-500000}
BIG_RUNS=${BENCH_BIG_RUNS:-1}
INGEST_RUNS=${BENCH_INGEST_RUNS:-1}
IMAP_N=${BENCH_IMAP_MESSAGES:-10000}
IMAP_BIG_N=${BENCH_IMAP_BIG_MESSAGES:-100000}
CPU=${BENCH_CPU:-0}
RESULTS=${BENCH_RESULTS:-bench/results.md}
NOW=2026-06-01T00:00:00Z

die() {
	echo "bench: $*" >&2
	exit 1
}

[ -x "$REBOUND" ] || die "$REBOUND is missing (make bench builds it)"
[ -x "$CEILING" ] || die "$CEILING is missing (make bench builds it)"
[ -d "$CORPUS" ] || die "no corpus at $CORPUS (set BENCH_CORPUS)"
command -v python3 >/dev/null || die "python3 is needed to make the inputs"
PIN=
command -v taskset >/dev/null && PIN="taskset -c $CPU"
[ -n "$PIN" ] || echo "bench: no taskset, runs are not pinned to one core"
GTIME=
[ -x /usr/bin/time ] && GTIME=/usr/bin/time
HAVE_SISIMAI=0
perl -MSisimai -e 1 2>/dev/null && HAVE_SISIMAI=1

T=$(mktemp -d "${TMPDIR:-/tmp}/rbbench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$DATA" || die "cannot make $DATA"
ROWS=$T/rows		# one line per measured row, tab-separated
: >"$ROWS"
START=$(date +%s)

# ---------------------------------------------------------------- inputs

# make KIND COUNT: path of the input (made when missing or out of date)
STAMP=$(cat bench/mkcorpus.py "$CORPUS"/* 2>/dev/null | cksum | cut -d' ' -f1)
make_input() {
	_p=$DATA/$1-$2
	if [ "$(cat "$_p.stamp" 2>/dev/null)" != "$STAMP" ]; then
		rm -rf "$_p" "$_p.stamp" "$_p.info"
		echo "bench: making $1 of $2 messages in $_p" >&2
		python3 bench/mkcorpus.py "$CORPUS" "$2" "$1" "$_p" >"$_p.info" ||
			die "mkcorpus.py $1 $2 failed"
		echo "$STAMP" >"$_p.stamp"
	fi
	echo "$_p"
}
info_msgs() { cut -d' ' -f1 "$1.info"; }
info_bytes() { cut -d' ' -f2 "$1.info"; }

# Warm the page cache so that no run pays for the first read.
warm() {
	if [ -d "$1" ]; then
		find "$1" -type f -exec cat {} + >/dev/null
	else
		cat "$1" >/dev/null
	fi
}

# ------------------------------------------------------------ measuring

# timed OUT CMD...: runs CMD; OUT gets "wall user sys maxrss_kb status"
timed() {
	_o=$1
	shift
	_t0=$(date +%s%N)
	if [ -n "$GTIME" ]; then
		$GTIME -f '%U %S %M' -o "$_o.t" "$@"
		_rc=$?
	else
		python3 -c '
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.2f %.2f %d\n" % (r.ru_utime, r.ru_stime, r.ru_maxrss))
sys.exit(rc)' "$_o.t" "$@"
		_rc=$?
	fi
	_t1=$(date +%s%N)
	# GNU time writes "Command exited with non-zero status" first
	echo "$(( (_t1 - _t0) / 1000 )) $(tail -n 1 "$_o.t") $_rc" |
		awk '{printf "%.3f %s %s %s %s\n", $1 / 1e6, $2, $3, $4, $5}' >"$_o"
}

# measure TOOL INPUT MSGS BYTES RUNS PIN CMD...: runs CMD RUNS times (its
# standard output lines are the records), keeps the median run by wall
# time, appends the row.  PIN is "pin" or "nopin".
measure() {
	_tool=$1 _in=$2 _msgs=$3 _bytes=$4 _runs=$5 _pin=$6
	shift 6
	_pc=
	[ "$_pin" = pin ] && _pc=$PIN
	: >"$T/m"
	_i=0
	while [ "$_i" -lt "$_runs" ]; do
		_i=$((_i + 1))
		{ timed "$T/one" $_pc "$@" 2>"$T/err"; } | wc -l >"$T/lines"
		read -r _w _u _s _r _rc <"$T/one"
		if [ "$_rc" != 0 ]; then
			echo "bench: $_tool on $_in exited $_rc:" >&2
			tail -n 3 "$T/err" >&2
		fi
		echo "$_w $_u $_s $_r $(cat "$T/lines") $_rc" >>"$T/m"
		printf '  %-28s %-14s run %d: %8.2f s\n' "$_tool" "$_in" "$_i" \
			"$_w" >&2
	done
	sort -n "$T/m" | awk -v k=$(( (_runs + 1) / 2 )) 'NR == k' >"$T/med"
	read -r _w _u _s _r _l _rc <"$T/med"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$_tool" "$_in" "$_msgs" \
		"$_bytes" "$_w" "$_u $_s" "$_r" "$_l" "$_runs" >>"$ROWS"
}

# row TOOL INPUT: the row's fields (tab-separated) or nothing
row() {
	awk -F'\t' -v t="$1" -v i="$2" '$1 == t && $2 == i' "$ROWS" | tail -n 1
}
# rate TOOL INPUT: messages per second of a row (nothing when missing)
rate() {
	row "$1" "$2" | awk -F'\t' '{ if ($5 > 0) printf "%.0f", $3 / $5 }'
}
# cpurate TOOL INPUT: messages per CPU second (user + sys) of a row
cpurate() {
	row "$1" "$2" | awk -F'\t' '{ split($6, c, " "); t = c[1] + c[2];
		if (t > 0) printf "%.0f", $3 / t }'
}

# --------------------------------------------------------------- parse

MD=$(make_input maildir "$N")
MB=$(make_input mbox "$N")
SMD=$(make_input maildir "$SIS_N")
SMB=$(make_input mbox "$SIS_N")
NM=$(info_msgs "$MD")
SN=$(info_msgs "$SMD")
LN=$(awk -v n="$NM" 'BEGIN { printf "%dk", n / 1000 }')
LS=$(awk -v n="$SN" 'BEGIN { printf "%dk", n / 1000 }')
for p in "$MD" "$MB" "$SMD" "$SMB"; do
	warm "$p"
done

echo "bench: parse, $RUNS runs each, pinned to CPU $CPU" >&2
measure "rebound parse" "maildir-$LN" "$NM" "$(info_bytes "$MD")" "$RUNS" pin \
	"$REBOUND" parse --jsonl "$MD"
measure "rebound parse" "mbox-$LN" "$NM" "$(info_bytes "$MB")" "$RUNS" pin \
	"$REBOUND" parse --jsonl "$MB"
measure "GMime ceiling" "maildir-$LN" "$NM" "$(info_bytes "$MD")" "$RUNS" pin \
	"$CEILING" "$MD"
measure "GMime ceiling" "mbox-$LN" "$NM" "$(info_bytes "$MB")" "$RUNS" pin \
	"$CEILING" "$MB"
measure "rebound parse" "maildir-$LS" "$SN" "$(info_bytes "$SMD")" "$RUNS" pin \
	"$REBOUND" parse --jsonl "$SMD"
measure "rebound parse" "mbox-$LS" "$SN" "$(info_bytes "$SMB")" "$RUNS" pin \
	"$REBOUND" parse --jsonl "$SMB"
if [ "$HAVE_SISIMAI" = 1 ]; then
	measure "Sisimai 4.25" "maildir-$LS" "$SN" "$(info_bytes "$SMD")" \
		"$RUNS" pin perl bench/sisimai.pl "$SMD"
	measure "Sisimai 4.25" "mbox-$LS" "$SN" "$(info_bytes "$SMB")" \
		"$RUNS" pin perl bench/sisimai.pl "$SMB"
else
	echo "bench: Sisimai is not installed (apt-get install libsisimai-perl)" >&2
fi
NCPU=$(nproc 2>/dev/null || echo 1)
if [ "$NCPU" -gt 1 ] && "$REBOUND" parse --help 2>&1 | grep -q -- --jobs; then
	measure "rebound parse --jobs $NCPU" "maildir-$LN" "$NM" \
		"$(info_bytes "$MD")" "$RUNS" nopin \
		"$REBOUND" parse --jsonl --jobs "$NCPU" "$MD"
	measure "rebound parse --jobs $NCPU" "mbox-$LN" "$NM" \
		"$(info_bytes "$MB")" "$RUNS" nopin \
		"$REBOUND" parse --jsonl --jobs "$NCPU" "$MB"
fi

# ---------------------------------------------------------------- ingest

DI=$(make_input distinct "$N")
warm "$DI"
echo "bench: ingest, $INGEST_RUNS run(s), pinned to CPU $CPU" >&2
DBMODE=
: >"$T/ing1"
: >"$T/ing2"
i=0
while [ "$i" -lt "$INGEST_RUNS" ]; do
	i=$((i + 1))
	rm -f "$T"/ingest.db*
	for pass in 1 2; do
		timed "$T/one" $PIN "$REBOUND" ingest --quiet --db "$T/ingest.db" \
			--now "$NOW" "$DI" >"$T/sum" 2>"$T/err"
		read -r _w _u _s _r _rc <"$T/one"
		[ "$_rc" = 0 ] || { echo "bench: ingest exited $_rc:" >&2;
			tail -n 3 "$T/err" >&2; }
		_recs=$(sed -n 's/^records: \([0-9]*\).*/\1/p' "$T/sum")
		echo "$_w $_u $_s $_r ${_recs:-0} $_rc" >>"$T/ing$pass"
		printf '  %-28s pass %d run %d: %8.2f s, %s records\n' \
			"rebound ingest" "$pass" "$i" "$_w" "${_recs:-?}" >&2
	done
	DBMODE=$(stat -c %a "$T/ingest.db" 2>/dev/null)
done
for pass in 1 2; do
	sort -n "$T/ing$pass" | awk -v k=$(( (INGEST_RUNS + 1) / 2 )) 'NR == k' \
		>"$T/med"
	read -r _w _u _s _r _l _rc <"$T/med"
	[ "$pass" = 1 ] && what="rebound ingest (fresh db)" ||
		what="rebound ingest (all duplicates)"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$what" "distinct-$LN" \
		"$NM" "$(info_bytes "$DI")" "$_w" "$_u $_s" "$_r" "$_l" \
		"$INGEST_RUNS" >>"$ROWS"
done
rm -f "$T"/ingest.db*
# The same on every core (not pinned): the messages of a batch are parsed
# on NCPU threads and applied in order.
if [ "$NCPU" -gt 1 ]; then
	: >"$T/ingj"
	i=0
	while [ "$i" -lt "$INGEST_RUNS" ]; do
		i=$((i + 1))
		rm -f "$T"/ingest.db*
		timed "$T/one" "$REBOUND" ingest --quiet --jobs "$NCPU" \
			--db "$T/ingest.db" --now "$NOW" "$DI" >"$T/sum" 2>"$T/err"
		read -r _w _u _s _r _rc <"$T/one"
		_recs=$(sed -n 's/^records: \([0-9]*\).*/\1/p' "$T/sum")
		echo "$_w $_u $_s $_r ${_recs:-0} $_rc" >>"$T/ingj"
		printf '  %-28s run %d: %8.2f s\n' "rebound ingest --jobs $NCPU" \
			"$i" "$_w" >&2
	done
	sort -n "$T/ingj" | awk -v k=$(( (INGEST_RUNS + 1) / 2 )) 'NR == k' \
		>"$T/med"
	read -r _w _u _s _r _l _rc <"$T/med"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"rebound ingest --jobs $NCPU (fresh db)" "distinct-$LN" \
		"$NM" "$(info_bytes "$DI")" "$_w" "$_u $_s" "$_r" "$_l" \
		"$INGEST_RUNS" >>"$ROWS"
	rm -f "$T"/ingest.db*
fi

# ------------------------------------------------------------------ IMAP
# `rebound run --once` against the test Dovecot, and the libetpan ceiling
# on the same mailbox.  Each run reloads the mailbox, lets the ceiling fetch
# it once to warm Dovecot's index, then times the ceiling and `rebound run
# --once` with a fresh database and `after: keep`, `undecoded: keep` (the
# ceiling moves nothing either).  With MOVES=1 it also times a run with the
# default actions (every message MOVEd to rebound/processed or
# rebound/undecoded), on a freshly loaded mailbox.
IMAP_NOTE=
imap_bench() {	# imap_bench COUNT RUNS MOVES (in a subshell: dovecot.sh's traps)
	_src=$(make_input distinct "$1")
	_n=$(info_msgs "$_src")
	_lab=$(awk -v n="$_n" 'BEGIN { printf "%dk", n / 1000 }')
	TMP=$T/dv
	mkdir -p "$TMP"
	set +u		# dovecot.sh reads variables it may not have set
	. tests/dovecot.sh
	dv_start || exit 1
	IMAP_PASS=$DV_PASS
	export IMAP_PASS
	dv_config "$T/keep.yaml" "after: keep
undecoded: keep" || exit 1
	dv_config "$T/move.yaml" || exit 1
	: >"$T/ic"
	: >"$T/ik"
	: >"$T/im"
	_i=0
	while [ "$_i" -lt "$2" ]; do
		_i=$((_i + 1))
		for _mode in keep move jobs; do
			[ "$_mode" = move ] && [ "$3" != 1 ] && continue
			[ "$_mode" = jobs ] && [ "$NCPU" -le 1 ] && continue
			dv_wipe
			dv_maildir_load "$_src" >/dev/null || exit 1
			"$IMAP_CEILING" "$DV_HOST" "$DV_PORT" "$DV_USER" \
				>/dev/null || exit 1
			if [ "$_mode" = keep ]; then
				timed "$T/one" $PIN "$IMAP_CEILING" "$DV_HOST" \
					"$DV_PORT" "$DV_USER" >"$T/out"
				read -r _w _u _s _r _rc <"$T/one"
				echo "$_w $_u $_s $_r $(cut -d' ' -f1 "$T/out") $_rc" \
					>>"$T/ic"
			fi
			rm -f "$T"/imap.db*
			if [ "$_mode" = jobs ]; then	# every core, unpinned
				timed "$T/one" "$REBOUND" run --once \
					--jobs "$NCPU" --config "$T/keep.yaml" \
					--db "$T/imap.db" --now "$NOW" \
					>"$T/out" 2>"$T/err"
			else
				timed "$T/one" $PIN "$REBOUND" run --once \
					--jobs 1 --config "$T/$_mode.yaml" \
					--db "$T/imap.db" --now "$NOW" \
					>"$T/out" 2>"$T/err"
			fi
			read -r _w _u _s _r _rc <"$T/one"
			[ "$_rc" = 0 ] || { echo "bench: rebound run exited $_rc:" >&2;
				tail -n 3 "$T/err" >&2; }
			_recs=$(sed -n 's/.*records \([0-9]*\).*/\1/p' "$T/out" |
				head -n 1)
			case $_mode in
			keep) _to=ik ;;
			move) _to=im ;;
			*) _to=ij ;;
			esac
			echo "$_w $_u $_s $_r ${_recs:-0} $_rc" >>"$T/$_to"
			printf '  %-28s %-14s run %d: %.2f s\n' \
				"rebound run --once ($_mode)" "imap-$_lab" "$_i" "$_w" >&2
			rm -f "$T"/imap.db*
		done
		printf '  %-28s %-14s run %d: %.2f s\n' "libetpan fetch ceiling" \
			"imap-$_lab" "$_i" "$(tail -n 1 "$T/ic" | cut -d' ' -f1)" >&2
	done
	for _f in ic ik im ij; do
		[ -s "$T/$_f" ] || continue
		sort -n "$T/$_f" | awk -v k=$(( ($2 + 1) / 2 )) 'NR == k' >"$T/med"
		read -r _w _u _s _r _l _rc <"$T/med"
		case $_f in
		ic) _what="libetpan fetch ceiling" ;;
		ik) _what="rebound run --once (keep)" ;;
		im) _what="rebound run --once (move)" ;;
		ij) _what="rebound run --once (keep, --jobs $NCPU)" ;;
		esac
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$_what" \
			"imap-$_lab" "$_n" "$(info_bytes "$_src")" "$_w" "$_u $_s" \
			"$_r" "$_l" "$2" >>"$ROWS"
	done
}
if ! "$REBOUND" run --help >/dev/null 2>&1; then
	IMAP_NOTE="IMAP: rebound run not built yet"
elif [ ! -f tests/dovecot.sh ]; then
	IMAP_NOTE="IMAP: tests/dovecot.sh not written yet"
elif [ ! -x "$IMAP_CEILING" ]; then
	IMAP_NOTE="IMAP: $IMAP_CEILING not built (libetpan-dev missing?)"
else
	echo "bench: IMAP, $RUNS runs" >&2
	( imap_bench "$IMAP_N" "$RUNS" 1 ) ||
		IMAP_NOTE="IMAP: the test Dovecot did not start or a fetch failed"
	if [ "$BIG" = 1 ]; then
		( imap_bench "$IMAP_BIG_N" "$BIG_RUNS" 0 ) ||
			IMAP_NOTE="IMAP: the $IMAP_BIG_N-message run failed"
	fi
fi
[ -n "$IMAP_NOTE" ] && echo "$IMAP_NOTE" >&2

# ------------------------------------------------------------- 500k
if [ "$BIG" = 1 ]; then
	BMD=$(make_input maildir "$BIG_N")
	BMB=$(make_input mbox "$BIG_N")
	BN=$(info_msgs "$BMD")
	LB=$(awk -v n="$BN" 'BEGIN { printf "%dk", n / 1000 }')
	warm "$BMD"
	warm "$BMB"
	echo "bench: $BN messages, $BIG_RUNS run(s) each" >&2
	measure "rebound parse" "maildir-$LB" "$BN" "$(info_bytes "$BMD")" \
		"$BIG_RUNS" pin "$REBOUND" parse --jsonl "$BMD"
	measure "rebound parse" "mbox-$LB" "$BN" "$(info_bytes "$BMB")" \
		"$BIG_RUNS" pin "$REBOUND" parse --jsonl "$BMB"
	measure "GMime ceiling" "maildir-$LB" "$BN" "$(info_bytes "$BMD")" \
		"$BIG_RUNS" pin "$CEILING" "$BMD"
	measure "GMime ceiling" "mbox-$LB" "$BN" "$(info_bytes "$BMB")" \
		"$BIG_RUNS" pin "$CEILING" "$BMB"
fi

# ---------------------------------------------------------------- report

table() {	# the rows as a Markdown table
	echo "| tool | input | messages | MB | runs | median s | CPU s (user+sys) | msg/s | MB/s | µs/msg | peak RSS MB | records |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk -F'\t' '{
		split($6, c, " ");
		mps = ($5 > 0) ? $3 / $5 : 0;
		mbs = ($5 > 0) ? $4 / 1e6 / $5 : 0;
		us = ($3 > 0) ? $5 * 1e6 / $3 : 0;
		rec = ($1 ~ /ceiling/) ? "-" : $8;
		printf "| %s | %s | %d | %.1f | %d | %.2f | %.2f | %.0f | %.1f | %.1f | %.1f | %s |\n",
			$1, $2, $3, $4 / 1e6, $9, $5, c[1] + c[2], mps, mbs, us,
			$7 / 1024, rec
	}' "$ROWS"
}

# ratio LABEL NUM DEN TARGET KIND [UNIT]: a line of the comparison list
ratio() {
	if [ -z "$2" ] || [ -z "$3" ] || [ "$3" = 0 ]; then
		echo "- $1: not measured"
		return
	fi
	awk -v l="$1" -v a="$2" -v b="$3" -v t="$4" -v k="$5" \
		-v u="${6:-msg/s}" 'BEGIN {
		r = a / b;
		if (k == "x")
			v = (r >= t) ? "met" : "NOT met";
		else
			v = (r * 100 >= t) ? "met" : "NOT met";
		if (k == "x")
			printf "- %s: %d / %d %s = **%.1fx** (target >= %sx: %s)\n",
				l, a, b, u, r, t, v;
		else
			printf "- %s: %d / %d %s = **%.0f%%** (target >= %s%%: %s)\n",
				l, a, b, u, r * 100, t, v;
	}'
}

comparisons() {
	ratio "rebound / GMime ceiling, Maildir $LN" \
		"$(rate "rebound parse" "maildir-$LN")" \
		"$(rate "GMime ceiling" "maildir-$LN")" 80 pct
	ratio "rebound / GMime ceiling, mbox $LN" \
		"$(rate "rebound parse" "mbox-$LN")" \
		"$(rate "GMime ceiling" "mbox-$LN")" 80 pct
	ratio "rebound / Sisimai, Maildir $LS (same input)" \
		"$(rate "rebound parse" "maildir-$LS")" \
		"$(rate "Sisimai 4.25" "maildir-$LS")" 12 x
	ratio "rebound / Sisimai, mbox $LS (same input)" \
		"$(rate "rebound parse" "mbox-$LS")" \
		"$(rate "Sisimai 4.25" "mbox-$LS")" 12 x
	ratio "rebound $LN / Sisimai $LS, Maildir" \
		"$(rate "rebound parse" "maildir-$LN")" \
		"$(rate "Sisimai 4.25" "maildir-$LS")" 12 x
	echo "- the same by CPU time (user + sys; less sensitive to other load on the machine):"
	for _k in maildir mbox; do
		ratio "rebound / GMime ceiling, $_k $LN" \
			"$(cpurate "rebound parse" "$_k-$LN")" \
			"$(cpurate "GMime ceiling" "$_k-$LN")" 80 pct \
			"msg per CPU s" |
			sed 's/^- /  - /'
		ratio "rebound / Sisimai, $_k $LS" \
			"$(cpurate "rebound parse" "$_k-$LS")" \
			"$(cpurate "Sisimai 4.25" "$_k-$LS")" 12 x \
			"msg per CPU s" |
			sed 's/^- /  - /'
	done
	_il=$(awk -F'\t' '$1 == "rebound run --once (keep)" { print $2 }' \
		"$ROWS" | head -n 1)
	if [ -n "$_il" ]; then
		for _x in $(awk -F'\t' '$1 == "rebound run --once (keep)" {
			print $2 }' "$ROWS"); do
			ratio "IMAP: rebound run --once (keep) / libetpan fetch, $_x" \
				"$(rate "rebound run --once (keep)" "$_x")" \
				"$(rate "libetpan fetch ceiling" "$_x")" 70 pct
			_j="rebound run --once (keep, --jobs $NCPU)"
			[ -n "$(rate "$_j" "$_x")" ] &&
				ratio "IMAP: $_j / libetpan fetch, $_x" \
					"$(rate "$_j" "$_x")" \
					"$(rate "libetpan fetch ceiling" "$_x")" 70 pct
		done
	else
		echo "- ${IMAP_NOTE:-IMAP: not measured}"
	fi
	awk -F'\t' '$1 ~ /^rebound ingest/ && $5 > 0 {
		printf "- %s: %.0f records/s, %.0f msg/s\n", $1, $8 / $5, $3 / $5 }' \
		"$ROWS"
	[ -n "$DBMODE" ] && echo "- mode of the database ingest created: $DBMODE (umask $(umask))"
	return 0
}

flat() {	# per-message cost and memory, 50k against 500k
	for _k in maildir mbox; do
		for _t in "rebound parse" "GMime ceiling"; do
			_a=$(row "$_t" "$_k-$LN")
			_b=$(row "$_t" "$_k-$LB")
			[ -n "$_a" ] && [ -n "$_b" ] || continue
			printf '%s\t%s\n' "$_a" "$_b" | awk -F'\t' -v k="$_k" '{
				printf "- %s, %s: %.1f µs/msg at %d, %.1f µs/msg at %d (%+.0f%%); peak RSS %.1f MB and %.1f MB\n",
					$1, k, $5 * 1e6 / $3, $3, $14 * 1e6 / $12, $12,
					($14 / $12) / ($5 / $3) * 100 - 100, $7 / 1024, $16 / 1024 }'
		done
	done
}

machine() {
	_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	_mhz=$(sed -n 's/^cpu MHz[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	_ram=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	_os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
	_pkg() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "?"; }
	echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ); load average before the run: $LOAD0"
	echo "- cores: $(nproc) ($_cpu${_mhz:+, $_mhz MHz}); RAM $_ram"
	echo "- OS: $_os; kernel $(uname -r) $(uname -m)"
	echo "- GMime $(pkg-config --modversion gmime-3.0 2>/dev/null) (libgmime-3.0-0 $(_pkg libgmime-3.0-0)); GLib $(pkg-config --modversion glib-2.0 2>/dev/null)"
	echo "- SQLite $(pkg-config --modversion sqlite3 2>/dev/null) (libsqlite3-0 $(_pkg libsqlite3-0)); libetpan $(_pkg libetpan20); Dovecot $(dovecot --version 2>/dev/null || echo '?')"
	echo "- Sisimai $(perl -MSisimai -e 'print $Sisimai::VERSION' 2>/dev/null || echo 'not installed') (libsisimai-perl $(_pkg libsisimai-perl)); Perl $(perl -e 'printf "%vd", $^V')"
	echo "- compiler: $(${CC:-cc} --version 2>/dev/null | head -n 1)"
	echo "- rebound $("$REBOUND" version 2>/dev/null | head -n 1), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$( [ -n "$(git status --porcelain -uno 2>/dev/null)" ] && echo ' with uncommitted changes')"
	echo "- corpus: $CORPUS ($(ls "$CORPUS" | wc -l) files), repeated whole; runs pinned with \`${PIN:-(no taskset)}\`; median of $RUNS runs ($BIG_RUNS for 500k)"
}
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

CN=$(ls "$CORPUS" | wc -l)
LB=${LB:-$(awk -v n="$BIG_N" -v c="$CN" 'BEGIN { printf "%dk", int((n + c - 1) / c) * c / 1000 }')}
OLD_BIG=
if [ "$BIG" != 1 ] && [ -f "$RESULTS" ]; then
	OLD_BIG=$(sed -n '/^<!-- big -->$/,/^<!-- \/big -->$/p' "$RESULTS")
fi

{
	echo "# rebound benchmark"
	echo
	echo "Written by \`make bench\` (bench/run.sh); figures, not a test."
	echo "Inputs: the Sisimai corpus repeated to $NM messages as a Maildir and as one mbox;"
	echo "Sisimai runs on a $SN-message subset of the same mix (rebound is measured on it too)."
	echo
	echo "## Machine"
	echo
	machine
	echo
	echo "## Results"
	echo
	table
	echo
	echo "## Against the targets"
	echo
	comparisons
	echo
	if [ "$BIG" = 1 ]; then
		echo "<!-- big -->"
		echo "## $LB messages: flat per-message cost and memory (BENCH_BIG=1, $(date -u +%Y-%m-%d))"
		echo
		flat
		echo
		echo "<!-- /big -->"
	elif [ -n "$OLD_BIG" ]; then
		echo "$OLD_BIG" | sed '2s/$/ - carried over from an earlier run/'
	else
		echo "## 500k messages"
		echo
		echo "Not run: \`make bench BENCH_BIG=1\` measures it."
	fi
	echo
	echo "Peak RSS of an mbox run includes the mbox itself: rebound and the"
	echo "ceiling map the whole file (file-backed pages count in RSS)."
	echo "Total bench time: $(( $(date +%s) - START )) s; load average at the end:"
	echo "$(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine makes runs vary; the"
	echo "CPU-time column and ratios are the steadier figures)."
} >"$T/results.md"
cp "$T/results.md" "$RESULTS"

echo
table | sed -e 's/^| //' -e 's/ |$//' -e '/^|---/d' | awk -F' [|] ' '
	NR == 1 { printf "%-30s %-16s %8s %6s %9s %8s %7s %8s %9s\n", $1, $2, $3, $4, $6, $8, $9, $11, $12; next }
	{ printf "%-30s %-16s %8s %6s %9s %8s %7s %8s %9s\n", $1, $2, $3, $4, $6, $8, $9, $11, $12 }'
echo
comparisons | sed 's/\*\*//g'
[ "$BIG" = 1 ] && flat
echo
echo "bench: written to $RESULTS ($(( $(date +%s) - START )) s)"
