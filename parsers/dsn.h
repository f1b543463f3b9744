/*
 * dsn - the fields of a message/delivery-status part (RFC 3464, RFC 6533)
 *
 * The part is one per-message group (Reporting-MTA, Arrival-Date,
 * Original-Envelope-Id, ...) and one group per recipient (Final-Recipient,
 * Action, Status, Diagnostic-Code, ...).  rb_dsn_parse() reads them with
 * fields.h and keeps each field's text as written (trimmed and unfolded);
 * turning that into a record (cleaning addresses, reading dates, finding
 * codes in the diagnostic) is bounce.c's work.  Leniency:
 *   - a group counts as a recipient group when it has Final-Recipient,
 *     Original-Recipient or X-Actual-Recipient, or, having none, Action or
 *     Status (then its address is "", with a warning);
 *   - when the first group is a recipient group the per-message fields are
 *     taken from the first group that has them;
 *   - typed fields ("rfc822; addr", "smtp; 550 ...", "dns; host") are split
 *     at the first ';'; a value with no type keeps type "" (with a warning
 *     for Final-Recipient).
 * At most RB_MAX_RECIPIENTS recipient groups are read.
 */
#ifndef REBOUND_PARSERS_DSN_H
#define REBOUND_PARSERS_DSN_H

#include <stddef.h>

struct rb_arena;
struct rb_diag;

/* A field split as "type; value"; both "" when absent. */
struct rb_typed {
	const char *type;	/* lower case */
	const char *value;
};

struct rb_dsn_rcpt {
	struct rb_typed final_rcpt;	/* Final-Recipient (or X-Actual-) */
	struct rb_typed orig_rcpt;	/* Original-Recipient */
	const char *action;		/* lower case, as written */
	const char *status;		/* as written */
	struct rb_typed remote_mta;	/* Remote-MTA */
	struct rb_typed diagnostic;	/* Diagnostic-Code */
	const char *last_attempt;	/* Last-Attempt-Date */
	const char *will_retry_until;
	const char *final_log_id;
	int line;			/* where its group starts */
};

struct rb_dsn {
	struct rb_typed reporting_mta;
	struct rb_typed received_from_mta;
	const char *arrival_date;
	const char *envelope_id;	/* Original-Envelope-Id */
	struct rb_dsn_rcpt *rcpt;
	size_t n;
};

/* Reads the decoded bytes of one delivery-status part into *out.  Returns
   the number of recipient groups (0 when there is none: not a usable
   report).  All strings are arena strings, "" when absent. */
size_t rb_dsn_parse(struct rb_arena *a, const char *data, size_t len,
		    struct rb_dsn *out, struct rb_diag *diag);

/* Splits "type; value" at the first ';' (type lower-cased and trimmed); a
   value without ';' gives type "". */
struct rb_typed rb_dsn_typed(struct rb_arena *a, const char *s);

#endif
