/* mime - one message as a flat list of parts (the only user of GMime) */
#include "mime.h"

#include <gmime/gmime.h>
#include <string.h>

#include "core/arena.h"
#include "core/diag.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"

struct rb_mime_part {
	struct rb_mime *m;
	GMimeObject *obj;	/* the MIME entity; NULL for headers only */
	GMimeMessage *msg;	/* set when the part starts a message */
	GMimeHeaderList *hl;	/* the headers lookups answer with */
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

struct rb_mime {
	struct rb_arena *a;
	struct rb_diag *diag;
	GMimeParserOptions *opts;
	GByteArray *bytes;	/* wraps the caller's bytes, not owned */
	GMimeMessage *root;
	GPtrArray *extra;	/* headers-only messages we parsed */
	struct rb_mime_part **part;
	size_t n, cap;
	int capped;		/* a limit warning was given */
};

static void walk(struct rb_mime *m, GMimeObject *obj, GMimeMessage *msg,
		 long parent, int depth, int nesting);

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

/* GMime's parser reports what it forgave; keep what changes the tree. */
static void
parser_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
	       gpointer data)
{
	struct rb_mime *m = data;
	const char *what;

	switch (code) {
	case GMIME_WARN_MALFORMED_MULTIPART:
		what = "malformed multipart (boundary not closed)";
		break;
	case GMIME_WARN_TRUNCATED_MESSAGE:
		what = "message is truncated";
		break;
	case GMIME_WARN_MALFORMED_MESSAGE:
		what = "malformed message";
		break;
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
		what = "multipart without a boundary, read as one part";
		break;
	case GMIME_CRIT_NESTING_OVERFLOW:
		what = "MIME nesting too deep, inner parts left unread";
		break;
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		what = "MIME part without headers or content";
		break;
	default:
		return;
	}
	if (m->diag)
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
	char *r;

	if (ct == NULL)
		return "text/plain";
	t = g_mime_content_type_get_media_type(ct);
	s = g_mime_content_type_get_media_subtype(ct);
	if (t == NULL || *t == '\0')
		return "text/plain";
	r = rb_arena_printf(a, "%s/%s", t, s ? s : "");
	return rb_lower(r);
}

static struct rb_mime_part *
add_part(struct rb_mime *m, GMimeObject *obj, GMimeMessage *msg, long parent,
	 int depth, int nesting)
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
	p->msg = msg;
	p->hl = g_mime_object_get_header_list(msg ? GMIME_OBJECT(msg) : obj);
	p->index = m->n;
	p->parent = parent;
	p->depth = depth;
	p->nesting = nesting;
	p->multipart = obj != NULL && GMIME_IS_MULTIPART(obj);
	p->type = content_type(m->a, obj);
	if (msg != NULL && obj == NULL) {
		const char *ct = g_mime_object_get_header(GMIME_OBJECT(msg),
							  "Content-Type");
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

/* Parses bytes as a message (headers, maybe a body). */
static GMimeMessage *
parse_message(struct rb_mime *m, const char *data, size_t len, int copy)
{
	GMimeStream *s;
	GMimeParser *parser;
	GMimeMessage *msg;

	if (copy) {
		s = g_mime_stream_mem_new_with_buffer(data, len);
	} else {
		m->bytes = g_byte_array_new_take((guint8 *)data, len);
		s = g_mime_stream_mem_new_with_byte_array(m->bytes);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
	}
	parser = g_mime_parser_new_with_stream(s);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, m->opts);
	g_object_unref(parser);
	g_object_unref(s);
	return msg;
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

		for (i = 0; i < n; i++)
			walk(m, g_mime_multipart_get_part(mp, i), NULL,
			     (long)p->index, p->depth + 1, p->nesting);
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
		walk(m, g_mime_message_get_mime_part(sub), sub,
		     (long)p->index, p->depth + 1, p->nesting + 1);
	} else if (strcmp(p->type, "text/rfc822-headers") == 0 ||
		   strcmp(p->type, "message/global-headers") == 0) {
		walk_headers_part(m, p);
	}
}

static void
walk(struct rb_mime *m, GMimeObject *obj, GMimeMessage *msg, long parent,
     int depth, int nesting)
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
	if (obj == NULL && msg == NULL)
		return;
	p = add_part(m, obj, msg, parent, depth, nesting);
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
	const char *p = data, *end = data + len, *hit;
	size_t n = 0;

	while ((hit = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p = hit + 1;
		if (end - hit < 3 || hit[1] != '-' || hit[2] != '-')
			continue;
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
	struct rb_mime *m = rb_arena_zalloc(a, sizeof(*m));

	m->a = a;
	m->diag = diag;
	m->opts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(m->opts, parser_warning, m);
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
	m->root = parse_message(m, data, len, 0);
	if (m->root == NULL) {
		/* GMime read no message at all: keep the bytes as text. */
		GMimeTextPart *tp = g_mime_text_part_new_with_subtype("plain");

		if (diag)
			rb_diag_add(diag, "mime: not a message, read as text");
		g_mime_text_part_set_text(tp, rb_arena_strndup(a, data, len));
		m->root = g_mime_message_new(FALSE);
		g_mime_message_set_mime_part(m->root, GMIME_OBJECT(tp));
		g_object_unref(tp);
	}
	walk(m, g_mime_message_get_mime_part(m->root), m->root, -1, 0, 0);
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
	return p->msg != NULL;
}

int
rb_mime_is_multipart(const struct rb_mime_part *p)
{
	return p->multipart;
}

size_t
rb_mime_header_count(const struct rb_mime_part *p)
{
	return p->hl ? (size_t)g_mime_header_list_get_count(p->hl) : 0;
}

/* Unfolds, squeezes and decodes one raw header value into the arena. */
static const char *
decode_value(struct rb_arena *a, const char *raw)
{
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
		return rb_mime_decode_words(a, r);
	}
	return rb_mime_decode_words(a, v);
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
	h = g_mime_header_list_get_header_at(p->hl, (int)i);
	*name = g_mime_header_get_name(h);
	if (p->hval == NULL) {
		p->nhval = rb_mime_header_count(p);
		p->hval = rb_arena_array(p->m->a, p->nhval, sizeof(*p->hval));
	}
	if (p->hval[i] == NULL) {
		const char *raw = g_mime_header_get_raw_value(h);

		p->hval[i] = decode_value(p->m->a, raw ? raw : "");
	}
	*value = p->hval[i];
}

/* Position of the first header named `name`, or -1. */
static long
header_pos(const struct rb_mime_part *p, const char *name)
{
	size_t i, n = rb_mime_header_count(p);

	for (i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(p->hl, (int)i);

		if (rb_strcaseeq(g_mime_header_get_name(h), name))
			return (long)i;
	}
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
	h = g_mime_header_list_get_header_at(p->hl, (int)i);
	raw = g_mime_header_get_raw_value(h);
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
text_to_utf8(GMimeTextPart *tp, char *text, size_t *n)
{
	const char *cs = g_mime_text_part_get_charset(tp);
	char *u = NULL;
	size_t i;

	for (i = 0; i < *n; i++)
		if (text[i] == '\0')
			text[i] = ' ';
	if (cs && g_ascii_strcasecmp(cs, "utf-8") != 0 &&
	    g_ascii_strcasecmp(cs, "us-ascii") != 0) {
		iconv_t cd = g_mime_iconv_open("UTF-8", cs);

		if (cd != (iconv_t)-1) {
			u = g_mime_iconv_strndup(cd, text, *n);
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
			text = text_to_utf8(GMIME_TEXT_PART(p->obj), text, &n);
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
	GMimeMessage *msg;
	struct rb_mime_part *p;
	GMimeObject *body;
	struct rb_str t = rb_str_trim((struct rb_str){text, len});

	if (t.len == 0 || parent->nesting + 1 > RB_MAX_NESTED_MESSAGES)
		return NULL;
	/* Skip leading blank lines so the header block starts at once. */
	msg = parse_message(m, t.p, len - (size_t)(t.p - text), 1);
	if (msg == NULL)
		return NULL;
	g_ptr_array_add(m->extra, msg);
	if (g_mime_header_list_get_count(
		    g_mime_object_get_header_list(GMIME_OBJECT(msg))) == 0)
		return NULL;
	body = g_mime_message_get_mime_part(msg);
	p = add_part(m, NULL, msg, (long)parent->index, parent->depth + 1,
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

const char *
rb_mime_decode_words(struct rb_arena *a, const char *s)
{
	char *d;
	const char *r;

	if (strstr(s, "=?") == NULL)
		return s;
	d = g_mime_utils_header_decode_text(NULL, merge_b_words(a, s));
	if (d == NULL)
		return s;
	r = rb_arena_strdup(a, d);
	g_free(d);
	return r;
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
