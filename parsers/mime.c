/* mime - one message as a flat list of parts (the only user of GMime) */
#include "mime.h"

#include <gmime/gmime.h>
#include <string.h>

#include "core/arena.h"
#include "core/diag.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"
#include "mime_warn.h"

struct rb_mime_part {
	struct rb_mime *m;
	GMimeObject *obj;	/* the MIME entity; NULL for headers only */
	int message;		/* the part starts a message */
	GMimeHeaderList *hl;	/* the headers lookups answer with */
	int *view;		/* positions in hl of the message's own */
	size_t nview;
	GMimeHeader **hdr;	/* the headers lookups answer with, and */
	const char **hname;	/* their names, once looked at */
	size_t index;
	long parent;
	int depth;
	int nesting;
	int multipart;
	const char *type;
	const char **hval;	/* decoded header values, by position */
	size_t nhval;
	const char *body;	/* decoded content, once asked for */
	size_t body_len;
	size_t body_max;	/* the max it was cut at */
	int body_trunc;
};

/* Converters to UTF-8 kept open, by charset name: glibc loads a
   charset's module (a shared object) at the first iconv_open() of it and
   unloads it at the last iconv_close(), mapping and unmapping it each
   time, and GMime opens and closes one for each text and encoded word.
   One kept open keeps the module loaded for GMime's too. */
#define CTX_CONVERTERS 8

struct rb_mime_ctx {
	GMimeParser *parser;
	GMimeStream *idle;	/* the parser reads it between messages */
	struct {
		char *cs;
		iconv_t cd;	/* (iconv_t)-1: no such charset */
	} conv[CTX_CONVERTERS];
	size_t nconv;
};

struct rb_mime {
	struct rb_arena *a;
	struct rb_diag *diag;
	struct rb_mime_ctx *ctx;	/* NULL: a parser per parse */
	GMimeParserOptions *opts;	/* parser_warning's, when needed */
	GByteArray *bytes;	/* wraps the caller's bytes, not owned */
	GMimeObject *root;	/* parse_message()'s for the message */
	GPtrArray *extra;	/* the same for headers-only messages */
	struct rb_mime_part **part;
	size_t n, cap;
	int capped;		/* a limit warning was given */
};

static void walk(struct rb_mime *m, GMimeObject *obj, GMimeObject *hobj,
		 int message, long parent, int depth, int nesting);

void
rb_mime_init(void)
{
	g_mime_init();
}

void
rb_mime_shutdown(void)
{
	g_mime_shutdown();
}

struct rb_mime_ctx *
rb_mime_ctx_new(void)
{
	struct rb_mime_ctx *c = rb_xcalloc(1, sizeof(*c));

	c->idle = g_mime_stream_null_new();
	c->parser = g_mime_parser_new_with_stream(c->idle);
	return c;
}

static void
close_converter(struct rb_mime_ctx *c, size_t i)
{
	if (c->conv[i].cd != (iconv_t)-1)
		g_mime_iconv_close(c->conv[i].cd);
	g_free(c->conv[i].cs);
}

/* A converter from charset cs (len bytes) to UTF-8, in its initial
   state, or (iconv_t)-1; c's, not to be closed. */
static iconv_t
converter(struct rb_mime_ctx *c, const char *cs, size_t len)
{
	size_t i, n = c->nconv < CTX_CONVERTERS ? c->nconv : CTX_CONVERTERS;

	for (i = 0; i < n; i++)
		if (strncmp(c->conv[i].cs, cs, len) == 0 &&
		    c->conv[i].cs[len] == '\0')
			break;
	if (i == n) {
		i = c->nconv++ % CTX_CONVERTERS;
		if (c->nconv > CTX_CONVERTERS)
			close_converter(c, i);
		c->conv[i].cs = g_strndup(cs, len);
		c->conv[i].cd = g_mime_iconv_open("UTF-8", c->conv[i].cs);
	}
	if (c->conv[i].cd != (iconv_t)-1)
		iconv(c->conv[i].cd, NULL, NULL, NULL, NULL);
	return c->conv[i].cd;
}

void
rb_mime_ctx_free(struct rb_mime_ctx **cp)
{
	size_t i;

	if (cp == NULL || *cp == NULL)
		return;
	for (i = 0; i < (*cp)->nconv && i < CTX_CONVERTERS; i++)
		close_converter(*cp, i);
	g_object_unref((*cp)->parser);
	g_object_unref((*cp)->idle);
	free(*cp);
	*cp = NULL;
}

/* GMime's parser reports what it forgave; keep what changes the tree. */
static void
parser_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
	       gpointer data)
{
	struct rb_mime *m = data;
	const char *what = rb_mime_warn_text(code);

	if (what != NULL && m->diag)
		rb_diag_add(m->diag, "mime: %s (byte %lld)", what,
			    (long long)offset);
}

/* GMime 3.2.13 gives no tree for CR-only line ends; LF keeps offsets. */
static const char *
normalise_cr(struct rb_arena *a, const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	char *copy, *q;

	for (;;) {
		p = memchr(p, '\r', (size_t)(end - p));
		if (p == NULL)
			return data;
		if (p + 1 == end || p[1] != '\n')
			break;
		p += 2;
	}
	copy = rb_arena_strndup(a, data, len);
	for (q = copy + (p - data); q < copy + len; q++)
		if (*q == '\r' && (q + 1 == copy + len || q[1] != '\n'))
			*q = '\n';
	return copy;
}

/* A Content-Type folded without the leading white space of a
   continuation ("Content-Type: multipart/alternative;" then "boundary=..."
   at the start of the next line) loses its boundary in GMime, and the
   whole multipart is read as one part.  Such a line, right after a line
   ending in ';', is given the tab it lacks. */
static int
unfolded_boundary(const char *data, const char *nl)
{
	const char *p = nl;

	if (p > data && p[-1] == '\r')
		p--;
	while (p > data && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	return p > data && p[-1] == ';';
}

static const char *
refold_boundary(struct rb_arena *a, const char *data, size_t *lenp)
{
	const char *p = data, *end = data + *lenp, *hit;
	char *copy = NULL, *q = NULL;
	size_t n = 0;

	while ((hit = rb_memcasemem(p, (size_t)(end - p), "\nboundary=",
				    10)) != NULL) {
		p = hit + 1;
		n += unfolded_boundary(data, hit);
	}
	if (n == 0)
		return data;
	q = copy = rb_arena_alloc(a, *lenp + n + 1);
	for (p = data; p < end; p++) {
		*q++ = *p;
		if (*p == '\n' && end - p > 9 &&
		    rb_hasprefix_ci(p + 1, (size_t)(end - p - 1), "boundary=") &&
		    unfolded_boundary(data, p))
			*q++ = '\t';
	}
	*q = '\0';
	*lenp = (size_t)(q - copy);
	return copy;
}

static const char *
content_type(struct rb_arena *a, GMimeObject *obj)
{
	GMimeContentType *ct = obj ? g_mime_object_get_content_type(obj) : NULL;
	const char *t, *s;
	size_t tl, sl;
	char *r;

	if (ct == NULL)
		return "text/plain";
	t = g_mime_content_type_get_media_type(ct);
	s = g_mime_content_type_get_media_subtype(ct);
	if (t == NULL || *t == '\0')
		return "text/plain";
	if (s == NULL)
		s = "";
	tl = strlen(t);
	sl = strlen(s);
	r = rb_arena_alloc(a, tl + sl + 2);
	memcpy(r, t, tl);
	r[tl] = '/';
	memcpy(r + tl + 1, s, sl + 1);
	return rb_lower(r);
}

/* A message's own headers where GMime parsed its top entity alone (see
   parse_message()): that entity holds them all, and those named
   "Content-*" are the entity's, not the message's (GMime splits them
   so).  Positions of the others in its list; *n of them. */
static int *
message_view(struct rb_arena *a, GMimeObject *top, size_t *n)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(top);
	int i, k = hl ? g_mime_header_list_get_count(hl) : 0;
	int *v = rb_arena_array(a, k ? (size_t)k : 1, sizeof(*v));

	*n = 0;
	for (i = 0; i < k; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);

		if (g_ascii_strncasecmp(g_mime_header_get_name(h), "Content-",
					8) != 0)
			v[(*n)++] = i;
	}
	return v;
}

static long header_pos(const struct rb_mime_part *p, const char *name);
static GMimeHeader *header_at(const struct rb_mime_part *p, size_t i);

/* A part for obj, whose header lookups hobj answers: obj itself, or for
   a part that starts a message, the GMimeMessage, or obj parsed alone. */
static struct rb_mime_part *
add_part(struct rb_mime *m, GMimeObject *obj, GMimeObject *hobj, int message,
	 long parent, int depth, int nesting)
{
	struct rb_mime_part *p;

	if (m->n >= RB_MAX_MIME_PARTS) {
		if (!(m->capped & 1) && m->diag)
			rb_diag_add(m->diag, "mime: more than %d parts, the "
				    "rest left unread", RB_MAX_MIME_PARTS);
		m->capped |= 1;
		return NULL;
	}
	p = rb_arena_zalloc(m->a, sizeof(*p));
	p->m = m;
	p->obj = obj;
	p->message = message;
	p->hl = g_mime_object_get_header_list(hobj);
	if (message && !GMIME_IS_MESSAGE(hobj))
		p->view = message_view(m->a, hobj, &p->nview);
	p->index = m->n;
	p->parent = parent;
	p->depth = depth;
	p->nesting = nesting;
	p->multipart = obj != NULL && GMIME_IS_MULTIPART(obj);
	p->type = content_type(m->a, obj);
	if (message && obj == NULL) {
		long i = header_pos(p, "Content-Type");
		const char *ct = i >= 0 ?
			g_mime_header_get_value(header_at(p, (size_t)i)) : NULL;
		GMimeContentType *c = ct ? g_mime_content_type_parse(NULL, ct)
					 : NULL;

		if (c != NULL) {
			p->type = rb_lower(rb_arena_printf(m->a, "%s/%s",
				g_mime_content_type_get_media_type(c),
				g_mime_content_type_get_media_subtype(c)));
			g_object_unref(c);
		}
	}
	m->part = rb_arena_grow(m->a, m->part, &m->cap, m->n + 1,
				sizeof(*m->part));
	m->part[m->n++] = p;
	return p;
}

/* One pass of GMime's parser over the bytes; borrow: they outlive the
   result (else GMime copies them).  With opts, as a message (a
   GMimeMessage); without, its top entity alone, with every header. */
static GMimeObject *
construct(struct rb_mime *m, const char *data, size_t len, int borrow,
	  GMimeParserOptions *opts)
{
	GMimeStream *s;
	GMimeParser *parser;
	GMimeObject *r;

	if (borrow) {
		if (m->bytes == NULL)
			m->bytes = g_byte_array_new_take((guint8 *)data, len);
		s = g_mime_stream_mem_new_with_byte_array(m->bytes);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
	} else {
		s = g_mime_stream_mem_new_with_buffer(data, len);
	}
	/* A parser is reset by each init (g_mime_parser_init_with_stream()
	   closes it first), and making one costs as much as parsing a few
	   headers. */
	if (m->ctx) {
		parser = m->ctx->parser;
		g_mime_parser_init_with_stream(parser, s);
	} else {
		parser = g_mime_parser_new_with_stream(s);
	}
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	if (opts)
		r = GMIME_OBJECT(g_mime_parser_construct_message(parser,
								 opts));
	else
		r = g_mime_parser_construct_part(parser, NULL);
	if (m->ctx)	/* it lets go of s, which may borrow the bytes */
		g_mime_parser_init_with_stream(parser, m->ctx->idle);
	else
		g_object_unref(parser);
	g_object_unref(s);
	return r;
}

/* The top entity of what construct() gave. */
static GMimeObject *
top_of(GMimeObject *r)
{
	return GMIME_IS_MESSAGE(r) ?
	       g_mime_message_get_mime_part(GMIME_MESSAGE(r)) : r;
}

/* Parses bytes as a message (headers, maybe a body); borrow: the bytes
   outlive the result (else GMime copies them).  Returns a GMimeMessage,
   or the message's top entity parsed alone: GMime's parser builds the same
   tree below it either way (g_mime_parser_construct_part() and _message()
   differ in the top header block only, which goes to the entity whole
   instead of being split with the message, and in a leading "From " line,
   which makes the former fail), and a GMimeMessage costs a sixth of the
   parse: address lists, dates and encoded words decoded for nothing. */
static GMimeObject *
parse_message(struct rb_mime *m, const char *data, size_t len, int borrow)
{
	GMimeObject *r = construct(m, data, len, borrow, NULL);
	struct rb_mime_warn w;
	size_t i;

	if (r != NULL && rb_mime_warn_read(r, data, len, &w) == 0) {
		for (i = 0; i < w.n; i++)
			parser_warning(w.offset[i], w.code[i], NULL, m);
		return r;
	}
	if (r)
		g_object_unref(r);
	if (m->opts == NULL) {
		m->opts = g_mime_parser_options_new();
		g_mime_parser_options_set_warning_callback(m->opts,
							   parser_warning, m);
	}
	return construct(m, data, len, borrow, m->opts);
}

/* A text/rfc822-headers part: its content is the returned message's
   header block; parse it as a message of its own. */
static void
walk_headers_part(struct rb_mime *m, struct rb_mime_part *p)
{
	const char *text;
	size_t len;
	int trunc;

	if (p->nesting + 1 > RB_MAX_NESTED_MESSAGES)
		return;
	text = rb_mime_body(p, RB_MAX_REPORT_BYTES, &len, &trunc);
	rb_mime_add_headers(m, p, text, len);
}

static void
walk_children(struct rb_mime *m, struct rb_mime_part *p, GMimeObject *obj)
{
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int i, n = g_mime_multipart_get_count(mp);

		for (i = 0; i < n; i++) {
			GMimeObject *c = g_mime_multipart_get_part(mp, i);

			walk(m, c, c, 0, (long)p->index, p->depth + 1,
			     p->nesting);
		}
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *sub =
			g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (sub == NULL)
			return;
		if (p->nesting + 1 > RB_MAX_NESTED_MESSAGES) {
			if (!(m->capped & 4) && m->diag)
				rb_diag_add(m->diag, "mime: messages nested "
					    "more than %d deep, inner ones left "
					    "unread", RB_MAX_NESTED_MESSAGES);
			m->capped |= 4;
			return;
		}
		walk(m, g_mime_message_get_mime_part(sub), GMIME_OBJECT(sub), 1,
		     (long)p->index, p->depth + 1, p->nesting + 1);
	} else if (strcmp(p->type, "text/rfc822-headers") == 0 ||
		   strcmp(p->type, "message/global-headers") == 0) {
		walk_headers_part(m, p);
	}
}

static void
walk(struct rb_mime *m, GMimeObject *obj, GMimeObject *hobj, int message,
     long parent, int depth, int nesting)
{
	struct rb_mime_part *p;

	if (depth > RB_MAX_MIME_DEPTH) {
		if (!(m->capped & 2) && m->diag)
			rb_diag_add(m->diag, "mime: parts nested more than %d "
				    "deep, inner ones left unread",
				    RB_MAX_MIME_DEPTH);
		m->capped |= 2;
		return;
	}
	if (obj == NULL && hobj == NULL)
		return;
	p = add_part(m, obj, hobj ? hobj : obj, message, parent, depth,
		     nesting);
	if (p != NULL && obj != NULL)
		walk_children(m, p, obj);
}

/* GMime builds every part before rebound can count them, and an empty part
   costs it about 1.4 KB: 200,000 of them in a 1 MB message took 287 MB.
   So the message is cut before the line that would start too many parts
   ("--" at the start of a line; reports come first in a bounce). */
static size_t
cap_parts(const char *data, size_t len, struct rb_diag *diag)
{
	const char *p = data, *end = data + len, *d, *hit;
	size_t n = 0;

	/* At each '-' that starts a line after the first (fewer stops than
	   at each line). */
	while ((d = memchr(p, '-', (size_t)(end - p))) != NULL) {
		p = d + 1;
		if (d == data || d[-1] != '\n' || end - d < 2 || d[1] != '-')
			continue;
		hit = d - 1;	/* the line break before it */
		if (++n > RB_MAX_BOUNDARY_LINES) {
			if (diag)
				rb_diag_add(diag, "mime: more than %u lines "
					    "start with \"--\"; read up to "
					    "byte %zu", RB_MAX_BOUNDARY_LINES,
					    (size_t)(hit - data));
			return (size_t)(hit - data) + 1;
		}
	}
	return len;
}

struct rb_mime *
rb_mime_parse(struct rb_arena *a, const char *data, size_t len,
	      struct rb_diag *diag)
{
	return rb_mime_parse_with(NULL, a, data, len, diag);
}

struct rb_mime *
rb_mime_parse_with(struct rb_mime_ctx *c, struct rb_arena *a,
		   const char *data, size_t len, struct rb_diag *diag)
{
	struct rb_mime *m = rb_arena_zalloc(a, sizeof(*m));

	m->a = a;
	m->diag = diag;
	m->ctx = c;
	m->extra = g_ptr_array_new_with_free_func(g_object_unref);
	if (len > RB_MAX_MESSAGE_BYTES) {
		if (diag)
			rb_diag_add(diag, "mime: message of %zu bytes, only "
				    "the first %u read", len,
				    RB_MAX_MESSAGE_BYTES);
		len = RB_MAX_MESSAGE_BYTES;
	}
	len = cap_parts(data, len, diag);
	data = normalise_cr(a, data, len);
	data = refold_boundary(a, data, &len);
	m->root = parse_message(m, data, len, 1);
	if (m->root == NULL) {
		/* GMime read no message at all: keep the bytes as text. */
		GMimeTextPart *tp = g_mime_text_part_new_with_subtype("plain");
		GMimeMessage *msg = g_mime_message_new(FALSE);

		if (diag)
			rb_diag_add(diag, "mime: not a message, read as text");
		g_mime_text_part_set_text(tp, rb_arena_strndup(a, data, len));
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(tp));
		g_object_unref(tp);
		m->root = GMIME_OBJECT(msg);
	}
	walk(m, top_of(m->root), m->root, 1, -1, 0, 0);
	return m;
}

void
rb_mime_free(struct rb_mime **mp)
{
	struct rb_mime *m;

	if (mp == NULL || *mp == NULL)
		return;
	m = *mp;
	g_ptr_array_free(m->extra, TRUE);
	if (m->root)
		g_object_unref(m->root);
	if (m->bytes)
		g_byte_array_free(m->bytes, FALSE);
	if (m->opts)
		g_mime_parser_options_free(m->opts);
	*mp = NULL;		/* the struct itself is in the arena */
}

size_t
rb_mime_count(const struct rb_mime *m)
{
	return m->n;
}

const struct rb_mime_part *
rb_mime_at(const struct rb_mime *m, size_t i)
{
	return i < m->n ? m->part[i] : NULL;
}

const char *
rb_mime_type(const struct rb_mime_part *p)
{
	return p->type;
}

const char *
rb_mime_param(const struct rb_mime_part *p, const char *name)
{
	GMimeContentType *ct;
	const char *v;

	if (p->obj == NULL)
		return "";
	ct = g_mime_object_get_content_type(p->obj);
	v = ct ? g_mime_content_type_get_parameter(ct, name) : NULL;
	return v ? v : "";
}

size_t
rb_mime_index(const struct rb_mime_part *p)
{
	return p->index;
}

long
rb_mime_parent(const struct rb_mime_part *p)
{
	return p->parent;
}

int
rb_mime_depth(const struct rb_mime_part *p)
{
	return p->depth;
}

int
rb_mime_nesting(const struct rb_mime_part *p)
{
	return p->nesting;
}

int
rb_mime_is_message(const struct rb_mime_part *p)
{
	return p->message;
}

int
rb_mime_is_multipart(const struct rb_mime_part *p)
{
	return p->multipart;
}

size_t
rb_mime_header_count(const struct rb_mime_part *p)
{
	if (p->view)
		return p->nview;
	return p->hl ? (size_t)g_mime_header_list_get_count(p->hl) : 0;
}

/* The headers and their names, listed once: lookups by name go through
   them all. */
static void
list_headers(const struct rb_mime_part *cp)
{
	struct rb_mime_part *p = (struct rb_mime_part *)cp;
	size_t i, n = rb_mime_header_count(p);

	p->hdr = rb_arena_array(p->m->a, n ? n : 1, sizeof(*p->hdr));
	p->hname = rb_arena_array(p->m->a, n ? n : 1, sizeof(*p->hname));
	for (i = 0; i < n; i++) {
		p->hdr[i] = g_mime_header_list_get_header_at(p->hl,
			p->view ? p->view[i] : (int)i);
		p->hname[i] = g_mime_header_get_name(p->hdr[i]);
	}
}

/* The i-th header (i < rb_mime_header_count()). */
static GMimeHeader *
header_at(const struct rb_mime_part *p, size_t i)
{
	if (p->hdr == NULL)
		list_headers(p);
	return p->hdr[i];
}

static const char *decode_words(struct rb_mime_ctx *c, struct rb_arena *a,
				const char *s);
static void pin_charsets(struct rb_mime_ctx *c, const char *s);

/* Unfolds, squeezes and decodes one raw header value into the arena. */
static const char *
decode_value(struct rb_mime *m, const char *raw)
{
	struct rb_arena *a = m->a;
	size_t n = strlen(raw);
	char *v;

	if (n > RB_MAX_HEADER_BYTES)
		n = RB_MAX_HEADER_BYTES;
	v = rb_arena_strndup(a, raw, n);
	n = rb_squeeze(v);
	if (!rb_utf8_valid(v, n)) {
		/* Raw 8-bit text: GMime's fallback charsets (UTF-8, then
		   ISO-8859-1) make it UTF-8. */
		char *u = g_mime_utils_decode_8bit(NULL, v, n);
		const char *r = rb_arena_strdup(a, u);

		g_free(u);
		return decode_words(m->ctx, a, r);
	}
	return decode_words(m->ctx, a, v);
}

void
rb_mime_header_at(const struct rb_mime_part *cp, size_t i, const char **name,
		  const char **value)
{
	struct rb_mime_part *p = (struct rb_mime_part *)cp;
	GMimeHeader *h;

	*name = "";
	*value = "";
	if (i >= rb_mime_header_count(p))
		return;
	h = header_at(p, i);
	*name = g_mime_header_get_name(h);
	if (p->hval == NULL) {
		p->nhval = rb_mime_header_count(p);
		p->hval = rb_arena_array(p->m->a, p->nhval, sizeof(*p->hval));
	}
	if (p->hval[i] == NULL) {
		const char *raw = g_mime_header_get_raw_value(h);

		p->hval[i] = decode_value(p->m, raw ? raw : "");
	}
	*value = p->hval[i];
}

const char *
rb_mime_header_name(const struct rb_mime_part *p, size_t i)
{
	if (i >= rb_mime_header_count(p))
		return "";
	if (p->hdr == NULL)
		list_headers(p);
	return p->hname[i];
}

/* Position of the first header named `name`, or -1. */
static long
header_pos(const struct rb_mime_part *p, const char *name)
{
	size_t i, n = rb_mime_header_count(p);

	if (n > 0 && p->hdr == NULL)
		list_headers(p);
	for (i = 0; i < n; i++)
		if (rb_strcaseeq(p->hname[i], name))
			return (long)i;
	return -1;
}

const char *
rb_mime_header(const struct rb_mime_part *p, const char *name)
{
	long i = header_pos(p, name);
	const char *n, *v;

	if (i < 0)
		return "";
	rb_mime_header_at(p, (size_t)i, &n, &v);
	return v;
}

int
rb_mime_has_header(const struct rb_mime_part *p, const char *name)
{
	return header_pos(p, name) >= 0;
}

static void
collect_addresses(struct rb_arena *a, InternetAddressList *list,
		  const char ***out, size_t *n, size_t *cap)
{
	int i, k = list ? internet_address_list_length(list) : 0;

	for (i = 0; i < k && *n < RB_MAX_RECIPIENTS; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			collect_addresses(a, internet_address_group_get_members(
				INTERNET_ADDRESS_GROUP(ia)), out, n, cap);
		} else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			const char *s = internet_address_mailbox_get_addr(
				INTERNET_ADDRESS_MAILBOX(ia));

			if (s == NULL || *s == '\0' || strchr(s, '@') == NULL)
				continue;
			*out = rb_arena_grow(a, *out, cap, *n + 1,
					     sizeof(**out));
			(*out)[(*n)++] = rb_lower(rb_arena_strdup(a, s));
		}
	}
}

size_t
rb_mime_addresses(const struct rb_mime_part *p, const char *name,
		  const char ***out)
{
	long i = header_pos(p, name);
	GMimeHeader *h;
	InternetAddressList *list;
	size_t n = 0, cap = 0;
	const char *raw;

	*out = NULL;
	if (i < 0)
		return 0;
	h = header_at(p, (size_t)i);
	raw = g_mime_header_get_raw_value(h);
	if (raw != NULL && p->m->ctx != NULL && strstr(raw, "=?") != NULL)
		pin_charsets(p->m->ctx, raw);	/* names are decoded */
	list = internet_address_list_parse(NULL, raw ? raw : "");
	collect_addresses(p->m->a, list, out, &n, &cap);
	if (list)
		g_object_unref(list);
	return n;
}

const char *
rb_mime_first_address(struct rb_arena *a, const char *s)
{
	InternetAddressList *list = internet_address_list_parse(NULL, s);
	const char **out = NULL;
	size_t n = 0, cap = 0;

	collect_addresses(a, list, &out, &n, &cap);
	if (list)
		g_object_unref(list);
	return n ? out[0] : "";
}

/* Decoded text bytes to UTF-8 from the part's charset.  Not
   g_mime_text_part_get_text(): it returns a C string, so a NUL from a
   quoted-printable "=00" cut the text there.  NULs become spaces. */
static char *
text_to_utf8(struct rb_mime_ctx *c, GMimeTextPart *tp, char *text, size_t *n)
{
	const char *cs = g_mime_text_part_get_charset(tp);
	char *u = NULL, *z = memchr(text, '\0', *n);

	for (; z != NULL; z = memchr(z, '\0', (size_t)(text + *n - z)))
		*z++ = ' ';
	if (cs && g_ascii_strcasecmp(cs, "utf-8") != 0 &&
	    g_ascii_strcasecmp(cs, "us-ascii") != 0) {
		iconv_t cd = c ? converter(c, cs, strlen(cs))
			       : g_mime_iconv_open("UTF-8", cs);

		if (cd != (iconv_t)-1) {
			u = g_mime_iconv_strndup(cd, text, *n);
			if (c == NULL)
				g_mime_iconv_close(cd);
		}
	}
	if (u == NULL && !rb_utf8_valid(text, *n))
		u = g_mime_utils_decode_8bit(NULL, text, *n);
	if (u == NULL)
		return text;
	g_free(text);
	*n = strlen(u);
	return u;
}

const char *
rb_mime_body(const struct rb_mime_part *cp, size_t max, size_t *len,
	     int *truncated)
{
	struct rb_mime_part *p = (struct rb_mime_part *)cp;
	char *text = NULL;
	size_t n = 0;

	if (p->body != NULL && p->body_max == max)
		goto done;
	if (p->obj != NULL && GMIME_IS_PART(p->obj)) {
		GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(p->obj));

		if (w != NULL) {
			GMimeStream *s = g_mime_stream_mem_new();
			GByteArray *ba;

			g_mime_data_wrapper_write_to_stream(w, s);
			ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
			n = ba->len;
			text = g_malloc(n + 1);
			if (n)
				memcpy(text, ba->data, n);
			text[n] = '\0';
			g_object_unref(s);
		}
		if (text && GMIME_IS_TEXT_PART(p->obj))
			text = text_to_utf8(p->m->ctx, GMIME_TEXT_PART(p->obj),
					    text, &n);
	}
	p->body_trunc = n > max;
	if (n > max)
		n = max;
	p->body = rb_arena_strndup(p->m->a, text ? text : "", n);
	p->body_len = n;
	p->body_max = max;
	g_free(text);
done:
	*len = p->body_len;
	*truncated = p->body_trunc;
	return p->body;
}

const struct rb_mime_part *
rb_mime_add_headers(struct rb_mime *m, const struct rb_mime_part *parent,
		    const char *text, size_t len)
{
	GMimeObject *r, *body;
	struct rb_mime_part *p;
	struct rb_str t = rb_str_trim((struct rb_str){text, len});
	size_t n;

	if (t.len == 0 || parent->nesting + 1 > RB_MAX_NESTED_MESSAGES)
		return NULL;
	/* Skip leading blank lines so the header block starts at once. */
	r = parse_message(m, t.p, len - (size_t)(t.p - text), 0);
	if (r == NULL)
		return NULL;
	g_ptr_array_add(m->extra, r);
	body = top_of(r);
	if (GMIME_IS_MESSAGE(r))
		n = (size_t)g_mime_header_list_get_count(
			g_mime_object_get_header_list(r));
	else
		message_view(m->a, r, &n);
	if (n == 0)
		return NULL;
	p = add_part(m, NULL, r, 1, (long)parent->index, parent->depth + 1,
		     parent->nesting + 1);
	if (p != NULL && body != NULL && GMIME_IS_MULTIPART(body))
		walk_children(m, p, body);
	return p;
}

/* Finds the next encoded-word "=?cs?X?text?=" in s; sets its charset
   and encoding slices; NULL when none. */
static const char *
next_word(const char *s, struct rb_str *cs, char *enc, struct rb_str *text,
	  const char **end)
{
	const char *p, *q, *r;

	for (p = strstr(s, "=?"); p != NULL; p = strstr(p + 2, "=?")) {
		q = strchr(p + 2, '?');
		if (q == NULL || q[1] == '\0' || q[2] != '?')
			continue;
		r = strstr(q + 3, "?=");
		if (r == NULL)
			return NULL;
		cs->p = p + 2;
		cs->len = (size_t)(q - p - 2);
		*enc = (char)RB_TOLOWER(q[1]);
		text->p = q + 3;
		text->len = (size_t)(r - q - 3);
		*end = r + 2;
		return p;
	}
	return NULL;
}

/* Merges runs of adjacent base64 words of one charset into one word, so
   that GMime 3.2.13 does not stop at the first padded one (#133). */
static const char *
merge_b_words(struct rb_arena *a, const char *s)
{
	GString *out = g_string_new(NULL);
	GByteArray *bytes = g_byte_array_new();
	const char *p = s, *w, *end;
	struct rb_str cs, text, run_cs = {NULL, 0};
	char enc;
	const char *r;

	while ((w = next_word(p, &cs, &enc, &text, &end)) != NULL) {
		const char *gap = p;
		int joins = run_cs.p != NULL && enc == 'b' &&
			    cs.len == run_cs.len &&
			    rb_memcaseeq(cs.p, run_cs.p, cs.len);

		for (; gap < w && RB_ISSPACE(*gap); gap++)
			;
		if (!(joins && gap == w) && run_cs.p != NULL) {
			/* Close the pending run. */
			gchar *b64 = g_base64_encode(bytes->data, bytes->len);

			g_string_append_printf(out, "=?%.*s?B?%s?=",
					       (int)run_cs.len, run_cs.p, b64);
			g_free(b64);
			g_byte_array_set_size(bytes, 0);
			run_cs.p = NULL;
		}
		if (run_cs.p == NULL)
			g_string_append_len(out, p, w - p);
		if (enc == 'b') {
			gchar *t = g_strndup(text.p, text.len);
			gsize n = 0;
			guchar *d = g_base64_decode(t, &n);

			g_byte_array_append(bytes, d, (guint)n);
			g_free(d);
			g_free(t);
			run_cs = cs;
		} else {
			g_string_append_len(out, w, end - w);
		}
		p = end;
	}
	if (run_cs.p != NULL) {
		gchar *b64 = g_base64_encode(bytes->data, bytes->len);

		g_string_append_printf(out, "=?%.*s?B?%s?=", (int)run_cs.len,
				       run_cs.p, b64);
		g_free(b64);
	}
	g_string_append(out, p);
	r = rb_arena_strndup(a, out->str, out->len);
	g_string_free(out, TRUE);
	g_byte_array_free(bytes, TRUE);
	return r;
}

/* Keeps open (in c) a converter for the charset of each encoded word of
   s, so that GMime's decoding does not load and unload its module. */
static void
pin_charsets(struct rb_mime_ctx *c, const char *s)
{
	struct rb_str cs, text;
	const char *end, *star;
	char enc;

	while ((s = next_word(s, &cs, &enc, &text, &end)) != NULL) {
		/* "charset*language" (RFC 2231) */
		star = memchr(cs.p, '*', cs.len);
		converter(c, cs.p, star ? (size_t)(star - cs.p) : cs.len);
		s = end;
	}
}

static const char *
decode_words(struct rb_mime_ctx *c, struct rb_arena *a, const char *s)
{
	char *d;
	const char *r;

	if (strstr(s, "=?") == NULL)
		return s;
	if (c != NULL)
		pin_charsets(c, s);
	d = g_mime_utils_header_decode_text(NULL, merge_b_words(a, s));
	if (d == NULL)
		return s;
	r = rb_arena_strdup(a, d);
	g_free(d);
	return r;
}

const char *
rb_mime_decode_words(struct rb_arena *a, const char *s)
{
	return decode_words(NULL, a, s);
}

int
rb_mime_parse_date(const char *s, int64_t *t)
{
	GDateTime *dt;

	if (s == NULL || *s == '\0')
		return -1;
	dt = g_mime_utils_header_decode_date(s);
	if (dt == NULL)
		return -1;
	*t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return 0;
}
