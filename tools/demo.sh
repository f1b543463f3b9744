#!/bin/sh
# demo.sh - the main job on the bundled sample mailbox: ingest the Maildir
# fixtures/mailbox/sample into a local SQLite ledger (demo.db, made afresh)
# and show what rebound made of it.
set -eu
REBOUND=${1:-build/rebound}
BOX=fixtures/mailbox/sample
DB=${DEMO_DB:-demo.db}
rm -f "$DB" "$DB-wal" "$DB-shm"
echo "rebound: ingesting the sample Maildir $BOX into $DB"
"$REBOUND" ingest --quiet --db "$DB" "$BOX"
echo
echo "what each bounce said:"
"$REBOUND" parse --table "$BOX"
echo
echo "the suppression list:"
"$REBOUND" suppression list --db "$DB"
echo
echo "records by class:"
"$REBOUND" stats --db "$DB" --by class
