/* arena - bump allocation for everything that lives as long as one message */
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define CHUNK_MIN (64u * 1024)	/* first chunk: enough for a typical bounce */
#define ALIGN 16u

struct chunk {
	struct chunk *next;
	size_t size;		/* usable bytes in data[] */
	size_t used;
	_Alignas(16) unsigned char data[];
};

struct rb_arena {
	struct chunk *head;	/* chunk being filled */
	struct chunk *first;	/* kept across resets */
	size_t used;		/* bytes handed out since reset */
};

static struct chunk *
chunk_new(size_t size)
{
	struct chunk *c;

	if (size > SIZE_MAX - sizeof(*c))
		rb_panic("arena chunk too large (%zu)", size);
	c = rb_xmalloc(sizeof(*c) + size);
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct rb_arena *
rb_arena_new(void)
{
	struct rb_arena *a = rb_xcalloc(1, sizeof(*a));

	a->first = a->head = chunk_new(CHUNK_MIN);
	return a;
}

static void
free_chain(struct chunk *c, const struct chunk *keep)
{
	while (c != NULL) {
		struct chunk *next = c->next;

		if (c != keep)
			free(c);
		c = next;
	}
}

void
rb_arena_free(struct rb_arena **ap)
{
	if (ap == NULL || *ap == NULL)
		return;
	free_chain((*ap)->head, NULL);
	free(*ap);
	*ap = NULL;
}

void
rb_arena_reset(struct rb_arena *a)
{
	/* Chunks are linked newest first; the first chunk is at the tail. */
	free_chain(a->head, a->first);
	a->first->next = NULL;
	a->first->used = 0;
	a->head = a->first;
	a->used = 0;
}

void *
rb_arena_alloc(struct rb_arena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t off, want;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - ALIGN)
		rb_panic("arena allocation too large (%zu)", n);
	off = (c->used + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (off > c->size || c->size - off < n) {
		want = c->size * 2;
		if (want < n + ALIGN)
			want = n + ALIGN;
		c = chunk_new(want);
		c->next = a->head;
		a->head = c;
		off = 0;
	}
	c->used = off + n;
	a->used += n;
	return c->data + off;
}

void *
rb_arena_zalloc(struct rb_arena *a, size_t n)
{
	void *p = rb_arena_alloc(a, n);

	memset(p, 0, n);
	return p;
}

void *
rb_arena_array(struct rb_arena *a, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		rb_panic("arena array overflow (%zu x %zu)", n, size);
	return rb_arena_zalloc(a, n * size);
}

void *
rb_arena_grow(struct rb_arena *a, void *arr, size_t *cap, size_t need,
	      size_t size)
{
	size_t ncap = *cap ? *cap : 4;
	void *narr;

	if (need <= *cap)
		return arr;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			rb_panic("arena array overflow");
		ncap *= 2;
	}
	narr = rb_arena_array(a, ncap, size);
	if (arr != NULL && *cap)
		memcpy(narr, arr, *cap * size);
	*cap = ncap;
	return narr;
}

char *
rb_arena_strndup(struct rb_arena *a, const char *s, size_t n)
{
	char *p = rb_arena_alloc(a, n + 1);

	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
rb_arena_strdup(struct rb_arena *a, const char *s)
{
	return rb_arena_strndup(a, s, strlen(s));
}

char *
rb_arena_vprintf(struct rb_arena *a, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	char *p;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		rb_panic("bad format %s", fmt);
	p = rb_arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
rb_arena_printf(struct rb_arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = rb_arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

size_t
rb_arena_used(const struct rb_arena *a)
{
	return a->used;
}
