/* test_policy - the soft-bounce schedule, thresholds, policy keys, VERP,
   message hashes and raw storage */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "agent/apply.h"
#include "agent/policy.h"
#include "agent/providers.h"
#include "check.h"
#include "parsers/core/err.h"

#define H 3600
#define D (24 * H)

static void
test_backoff(void)
{
	struct rb_policy p;
	static const struct { unsigned n; long long want; } t[] = {
		{1, 900}, {2, H}, {3, 4 * H}, {4, 6 * H}, {5, 6 * H},
		{40, 6 * H}, {0, 900},
	};
	size_t i;

	CHECK_GROUP("backoff");
	rb_policy_init(&p);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK_INT(rb_policy_backoff(&p, t[i].n), t[i].want);
	/* doubling below the cap */
	CHECK(rb_policy_set(&p, "backoff_cap", "1d", NULL) == 0);
	CHECK_INT(rb_policy_backoff(&p, 4), 8 * H);
	CHECK_INT(rb_policy_backoff(&p, 5), 16 * H);
	CHECK_INT(rb_policy_backoff(&p, 6), D);
}

/* Five soft bounces over four days: retry, then suppressed. */
static void
test_soft(void)
{
	struct rb_policy p;
	struct rb_retry r;
	int64_t t0 = 1772409600;	/* 2026-03-02T00:00:00Z */

	CHECK_GROUP("soft");
	rb_policy_init(&p);
	memset(&r, 0, sizeof(r));
	CHECK_INT(rb_policy_soft(&p, &r, t0), RB_FX_RETRY);
	CHECK_INT(r.next, t0 + 900);
	CHECK_INT(r.give_up, t0 + 72 * H);
	CHECK_INT(rb_retry_state(&r, t0 + 60), RB_RS_WAIT);
	CHECK_INT(rb_retry_state(&r, t0 + 900), RB_RS_DUE);
	CHECK_INT(rb_policy_soft(&p, &r, t0 + 12 * H), RB_FX_RETRY);
	CHECK_INT(r.next, t0 + 13 * H);
	CHECK_INT(rb_policy_soft(&p, &r, t0 + 36 * H), RB_FX_RETRY);
	CHECK_INT(r.next, t0 + 40 * H);
	CHECK_INT(rb_policy_soft(&p, &r, t0 + 60 * H), RB_FX_RETRY);
	CHECK_INT(r.next, t0 + 66 * H);
	CHECK_INT(r.count, 4);
	CHECK_INT(rb_policy_soft(&p, &r, t0 + 84 * H), RB_FX_SUPPRESSED);

	/* past the window: expired, not suppressed */
	memset(&r, 0, sizeof(r));
	rb_policy_soft(&p, &r, t0);
	rb_policy_soft(&p, &r, t0 + D);
	CHECK_INT(rb_policy_soft(&p, &r, t0 + 73 * H), RB_FX_EXPIRED);
	CHECK(r.expired);
	CHECK_INT(rb_retry_state(&r, t0 + 74 * H), RB_RS_EXPIRED);
	/* quiet for soft_reset: the count and the window start again */
	CHECK_INT(rb_retry_state(&r, t0 + 73 * H + 72 * H), RB_RS_NONE);
	CHECK_INT(rb_policy_soft(&p, &r, t0 + 200 * H), RB_FX_RETRY);
	CHECK_INT(r.count, 1);
	CHECK_INT(r.next, t0 + 200 * H + 900);

	/* five consecutive, but spread over more than 7 days (45 h apart):
	   not yet; the sixth makes the last five fall within 7 days */
	memset(&r, 0, sizeof(r));
	rb_policy_soft(&p, &r, t0);
	rb_policy_soft(&p, &r, t0 + 45 * H);
	rb_policy_soft(&p, &r, t0 + 90 * H);
	rb_policy_soft(&p, &r, t0 + 135 * H);
	CHECK_INT(rb_policy_soft(&p, &r, t0 + 180 * H), RB_FX_EXPIRED);
	CHECK_INT(r.count, 5);
	CHECK_INT(rb_policy_soft(&p, &r, t0 + 200 * H), RB_FX_SUPPRESSED);
}

static void
test_keys(void)
{
	struct rb_policy p;
	struct rb_err err;

	CHECK_GROUP("keys");
	rb_policy_init(&p);
	CHECK_INT(rb_duration_parse("15m"), 900);
	CHECK_INT(rb_duration_parse("7d"), 7 * D);
	CHECK_INT(rb_duration_parse("2w"), 14 * D);
	CHECK_INT(rb_duration_parse("90"), 90);
	CHECK_INT(rb_duration_parse(""), -1);
	CHECK_INT(rb_duration_parse("m"), -1);
	CHECK_INT(rb_duration_parse("-5m"), -1);
	CHECK_INT(rb_duration_parse("99999999999d"), -1);
	CHECK(rb_policy_set_kv(&p, "backoff=5m,30m", &err) == 0);
	CHECK_INT(rb_policy_backoff(&p, 2), 1800);
	CHECK_INT(rb_policy_backoff(&p, 3), 3600);
	CHECK(rb_policy_set_kv(&p, "soft_limit=3", &err) == 0);
	CHECK_INT(p.soft_limit, 3);
	CHECK(rb_policy_set_kv(&p, "soft_limit=0", &err) < 0);
	CHECK(rb_policy_set_kv(&p, "soft_limit=33", &err) < 0);
	CHECK(rb_policy_set_kv(&p, "block=soft", &err) == 0);
	CHECK_INT(rb_policy_action(&p, RB_CL_BLOCK), RB_FX_RETRY);
	CHECK(rb_policy_set_kv(&p, "block=maybe", &err) < 0);
	CHECK(rb_policy_set_kv(&p, "expire.mailboxfull=30d", &err) == 0);
	CHECK_INT(rb_policy_expires(&p, "mailboxfull", 100), 100 + 30 * D);
	CHECK_INT(rb_policy_expires(&p, "userunknown", 100), -1);
	CHECK(rb_policy_set_kv(&p, "expire.mailboxfull=never", &err) == 0);
	CHECK_INT(rb_policy_expires(&p, "mailboxfull", 100), -1);
	CHECK(rb_policy_set_kv(&p, "raw_keep=forever", &err) == 0);
	CHECK_INT(p.raw_keep, 0);
	CHECK(rb_policy_set_kv(&p, "nonsense=1", &err) < 0);
	CHECK_STR(err.msg, "unknown key 'nonsense'");
	CHECK(rb_policy_set_kv(&p, "no equals sign", &err) < 0);
	CHECK_INT(rb_class_of("complaint"), RB_CL_COMPLAINT);
	CHECK_INT(rb_class_of("bogus"), RB_CL_UNKNOWN);
	CHECK_INT(rb_policy_action(&p, RB_CL_UNKNOWN), RB_FX_UNDECODED);
}

static void
test_verp(void)
{
	static const struct { const char *pat, *addr, *want; } t[] = {
		{"bounces+{local}={domain}@example.org",
		 "bounces+alice=example.com@example.org", "alice@example.com"},
		{"bounces+{local}={domain}@example.org",
		 "BOUNCES+Alice=Example.COM@Example.org", "alice@example.com"},
		/* '=' in the local part: the domain cannot hold one */
		{"bounces+{local}={domain}@example.org",
		 "bounces+a=b=c.example@example.org", "a=b@c.example"},
		{"b-{domain}-{local}@x.test", "b-ex.com-joe@x.test",
		 "joe@ex.com"},
		{"bounces+{local}={domain}@example.org",
		 "bounces@example.org", NULL},
		{"bounces+{local}={domain}@example.org",
		 "bounces+alice=example.com@example.net", NULL},
		{"bounces+{local}={domain}@example.org",
		 "bounces+=example.com@example.org", NULL},
		{"bounces@example.org", "bounces@example.org", NULL},
	};
	char out[600];
	size_t i;

	CHECK_GROUP("verp");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int m = rb_verp_decode(t[i].pat, t[i].addr, out, sizeof(out));

		CHECK_STR(m ? out : NULL, t[i].want);
	}
	CHECK(!rb_verp_valid("x{local}{local}{domain}"));
	CHECK(!rb_verp_valid("x{local}@{domian}"));
	CHECK(rb_verp_valid("{local}={domain}@x"));
	memset(out, 'a', 599);
	out[599] = '\0';
	memcpy(out, "bounces+", 8);
	CHECK(!rb_verp_decode("bounces+{local}={domain}@example.org", out,
			      out, sizeof(out)));
}

static void
test_hash_raw(void)
{
	char a[65], b[65], c[65], *back = NULL;
	static const char lf[] = "Subject: x\n\nbody\n";
	static const char crlf[] = "Subject: x\r\n\r\nbody\r\n\r\n";
	static const char cr[] = "Subject: x\r\rbody";
	uLongf zlen;
	void *z;

	CHECK_GROUP("hash");
	rb_apply_hash(lf, strlen(lf), a);
	rb_apply_hash(crlf, strlen(crlf), b);
	rb_apply_hash(cr, strlen(cr), c);
	CHECK_STR(a, b);
	CHECK_STR(a, c);
	rb_apply_hash("", 0, c);
	CHECK_STR(c, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
		  "7852b855");
	rb_apply_hash("Subject: y\n", 11, c);
	CHECK(strcmp(a, c) != 0);

	CHECK_GROUP("raw");
	/* Stored as plain zlib (RFC 1950): what compress2() makes, unpacked. */
	zlen = compressBound(strlen(crlf));
	z = malloc(zlen);
	CHECK(compress2(z, &zlen, (const Bytef *)crlf, strlen(crlf), 6) ==
	      Z_OK);
	CHECK(rb_raw_unpack(z, zlen, strlen(crlf), &back) == 0);
	CHECK_STR(back, crlf);
	free(back);
	CHECK(rb_raw_unpack(z, zlen, strlen(crlf) + 1, &back) < 0);
	/* A damaged or crafted size is refused, not trusted. */
	CHECK(rb_raw_unpack(z, zlen, (size_t)-1, &back) < 0);
	CHECK(rb_raw_unpack(z, zlen, (size_t)1 << 40, &back) < 0);
	((unsigned char *)z)[zlen / 2] ^= 0xff;
	CHECK(rb_raw_unpack(z, zlen, strlen(crlf), &back) < 0);
	free(z);
}

static void
test_providers(void)
{
	struct rb_providers *p;
	struct rb_err err;

	CHECK_GROUP("providers");
	p = rb_providers_load("data/providers.tsv", &err);
	if (!CHECK(p != NULL))
		return;
	CHECK_STR(rb_providers_lookup(p, "gmail.com"), "Google");
	CHECK_STR(rb_providers_lookup(p, "GoogleMail.com"), "Google");
	CHECK_STR(rb_providers_lookup(p, "hotmail.co.uk"), "Microsoft");
	CHECK_STR(rb_providers_lookup(p, "ymail.com"), "Yahoo");
	CHECK_STR(rb_providers_lookup(p, "aol.com"), "Yahoo");
	CHECK_STR(rb_providers_lookup(p, "mx.live.com"), "Microsoft");
	CHECK_STR(rb_providers_lookup(p, "example.com"), "other");
	CHECK_STR(rb_providers_lookup(p, ""), "other");
	rb_providers_free(&p);
	CHECK(p == NULL);
	CHECK(rb_providers_load("/nonexistent/providers.tsv", &err) == NULL);
	CHECK_INT(err.cls, RB_EINPUT);
}

int
main(void)
{
	test_backoff();
	test_soft();
	test_keys();
	test_verp();
	test_hash_raw();
	test_providers();
	return check_end();
}
