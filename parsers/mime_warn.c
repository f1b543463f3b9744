/* mime_warn - GMime's parser warnings, read from the tree it built */
#include "mime_warn.h"

#include <string.h>

#include "core/str.h"

const char *
rb_mime_warn_text(GMimeParserWarning code)
{
	switch (code) {
	case GMIME_WARN_MALFORMED_MULTIPART:
		return "malformed multipart (boundary not closed)";
	case GMIME_WARN_TRUNCATED_MESSAGE:
		return "message is truncated";
	case GMIME_WARN_MALFORMED_MESSAGE:
		return "malformed message";
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
		return "multipart without a boundary, read as one part";
	case GMIME_CRIT_NESTING_OVERFLOW:
		return "MIME nesting too deep, inner parts left unread";
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		return "MIME part without headers or content";
	default:
		return NULL;	/* also update rb_mime_warn_read() */
	}
}

/* The kept warnings (rb_mime_warn_text()), from GMime 3.2.13's
   gmime-parser.c:
     - a multipart whose end boundary was not found (write_end_boundary
       unset) gave "truncated" when the input ended inside it, else (a
       boundary of a multipart around it came first) "malformed
       multipart" at its Content-Type; both when its parse ended, after
       its parts'.  The input ended inside the open multiparts on the way
       from the top to the last part down to the first closed one (below
       that, the input ended in a closed one's epilogue; no other
       multipart can be left open by the end of the input), if the end
       boundaries of those are nowhere in the input and the last part had
       its header block ended (see ends_in_last());
     - multipart without boundary: no boundary parameter;
     - nesting overflow: 1024 levels (any tree deeper than QUIET_DEPTH);
     - part without headers or content: a delimiter line whose part holds
       no header before the next boundary line; GMime leaves such a part
       out, so the delimiter lines ("--boundary" and white space) are
       counted in the bytes and must equal the parts of the multiparts
       with that boundary (other lines of that form only make the check
       fail safe); the same in an attached message gives a message and
       body without headers, and a body GMime did not read;
     - truncated headers: within a multipart, the input ended in it; else
       the top message's header block has no empty line, or an attached
       message is empty or missing;
     - malformed message: a parse error after the top headers, which
       leaves an attached message missing or a delimiter line without its
       part.
   Any other delimiter line after the last part would have started a part
   of its own, so "the input ended inside" needs no more proof than the
   counts.  A message GMime cannot read at all is parsed again too. */
#define QUIET_DEPTH 200
#define QUIET_BOUNDARIES 32

struct qwalk {
	const char *bnd[QUIET_BOUNDARIES];	/* distinct boundaries */
	size_t parts[QUIET_BOUNDARIES];	/* parts they delimit */
	int eos[QUIET_BOUNDARIES];	/* one of them ends with the input */
	size_t nbnd;
	size_t path;		/* multiparts on the way to the last part */
	size_t neos;		/* those the input ended in */
	int closed;		/* one of those has its end boundary */
	GMimeObject *end;	/* the last part: leaf or empty multipart */
	size_t len;		/* of the input */
	struct rb_mime_warn *w;	/* the warnings, in order */
};

static int
quiet_boundary(struct qwalk *q, const char *b, size_t parts, int eos)
{
	size_t i;

	for (i = 0; i < q->nbnd && strcmp(q->bnd[i], b) != 0; i++)
		;
	if (i == q->nbnd) {
		if (q->nbnd == QUIET_BOUNDARIES)
			return 0;
		q->bnd[i] = b;
		q->parts[i] = 0;
		q->eos[i] = 0;
		q->nbnd++;
	}
	q->parts[i] += parts;
	q->eos[i] |= eos;
	return 1;
}

static int
quiet_warn(struct qwalk *q, GMimeParserWarning code, gint64 off)
{
	struct rb_mime_warn *w = q->w;

	if (w->n == RB_MIME_WARN_MAX)
		return 0;
	w->code[w->n] = code;
	w->offset[w->n++] = off;
	return 1;
}

/* Where GMime's parser says a multipart's Content-Type is: the offset of
   the last one it gave the part. */
static gint64
ctype_offset(GMimeObject *obj)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int i = g_mime_header_list_get_count(hl);

	while (i-- > 0) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);

		if (g_ascii_strcasecmp(g_mime_header_get_name(h),
				       "Content-Type") == 0)
			return g_mime_header_get_offset(h);
	}
	return -1;
}

static int
header_count(GMimeObject *obj)
{
	return g_mime_header_list_get_count(g_mime_object_get_header_list(obj));
}

/* The content stream of a leaf, or NULL. */
static GMimeStream *
leaf_stream(GMimeObject *obj)
{
	GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(obj));

	return w ? g_mime_data_wrapper_get_stream(w) : NULL;
}

/* 1 when a leaf's content was read and starts before the end. */
static int
content_before(GMimeObject *obj, size_t len)
{
	GMimeStream *s = GMIME_IS_PART(obj) ? leaf_stream(obj) : NULL;

	return s != NULL && s->bound_start < (gint64)len;
}

/* Where a part sits, for quiet_walk(). */
#define Q_LAST 1	/* the last child of each part above it */
#define Q_NOMP 2	/* no multipart above it */
#define Q_INMSG 4	/* inside an attached message */
#define Q_PCLOSED 8	/* the input did not end in the nearest multipart
			   above it */

/* An attached message GMime left out: the line after the part's headers
   was a boundary (no warning), or the input ended there (each multipart
   above says "truncated"), or in the message's header block (also
   "malformed message").  The input ends there only in the last part, and
   in the multipart above. */
static int
quiet_no_message(struct qwalk *q, GMimeObject *obj, int where)
{
	if (where & Q_NOMP)
		return 0;
	if ((where & Q_LAST) && !(where & Q_PCLOSED))
		q->end = obj;
	return 1;
}

static int quiet_walk(struct qwalk *q, GMimeObject *obj, int depth,
		      int where);

static int
quiet_multipart(struct qwalk *q, GMimeObject *obj, int depth, int where)
{
	GMimeMultipart *mp = GMIME_MULTIPART(obj);
	const char *b = g_mime_object_get_content_type_parameter(obj,
								 "boundary");
	int i, n = g_mime_multipart_get_count(mp), last = where & Q_LAST;
	int open = !mp->write_end_boundary, eos = open && last && !q->closed;

	if (b == NULL || !quiet_boundary(q, b, (size_t)n, eos))
		return 0;
	if (last) {
		q->path++;
		q->neos += eos;
		q->closed |= !open;
		if (n == 0)
			q->end = obj;
	}
	for (i = 0; i < n; i++)
		if (!quiet_walk(q, g_mime_multipart_get_part(mp, i), depth + 1,
				(eos ? 0 : Q_PCLOSED) |
				(last && i == n - 1 ? Q_LAST : 0)))
			return 0;
	if (eos)
		return quiet_warn(q, GMIME_WARN_TRUNCATED_MESSAGE, -1);
	if (open)
		return quiet_warn(q, GMIME_WARN_MALFORMED_MULTIPART,
				  ctype_offset(obj));
	return 1;
}

/* 1 when the tree under obj shows no trace GMime's warnings do not
   explain; those are added to q. */
static int
quiet_walk(struct qwalk *q, GMimeObject *obj, int depth, int where)
{
	if (obj == NULL || depth > QUIET_DEPTH)
		return 0;
	if (GMIME_IS_MULTIPART(obj))
		return quiet_multipart(q, obj, depth, where);
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessagePart *mp = GMIME_MESSAGE_PART(obj);
		GMimeMessage *sub = g_mime_message_part_get_message(mp);
		GMimeObject *body = sub ? g_mime_message_get_mime_part(sub)
					: NULL;

		if (sub == NULL)
			return quiet_no_message(q, obj, where);
		/* Its header block (split between the two) held nothing: it
		   ended with an empty line only if the body was read. */
		if (body == NULL || (header_count(GMIME_OBJECT(sub)) +
				     header_count(body) == 0 &&
				     !content_before(body, q->len)))
			return 0;
		return quiet_walk(q, body, depth + 1, where | Q_INMSG);
	}
	if (!GMIME_IS_PART(obj))
		return 0;
	if (where & Q_LAST)
		q->end = obj;
	/* Outside any multipart, an attached message whose headers ran to
	   the end has an empty body. */
	if ((where & Q_NOMP) && (where & Q_INMSG)) {
		GMimeStream *s = leaf_stream(obj);

		if (s == NULL || g_mime_stream_length(s) <= 0)
			return 0;
	}
	return 1;
}

/* Counts, for each boundary b seen, the lines "--b" (n[i]) and "--b--"
   (fin[i]) followed by nothing but white space: GMime's delimiters.  One
   pass, stopping at each '-' that starts a line. */
static void
delimiters(const struct qwalk *q, const char *data, size_t len, size_t *n,
	   size_t *fin)
{
	const char *p = data, *end = data + len, *d, *nl, *r;
	size_t i, bl[QUIET_BOUNDARIES];

	for (i = 0; i < q->nbnd; i++) {
		bl[i] = strlen(q->bnd[i]);
		n[i] = fin[i] = 0;
	}
	for (; p < end && (d = memchr(p, '-', (size_t)(end - p))) != NULL;
	     p = d + 1) {
		if ((d > data && d[-1] != '\n') || end - d < 2 || d[1] != '-')
			continue;
		nl = memchr(d, '\n', (size_t)(end - d));
		if (nl == NULL)
			nl = end;
		for (i = 0; i < q->nbnd; i++) {
			if ((size_t)(nl - d) < bl[i] + 2 ||
			    memcmp(d + 2, q->bnd[i], bl[i]) != 0)
				continue;
			r = d + 2 + bl[i];
			if (nl - r >= 2 && r[0] == '-' && r[1] == '-') {
				const char *f = r + 2;

				while (f < nl && RB_ISSPACE(*f))
					f++;
				fin[i] += f == nl;
			}
			while (r < nl && RB_ISSPACE(*r))
				r++;
			n[i] += r == nl;
		}
		d = nl;
	}
}

/* Bytes up to the end of the first empty line ("\n" or "\r\n"), which
   ends the top header block; 0 when there is none. */
static size_t
empty_line_end(const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (nl == p || (nl == p + 1 && *p == '\r'))
			return (size_t)(nl + 1 - data);
		p = nl + 1;
	}
	return 0;
}

/* 1 when the input ends with an empty line. */
static int
ends_empty(const char *data, size_t len)
{
	if (len == 0 || data[len - 1] != '\n')
		return 0;
	len--;
	if (len > 0 && data[len - 1] == '\r')
		len--;
	return len == 0 || data[len - 1] == '\n';
}

/* With every multipart on the way to it open, the input ended inside
   q->end, the last part (a leaf's content, a multipart's prologue, right
   after the headers of a message/rfc822 part): 1 when that part's header
   block ended first, as its content shows, or an empty line at the very
   end. */
static int
ends_in_last(const struct qwalk *q, const char *data, size_t len)
{
	GMimeStream *s;

	if (q->end == NULL)
		return 0;
	if (GMIME_IS_MESSAGE_PART(q->end))
		return ends_empty(data, len);
	if (GMIME_IS_MULTIPART(q->end))
		return g_mime_multipart_get_prologue(GMIME_MULTIPART(q->end)) !=
		       NULL || ends_empty(data, len);
	s = leaf_stream(q->end);
	if (s == NULL || s->bound_end != (gint64)len)
		return 0;
	return s->bound_start < s->bound_end || ends_empty(data, len);
}

int
rb_mime_warn_read(GMimeObject *body, const char *data, size_t len,
		  struct rb_mime_warn *w)
{
	struct qwalk q;
	size_t i, n[QUIET_BOUNDARIES], fin[QUIET_BOUNDARIES];

	memset(&q, 0, sizeof(q));
	q.len = len;
	q.w = w;
	w->n = 0;
	if (body == NULL || !quiet_walk(&q, body, 0, Q_LAST | Q_NOMP))
		return -1;
	delimiters(&q, data, len, n, fin);
	for (i = 0; i < q.nbnd; i++)
		/* A delimiter without its part; the end boundary of a
		   multipart the input ended in. */
		if (n[i] != q.parts[i] || (q.eos[i] && fin[i] != 0))
			return -1;
	if (empty_line_end(data, len) == 0) {
		/* The top header block runs to the end ("truncated" first),
		   and so does a multipart body's prologue (empty). */
		if (!((GMIME_IS_PART(body) && w->n == 0) ||
		      (GMIME_IS_MULTIPART(body) && q.end == body &&
		       w->n == 1 && q.neos == 1)))
			return -1;
		memmove(w->offset + 1, w->offset, w->n * sizeof(*w->offset));
		memmove(w->code + 1, w->code, w->n * sizeof(*w->code));
		w->code[0] = GMIME_WARN_TRUNCATED_MESSAGE;
		w->offset[0] = -1;
		w->n++;
		return 0;
	}
	if (q.neos > 0 && q.neos == q.path && !ends_in_last(&q, data, len))
		return -1;
	return 0;
}
