/* strmap - a string → size_t table */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/core/arena.h"
#include "parsers/core/err.h"

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* The slot of key: where it is, or the empty one where it would go. */
static size_t
slot(const struct rb_strmap *m, const char *key)
{
	size_t i = (size_t)hash(key) & (m->cap - 1);

	while (m->key[i] != NULL && strcmp(m->key[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void
grow(struct rb_strmap *m)
{
	struct rb_strmap old = *m;
	size_t i, j;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->key = rb_xcalloc(m->cap, sizeof(*m->key));
	m->val = rb_xcalloc(m->cap, sizeof(*m->val));
	for (i = 0; i < old.cap; i++)
		if (old.key[i] != NULL) {
			j = slot(m, old.key[i]);
			m->key[j] = old.key[i];
			m->val[j] = old.val[i];
		}
	free(old.key);
	free(old.val);
}

/* The slot of key, inserting it with val when absent. */
static size_t
find_or_add(struct rb_strmap *m, struct rb_arena *a, const char *key,
	    size_t val, int *added)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	i = slot(m, key);
	if (added)
		*added = m->key[i] == NULL;
	if (m->key[i] == NULL) {
		m->key[i] = rb_arena_strdup(a, key);
		m->val[i] = val;
		m->n++;
	}
	return i;
}

size_t
rb_strmap_get(struct rb_strmap *m, struct rb_arena *a, const char *key,
	      size_t val, int *added)
{
	size_t i = find_or_add(m, a, key, val, added);	/* may grow m */

	return m->val[i];
}

size_t *
rb_strmap_ref(struct rb_strmap *m, struct rb_arena *a, const char *key)
{
	size_t i = find_or_add(m, a, key, 0, NULL);

	return &m->val[i];
}

const char *
rb_strmap_key(struct rb_strmap *m, struct rb_arena *a, const char *key)
{
	size_t i = find_or_add(m, a, key, 0, NULL);

	return m->key[i];
}

int
rb_strmap_has(const struct rb_strmap *m, const char *key)
{
	return m->n > 0 && m->key[slot(m, key)] != NULL;
}

void
rb_strmap_free(struct rb_strmap *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}
