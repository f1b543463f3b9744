/* rules - loading and checking a rule set (rules/README.md) */
#include "rules.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/diag.h"
#include "core/err.h"
#include "core/str.h"
#include "core/yaml.h"
#include "rules_int.h"
#include "smtp.h"

const char *const rb_slot_names[RB_S_COUNT] = {
	"recipient", "original_recipient", "diagnostic", "status",
	"reply_code", "remote_mta", "reporting_mta", "action", "reason",
	"class", "feedback_type", "date", "command",
};

static const char *const classes[] = {
	"hard", "soft", "block", "complaint", "delayed", "delivered",
	"autoreply", "unknown", NULL,
};

static const char *const commands[] = {
	"RCPT", "MAIL", "DATA", "HELO", "CONN", NULL,
};

static const char *const actions[] = {
	"failed", "delayed", "delivered", "relayed", "expanded", NULL,
};

int
rb_slot_of(const char *name)
{
	int i;

	for (i = 0; i < RB_S_COUNT; i++)
		if (strcmp(rb_slot_names[i], name) == 0)
			return i;
	return -1;
}

static int
in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* One file being read. */
struct ld {
	struct rb_rules *rs;
	struct rb_diag *errs;
	const char *file;
	int layer;
	size_t nerr;
	const char *rule;	/* id of the rule being read, for messages */
};

static void
err(struct ld *l, const struct rb_ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
err(struct ld *l, const struct rb_ynode *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = rb_arena_vprintf(l->rs->a, fmt, ap);
	va_end(ap);
	if (l->rule)
		rb_diag_add(l->errs, "%s:%d:%d: rule '%s': %s", l->file,
			    n ? n->line : 1, n ? n->col : 1, l->rule, msg);
	else
		rb_diag_add(l->errs, "%s:%d:%d: %s", l->file, n ? n->line : 1,
			    n ? n->col : 1, msg);
	l->nerr++;
}

/* Unknown keys are errors: a typo must not silently disable a rule. */
static void
check_keys(struct ld *l, const struct rb_ynode *map, const char *const *known,
	   const char *what)
{
	size_t i, k;

	for (i = 0; i < rb_ymap_count(map); i++) {
		const struct rb_ynode *key = rb_ymap_key(map, i);

		if (in_list(key->str, known))
			continue;
		{
			char list[512] = "";
			size_t off = 0;

			for (k = 0; known[k] && off < sizeof(list) - 40; k++)
				off += (size_t)snprintf(list + off,
					sizeof(list) - off, "%s%s",
					k ? ", " : "", known[k]);
			err(l, key, "unknown key '%s' in %s (known: %s)",
			    key->str, what, list);
		}
	}
}

static int
want(struct ld *l, const struct rb_ynode *n, enum rb_ytype t,
     const char *what)
{
	if (n != NULL && n->type == t)
		return 1;
	err(l, n, "%s must be %s, not %s", what, rb_ytype_name(t),
	    n ? rb_ytype_name(n->type) : "missing");
	return 0;
}

static const char *
scalar(struct ld *l, const struct rb_ynode *n, const char *what)
{
	if (n == NULL)
		return NULL;
	if (!want(l, n, RB_YSCALAR, what))
		return NULL;
	return n->str;
}

/* A scalar or a list of scalars, as an array of nodes. */
static size_t
scalars(struct ld *l, const struct rb_ynode *n, const char *what,
	const struct rb_ynode ***out)
{
	size_t i;

	*out = NULL;
	if (n == NULL)
		return 0;
	if (n->type == RB_YSCALAR) {
		*out = rb_arena_alloc(l->rs->a, sizeof(**out));
		(*out)[0] = n;
		return 1;
	}
	if (!want(l, n, RB_YSEQ, what))
		return 0;
	for (i = 0; i < n->n; i++)
		if (n->kid[i]->type != RB_YSCALAR) {
			err(l, n->kid[i], "items of %s must be scalars", what);
			return 0;
		}
	*out = (const struct rb_ynode **)n->kid;
	return n->n;
}

static struct rb_regex *
regex(struct ld *l, const struct rb_ynode *n, const char *src, unsigned flags)
{
	char ebuf[256];
	size_t len = strlen(src);
	struct rb_regex *re;

	/* Keys that only take patterns (recipients, fields, blocks,
	   header_fields) accept them with or without the /.../ that text
	   lists need. */
	if (len >= 2 && src[0] == '/' && src[len - 1] == '/')
		src = rb_arena_strndup(l->rs->a, src + 1, len - 2);
	re = rb_regex_new(src, flags, ebuf, sizeof(ebuf));

	if (re == NULL)
		err(l, n, "bad regular expression /%s/: %s", src, ebuf);
	return re;
}

/* The flags of a "/regex/" or "/regex/flags" text item (flags from i, m,
   s, x), as a string after the closing slash; NULL when s is a phrase. */
static const char *
pattern_flags(const char *s, size_t len)
{
	size_t k = len;

	if (len < 2 || s[0] != '/')
		return NULL;
	while (k > 1 && strchr("imsx", s[k - 1]) != NULL)
		k--;
	if (k < 2 || s[k - 1] != '/' || len - k > 4)
		return NULL;
	return s + k;
}

/* Text items: "phrase", "/regex/" or "/regex/flags". */
static void
tlist(struct ld *l, const struct rb_ynode *n, const char *what,
      struct rb_tlist *t)
{
	const struct rb_ynode **items;
	size_t i, k = scalars(l, n, what, &items);

	t->n = 0;
	t->m = rb_arena_array(l->rs->a, k ? k : 1, sizeof(*t->m));
	for (i = 0; i < k; i++) {
		struct rb_tmatch *m = &t->m[t->n];
		const char *s = items[i]->str, *flags;
		size_t len = items[i]->len;

		memset(m, 0, sizeof(*m));
		m->src = s;
		m->line = items[i]->line;
		m->col = items[i]->col;
		if ((flags = pattern_flags(s, len)) != NULL) {
			char lit[128];
			size_t blen = (size_t)(flags - s) - 2;
			char *body = rb_arena_strndup(l->rs->a, s + 1, blen);
			char *pat = *flags ? rb_arena_printf(l->rs->a, "(?%s)%s",
							     flags, body) : body;

			/* ^ and $ match at line ends: bodies and joined
			   headers are many lines. */
			m->re = regex(l, items[i], pat,
				      RB_RX_ICASE | RB_RX_MULTILINE);
			if (m->re == NULL)
				continue;
			rb_regex_required_literal(body, lit, sizeof(lit));
			if (lit[0]) {
				m->lit = rb_arena_strdup(l->rs->a, lit);
				m->litlen = strlen(lit);
			}
		} else if (len == 0) {
			err(l, items[i], "empty text in %s", what);
			continue;
		} else {
			m->lit = rb_lower(rb_arena_strndup(l->rs->a, s, len));
			m->litlen = len;
		}
		t->n++;
	}
}

size_t
rb_rules_find_source(const struct rb_rules *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->nsrc; i++)
		if (strcmp(rs->src[i].name, name) == 0)
			return i;
	return (size_t)-1;
}

size_t
rb_rules_source(struct rb_rules *rs, const char *name)
{
	size_t i = rb_rules_find_source(rs, name);

	if (i != (size_t)-1)
		return i;
	if (rs->nsrc == rs->srccap) {
		rs->srccap = rs->srccap ? rs->srccap * 2 : 8;
		rs->src = rb_xreallocarray(rs->src, rs->srccap,
					   sizeof(*rs->src));
	}
	rs->src[rs->nsrc].name = rb_lower(rb_arena_strdup(rs->a, name));
	rs->src[rs->nsrc].acm = rb_acm_new();
	return rs->nsrc++;
}

static void
add_cond(struct ld *l, struct rb_cond **conds, size_t *n, size_t *cap,
	 const char *source, const struct rb_ynode *node, const char *what)
{
	struct rb_cond *c;

	*conds = rb_arena_grow(l->rs->a, *conds, cap, *n + 1, sizeof(**conds));
	c = &(*conds)[(*n)++];
	c->source = rb_rules_source(l->rs, source);
	tlist(l, node, what, &c->t);
}

/* match: / unless: blocks. */
static void
conditions(struct ld *l, const struct rb_ynode *map, const char *what,
	   struct rb_cond **conds, size_t *n)
{
	static const char *const known[] = {"from", "to", "subject", "body",
					    "headers", NULL};
	size_t i, cap = 0;

	*conds = NULL;
	*n = 0;
	if (map == NULL)
		return;
	if (!want(l, map, RB_YMAP, what))
		return;
	check_keys(l, map, known, what);
	for (i = 0; i < rb_ymap_count(map); i++) {
		const struct rb_ynode *k = rb_ymap_key(map, i);
		const struct rb_ynode *v = rb_ymap_value(map, i);
		size_t j;

		if (strcmp(k->str, "headers") != 0) {
			if (in_list(k->str, known))
				add_cond(l, conds, n, &cap, k->str, v, k->str);
			continue;
		}
		if (!want(l, v, RB_YMAP, "headers"))
			continue;
		for (j = 0; j < rb_ymap_count(v); j++)
			add_cond(l, conds, n, &cap, rb_ymap_key(v, j)->str,
				 rb_ymap_value(v, j), rb_ymap_key(v, j)->str);
	}
}

static size_t
codepats(struct ld *l, const struct rb_ynode *n, int reply,
	 struct rb_codepat **out)
{
	const struct rb_ynode **items;
	size_t i, k = scalars(l, n, reply ? "reply_code" : "status", &items);

	*out = rb_arena_array(l->rs->a, k ? k : 1, sizeof(**out));
	for (i = 0; i < k; i++) {
		const char *s = items[i]->str;
		size_t j, len = items[i]->len, parts = 1;
		int ok = len > 0 && len < sizeof((*out)[i].s);

		for (j = 0; ok && j < len; j++) {
			if (s[j] == '.' && !reply && j > 0 && s[j - 1] != '.')
				parts++;
			else if (!(RB_ISDIGIT(s[j]) || s[j] == '*' ||
				   s[j] == 'x' || s[j] == 'X'))
				ok = 0;
		}
		if (reply)
			ok = ok && len == 3;
		else
			ok = ok && parts == 3 && s[len - 1] != '.';
		if (!ok) {
			err(l, items[i], reply ?
			    "reply code pattern '%s' must be 3 characters of "
			    "digits or '*' (\"550\", \"55*\")" :
			    "status pattern '%s' must be like \"5.1.1\", "
			    "\"5.7.*\" or \"*.2.2\"", s);
			continue;
		}
		memcpy((*out)[i].s, s, len + 1);
		for (j = 0; j < len; j++)
			if ((*out)[i].s[j] == 'x' || (*out)[i].s[j] == 'X')
				(*out)[i].s[j] = '*';
	}
	return k;
}

int
rb_codepat_match(const struct rb_codepat *p, const char *code)
{
	const char *a = p->s, *b = code;
	int dotted = strchr(a, '.') != NULL;

	/* In a status pattern '*' stands for one whole component ("5.*.1"),
	   in a reply code pattern for one digit ("55*"). */
	while (*a && *b) {
		if (*a == '*') {
			a++;
			if (dotted)
				while (*b && *b != '.')
					b++;
			else
				b++;
			continue;
		}
		if (*a != *b)
			return 0;
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

/* expect: a mapping (one record) or a list of mappings. */
static void
expect(struct ld *l, const struct rb_ynode *n, struct rb_example *ex,
       int single)
{
	const struct rb_ynode *const *recs = &n;
	size_t nrec = 1, i, j;

	if (n == NULL) {
		err(l, NULL, "example without expect");
		return;
	}
	if (!single && n->type == RB_YSEQ) {
		recs = (const struct rb_ynode *const *)n->kid;
		nrec = n->n;
		ex->expect_none = nrec == 0;
	} else if (!want(l, n, RB_YMAP, "expect")) {
		return;
	}
	ex->expect = rb_arena_array(l->rs->a, nrec ? nrec : 1,
				    sizeof(*ex->expect));
	for (i = 0; i < nrec; i++) {
		const struct rb_ynode *m = recs[i];
		struct rb_expect *e = &ex->expect[ex->nexpect];
		size_t k;

		if (!want(l, m, RB_YMAP, "an expected record"))
			continue;
		k = rb_ymap_count(m);
		e->key = rb_arena_array(l->rs->a, k ? k : 1, sizeof(*e->key));
		e->val = rb_arena_array(l->rs->a, k ? k : 1, sizeof(*e->val));
		for (j = 0; j < k; j++) {
			const char *v = scalar(l, rb_ymap_value(m, j),
					       rb_ymap_key(m, j)->str);

			e->key[e->n] = rb_ymap_key(m, j)->str;
			e->val[e->n] = v ? v : "";
			e->n++;
		}
		ex->nexpect++;
	}
}

static void
examples(struct ld *l, const struct rb_ynode *n, struct rb_rule *r)
{
	const char *ckeys[RB_CI_COUNT + 2];
	static const char *const mkeys[] = {"message", "file", "expect", NULL};
	size_t i, k;

	for (k = 0; k < RB_CI_COUNT; k++)
		ckeys[k] = rb_cin_names[k];
	ckeys[RB_CI_COUNT] = "expect";
	ckeys[RB_CI_COUNT + 1] = NULL;
	if (n == NULL)
		return;
	if (!want(l, n, RB_YSEQ, "examples"))
		return;
	r->ex = rb_arena_array(l->rs->a, n->n ? n->n : 1, sizeof(*r->ex));
	for (i = 0; i < n->n; i++) {
		const struct rb_ynode *m = n->kid[i];
		struct rb_example *ex = &r->ex[r->nex];

		if (!want(l, m, RB_YMAP, "an example"))
			continue;
		ex->line = m->line;
		if (r->kind == RB_RK_CLASSIFY) {
			check_keys(l, m, ckeys, "a classification example");
			for (k = 0; k < RB_CI_COUNT; k++)
				ex->in[k] = scalar(l, rb_ymap_get(m,
						   rb_cin_names[k]),
						   rb_cin_names[k]);
			expect(l, rb_ymap_get(m, "expect"), ex, 1);
		} else {
			check_keys(l, m, mkeys, "an example");
			ex->message = scalar(l, rb_ymap_get(m, "message"),
					     "message");
			ex->file = scalar(l, rb_ymap_get(m, "file"), "file");
			if ((ex->message == NULL) == (ex->file == NULL))
				err(l, m, "an example needs one of message "
				    "or file");
			expect(l, rb_ymap_get(m, "expect"), ex, 0);
		}
		r->nex++;
	}
}

static const char *
reason_or_class(struct ld *l, const struct rb_ynode *n, int is_class)
{
	const char *s = scalar(l, n, is_class ? "class" : "reason");

	if (s && is_class && !in_list(s, classes))
		err(l, n, "unknown class '%s' (hard, soft, block, complaint, "
		    "delayed, delivered, autoreply, unknown)", s);
	/* Reason names are checked at compile: files may define them. */
	return s;
}

static void
classify_rule(struct ld *l, const struct rb_ynode *m, struct rb_rule *r)
{
	static const char *const known[] = {"id", "description", "text",
		"not_text", "status", "reply_code", "action", "decoder",
		"command", "remote_mta", "reporting_mta", "recipient",
		"fallback", "reason", "class", "examples", NULL};
	const struct rb_ynode **acts;
	size_t i;

	check_keys(l, m, known, "a classification rule");
	tlist(l, rb_ymap_get(m, "text"), "text", &r->text);
	tlist(l, rb_ymap_get(m, "not_text"), "not_text", &r->not_text);
	tlist(l, rb_ymap_get(m, "remote_mta"), "remote_mta", &r->remote_mta);
	tlist(l, rb_ymap_get(m, "reporting_mta"), "reporting_mta",
	      &r->reporting_mta);
	tlist(l, rb_ymap_get(m, "recipient"), "recipient", &r->recipient);
	r->nstatus = codepats(l, rb_ymap_get(m, "status"), 0, &r->status);
	r->nreply = codepats(l, rb_ymap_get(m, "reply_code"), 1, &r->reply);
	r->naction = scalars(l, rb_ymap_get(m, "action"), "action", &acts);
	r->action = rb_arena_array(l->rs->a, r->naction ? r->naction : 1,
				   sizeof(*r->action));
	for (i = 0; i < r->naction; i++) {
		r->action[i] = acts[i]->str;
		if (!in_list(acts[i]->str, actions))
			err(l, acts[i], "unknown action '%s'", acts[i]->str);
	}
	r->ndecoder = scalars(l, rb_ymap_get(m, "decoder"), "decoder", &acts);
	r->decoder = rb_arena_array(l->rs->a, r->ndecoder ? r->ndecoder : 1,
				    sizeof(*r->decoder));
	for (i = 0; i < r->ndecoder; i++)
		r->decoder[i] = acts[i]->str;
	r->ncommand = scalars(l, rb_ymap_get(m, "command"), "command", &acts);
	r->command = rb_arena_array(l->rs->a, r->ncommand ? r->ncommand : 1,
				    sizeof(*r->command));
	for (i = 0; i < r->ncommand; i++) {
		r->command[i] = acts[i]->str;
		if (!in_list(acts[i]->str, commands))
			err(l, acts[i], "unknown command '%s' (RCPT, MAIL, "
			    "DATA, HELO or CONN)", acts[i]->str);
	}
	if (rb_ymap_get(m, "fallback") != NULL &&
	    rb_ybool(rb_ymap_get(m, "fallback"), &r->fallback) != 0) {
		err(l, rb_ymap_get(m, "fallback"),
		    "fallback must be true or false");
		r->fallback = 0;
	}
	r->reason = reason_or_class(l, rb_ymap_get(m, "reason"), 0);
	r->cls = reason_or_class(l, rb_ymap_get(m, "class"), 1);
	if (r->reason == NULL)
		err(l, m, "a classification rule needs a reason");
	if (r->text.n == 0 && r->nstatus == 0 && r->nreply == 0 &&
	    r->naction == 0)
		err(l, m, "a classification rule needs at least one of text, "
		    "status, reply_code or action");
}

static enum rb_follow
follow_mode(struct ld *l, const struct rb_ynode *n)
{
	static const char *const names[] = {"until-blank", "following",
					    "indented", "none", NULL};
	int i;

	if (n == NULL)
		return RB_F_UNTIL_BLANK;
	for (i = 0; names[i]; i++)
		if (n->type == RB_YSCALAR && strcmp(n->str, names[i]) == 0)
			return (enum rb_follow)i;
	err(l, n, "follow must be until-blank, following, indented or none");
	return RB_F_UNTIL_BLANK;
}

/* Named groups must name slots. */
static void
check_groups(struct ld *l, const struct rb_ynode *n, const struct rb_regex *re,
	     int need_recipient)
{
	size_t i;

	for (i = 0; i < rb_regex_name_count(re); i++)
		if (rb_slot_of(rb_regex_name_at(re, i)) < 0)
			err(l, n, "unknown group name '%s' (groups name "
			    "record fields: recipient, diagnostic, status, "
			    "reply_code, remote_mta, ...)",
			    rb_regex_name_at(re, i));
	if (need_recipient && rb_regex_group(re, "recipient") < 0)
		err(l, n, "the pattern needs a (?<recipient>...) group");
}

static size_t
regex_list(struct ld *l, const struct rb_ynode *n, const char *what,
	   unsigned flags, int need_recipient, struct rb_regex ***out)
{
	const struct rb_ynode **items;
	size_t i, k = scalars(l, n, what, &items), got = 0;

	*out = rb_arena_array(l->rs->a, k ? k : 1, sizeof(**out));
	for (i = 0; i < k; i++) {
		struct rb_regex *re = regex(l, items[i], items[i]->str, flags);

		if (re == NULL)
			continue;
		check_groups(l, items[i], re, need_recipient);
		(*out)[got++] = re;
	}
	return got;
}

static void
recipients(struct ld *l, const struct rb_ynode *n, struct rb_rule *r)
{
	static const char *const known[] = {"line", "follow", NULL};
	size_t i;

	const struct rb_ynode *one = n;
	struct rb_ynode seq;

	if (n == NULL)
		return;
	if (n->type == RB_YSCALAR) {
		/* A single pattern stands for a list of one. */
		seq = (struct rb_ynode){.type = RB_YSEQ, .line = n->line,
					.col = n->col, .n = 1,
					.kid = (struct rb_ynode **)&one};
		n = &seq;
	}
	if (!want(l, n, RB_YSEQ, "recipients"))
		return;
	r->rcpt = rb_arena_array(l->rs->a, n->n ? n->n : 1, sizeof(*r->rcpt));
	for (i = 0; i < n->n; i++) {
		const struct rb_ynode *it = n->kid[i], *line = it;
		struct rb_recpat *p = &r->rcpt[r->nrcpt];

		p->follow = RB_F_UNTIL_BLANK;
		if (it->type == RB_YMAP) {
			check_keys(l, it, known, "a recipient pattern");
			line = rb_ymap_get(it, "line");
			p->follow = follow_mode(l, rb_ymap_get(it, "follow"));
		}
		if (scalar(l, line, "line") == NULL)
			continue;
		p->re = regex(l, line, line->str, RB_RX_ICASE);
		if (p->re == NULL)
			continue;
		check_groups(l, line, p->re, 1);
		r->nrcpt++;
	}
}

static void
header_patterns(struct ld *l, const struct rb_ynode *n, struct rb_rule *r)
{
	size_t i;

	if (n == NULL || !want(l, n, RB_YMAP, "header_fields"))
		return;
	r->hdr = rb_arena_array(l->rs->a, rb_ymap_count(n) + 1,
				sizeof(*r->hdr));
	for (i = 0; i < rb_ymap_count(n); i++) {
		const struct rb_ynode *v = rb_ymap_value(n, i);
		struct rb_regex *re;

		if (scalar(l, v, "a header pattern") == NULL)
			continue;
		re = regex(l, v, v->str, RB_RX_ICASE);
		if (re == NULL)
			continue;
		check_groups(l, v, re, 0);
		r->hdr[r->nhdr].header = rb_ymap_key(n, i)->str;
		r->hdr[r->nhdr++].re = re;
	}
}

static void
set_values(struct ld *l, const struct rb_ynode *n, struct rb_rule *r)
{
	size_t i;

	if (n == NULL || !want(l, n, RB_YMAP, "set"))
		return;
	for (i = 0; i < rb_ymap_count(n); i++) {
		const struct rb_ynode *k = rb_ymap_key(n, i);
		const char *v = scalar(l, rb_ymap_value(n, i), k->str);
		int slot = rb_slot_of(k->str);

		if (slot < 0 || slot == RB_S_RECIPIENT) {
			err(l, k, "set cannot fill '%s'", k->str);
			continue;
		}
		if (v && slot == RB_S_CLASS && !in_list(v, classes))
			err(l, rb_ymap_value(n, i), "unknown class '%s'", v);
		if (v && slot == RB_S_ACTION && !in_list(v, actions))
			err(l, rb_ymap_value(n, i), "unknown action '%s'", v);
		if (v && slot == RB_S_COMMAND && !*rb_smtp_command_name(v))
			err(l, rb_ymap_value(n, i), "unknown command '%s' "
			    "(RCPT, MAIL, DATA, HELO or CONN)", v);
		r->set[slot] = v;
	}
}

/* match (all hold), match_any (one holds) and unless (none holds): which
   messages a decoder or auto-reply rule is for.  One of the first two is
   required, so that no rule reads every message. */
static void
applicability(struct ld *l, const struct rb_ynode *m, struct rb_rule *r,
	      const char *what)
{
	conditions(l, rb_ymap_get(m, "match"), "match", &r->match, &r->nmatch);
	conditions(l, rb_ymap_get(m, "match_any"), "match_any", &r->any,
		   &r->nany);
	conditions(l, rb_ymap_get(m, "unless"), "unless", &r->unless,
		   &r->nunless);
	if (r->nmatch == 0 && r->nany == 0)
		err(l, m, "%s needs a match or match_any block saying which "
		    "messages it reads", what);
}

static void
decoder_rule(struct ld *l, const struct rb_ynode *m, struct rb_rule *r)
{
	static const char *const known[] = {"id", "description", "match",
		"match_any", "unless", "start", "stop", "original", "preamble",
		"recipients", "fields", "blocks", "header_fields", "set",
		"recipient_from", "examples", NULL};
	static const char *const rfrom[] = {"none", "original-to", "from",
					    "to", NULL};
	const struct rb_ynode *n;
	size_t i;

	check_keys(l, m, known, "a decoder");
	applicability(l, m, r, "a decoder");
	tlist(l, rb_ymap_get(m, "start"), "start", &r->start);
	tlist(l, rb_ymap_get(m, "stop"), "stop", &r->stop);
	if ((n = rb_ymap_get(m, "original")) != NULL) {
		const char *s = scalar(l, n, "original");

		if (s && strcmp(s, "rest") == 0)
			r->original_rest = 1;
		else if (s && strcmp(s, "none") != 0)
			err(l, n, "original must be rest or none");
	}
	if ((n = rb_ymap_get(m, "preamble")) != NULL) {
		const char *s = scalar(l, n, "preamble");

		if (s && strcmp(s, "join") == 0)
			r->preamble = 1;
		else if (s && strcmp(s, "none") != 0)
			err(l, n, "preamble must be join or none");
	}
	recipients(l, rb_ymap_get(m, "recipients"), r);
	r->nfields = regex_list(l, rb_ymap_get(m, "fields"), "fields",
				RB_RX_ICASE, 0, &r->fields);
	r->nblocks = regex_list(l, rb_ymap_get(m, "blocks"), "blocks",
				RB_RX_ICASE | RB_RX_MULTILINE, 1, &r->blocks);
	header_patterns(l, rb_ymap_get(m, "header_fields"), r);
	set_values(l, rb_ymap_get(m, "set"), r);
	if ((n = rb_ymap_get(m, "recipient_from")) != NULL) {
		const char *s = scalar(l, n, "recipient_from");

		for (i = 0; s && rfrom[i]; i++)
			if (strcmp(s, rfrom[i]) == 0)
				r->recipient_from = (int)i;
		if (s && rfrom[i] == NULL && r->recipient_from == 0 &&
		    strcmp(s, "none") != 0)
			err(l, n, "recipient_from must be original-to, from, "
			    "to or none");
	}
	if (r->nrcpt == 0 && r->nblocks == 0 && r->nhdr == 0 &&
	    r->recipient_from == RB_RF_NONE)
		err(l, m, "a decoder needs recipients, blocks, header_fields "
		    "or recipient_from to find a recipient");
}

static void
autoreply_rule(struct ld *l, const struct rb_ynode *m, struct rb_rule *r)
{
	static const char *const known[] = {"id", "description", "match",
		"match_any", "unless", "examples", NULL};

	check_keys(l, m, known, "an auto-reply rule");
	applicability(l, m, r, "an auto-reply rule");
}

static int
valid_id(const char *s)
{
	if (!RB_ISALNUM(*s))
		return 0;
	for (; *s; s++)
		if (!(RB_ISALNUM(*s) || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

static void
one_rule(struct ld *l, const struct rb_ynode *m, enum rb_rkind kind)
{
	struct rb_rules *rs = l->rs;
	struct rb_rule *r;
	const char *id;

	l->rule = NULL;
	if (!want(l, m, RB_YMAP, "a rule"))
		return;
	id = scalar(l, rb_ymap_get(m, "id"), "id");
	if (id == NULL) {
		err(l, m, "a rule needs an id");
		id = "?";
	} else if (!valid_id(id)) {
		err(l, rb_ymap_get(m, "id"), "id '%s' may hold only letters, "
		    "digits, '-', '_' and '.'", id);
	}
	l->rule = id;
	r = rb_arena_zalloc(rs->a, sizeof(*r));
	r->kind = kind;
	r->id = id;
	r->file = l->file;
	r->line = m->line;
	r->layer = l->layer;
	r->seq = rs->nrule;
	r->description = scalar(l, rb_ymap_get(m, "description"),
				"description");
	if (r->description == NULL || *r->description == '\0')
		err(l, m, "a rule needs a description");
	if (kind == RB_RK_CLASSIFY)
		classify_rule(l, m, r);
	else if (kind == RB_RK_DECODER)
		decoder_rule(l, m, r);
	else
		autoreply_rule(l, m, r);
	examples(l, rb_ymap_get(m, "examples"), r);
	if (rs->nrule == rs->rulecap) {
		rs->rulecap = rs->rulecap ? rs->rulecap * 2 : 64;
		rs->rule = rb_xreallocarray(rs->rule, rs->rulecap,
					    sizeof(*rs->rule));
	}
	rs->rule[rs->nrule++] = r;
	l->rule = NULL;
}

static void
reasons(struct ld *l, const struct rb_ynode *n)
{
	static const char *const known[] = {"class", "temporary",
					    "description", NULL};
	struct rb_rules *rs = l->rs;
	size_t i, j;

	if (!want(l, n, RB_YMAP, "reasons"))
		return;
	for (i = 0; i < rb_ymap_count(n); i++) {
		const struct rb_ynode *k = rb_ymap_key(n, i);
		const struct rb_ynode *v = rb_ymap_value(n, i);
		struct rb_reason *r = NULL;

		if (!want(l, v, RB_YMAP, "a reason"))
			continue;
		check_keys(l, v, known, "a reason");
		for (j = 0; j < rs->nreason; j++)
			if (strcmp(rs->reason[j].name, k->str) == 0)
				r = &rs->reason[j];
		if (r == NULL) {
			rs->reason = rb_arena_grow(rs->a, rs->reason,
						   &rs->reasoncap,
						   rs->nreason + 1,
						   sizeof(*rs->reason));
			r = &rs->reason[rs->nreason++];
		}
		r->name = k->str;
		r->cls = reason_or_class(l, rb_ymap_get(v, "class"), 1);
		r->temp_cls = rb_ymap_get(v, "temporary") ?
			reason_or_class(l, rb_ymap_get(v, "temporary"), 1) :
			r->cls;
		r->description = scalar(l, rb_ymap_get(v, "description"),
					"description");
		if (r->cls == NULL)
			err(l, v, "reason '%s' needs a class", k->str);
	}
}

size_t
rb_rules_add(struct rb_rules *rs, const char *name, const char *data,
	     size_t len, int layer, struct rb_diag *errs)
{
	static const char *const known[] = {"reasons", "classify", "decoders",
					    "autoreply", NULL};
	static const char *const kinds[] = {"classify", "decoders",
					    "autoreply"};
	struct ld l = {rs, errs, NULL, layer, 0, NULL};
	const struct rb_ynode *root, *n;
	size_t before = errs->n + errs->dropped, k, i;

	if (rs->compiled)
		rb_panic("rb_rules_add after compile");
	l.file = rb_arena_strdup(rs->a, name);
	root = rb_yaml_parse(rs->a, data, len, l.file, errs);
	if (root == NULL)
		return errs->n + errs->dropped - before;
	if (root->type != RB_YMAP) {
		err(&l, root, "a rule file is a mapping with reasons, "
		    "classify, decoders or autoreply");
		return l.nerr;
	}
	check_keys(&l, root, known, "a rule file");
	if ((n = rb_ymap_get(root, "reasons")) != NULL)
		reasons(&l, n);
	for (k = 0; k < 3; k++) {
		n = rb_ymap_get(root, kinds[k]);
		if (n == NULL || !want(&l, n, RB_YSEQ, kinds[k]))
			continue;
		for (i = 0; i < n->n; i++)
			one_rule(&l, n->kid[i], (enum rb_rkind)k);
	}
	return errs->n + errs->dropped - before;
}
