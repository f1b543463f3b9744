/* test_str - parsers/core/str.c: the string helpers every parser leans on */
#include <stdlib.h>

#include "check.h"
#include "parsers/core/str.h"

/* The plain definition, to compare the fast one with. */
static const char *
slow_casemem(const char *h, size_t hl, const char *n, size_t nl)
{
	size_t i;

	if (nl == 0)
		return h;
	for (i = 0; i + nl <= hl; i++)
		if (rb_memcaseeq(h + i, n, nl))
			return h + i;
	return NULL;
}

static void
test_memcasemem(void)
{
	static const char alphabet[] = "aAbB>\n x";
	const char *h = "Diagnostic: 550 USER Unknown";
	unsigned seed = 1;
	long i, differ = 0;

	CHECK_GROUP("memcasemem");
	CHECK(rb_memcasemem(h, strlen(h), "user unknown", 12) == h + 16);
	CHECK(rb_memcasemem(h, strlen(h), "550", 3) == h + 12);
	CHECK(rb_memcasemem(h, strlen(h), "unknownx", 8) == NULL);
	CHECK(rb_memcasemem(h, 3, "Diagnostic", 10) == NULL);
	CHECK(rb_memcasemem(h, strlen(h), "", 0) == h);
	CHECK(rb_memcasemem("a\nboundary=", 11, "\nBOUNDARY=", 10) != NULL);
	/* Random haystacks over a small alphabet (many near misses, both
	   cases of the first byte): the same answer as the plain loop. */
	for (i = 0; i < 200000; i++) {
		char hay[40], nee[5];
		size_t hl = (size_t)rand_r(&seed) % sizeof(hay);
		size_t nl = (size_t)rand_r(&seed) % sizeof(nee), k;

		for (k = 0; k < hl; k++)
			hay[k] = alphabet[rand_r(&seed) % 8];
		for (k = 0; k < nl; k++)
			nee[k] = alphabet[rand_r(&seed) % 8];
		differ += rb_memcasemem(hay, hl, nee, nl) !=
			  slow_casemem(hay, hl, nee, nl);
	}
	CHECK_INT(differ, 0);
}

int
main(void)
{
	test_memcasemem();
	return check_end();
}
