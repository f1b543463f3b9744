/*
 * bounce_int - what bounce.c and bounce_text.c share: the message being
 * read, and the bounce's own text
 */
#ifndef REBOUND_PARSERS_BOUNCE_INT_H
#define REBOUND_PARSERS_BOUNCE_INT_H

#include <stddef.h>

#include "bounce.h"
#include "core/diag.h"

struct rb_mime;
struct rb_mime_part;

/* One message being read. */
struct job {
	const struct rb_parser *p;
	struct rb_pctx *c;
	struct rb_arena *a;
	struct rb_mime *m;
	struct rb_diag warn;
	struct rb_diag *trace;
	struct rb_bounce *out;
	const char *source;
	const char *data;		/* the raw message */
	size_t len;
	const char *text;		/* own_text(), once gathered */
	size_t textlen;
	const char *text_cmd;		/* the command it names, once
					   looked for */
	struct rb_record *rec;
	size_t n, cap;
	int rx_noted;			/* the budget warning was given */
};

/* Where the body starts: after the first empty line (LF, CRLF or CR). */
const char *rb_body_of(const char *data, size_t len);

/* The bounce's own words: text/plain leaves outside attached messages, or
   the text/html ones with tags removed when there is no plain text.
   Gathered once per message (decoders, diagnostics and the SMTP command
   all read it). */
const char *rb_job_text(struct job *j, const struct rb_mime_part *top,
			size_t *lenp);

/* Delivery-status groups without a Diagnostic-Code: the bounce's own text
   (a Sendmail transcript, say) usually says what happened. */
void rb_job_diagnostics(struct job *j, const struct rb_mime_part *top);

#endif
