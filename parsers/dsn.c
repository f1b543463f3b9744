/* dsn - the fields of a message/delivery-status part (RFC 3464, RFC 6533) */
#include "dsn.h"

#include <string.h>

#include "core/arena.h"
#include "core/diag.h"
#include "core/limits.h"
#include "core/str.h"
#include "fields.h"

struct rb_typed
rb_dsn_typed(struct rb_arena *a, const char *s)
{
	struct rb_typed t = {"", ""};
	const char *semi, *p;
	struct rb_str ty;

	if (s == NULL)
		return t;
	semi = strchr(s, ';');
	if (semi != NULL) {
		ty = rb_str_trim((struct rb_str){s, (size_t)(semi - s)});
		for (p = ty.p; p < ty.p + ty.len; p++)
			if (!(RB_ISALNUM(*p) || *p == '-' || *p == '_' ||
			      *p == '.'))
				break;
		/* A type is one short atom: "rfc822", "smtp", "x-unix". */
		if (ty.len > 0 && ty.len <= 32 && p == ty.p + ty.len) {
			struct rb_str v = rb_str_trim((struct rb_str){semi + 1,
						      strlen(semi + 1)});

			t.type = rb_lower(rb_arena_strndup(a, ty.p, ty.len));
			t.value = rb_arena_strndup(a, v.p, v.len);
			return t;
		}
	}
	t.value = s;
	return t;
}

static const char *
get(const struct rb_fgroup *g, const char *name)
{
	const char *v = rb_fgroup_get(g, name);

	return v ? v : "";
}

static int
is_rcpt_group(const struct rb_fgroup *g)
{
	return rb_fgroup_has(g, "Final-Recipient") ||
	       rb_fgroup_has(g, "Original-Recipient") ||
	       rb_fgroup_has(g, "X-Actual-Recipient") ||
	       rb_fgroup_has(g, "Action") || rb_fgroup_has(g, "Status");
}

static void
read_rcpt(struct rb_arena *a, const struct rb_fgroup *g,
	  struct rb_dsn_rcpt *r, struct rb_diag *diag)
{
	const char *fr = rb_fgroup_get(g, "Final-Recipient");

	/* X-Actual-Recipient (Sendmail's) names the address an alias
	   expanded to; it stands in when Final-Recipient is missing. */
	if (fr == NULL)
		fr = rb_fgroup_get(g, "X-Actual-Recipient");
	r->final_rcpt = rb_dsn_typed(a, fr);
	if (fr == NULL)
		rb_diag_add(diag, "delivery-status: recipient group at line "
			    "%d has no Final-Recipient", g->line);
	else if (*r->final_rcpt.type == '\0')
		rb_diag_add(diag, "delivery-status: Final-Recipient without "
			    "an address type (line %d)", g->line);
	r->orig_rcpt = rb_dsn_typed(a, rb_fgroup_get(g, "Original-Recipient"));
	r->action = rb_lower(rb_arena_strdup(a, get(g, "Action")));
	r->status = get(g, "Status");
	r->remote_mta = rb_dsn_typed(a, rb_fgroup_get(g, "Remote-MTA"));
	r->diagnostic = rb_dsn_typed(a, rb_fgroup_get(g, "Diagnostic-Code"));
	r->last_attempt = get(g, "Last-Attempt-Date");
	r->will_retry_until = get(g, "Will-Retry-Until");
	r->final_log_id = get(g, "Final-Log-Id");
	r->line = g->line;
}

/* Per-message fields, from the group that has them. */
static void
read_message_fields(struct rb_arena *a, const struct rb_fblock *b,
		    struct rb_dsn *out)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		const struct rb_fgroup *g = &b->g[i];
		const char *v;

		if (*out->reporting_mta.value == '\0' &&
		    (v = rb_fgroup_get(g, "Reporting-MTA")) != NULL)
			out->reporting_mta = rb_dsn_typed(a, v);
		if (*out->received_from_mta.value == '\0' &&
		    (v = rb_fgroup_get(g, "Received-From-MTA")) != NULL)
			out->received_from_mta = rb_dsn_typed(a, v);
		if (*out->arrival_date == '\0' &&
		    (v = rb_fgroup_get(g, "Arrival-Date")) != NULL)
			out->arrival_date = v;
		if (*out->envelope_id == '\0' &&
		    (v = rb_fgroup_get(g, "Original-Envelope-Id")) != NULL)
			out->envelope_id = v;
	}
}

/* Some reporters (AOL's relays, for one) leave out the blank lines
   between recipient groups: a group holding a second Final-Recipient is
   split there (an Original-Recipient just before it goes with it). */
static void
split_groups(struct rb_arena *a, struct rb_fblock *b, size_t max,
	     struct rb_diag *diag)
{
	struct rb_fgroup *g;
	size_t i, k, n = 0, cap = 0, split = 0;

	for (i = 0; i < b->n; i++) {
		size_t nfr = 0;

		for (k = 0; k < b->g[i].n; k++)
			nfr += rb_strcaseeq(b->g[i].f[k].name,
					    "Final-Recipient");
		if (nfr > 1)
			break;
	}
	if (i == b->n)
		return;
	g = NULL;
	for (i = 0; i < b->n; i++) {
		const struct rb_fgroup *s = &b->g[i];
		size_t from = 0, fr = (size_t)-1;

		for (k = 0; k <= s->n; k++) {
			size_t at = k;

			if (k < s->n && !rb_strcaseeq(s->f[k].name,
						      "Final-Recipient"))
				continue;
			if (k < s->n && fr == (size_t)-1) {
				fr = k;
				continue;
			}
			if (k < s->n && k - 1 > fr &&
			    rb_strcaseeq(s->f[k - 1].name,
					 "Original-Recipient"))
				at = k - 1;
			if (n >= max)
				break;
			g = rb_arena_grow(a, g, &cap, n + 1, sizeof(*g));
			g[n].f = s->f + from;
			g[n].n = at - from;
			g[n].line = s->f[from].line;
			n++;
			if (k < s->n)
				split++;
			from = at;
			fr = k;
		}
	}
	b->g = g;
	b->n = n;
	if (diag != NULL)
		rb_diag_add(diag, "delivery-status: %zu recipient group(s) "
			    "without a blank line before them", split);
}

size_t
rb_dsn_parse(struct rb_arena *a, const char *data, size_t len,
	     struct rb_dsn *out, struct rb_diag *diag)
{
	struct rb_fblock b;
	size_t i, k = 0;

	memset(out, 0, sizeof(*out));
	out->reporting_mta = out->received_from_mta = (struct rb_typed){"", ""};
	out->arrival_date = out->envelope_id = "";
	if (len > RB_MAX_REPORT_BYTES) {
		rb_diag_add(diag, "delivery-status: part of %zu bytes, only "
			    "the first %u read", len, RB_MAX_REPORT_BYTES);
		len = RB_MAX_REPORT_BYTES;
	}
	/* One more group than recipients: the per-message one. */
	rb_fields_parse(a, data, len, "delivery-status",
			RB_MAX_RECIPIENTS + 1, &b, diag);
	split_groups(a, &b, RB_MAX_RECIPIENTS + 1, diag);
	read_message_fields(a, &b, out);
	for (i = 0; i < b.n; i++)
		if (is_rcpt_group(&b.g[i]))
			k++;
	if (k == 0)
		return 0;
	if (k > RB_MAX_RECIPIENTS)
		k = RB_MAX_RECIPIENTS;
	out->rcpt = rb_arena_array(a, k, sizeof(*out->rcpt));
	for (i = 0; i < b.n && out->n < k; i++)
		if (is_rcpt_group(&b.g[i]))
			read_rcpt(a, &b.g[i], &out->rcpt[out->n++], diag);
	return out->n;
}
