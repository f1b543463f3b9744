#!/bin/sh
# demo.sh - the main job on the bundled sample mailbox: parse the Maildir
# fixtures/mailbox/sample and show what rebound makes of it.  (Once the
# ledger lands, this ingests into a local SQLite file instead.)
set -eu
REBOUND=${1:-build/rebound}
BOX=fixtures/mailbox/sample
echo "rebound: parsing the sample Maildir $BOX"
echo
"$REBOUND" parse --table "$BOX"
echo
echo "records by class:"
"$REBOUND" parse --jsonl "$BOX" |
	sed -n 's/.*"class":"\([a-z]*\)".*/\1/p' | sort | uniq -c | sort -rn
