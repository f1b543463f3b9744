/* prepwire - a prepared message (parsed and packed) as bytes, and back
 *
 * A worker process (agent/procs.c) parses and packs; the parent applies.
 * What passes between them is what rb_apply_prepared() reads: the bounce
 * with its records, the VERP address and the packed raw bytes.  Both ends
 * are the same binary, so integers go in the machine's own order; a frame
 * cut short or holding a length past its end is refused, not trusted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "apply_int.h"
#include "parsers/core/arena.h"
#include "parsers/core/buf.h"
#include "parsers/core/err.h"
#include "parsers/record.h"

/* The length written for a NULL string. */
#define NO_STRING UINT32_MAX

static void
put_u64(struct rb_buf *b, uint64_t v)
{
	rb_buf_add(b, &v, sizeof(v));
}

static void
put_str(struct rb_buf *b, const char *s)
{
	uint32_t n = s ? (uint32_t)strlen(s) : NO_STRING;

	rb_buf_add(b, &n, sizeof(n));
	if (s)
		rb_buf_add(b, s, n);
}

static void
put_strs(struct rb_buf *b, const char *const *v, size_t n)
{
	size_t i;

	put_u64(b, n);
	for (i = 0; i < n; i++)
		put_str(b, v[i]);
}

struct rd {
	const char *at, *end;
	struct rb_arena *a;
	int bad;
};

static uint64_t
get_u64(struct rd *r)
{
	uint64_t v = 0;

	if (r->bad || (size_t)(r->end - r->at) < sizeof(v)) {
		r->bad = 1;
		return 0;
	}
	memcpy(&v, r->at, sizeof(v));
	r->at += sizeof(v);
	return v;
}

static const char *
get_str(struct rd *r)
{
	uint32_t n;
	const char *s;

	if (r->bad || (size_t)(r->end - r->at) < sizeof(n)) {
		r->bad = 1;
		return "";
	}
	memcpy(&n, r->at, sizeof(n));
	r->at += sizeof(n);
	if (n == NO_STRING)
		return NULL;
	if ((size_t)(r->end - r->at) < n) {
		r->bad = 1;
		return "";
	}
	s = rb_arena_strndup(r->a, r->at, n);
	r->at += n;
	return s;
}

/* A count of things at least min bytes each: no more than the frame
   could hold, so a damaged count cannot ask for a huge array. */
static size_t
get_count(struct rd *r, size_t min)
{
	uint64_t n = get_u64(r);

	if (n > (uint64_t)(r->end - r->at) / min) {
		r->bad = 1;
		return 0;
	}
	return (size_t)n;
}

static const char *const *
get_strs(struct rd *r, size_t *n)
{
	const char **v;
	size_t i;

	*n = get_count(r, sizeof(uint32_t));
	v = rb_arena_array(r->a, *n ? *n : 1, sizeof(*v));
	for (i = 0; i < *n; i++)
		v[i] = get_str(r);
	return v;
}

/* A fixed char array from a string: cut to fit, NUL-terminated. */
static void
get_fixed(struct rd *r, char *dst, size_t size)
{
	const char *s = get_str(r);
	size_t n = s ? strlen(s) : 0;

	if (n >= size)
		n = size - 1;
	memcpy(dst, s ? s : "", n);
	dst[n] = '\0';
}

static void
put_record(struct rb_buf *b, const struct rb_record *x)
{
	size_t i;

	put_str(b, x->source);
	put_str(b, x->message_id);
	put_str(b, x->recipient);
	put_str(b, x->original_recipient);
	put_str(b, x->action);
	put_str(b, x->status);
	put_str(b, x->reply_code);
	put_str(b, x->diagnostic);
	put_str(b, x->command);
	put_str(b, x->reason);
	put_str(b, x->cls);
	put_str(b, x->remote_mta);
	put_str(b, x->reporting_mta);
	put_u64(b, (uint64_t)x->time);
	put_str(b, x->original_message_id);
	put_u64(b, x->n_orig_headers);
	for (i = 0; i < x->n_orig_headers; i++) {
		put_str(b, x->orig_headers[i].name);
		put_str(b, x->orig_headers[i].value);
	}
	put_str(b, x->envelope_id);
	put_str(b, x->feedback_type);
	put_str(b, x->decoder);
	put_str(b, x->rule);
	put_strs(b, x->warnings, x->n_warnings);
}

static void
get_record(struct rd *r, struct rb_record *x)
{
	struct rb_kv *kv;
	size_t i;

	x->source = get_str(r);
	x->message_id = get_str(r);
	x->recipient = get_str(r);
	x->original_recipient = get_str(r);
	x->action = get_str(r);
	get_fixed(r, x->status, sizeof(x->status));
	get_fixed(r, x->reply_code, sizeof(x->reply_code));
	x->diagnostic = get_str(r);
	x->command = get_str(r);
	x->reason = get_str(r);
	x->cls = get_str(r);
	x->remote_mta = get_str(r);
	x->reporting_mta = get_str(r);
	x->time = (int64_t)get_u64(r);
	x->original_message_id = get_str(r);
	x->n_orig_headers = get_count(r, 2 * sizeof(uint32_t));
	kv = rb_arena_array(r->a, x->n_orig_headers ? x->n_orig_headers : 1,
			    sizeof(*kv));
	for (i = 0; i < x->n_orig_headers; i++) {
		kv[i].name = get_str(r);
		kv[i].value = get_str(r);
	}
	x->orig_headers = kv;
	x->envelope_id = get_str(r);
	x->feedback_type = get_str(r);
	x->decoder = get_str(r);
	x->rule = get_str(r);
	x->warnings = get_strs(r, &x->n_warnings);
}

void
rb_prep_write(const struct rb_prep *pr, struct rb_buf *out)
{
	const struct rb_bounce *b = &pr->b;
	size_t i;

	put_str(out, pr->verp);
	put_str(out, b->message_id);
	put_str(out, b->from);
	put_str(out, b->subject);
	put_strs(out, b->to, b->nto);
	put_u64(out, (uint64_t)b->date);
	put_str(out, b->decoder);
	put_strs(out, b->warnings, b->nwarnings);
	put_u64(out, b->n);
	for (i = 0; i < b->n; i++)
		put_record(out, &b->rec[i]);
	put_u64(out, pr->zlen);
	rb_buf_add(out, pr->z, pr->zlen);
}

int
rb_prep_read(struct rb_prep *pr, const char **at, const char *end)
{
	struct rd r = {*at, end, pr->a, 0};
	struct rb_bounce *b = &pr->b;
	size_t i;
	uint64_t zlen;

	rb_arena_reset(pr->a);
	memset(b, 0, sizeof(*b));
	pr->verp = get_str(&r);
	b->message_id = get_str(&r);
	b->from = get_str(&r);
	b->subject = get_str(&r);
	b->to = get_strs(&r, &b->nto);
	b->date = (int64_t)get_u64(&r);
	b->decoder = get_str(&r);
	b->warnings = get_strs(&r, &b->nwarnings);
	/* A record takes at least its 18 string lengths, its time and its
	   2 counts. */
	b->n = get_count(&r, 18 * sizeof(uint32_t) + 3 * sizeof(uint64_t));
	b->rec = rb_arena_array(pr->a, b->n ? b->n : 1, sizeof(*b->rec));
	for (i = 0; i < b->n && !r.bad; i++) {
		rb_record_init(&b->rec[i]);
		get_record(&r, &b->rec[i]);
	}
	zlen = get_u64(&r);
	if (r.bad || zlen > (uint64_t)(r.end - r.at))
		return -1;
	if (zlen > pr->zcap) {
		free(pr->z);
		pr->zcap = (size_t)zlen;
		pr->z = rb_xmalloc(pr->zcap ? pr->zcap : 1);
	}
	memcpy(pr->z, r.at, (size_t)zlen);
	pr->zlen = (size_t)zlen;
	*at = r.at + zlen;
	return 0;
}
