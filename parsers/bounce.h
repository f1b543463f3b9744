/*
 * bounce - one message in, its records out
 *
 * The decoders are tried in this order, the first that finds a recipient
 * giving every record of the message:
 *   1. RFC 3464 / RFC 6533: message/delivery-status and
 *      message/global-delivery-status parts, wherever they are (a report
 *      forwarded inside another message is read too), the least nested
 *      ones only (so the report a bounce returns is not read as its own);
 *      a text/plain part that holds DSN fields counts, with a warning;
 *   2. ARF (RFC 5965): message/feedback-report parts;
 *   3. vendor decoders from the rule set, in rule order, the generic ones
 *      of zz-generic.yaml last (Sisimai's body fallback the very last);
 *   4. auto-replies (RFC 3834 and the common vacation markers).
 * A failure from 3 with no status, reply code or reason, on a message
 * that carries an auto-reply marker, is a vacation.  Each record is then
 * classified (rules.h) unless its decoder fixed the reason.  A message
 * none of them reads is not a bounce: no record, or with `all` one record
 * of class "none".
 *
 * The result borrows from the arena passed in; the caller resets the arena
 * when done with the records.  A struct rb_parser is read-only once made and
 * may be shared by threads, each with its own struct rb_pctx.
 */
#ifndef REBOUND_PARSERS_BOUNCE_H
#define REBOUND_PARSERS_BOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct rb_arena;
struct rb_diag;
struct rb_rules;

struct rb_parse_opts {
	const char *const *headers;	/* returned-message headers to keep
					   besides From, To, Subject, Date */
	size_t nheaders;
	int all;			/* a record for non-bounces too */
};

struct rb_parser;
struct rb_pctx;

/* rules must be compiled and outlive the parser; opts is copied. */
struct rb_parser *rb_parser_new(const struct rb_rules *rules,
				const struct rb_parse_opts *opts);
void rb_parser_free(struct rb_parser **p);

/* Per-thread working memory (regex scratch, automaton hit sets, GMime's
   parser); made after rb_mime_init(), freed before rb_mime_shutdown(). */
struct rb_pctx *rb_pctx_new(const struct rb_parser *p);
void rb_pctx_free(struct rb_pctx **c);

struct rb_bounce {
	const char *message_id;		/* of the bounce, without <> */
	const char *from;		/* its From address */
	const char *subject;
	const char *const *to;		/* where it was delivered, for VERP:
					   X-Original-To, Delivered-To,
					   Envelope-To and To addresses */
	size_t nto;
	int64_t date;			/* its Date, -1 when unreadable */
	const char *decoder;		/* "" when not a bounce */
	struct rb_record *rec;
	size_t n;
	const char *const *warnings;	/* shared by the records */
	size_t nwarnings;
};

/* Parses one message (len bytes, not NUL-terminated; must stay unchanged
   until the arena is reset).  source names it in records.  trace, when not
   NULL, receives one line per decision (`rebound rules explain`).  Never
   fails: bad input gives fewer records and more warnings. */
void rb_bounce_parse(const struct rb_parser *p, struct rb_pctx *c,
		     struct rb_arena *a, const char *data, size_t len,
		     const char *source, struct rb_bounce *out,
		     struct rb_diag *trace);

#endif
