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

/* Builds the trie: next[] holds -1 where there is no edge yet. */
static void
build_trie(struct rb_acm *m)
{
	size_t total = 1, i, k, cap;

	for (i = 0; i < m->npat; i++)
		total += m->plen[i];
	cap = total;
	if (cap > (size_t)INT32_MAX / 256)
		rb_panic("acm: patterns too large");
	m->next = rb_xreallocarray(NULL, cap * m->ncls, sizeof(*m->next));
	memset(m->next, 0xff, cap * m->ncls * sizeof(*m->next));
	m->out = rb_xreallocarray(NULL, cap, sizeof(*m->out));
	memset(m->out, 0xff, cap * sizeof(*m->out));
	m->pnext = rb_xreallocarray(NULL, m->npat ? m->npat : 1,
				    sizeof(*m->pnext));
	m->nstates = 1;
	for (i = 0; i < m->npat; i++) {
		int32_t s = 0;

		for (k = 0; k < m->plen[i]; k++) {
			size_t c = m->cls[(unsigned char)m->pat[i][k]];
			int32_t *t = &m->next[(size_t)s * m->ncls + c];

			if (*t < 0)
				*t = (int32_t)m->nstates++;
			s = *t;
		}
		m->pnext[i] = m->out[s];
		m->out[s] = (int32_t)i;
	}
}

/* Breadth-first: failure links become full transitions, and each state
   links to the nearest proper suffix state that ends a pattern. */
static void
build_links(struct rb_acm *m)
{
	int32_t *queue = rb_xreallocarray(NULL, m->nstates, sizeof(*queue));
	int32_t *fail = rb_xreallocarray(NULL, m->nstates, sizeof(*fail));
	size_t head = 0, tail = 0, c;

	m->link = rb_xreallocarray(NULL, m->nstates, sizeof(*m->link));
	fail[0] = 0;
	m->link[0] = -1;
	for (c = 0; c < m->ncls; c++) {
		int32_t t = m->next[c];

		if (t < 0) {
			m->next[c] = 0;
		} else {
			fail[t] = 0;
			m->link[t] = -1;
			queue[tail++] = t;
		}
	}
	while (head < tail) {
		int32_t s = queue[head++];

		for (c = 0; c < m->ncls; c++) {
			int32_t *t = &m->next[(size_t)s * m->ncls + c];
			int32_t f = m->next[(size_t)fail[s] * m->ncls + c];

			if (*t < 0) {
				*t = f;
				continue;
			}
			fail[*t] = f;
			m->link[*t] = m->out[f] >= 0 ? f : m->link[f];
			queue[tail++] = *t;
		}
	}
	free(queue);
	free(fail);
}

void
rb_acm_compile(struct rb_acm *m)
{
	if (m->compiled)
		return;
	assign_columns(m);
	build_trie(m);
	build_links(m);
	m->compiled = 1;
}

size_t
rb_acm_scan(const struct rb_acm *m, const char *text, size_t len,
	    unsigned char *hits)
{
	const unsigned char *u = (const unsigned char *)text;
	const int32_t *next = m->next;
	size_t ncls = m->ncls, i, found = 0;
	int32_t s = 0;

	if (!m->compiled)
		rb_panic("rb_acm_scan before compile");
	if (m->npat == 0)
		return 0;
	for (i = 0; i < len; i++) {
		int32_t o;

		s = next[(size_t)s * ncls + m->cls[u[i]]];
		for (o = m->out[s] >= 0 ? s : m->link[s]; o >= 0;
		     o = m->link[o]) {
			int32_t p;

			for (p = m->out[o]; p >= 0; p = m->pnext[p]) {
				hits[p >> 3] |= (unsigned char)(1u << (p & 7));
				found++;
			}
		}
	}
	return found;
}
