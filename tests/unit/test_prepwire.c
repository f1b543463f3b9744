/* test_prepwire - a prepared message through a worker's bytes and back */
#include <stdlib.h>

#include "agent/apply_int.h"
#include "check.h"
#include "parsers/core/arena.h"
#include "parsers/record.h"

static const char *const warns[] = {"a warning", "another"};
static const char *const tos[] = {"bounces+ann=example.org@example.com"};
static const struct rb_kv hdrs[] = {{"From", "news@example.com"},
				    {"Subject", "caf\xc3\xa9"}};

/* A prepared message with two records, as a worker makes one. */
static void
fill(struct rb_prep *pr)
{
	struct rb_bounce *b = &pr->b;
	struct rb_record *r = rb_arena_array(pr->a, 2, sizeof(*r));
	static const unsigned char z[] = {0x78, 0x01, 0x00, 0xff, 0x00};

	memset(b, 0, sizeof(*b));
	b->message_id = "b1@mx.example.net";
	b->from = "MAILER-DAEMON@mx.example.net";
	b->subject = NULL;
	b->to = tos;
	b->nto = 1;
	b->date = 1780272000;
	b->decoder = "rfc3464";
	b->warnings = warns;
	b->nwarnings = 2;
	rb_record_init(&r[0]);
	r[0].source = "box#1";
	r[0].recipient = "ann@example.org";
	strcpy(r[0].status, "5.1.1");
	strcpy(r[0].reply_code, "550");
	r[0].diagnostic = "550 5.1.1 <ann@example.org>: no\nsuch user";
	r[0].reason = "userunknown";
	r[0].cls = "hard";
	r[0].time = -1;
	r[0].orig_headers = hdrs;
	r[0].n_orig_headers = 2;
	r[0].warnings = warns;
	r[0].n_warnings = 2;
	rb_record_init(&r[1]);
	r[1].source = "box#1";
	r[1].recipient = "bob@example.org";
	r[1].time = 1780272001;
	b->rec = r;
	b->n = 2;
	pr->verp = "ann@example.org";
	pr->z = malloc(sizeof(z));
	memcpy(pr->z, z, sizeof(z));
	pr->zlen = pr->zcap = sizeof(z);
}

static void
json(const struct rb_prep *pr, struct rb_buf *out)
{
	size_t i;

	for (i = 0; i < pr->b.n; i++)
		rb_record_json(&pr->b.rec[i], out);
}

int
main(void)
{
	struct rb_prep *pr = rb_prep_new(), *back = rb_prep_new();
	struct rb_buf w, j1, j2;
	const char *at;
	size_t cut, bad = 0;
	uint64_t huge = UINT64_MAX;

	rb_buf_init(&w, 1u << 20);
	rb_buf_init(&j1, 1u << 20);
	rb_buf_init(&j2, 1u << 20);
	fill(pr);
	rb_prep_write(pr, &w);

	CHECK_GROUP("round trip");
	at = w.p;
	CHECK(rb_prep_read(back, &at, w.p + w.len) == 0);
	CHECK(at == w.p + w.len);
	json(pr, &j1);
	json(back, &j2);
	CHECK_STR(j2.p, j1.p);
	CHECK_STR(back->verp, "ann@example.org");
	CHECK_STR(back->b.message_id, "b1@mx.example.net");
	CHECK(back->b.subject == NULL);
	CHECK_INT(back->b.nto, 1);
	CHECK_STR(back->b.to[0], tos[0]);
	CHECK_INT(back->b.date, 1780272000);
	CHECK_INT(back->b.nwarnings, 2);
	CHECK_INT(back->b.rec[1].time, 1780272001);
	CHECK_INT(back->zlen, pr->zlen);
	CHECK(memcmp(back->z, pr->z, pr->zlen) == 0);

	CHECK_GROUP("damaged frames");
	for (cut = 0; cut < w.len; cut++) {
		at = w.p;
		if (rb_prep_read(back, &at, w.p + cut) == 0)
			bad++;
	}
	CHECK_INT(bad, 0);
	/* The record count made huge: refused, not allocated.  It sits
	   where a prep without records and packed bytes ends, less its
	   count and zlen. */
	{
		struct rb_buf h;
		const char *p = w.p;

		rb_buf_init(&h, 1u << 20);
		pr->b.n = 0;
		pr->zlen = 0;
		rb_prep_write(pr, &h);
		memcpy(w.p + h.len - 2 * sizeof(uint64_t), &huge, sizeof(huge));
		CHECK(rb_prep_read(back, &p, w.p + w.len) == -1);
		rb_buf_deinit(&h);
	}
	rb_buf_deinit(&w);
	rb_buf_deinit(&j1);
	rb_buf_deinit(&j2);
	rb_prep_free(&pr);
	rb_prep_free(&back);
	return check_end();
}
