/*
 * decode - running vendor decoders and auto-reply markers on one message
 *
 * bounce.c calls these when a message holds no standard report.  A decoder
 * applies when all its `match` conditions hold, one of its `match_any`
 * conditions does (when it has any) and no `unless` condition does; the
 * first decoder (in rule order) that applies and finds at least one
 * recipient wins.  What a decoder reads is the bounce's own text: its
 * text/plain parts outside any attached message (text/html ones, tags
 * stripped, when there is no plain text), given in struct rb_dview.
 */
#ifndef REBOUND_PARSERS_DECODE_H
#define REBOUND_PARSERS_DECODE_H

#include <stddef.h>

struct rb_arena;
struct rb_diag;
struct rb_mime;
struct rb_mime_part;
struct rb_rules;
struct rb_rscratch;

/* The message as rules see it. */
struct rb_dview {
	struct rb_arena *a;
	struct rb_mime *mime;
	const struct rb_mime_part *top;	/* part 0 */
	const struct rb_mime_part *original;	/* returned message, or NULL */
	const char *text;		/* the bounce's own text */
	size_t len;
	struct rb_diag *diag;		/* warnings for the record */
	struct rb_diag *trace;		/* for `rules explain`; NULL */
};

/* One recipient found: values by field, NULL when not found.  Index with
   the order of rb_slot_names (recipient, original_recipient, diagnostic,
   status, reply_code, remote_mta, reporting_mta, action, reason, class,
   feedback_type, date, command). */
#define RB_DECODE_SLOTS 13
struct rb_dfound {
	const char *v[RB_DECODE_SLOTS];
};

struct rb_dresult {
	const char *rule;		/* id of the decoder that read it */
	struct rb_dfound *r;
	size_t n;
	const struct rb_mime_part *original;	/* returned message found in
						   the text, or NULL */
	int limit_hit;			/* a pattern blew its match limit */
};

/* Tries the decoders in order.  Returns the number of recipients found by
   the first decoder that found any (0: none applied). */
size_t rb_rules_decode(const struct rb_rules *rs, struct rb_rscratch *s,
		       struct rb_dview *v, struct rb_dresult *out);

/* The id of the first auto-reply rule whose markers the message carries,
   or NULL. */
const char *rb_rules_autoreply(const struct rb_rules *rs,
			       struct rb_rscratch *s, struct rb_dview *v);

#endif
