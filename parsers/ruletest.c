/* ruletest - running the examples that every rule carries */
#include "ruletest.h"

#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "core/arena.h"
#include "core/diag.h"
#include "core/str.h"
#include "rules_int.h"

struct tr {
	const struct rb_rules *rs;
	struct rb_rscratch *s;
	struct rb_parser *p;
	struct rb_pctx *c;
	struct rb_arena *a;
	rb_example_reader rd;
	void *ctx;
	struct rb_diag *fails;
	struct rb_testres *res;
};

static int
value_ok(const char *key, const char *got, const char *want)
{
	if (strcmp(key, "diagnostic") == 0)
		return *want == '\0' ? *got == '\0' :
		       rb_memcasemem(got, strlen(got), want,
				     strlen(want)) != NULL;
	return strcmp(got, want) == 0;
}

/* Compares one record with one expectation; returns the number of
   mismatches reported. */
static int
compare(struct tr *t, const struct rb_rule *r, const struct rb_example *ex,
	size_t idx, const struct rb_record *rec, const struct rb_expect *e)
{
	char tmp[21];
	size_t k;
	int bad = 0;

	for (k = 0; k < e->n; k++) {
		const char *got = rb_record_get(rec, e->key[k], tmp);

		if (got == NULL) {
			rb_diag_add(t->fails, "%s:%d: rule '%s': unknown key "
				    "'%s' in expect", r->file, ex->line,
				    r->id, e->key[k]);
			bad++;
		} else if (!value_ok(e->key[k], got, e->val[k])) {
			rb_diag_add(t->fails, "%s:%d: rule '%s': record %zu: "
				    "%s is \"%s\", expected \"%s\"", r->file,
				    ex->line, r->id, idx + 1, e->key[k], got,
				    e->val[k]);
			bad++;
		}
	}
	return bad;
}

static int
test_classify(struct tr *t, const struct rb_rule *r,
	      const struct rb_example *ex)
{
	struct rb_verdict v;
	struct rb_record rec;

	rb_rscratch_reset(t->s);
	rb_rules_classify(t->rs, t->s, ex->in, &v, NULL);
	if (strcmp(v.rule, r->id) != 0) {
		rb_diag_add(t->fails, "%s:%d: rule '%s': example decided by "
			    "%s", r->file, ex->line, r->id,
			    *v.rule ? v.rule : "no rule");
		return 1;
	}
	if (ex->nexpect == 0)
		return 0;
	rb_record_init(&rec);
	rec.reason = v.reason;
	rec.cls = *v.cls ? v.cls : rb_rules_class_of(t->rs, v.reason,
			ex->in[RB_CI_STATUS] ?
			ex->in[RB_CI_STATUS][0] == '4' :
			ex->in[RB_CI_REPLY_CODE] ?
			ex->in[RB_CI_REPLY_CODE][0] == '4' : 0);
	rec.rule = v.rule;
	return compare(t, r, ex, 0, &rec, &ex->expect[0]) > 0;
}

/* 1 when the records came from this decoder or auto-reply rule. */
static int
by_rule(const struct rb_rule *r, const struct rb_bounce *b)
{
	if (r->kind == RB_RK_AUTOREPLY)
		return strcmp(b->rec[0].rule, r->id) == 0;
	return strncmp(b->decoder, "rule:", 5) == 0 &&
	       strcmp(b->decoder + 5, r->id) == 0;
}

static int
test_message(struct tr *t, const struct rb_rule *r,
	     const struct rb_example *ex)
{
	char *data = NULL, msg[256];
	size_t len, i;
	struct rb_bounce b;
	int bad = 0;
	const char *src = ex->file ? ex->file : "(example)";

	if (ex->file) {
		if (t->rd == NULL || t->rd(t->ctx, r->file, ex->file, &data, &len, msg,
					   sizeof(msg)) != 0) {
			rb_diag_add(t->fails, "%s:%d: rule '%s': %s: %s",
				    r->file, ex->line, r->id, ex->file,
				    t->rd ? msg : "no file reader");
			return 1;
		}
	} else {
		len = strlen(ex->message);
		data = malloc(len + 1);
		memcpy(data, ex->message, len + 1);
	}
	rb_arena_reset(t->a);
	rb_bounce_parse(t->p, t->c, t->a, data, len, src, &b, NULL);
	if (b.n > 0 && ex->nexpect > 0 && !by_rule(r, &b)) {
		rb_diag_add(t->fails, "%s:%d: rule '%s': example read by "
			    "decoder \"%s\" (rule \"%s\")", r->file, ex->line,
			    r->id, b.decoder, b.rec[0].rule);
		bad = 1;
	} else if (b.n != ex->nexpect) {
		rb_diag_add(t->fails, "%s:%d: rule '%s': %zu record(s), "
			    "expected %zu (decoder \"%s\")", r->file,
			    ex->line, r->id, b.n, ex->nexpect, b.decoder);
		bad = 1;
	} else {
		for (i = 0; i < b.n; i++)
			if (compare(t, r, ex, i, &b.rec[i],
				    &ex->expect[i]) > 0)
				bad = 1;
	}
	free(data);
	return bad;
}

void
rb_rules_test(const struct rb_rules *rs, int min_layer, int max_layer,
	      rb_example_reader rd, void *ctx, struct rb_diag *fails,
	      struct rb_testres *res)
{
	struct rb_parse_opts o = {NULL, 0, 0};
	struct tr t = {rs, NULL, NULL, NULL, NULL, rd, ctx, fails, res};
	size_t i, e;

	memset(res, 0, sizeof(*res));
	t.s = rb_rscratch_new(rs);
	t.p = rb_parser_new(rs, &o);
	t.c = rb_pctx_new(t.p);
	t.a = rb_arena_new();
	for (i = 0; i < rs->nrule; i++) {
		const struct rb_rule *r = rs->rule[i];

		if (r->replaced || r->layer < min_layer ||
		    r->layer > max_layer)
			continue;
		res->rules++;
		for (e = 0; e < r->nex; e++) {
			res->run++;
			if (r->kind == RB_RK_CLASSIFY ?
			    test_classify(&t, r, &r->ex[e]) :
			    test_message(&t, r, &r->ex[e]))
				res->failed++;
		}
	}
	rb_arena_free(&t.a);
	rb_pctx_free(&t.c);
	rb_parser_free(&t.p);
	rb_rscratch_free(&t.s);
}
