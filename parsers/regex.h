/*
 * regex - bounded regular expressions (the only user of PCRE2)
 *
 * Rule patterns run on bodies written by strangers, so every match runs under
 * a match limit and a depth limit (core/limits.h): a pattern that would
 * backtrack for minutes on a crafted body gives RB_RX_LIMIT at once instead.
 * Patterns work on bytes (no PCRE2_UTF: any input is valid, a UTF-8
 * literal matches itself, `.` is one byte, case is ASCII-folded), and are
 * JIT-compiled when the platform allows, at their first match.
 *
 * A compiled struct rb_regex may be shared between threads (its JIT code
 * is made once, under a lock); each thread matches with its own struct
 * rb_rx_scratch.
 *
 * The scratch also bounds the work of one message (rb_rx_reset() starts
 * one): an attempt runs first with RB_REGEX_QUICK_LIMIT, and one that needs
 * more is run again with the full limit and spends a unit of
 * RB_REGEX_BUDGET; a pattern that blows the full limit (or the depth or
 * heap limit) is not run again until the next reset; and once the budget
 * is spent no pattern runs at all (rb_rx_spent()).  Results are the same
 * as with the full limit alone until then.
 */
#ifndef REBOUND_PARSERS_REGEX_H
#define REBOUND_PARSERS_REGEX_H

#include <stddef.h>

#define RB_RX_ICASE	1u	/* ignore case */
#define RB_RX_MULTILINE	2u	/* ^ and $ at line ends */
#define RB_RX_DOTALL	4u	/* . matches a newline */

#define RB_RX_MAX_GROUPS 32	/* capture groups per pattern */

enum { RB_RX_NOMATCH = 0, RB_RX_MATCH = 1, RB_RX_LIMIT = -1 };

struct rb_regex;
struct rb_rx_scratch;

/* Compiles pattern.  NULL on error, with a message ("missing closing
   parenthesis at offset 9") in errbuf. */
struct rb_regex *rb_regex_new(const char *pattern, unsigned flags,
			      char *errbuf, size_t errlen);
void rb_regex_free(struct rb_regex **re);

/* Number of a named group, or -1. */
int rb_regex_group(const struct rb_regex *re, const char *name);
/* Names of the named groups: count and the i-th. */
size_t rb_regex_name_count(const struct rb_regex *re);
const char *rb_regex_name_at(const struct rb_regex *re, size_t i);
const char *rb_regex_pattern(const struct rb_regex *re);

/* What a scratch did since its last reset. */
struct rb_rx_stats {
	unsigned long runs;		/* attempts run */
	unsigned long slow;		/* of which run again, full limit */
	unsigned long limits;		/* of which blew a limit: the
					   pattern is off for the message */
	unsigned long skipped;		/* attempts not run: pattern off or
					   budget spent */
	unsigned budget;		/* units left of RB_REGEX_BUDGET */
};

/* A new scratch is reset. */
struct rb_rx_scratch *rb_rx_scratch_new(void);
void rb_rx_scratch_free(struct rb_rx_scratch **s);
/* Starts a message: the full budget, every pattern on, stats zero. */
void rb_rx_reset(struct rb_rx_scratch *s);
/* 1 when the budget is spent: every match gives RB_RX_LIMIT. */
int rb_rx_spent(const struct rb_rx_scratch *s);
void rb_rx_stats(const struct rb_rx_scratch *s, struct rb_rx_stats *out);

/* Matches subject[start..len).  RB_RX_MATCH fills the scratch's offsets,
   read with rb_rx_span(); RB_RX_LIMIT when the match, depth or heap limit
   (or the JIT stack) was exhausted, now or earlier in the message, or the
   message's budget is spent; nothing is run then. */
int rb_regex_match(const struct rb_regex *re, struct rb_rx_scratch *s,
		   const char *subject, size_t len, size_t start);
/* Offsets of group g (0 = whole match) of the last match; 0 when the group
   did not take part. */
int rb_rx_span(const struct rb_rx_scratch *s, int g, size_t *begin,
	       size_t *end);

/* The longest run of literal text that every match of pattern must contain
   (in lower case when the pattern is caseless), for cheap prefiltering; ""
   when none can be proven.  Conservative: alternation at the top level,
   optional or repeated items and classes end a run.  Written to out (at
   most outlen bytes with the NUL). */
void rb_regex_required_literal(const char *pattern, char *out, size_t outlen);

#endif
