#!/bin/sh
# bench/ir.sh - instruction counts (callgrind) of `rebound parse` and of the
# GMime-only ceiling on one corpus: steadier than times on a loaded machine.
#
#	B=build sh bench/ir.sh [CORPUS]
#
# Builds $B/bench/ceiling when missing (as `make bench` does).  Prints the
# totals, the per-message part of rebound's (the whole parse loop, less
# the rule set's load and the one-time JIT compiling of the patterns it
# ran), and the ratio ceiling / rebound of those per-message parts, which
# is what the 50,000-message bench compares.  Needs valgrind.
set -u
B=${B:-build}
CORPUS=${1:-../shared/corpus/sisimai/maildir/bsd}
T=$(mktemp -d "${TMPDIR:-/tmp}/rbir.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

command -v valgrind >/dev/null || { echo "ir.sh: valgrind is needed" >&2; exit 1; }
[ -x "$B/rebound" ] || { echo "ir.sh: $B/rebound is missing" >&2; exit 1; }
if [ ! -x "$B/bench/ceiling" ]; then
	mkdir -p "$B/bench"
	${CC:-cc} -O2 -g -o "$B/bench/ceiling" bench/ceiling.c \
		$(pkg-config --cflags --libs gmime-3.0) || exit 1
fi

# inclusive Ir of the first function matching $2 in callgrind file $1
incl() {
	callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
		awk -v f="$2" 'index($0, f) { gsub(",", "", $1); print $1; exit }'
}

valgrind --tool=callgrind --callgrind-out-file="$T/r" \
	"$B/rebound" parse --jobs 1 --jsonl "$CORPUS" >/dev/null 2>"$T/r.err" ||
	{ tail -3 "$T/r.err" >&2; exit 1; }
valgrind --tool=callgrind --callgrind-out-file="$T/c" \
	"$B/bench/ceiling" "$CORPUS" >/dev/null 2>"$T/c.err" ||
	{ tail -3 "$T/c.err" >&2; exit 1; }
rt=$(sed -n 's/.*refs: *//p' "$T/r.err" | tr -d ,)
ct=$(sed -n 's/.*refs: *//p' "$T/c.err" | tr -d ,)
rm_=$(incl "$T/r" "rb_input_each [")
jit=$(incl "$T/r" "pcre2_jit_compile")
cm=$(incl "$T/c" "ceiling.c:walk [")
awk -v rt="$rt" -v ct="$ct" -v rm="${rm_:-0}" -v jit="${jit:-0}" \
	-v cm="${cm:-0}" 'BEGIN {
	printf "rebound parse: %d Ir in all, %d per-message (%d less %d of JIT)\n",
		rt, rm - jit, rm, jit;
	printf "GMime ceiling: %d Ir in all, %d per-message\n", ct, cm;
	if (rm - jit > 0)
		printf "ceiling / rebound, per-message: %.1f%%\n",
			100 * cm / (rm - jit);
}'
