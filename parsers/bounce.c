/* bounce - one message in, its records out (see bounce.h) */
#include "bounce.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "bounce_int.h"
#include "core/arena.h"
#include "core/diag.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"
#include "decode.h"
#include "dsn.h"
#include "fields.h"
#include "mime.h"
#include "rules.h"
#include "rules_int.h"
#include "smtp.h"

struct rb_parser {
	const struct rb_rules *rules;
	char **headers;
	size_t nheaders;
	int all;
};

struct rb_pctx {
	struct rb_rscratch *s;
	struct rb_mime_ctx *mime;
};

struct rb_parser *
rb_parser_new(const struct rb_rules *rules, const struct rb_parse_opts *o)
{
	struct rb_parser *p = rb_xcalloc(1, sizeof(*p));
	size_t i;

	p->rules = rules;
	p->all = o ? o->all : 0;
	if (o && o->nheaders) {
		p->headers = rb_xreallocarray(NULL, o->nheaders,
					      sizeof(*p->headers));
		for (i = 0; i < o->nheaders; i++)
			p->headers[i] = rb_xstrdup(o->headers[i]);
		p->nheaders = o->nheaders;
	}
	return p;
}

void
rb_parser_free(struct rb_parser **pp)
{
	struct rb_parser *p = *pp;
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nheaders; i++)
		free(p->headers[i]);
	free(p->headers);
	free(p);
	*pp = NULL;
}

struct rb_pctx *
rb_pctx_new(const struct rb_parser *p)
{
	struct rb_pctx *c = rb_xcalloc(1, sizeof(*c));

	c->s = rb_rscratch_new(p->rules);
	c->mime = rb_mime_ctx_new();
	return c;
}

void
rb_pctx_free(struct rb_pctx **cp)
{
	if (*cp == NULL)
		return;
	rb_rscratch_free(&(*cp)->s);
	rb_mime_ctx_free(&(*cp)->mime);
	free(*cp);
	*cp = NULL;
}


static void
trace(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
trace(struct job *j, const char *fmt, ...)
{
	va_list ap;

	if (j->trace == NULL)
		return;
	va_start(ap, fmt);
	rb_diag_vadd(j->trace, fmt, ap);
	va_end(ap);
}

/* "<id@host>" -> "id@host" */
static const char *
msgid(struct rb_arena *a, const char *s)
{
	const char *lt = strchr(s, '<'), *gt;

	if (lt && (gt = strchr(lt, '>')) != NULL)
		return rb_arena_strndup(a, lt + 1, (size_t)(gt - lt - 1));
	return s;
}

/* The part that starts the message holding part i. */
static const struct rb_mime_part *
message_of(const struct rb_mime *m, const struct rb_mime_part *p)
{
	while (!rb_mime_is_message(p) && rb_mime_parent(p) >= 0)
		p = rb_mime_at(m, (size_t)rb_mime_parent(p));
	return p;
}

/* The returned message: the first attached message one level below the
   report's own message, after the report's message top. */
static const struct rb_mime_part *
find_original(const struct rb_mime *m, const struct rb_mime_part *top)
{
	size_t i, n = rb_mime_count(m);
	int want = rb_mime_nesting(top) + 1;

	for (i = rb_mime_index(top) + 1; i < n; i++) {
		const struct rb_mime_part *q = rb_mime_at(m, i);

		if (rb_mime_nesting(q) < want - 1)
			break;		/* past the report's own message */
		if (rb_mime_is_message(q) && rb_mime_nesting(q) == want)
			return q;
	}
	return NULL;
}

static struct rb_record *
new_record(struct job *j)
{
	struct rb_record *r;

	if (j->n == RB_MAX_RECIPIENTS) {
		if (!rb_diag_has(&j->warn, "too many recipients, the rest left "
				 "out"))
			rb_diag_add(&j->warn, "too many recipients, the rest "
				    "left out");
		return NULL;
	}
	j->rec = rb_arena_grow(j->a, j->rec, &j->cap, j->n + 1,
			       sizeof(*j->rec));
	r = &j->rec[j->n++];
	rb_record_init(r);
	r->source = j->source;
	return r;
}

/* Header values of the returned message for original_headers. */
static void
original_headers(struct job *j, const struct rb_mime_part *orig,
		 const struct rb_kv **kv, size_t *n, const char **mid)
{
	static const char *const base[] = {"From", "To", "Subject", "Date"};
	size_t i, k = 0, total = 4 + j->p->nheaders;
	struct rb_kv *v = rb_arena_array(j->a, total, sizeof(*v));

	for (i = 0; i < total; i++) {
		const char *name = i < 4 ? base[i] : j->p->headers[i - 4];
		size_t d;
		int dup = 0;

		for (d = 0; d < k; d++)
			if (rb_strcaseeq(v[d].name, name))
				dup = 1;
		if (dup)
			continue;
		v[k].name = name;
		v[k].value = orig ? rb_mime_header(orig, name) : "";
		k++;
	}
	*kv = v;
	*n = k;
	*mid = orig ? msgid(j->a, rb_mime_header(orig, "Message-ID")) : "";
}

static int
parse_time(const char *s, int64_t *t)
{
	if (s == NULL || *s == '\0')
		return -1;
	if (rb_mime_parse_date(s, t) == 0)
		return 0;
	return rb_parse_iso8601(s, t);
}

/* The Date of the message top starts (-1 when unreadable; *t is -1
   before): the bounce's was read already. */
static void
top_date(struct job *j, const struct rb_mime_part *top, int64_t *t)
{
	if (top == rb_mime_at(j->m, 0))
		*t = j->out->date;
	else
		parse_time(rb_mime_header(top, "Date"), t);
}

/* failed, delayed, delivered, relayed, expanded, or "" (the prefix of
   each, and "expired", are taken as written by non-conforming reporters) */
static const char *
norm_action(struct job *j, const char *s)
{
	static const struct { const char *pre, *act; } map[] = {
		{"fail", "failed"}, {"delay", "delayed"},
		{"deliver", "delivered"}, {"relay", "relayed"},
		{"expand", "expanded"},
		/* SendGrid's "Action: expired": the message's time ran out,
		   it will not be tried again. */
		{"expire", "failed"},
	};
	size_t i;

	if (s == NULL || *s == '\0')
		return "";
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (rb_hasprefix_ci(s, strlen(s), map[i].pre))
			return map[i].act;
	rb_diag_add(&j->warn, "unknown Action \"%s\" ignored", s);
	return "";
}

/* Status and reply code of a record from what the report wrote.  The
   status is the one the remote server gave in its reply ("550 5.7.1
   ..."): the reporter's own Status (or a code of its summary, as Amazon
   SES's "5.1.0 - Unknown address error 550-'5.7.1 ... Access denied'")
   is its reading of that reply, and readings go wrong (Sendmail's 4.4.7
   for a "450 4.7.1" refusal, 5.1.1 for "550 5.7.1 IP address
   blacklisted"); the reply code goes with it (SES's "554 4.4.7 Message
   expired ... <421 4.4.2 Connection timed out>" is its summary around
   the remote's 421).  Without a code in the reply: the Status field,
   unless it is missing or generic (X.0.0) and the diagnostic has a more
   specific code of the same class, or unless it says 4.x.x for a
   failure the remote refused with a permanent reply ("Action: failed",
   "Status: 4.5.0", "550 Service refuse, 5.5.0"). */
static void
set_codes(struct rb_record *r, const char *status, const char *diag)
{
	int fail = strcmp(r->action, "failed") == 0 ||
		   strcmp(r->action, "delayed") == 0;
	char st[12] = "", dc[12] = "", rs[12] = "", rr[4];
	size_t dl = strlen(diag);

	if (status && *status)
		rb_smtp_status_find(status, strlen(status), st, 0);
	rb_smtp_status_find(diag, dl, dc, 1);
	if (!rb_smtp_reply_find(diag, dl, r->reply_code, 1))
		rb_smtp_reply_find(diag, dl, r->reply_code, 0);
	if (*st == '\0' || (strcmp(st + 1, ".0.0") == 0 && *dc == *st &&
			    strcmp(dc + 1, ".0.0") != 0) ||
	    (*st == '4' && *dc == '5' && r->reply_code[0] == '5' &&
	     strcmp(r->action, "failed") == 0))
		memcpy(st, dc, sizeof(st));
	if (rb_smtp_reply_status_find(diag, dl, rr, rs) &&
	    !(fail && *rs == '2')) {
		memcpy(st, rs, sizeof(st));
		memcpy(r->reply_code, rr, sizeof(rr));
	}
	memcpy(r->status, st, sizeof(r->status));
	/* A success code quoted in a failure's text (the reply to MAIL FROM,
	   say) is not the failure's code. */
	if (fail && r->reply_code[0] == '2')
		r->reply_code[0] = '\0';
	if (fail && r->status[0] == '2')
		r->status[0] = '\0';
}

/* The diagnostic of a recipient group: Diagnostic-Code's text, with its
   type kept when it is a local mailer's ("X-Unix; 255": the number alone
   would read as a reply code), else the comment of the Status field
   ("4.0.0 (host name lookup failure)"). */
static const char *
diagnostic_of(struct job *j, const struct rb_dsn_rcpt *g)
{
	const char *v = g->diagnostic.value, *p;

	if (*v && strcmp(g->diagnostic.type, "x-unix") == 0)
		return rb_arena_printf(j->a, "X-Unix; %s", v);
	if (*v || g->status == NULL)
		return v;
	p = g->status;
	while (*p && !RB_ISSPACE(*p))
		p++;
	while (RB_ISSPACE(*p))
		p++;
	if (*p == '(') {
		char *c = rb_arena_strdup(j->a, p + 1);
		size_t n = strlen(c);

		if (n && c[n - 1] == ')')
			c[n - 1] = '\0';
		return c;
	}
	return v;
}

/* 1 when a Final-Recipient names only an internal mailbox (a domain
   without a dot, as in Messaging Server's LMTP hop "@smtp.example.net:
   user@server") while the Original-Recipient is the Internet address the
   sender wrote to: that one is the recipient to report. */
static int
internal_only(const char *rcpt, const char *orcpt)
{
	const char *d = rb_addr_domain(rcpt), *od = rb_addr_domain(orcpt);

	return *d && *d != '[' && strchr(d, '.') == NULL &&
	       strchr(od, '.') != NULL;
}

/* RFC 3464 / 6533 */
static size_t
read_dsn(struct job *j, const struct rb_mime_part *part, int mislabelled,
	 const char *raw, size_t rawlen)
{
	const struct rb_mime_part *top = message_of(j->m, part), *orig;
	const char *body;
	size_t len, i, got = 0;
	int trunc = 0;
	struct rb_dsn d;
	int64_t bdate = -1;
	const struct rb_kv *kv;
	size_t nkv;
	const char *omid;

	if (raw) {
		body = raw;
		len = rawlen;
	} else {
		/* A text part is read with the limit rb_job_text() uses, so
		   that its decoded text is cached once. */
		body = rb_mime_body(part, mislabelled ? RB_MAX_TEXT_BYTES :
				    RB_MAX_REPORT_BYTES, &len, &trunc);
	}
	if (trunc)
		rb_diag_add(&j->warn, "delivery-status part cut at %u bytes",
			    RB_MAX_REPORT_BYTES);
	if (rb_dsn_parse(j->a, body, len, &d, &j->warn) == 0)
		return 0;
	trace(j, "part %zu (%s): %zu recipient group(s)", rb_mime_index(part),
	      rb_mime_type(part), d.n);
	if (raw)
		rb_diag_add(&j->warn, "delivery-status fields found in the "
			    "raw message, outside any MIME part (broken "
			    "multipart)");
	else if (mislabelled)
		rb_diag_add(&j->warn, "delivery-status fields found in a %s "
			    "part", rb_mime_type(part));
	orig = find_original(j->m, top);
	original_headers(j, orig, &kv, &nkv, &omid);
	top_date(j, top, &bdate);
	for (i = 0; i < d.n; i++) {
		const struct rb_dsn_rcpt *g = &d.rcpt[i];
		struct rb_record *r;
		const char *rcpt = rb_addr_clean(j->a, g->final_rcpt.value,
						 NULL);
		const char *orcpt = rb_addr_clean(j->a, g->orig_rcpt.value,
						  NULL);

		if (*rcpt == '\0' || internal_only(rcpt, orcpt))
			rcpt = orcpt;
		if (*rcpt == '\0') {
			rb_diag_add(&j->warn, "recipient group at line %d has "
				    "no address, left out", g->line);
			continue;
		}
		if ((r = new_record(j)) == NULL)
			break;
		got++;
		r->recipient = rcpt;
		r->original_recipient = orcpt;
		r->action = norm_action(j, g->action);
		r->diagnostic = diagnostic_of(j, g);
		set_codes(r, g->status, r->diagnostic);
		r->remote_mta = g->remote_mta.value;
		r->reporting_mta = d.reporting_mta.value;
		if (parse_time(g->last_attempt, &r->time) != 0 &&
		    parse_time(d.arrival_date, &r->time) != 0)
			r->time = bdate;
		r->envelope_id = d.envelope_id;
		r->original_message_id = omid;
		r->orig_headers = kv;
		r->n_orig_headers = nkv;
		r->decoder = "rfc3464";
	}
	return got;
}

static int
is_dsn_type(const char *t)
{
	return strcmp(t, "message/delivery-status") == 0 ||
	       strcmp(t, "message/global-delivery-status") == 0;
}


/* Reads the least nested delivery-status parts; a text/plain part holding
   DSN fields when there is none. */
static size_t
try_dsn(struct job *j)
{
	static const char *const names[] = {"Final-Recipient",
		"Original-Recipient", "X-Actual-Recipient", NULL};
	size_t i, n = rb_mime_count(j->m), got = 0;
	int best = -1;

	for (i = 0; i < n; i++) {
		const struct rb_mime_part *q = rb_mime_at(j->m, i);

		if (is_dsn_type(rb_mime_type(q)) &&
		    (best < 0 || rb_mime_nesting(q) < best))
			best = rb_mime_nesting(q);
	}
	for (i = 0; best >= 0 && i < n; i++) {
		const struct rb_mime_part *q = rb_mime_at(j->m, i);

		if (is_dsn_type(rb_mime_type(q)) &&
		    rb_mime_nesting(q) == best)
			got += read_dsn(j, q, 0, NULL, 0);
	}
	if (got || best >= 0)
		return got;
	for (i = 0; i < n; i++) {
		const struct rb_mime_part *q = rb_mime_at(j->m, i);
		const char *body;
		size_t len;
		int trunc;

		if (rb_mime_nesting(q) > 0 || rb_mime_is_multipart(q) ||
		    strcmp(rb_mime_type(q), "text/plain") != 0)
			continue;
		body = rb_mime_body(q, RB_MAX_TEXT_BYTES, &len, &trunc);
		if (rb_fields_look_like(body, len, names) &&
		    (got = read_dsn(j, q, 1, NULL, 0)) > 0)
			return got;
	}
	/* A multipart whose boundaries are missing gives GMime no parts:
	   read the raw body when it holds the fields. */
	if (rb_mime_is_multipart(rb_mime_at(j->m, 0))) {
		const char *b = rb_body_of(j->data, j->len);
		size_t blen = (size_t)(j->data + j->len - b);

		if (blen > RB_MAX_REPORT_BYTES)
			blen = RB_MAX_REPORT_BYTES;
		if (rb_fields_look_like(b, blen, names))
			return read_dsn(j, rb_mime_at(j->m, 0), 1, b, blen);
	}
	return 0;
}

/* RFC 5965 */
static size_t
try_arf(struct job *j)
{
	size_t i, n = rb_mime_count(j->m), got = 0;

	for (i = 0; i < n && got == 0; i++) {
		const struct rb_mime_part *q = rb_mime_at(j->m, i), *top, *orig;
		struct rb_fblock fb;
		const char *body, *ftype, *rmta, **addr = NULL;
		size_t len, k, na = 0;
		int trunc;
		const struct rb_kv *kv;
		size_t nkv;
		const char *omid;
		const struct rb_fgroup *g;
		int64_t t = -1;

		if (strcmp(rb_mime_type(q), "message/feedback-report") != 0)
			continue;
		body = rb_mime_body(q, RB_MAX_REPORT_BYTES, &len, &trunc);
		rb_fields_parse(j->a, body, len, "feedback-report", 4, &fb,
				&j->warn);
		if (fb.n == 0)
			continue;
		g = &fb.g[0];
		top = message_of(j->m, q);
		orig = find_original(j->m, top);
		original_headers(j, orig, &kv, &nkv, &omid);
		ftype = rb_fgroup_get(g, "Feedback-Type");
		rmta = rb_fgroup_get(g, "Reporting-MTA");
		rmta = rmta ? rb_dsn_typed(j->a, rmta).value : "";
		addr = rb_arena_array(j->a, g->n, sizeof(*addr));
		for (k = 0; k < g->n; k++)
			if (rb_strcaseeq(g->f[k].name, "Original-Rcpt-To")) {
				const char *s = rb_addr_clean(j->a,
							      g->f[k].value,
							      NULL);
				if (*s)
					addr[na++] = s;
			} else if (rb_strcaseeq(g->f[k].name,
						"Removal-Recipient")) {
				/* ARF draft 0.1; RFC 5965 has no such field
				   and names the recipient in Original-Rcpt-To
				   or the returned To, as Sisimai reads it. */
				rb_diag_add(&j->warn, "Removal-Recipient %s "
					    "not taken (ARF draft 0.1 field, "
					    "not in RFC 5965)",
					    rb_addr_clean(j->a, g->f[k].value,
							  NULL));
			}
		if (na == 0 && orig)
			na = rb_mime_addresses(orig, "To", &addr);
		if (parse_time(rb_fgroup_get(g, "Arrival-Date"), &t) != 0 &&
		    parse_time(rb_fgroup_get(g, "Received-Date"), &t) != 0)
			top_date(j, top, &t);
		trace(j, "part %zu (feedback-report): %zu recipient(s)", i, na);
		if (na == 0)
			rb_diag_add(&j->warn, "feedback report names no "
				    "recipient (no Original-Rcpt-To, no "
				    "address in the returned To)");
		for (k = 0; k < (na ? na : 1); k++) {
			struct rb_record *r = new_record(j);

			if (r == NULL)
				break;
			got++;
			r->recipient = na ? addr[k] : RB_ADDR_UNDISCLOSED;
			r->reporting_mta = rmta;
			r->feedback_type = ftype ? rb_lower(rb_arena_strdup(
					   j->a, ftype)) : "abuse";
			r->time = t;
			r->original_message_id = omid;
			r->orig_headers = kv;
			r->n_orig_headers = nkv;
			r->decoder = "arf";
			r->reason = "feedback";
			r->cls = "complaint";
		}
	}
	return got;
}

static size_t
try_rules(struct job *j, struct rb_dview *v)
{
	struct rb_dresult res;
	size_t i, got = 0;
	const struct rb_kv *kv;
	size_t nkv;
	const char *omid;
	int64_t bdate = -1;

	if (rb_rules_decode(j->p->rules, j->c->s, v, &res) == 0)
		return 0;
	trace(j, "decoder %s: %zu recipient(s)", res.rule, res.n);
	if (res.original)
		v->original = res.original;
	original_headers(j, v->original, &kv, &nkv, &omid);
	top_date(j, v->top, &bdate);
	for (i = 0; i < res.n; i++) {
		const char *const *s = (const char *const *)res.r[i].v;
		struct rb_record *r = new_record(j);
		const char *diag;

		if (r == NULL)
			break;
		got++;
#define SLOT(k) (s[k] ? s[k] : "")
		r->recipient = SLOT(RB_S_RECIPIENT);
		r->original_recipient = rb_addr_clean(j->a,
			SLOT(RB_S_ORIGINAL_RECIPIENT), NULL);
		diag = rb_arena_strdup(j->a, SLOT(RB_S_DIAGNOSTIC));
		rb_squeeze((char *)diag);
		r->diagnostic = diag;
		r->action = *SLOT(RB_S_ACTION) ?
			norm_action(j, SLOT(RB_S_ACTION)) : "failed";
		set_codes(r, SLOT(RB_S_STATUS), diag);
		if (*SLOT(RB_S_REPLY_CODE))
			rb_smtp_reply_find(SLOT(RB_S_REPLY_CODE),
					   strlen(SLOT(RB_S_REPLY_CODE)),
					   r->reply_code, 0);
		r->remote_mta = SLOT(RB_S_REMOTE_MTA);
		r->reporting_mta = SLOT(RB_S_REPORTING_MTA);
		r->reason = SLOT(RB_S_REASON);
		r->cls = SLOT(RB_S_CLASS);
		r->feedback_type = SLOT(RB_S_FEEDBACK_TYPE);
		r->command = rb_smtp_command_name(SLOT(RB_S_COMMAND));
		if (parse_time(s[RB_S_DATE], &r->time) != 0)
			r->time = bdate;
#undef SLOT
		r->original_message_id = omid;
		r->orig_headers = kv;
		r->n_orig_headers = nkv;
		r->decoder = rb_arena_printf(j->a, "rule:%s", res.rule);
	}
	return got;
}

/* A failure a decoder read without a status, a reply code or a reason, on
   a message that carries an auto-reply marker (an autoreply rule holds),
   is the auto-reply naming another address in its body: vacation, as
   Sisimai says, whose fallback reads the body before it looks for
   auto-reply headers.  A status or a reply code keeps it a failure. */
static void
autoreplied(struct job *j, struct rb_dview *v)
{
	const char *id = NULL;
	size_t i;
	int looked = 0;

	for (i = 0; i < j->n; i++) {
		struct rb_record *r = &j->rec[i];

		if (r->status[0] || r->reply_code[0] || *r->reason ||
		    strcmp(r->action, "failed") != 0)
			continue;
		if (!looked++)
			id = rb_rules_autoreply(j->p->rules, j->c->s, v);
		if (id == NULL)
			return;
		trace(j, "%s: no status, and auto-reply rule %s matched: "
		      "vacation", r->recipient, id);
		r->action = "";
		r->reason = "vacation";
		r->cls = "autoreply";
		r->rule = id;
	}
}

static size_t
try_autoreply(struct job *j, struct rb_dview *v)
{
	const char *id = rb_rules_autoreply(j->p->rules, j->c->s, v);
	struct rb_record *r;
	const struct rb_kv *kv;
	size_t nkv;
	const char *omid, *from;

	if (id == NULL)
		return 0;
	from = j->out->from;
	trace(j, "auto-reply rule %s matched; recipient is From <%s>", id,
	      from);
	if (*from == '\0') {
		rb_diag_add(&j->warn, "auto-reply without a From address");
		return 0;
	}
	if ((r = new_record(j)) == NULL)
		return 0;
	original_headers(j, v->original, &kv, &nkv, &omid);
	r->recipient = from;
	r->diagnostic = j->out->subject;
	r->reason = "vacation";
	r->cls = "autoreply";
	r->time = j->out->date;
	r->original_message_id = omid;
	r->orig_headers = kv;
	r->n_orig_headers = nkv;
	r->decoder = "rfc3834";
	r->rule = id;
	return 1;
}

/* A status for a failure that gave none, from the reply code or the
   action, so that every failure has a class digit. */
static void
infer_status(struct job *j, struct rb_record *r)
{
	char c = 0;

	if (r->status[0] || *r->cls == '\0' || strcmp(r->cls, "complaint") == 0 ||
	    strcmp(r->cls, "autoreply") == 0)
		return;
	if (r->reply_code[0] == '2' || r->reply_code[0] == '4' ||
	    r->reply_code[0] == '5')
		c = r->reply_code[0];
	else if (strcmp(r->action, "failed") == 0)
		c = '5';
	else if (strcmp(r->action, "delayed") == 0)
		c = '4';
	else if (strcmp(r->action, "delivered") == 0 ||
		 strcmp(r->action, "relayed") == 0 ||
		 strcmp(r->action, "expanded") == 0)
		c = '2';
	if (c == 0)
		return;
	r->status[0] = c;
	memcpy(r->status + 1, ".0.0", 5);
	rb_diag_add(&j->warn, "%s: no status code given, %s inferred",
		    r->recipient, r->status);
}

/* The SMTP command the failure answered: from its diagnostic, else from
   the bounce's own text (a Sendmail transcript, Postfix's "in reply to"). */
static void
find_command(struct job *j, const struct rb_mime_part *top,
	     struct rb_record *r)
{
	const char *text;
	size_t len;

	if (*r->cls || *r->command)	/* complaints, auto-replies; or a
					   decoder said */
		return;
	r->command = rb_smtp_command_find(r->diagnostic, strlen(r->diagnostic));
	if (*r->command)
		return;
	if (j->text_cmd == NULL) {	/* the same for every record */
		text = rb_job_text(j, top, &len);
		j->text_cmd = rb_smtp_command_find(text, len);
	}
	r->command = j->text_cmd;
}

static const char limit_warning[] =
	"a classification pattern hit its match limit and was skipped";

/* Once the message's regex budget is spent, says so once; nothing else
   tells that the rules after that point were not all tried. */
static void
note_rx_budget(struct job *j)
{
	struct rb_rx_stats st;

	if (j->rx_noted || !rb_rx_spent(j->c->s->rx))
		return;
	j->rx_noted = 1;
	rb_rx_stats(j->c->s->rx, &st);
	rb_diag_add(&j->warn, "regex budget spent: %lu slow matches, %lu "
		    "over the match limit; no rule pattern was run on the "
		    "rest of this message", st.slow, st.limits);
}

/* The regex work of the message, for `rules explain`. */
static void
trace_rx(struct job *j)
{
	struct rb_rx_stats st;

	if (j->trace == NULL)
		return;
	rb_rx_stats(j->c->s->rx, &st);
	trace(j, "regex: %lu matches run, %lu slow, %lu over a limit, %lu "
	      "skipped; budget %u of %u left", st.runs, st.slow, st.limits,
	      st.skipped, st.budget, RB_REGEX_BUDGET);
}

static void
classify(struct job *j, struct rb_record *r)
{
	const struct rb_rules *rs = j->p->rules;
	int temp = r->status[0] == '4' ||
		   (r->status[0] == '\0' && r->reply_code[0] == '4');
	struct rb_verdict v;

	if (*r->reason) {
		if (*r->cls == '\0')
			r->cls = rb_rules_class_of(rs, r->reason, temp);
	} else if (strcmp(r->action, "delivered") == 0 ||
		   strcmp(r->action, "relayed") == 0 ||
		   strcmp(r->action, "expanded") == 0) {
		r->reason = "delivered";
		r->cls = "delivered";
		trace(j, "%s: action %s: delivered", r->recipient, r->action);
		return;
	} else {
		const char *in[RB_CI_COUNT];

		in[RB_CI_DIAGNOSTIC] = r->diagnostic;
		in[RB_CI_STATUS] = r->status;
		in[RB_CI_REPLY_CODE] = r->reply_code;
		in[RB_CI_ACTION] = r->action;
		in[RB_CI_DECODER] = r->decoder;
		in[RB_CI_COMMAND] = r->command;
		in[RB_CI_REMOTE_MTA] = r->remote_mta;
		in[RB_CI_REPORTING_MTA] = r->reporting_mta;
		in[RB_CI_RECIPIENT] = r->recipient;
		rb_rules_classify(rs, j->c->s, in, &v, j->trace);
		if (v.limit_hit && !rb_diag_has(&j->warn, limit_warning))
			rb_diag_add(&j->warn, "%s", limit_warning);
		r->reason = *v.reason ? v.reason : "undefined";
		r->rule = v.rule;
		r->cls = *v.cls ? v.cls : rb_rules_class_of(rs, r->reason,
							   temp);
		trace(j, "%s: reason %s by rule %s", r->recipient, r->reason,
		      *v.rule ? v.rule : "(none)");
	}
	if (*r->cls == '\0')
		r->cls = "unknown";
	if (strcmp(r->action, "delayed") == 0)
		r->cls = "delayed";
	infer_status(j, r);
}

void
rb_bounce_parse(const struct rb_parser *p, struct rb_pctx *c,
		struct rb_arena *a, const char *data, size_t len,
		const char *source, struct rb_bounce *out,
		struct rb_diag *tr)
{
	static const char *const to_hdrs[] = {"X-Original-To", "Delivered-To",
		"Envelope-To", "To"};
	struct job j;
	const struct rb_mime_part *top;
	struct rb_dview v;
	const char **to = NULL;
	size_t i, k, nto = 0, cap = 0, got = 0;

	memset(&j, 0, sizeof(j));
	memset(out, 0, sizeof(*out));
	rb_rscratch_reset(c->s);
	j.p = p;
	j.c = c;
	j.a = a;
	j.trace = tr;
	j.out = out;
	j.source = source ? rb_arena_strdup(a, source) : "";
	j.data = data;
	rb_diag_init(&j.warn, a, RB_MAX_WARNINGS);
	if (len > RB_MAX_MESSAGE_BYTES) {
		rb_diag_add(&j.warn, "message of %zu bytes: only the first %u "
			    "read", len, RB_MAX_MESSAGE_BYTES);
		len = RB_MAX_MESSAGE_BYTES;
	}
	j.len = len;
	j.m = rb_mime_parse_with(c->mime, a, data, len, &j.warn);
	top = rb_mime_at(j.m, 0);
	out->message_id = msgid(a, rb_mime_header(top, "Message-ID"));
	out->from = rb_mime_first_address(a, rb_mime_header(top, "From"));
	out->subject = rb_mime_header(top, "Subject");
	out->date = -1;
	parse_time(rb_mime_header(top, "Date"), &out->date);
	for (i = 0; i < sizeof(to_hdrs) / sizeof(to_hdrs[0]); i++) {
		const char **addr;
		size_t n = rb_mime_addresses(top, to_hdrs[i], &addr);

		for (k = 0; k < n; k++) {
			to = rb_arena_grow(a, to, &cap, nto + 1, sizeof(*to));
			to[nto++] = addr[k];
		}
	}
	out->to = to;
	out->nto = nto;
	out->decoder = "";

	if ((got = try_dsn(&j)) > 0)
		rb_job_diagnostics(&j, top);
	if (got == 0 && (got = try_arf(&j)) == 0) {
		memset(&v, 0, sizeof(v));
		v.a = a;
		v.mime = j.m;
		v.top = top;
		v.original = find_original(j.m, top);
		v.text = rb_job_text(&j, top, &v.len);
		v.diag = &j.warn;
		v.trace = tr;
		if ((got = try_rules(&j, &v)) > 0)
			autoreplied(&j, &v);
		else
			got = try_autoreply(&j, &v);
		note_rx_budget(&j);
	}
	if (got == 0) {
		trace(&j, "no decoder read this message: not a bounce");
		if (p->all) {
			struct rb_record *r = new_record(&j);

			r->cls = "none";
			r->diagnostic = out->subject;
			r->time = out->date;
			original_headers(&j, NULL, &r->orig_headers,
					 &r->n_orig_headers,
					 &r->original_message_id);
		}
	} else {
		out->decoder = j.rec[0].decoder;
		for (i = 0; i < j.n; i++) {
			find_command(&j, top, &j.rec[i]);
			classify(&j, &j.rec[i]);
		}
	}
	note_rx_budget(&j);
	trace_rx(&j);
	for (i = 0; i < j.n; i++)
		j.rec[i].message_id = out->message_id;
	if (j.warn.dropped)
		rb_diag_add(&j.warn, "%zu more warnings left out",
			    j.warn.dropped);
	for (i = 0; i < j.n; i++) {
		j.rec[i].warnings = j.warn.line;
		j.rec[i].n_warnings = j.warn.n;
	}
	out->rec = j.rec;
	out->n = j.n;
	out->warnings = j.warn.line;
	out->nwarnings = j.warn.n;
	rb_mime_free(&j.m);
}
