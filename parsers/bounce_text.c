/* bounce_text - the bounce's own text, and diagnostics read from it */
#include "bounce_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/str.h"
#include "mime.h"
#include "smtp.h"

const char *
rb_body_of(const char *data, size_t len)
{
	const char *p = data, *end = data + len, *line;
	size_t n;

	while (rb_next_line(&p, end, &line, &n))
		if (n == 0)
			return p;
	return end;
}

/* Gathered once per message, kept in the job. */
const char *
rb_job_text(struct job *j, const struct rb_mime_part *top, size_t *lenp)
{
	size_t i, n = rb_mime_count(j->m), len, total = 0;
	struct rb_arena *a = j->a;
	char *out = NULL;
	int pass, trunc;

	if (j->text != NULL) {
		*lenp = j->textlen;
		return j->text;
	}

	for (pass = 0; pass < 2 && total == 0; pass++) {
		const char *want = pass ? "text/html" : "text/plain";
		size_t cap = 0;

		for (i = rb_mime_index(top); i < n; i++) {
			const struct rb_mime_part *q = rb_mime_at(j->m, i);
			const char *b;

			if (rb_mime_nesting(q) != rb_mime_nesting(top) ||
			    rb_mime_is_multipart(q) ||
			    strcmp(rb_mime_type(q), want) != 0)
				continue;
			if (i > 0 && rb_mime_is_message(q))
				continue;
			b = rb_mime_body(q, RB_MAX_TEXT_BYTES, &len, &trunc);
			if (total + len + 2 > RB_MAX_TEXT_BYTES)
				break;
			out = rb_arena_grow(a, out, &cap, total + len + 2, 1);
			if (pass == 0) {
				memcpy(out + total, b, len);
				total += len;
			} else {
				size_t k;
				int in_tag = 0;

				for (k = 0; k < len; k++) {
					if (b[k] == '<')
						in_tag = 1;
					else if (b[k] == '>' && in_tag) {
						in_tag = 0;
						out[total++] = ' ';
					} else if (!in_tag)
						out[total++] = b[k];
				}
			}
			out[total++] = '\n';
		}
	}
	if (out == NULL)
		out = rb_arena_zalloc(a, 1);
	out[total] = '\0';
	j->text = out;
	*lenp = j->textlen = total;
	return out;
}

/* A line of text that starts with an SMTP reply code ("554 ...",
   "550-5.1.1 ..."), after optional white space. */
static int
reply_line(const char *line, size_t n)
{
	char code[4];

	return rb_smtp_reply_find(line, n, code, 1);
}

/* 1 when the line is a DSN field or holds nothing but an address. */
static int
uninformative(const char *line, size_t n, const char *addr)
{
	static const char *const fields[] = {"Final-Recipient",
		"Original-Recipient", "X-Actual-Recipient", "To:", "From:",
		"Action:", "Status:", NULL};
	struct rb_str t = rb_str_trim((struct rb_str){line, n});
	size_t k;

	for (k = 0; fields[k]; k++)
		if (rb_hasprefix_ci(t.p, t.len, fields[k]))
			return 1;
	return t.len <= strlen(addr) + 4;
}

/* Finds the first line of text that passes: mode 0, a reply-code line
   naming addr; 1, any reply-code line; 2, an informative line naming
   addr.  Sets [*b, *e). */
static int
find_line(const char *text, size_t len, const char *addr, int mode,
	  const char **b, const char **e)
{
	const char *pos = text, *end = text + len, *line;
	size_t n, al = strlen(addr);

	while (rb_next_line(&pos, end, &line, &n)) {
		int names = al && rb_memcasemem(line, n, addr, al) != NULL;

		if ((mode == 0 && names && reply_line(line, n)) ||
		    (mode == 1 && reply_line(line, n)) ||
		    (mode == 2 && names && !uninformative(line, n, addr))) {
			*b = line;
			*e = line + n;
			return 1;
		}
	}
	return 0;
}

/* A local delivery agent's complaint: "NAME: TEXT", NAME a program
   ("mail.local", "procmail", "maildrop"). */
static int
agent_line(const char *p, const char *e)
{
	const char *s = p;

	while (p < e && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			 (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
			 *p == '-'))
		p++;
	return p > s && e - p > 2 && p[0] == ':' && p[1] == ' ' &&
	       memchr(s, '@', (size_t)(e - s)) == NULL;
}

/* Sendmail writes what its local mailer said on the lines above its own
   reply line ("mail.local: unknown user: ann" over "554 <ann@...>...
   Service unavailable"); the mailer's words are the cause.  Moves *b back
   over up to 3 such lines directly above it. */
static void
with_agent_lines(const char *text, const char **b)
{
	int k;

	for (k = 0; k < 3 && *b > text; k++) {
		const char *e = *b, *p;

		if (e[-1] != '\n' && e[-1] != '\r')
			return;
		e--;
		if (e > text && *e == '\n' && e[-1] == '\r')
			e--;
		for (p = e; p > text && p[-1] != '\n' && p[-1] != '\r'; p--)
			;
		if (!agent_line(p, e))
			return;
		*b = p;
	}
}

/* The line that names the recipient or starts with a reply code (with
   the local mailer's lines above it), else an informative line naming
   the recipient. */
void
rb_job_diagnostics(struct job *j, const struct rb_mime_part *top)
{
	const char *text = NULL;
	size_t len = 0, i;

	for (i = 0; i < j->n; i++) {
		struct rb_record *r = &j->rec[i];
		const char *b, *e;
		char *d, st[12], rr[4];

		if (*r->diagnostic || (strcmp(r->action, "failed") != 0 &&
				       strcmp(r->action, "delayed") != 0))
			continue;
		if (text == NULL) {
			text = rb_job_text(j, top, &len);
			if (len == 0) {		/* no usable MIME tree */
				text = rb_body_of(j->data, j->len);
				len = (size_t)(j->data + j->len - text);
				if (len > RB_MAX_TEXT_BYTES)
					len = RB_MAX_TEXT_BYTES;
			}
		}
		if (find_line(text, len, r->recipient, 0, &b, &e) ||
		    (j->n == 1 && find_line(text, len, "", 1, &b, &e)))
			with_agent_lines(text, &b);
		else if (!find_line(text, len, r->recipient, 2, &b, &e))
			continue;
		d = rb_arena_strndup(j->a, b, (size_t)(e - b));
		rb_squeeze(d);
		r->diagnostic = d;
		if (r->reply_code[0] == '\0')
			rb_smtp_reply_find(d, strlen(d), r->reply_code, 0);
		if (r->status[0] == '\0')
			rb_smtp_status_find(d, strlen(d), r->status, 1);
		/* The remote's own code, as set_codes() prefers it. */
		if (rb_smtp_reply_status_find(d, strlen(d), rr, st) &&
		    *st != '2') {
			memcpy(r->status, st, sizeof(r->status));
			memcpy(r->reply_code, rr, sizeof(rr));
		}
		rb_diag_add(&j->warn, "%s: no Diagnostic-Code, diagnostic "
			    "taken from the text part", r->recipient);
	}
}

