/* acm - many literal strings found in one pass (Aho-Corasick) */
#include "acm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "str.h"

struct rb_acm {
	/* Patterns as added. */
	char **pat;
	size_t *plen;
	size_t npat, patcap;
	/* The compiled automaton. */
	unsigned char cls[256];	/* byte -> column; 0 = no pattern uses it */
	size_t ncls;
	int32_t *next;		/* nstates x ncls transitions */
	int16_t *next16;	/* the same in 16 bits when the states fit
				   (next is then NULL) */
	unsigned char *term;	/* 1 where a pattern ends (out or link) */
	int32_t *out;		/* first pattern ending in the state, -1 */
	int32_t *link;		/* next state on the suffix chain with output */
	int32_t *pnext;		/* next pattern with the same end state */
	size_t nstates;
	int compiled;
};

struct rb_acm *
rb_acm_new(void)
{
	return rb_xcalloc(1, sizeof(struct rb_acm));
}

void
rb_acm_free(struct rb_acm **mp)
{
	struct rb_acm *m;
	size_t i;

	if (mp == NULL || *mp == NULL)
		return;
	m = *mp;
	for (i = 0; i < m->npat; i++)
		free(m->pat[i]);
	free(m->pat);
	free(m->plen);
	free(m->next);
	free(m->next16);
	free(m->term);
	free(m->out);
	free(m->link);
	free(m->pnext);
	free(m);
	*mp = NULL;
}

size_t
rb_acm_add(struct rb_acm *m, const char *pat, size_t len)
{
	if (m->compiled)
		rb_panic("rb_acm_add after compile");
	if (len == 0)
		rb_panic("rb_acm_add of an empty pattern");
	if (m->npat == m->patcap) {
		m->patcap = m->patcap ? m->patcap * 2 : 64;
		m->pat = rb_xreallocarray(m->pat, m->patcap, sizeof(*m->pat));
		m->plen = rb_xreallocarray(m->plen, m->patcap,
					   sizeof(*m->plen));
	}
	m->pat[m->npat] = rb_xstrndup(pat, len);
	m->plen[m->npat] = len;
	return m->npat++;
}

size_t
rb_acm_count(const struct rb_acm *m)
{
	return m->npat;
}

size_t
rb_acm_hits_size(const struct rb_acm *m)
{
	return (m->npat + 7) / 8 + 1;
}

static void
assign_columns(struct rb_acm *m)
{
	size_t i, k;

	memset(m->cls, 0, sizeof(m->cls));
	m->ncls = 1;
	for (i = 0; i < m->npat; i++)
		for (k = 0; k < m->plen[i]; k++) {
			unsigned char c = RB_TOLOWER(m->pat[i][k]);

			if (m->cls[c] == 0) {
				if (m->ncls == 256)
					rb_panic("acm: too many columns");
				m->cls[c] = (unsigned char)m->ncls++;
			}
		}
	for (i = 0; i < 256; i++)
		m->cls[i] = m->cls[RB_TOLOWER(i)];
}

/* The trie, while it is built: children as lists. */
struct trie {
	int32_t *child;		/* first child, -1 */
	int32_t *sib;		/* next sibling, -1 */
	unsigned char *label;	/* column of the edge into the node */
	int32_t *out;		/* first pattern ending here, -1 */
	size_t n, cap;
};

static int32_t
trie_node(struct trie *t, unsigned char label)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		if (t->cap > (size_t)INT32_MAX / 256)
			rb_panic("acm: patterns too large");
		t->child = rb_xreallocarray(t->child, t->cap,
					    sizeof(*t->child));
		t->sib = rb_xreallocarray(t->sib, t->cap, sizeof(*t->sib));
		t->label = rb_xreallocarray(t->label, t->cap, 1);
		t->out = rb_xreallocarray(t->out, t->cap, sizeof(*t->out));
	}
	t->child[t->n] = t->sib[t->n] = t->out[t->n] = -1;
	t->label[t->n] = label;
	return (int32_t)t->n++;
}

/* Builds the trie of the patterns; pnext[] chains those ending at one
   node. */
static void
build_trie(struct rb_acm *m, struct trie *t)
{
	size_t i, k;

	memset(t, 0, sizeof(*t));
	trie_node(t, 0);
	m->pnext = rb_xreallocarray(NULL, m->npat ? m->npat : 1,
				    sizeof(*m->pnext));
	for (i = 0; i < m->npat; i++) {
		int32_t s = 0, c;

		for (k = 0; k < m->plen[i]; k++) {
			unsigned char l = m->cls[(unsigned char)m->pat[i][k]];

			for (c = t->child[s]; c >= 0 && t->label[c] != l;
			     c = t->sib[c])
				;
			if (c < 0) {
				c = trie_node(t, l);
				t->sib[c] = t->child[s];
				t->child[s] = c;
			}
			s = c;
		}
		m->pnext[i] = t->out[s];
		t->out[s] = (int32_t)i;
	}
}

/* Row r of a transition table: its failure state's row (numbered before
   it), with the trie's edges out of node s written over. */
#define FILL_ROW(tab) do {						\
		if (r == 0)						\
			memset(tab, 0, ncls * sizeof(*(tab)));		\
		else							\
			memcpy((tab) + r * ncls,			\
			       (tab) + (size_t)fail[r] * ncls,		\
			       ncls * sizeof(*(tab)));			\
		for (c = t->child[s]; c >= 0; c = t->sib[c])		\
			(tab)[r * ncls + t->label[c]] = id[c];		\
	} while (0)

/* The automaton, states numbered breadth-first: the scan reads a row per
   byte of text, mostly of states near the root, which then share cache
   lines instead of being spread over megabytes; transitions in 16 bits
   when the states fit.  Each state links to the nearest proper suffix
   state that ends a pattern; term marks those where one ends. */
static void
build_automaton(struct rb_acm *m, const struct trie *t)
{
	size_t n = t->n, ncls = m->ncls, head = 0, tail = 1, r;
	int32_t *order = rb_xreallocarray(NULL, n, sizeof(*order));
	int32_t *id = rb_xreallocarray(NULL, n, sizeof(*id));
	int32_t *fail = rb_xreallocarray(NULL, n, sizeof(*fail));
	int32_t s, c;

	/* Node order[r] becomes state r. */
	order[0] = id[0] = 0;
	while (head < tail)
		for (c = t->child[order[head++]]; c >= 0; c = t->sib[c]) {
			id[c] = (int32_t)tail;
			order[tail++] = c;
		}
	m->nstates = n;
	m->out = rb_xreallocarray(NULL, n, sizeof(*m->out));
	m->link = rb_xreallocarray(NULL, n, sizeof(*m->link));
	m->term = rb_xreallocarray(NULL, n, 1);
	if (n <= INT16_MAX)
		m->next16 = rb_xreallocarray(NULL, n * ncls,
					     sizeof(*m->next16));
	else
		m->next = rb_xreallocarray(NULL, n * ncls, sizeof(*m->next));
	fail[0] = 0;
	for (r = 0; r < n; r++) {
		s = order[r];
		m->out[r] = t->out[s];
		m->link[r] = r == 0 ? -1 : m->out[fail[r]] >= 0 ? fail[r] :
			     m->link[fail[r]];
		m->term[r] = m->out[r] >= 0 || m->link[r] >= 0;
		/* A child's failure: where its parent's failure goes on the
		   same byte (the root, for the root's children). */
		for (c = t->child[s]; c >= 0; c = t->sib[c])
			fail[id[c]] = r == 0 ? 0 : m->next16 ?
				m->next16[fail[r] * ncls + t->label[c]] :
				m->next[fail[r] * ncls + t->label[c]];
		if (m->next16 != NULL) {
			int16_t *tab = m->next16;

			FILL_ROW(tab);
		} else {
			int32_t *tab = m->next;

			FILL_ROW(tab);
		}
	}
	free(order);
	free(id);
	free(fail);
}

void
rb_acm_compile(struct rb_acm *m)
{
	struct trie t;

	if (m->compiled)
		return;
	assign_columns(m);
	build_trie(m, &t);
	build_automaton(m, &t);
	free(t.child);
	free(t.sib);
	free(t.label);
	free(t.out);
	m->compiled = 1;
}

/* Marks the patterns that end in state s; how many. */
static size_t
report(const struct rb_acm *m, int32_t s, unsigned char *hits)
{
	int32_t o, p;
	size_t found = 0;

	for (o = m->out[s] >= 0 ? s : m->link[s]; o >= 0; o = m->link[o])
		for (p = m->out[o]; p >= 0; p = m->pnext[p]) {
			hits[p >> 3] |= (unsigned char)(1u << (p & 7));
			found++;
		}
	return found;
}

size_t
rb_acm_scan(const struct rb_acm *m, const char *text, size_t len,
	    unsigned char *hits)
{
	const unsigned char *u = (const unsigned char *)text;
	size_t ncls = m->ncls, i, found = 0;
	int32_t s = 0;

	if (!m->compiled)
		rb_panic("rb_acm_scan before compile");
	if (m->npat == 0)
		return 0;
	if (m->next16 != NULL) {
		const int16_t *next = m->next16;

		for (i = 0; i < len; i++) {
			s = next[(size_t)s * ncls + m->cls[u[i]]];
			if (m->term[s])
				found += report(m, s, hits);
		}
	} else {
		const int32_t *next = m->next;

		for (i = 0; i < len; i++) {
			s = next[(size_t)s * ncls + m->cls[u[i]]];
			if (m->term[s])
				found += report(m, s, hits);
		}
	}
	return found;
}
