/* test_mime_warn - the parser warnings read from GMime's tree
   (parsers/mime_warn.c) are the ones GMime gives a warning callback, on
   the installed GMime: hand-written cases, then a few thousand generated
   messages (broken boundaries, truncation, attached messages, CRLF). */
#include <gmime/gmime.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "parsers/core/arena.h"
#include "parsers/core/diag.h"
#include "parsers/mime.h"
#include "parsers/mime_warn.h"

/* The oracle: the kept warnings GMime gives its callback. */
static void
collect(gint64 offset, GMimeParserWarning code, const gchar *item,
	gpointer data)
{
	struct rb_mime_warn *w = data;

	(void)item;
	if (rb_mime_warn_text(code) != NULL && w->n < RB_MIME_WARN_MAX) {
		w->code[w->n] = code;
		w->offset[w->n++] = offset;
	}
}

static GMimeObject *
parse(const char *data, size_t len, GMimeParserOptions *opts)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeObject *r;

	g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
	if (opts)
		r = (GMimeObject *)g_mime_parser_construct_message(p, opts);
	else
		r = g_mime_parser_construct_part(p, NULL);
	g_object_unref(p);
	g_object_unref(s);
	return r;
}

/* 1: read from the tree and equal to the oracle; 0: the tree could not
   tell; -1: read wrong. */
static int
compare(const char *data, size_t len)
{
	GMimeParserOptions *opts = g_mime_parser_options_new();
	struct rb_mime_warn want, got;
	GMimeObject *fast = parse(data, len, NULL), *slow;
	int rc = 0;
	size_t i;

	want.n = 0;
	g_mime_parser_options_set_warning_callback(opts, collect, &want);
	slow = parse(data, len, opts);
	if (fast != NULL && rb_mime_warn_read(fast, data, len, &got) == 0) {
		rc = slow != NULL && got.n == want.n ? 1 : -1;
		for (i = 0; rc == 1 && i < got.n; i++)
			if (got.code[i] != want.code[i] ||
			    got.offset[i] != want.offset[i])
				rc = -1;
	}
	if (fast)
		g_object_unref(fast);
	if (slow)
		g_object_unref(slow);
	g_mime_parser_options_free(opts);
	return rc;
}

static const struct {
	const char *what;
	const char *msg;
	int read;		/* the tree must tell */
} cases[] = {
	{"no warning",
	 "From: a@b.c\nContent-Type: multipart/mixed; boundary=B\n\n"
	 "--B\nContent-Type: text/plain\n\nhi\n--B--\n", 1},
	{"truncated in a part",
	 "From: a@b.c\nContent-Type: multipart/mixed; boundary=B\n\n"
	 "--B\nContent-Type: text/plain\n\nhi\n", 1},
	{"truncated in two multiparts",
	 "Content-Type: multipart/mixed; boundary=B\n\n--B\n"
	 "Content-Type: multipart/alternative; boundary=C\n\n--C\n\nx\n", 1},
	{"no delimiter at all",
	 "Content-Type: multipart/report; boundary=B\n\ntext only\n", 1},
	{"headers to the end",
	 "From: a@b.c\nSubject: no body", 1},
	{"headers to the end, multipart",
	 "From: a@b.c\nContent-Type: multipart/mixed; boundary=B\n", 1},
	{"end boundary of the parent",
	 "Content-Type: multipart/mixed; boundary=B\n\n--B\n"
	 "Content-Type: multipart/alternative; boundary=C\n\n--C\n\nx\n"
	 "--B--\n", 1},
	{"inner open, outer truncated",
	 "Content-Type: multipart/mixed; boundary=B\n\n--B\n"
	 "Content-Type: multipart/alternative; boundary=C\n\n--C\n\nx\n"
	 "--B\n\ny\n", 1},
	{"closed inner, epilogue to the end",
	 "Content-Type: multipart/mixed; boundary=B\n\n--B\n"
	 "Content-Type: multipart/alternative; boundary=C\n\n--C\n\nx\n"
	 "--C--\nepilogue\n", 1},
	{"attached message, truncated",
	 "Content-Type: multipart/mixed; boundary=B\n\n--B\n"
	 "Content-Type: message/rfc822\n\nFrom: x@y.z\n\nbody\n", 1},
	{"attached message left out",
	 "Content-Type: multipart/mixed; boundary=B\n\n--B\n"
	 "Content-Type: message/rfc822\n\n--B--\n", 1},
	{"multipart without boundary",
	 "Content-Type: multipart/mixed\n\n--B\n\nx\n", 0},
	{"part without headers",
	 "Content-Type: multipart/mixed; boundary=B\n\n--B\n--B\n\nx\n"
	 "--B--\n", 0},
	{"attached message without headers",
	 "Content-Type: multipart/mixed; boundary=B\n\n--B\n"
	 "Content-Type: message/rfc822\n\njunk\n--B--\n", 0},
	{"CRLF", "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
	 "\r\nx\r\n", 1},
};

/* A small generator of broken MIME: random trees of multiparts, leaves
   and attached messages, then random cuts, dropped or added lines and
   CRLF.  Deterministic (an LCG). */
static uint64_t seed = 88172645463325252u;

static unsigned
rnd(unsigned n)
{
	seed = seed * 6364136223846793005u + 1442695040888963407u;
	return (unsigned)(seed >> 33) % n;
}

struct gbuf {
	char *p;
	size_t len, cap;
};

static void
put(struct gbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			abort();
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

static const char *const bnd[] = {"B", "BB", "B-1", "x--", "=_a", ""};
#define NBND (sizeof(bnd) / sizeof(bnd[0]))

static void
gen_entity(struct gbuf *b, int depth)
{
	static const char *const leaves[] = {"hello\n", "", "--B\n", "x",
		"line\n--BB--\n", "\n\n", "Final-Recipient: rfc822; a@b.c\n"};
	unsigned r = depth > 3 ? 0 : rnd(10);

	if (r < 5) {
		if (rnd(3))
			put(b, "Content-Type: text/plain\n");
		if (rnd(10) == 0)
			put(b, "junk line\n");
		put(b, rnd(12) ? "\n" : "");
		put(b, leaves[rnd(sizeof(leaves) / sizeof(leaves[0]))]);
	} else if (r < 8) {
		const char *bd = bnd[rnd(NBND)];
		unsigned i, n = rnd(4);

		put(b, "Content-Type: multipart/mixed");
		if (rnd(10)) {
			put(b, "; boundary=\"");
			put(b, bd);
			put(b, "\"");
		}
		put(b, "\n\n");
		if (rnd(4) == 0)
			put(b, "prologue\n");
		for (i = 0; i < n; i++) {
			put(b, "--");
			put(b, bd);
			put(b, rnd(8) ? "\n" : " \n");
			if (rnd(12) == 0)
				continue;
			gen_entity(b, depth + 1);
			put(b, "\n");
		}
		if (rnd(10) < 7) {
			put(b, "--");
			put(b, rnd(8) ? bd : bnd[rnd(NBND)]);
			put(b, "--\n");
		}
		if (rnd(4) == 0)
			put(b, "epilogue\n");
	} else {
		put(b, "Content-Type: message/rfc822\n\n");
		if (rnd(6) == 0)
			return;
		if (rnd(8) == 0)
			put(b, "REDACTED\n");
		if (rnd(8))
			put(b, "From: x@y.z\n");
		gen_entity(b, depth + 1);
	}
}

/* Cuts, drops a line or adds a boundary-like line, and maybe CRLF. */
static char *
mutate(const char *s, size_t *lenp)
{
	size_t n = strlen(s), i, o = 0, cut = n, at = 0;
	char *out = malloc(2 * n + 64);
	const char *extra = NULL;

	if (out == NULL)
		abort();
	switch (rnd(6)) {
	case 0:
	case 1:
		cut = n ? rnd((unsigned)n + 1) : 0;
		break;
	case 2:
		at = n ? rnd((unsigned)n) : 0;
		extra = rnd(2) ? "--B--\n" : "--B\n";
		break;
	default:
		break;
	}
	for (i = 0; i < cut; i++) {
		if (extra && i == at && (i == 0 || s[i - 1] == '\n')) {
			memcpy(out + o, extra, strlen(extra));
			o += strlen(extra);
			extra = NULL;
		}
		if (s[i] == '\n' && (seed & 64))
			out[o++] = '\r';
		out[o++] = s[i];
	}
	out[o] = '\0';
	*lenp = o;
	return out;
}

int
main(void)
{
	size_t i, len, read = 0, wrong = 0, total = 3000;
	struct rb_arena *a;

	rb_mime_init();
	CHECK_GROUP("cases");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = compare(cases[i].msg, strlen(cases[i].msg));

		if (!check_ok(rc >= 0 && (rc == 1 || !cases[i].read),
			      cases[i].what, __FILE__, __LINE__))
			printf("#   compare() gave %d\n", rc);
	}

	CHECK_GROUP("generated");
	for (i = 0; i < total; i++) {
		struct gbuf b = {NULL, 0, 0};
		char *m;
		int rc;

		put(&b, "From: a@b.c\n");
		gen_entity(&b, 0);
		m = mutate(b.p, &len);
		rc = compare(m, len);
		if (rc < 0 && wrong++ < 3)
			printf("# read wrong:\n# %s\n", m);
		read += rc == 1;
		free(m);
		free(b.p);
	}
	CHECK_INT(wrong, 0);
	/* Most must be read without a second parse, broken as they are. */
	CHECK(read * 2 > total);
	printf("# %zu of %zu read from the tree\n", read, total);

	/* Through rb_mime_parse(): the same lines as before. */
	CHECK_GROUP("diag");
	a = rb_arena_new();
	{
		static const char msg[] =
			"Content-Type: multipart/mixed; boundary=B\n\n--B\n"
			"Content-Type: multipart/alternative; boundary=C\n\n"
			"--C\n\nx\n--B--\n";
		struct rb_diag d;
		struct rb_mime *m;

		rb_diag_init(&d, a, 16);
		m = rb_mime_parse(a, msg, strlen(msg), &d);
		CHECK_INT(d.n, 1);
		if (d.n == 1)
			CHECK_STR(d.line[0], "mime: malformed multipart "
				  "(boundary not closed) (byte 47)");
		rb_mime_free(&m);
	}
	rb_arena_free(&a);
	rb_mime_shutdown();
	return check_end();
}
