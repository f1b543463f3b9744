#!/bin/sh
# lint.sh - curl's banned functions and printf-built SQL stay out of the C.
set -u
bad=0
ban='\b(strcpy|strcat|sprintf|vsprintf|gets|sscanf|strtok|atoi|atol|strncpy|strncat)\s*\('
if grep -nE "$ban" parsers/*.c parsers/core/*.c agent/*.c; then
	echo "lint: banned function (see notes/style.md)" >&2
	bad=1
fi
if grep -nE 'printf\s*\([^;]*\b(SELECT|INSERT|UPDATE|DELETE)\b' agent/*.c; then
	echo "lint: SQL must use bound parameters" >&2
	bad=1
fi
[ $bad -eq 0 ] && echo "lint: ok"
exit $bad
