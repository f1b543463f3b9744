/*
 * mime_warn - GMime's parser warnings, read from the tree it built
 *
 * Part of mime.c, the only user of GMime (its types appear here for that
 * file alone).  GMime 3.2 decodes every header value as it builds the tree
 * when a warning callback is installed, to check it: a quarter of its parse
 * time, for warnings rebound drops (bad encoded-words, duplicated headers).
 * So mime.c parses without the callback and reads the few warnings it keeps
 * (rb_mime_warn_text()) from the tree, which shows each of them; where the
 * tree cannot tell, it parses again with the callback.  Written against
 * GMime 3.2.13's gmime-parser.c (see mime_warn.c); test_mime_warn checks
 * it against the callback on the installed GMime.
 */
#ifndef REBOUND_PARSERS_MIME_WARN_H
#define REBOUND_PARSERS_MIME_WARN_H

#include <gmime/gmime.h>
#include <stddef.h>

#define RB_MIME_WARN_MAX 32

struct rb_mime_warn {
	size_t n;
	GMimeParserWarning code[RB_MIME_WARN_MAX];
	gint64 offset[RB_MIME_WARN_MAX];	/* as GMime gives it, -1 none */
};

/* What a warning rebound keeps says ("message is truncated"), or NULL for
   one it drops. */
const char *rb_mime_warn_text(GMimeParserWarning code);

/* The kept warnings, in order, that GMime's parser gave a warning callback
   while it built top (the top entity of a message, parsed from data, len
   bytes, with g_mime_parser_construct_part() or _message(): the trees are
   the same).  0, or -1 when the tree cannot tell (then *w is unspecified
   and the message must be parsed with the callback). */
int rb_mime_warn_read(GMimeObject *top, const char *data, size_t len,
		      struct rb_mime_warn *w);

#endif
