/*
 * apply - messages and manual changes into the ledger, through the policy
 * (apply.c: messages; manual.c: manual changes; replay.c: replay)
 *
 * The unit of work is a message: rb_apply_precheck() hashes it (SHA-256 of
 * the content with line ends made LF and trailing line ends dropped, so a
 * message read from an mbox, a Maildir or IMAP hashes the same), skips it
 * when its hash or its Message-ID is already in the ledger, parses it, and
 * writes the message, its raw bytes (zlib), one event per record and what
 * the policy makes of each, in one transaction.  A crash at any point
 * leaves the message either fully counted or not at all; ingesting it
 * again then counts it once.
 *
 * The address an event is about is the VERP-decoded address when a
 * pattern is set and one of the addresses the bounce was delivered to
 * matches it (and the message's records all name one recipient), else
 * Original-Recipient, else the final recipient; lower case.  Its time is
 * the record's date, else the bounce's Date, else "now".
 *
 * Replay rebuilds the suppression list and the retry ledger by walking the
 * history (messages and manual changes, in the order they happened):
 * messages dated since a time whose raw bounce is kept are parsed again
 * with the current rules, the others contribute the events stored for
 * them.  It leaves the transaction open so that the caller can diff and
 * then commit or roll back.
 */
#ifndef REBOUND_AGENT_APPLY_H
#define REBOUND_AGENT_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

struct rb_err;
struct rb_ledger;
struct rb_parser;
struct rb_val;

struct rb_apply_opts {
	const struct rb_policy *policy;
	const char *verp;	/* "bounces+{local}={domain}@example.org",
				   or NULL */
	int64_t now;
};

struct rb_apply_sum {
	size_t messages;	/* handed in */
	size_t fresh;		/* applied */
	size_t dups;		/* already in the ledger: skipped */
	size_t undecoded;	/* messages with something undecoded */
	size_t records;
	size_t by_class[RB_NCLASS];
	size_t by_effect[RB_NEFFECT];
};

/* p may be NULL when no message will be parsed (manual changes).  The
   ledger, parser and policy must outlive the result. */
struct rb_apply *rb_apply_new(struct rb_ledger *l, const struct rb_parser *p,
			      const struct rb_apply_opts *o);
void rb_apply_free(struct rb_apply **a);

/* A message in three steps, so that the middle one can run on other
   threads (--jobs; agent/prepq.c drives them): rb_apply_precheck() hashes
   the message and returns 1 when the ledger holds its bytes already (it
   is then counted, and done), 0 when not, -1 on a ledger failure;
   rb_apply_prepare() parses and packs it, touching only w and pr (one
   worker per thread; a and its parser are only read);
   rb_apply_prepared() applies it, in its own transaction (or the open
   batch's), in the order of the input, so the ledger is the one a single
   thread makes: 0 when applied or skipped as a duplicate, -1 with *err
   when the ledger failed (nothing of the message is kept; stop).  pr
   keeps source and data, which must last until then. */
struct rb_apply_worker;
struct rb_prep;
struct rb_apply_worker *rb_apply_worker_new(const struct rb_apply *a);
void rb_apply_worker_free(struct rb_apply_worker **w);
struct rb_prep *rb_prep_new(void);
void rb_prep_free(struct rb_prep **pr);
int rb_apply_precheck(struct rb_apply *a, struct rb_prep *pr,
		      const char *source, const char *data, size_t len,
		      struct rb_err *err);
void rb_apply_prepare(const struct rb_apply *a, struct rb_apply_worker *w,
		      struct rb_prep *pr);
int rb_apply_prepared(struct rb_apply *a, struct rb_prep *pr,
		      struct rb_err *err);

/* A prepared message as bytes, for a worker process to hand to the
   parent (agent/prepwire.c): what rb_apply_prepared() needs but source,
   data and hash, which the parent has.  rb_prep_read() reads one at *at
   (and moves *at past it) into pr: 0, or -1 when the bytes are not one. */
struct rb_buf;
void rb_prep_write(const struct rb_prep *pr, struct rb_buf *out);
int rb_prep_read(struct rb_prep *pr, const char **at, const char *end);

/* What the last rb_apply_prepared() (or precheck) made of its message: applied, a
   duplicate (of a message the ledger holds as decoded or undecoded), or
   failed. */
enum rb_apply_outcome {
	RB_AO_FAILED,
	RB_AO_FRESH,		/* applied; everything decoded */
	RB_AO_DUP,		/* skipped: the ledger has it */
	RB_AO_UNDECODED,	/* applied or skipped, with something that
				   nothing decoded */
};
enum rb_apply_outcome rb_apply_last(const struct rb_apply *a);

/* A batch: the messages applied between begin and
   commit share one transaction (so the caller can add its own writes,
   such as the IMAP checkpoint, to it) and reach the sum only at the
   commit.  When rb_apply_prepared() fails inside a batch, the caller
   aborts it: nothing of the batch is kept.  commit rolls back when it
   fails. */
int rb_apply_batch_begin(struct rb_apply *a, struct rb_err *err);
int rb_apply_batch_commit(struct rb_apply *a, struct rb_err *err);
void rb_apply_batch_abort(struct rb_apply *a);

/* Drops the raw bytes of messages ingested more than policy->raw_keep
   before now (never those of undecoded messages), in a transaction. */
int rb_apply_prune(struct rb_apply *a, struct rb_err *err);

const struct rb_apply_sum *rb_apply_sum(const struct rb_apply *a);

enum rb_manual { RB_MAN_ADD, RB_MAN_REMOVE, RB_MAN_CLEAR };

/* A manual change at time t, in the caller's transaction: add puts
   address on the suppression list (class and reason as given, with note),
   remove takes it off and clears its retry row, clear clears the retry
   row.  *changed is 0 when there was nothing to do (already suppressed,
   or nothing to remove).  When record is set and something changed, the
   change goes to the audit table with its note and what it took away. */
int rb_apply_manual(struct rb_apply *a, enum rb_manual act,
		    const char *address, const char *cls, const char *reason,
		    const char *note, int64_t t, int record, int *changed,
		    struct rb_err *err);

/* Replay as described above.  Begins a transaction that the caller ends
   with rb_ledger_commit() or rb_ledger_rollback(); the state before is in
   the temporary tables the RB_Q_DIFF_* statements compare with.
   *reparsed counts the messages parsed again. */
int rb_apply_replay(struct rb_apply *a, int64_t since, size_t *reparsed,
		    struct rb_err *err);

/* A row of RB_Q_RETRY_GET (or RB_Q_RETRY_LIST past its address) into
   *r. */
void rb_apply_retry_row(const struct rb_val *c, struct rb_retry *r);

/* Hex SHA-256 of the normalised content (see above). */
void rb_apply_hash(const char *data, size_t len, char out[65]);

/* 1 when pattern has {local} and {domain} once each, in that order. */
int rb_verp_valid(const char *pattern);
/* Decodes addr with pattern (ASCII case ignored) into out as
   local@domain, lower case: 1 on a match, 0 when it does not match. */
int rb_verp_decode(const char *pattern, const char *addr, char *out,
		   size_t n);

/* Raw bounces are stored with zlib (RFC 1950).  unpack fills *out
   (malloc'd, NUL-terminated) with size bytes, -1 when the data is
   damaged. */
int rb_raw_unpack(const void *z, size_t zlen, size_t size, char **out);

#endif
