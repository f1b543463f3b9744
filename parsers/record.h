/*
 * record - one recipient of one bounce: the schema of `rebound parse --jsonl`
 *
 * Everything downstream of the parsers (output, the ledger, reports) consumes
 * records and nothing re-reads MIME.  A record is a plain value: its strings
 * are borrowed (from the arena of the message it came from) and are "" when
 * unknown, never NULL.  The JSON keys, always all present, in this order:
 *
 *   source message_id recipient original_recipient action status reply_code
 *   diagnostic reason class remote_mta reporting_mta date original_message_id
 *   original_headers envelope_id feedback_type decoder rule warnings
 *
 * `original_headers` is an object (From, To, Subject, Date and any header
 * asked for with --header), `warnings` a list of strings, `date` ISO 8601 UTC
 * ("" when unknown), every other value a string.
 */
#ifndef REBOUND_PARSERS_RECORD_H
#define REBOUND_PARSERS_RECORD_H

#include <stddef.h>
#include <stdint.h>

struct rb_buf;

struct rb_kv {
	const char *name;
	const char *value;
};

struct rb_record {
	const char *source;		/* path, "PATH#N" in an mbox */
	const char *message_id;		/* of the bounce */
	const char *recipient;		/* final recipient, lower case */
	const char *original_recipient;
	const char *action;		/* failed delayed delivered relayed
					   expanded, or "" */
	char status[12];		/* "5.1.1" */
	char reply_code[4];		/* "550" */
	const char *diagnostic;		/* unfolded text */
	const char *command;		/* SMTP command answered: RCPT MAIL
					   DATA HELO CONN, or "" (not in the
					   JSON; rules can test it) */
	const char *reason;		/* Sisimai's reason names */
	const char *cls;		/* hard soft block complaint delayed
					   delivered autoreply unknown none */
	const char *remote_mta;
	const char *reporting_mta;
	int64_t time;			/* of the event; -1 when unknown */
	const char *original_message_id;
	const struct rb_kv *orig_headers;
	size_t n_orig_headers;
	const char *envelope_id;	/* Original-Envelope-Id */
	const char *feedback_type;	/* ARF */
	const char *decoder;		/* rfc3464 arf rfc3834 rule:<id> */
	const char *rule;		/* the classification rule that chose
					   the reason */
	const char *const *warnings;
	size_t n_warnings;
};

/* Sets every string to "" and time to -1. */
void rb_record_init(struct rb_record *r);

/* Appends r as one line of JSON (with the newline). */
void rb_record_json(const struct rb_record *r, struct rb_buf *b);

/* The value of a JSON key ("class", "date", ...) or of a returned-message
   header ("Subject"); NULL for an unknown key.  tmp holds a formatted
   date. */
const char *rb_record_get(const struct rb_record *r, const char *key,
			  char tmp[21]);

#endif
