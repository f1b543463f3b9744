/*
 * mime - one message as a flat list of parts (the only user of GMime)
 *
 * rb_mime_parse() hands the bytes to GMime and flattens the tree into parts
 * numbered in depth-first order, part 0 being the message itself.  Unlike
 * g_mime_message_foreach(), the walk descends into attached messages
 * (message/rfc822, message/global) and turns a text/rfc822-headers or
 * message/global-headers part into an attached message of its own, so the
 * returned message's headers are found the same way whatever form a report
 * chose.  A part that starts a message ("message top": part 0, the content
 * of an attached message, a headers-only part) answers header lookups with
 * the message's headers; other parts with their MIME headers.
 *
 * It works around the faults of GMime 3.2.13 that hit bounces (see
 * ../shared/notes/imap-gmime.md), each in one place:
 *   - messages with CR-only line ends give no tree: lone CRs become LF;
 *   - adjacent base64 encoded-words of one charset are cut after the first
 *     padded word (jstedfast/gmime#133): such runs are merged before
 *     decoding (rb_mime_decode_words);
 *   - g_mime_message_foreach() does not enter message/rfc822: the walk does;
 *   - a "boundary=" parameter folded onto a line with no leading white
 *     space is lost and the multipart read as one part: such a line gets
 *     the tab it lacks before parsing (refold_boundary).
 * The other two (message/delivery-status is an unparsed leaf, malformed
 * field lines are dropped) are avoided by reading those parts' decoded bytes
 * with fields.h instead of GMime's header parser.
 *
 * For speed, GMime parses the top entity alone (no GMimeMessage, whose
 * address lists and dates nobody reads) and without a warning callback (it
 * makes GMime decode every header), the warnings being read from the tree
 * (mime_warn.h); its parser and charset converters are kept from one
 * message to the next in a struct rb_mime_ctx.
 *
 * Limits (core/limits.h): RB_MAX_MIME_PARTS parts, RB_MAX_MIME_DEPTH levels,
 * RB_MAX_NESTED_MESSAGES attached messages deep; going past one adds a warning
 * to the diag list and leaves the rest of the tree out.
 *
 * Ownership: everything returned is owned by the struct rb_mime or by the
 * arena passed to rb_mime_parse(), whichever goes first; the input bytes must
 * stay unchanged until rb_mime_free(), since GMime reads part contents from
 * them on demand.  Not thread-safe per object; distinct objects may be used
 * from distinct threads once rb_mime_init() has run.
 */
#ifndef REBOUND_PARSERS_MIME_H
#define REBOUND_PARSERS_MIME_H

#include <stddef.h>
#include <stdint.h>

struct rb_arena;
struct rb_diag;

struct rb_mime;
struct rb_mime_part;

/* Once per process, before any other call, and at exit. */
void rb_mime_init(void);
void rb_mime_shutdown(void);

/* Parses one message.  Never fails: bytes GMime cannot read as a message
   give a tree of one text/plain part holding them, plus a warning.
   GMime's own parser warnings that matter (malformed multipart, truncated
   message, nesting overflow) become lines in *diag. */
struct rb_mime *rb_mime_parse(struct rb_arena *a, const char *data,
			      size_t len, struct rb_diag *diag);

/* What one thread keeps from one message to the next: GMime's parser,
   which costs as much to make as a few headers cost to parse.  Made after
   rb_mime_init(), freed before rb_mime_shutdown(); NULL-safe free. */
struct rb_mime_ctx;
struct rb_mime_ctx *rb_mime_ctx_new(void);
void rb_mime_ctx_free(struct rb_mime_ctx **c);
/* rb_mime_parse() with c's parser (c NULL: one made for the parse).  c is
   used by one message at a time, until rb_mime_free(). */
struct rb_mime *rb_mime_parse_with(struct rb_mime_ctx *c, struct rb_arena *a,
				   const char *data, size_t len,
				   struct rb_diag *diag);
/* NULL-safe; sets *m to NULL. */
void rb_mime_free(struct rb_mime **m);

/* Parts in depth-first order; part 0 is the message. */
size_t rb_mime_count(const struct rb_mime *m);
const struct rb_mime_part *rb_mime_at(const struct rb_mime *m, size_t i);

/* "type/subtype" in lower case; "text/plain" when absent (RFC 2045 5.2). */
const char *rb_mime_type(const struct rb_mime_part *p);
/* A Content-Type parameter ("" when absent), RFC 2231 decoded. */
const char *rb_mime_param(const struct rb_mime_part *p, const char *name);
size_t rb_mime_index(const struct rb_mime_part *p);
/* Index of the enclosing part, -1 for part 0. */
long rb_mime_parent(const struct rb_mime_part *p);
/* Multipart and attachment levels above this part. */
int rb_mime_depth(const struct rb_mime_part *p);
/* Attached messages entered to reach this part: 0 inside the bounce itself,
   1 inside the message it returns. */
int rb_mime_nesting(const struct rb_mime_part *p);
/* 1 when the part starts a message (its headers are message headers). */
int rb_mime_is_message(const struct rb_mime_part *p);
/* 1 for a multipart container. */
int rb_mime_is_multipart(const struct rb_mime_part *p);

/* First header of that name (ASCII case ignored): RFC 2047 decoded,
   unfolded, runs of white space squeezed to one space, NUL-terminated,
   at most RB_MAX_HEADER_BYTES.  "" when absent. */
const char *rb_mime_header(const struct rb_mime_part *p, const char *name);
/* 1 when the header is present (even empty). */
int rb_mime_has_header(const struct rb_mime_part *p, const char *name);
/* All headers in order: count, and the i-th name and decoded value. */
size_t rb_mime_header_count(const struct rb_mime_part *p);
void rb_mime_header_at(const struct rb_mime_part *p, size_t i,
		       const char **name, const char **value);
/* The i-th name alone ("" past the end): the value is decoded (and kept)
   only when asked for. */
const char *rb_mime_header_name(const struct rb_mime_part *p, size_t i);
/* The addr-specs of an address header (To, From, Cc), lower-cased ASCII,
   in order; group syntax flattened.  Sets *out to an arena array. */
size_t rb_mime_addresses(const struct rb_mime_part *p, const char *name,
			 const char ***out);

/* The content of a leaf part with its transfer encoding undone; text
   parts are converted from their charset to UTF-8.  At most `max` bytes are
   returned (*truncated set when there were more).  NUL-terminated, cached.
   "" for multiparts and attached messages. */
const char *rb_mime_body(const struct rb_mime_part *p, size_t max,
			 size_t *len, int *truncated);

/* Parses text (a header block, e.g. the returned message's headers quoted
   in a plain-text bounce) and appends it as an attached message part under
   `parent`.  Returns the new part, or NULL when the text holds no header. */
const struct rb_mime_part *rb_mime_add_headers(struct rb_mime *m,
					       const struct rb_mime_part *parent,
					       const char *text, size_t len);

/* Decodes RFC 2047 encoded-words in a NUL-terminated string, merging
   adjacent same-charset base64 words first (GMime #133); the result is
   UTF-8 in the arena. Returns s itself when it holds no encoded-word. */
const char *rb_mime_decode_words(struct rb_arena *a, const char *s);

/* RFC 5322 date (lenient, as GMime reads it) to seconds since the epoch;
   -1 when it cannot be read. */
int rb_mime_parse_date(const char *s, int64_t *t);

/* The first addr-spec in an address list string, lower-cased ASCII, or
   "" when there is none. */
const char *rb_mime_first_address(struct rb_arena *a, const char *s);

#endif
