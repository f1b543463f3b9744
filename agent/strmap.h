/*
 * strmap - a string → size_t table (open addressing, FNV-1a); keys are
 * copied into an arena, which must outlive the table.  For grouping rows
 * of the ledger by provider, domain, reason or a row's text.
 */
#ifndef REBOUND_AGENT_STRMAP_H
#define REBOUND_AGENT_STRMAP_H

#include <stddef.h>

struct rb_arena;

struct rb_strmap {
	const char **key;	/* NULL: an empty slot */
	size_t *val;
	size_t cap, n;
};

/* The value of key; when absent, key (copied into a) gets val and *added
   (NULL allowed) is set. */
size_t rb_strmap_get(struct rb_strmap *m, struct rb_arena *a,
		     const char *key, size_t val, int *added);
/* A pointer to key's value (0 when it was absent), valid until the next
   insert. */
size_t *rb_strmap_ref(struct rb_strmap *m, struct rb_arena *a,
		      const char *key);
/* key's copy in the table, inserting it (value 0) when absent. */
const char *rb_strmap_key(struct rb_strmap *m, struct rb_arena *a,
			  const char *key);
/* 1 when key is in the table. */
int rb_strmap_has(const struct rb_strmap *m, const char *key);
void rb_strmap_free(struct rb_strmap *m);

#endif
