/* decode - running vendor decoders and auto-reply markers on one message */
#include "decode.h"

#include <string.h>

#include "addr.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/limits.h"
#include "core/str.h"
#include "mime.h"
#include "rules_int.h"

_Static_assert(RB_DECODE_SLOTS == RB_S_COUNT, "slot count");

/* The text of each source for this message, scanned once when first
   needed. */
struct srctext {
	const char *text;
	size_t len;
	int ready;
};

struct run {
	const struct rb_rules *rs;
	struct rb_rscratch *s;
	struct rb_dview *v;
	struct srctext *src;
	int limit;
};

/* All instances of a header of the top part, joined by newlines. */
static const char *
header_text(struct run *r, const char *name, size_t *len)
{
	size_t i, n = rb_mime_header_count(r->v->top), k = 0;
	struct rb_buf b;
	const char *out;

	rb_buf_init(&b, RB_MAX_HEADER_BYTES);
	for (i = 0; i < n; i++) {
		const char *hn, *hv;

		if (!rb_strcaseeq(rb_mime_header_name(r->v->top, i), name))
			continue;
		rb_mime_header_at(r->v->top, i, &hn, &hv);
		if (k++)
			rb_buf_addc(&b, '\n');
		rb_buf_adds(&b, hv);
	}
	out = rb_arena_strndup(r->v->a, rb_buf_str(&b), b.len);
	*len = b.len;
	rb_buf_deinit(&b);
	return out;
}

static const struct srctext *
source(struct run *r, size_t i)
{
	struct srctext *t = &r->src[i];
	const char *name = r->rs->src[i].name;

	if (t->ready)
		return t;
	if (strcmp(name, "body") == 0) {
		t->text = r->v->text;
		t->len = r->v->len;
	} else {
		t->text = header_text(r, name, &t->len);
	}
	rb_rules_scan(r->rs, r->s, i, t->text, t->len);
	t->ready = 1;
	return t;
}

static int
cond_holds(struct run *r, const struct rb_cond *c)
{
	const struct srctext *t = source(r, c->source);
	int limit = 0, ok;

	ok = rb_tlist_match(&c->t, r->s, c->source, t->text, t->len, &limit,
			    NULL);
	r->limit |= limit;
	return ok;
}

static int
applies(struct run *r, const struct rb_rule *rule)
{
	size_t i;

	for (i = 0; i < rule->nmatch; i++)
		if (!cond_holds(r, &rule->match[i])) {
			if (r->v->trace)
				rb_diag_add(r->v->trace, "%s %s: %s does not "
					    "match", rule->kind == RB_RK_DECODER ?
					    "decoder" : "autoreply", rule->id,
					    r->rs->src[rule->match[i].source].name);
			return 0;
		}
	for (i = 0; i < rule->nany; i++)
		if (cond_holds(r, &rule->any[i]))
			break;
	if (rule->nany > 0 && i == rule->nany) {
		if (r->v->trace)
			rb_diag_add(r->v->trace, "%s %s: no condition of "
				    "match_any holds", rule->kind ==
				    RB_RK_DECODER ? "decoder" : "autoreply",
				    rule->id);
		return 0;
	}
	for (i = 0; i < rule->nunless; i++)
		if (cond_holds(r, &rule->unless[i])) {
			if (r->v->trace)
				rb_diag_add(r->v->trace, "%s %s: excluded by "
					    "unless %s", rule->kind ==
					    RB_RK_DECODER ? "decoder" :
					    "autoreply", rule->id,
					    r->rs->src[rule->unless[i].source].name);
			return 0;
		}
	return 1;
}

/* A recipient being read. */
struct cand {
	struct rb_dfound f;
	struct rb_buf diag;	/* lines joined to the diagnostic */
	enum rb_follow follow;
	size_t indent;
	int following;
};

struct found {
	struct cand *c;
	size_t n, cap;
	struct rb_dfound defaults;	/* fields seen before any recipient */
	struct rb_buf pre;		/* lines before it (preamble: join) */
};

static size_t
indent_of(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && RB_ISBLANK(line[i]))
		i++;
	return i;
}

/* Copies the named groups of the last match into f (first value wins
   unless overwrite). */
static void
take_groups(struct run *r, const struct rb_regex *re, const char *subj,
	    struct rb_dfound *f, int overwrite)
{
	size_t i, b, e;

	for (i = 0; i < rb_regex_name_count(re); i++) {
		const char *name = rb_regex_name_at(re, i);
		int slot = rb_slot_of(name), g = rb_regex_group(re, name);
		struct rb_str t;

		if (slot < 0 || !rb_rx_span(r->s->rx, g, &b, &e))
			continue;
		t = rb_str_trim((struct rb_str){subj + b, e - b});
		if (t.len == 0 || (f->v[slot] != NULL && !overwrite))
			continue;
		f->v[slot] = rb_arena_strndup(r->v->a, t.p, t.len);
	}
}

static struct cand *
new_cand(struct run *r, struct found *fd)
{
	struct cand *c;

	if (fd->n >= RB_MAX_RECIPIENTS)
		return NULL;
	fd->c = rb_arena_grow(r->v->a, fd->c, &fd->cap, fd->n + 1,
			      sizeof(*fd->c));
	c = &fd->c[fd->n++];
	memset(c, 0, sizeof(*c));
	rb_buf_init(&c->diag, RB_MAX_DIAGNOSTIC_BYTES);
	return c;
}

static void
join_line(struct rb_buf *b, const char *line, size_t len)
{
	struct rb_str t = rb_str_trim((struct rb_str){line, len});

	if (t.len == 0)
		return;
	if (b->len)
		rb_buf_addc(b, ' ');
	rb_buf_add(b, t.p, t.len);
}

/* A line after a recipient line: joins its diagnostic or ends that. */
static void
follow_line(struct cand *c, const char *line, size_t len)
{
	int blank = rb_str_trim((struct rb_str){line, len}).len == 0;

	switch (c->follow) {
	case RB_F_UNTIL_BLANK:
		if (blank)
			c->following = 0;
		else
			join_line(&c->diag, line, len);
		break;
	case RB_F_FOLLOWING:
		join_line(&c->diag, line, len);
		break;
	case RB_F_INDENTED:
		if (blank)
			break;
		if (indent_of(line, len) > c->indent)
			join_line(&c->diag, line, len);
		else
			c->following = 0;
		break;
	case RB_F_NONE:
		c->following = 0;
		break;
	}
}

static int
recipient_line(struct run *r, const struct rb_rule *rule, struct found *fd,
	       const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < rule->nrcpt; i++) {
		const struct rb_recpat *p = &rule->rcpt[i];
		int m = rb_regex_match(p->re, r->s->rx, line, len, 0);
		struct cand *c;

		if (m == RB_RX_LIMIT)
			r->limit = 1;
		if (m != RB_RX_MATCH)
			continue;
		c = new_cand(r, fd);
		if (c == NULL)
			return 1;
		take_groups(r, p->re, line, &c->f, 1);
		if (fd->n == 1 && fd->pre.len) {
			/* preamble: join; what the notice said before it
			   named anyone starts the first diagnostic */
			const char *d = c->f.v[RB_S_DIAGNOSTIC];

			c->f.v[RB_S_DIAGNOSTIC] = d ?
				rb_arena_printf(r->v->a, "%s %s",
						rb_buf_str(&fd->pre), d) :
				rb_arena_strndup(r->v->a, rb_buf_str(&fd->pre),
						 fd->pre.len);
		}
		c->follow = p->follow;
		c->indent = indent_of(line, len);
		c->following = 1;
		return 1;
	}
	return 0;
}

static void
field_lines(struct run *r, const struct rb_rule *rule, struct found *fd,
	    const char *line, size_t len)
{
	size_t i;
	struct rb_dfound *f = fd->n ? &fd->c[fd->n - 1].f : &fd->defaults;

	for (i = 0; i < rule->nfields; i++) {
		int m = rb_regex_match(rule->fields[i], r->s->rx, line, len, 0);

		if (m == RB_RX_LIMIT)
			r->limit = 1;
		if (m == RB_RX_MATCH)
			take_groups(r, rule->fields[i], line, f, 0);
	}
}

/* The section of text a decoder reads: [*begin, *end). */
static int
section(struct run *r, const struct rb_rule *rule, const char **begin,
	const char **end, const char **rest)
{
	const char *pos = r->v->text, *stop = r->v->text + r->v->len, *line;
	size_t n;
	int limit = 0;

	*begin = pos;
	*rest = NULL;
	if (rule->start.n) {
		const char *at;

		*begin = NULL;
		for (at = pos; rb_next_line(&pos, stop, &line, &n); at = pos)
			if (rb_tlist_match_line(&rule->start, r->s, line, n,
						&limit)) {
				*begin = at;
				break;
			}
		if (*begin == NULL) {
			r->limit |= limit;
			return 0;
		}
		pos = *begin;
	}
	*end = stop;
	if (rule->stop.n) {
		const char *at = pos;

		/* The start line itself may not stop the section. */
		if (rule->start.n && rb_next_line(&pos, stop, &line, &n))
			at = pos;
		for (; rb_next_line(&pos, stop, &line, &n); at = pos)
			if (rb_tlist_match_line(&rule->stop, r->s, line, n,
						&limit)) {
				*end = at;
				*rest = pos;
				break;
			}
	}
	r->limit |= limit;
	return 1;
}

static void
read_lines(struct run *r, const struct rb_rule *rule, struct found *fd,
	   const char *begin, const char *end)
{
	const char *pos = begin, *line;
	size_t n, lines = 0;

	while (rb_next_line(&pos, end, &line, &n) &&
	       lines++ < RB_MAX_TEXT_LINES) {
		if (!recipient_line(r, rule, fd, line, n) && fd->n) {
			struct cand *c = &fd->c[fd->n - 1];

			if (c->following)
				follow_line(c, line, n);
		} else if (fd->n == 0 && rule->preamble) {
			join_line(&fd->pre, line, n);
		}
		if (rule->nfields)
			field_lines(r, rule, fd, line, n);
	}
}

static void
read_blocks(struct run *r, const struct rb_rule *rule, struct found *fd,
	    const char *begin, const char *end)
{
	size_t i, len = (size_t)(end - begin);

	for (i = 0; i < rule->nblocks; i++) {
		size_t at = 0, b, e;
		int m;

		while (at <= len && (m = rb_regex_match(rule->blocks[i],
				r->s->rx, begin, len, at)) == RB_RX_MATCH) {
			struct cand *c = new_cand(r, fd);

			if (c == NULL || !rb_rx_span(r->s->rx, 0, &b, &e))
				break;
			take_groups(r, rule->blocks[i], begin, &c->f, 1);
			at = e > b ? e : e + 1;
		}
		if (m == RB_RX_LIMIT)
			r->limit = 1;
	}
}

/* header_fields: a pattern with a recipient group makes one record per
   match over every instance of the header (X-Failed-Recipients: a, b);
   other patterns fill every record from the first instance. */
static void
read_headers(struct run *r, const struct rb_rule *rule, struct found *fd)
{
	size_t i;

	for (i = 0; i < rule->nhdr; i++) {
		const struct rb_hdrpat *h = &rule->hdr[i];
		size_t len, at = 0, b, e;
		const char *v;
		int m;

		if (rb_regex_group(h->re, "recipient") < 0) {
			v = rb_mime_header(r->v->top, h->header);
			m = rb_regex_match(h->re, r->s->rx, v, strlen(v), 0);
			if (m == RB_RX_LIMIT)
				r->limit = 1;
			if (m == RB_RX_MATCH)
				take_groups(r, h->re, v, &fd->defaults, 0);
			continue;
		}
		v = header_text(r, h->header, &len);
		while (at <= len && (m = rb_regex_match(h->re, r->s->rx, v, len,
						       at)) == RB_RX_MATCH) {
			struct cand *c = new_cand(r, fd);

			if (c == NULL || !rb_rx_span(r->s->rx, 0, &b, &e))
				break;
			take_groups(r, h->re, v, &c->f, 1);
			at = e > b ? e : e + 1;
		}
		if (m == RB_RX_LIMIT)
			r->limit = 1;
	}
}

/* recipient_from: where the recipient is when the text names none. */
static void
fallback_recipient(struct run *r, const struct rb_rule *rule,
		   struct found *fd)
{
	const struct rb_mime_part *p = NULL;
	const char **addr;
	size_t n, i;
	const char *hdr = "To";

	if (fd->defaults.v[RB_S_RECIPIENT] != NULL) {
		struct cand *c = new_cand(r, fd);

		if (c)
			c->f.v[RB_S_RECIPIENT] =
				fd->defaults.v[RB_S_RECIPIENT];
		return;
	}
	switch (rule->recipient_from) {
	case RB_RF_ORIGINAL_TO:
		p = r->v->original;
		break;
	case RB_RF_FROM:
		p = r->v->top;
		hdr = "From";
		break;
	case RB_RF_TO:
		p = r->v->top;
		break;
	default:
		return;
	}
	if (p == NULL)
		return;
	n = rb_mime_addresses(p, hdr, &addr);
	for (i = 0; i < n; i++) {
		struct cand *c = new_cand(r, fd);

		if (c == NULL)
			break;
		c->f.v[RB_S_RECIPIENT] = addr[i];
	}
}

/* Finishes the candidates into out: cleans addresses, drops the ones
   that are not addresses and repeats, fills defaults and `set`. */
static void
finish(struct run *r, const struct rb_rule *rule, struct found *fd,
       struct rb_dresult *out)
{
	size_t i, j, k;

	out->r = rb_arena_array(r->v->a, fd->n ? fd->n : 1, sizeof(*out->r));
	out->n = 0;
	for (i = 0; i < fd->n; i++) {
		struct cand *c = &fd->c[i];
		struct rb_dfound *f = &out->r[out->n];
		const char *addr;
		int dup = 0;

		*f = c->f;
		if (c->diag.len) {
			const char *d = f->v[RB_S_DIAGNOSTIC];

			f->v[RB_S_DIAGNOSTIC] = d ?
				rb_arena_printf(r->v->a, "%s %s", d,
						rb_buf_str(&c->diag)) :
				rb_arena_strndup(r->v->a, rb_buf_str(&c->diag),
						 c->diag.len);
		}
		rb_buf_deinit(&c->diag);
		addr = rb_addr_clean(r->v->a, f->v[RB_S_RECIPIENT] ?
				     f->v[RB_S_RECIPIENT] : "", NULL);
		if (*addr == '\0') {
			rb_diag_add(r->v->diag, "decoder %s: \"%s\" is not an "
				    "address, left out", rule->id,
				    f->v[RB_S_RECIPIENT] ?
				    f->v[RB_S_RECIPIENT] : "");
			continue;
		}
		f->v[RB_S_RECIPIENT] = addr;
		for (j = 0; j < out->n; j++)
			if (strcmp(out->r[j].v[RB_S_RECIPIENT], addr) == 0)
				dup = 1;
		if (dup)
			continue;
		for (k = 0; k < RB_S_COUNT; k++) {
			if (f->v[k] == NULL)
				f->v[k] = fd->defaults.v[k];
			if (f->v[k] == NULL)
				f->v[k] = rule->set[k];
		}
		out->n++;
	}
}

static size_t
run_decoder(struct run *r, const struct rb_rule *rule, struct rb_dresult *out)
{
	struct found fd;
	const char *begin, *end, *rest;

	memset(&fd, 0, sizeof(fd));
	memset(out, 0, sizeof(*out));
	if (!section(r, rule, &begin, &end, &rest)) {
		if (r->v->trace)
			rb_diag_add(r->v->trace, "decoder %s: applies, but "
				    "its start marker is not in the text",
				    rule->id);
		return 0;
	}
	if (rule->original_rest && rest != NULL && r->v->original == NULL) {
		out->original = rb_mime_add_headers(r->v->mime, r->v->top,
			rest, (size_t)(r->v->text + r->v->len - rest));
		r->v->original = out->original;
	}
	rb_buf_init(&fd.pre, RB_MAX_DIAGNOSTIC_BYTES);
	if (rule->nrcpt || rule->nfields)
		read_lines(r, rule, &fd, begin, end);
	if (rule->nblocks)
		read_blocks(r, rule, &fd, begin, end);
	if (rule->nhdr)
		read_headers(r, rule, &fd);
	if (fd.n == 0)
		fallback_recipient(r, rule, &fd);
	finish(r, rule, &fd, out);
	rb_buf_deinit(&fd.pre);
	out->rule = rule->id;
	if (r->v->trace)
		rb_diag_add(r->v->trace, "decoder %s (%s:%d): applies, found "
			    "%zu recipient(s)", rule->id, rule->file,
			    rule->line, out->n);
	return out->n;
}

static void
run_init(struct run *r, const struct rb_rules *rs, struct rb_rscratch *s,
	 struct rb_dview *v)
{
	r->rs = rs;
	r->s = s;
	r->v = v;
	r->src = rb_arena_array(v->a, rs->nsrc + 1, sizeof(*r->src));
	r->limit = 0;
}

size_t
rb_rules_decode(const struct rb_rules *rs, struct rb_rscratch *s,
		struct rb_dview *v, struct rb_dresult *out)
{
	struct run r;
	size_t i;

	run_init(&r, rs, s, v);
	memset(out, 0, sizeof(*out));
	for (i = 0; i < rs->nkind[RB_RK_DECODER]; i++) {
		const struct rb_rule *rule = rs->by_kind[RB_RK_DECODER][i];

		if (!applies(&r, rule))
			continue;
		if (run_decoder(&r, rule, out) > 0)
			break;
	}
	out->limit_hit = r.limit;
	if (r.limit)
		rb_diag_add(v->diag, "a rule pattern hit its match limit on "
			    "this message and was skipped");
	return out->n;
}

const char *
rb_rules_autoreply(const struct rb_rules *rs, struct rb_rscratch *s,
		   struct rb_dview *v)
{
	struct run r;
	size_t i;

	run_init(&r, rs, s, v);
	for (i = 0; i < rs->nkind[RB_RK_AUTOREPLY]; i++) {
		const struct rb_rule *rule = rs->by_kind[RB_RK_AUTOREPLY][i];

		if (applies(&r, rule)) {
			if (v->trace)
				rb_diag_add(v->trace, "autoreply %s (%s:%d): "
					    "markers present", rule->id,
					    rule->file, rule->line);
			return rule->id;
		}
	}
	return NULL;
}
