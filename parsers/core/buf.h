/*
 * buf - a growable byte buffer with a mandatory size cap and a sticky error
 *
 * After curl's dynbuf and SQLite's accError: appending past `max` sets `err`,
 * leaves the contents as they were, and makes every later append a no-op, so a
 * builder appends freely and checks once at the end.  The contents are always
 * NUL-terminated.  Memory is malloc'd (rb_xmalloc: cannot fail).
 */
#ifndef REBOUND_CORE_BUF_H
#define REBOUND_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct rb_buf {
	char *p;		/* contents, NUL-terminated when cap > 0 */
	size_t len;
	size_t cap;
	size_t max;		/* most bytes it may hold */
	int err;		/* set once max was hit; sticky until reset */
};

void rb_buf_init(struct rb_buf *b, size_t max);
void rb_buf_deinit(struct rb_buf *b);
/* Empties the buffer and clears the error; keeps the memory. */
void rb_buf_reset(struct rb_buf *b);
/* Cuts the contents back to len bytes (at most the length) and clears the
   error: undoes what was appended since len was read. */
void rb_buf_truncate(struct rb_buf *b, size_t len);

/* Each returns 0, or -1 when the cap is (or was already) exceeded. */
int rb_buf_add(struct rb_buf *b, const void *p, size_t n);
int rb_buf_adds(struct rb_buf *b, const char *s);
int rb_buf_addc(struct rb_buf *b, char c);
int rb_buf_addf(struct rb_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int rb_buf_vaddf(struct rb_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Appends s (n bytes) as a JSON string with quotes.  Control characters are
   escaped, and bytes that are not valid UTF-8 become U+FFFD, so the output is
   always valid JSON whatever the input. */
int rb_buf_add_json(struct rb_buf *b, const char *s, size_t n);
int rb_buf_add_jsons(struct rb_buf *b, const char *s);

/* The contents as a C string ("" when empty). */
const char *rb_buf_str(const struct rb_buf *b);

#endif
