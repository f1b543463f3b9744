/* ledger - the SQLite database: schema, migrations, statements, errors */
#include "ledger.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "parsers/core/err.h"

/* "RBND": PRAGMA application_id of a rebound database (a foreign SQLite
   file is refused, not migrated). */
#define APP_ID 0x52424e44
#define MAXCOL 32

struct rb_ledger {
	sqlite3 *db;
	char *path;
	enum rb_lfault fault;
	sqlite3_stmt *st[RB_Q_COUNT];
};

/*
 * Schema version 1.  Times are seconds since the epoch (UTC); "history"
 * is the order in which messages were ingested and manual changes made,
 * shared by messages.id and audit.seq, which replay follows.
 */
static const char schema_v1[] =
"CREATE TABLE messages (\n"
"  id INTEGER PRIMARY KEY,        -- position in the history\n"
"  hash TEXT NOT NULL UNIQUE,     -- SHA-256 of the content (hex)\n"
"  message_id TEXT NOT NULL,      -- of the bounce; '' when none\n"
"  source TEXT NOT NULL,          -- where it was read\n"
"  verp TEXT NOT NULL,            -- the VERP-decoded address, or ''\n"
"  date INTEGER,                  -- its Date; NULL when unreadable\n"
"  ingested INTEGER NOT NULL,     -- 'now' of the ingest\n"
"  decoder TEXT NOT NULL,         -- '' when nothing read it\n"
"  records INTEGER NOT NULL\n"
") STRICT;\n"
"CREATE INDEX messages_message_id ON messages(message_id)\n"
"  WHERE message_id <> '';\n"
"CREATE INDEX messages_ingested ON messages(ingested);\n"
"CREATE TABLE raw (               -- kept bounces, zlib-compressed\n"
"  message INTEGER PRIMARY KEY REFERENCES messages(id),\n"
"  size INTEGER NOT NULL,\n"
"  data BLOB NOT NULL\n"
") STRICT;\n"
"CREATE TABLE events (            -- one per record\n"
"  id INTEGER PRIMARY KEY,\n"
"  message INTEGER NOT NULL REFERENCES messages(id),\n"
"  address TEXT NOT NULL,         -- what it is about, lower case\n"
"  domain TEXT NOT NULL,\n"
"  time INTEGER NOT NULL,         -- of the event\n"
"  effect TEXT NOT NULL,          -- what the policy did\n"
"  source TEXT NOT NULL, message_id TEXT NOT NULL,\n"
"  recipient TEXT NOT NULL, original_recipient TEXT NOT NULL,\n"
"  action TEXT NOT NULL, status TEXT NOT NULL, reply_code TEXT NOT NULL,\n"
"  diagnostic TEXT NOT NULL, reason TEXT NOT NULL, class TEXT NOT NULL,\n"
"  remote_mta TEXT NOT NULL, reporting_mta TEXT NOT NULL,\n"
"  date TEXT NOT NULL, original_message_id TEXT NOT NULL,\n"
"  original_headers TEXT NOT NULL, -- JSON object\n"
"  envelope_id TEXT NOT NULL, feedback_type TEXT NOT NULL,\n"
"  decoder TEXT NOT NULL, rule TEXT NOT NULL,\n"
"  warnings TEXT NOT NULL         -- JSON list\n"
") STRICT;\n"
"CREATE INDEX events_message ON events(message);\n"
"CREATE INDEX events_address ON events(address);\n"
"CREATE INDEX events_time ON events(time);\n"
"CREATE TABLE suppressions (\n"
"  address TEXT PRIMARY KEY,\n"
"  class TEXT NOT NULL, reason TEXT NOT NULL,\n"
"  first_seen INTEGER NOT NULL,   -- 'since': the causing event's time\n"
"  last_seen INTEGER NOT NULL,\n"
"  event INTEGER REFERENCES events(id), -- the cause; NULL when manual\n"
"  origin TEXT NOT NULL CHECK (origin IN ('policy', 'manual')),\n"
"  note TEXT NOT NULL,\n"
"  expires INTEGER                -- NULL: never\n"
") STRICT;\n"
"CREATE TABLE retry (             -- the soft-bounce ledger\n"
"  address TEXT PRIMARY KEY,\n"
"  state TEXT NOT NULL CHECK (state IN ('retrying', 'expired')),\n"
"  soft_count INTEGER NOT NULL,   -- consecutive soft bounces\n"
"  first_soft INTEGER NOT NULL, last_soft INTEGER NOT NULL,\n"
"  next_retry INTEGER,            -- NULL once expired\n"
"  give_up INTEGER NOT NULL,\n"
"  resets INTEGER NOT NULL,       -- the count resets if quiet till then\n"
"  recent TEXT NOT NULL,          -- latest soft bounce times\n"
"  reason TEXT NOT NULL,          -- of the last soft bounce\n"
"  event INTEGER REFERENCES events(id)\n"
") STRICT;\n"
"CREATE TABLE undecoded (\n"
"  id INTEGER PRIMARY KEY,\n"
"  message INTEGER NOT NULL REFERENCES messages(id),\n"
"  event INTEGER REFERENCES events(id), -- NULL: no record at all\n"
"  why TEXT NOT NULL\n"
") STRICT;\n"
"CREATE INDEX undecoded_message ON undecoded(message);\n"
"CREATE TABLE audit (             -- manual changes\n"
"  seq INTEGER PRIMARY KEY,       -- position in the history\n"
"  time INTEGER NOT NULL,\n"
"  action TEXT NOT NULL CHECK (action IN ('add', 'remove', 'clear')),\n"
"  address TEXT NOT NULL, class TEXT NOT NULL, reason TEXT NOT NULL,\n"
"  note TEXT NOT NULL,\n"
"  was TEXT NOT NULL              -- what remove/clear took away (JSON)\n"
") STRICT;\n"
"PRAGMA application_id = 1380077124;\n"
"PRAGMA user_version = 1;\n";

/*
 * Version 2: the IMAP agent's checkpoints and the mailbox actions it owes.
 * A batch's messages, its checkpoint and its pending rows are committed
 * together; the rows go once the server has done the action.
 */
static const char schema_v2[] =
"CREATE TABLE mailboxes (         -- IMAP checkpoints\n"
"  account TEXT NOT NULL, mailbox TEXT NOT NULL,\n"
"  uidvalidity INTEGER NOT NULL,\n"
"  last_uid INTEGER NOT NULL,     -- every UID up to it is in the ledger\n"
"  updated INTEGER NOT NULL,      -- the clock at the commit\n"
"  PRIMARY KEY (account, mailbox)\n"
") STRICT;\n"
"CREATE TABLE pending (           -- mailbox actions owed after a commit\n"
"  account TEXT NOT NULL, mailbox TEXT NOT NULL,\n"
"  uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL,\n"
"  action TEXT NOT NULL,          -- 'move:FOLDER', 'seen' or 'delete'\n"
"  PRIMARY KEY (account, mailbox, uidvalidity, uid)\n"
") STRICT;\n"
"PRAGMA user_version = 2;\n";

/*
 * Version 3: send volumes, the denominators of the health rates.  A row
 * is a number of messages sent at a time, optionally to one campaign and
 * one recipient domain.  key makes a row count once however often it is
 * recorded (an imported file read again); NULL keys never collide.
 */
static const char schema_v3[] =
"CREATE TABLE sends (\n"
"  id INTEGER PRIMARY KEY,\n"
"  time INTEGER NOT NULL,         -- when they were sent\n"
"  count INTEGER NOT NULL CHECK (count >= 0),\n"
"  campaign TEXT NOT NULL,        -- '' when not given\n"
"  domain TEXT NOT NULL,          -- recipient domain; '' for all\n"
"  key TEXT UNIQUE,               -- NULL: always a new row\n"
"  origin TEXT NOT NULL,          -- 'record' or 'import FILE:LINE'\n"
"  added INTEGER NOT NULL\n"
") STRICT;\n"
"CREATE INDEX sends_time ON sends(time);\n"
"PRAGMA user_version = 3;\n";

/* migrations[v] takes a database from version v to v + 1; it ends by
   setting user_version.  Version 0 is an empty file. */
static const char *const migrations[RB_LEDGER_VERSION] = {
	schema_v1,
	schema_v2,
	schema_v3,
};

#define EVENT_COLS \
	"source, message_id, recipient, original_recipient, action, " \
	"status, reply_code, diagnostic, reason, class, remote_mta, " \
	"reporting_mta, date, original_message_id, original_headers, " \
	"envelope_id, feedback_type, decoder, rule, warnings"
#define SUPP_SHOW \
	"s.class, s.reason, s.first_seen, s.last_seen, s.origin, s.note, " \
	"s.expires, ifnull(e.status, ''), ifnull(e.reply_code, ''), " \
	"ifnull(e.diagnostic, ''), ifnull(e.rule, ''), " \
	"ifnull(e.message_id, ''), ifnull(e.source, '') " \
	"FROM suppressions s LEFT JOIN events e ON e.id = s.event "
#define RETRY_COLS \
	"state, soft_count, first_soft, last_soft, next_retry, give_up, " \
	"resets, recent, reason, event"
#define STATS(key) \
	"SELECT " key ", count(*) FROM events " \
	"WHERE time >= ?1 AND (?2 = '' OR class = ?2) GROUP BY 1 " \
	"ORDER BY 2 DESC, 1"

static const char *const sql[RB_Q_COUNT] = {
	[RB_Q_SEQ_NEXT] =
	"SELECT max(ifnull((SELECT max(id) FROM messages), 0), "
	"ifnull((SELECT max(seq) FROM audit), 0)) + 1",
	[RB_Q_MSG_BY_HASH] = "SELECT id FROM messages WHERE hash = ?1",
	[RB_Q_MSG_BY_MID] =
	"SELECT id FROM messages WHERE message_id = ?1 AND message_id <> ''",
	[RB_Q_MSG_ADD] =
	"INSERT INTO messages (id, hash, message_id, source, verp, date, "
	"ingested, decoder, records) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[RB_Q_MSG_SET] =
	"UPDATE messages SET decoder = ?2, records = ?3 WHERE id = ?1",
	[RB_Q_RAW_ADD] =
	"INSERT INTO raw (message, size, data) VALUES (?1, ?2, ?3)",
	[RB_Q_RAW_GET] =
	"SELECT r.size, r.data, m.source, m.verp FROM raw r "
	"JOIN messages m ON m.id = r.message WHERE r.message = ?1",
	[RB_Q_RAW_PRUNE] =
	"DELETE FROM raw WHERE message IN "
	"(SELECT id FROM messages WHERE ingested < ?1) "
	"AND message NOT IN (SELECT message FROM undecoded)",
	[RB_Q_EVENT_ADD] =
	"INSERT INTO events (message, address, domain, time, effect, "
	EVENT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
	"?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, "
	"?24, ?25)",
	[RB_Q_EVENT_EFFECT] = "UPDATE events SET effect = ?2 WHERE id = ?1",
	[RB_Q_EVENTS_OF] =
	"SELECT id, address, class, reason, time FROM events "
	"WHERE message = ?1 ORDER BY id",
	[RB_Q_EVENTS_DEL] = "DELETE FROM events WHERE message = ?1",
	[RB_Q_SUPP_GET] =
	"SELECT class, reason, first_seen, expires, origin, event "
	"FROM suppressions WHERE address = ?1",
	[RB_Q_SUPP_PUT] =
	"INSERT OR REPLACE INTO suppressions (address, class, reason, "
	"first_seen, last_seen, event, origin, note, expires) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[RB_Q_SUPP_SEEN] =
	"UPDATE suppressions SET last_seen = max(last_seen, ?2) "
	"WHERE address = ?1",
	[RB_Q_SUPP_DEL] = "DELETE FROM suppressions WHERE address = ?1",
	[RB_Q_SUPP_DEL_ALL] = "DELETE FROM suppressions",
	[RB_Q_SUPP_SHOW] = "SELECT " SUPP_SHOW "WHERE s.address = ?1",
	[RB_Q_SUPP_RAW] =
	"SELECT r.size, r.data, m.source FROM suppressions s "
	"JOIN events e ON e.id = s.event JOIN raw r ON r.message = e.message "
	"JOIN messages m ON m.id = e.message WHERE s.address = ?1",
	[RB_Q_SUPP_LIST] =
	"SELECT s.address, " SUPP_SHOW
	"WHERE s.expires IS NULL OR s.expires > ?1 ORDER BY s.address",
	[RB_Q_RETRY_GET] =
	"SELECT " RETRY_COLS " FROM retry WHERE address = ?1",
	[RB_Q_RETRY_PUT] =
	"INSERT OR REPLACE INTO retry (address, " RETRY_COLS ") "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[RB_Q_RETRY_DEL] = "DELETE FROM retry WHERE address = ?1",
	[RB_Q_RETRY_DEL_ALL] = "DELETE FROM retry",
	[RB_Q_RETRY_LIST] =
	"SELECT address, " RETRY_COLS " FROM retry ORDER BY address",
	[RB_Q_UNDEC_ADD] =
	"INSERT INTO undecoded (message, event, why) VALUES (?1, ?2, ?3)",
	[RB_Q_UNDEC_DEL] = "DELETE FROM undecoded WHERE message = ?1",
	[RB_Q_UNDEC_DEL_EV] =
	"DELETE FROM undecoded WHERE message = ?1 AND event IS NOT NULL",
	[RB_Q_UNDEC_LIST] =
	"SELECT u.id, ifnull(e.time, m.date), m.source, u.why, m.message_id, "
	"ifnull(e.recipient, ''), ifnull(e.status, ''), "
	"ifnull(e.diagnostic, ''), r.message IS NOT NULL "
	"FROM undecoded u JOIN messages m ON m.id = u.message "
	"LEFT JOIN events e ON e.id = u.event "
	"LEFT JOIN raw r ON r.message = u.message ORDER BY u.id",
	[RB_Q_UNDEC_RAW] =
	"SELECT r.size, r.data, m.source FROM undecoded u "
	"JOIN messages m ON m.id = u.message "
	"JOIN raw r ON r.message = u.message WHERE u.id = ?1",
	[RB_Q_AUDIT_ADD] =
	"INSERT INTO audit (seq, time, action, address, class, reason, note, "
	"was) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[RB_Q_AUDIT_GET] =
	"SELECT time, action, address, class, reason, note FROM audit "
	"WHERE seq = ?1",
	[RB_Q_AUDIT_LIST] =
	"SELECT seq, time, action, address, class, reason, note, was "
	"FROM audit ORDER BY seq",
	[RB_Q_HISTORY] =
	"SELECT 0, m.id, r.message IS NOT NULL, "
	"r.message IS NOT NULL AND ifnull(m.date, m.ingested) >= ?1 "
	"FROM messages m LEFT JOIN raw r ON r.message = m.id "
	"UNION ALL SELECT 1, seq, 0, 0 FROM audit ORDER BY 2",
	[RB_Q_STATS_CLASS] = STATS("class"),
	[RB_Q_STATS_REASON] = STATS("reason"),
	[RB_Q_STATS_DOMAIN] = STATS("domain"),
	[RB_Q_STATS_DAY] = STATS("strftime('%Y-%m-%d', time, 'unixepoch')"),
	[RB_Q_SNAP_SUPP] =
	"CREATE TEMP TABLE before_supp AS SELECT * FROM main.suppressions",
	[RB_Q_SNAP_RETRY] =
	"CREATE TEMP TABLE before_retry AS SELECT * FROM main.retry",
	[RB_Q_DIFF_SUPP] =
	"SELECT coalesce(b.address, a.address), b.class, b.reason, a.class, "
	"a.reason, a.first_seen, a.origin "
	"FROM temp.before_supp b FULL JOIN main.suppressions a "
	"ON a.address = b.address "
	"WHERE a.address IS NULL OR b.address IS NULL "
	"OR a.class IS NOT b.class OR a.reason IS NOT b.reason ORDER BY 1",
	[RB_Q_MSG_UNDECODED] =
	"SELECT count(*) > 0 FROM undecoded WHERE message = ?1",
	[RB_Q_MBOX_GET] =
	"SELECT uidvalidity, last_uid FROM mailboxes "
	"WHERE account = ?1 AND mailbox = ?2",
	[RB_Q_MBOX_PUT] =
	"INSERT OR REPLACE INTO mailboxes (account, mailbox, uidvalidity, "
	"last_uid, updated) VALUES (?1, ?2, ?3, ?4, ?5)",
	[RB_Q_PEND_ADD] =
	"INSERT OR REPLACE INTO pending (account, mailbox, uidvalidity, uid, "
	"action) VALUES (?1, ?2, ?3, ?4, ?5)",
	[RB_Q_PEND_LIST] =
	"SELECT uid, action FROM pending WHERE account = ?1 AND mailbox = ?2 "
	"AND uidvalidity = ?3 ORDER BY action, uid",
	[RB_Q_PEND_DONE] =
	"DELETE FROM pending WHERE account = ?1 AND mailbox = ?2 "
	"AND uidvalidity = ?3 AND action = ?4 AND uid BETWEEN ?5 AND ?6",
	[RB_Q_PEND_STALE] =
	"DELETE FROM pending WHERE account = ?1 AND mailbox = ?2 "
	"AND uidvalidity <> ?3",
	[RB_Q_SENT_ADD] =
	"INSERT OR IGNORE INTO sends (time, count, campaign, domain, key, "
	"origin, added) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[RB_Q_SENT_TOTAL] =
	"SELECT ifnull(sum(count), 0), count(*), ifnull(min(time), -1), "
	"ifnull(max(time), -1) FROM sends",
	[RB_Q_HEALTH_EVENTS] =
	"SELECT (?2 - 1 - time) / 86400, "
	"strftime('%Y-%m-%d', time, 'unixepoch'), time >= ?4, domain, "
	"coalesce(nullif(CASE WHEN ?3 <> '' THEN json_extract("
	"original_headers, '$.\"' || ?3 || '\"') END, ''), envelope_id), "
	"class, class = 'soft' AND effect IN ('suppressed', 'seen', 'expired'), "
	"reason, count(*) FROM events "
	"WHERE time >= ?1 AND time < ?2 "
	"AND class IN ('hard', 'soft', 'block', 'complaint') "
	"GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
	[RB_Q_HEALTH_SENT] =
	"SELECT (?2 - 1 - time) / 86400, "
	"strftime('%Y-%m-%d', time, 'unixepoch'), time >= ?3, domain, "
	"campaign, sum(count) FROM sends WHERE time >= ?1 AND time < ?2 "
	"GROUP BY 1, 2, 3, 4, 5",
	[RB_Q_SUPP_NEWEST] =
	"SELECT address, class, reason, first_seen, origin FROM suppressions "
	"ORDER BY first_seen DESC, address LIMIT ?1",
	[RB_Q_MET_EVENTS] =
	"SELECT class, reason, domain, count(*) FROM events GROUP BY 1, 2, 3",
	[RB_Q_MET_SUPP] =
	"SELECT class, origin, count(*) FROM suppressions GROUP BY 1, 2",
	[RB_Q_MET_RETRY] =
	"SELECT state, count(*) FROM retry GROUP BY 1",
	[RB_Q_MET_MESSAGES] =
	"SELECT count(*), ifnull(max(ingested), -1), "
	"(SELECT count(DISTINCT message) FROM undecoded) FROM messages",
	[RB_Q_DIFF_RETRY] =
	"SELECT coalesce(b.address, a.address), b.state, b.soft_count, "
	"b.next_retry, a.state, a.soft_count, a.next_retry "
	"FROM temp.before_retry b FULL JOIN main.retry a "
	"ON a.address = b.address "
	"WHERE a.address IS NULL OR b.address IS NULL "
	"OR a.state IS NOT b.state OR a.soft_count IS NOT b.soft_count "
	"OR a.next_retry IS NOT b.next_retry ORDER BY 1",
};

static enum rb_lfault
fault_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return RB_LF_BUSY;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return RB_LF_READONLY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return RB_LF_CORRUPT;
	case SQLITE_CANTOPEN:
		return RB_LF_MISSING;
	case SQLITE_IOERR:
	case SQLITE_FULL:
		return RB_LF_IO;
	default:
		return RB_LF_OTHER;
	}
}

/* Records the failure of an SQLite call that returned rc. */
static int
fail(struct rb_ledger *l, int rc, const char *what, struct rb_err *err)
{
	enum rb_lfault f = fault_of(rc);

	l->fault = f;
	return rb_fail(err, f == RB_LF_BUSY || f == RB_LF_IO ? RB_ETEMP :
		       RB_EFATAL, l->path, "%s: %s", what,
		       l->db ? sqlite3_errmsg(l->db) : sqlite3_errstr(rc));
}

enum rb_lfault
rb_ledger_fault(const struct rb_ledger *l)
{
	return l->fault;
}

static sqlite3_stmt *
stmt(struct rb_ledger *l, enum rb_lq q, struct rb_err *err)
{
	int rc;

	if ((unsigned)q >= RB_Q_COUNT || sql[q] == NULL)
		rb_panic("no statement %d", (int)q);
	if (l->st[q] != NULL)
		return l->st[q];
	rc = sqlite3_prepare_v3(l->db, sql[q], -1, SQLITE_PREPARE_PERSISTENT,
				&l->st[q], NULL);
	if (rc != SQLITE_OK) {
		fail(l, rc, "preparing a statement", err);
		return NULL;
	}
	return l->st[q];
}

static int
bind(sqlite3_stmt *st, const struct rb_val *args, size_t nargs)
{
	size_t i;
	int rc = SQLITE_OK;

	for (i = 0; i < nargs && rc == SQLITE_OK; i++) {
		const struct rb_val *v = &args[i];
		int k = (int)i + 1;

		switch (v->type) {
		case RB_V_NULL:
			rc = sqlite3_bind_null(st, k);
			break;
		case RB_V_INT:
			rc = sqlite3_bind_int64(st, k, v->i);
			break;
		case RB_V_TEXT:
			rc = sqlite3_bind_text(st, k, v->p ? v->p : "",
					       v->len == (size_t)-1 ? -1 :
					       (int)v->len, SQLITE_STATIC);
			break;
		case RB_V_BLOB:
			rc = sqlite3_bind_blob64(st, k, v->p ? v->p : "",
						 v->len, SQLITE_STATIC);
			break;
		}
	}
	return rc;
}

static size_t
columns(sqlite3_stmt *st, struct rb_val *col)
{
	int i, n = sqlite3_column_count(st);

	if (n > MAXCOL)
		rb_panic("statement with %d columns", n);
	for (i = 0; i < n; i++) {
		struct rb_val *v = &col[i];

		memset(v, 0, sizeof(*v));
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
		case SQLITE_FLOAT:
			v->type = RB_V_INT;
			v->i = sqlite3_column_int64(st, i);
			break;
		case SQLITE_TEXT:
			v->type = RB_V_TEXT;
			v->p = (const char *)sqlite3_column_text(st, i);
			v->len = (size_t)sqlite3_column_bytes(st, i);
			break;
		case SQLITE_BLOB:
			v->type = RB_V_BLOB;
			v->p = sqlite3_column_blob(st, i);
			v->len = (size_t)sqlite3_column_bytes(st, i);
			break;
		default:
			v->type = RB_V_NULL;
			v->i = -1;
			break;
		}
	}
	return (size_t)n;
}

int64_t
rb_ledger_run(struct rb_ledger *l, enum rb_lq q, const struct rb_val *args,
	      size_t nargs, rb_ledger_row_fn fn, void *ctx,
	      struct rb_err *err)
{
	sqlite3_stmt *st = stmt(l, q, err);
	struct rb_val col[MAXCOL];
	int64_t rows = 0;
	int rc;

	if (st == NULL)
		return -1;
	if ((rc = bind(st, args, nargs)) != SQLITE_OK) {
		sqlite3_clear_bindings(st);
		return fail(l, rc, "binding a value", err);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r = 0;

		rows++;
		if (fn != NULL)
			r = fn(ctx, col, columns(st, col));
		if (r != 0) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return r < 0 ? -1 : rows;
		}
	}
	if (rc != SQLITE_DONE) {
		fail(l, rc, "running a statement", err);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rows;
}

static int
first_int(void *ctx, const struct rb_val *col, size_t n)
{
	*(int64_t *)ctx = n > 0 ? col[0].i : -1;
	return 1;
}

int
rb_ledger_int(struct rb_ledger *l, enum rb_lq q, const struct rb_val *args,
	      size_t nargs, int64_t *out, struct rb_err *err)
{
	int64_t rows = rb_ledger_run(l, q, args, nargs, first_int, out, err);

	return rows < 0 ? -1 : rows > 0;
}

int64_t
rb_ledger_last_id(const struct rb_ledger *l)
{
	return sqlite3_last_insert_rowid(l->db);
}

int64_t
rb_ledger_changes(const struct rb_ledger *l)
{
	return sqlite3_changes64(l->db);
}

const char *
rb_val_str(const struct rb_val *v)
{
	return v->type == RB_V_TEXT && v->p ? v->p : "";
}

int64_t
rb_val_int(const struct rb_val *v)
{
	return v->type == RB_V_NULL ? -1 : v->i;
}

static int
exec(struct rb_ledger *l, const char *text, const char *what,
     struct rb_err *err)
{
	int rc = sqlite3_exec(l->db, text, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : fail(l, rc, what, err);
}

int
rb_ledger_begin(struct rb_ledger *l, struct rb_err *err)
{
	static const char begin[] = "BEGIN IMMEDIATE";

	return exec(l, begin, "starting a transaction", err);
}

int
rb_ledger_commit(struct rb_ledger *l, struct rb_err *err)
{
	static const char commit[] = "COMMIT";

	if (exec(l, commit, "committing", err) == 0)
		return 0;
	rb_ledger_rollback(l);
	return -1;
}

void
rb_ledger_rollback(struct rb_ledger *l)
{
	static const char rollback[] = "ROLLBACK";

	if (!sqlite3_get_autocommit(l->db))
		(void)sqlite3_exec(l->db, rollback, NULL, NULL, NULL);
}

/* A one-integer PRAGMA or query that needs no statement cache. */
static int
query_int(struct rb_ledger *l, const char *text, int64_t *out,
	  struct rb_err *err)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(l->db, text, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return fail(l, rc, "reading the database", err);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(l, rc, "reading the database", err);
	return 0;
}

/* Reads the version and refuses files that are not ours. */
static int
identify(struct rb_ledger *l, int64_t *version, struct rb_err *err)
{
	static const char q_app[] = "PRAGMA application_id";
	static const char q_ver[] = "PRAGMA user_version";
	static const char q_tables[] = "SELECT count(*) FROM sqlite_schema";
	int64_t app, tables;

	if (query_int(l, q_app, &app, err) != 0 ||
	    query_int(l, q_ver, version, err) != 0 ||
	    query_int(l, q_tables, &tables, err) != 0)
		return -1;
	if (*version > RB_LEDGER_VERSION && app == APP_ID) {
		l->fault = RB_LF_NEWER;
		return rb_fail(err, RB_EFATAL, l->path,
			       "schema version %lld was made by a newer "
			       "rebound (this one knows %d); nothing was "
			       "changed", (long long)*version,
			       RB_LEDGER_VERSION);
	}
	if ((app != APP_ID && (app != 0 || *version != 0 || tables != 0))) {
		l->fault = RB_LF_FOREIGN;
		return rb_fail(err, RB_EFATAL, l->path,
			       "an SQLite database that rebound did not make; "
			       "nothing was changed");
	}
	return 0;
}

static int
migrate(struct rb_ledger *l, int64_t version, struct rb_err *err)
{
	static const char q_ver[] = "PRAGMA user_version";
	int64_t v;

	while (version < RB_LEDGER_VERSION) {
		if (rb_ledger_begin(l, err) != 0)
			return -1;
		/* Another process may have migrated meanwhile. */
		if (query_int(l, q_ver, &v, err) != 0)
			goto fail;
		if (v == version &&
		    exec(l, migrations[version], "migrating the schema",
			 err) != 0)
			goto fail;
		if (rb_ledger_commit(l, err) != 0)
			return -1;
		if (query_int(l, q_ver, &version, err) != 0)
			return -1;
	}
	return 0;
fail:
	rb_ledger_rollback(l);
	return -1;
}

/* WAL, foreign keys, and a full sync at commit unless relaxed: the IMAP
   agent moves mail only after a commit, which must then survive a power
   cut. */
static int
setup(struct rb_ledger *l, int writable, int relaxed, struct rb_err *err)
{
	static const char wal[] = "PRAGMA journal_mode = WAL";
	static const char pragmas[] =
		"PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL";
	static const char pragmas_relaxed[] =
		"PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL";
	sqlite3_stmt *st;
	int rc, is_wal = 0;

	if (writable) {
		rc = sqlite3_prepare_v2(l->db, wal, -1, &st, NULL);
		if (rc != SQLITE_OK)
			return fail(l, rc, "setting WAL mode", err);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			is_wal = sqlite3_stricmp((const char *)
				sqlite3_column_text(st, 0), "wal") == 0;
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW)
			return fail(l, rc, "setting WAL mode", err);
		if (!is_wal)
			return rb_fail(err, RB_EFATAL, l->path,
				       "cannot use WAL mode here");
	}
	return exec(l, relaxed ? pragmas_relaxed : pragmas, "setting up", err);
}

/* Bounces name people, so the database is the owner's alone.  One made by
   an older build or copied with a wide mode is narrowed when the caller
   owns it and writes to it (SQLite gives a new -wal or -shm the database's
   mode, so the database goes first); otherwise it is only named. */
static void
tighten(const char *file, const char *what, int write)
{
	struct stat st;
	unsigned mode;

	if (stat(file, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)) == 0)
		return;
	mode = (unsigned)st.st_mode & 07777;
	if (write && st.st_uid == geteuid() &&
	    chmod(file, st.st_mode & S_IRWXU) == 0) {
		rb_log(RB_LOG_WARN, "%s: %s could be read by others (mode "
		       "%04o): made %04o", file, what, mode,
		       mode & (unsigned)S_IRWXU);
		return;
	}
	rb_log(RB_LOG_WARN, "%s: %s can be read by others (mode %04o; "
	       "chmod 600 it)", file, what, mode);
}

static void
tighten_all(const struct rb_ledger *l, int write)
{
	static const char *const ext[] = {"", "-wal", "-shm"};
	static const char *const what[] = {"the database",
					   "the database's -wal file",
					   "the database's -shm file"};
	char *f;
	size_t i;

	for (i = 0; i < 3; i++) {
		f = rb_xasprintf("%s%s", l->path, ext[i]);
		tighten(f, what[i], write);
		free(f);
	}
}

static struct rb_ledger *
open_fail(struct rb_ledger *l, enum rb_lfault *fault)
{
	*fault = l->fault;
	rb_ledger_free(&l);
	return NULL;
}

struct rb_ledger *
rb_ledger_open(const char *path, unsigned flags, int wait_ms,
	       enum rb_lfault *fault, struct rb_err *err)
{
	struct rb_ledger *l = rb_xcalloc(1, sizeof(*l));
	int of = SQLITE_OPEN_READWRITE | SQLITE_OPEN_EXRESCODE, rc;
	int64_t version;

	l->path = rb_xstrdup(path);
	if (flags & RB_LEDGER_CREATE) {
		/* Bounces name people: the file is the owner's alone (SQLite
		   gives the -wal and -shm files the same mode). */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			      0600);

		if (fd >= 0)
			close(fd);
		of |= SQLITE_OPEN_CREATE;
	}
	rc = sqlite3_open_v2(path, &l->db, of, NULL);
	if (rc != SQLITE_OK) {
		l->fault = fault_of(rc);
		rb_fail(err, RB_EFATAL, path, "%s",
			(flags & RB_LEDGER_CREATE) ? sqlite3_errstr(rc) :
			"no database here (`rebound ingest` makes one)");
		return open_fail(l, fault);
	}
	sqlite3_busy_timeout(l->db, wait_ms);
	if (identify(l, &version, err) != 0) {
		if (l->fault == RB_LF_READONLY)
			rb_fail(err, RB_EFATAL, path, "the database is "
				"read-only (it, its directory or its -wal and "
				"-shm files cannot be written); nothing was "
				"changed");
		return open_fail(l, fault);
	}
	if (sqlite3_db_readonly(l->db, "main") == 1 &&
	    ((flags & RB_LEDGER_WRITE) || version < RB_LEDGER_VERSION)) {
		l->fault = RB_LF_READONLY;
		rb_fail(err, RB_EFATAL, path,
			"the database is read-only; nothing was changed");
		return open_fail(l, fault);
	}
	if (setup(l, sqlite3_db_readonly(l->db, "main") == 0,
		  (flags & RB_LEDGER_RELAXED) != 0, err) != 0 ||
	    migrate(l, version, err) != 0)
		return open_fail(l, fault);
	tighten_all(l, (flags & RB_LEDGER_WRITE) != 0);
	*fault = RB_LF_NONE;
	return l;
}

void
rb_ledger_free(struct rb_ledger **lp)
{
	struct rb_ledger *l = *lp;
	int i;

	if (l == NULL)
		return;
	for (i = 0; i < RB_Q_COUNT; i++)
		sqlite3_finalize(l->st[i]);
	if (l->db != NULL)
		sqlite3_close_v2(l->db);
	free(l->path);
	free(l);
	*lp = NULL;
}
