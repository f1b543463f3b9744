/* regex - bounded regular expressions (the only user of PCRE2) */
#include "regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"

struct rb_regex {
	pcre2_code *code;
	char *pattern;
	char **names;		/* named groups */
	size_t nnames;
	/* JIT code is made at the first match: a rule set compiles hundreds
	   of patterns, a message runs a few of them, and JIT compiling is
	   most of loading the rules.  The only state a match changes. */
	atomic_int jitted;
	pthread_mutex_t jit_lock;
};

struct rb_rx_scratch {
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *jit;
	uint32_t limit;		/* match limit set in mc */
	int rc;			/* of the last match */
	/* The message being read (rb_rx_reset).  Each pattern turned off
	   spent a unit, so RB_REGEX_BUDGET entries are enough. */
	struct rb_rx_stats st;
	const struct rb_regex *off[RB_REGEX_BUDGET];
	size_t noff;
};

struct rb_regex *
rb_regex_new(const char *pattern, unsigned flags, char *errbuf, size_t errlen)
{
	/* Bytes, not UTF-8: PCRE2 10.42's JIT gets \S and \D wrong on
	   multibyte letters in PCRE2_MATCH_INVALID_UTF mode ("g\S+ration"
	   misses "génération"), and without that mode invalid UTF-8 in a
	   body is an error.  In byte mode any input is fine, a UTF-8 phrase
	   still matches itself, and case is folded for ASCII only, which is
	   what rules promise. */
	uint32_t opts = 0;
	uint32_t ncap = 0, nname = 0, esize = 0, i;
	int err;
	PCRE2_SIZE off;
	PCRE2_SPTR table;
	struct rb_regex *re;
	pcre2_code *code;

	if (flags & RB_RX_ICASE)
		opts |= PCRE2_CASELESS;
	if (flags & RB_RX_MULTILINE)
		opts |= PCRE2_MULTILINE;
	if (flags & RB_RX_DOTALL)
		opts |= PCRE2_DOTALL;
	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts,
			     &err, &off, NULL);
	if (code == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(err, msg, sizeof(msg));
		snprintf(errbuf, errlen, "%s at offset %zu", (char *)msg,
			 (size_t)off);
		return NULL;
	}
	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &ncap);
	if (ncap > RB_RX_MAX_GROUPS) {
		snprintf(errbuf, errlen, "%u capture groups, at most %d",
			 ncap, RB_RX_MAX_GROUPS);
		pcre2_code_free(code);
		return NULL;
	}
	re = rb_xcalloc(1, sizeof(*re));
	re->code = code;
	atomic_init(&re->jitted, 0);
	if (pthread_mutex_init(&re->jit_lock, NULL) != 0)
		rb_panic("pthread_mutex_init failed");
	re->pattern = rb_xstrdup(pattern);
	pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &nname);
	pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &esize);
	pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
	re->names = rb_xcalloc(nname ? nname : 1, sizeof(*re->names));
	for (i = 0; i < nname; i++)
		re->names[i] = rb_xstrdup((const char *)table + i * esize + 2);
	re->nnames = nname;
	return re;
}

void
rb_regex_free(struct rb_regex **rep)
{
	struct rb_regex *re;
	size_t i;

	if (rep == NULL || *rep == NULL)
		return;
	re = *rep;
	pthread_mutex_destroy(&re->jit_lock);
	pcre2_code_free(re->code);
	for (i = 0; i < re->nnames; i++)
		free(re->names[i]);
	free(re->names);
	free(re->pattern);
	free(re);
	*rep = NULL;
}

int
rb_regex_group(const struct rb_regex *re, const char *name)
{
	int n = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)name);

	return n > 0 ? n : -1;
}

size_t
rb_regex_name_count(const struct rb_regex *re)
{
	return re->nnames;
}

const char *
rb_regex_name_at(const struct rb_regex *re, size_t i)
{
	return i < re->nnames ? re->names[i] : "";
}

const char *
rb_regex_pattern(const struct rb_regex *re)
{
	return re->pattern;
}

struct rb_rx_scratch *
rb_rx_scratch_new(void)
{
	struct rb_rx_scratch *s = rb_xcalloc(1, sizeof(*s));

	s->md = pcre2_match_data_create(RB_RX_MAX_GROUPS + 1, NULL);
	s->mc = pcre2_match_context_create(NULL);
	if (s->md == NULL || s->mc == NULL)
		rb_panic("out of memory (pcre2 match data)");
	s->limit = RB_REGEX_MATCH_LIMIT;
	pcre2_set_match_limit(s->mc, s->limit);
	pcre2_set_depth_limit(s->mc, RB_REGEX_DEPTH_LIMIT);
	pcre2_set_heap_limit(s->mc, RB_REGEX_HEAP_LIMIT);
	s->jit = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
	if (s->jit != NULL)
		pcre2_jit_stack_assign(s->mc, NULL, s->jit);
	rb_rx_reset(s);
	return s;
}

void
rb_rx_reset(struct rb_rx_scratch *s)
{
	memset(&s->st, 0, sizeof(s->st));
	s->st.budget = RB_REGEX_BUDGET;
	s->noff = 0;
}

int
rb_rx_spent(const struct rb_rx_scratch *s)
{
	return s->st.budget == 0;
}

void
rb_rx_stats(const struct rb_rx_scratch *s, struct rb_rx_stats *out)
{
	*out = s->st;
}

void
rb_rx_scratch_free(struct rb_rx_scratch **sp)
{
	struct rb_rx_scratch *s;

	if (sp == NULL || *sp == NULL)
		return;
	s = *sp;
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mc);
	if (s->jit)
		pcre2_jit_stack_free(s->jit);
	free(s);
	*sp = NULL;
}

/* JIT-compiles re once, whichever thread matches with it first.  JIT is
   an optimisation: when it fails the interpreter runs. */
static void
jit_once(const struct rb_regex *cre)
{
	struct rb_regex *re = (struct rb_regex *)cre;

	if (atomic_load_explicit(&re->jitted, memory_order_acquire))
		return;
	pthread_mutex_lock(&re->jit_lock);
	if (!atomic_load_explicit(&re->jitted, memory_order_relaxed)) {
		(void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
		atomic_store_explicit(&re->jitted, 1, memory_order_release);
	}
	pthread_mutex_unlock(&re->jit_lock);
}

static int
is_off(const struct rb_rx_scratch *s, const struct rb_regex *re)
{
	size_t i;

	for (i = 0; i < s->noff; i++)
		if (s->off[i] == re)
			return 1;
	return 0;
}

static int
run(const struct rb_regex *re, struct rb_rx_scratch *s, const char *subject,
    size_t len, size_t start, uint32_t limit)
{
	if (s->limit != limit) {
		pcre2_set_match_limit(s->mc, limit);
		s->limit = limit;
	}
	return pcre2_match(re->code, (PCRE2_SPTR)subject, len, start, 0, s->md,
			   s->mc);
}

int
rb_regex_match(const struct rb_regex *re, struct rb_rx_scratch *s,
	       const char *subject, size_t len, size_t start)
{
	int rc;

	if (start > len) {
		s->rc = PCRE2_ERROR_NOMATCH;
		return RB_RX_NOMATCH;
	}
	if (s->st.budget == 0 || is_off(s, re)) {
		s->st.skipped++;
		s->rc = PCRE2_ERROR_MATCHLIMIT;
		return RB_RX_LIMIT;
	}
	jit_once(re);
	s->st.runs++;
	/* Nearly every attempt needs a few hundred steps; running each with
	   a low limit first finds the few that need more, so that they can
	   be counted against the message's budget (PCRE2 does not say how
	   much an attempt did).  A limit only ever stops an attempt, so the
	   second run's result is the one the full limit alone gives. */
	rc = run(re, s, subject, len, start, RB_REGEX_QUICK_LIMIT);
	if (rc == PCRE2_ERROR_MATCHLIMIT) {
		s->st.slow++;
		s->st.budget--;
		rc = run(re, s, subject, len, start, RB_REGEX_MATCH_LIMIT);
	} else if (rc < 0 && rc != PCRE2_ERROR_NOMATCH &&
		   rc != PCRE2_ERROR_PARTIAL) {
		s->st.budget--;
	}
	s->rc = rc;
	if (rc >= 0)
		return RB_RX_MATCH;
	if (rc == PCRE2_ERROR_NOMATCH || rc == PCRE2_ERROR_PARTIAL)
		return RB_RX_NOMATCH;
	/* Match limit, depth limit, heap limit, JIT stack: all "too much
	   work for this subject", and the next line of the same body is
	   likely the same.  A unit was spent above, so off[] has room. */
	s->st.limits++;
	s->off[s->noff++] = re;
	return RB_RX_LIMIT;
}

int
rb_rx_span(const struct rb_rx_scratch *s, int g, size_t *begin, size_t *end)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);

	if (s->rc < 0 || g < 0 || g > RB_RX_MAX_GROUPS ||
	    (s->rc > 0 && g >= s->rc) || ov[2 * g] == PCRE2_UNSET)
		return 0;
	*begin = ov[2 * g];
	*end = ov[2 * g + 1];
	return 1;
}

/* Skips a [class] starting at p; returns the position after it. */
static const char *
skip_class(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p && *p != ']'; p++)
		if (*p == '\\' && p[1])
			p++;
	return *p ? p + 1 : p;
}

/* Skips a (group) starting at p; returns the position after it. */
static const char *
skip_group(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '[') {
			p = skip_class(p) - 1;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')' && --depth == 0) {
			return p + 1;
		}
	}
	return p;
}

static int
optional_quantifier(const char *p)
{
	return *p == '?' || *p == '*' || (p[0] == '{' && p[1] == '0');
}

static int
quantifier(const char *p)
{
	return *p == '?' || *p == '*' || *p == '+' || *p == '{';
}

void
rb_regex_required_literal(const char *pattern, char *out, size_t outlen)
{
	char run[256], best[256];
	size_t rn = 0, bn = 0;
	const char *p = pattern;
	int depth = 0;

	out[0] = '\0';
	if (strstr(pattern, "(?x") != NULL || strstr(pattern, "\\Q") != NULL)
		return;
	/* Top-level alternation: no single literal is required. */
	for (; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '[')
			p = skip_class(p) - 1;
		else if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (*p == '|' && depth == 0)
			return;
	}
	for (p = pattern; *p;) {
		int lit = -1;
		const char *next = p + 1;

		if (*p == '\\' && p[1] != '\0') {
			if (!RB_ISALNUM(p[1]) && (unsigned char)p[1] < 0x80)
				lit = p[1];
			next = p + 2;
		} else if (*p == '[') {
			next = skip_class(p);
		} else if (*p == '(') {
			next = skip_group(p);
		} else if (!strchr("^$.|?*+{}()[]", *p) &&
			   (unsigned char)*p < 0x80) {
			lit = *p;
		}
		if (lit >= 0 && optional_quantifier(next))
			lit = -1;
		if (lit >= 0 && rn < sizeof(run) - 1)
			run[rn++] = (char)RB_TOLOWER(lit);
		if (lit < 0 || quantifier(next)) {
			if (rn > bn) {
				memcpy(best, run, rn);
				bn = rn;
			}
			rn = 0;
		}
		p = next;
		/* Skip a quantifier and its lazy/possessive mark. */
		if (*p == '{') {
			while (*p && *p != '}')
				p++;
			if (*p)
				p++;
		} else if (*p == '?' || *p == '*' || *p == '+') {
			p++;
		}
		if (*p == '?' || *p == '+')
			p++;
	}
	if (rn > bn) {
		memcpy(best, run, rn);
		bn = rn;
	}
	if (bn < 3 || bn >= outlen)
		return;
	memcpy(out, best, bn);
	out[bn] = '\0';
}
