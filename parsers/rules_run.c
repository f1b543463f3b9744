/* rules_run - compiling a rule set, matching primitives, classification */
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/err.h"
#include "core/str.h"
#include "rules_int.h"

struct rb_rules *
rb_rules_new(void)
{
	struct rb_rules *rs = rb_xcalloc(1, sizeof(*rs));

	rs->a = rb_arena_new();
	return rs;
}

static void
free_tlist(struct rb_tlist *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		rb_regex_free(&t->m[i].re);
}

static void
free_rule(struct rb_rule *r)
{
	size_t i;

	for (i = 0; i < r->nmatch; i++)
		free_tlist(&r->match[i].t);
	for (i = 0; i < r->nunless; i++)
		free_tlist(&r->unless[i].t);
	for (i = 0; i < r->nany; i++)
		free_tlist(&r->any[i].t);
	free_tlist(&r->text);
	free_tlist(&r->not_text);
	free_tlist(&r->remote_mta);
	free_tlist(&r->reporting_mta);
	free_tlist(&r->recipient);
	free_tlist(&r->start);
	free_tlist(&r->stop);
	for (i = 0; i < r->nrcpt; i++)
		rb_regex_free(&r->rcpt[i].re);
	for (i = 0; i < r->nfields; i++)
		rb_regex_free(&r->fields[i]);
	for (i = 0; i < r->nblocks; i++)
		rb_regex_free(&r->blocks[i]);
	for (i = 0; i < r->nhdr; i++)
		rb_regex_free(&r->hdr[i].re);
}

void
rb_rules_free(struct rb_rules **rsp)
{
	struct rb_rules *rs;
	size_t i;

	if (rsp == NULL || *rsp == NULL)
		return;
	rs = *rsp;
	for (i = 0; i < rs->nrule; i++)
		free_rule(rs->rule[i]);
	for (i = 0; i < rs->nsrc; i++)
		rb_acm_free(&rs->src[i].acm);
	for (i = 0; i < 3; i++) {
		free(rs->by_kind[i]);
		free(rs->pass[i]);
	}
	free(rs->src);
	free(rs->rule);
	rb_arena_free(&rs->a);
	free(rs);
	*rsp = NULL;
}

static const struct rb_reason *
find_reason(const struct rb_rules *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->nreason; i++)
		if (strcmp(rs->reason[i].name, name) == 0)
			return &rs->reason[i];
	return NULL;
}

int
rb_rules_has_reason(const struct rb_rules *rs, const char *reason)
{
	return find_reason(rs, reason) != NULL;
}

const char *
rb_rules_class_of(const struct rb_rules *rs, const char *reason,
		  int temporary)
{
	const struct rb_reason *r = find_reason(rs, reason);

	if (r == NULL)
		return "";
	return temporary ? r->temp_cls : r->cls;
}

static void
add_literals(struct rb_rules *rs, struct rb_tlist *t, size_t source)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->m[i].lit != NULL)
			t->m[i].acm_id = rb_acm_add(rs->src[source].acm,
						    t->m[i].lit,
						    t->m[i].litlen);
}

static void
index_rule(struct rb_rules *rs, struct rb_rule *r)
{
	size_t i, diag = rb_rules_source(rs, "diagnostic");

	for (i = 0; i < r->nmatch; i++)
		add_literals(rs, &r->match[i].t, r->match[i].source);
	for (i = 0; i < r->nunless; i++)
		add_literals(rs, &r->unless[i].t, r->unless[i].source);
	for (i = 0; i < r->nany; i++)
		add_literals(rs, &r->any[i].t, r->any[i].source);
	add_literals(rs, &r->text, diag);
	add_literals(rs, &r->not_text, diag);
}

/* Marks rules that a higher-precedence layer redefines; reports two
   rules with one id in one layer. */
static size_t
resolve_ids(struct rb_rules *rs, struct rb_diag *errs)
{
	size_t i, j, nerr = 0;

	for (i = 0; i < rs->nrule; i++) {
		struct rb_rule *a = rs->rule[i];

		for (j = 0; j < i; j++) {
			struct rb_rule *b = rs->rule[j];

			if (strcmp(a->id, b->id) != 0)
				continue;
			if (a->layer == b->layer) {
				rb_diag_add(errs, "%s:%d: duplicate id '%s' "
					    "(first at %s:%d)", a->file,
					    a->line, a->id, b->file, b->line);
				nerr++;
			} else if (a->layer < b->layer) {
				b->replaced = 1;
			} else {
				a->replaced = 1;
			}
		}
	}
	return nerr;
}

static int
decoder_known(const struct rb_rules *rs, const char *id)
{
	size_t i;

	if (strcmp(id, "rfc3464") == 0 || strcmp(id, "arf") == 0 ||
	    strcmp(id, "rfc3834") == 0)
		return 1;
	for (i = 0; i < rs->nrule; i++)
		if (rs->rule[i]->kind == RB_RK_DECODER &&
		    strcmp(rs->rule[i]->id, id) == 0)
			return 1;
	return 0;
}

static size_t
check_rule(struct rb_rules *rs, const struct rb_rule *r, int require_examples,
	   struct rb_diag *errs)
{
	size_t nerr = 0, k;
	const char *reason = r->kind == RB_RK_CLASSIFY ? r->reason
						      : r->set[RB_S_REASON];

	if (reason != NULL && find_reason(rs, reason) == NULL) {
		rb_diag_add(errs, "%s:%d: rule '%s': unknown reason '%s' "
			    "(reasons are defined in a reasons: table)",
			    r->file, r->line, r->id, reason);
		nerr++;
	}
	for (k = 0; k < r->ndecoder; k++)
		if (!decoder_known(rs, r->decoder[k])) {
			rb_diag_add(errs, "%s:%d: rule '%s': unknown decoder "
				    "'%s' (rfc3464, arf, rfc3834 or a decoder "
				    "rule's id)", r->file, r->line, r->id,
				    r->decoder[k]);
			nerr++;
		}
	if (require_examples && r->nex == 0) {
		rb_diag_add(errs, "%s:%d: rule '%s': no examples (every rule "
			    "needs at least one)", r->file, r->line, r->id);
		nerr++;
	}
	return nerr;
}

static int
rule_order(const void *pa, const void *pb)
{
	const struct rb_rule *a = *(struct rb_rule *const *)pa;
	const struct rb_rule *b = *(struct rb_rule *const *)pb;

	if (a->layer != b->layer)
		return a->layer < b->layer ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The classify rules of each pass: 0, those scoped to decoders; 1, the
   others but the fallbacks; 2, the fallbacks. */
static void
split_passes(struct rb_rules *rs)
{
	size_t i, k, n = rs->nkind[RB_RK_CLASSIFY];

	for (k = 0; k < 3; k++) {
		rs->pass[k] = rb_xreallocarray(NULL, n + 1,
					       sizeof(*rs->pass[k]));
		rs->npass[k] = 0;
	}
	for (i = 0; i < n; i++) {
		struct rb_rule *r = rs->by_kind[RB_RK_CLASSIFY][i];

		k = r->ndecoder > 0 ? 0 : r->fallback ? 2 : 1;
		rs->pass[k][rs->npass[k]++] = r;
	}
}

size_t
rb_rules_compile(struct rb_rules *rs, int require_examples,
		 struct rb_diag *errs)
{
	size_t i, k, nerr;

	if (rs->compiled)
		return 0;
	nerr = resolve_ids(rs, errs);
	for (k = 0; k < 3; k++) {
		rs->by_kind[k] = rb_xreallocarray(NULL, rs->nrule + 1,
						  sizeof(*rs->by_kind[k]));
		rs->nkind[k] = 0;
	}
	rs->replaced = 0;
	for (i = 0; i < rs->nrule; i++) {
		struct rb_rule *r = rs->rule[i];

		if (r->replaced) {
			rs->replaced++;
			continue;
		}
		nerr += check_rule(rs, r, require_examples, errs);
		rs->by_kind[r->kind][rs->nkind[r->kind]++] = r;
		index_rule(rs, r);
	}
	for (k = 0; k < 3; k++)
		qsort(rs->by_kind[k], rs->nkind[k], sizeof(*rs->by_kind[k]),
		      rule_order);
	split_passes(rs);
	(void)rb_rules_source(rs, "diagnostic");
	for (i = 0; i < rs->nsrc; i++)
		rb_acm_compile(rs->src[i].acm);
	rs->compiled = 1;
	return nerr;
}

size_t
rb_rules_count(const struct rb_rules *rs, enum rb_rkind kind)
{
	return rs->nkind[kind];
}

const char *
rb_rules_id(const struct rb_rules *rs, enum rb_rkind kind, size_t i)
{
	return i < rs->nkind[kind] ? rs->by_kind[kind][i]->id : "";
}

const char *
rb_rules_where(const struct rb_rules *rs, enum rb_rkind kind, size_t i)
{
	const struct rb_rule *r;

	if (i >= rs->nkind[kind])
		return "";
	r = rs->by_kind[kind][i];
	return rb_arena_printf(rs->a, "%s:%d", r->file, r->line);
}

size_t
rb_rules_replaced(const struct rb_rules *rs)
{
	return rs->replaced;
}

struct rb_rscratch *
rb_rscratch_new(const struct rb_rules *rs)
{
	struct rb_rscratch *s = rb_xcalloc(1, sizeof(*s));
	size_t i;

	if (!rs->compiled)
		rb_panic("rb_rscratch_new before rb_rules_compile");
	s->rx = rb_rx_scratch_new();
	s->nsrc = rs->nsrc;
	s->hits = rb_xcalloc(rs->nsrc + 1, sizeof(*s->hits));
	s->hitsize = rb_xcalloc(rs->nsrc + 1, sizeof(*s->hitsize));
	for (i = 0; i < rs->nsrc; i++) {
		s->hitsize[i] = rb_acm_hits_size(rs->src[i].acm);
		s->hits[i] = rb_xcalloc(1, s->hitsize[i]);
	}
	return s;
}

void
rb_rscratch_free(struct rb_rscratch **sp)
{
	struct rb_rscratch *s;
	size_t i;

	if (sp == NULL || *sp == NULL)
		return;
	s = *sp;
	rb_rx_scratch_free(&s->rx);
	for (i = 0; i < s->nsrc; i++)
		free(s->hits[i]);
	free(s->hits);
	free(s->hitsize);
	free(s);
	*sp = NULL;
}

void
rb_rscratch_reset(struct rb_rscratch *s)
{
	rb_rx_reset(s->rx);
}

void
rb_rules_scan(const struct rb_rules *rs, struct rb_rscratch *s,
	      size_t source, const char *text, size_t len)
{
	memset(s->hits[source], 0, s->hitsize[source]);
	rb_acm_scan(rs->src[source].acm, text, len, s->hits[source]);
}

int
rb_tlist_match(const struct rb_tlist *t, const struct rb_rscratch *s,
	       size_t source, const char *text, size_t len, int *limit,
	       const struct rb_tmatch **which)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct rb_tmatch *m = &t->m[i];
		int r;

		if (m->lit != NULL && !RB_ACM_HIT(s->hits[source], m->acm_id))
			continue;
		if (m->re == NULL) {
			if (which)
				*which = m;
			return 1;
		}
		r = rb_regex_match(m->re, s->rx, text, len, 0);
		if (r == RB_RX_LIMIT && limit)
			*limit = 1;
		if (r == RB_RX_MATCH) {
			if (which)
				*which = m;
			return 1;
		}
	}
	return 0;
}

int
rb_tlist_match_line(const struct rb_tlist *t, struct rb_rscratch *s,
		    const char *line, size_t len, int *limit)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct rb_tmatch *m = &t->m[i];
		int r;

		if (m->re == NULL) {
			if (rb_memcasemem(line, len, m->lit, m->litlen))
				return 1;
			continue;
		}
		if (m->lit != NULL &&
		    !rb_memcasemem(line, len, m->lit, m->litlen))
			continue;
		r = rb_regex_match(m->re, s->rx, line, len, 0);
		if (r == RB_RX_LIMIT && limit)
			*limit = 1;
		if (r == RB_RX_MATCH)
			return 1;
	}
	return 0;
}

static int
codes_match(const struct rb_codepat *p, size_t n, const char *code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rb_codepat_match(&p[i], code))
			return 1;
	return 0;
}

static int
in_strs(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static int
action_in(const struct rb_rule *r, const char *action)
{
	size_t i;

	for (i = 0; i < r->naction; i++)
		if (strcmp(r->action[i], action) == 0)
			return 1;
	return 0;
}

const char *const rb_cin_names[RB_CI_COUNT] = {
	"diagnostic", "status", "reply_code", "action", "decoder", "command",
	"remote_mta", "reporting_mta", "recipient",
};

/* A host or address condition: an empty list holds; else the value
   (one line) must contain an item. */
static int
value_holds(const struct rb_tlist *t, struct rb_rscratch *s, const char *val,
	    int *limit)
{
	if (t->n == 0)
		return 1;
	return rb_tlist_match_line(t, s, val, strlen(val), limit);
}

void
rb_rules_classify(const struct rb_rules *rs, struct rb_rscratch *s,
		  const char *const in[RB_CI_COUNT],
		  struct rb_verdict *v, struct rb_diag *trace)
{
	size_t src = rb_rules_find_source(rs, "diagnostic"), i, dlen;
	int temporary, pass;
#define IN(k) (in[k] ? in[k] : "")
	const char *diagnostic = IN(RB_CI_DIAGNOSTIC);
	const char *status = IN(RB_CI_STATUS);
	const char *reply_code = IN(RB_CI_REPLY_CODE);
	const char *action = IN(RB_CI_ACTION);
	const char *decoder = IN(RB_CI_DECODER);
	const char *command = IN(RB_CI_COMMAND);
	const char *remote = IN(RB_CI_REMOTE_MTA);
	const char *reporting = IN(RB_CI_REPORTING_MTA);
	const char *rcpt = IN(RB_CI_RECIPIENT);
#undef IN

	if (strncmp(decoder, "rule:", 5) == 0)
		decoder += 5;
	dlen = strlen(diagnostic);
	temporary = status[0] ? status[0] == '4' :
		    reply_code[0] ? reply_code[0] == '4' :
		    strcmp(action, "delayed") == 0;
	v->reason = v->cls = v->rule = "";
	v->limit_hit = 0;
	rb_rules_scan(rs, s, src, diagnostic, dlen);
	/* Pass 0: the rules scoped to this decoder; pass 1: the others
	   but the fallbacks; pass 2: the fallbacks. */
	for (pass = 0; pass < 3; pass++)
	for (i = 0; i < rs->npass[pass]; i++) {
		const struct rb_rule *r = rs->pass[pass][i];
		const struct rb_tmatch *which = NULL;
		int limit = 0;

		if (pass == 0 && !in_strs(r->decoder, r->ndecoder, decoder))
			continue;
		if (r->naction && !action_in(r, action))
			continue;
		if (r->ncommand && !in_strs(r->command, r->ncommand, command))
			continue;
		if (r->nstatus && !codes_match(r->status, r->nstatus, status))
			continue;
		if (r->nreply && !codes_match(r->reply, r->nreply, reply_code))
			continue;
		if (!value_holds(&r->remote_mta, s, remote, &limit) ||
		    !value_holds(&r->reporting_mta, s, reporting, &limit) ||
		    !value_holds(&r->recipient, s, rcpt, &limit)) {
			if (limit)
				v->limit_hit = 1;
			continue;
		}
		if (r->text.n && !rb_tlist_match(&r->text, s, src, diagnostic,
						 dlen, &limit, &which)) {
			if (limit) {
				v->limit_hit = 1;
				if (trace)
					rb_diag_add(trace, "classify %s: a "
						    "pattern hit its match "
						    "limit, skipped", r->id);
			}
			continue;
		}
		if (r->not_text.n && rb_tlist_match(&r->not_text, s, src,
						    diagnostic, dlen, &limit,
						    NULL))
			continue;
		v->reason = r->reason;
		v->cls = r->cls ? r->cls
				: rb_rules_class_of(rs, r->reason, temporary);
		v->rule = r->id;
		if (trace)
			rb_diag_add(trace, "classify: rule %s (%s:%d) matched%s%s"
				    "%s -> reason %s, class %s", r->id, r->file,
				    r->line, which ? " on \"" : "",
				    which ? which->src : "", which ? "\"" : "",
				    v->reason, v->cls);
		return;
	}
	if (trace)
		rb_diag_add(trace, "classify: no rule matched");
}
