/*
 * acm - many literal strings found in one pass (Aho-Corasick)
 *
 * Rules prefilter on literals: a classification rule runs only when one of
 * its phrases, or the literal its regular expression requires, occurs in
 * the text.  All the literals of a rule set go into one automaton, and one
 * scan of a diagnostic or body marks every literal present, so the cost of a
 * match is linear in the text and nearly flat in the number of rules.
 *
 * Matching ignores ASCII case.  Patterns are added, then the automaton is
 * compiled once into a full transition table over the bytes the patterns
 * use (other bytes share one column); after that it is read-only and may be
 * shared between threads.
 */
#ifndef REBOUND_CORE_ACM_H
#define REBOUND_CORE_ACM_H

#include <stddef.h>

struct rb_acm;

struct rb_acm *rb_acm_new(void);
void rb_acm_free(struct rb_acm **m);

/* Adds a pattern (len > 0 bytes) and returns its id (0, 1, ...).  The same
   string added twice gets two ids, both reported.  Not after compile. */
size_t rb_acm_add(struct rb_acm *m, const char *pat, size_t len);
void rb_acm_compile(struct rb_acm *m);
size_t rb_acm_count(const struct rb_acm *m);

/* Bytes of the bitset rb_acm_scan() needs: one bit per pattern. */
size_t rb_acm_hits_size(const struct rb_acm *m);

/* Scans text and sets bit id in hits for each pattern that occurs (hits
   is not cleared first).  Returns how many occurrences were seen. */
size_t rb_acm_scan(const struct rb_acm *m, const char *text, size_t len,
		   unsigned char *hits);

#define RB_ACM_HIT(hits, id) (((hits)[(id) >> 3] >> ((id) & 7)) & 1)

#endif
