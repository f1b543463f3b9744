/*
 * ledger - the SQLite database: the only file that talks to SQLite
 *
 * One file in WAL mode.  The schema is versioned with PRAGMA user_version
 * and migrated forward on open (each step in one transaction); a file that
 * is not a rebound database, or was made by a newer rebound, is refused
 * and left alone.  The tables are described in README.md ("The ledger").
 *
 * Callers never see SQL: every statement is a static const string in
 * ledger.c, named by enum rb_lq, prepared once and run with bound values
 * only.  Rows come back through a callback whose values borrow from SQLite
 * until it returns.
 *
 * Errors: every function that can fail fills *err and returns -1; the kind
 * of failure (which decides the exit status) is rb_ledger_fault().  A busy
 * or locked database is retried for the wait given to rb_ledger_open(),
 * then is RB_ETEMP; a corrupt, foreign, newer or read-only database is
 * RB_EFATAL.  Nothing half-written survives a failure: writes happen inside
 * rb_ledger_begin()/rb_ledger_commit().
 */
#ifndef REBOUND_AGENT_LEDGER_H
#define REBOUND_AGENT_LEDGER_H

#include <stddef.h>
#include <stdint.h>

struct rb_err;
struct rb_ledger;

enum rb_lfault {
	RB_LF_NONE,
	RB_LF_MISSING,		/* no such database (or it cannot be made) */
	RB_LF_CORRUPT,		/* not a database, or damaged */
	RB_LF_FOREIGN,		/* an SQLite file that rebound did not make */
	RB_LF_NEWER,		/* made by a newer rebound */
	RB_LF_READONLY,		/* cannot be written */
	RB_LF_BUSY,		/* locked by another process past the wait */
	RB_LF_IO,		/* disk full, I/O error */
	RB_LF_OTHER,
};

#define RB_LEDGER_CREATE 1u	/* make the file when it does not exist */
#define RB_LEDGER_WRITE 2u	/* the caller writes: refuse read-only */
/* The caller can read its input again (files): commits are not flushed
   one by one (synchronous=NORMAL; a power cut may lose the last commits,
   never part of one, and a killed process loses nothing).  Without it
   every commit is on disk before it returns (FULL), which the IMAP agent
   needs before it moves mail away. */
#define RB_LEDGER_RELAXED 4u

/* The schema version this build reads and writes. */
#define RB_LEDGER_VERSION 3

/* Opens (and creates, migrates, switches to WAL) path.  wait_ms is how
   long to wait for another process's lock.  NULL with *fault and *err
   set on failure.  A database, -wal or -shm file that group or others
   can reach gets a warning, and is narrowed to its owner's bits when
   flags has RB_LEDGER_WRITE and the caller owns it. */
struct rb_ledger *rb_ledger_open(const char *path, unsigned flags,
				 int wait_ms, enum rb_lfault *fault,
				 struct rb_err *err);
/* Closes; NULL-safe, sets *l to NULL. */
void rb_ledger_free(struct rb_ledger **l);
/* What the last failure was. */
enum rb_lfault rb_ledger_fault(const struct rb_ledger *l);

/* BEGIN IMMEDIATE (the write lock is taken at once, so a locked database
   fails here rather than half-way), COMMIT, ROLLBACK (never fails). */
int rb_ledger_begin(struct rb_ledger *l, struct rb_err *err);
int rb_ledger_commit(struct rb_ledger *l, struct rb_err *err);
void rb_ledger_rollback(struct rb_ledger *l);

/* The statements.  The comment gives the bound values (?1, ?2, ...) and
   the columns of the rows. */
enum rb_lq {
	RB_Q_SEQ_NEXT,		/* → next history position */
	RB_Q_MSG_BY_HASH,	/* hash → id */
	RB_Q_MSG_BY_MID,	/* message_id → id */
	RB_Q_MSG_ADD,		/* id hash message_id source verp date
				   ingested decoder records */
	RB_Q_MSG_SET,		/* id decoder records */
	RB_Q_RAW_ADD,		/* message size data */
	RB_Q_RAW_GET,		/* message → size data source verp */
	RB_Q_RAW_PRUNE,		/* before: raw of messages ingested before,
				   except undecoded ones */
	RB_Q_EVENT_ADD,		/* message address domain time effect +
				   the 20 record fields (see ledger.c) */
	RB_Q_EVENT_EFFECT,	/* id effect */
	RB_Q_EVENTS_OF,		/* message → id address class reason time */
	RB_Q_EVENTS_DEL,	/* message */
	RB_Q_SUPP_GET,		/* address → class reason first_seen expires
				   origin event */
	RB_Q_SUPP_PUT,		/* address class reason first_seen last_seen
				   event origin note expires */
	RB_Q_SUPP_SEEN,		/* address time */
	RB_Q_SUPP_DEL,		/* address */
	RB_Q_SUPP_DEL_ALL,
	RB_Q_SUPP_SHOW,		/* address → class reason first_seen
				   last_seen origin note expires status
				   reply_code diagnostic rule message_id
				   source */
	RB_Q_SUPP_RAW,		/* address → size data source: the raw
				   bounce that caused the suppression */
	RB_Q_SUPP_LIST,		/* now → address + the columns of SHOW */
	RB_Q_RETRY_GET,		/* address → state count first last next
				   give_up resets recent reason event */
	RB_Q_RETRY_PUT,		/* address state count first last next
				   give_up resets recent reason event */
	RB_Q_RETRY_DEL,		/* address */
	RB_Q_RETRY_DEL_ALL,
	RB_Q_RETRY_LIST,	/* → address + the columns of GET */
	RB_Q_UNDEC_ADD,		/* message event why */
	RB_Q_UNDEC_DEL,		/* message */
	RB_Q_UNDEC_DEL_EV,	/* message: only the rows of its events */
	RB_Q_UNDEC_LIST,	/* → id time source why message_id
				   recipient status diagnostic has_raw */
	RB_Q_UNDEC_RAW,		/* id → size data source */
	RB_Q_AUDIT_ADD,		/* seq time action address class reason
				   note was */
	RB_Q_AUDIT_GET,		/* seq → time action address class reason
				   note */
	RB_Q_AUDIT_LIST,	/* → seq time action address class reason
				   note was */
	RB_Q_HISTORY,		/* since → kind(0 message, 1 audit) id
				   has_raw reparse — in history order; a
				   message is re-parsed when its raw bounce is
				   kept and it is dated on or after since */
	RB_Q_STATS_CLASS,	/* since class → key count */
	RB_Q_STATS_REASON,	/* since class → key count */
	RB_Q_STATS_DOMAIN,	/* since class → key count */
	RB_Q_STATS_DAY,		/* since class → key count */
	RB_Q_SNAP_SUPP,		/* copies suppressions to temp.before_supp */
	RB_Q_SNAP_RETRY,	/* copies retry to temp.before_retry */
	RB_Q_DIFF_SUPP,		/* → address old_class old_reason new_class
				   new_reason new_first_seen new_origin */
	RB_Q_DIFF_RETRY,	/* → address old_state old_count old_next
				   new_state new_count new_next */
	RB_Q_MSG_UNDECODED,	/* id → 1 when it has undecoded rows */
	RB_Q_MBOX_GET,		/* account mailbox → uidvalidity last_uid */
	RB_Q_MBOX_PUT,		/* account mailbox uidvalidity last_uid
				   updated */
	RB_Q_PEND_ADD,		/* account mailbox uidvalidity uid action */
	RB_Q_PEND_LIST,		/* account mailbox uidvalidity → uid action,
				   by action then uid */
	RB_Q_PEND_DONE,		/* account mailbox uidvalidity action
				   first_uid last_uid */
	RB_Q_PEND_STALE,	/* account mailbox uidvalidity: drops the rows
				   of other UIDVALIDITYs */
	RB_Q_SENT_ADD,		/* time count campaign domain key origin
				   added; 0 changes when key is known */
	RB_Q_SENT_TOTAL,	/* → count rows first_time last_time */
	RB_Q_HEALTH_EVENTS,	/* from now campaign_header since →
				   days_ago day in_window(time >= since)
				   domain campaign class chronic reason
				   count: hard, soft, block and complaint
				   events in [from, now) */
	RB_Q_HEALTH_SENT,	/* from now since → days_ago day in_window
				   domain campaign count */
	RB_Q_SUPP_NEWEST,	/* limit → address class reason first_seen
				   origin */
	RB_Q_MET_EVENTS,	/* → class reason domain count */
	RB_Q_MET_SUPP,		/* → class origin count */
	RB_Q_MET_RETRY,		/* → state count */
	RB_Q_MET_MESSAGES,	/* → messages last_ingested undecoded */
	RB_Q_COUNT
};

enum rb_vtype { RB_V_NULL, RB_V_INT, RB_V_TEXT, RB_V_BLOB };

/* A bound value or a column.  Text is NUL-terminated; len is its length
   (or the blob's). */
struct rb_val {
	enum rb_vtype type;
	int64_t i;
	const char *p;
	size_t len;
};

#define RB_VNULL ((struct rb_val){RB_V_NULL, 0, NULL, 0})
#define RB_VINT(x) ((struct rb_val){RB_V_INT, (int64_t)(x), NULL, 0})
#define RB_VTEXT(s) ((struct rb_val){RB_V_TEXT, 0, (s), (size_t)-1})
#define RB_VBLOB(b, n) ((struct rb_val){RB_V_BLOB, 0, (const char *)(b), \
					(n)})
/* An int that is NULL when negative (unknown times). */
#define RB_VTIME(x) ((x) < 0 ? RB_VNULL : RB_VINT(x))
/* args, nargs for rb_ledger_run(). */
#define RB_ARGS(...) (const struct rb_val[]){__VA_ARGS__}, \
	sizeof((const struct rb_val[]){__VA_ARGS__}) / sizeof(struct rb_val)
#define RB_NOARGS NULL, 0

/* Called for each row; return 0 to go on, 1 to stop, -1 to fail (*err
   should then be set by the callback's owner). */
typedef int (*rb_ledger_row_fn)(void *ctx, const struct rb_val *col,
				size_t ncol);

/* Runs statement q with args; fn (NULL allowed) sees each row.  Returns
   the number of rows seen, or -1. */
int64_t rb_ledger_run(struct rb_ledger *l, enum rb_lq q,
		      const struct rb_val *args, size_t nargs,
		      rb_ledger_row_fn fn, void *ctx, struct rb_err *err);

/* Runs q and returns its first column of its first row as an integer in
   *out: 1 when there was a row, 0 when none, -1 on failure. */
int rb_ledger_int(struct rb_ledger *l, enum rb_lq q,
		  const struct rb_val *args, size_t nargs, int64_t *out,
		  struct rb_err *err);

/* Rowid of the last insert; rows changed by the last statement. */
int64_t rb_ledger_last_id(const struct rb_ledger *l);
int64_t rb_ledger_changes(const struct rb_ledger *l);

/* The column value as a string ("" for NULL) or an integer (-1 for
   NULL). */
const char *rb_val_str(const struct rb_val *v);
int64_t rb_val_int(const struct rb_val *v);

#endif
