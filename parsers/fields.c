/* fields - RFC 822 style field blocks: "Name: value" lines in groups */
#include "fields.h"

#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/limits.h"
#include "core/str.h"

struct state {
	struct rb_arena *a;
	struct rb_fblock *out;
	struct rb_fgroup cur;	/* group being read */
	size_t cur_cap;
	const char *name;	/* field being read, NULL if none */
	int name_line;
	struct rb_buf val;
	size_t max_groups;
	size_t dropped_groups;
	size_t groups_cap;
	size_t appended, dropped;	/* non-field lines */
	int first_bad;
	int cut;		/* a value was cut at the limit */
};

/* Length of "Name" + optional blanks + ':' at the start of line, or 0. */
static size_t
field_name_len(const char *s, size_t n, size_t *name_len)
{
	size_t i = 0, k;

	while (i < n && (RB_ISALNUM(s[i]) || s[i] == '-'))
		i++;
	if (i == 0 || !RB_ISALPHA(s[0]))
		return 0;
	k = i;
	while (k < n && RB_ISBLANK(s[k]))
		k++;
	if (k >= n || s[k] != ':')
		return 0;
	*name_len = i;
	return k + 1;
}

static void
end_field(struct state *st)
{
	struct rb_field *f;
	char *v;

	if (st->name == NULL)
		return;
	if (st->val.err)
		st->cut = 1;
	v = rb_arena_strndup(st->a, rb_buf_str(&st->val), st->val.len);
	rb_squeeze(v);
	st->cur.f = rb_arena_grow(st->a, st->cur.f, &st->cur_cap,
				  st->cur.n + 1, sizeof(*st->cur.f));
	f = &st->cur.f[st->cur.n++];
	f->name = st->name;
	f->value = v;
	f->line = st->name_line;
	st->name = NULL;
	rb_buf_reset(&st->val);
}

static void
end_group(struct state *st)
{
	struct rb_fblock *b = st->out;

	end_field(st);
	if (st->cur.n == 0)
		return;
	if (b->n >= st->max_groups) {
		st->dropped_groups++;
	} else {
		b->g = rb_arena_grow(st->a, b->g, &st->groups_cap, b->n + 1,
				     sizeof(*b->g));
		b->g[b->n++] = st->cur;
	}
	memset(&st->cur, 0, sizeof(st->cur));
	st->cur_cap = 0;
}

static void
take_line(struct state *st, const char *line, size_t len, int lineno)
{
	struct rb_str t = rb_str_trim((struct rb_str){line, len});
	size_t nlen, off;

	if (t.len == 0) {
		end_group(st);
		return;
	}
	if (RB_ISBLANK(line[0])) {
		if (st->name == NULL) {
			st->dropped++;
			st->first_bad = st->first_bad ? st->first_bad : lineno;
			return;
		}
		rb_buf_addc(&st->val, ' ');
		rb_buf_add(&st->val, t.p, t.len);
		return;
	}
	off = field_name_len(line, len, &nlen);
	if (off > 0) {
		end_field(st);
		if (st->cur.n == 0)
			st->cur.line = lineno;
		st->name = rb_arena_strndup(st->a, line, nlen);
		st->name_line = lineno;
		rb_buf_add(&st->val, line + off, len - off);
		return;
	}
	st->first_bad = st->first_bad ? st->first_bad : lineno;
	if (st->name == NULL) {
		st->dropped++;
		return;
	}
	/* RFC 3464 forbids it, but multi-line SMTP replies often lose the
	   indent: "550-5.1.1 ..." on a line of its own. */
	st->appended++;
	rb_buf_addc(&st->val, ' ');
	rb_buf_add(&st->val, t.p, t.len);
}

void
rb_fields_parse(struct rb_arena *a, const char *data, size_t len,
		const char *what, size_t max_groups, struct rb_fblock *out,
		struct rb_diag *diag)
{
	struct state st;
	const char *pos = data, *end = data + len, *line;
	size_t n;
	int lineno = 0;

	memset(&st, 0, sizeof(st));
	memset(out, 0, sizeof(*out));
	st.a = a;
	st.out = out;
	st.max_groups = max_groups;
	rb_buf_init(&st.val, RB_MAX_FIELD_BYTES);
	while (rb_next_line(&pos, end, &line, &n))
		take_line(&st, line, n, ++lineno);
	end_group(&st);
	rb_buf_deinit(&st.val);
	out->bad_lines = st.appended + st.dropped;
	if (diag == NULL)
		return;
	if (st.appended)
		rb_diag_add(diag, "%s: %zu line(s) without a field name "
			    "(first: line %d) joined to the field above", what,
			    st.appended, st.first_bad);
	if (st.dropped)
		rb_diag_add(diag, "%s: %zu line(s) outside any field dropped "
			    "(first: line %d)", what, st.dropped, st.first_bad);
	if (st.cut)
		rb_diag_add(diag, "%s: field longer than %u bytes cut", what,
			    RB_MAX_FIELD_BYTES);
	if (st.dropped_groups)
		rb_diag_add(diag, "%s: more than %zu field groups, %zu left "
			    "out", what, max_groups, st.dropped_groups);
}

const char *
rb_fgroup_get(const struct rb_fgroup *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (rb_strcaseeq(g->f[i].name, name))
			return g->f[i].value;
	return NULL;
}

int
rb_fgroup_has(const struct rb_fgroup *g, const char *name)
{
	return rb_fgroup_get(g, name) != NULL;
}

int
rb_fields_look_like(const char *data, size_t len, const char *const *names)
{
	const char *pos = data, *end = data + len, *line;
	size_t n, nlen, i;

	while (rb_next_line(&pos, end, &line, &n)) {
		if (field_name_len(line, n, &nlen) == 0)
			continue;
		for (i = 0; names[i] != NULL; i++)
			if (strlen(names[i]) == nlen &&
			    rb_memcaseeq(line, names[i], nlen))
				return 1;
	}
	return 0;
}
