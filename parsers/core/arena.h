/*
 * arena - bump allocation for everything that lives as long as one message
 *
 * Parsers never free single strings: a message's tree, fields, records and
 * warnings come from one arena, reset once the caller is done with them (after
 * the ledger transaction commits, or after the records are printed).  Memory
 * is served from chunks; a reset keeps the first chunk so that the steady
 * state allocates nothing.  Allocation cannot fail (see err.h).
 */
#ifndef REBOUND_CORE_ARENA_H
#define REBOUND_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct rb_arena;

struct rb_arena *rb_arena_new(void);
/* Frees the arena and everything allocated from it; sets *a to NULL.
   NULL-safe. */
void rb_arena_free(struct rb_arena **a);
/* Forgets every allocation; keeps the first chunk for reuse. */
void rb_arena_reset(struct rb_arena *a);

/* n bytes aligned for any type; not zeroed. */
void *rb_arena_alloc(struct rb_arena *a, size_t n);
/* n bytes, zeroed. */
void *rb_arena_zalloc(struct rb_arena *a, size_t n);
/* An array of n elements of size bytes, zeroed; checks overflow. */
void *rb_arena_array(struct rb_arena *a, size_t n, size_t size);
/* Grows an arena array of *cap elements to at least need elements; returns
   the (possibly moved) array.  Old contents are copied. */
void *rb_arena_grow(struct rb_arena *a, void *arr, size_t *cap, size_t need,
		    size_t size);

/* NUL-terminated copies. */
char *rb_arena_strndup(struct rb_arena *a, const char *s, size_t n);
char *rb_arena_strdup(struct rb_arena *a, const char *s);
char *rb_arena_printf(struct rb_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *rb_arena_vprintf(struct rb_arena *a, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Bytes handed out since the last reset (for limits and tests). */
size_t rb_arena_used(const struct rb_arena *a);

#endif
