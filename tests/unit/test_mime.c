/* test_mime - the GMime 3.2.13 faults that hit bounces, each shown and
   each worked around by parsers/mime.c (../shared/notes/imap-gmime.md) */
#include <gmime/gmime.h>
#include <stdlib.h>

#include "check.h"
#include "parsers/core/arena.h"
#include "parsers/core/diag.h"
#include "parsers/dsn.h"
#include "parsers/mime.h"

static const char report[] =
	"From: MAILER-DAEMON@example.org\n"
	"To: sender@example.com\n"
	"Subject: Undelivered Mail\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	" boundary=\"BB\"\n"
	"\n"
	"--BB\n"
	"Content-Type: text/plain\n"
	"\n"
	"I could not deliver it.\n"
	"--BB\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.org\n"
	"\n"
	"Final-Recipient: rfc822; a@example.net\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"Diagnostic-Code: smtp; 550-5.1.1 first line\n"
	"550 5.1.1 second line that lost its indent\n"
	"--BB\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"From: sender@example.com\n"
	"To: a@example.net\n"
	"Subject: inner\n"
	"Content-Type: multipart/mixed; boundary=\"CC\"\n"
	"\n"
	"--CC\n"
	"Content-Type: text/plain\n"
	"\n"
	"hello\n"
	"--CC--\n"
	"--BB--\n";

static char *
with_ends(const char *s, const char *nl)
{
	size_t n = strlen(s), k = strlen(nl), i, o = 0;
	char *out = malloc(n * k + 1);

	for (i = 0; i < n; i++) {
		if (s[i] == '\n') {
			memcpy(out + o, nl, k);
			o += k;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

static size_t
gmime_parts(const char *data)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(data, strlen(data));
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
	GMimeObject *body = m ? g_mime_message_get_mime_part(m) : NULL;
	size_t n = body && GMIME_IS_MULTIPART(body) ?
		(size_t)g_mime_multipart_get_count(GMIME_MULTIPART(body)) : 0;

	if (m)
		g_object_unref(m);
	g_object_unref(p);
	g_object_unref(s);
	return n;
}

static void
tree(const char *what, const char *data)
{
	struct rb_arena *a = rb_arena_new();
	struct rb_diag d;
	struct rb_mime *m;
	size_t i, n, dsn = 0, inner = 0;

	CHECK_GROUP(what);
	rb_diag_init(&d, a, 16);
	m = rb_mime_parse(a, data, strlen(data), &d);
	n = rb_mime_count(m);
	CHECK(n >= 6);
	for (i = 0; i < n; i++) {
		const struct rb_mime_part *p = rb_mime_at(m, i);

		if (strcmp(rb_mime_type(p), "message/delivery-status") == 0)
			dsn = i;
		if (rb_mime_nesting(p) == 1 &&
		    strcmp(rb_mime_type(p), "text/plain") == 0)
			inner = i;
	}
	CHECK(dsn > 0);
	/* The walk entered the attached message (g_mime_message_foreach()
	   does not). */
	CHECK(inner > dsn);
	if (dsn) {
		size_t len;
		int trunc;
		const char *b = rb_mime_body(rb_mime_at(m, dsn), 1 << 20, &len,
					     &trunc);
		struct rb_dsn ds;

		/* The delivery-status leaf is re-parsed by fields.h, which
		   keeps the line GMime's header parser would drop. */
		CHECK_INT(rb_dsn_parse(a, b, len, &ds, &d), 1);
		CHECK_STR(ds.rcpt[0].diagnostic.value,
			  "550-5.1.1 first line 550 5.1.1 second line that "
			  "lost its indent");
		CHECK(d.n > 0);
	}
	rb_mime_free(&m);
	rb_arena_free(&a);
}

int
main(void)
{
	char *crlf = with_ends(report, "\r\n"), *cr = with_ends(report, "\r");
	struct rb_arena *a;
	const char *w = "=?UTF-8?B?w6k=?= =?UTF-8?B?w6g=?=";
	char *g;

	rb_mime_init();
	tree("LF", report);
	tree("CRLF", crlf);
	/* Fault: a CR-only message gives GMime no tree. */
	CHECK_GROUP("CR");
	CHECK_INT(gmime_parts(cr), 0);
	tree("CR", cr);

	/* Fault (jstedfast/gmime#133): adjacent padded base64 words. */
	CHECK_GROUP("encoded-words");
	g = g_mime_utils_header_decode_text(NULL, w);
	CHECK(strcmp(g, "\xc3\xa9\xc3\xa8") != 0);
	g_free(g);
	a = rb_arena_new();
	CHECK_STR(rb_mime_decode_words(a, w), "\xc3\xa9\xc3\xa8");
	CHECK_STR(rb_mime_decode_words(a, "plain"), "plain");
	rb_arena_free(&a);

	/* Fault: a boundary parameter folded without white space is lost,
	   and the multipart read as one part. */
	CHECK_GROUP("unindented boundary");
	a = rb_arena_new();
	{
		static const char msg[] =
			"From: a@example.org\nMIME-Version: 1.0\n"
			"Content-Type: multipart/alternative;\n"
			"boundary=\"XX\"\n\n--XX\nContent-Type: text/plain\n\n"
			"one\n--XX\nContent-Type: text/html\n\n<p>two\n"
			"--XX--\n";
		struct rb_diag d;
		struct rb_mime *m;

		rb_diag_init(&d, a, 16);
		CHECK_INT(gmime_parts(msg), 0);
		m = rb_mime_parse(a, msg, strlen(msg), &d);
		CHECK_INT(rb_mime_count(m), 3);
		rb_mime_free(&m);
	}
	rb_arena_free(&a);

	/* Fault: g_mime_text_part_get_text() returns a C string, so a "=00"
	   in quoted-printable cuts the text; rb_mime_body() keeps it all, in
	   UTF-8 from the declared charset. */
	CHECK_GROUP("NUL in text");
	a = rb_arena_new();
	{
		static const char msg[] =
			"From: a@example.org\nContent-Type: text/plain; "
			"charset=iso-8859-1\nContent-Transfer-Encoding: "
			"quoted-printable\n\nbefore=00after r=E9sum=E9\n";
		struct rb_diag d;
		struct rb_mime *m;
		size_t len;
		int trunc;

		rb_diag_init(&d, a, 16);
		m = rb_mime_parse(a, msg, strlen(msg), &d);
		CHECK_STR(rb_mime_body(rb_mime_at(m, 0), 1024, &len, &trunc),
			  "before after r\xc3\xa9sum\xc3\xa9\n");
		rb_mime_free(&m);
	}
	rb_arena_free(&a);

	/* Junk never fails. */
	CHECK_GROUP("junk");
	a = rb_arena_new();
	{
		struct rb_diag d;
		struct rb_mime *m;

		rb_diag_init(&d, a, 16);
		m = rb_mime_parse(a, "\0\1\2\377", 4, &d);
		CHECK(rb_mime_count(m) >= 1);
		rb_mime_free(&m);
		m = rb_mime_parse(a, "", 0, &d);
		CHECK(rb_mime_count(m) >= 1);
		rb_mime_free(&m);
	}
	rb_arena_free(&a);
	free(crlf);
	free(cr);
	rb_mime_shutdown();
	return check_end();
}
