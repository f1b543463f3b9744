/* test_acm - the Aho-Corasick automaton finds exactly the patterns a naive
   search finds (ASCII case ignored), small and large, with 16-bit and
   32-bit tables */
#include <stdlib.h>

#include "check.h"
#include "parsers/core/acm.h"
#include "parsers/core/str.h"

static unsigned long long seed = 0x2545F4914F6CDD1Dull;

static unsigned
rnd(unsigned n)
{
	seed = seed * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)(seed >> 33) % n;
}

/* Random text over a small alphabet, so that patterns overlap. */
static void
fill(char *s, size_t n)
{
	static const char abc[] = "abcAB .-\n\xc3\xa9";
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = abc[rnd(sizeof(abc) - 1)];
}

/* 1 when every pattern is reported exactly when it occurs. */
static int
agrees(struct rb_acm *m, char **pat, size_t *plen, size_t npat,
       const char *text, size_t len)
{
	unsigned char *hits = calloc(1, rb_acm_hits_size(m));
	size_t i;
	int ok = 1;

	rb_acm_scan(m, text, len, hits);
	for (i = 0; i < npat; i++)
		if (RB_ACM_HIT(hits, i) !=
		    (rb_memcasemem(text, len, pat[i], plen[i]) != NULL))
			ok = 0;
	free(hits);
	return ok;
}

static void
random_sets(void)
{
	int round, bad = 0;

	CHECK_GROUP("random");
	for (round = 0; round < 200; round++) {
		size_t npat = 1 + rnd(60), i, k;
		char *pat[60], text[600];
		size_t plen[60];
		struct rb_acm *m = rb_acm_new();

		for (i = 0; i < npat; i++) {
			plen[i] = 1 + rnd(6);
			pat[i] = malloc(plen[i]);
			fill(pat[i], plen[i]);
			if (rb_acm_add(m, pat[i], plen[i]) != i)
				bad++;
		}
		rb_acm_compile(m);
		for (k = 0; k < 20; k++) {
			size_t len = rnd(sizeof(text));

			fill(text, len);
			bad += !agrees(m, pat, plen, npat, text, len);
		}
		for (i = 0; i < npat; i++)
			free(pat[i]);
		rb_acm_free(&m);
	}
	CHECK_INT(bad, 0);
}

/* Many long patterns: thousands of states, deep ones walked. */
static void
many(void)
{
	size_t npat = 1500, i, k;
	char **pat = calloc(npat, sizeof(*pat)), text[2000];
	size_t *plen = calloc(npat, sizeof(*plen));
	struct rb_acm *m = rb_acm_new();
	int bad = 0;

	CHECK_GROUP("1,500 patterns");
	for (i = 0; i < npat; i++) {
		plen[i] = 5 + rnd(26);
		pat[i] = malloc(plen[i]);
		fill(pat[i], plen[i]);
		rb_acm_add(m, pat[i], plen[i]);
	}
	rb_acm_compile(m);
	for (k = 0; k < 30; k++) {
		size_t at = rnd((unsigned)npat), len = rnd(sizeof(text));

		fill(text, len);
		/* Plant a few patterns, so that deep states are walked. */
		if (len > 100) {
			memcpy(text + 10, pat[at], plen[at]);
			memcpy(text + len - 40, pat[(at + 7) % npat],
			       plen[(at + 7) % npat] < 40 ?
			       plen[(at + 7) % npat] : 40);
		}
		bad += !agrees(m, pat, plen, npat, text, len);
	}
	CHECK_INT(bad, 0);
	for (i = 0; i < npat; i++)
		free(pat[i]);
	free(pat);
	free(plen);
	rb_acm_free(&m);
}

/* More states than 16 bits hold: the 32-bit table. */
static void
big(void)
{
	size_t n = 40000, i;
	char *p = malloc(n), *text = malloc(n + 20);
	char *pat[2];
	size_t plen[2] = {40000, 3};
	struct rb_acm *m = rb_acm_new();

	CHECK_GROUP("40,000 states");
	for (i = 0; i < n; i++)
		p[i] = (char)('a' + (i * 7 + i / 26) % 26);
	pat[0] = p;
	pat[1] = "xyz";
	rb_acm_add(m, p, n);
	rb_acm_add(m, "xyz", 3);
	rb_acm_compile(m);
	memcpy(text, "XYZ", 3);
	memcpy(text + 3, p, n);
	text[3 + 1000] = 'A' + (text[3 + 1000] - 'a');	/* case */
	CHECK(agrees(m, pat, plen, 2, text, n + 3));
	text[3 + 39999] = '#';		/* one byte short */
	CHECK(agrees(m, pat, plen, 2, text, n + 3));
	rb_acm_free(&m);
	free(p);
	free(text);
}

int
main(void)
{
	struct rb_acm *m = rb_acm_new();
	unsigned char hits[4] = {0};

	CHECK_GROUP("basics");
	rb_acm_add(m, "mailbox full", 12);
	rb_acm_add(m, "full", 4);
	rb_acm_add(m, "user unknown", 12);
	rb_acm_compile(m);
	CHECK_INT(rb_acm_scan(m, "550 Mailbox FULL", 16, hits), 2);
	CHECK(RB_ACM_HIT(hits, 0) && RB_ACM_HIT(hits, 1) &&
	      !RB_ACM_HIT(hits, 2));
	rb_acm_free(&m);
	random_sets();
	many();
	big();
	return check_end();
}
