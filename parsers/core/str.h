/*
 * str - slices, ASCII case rules and small text helpers
 *
 * Input is (pointer, length) and is never assumed to be NUL-terminated unless
 * a function says so.  ctype is only reached through the RB_IS* macros, which
 * cast to unsigned char.  Letter case is ASCII only: mail protocol keywords
 * and the addresses rebound compares are ASCII-case-insensitive, and the
 * locale must not change what a rule matches.
 */
#ifndef REBOUND_CORE_STR_H
#define REBOUND_CORE_STR_H

#include <stddef.h>
#include <stdint.h>

struct rb_str {
	const char *p;
	size_t len;
};

#define RB_STR(lit) ((struct rb_str){(lit), sizeof(lit) - 1})

#define RB_ISSPACE(c) ((unsigned char)(c) <= ' ' && \
		       ((c) == ' ' || (c) == '\t' || (c) == '\n' || \
			(c) == '\r' || (c) == '\f' || (c) == '\v'))
#define RB_ISBLANK(c) ((c) == ' ' || (c) == '\t')
#define RB_ISDIGIT(c) ((unsigned)((unsigned char)(c) - '0') < 10u)
#define RB_ISALPHA(c) ((unsigned)(((unsigned char)(c) | 0x20) - 'a') < 26u)
#define RB_ISALNUM(c) (RB_ISDIGIT(c) || RB_ISALPHA(c))
#define RB_ISXDIGIT(c) (RB_ISDIGIT(c) || \
			(unsigned)(((unsigned char)(c) | 0x20) - 'a') < 6u)
#define RB_TOLOWER(c) ((unsigned)((unsigned char)(c) - 'A') < 26u ? \
		       (unsigned char)(c) + 32 : (unsigned char)(c))

/* 1 when equal ignoring ASCII case. */
int rb_strcaseeq(const char *a, const char *b);
int rb_memcaseeq(const char *a, const char *b, size_t n);
/* 1 when s (n bytes) starts with the NUL-terminated prefix, ASCII case
   ignored. */
int rb_hasprefix_ci(const char *s, size_t n, const char *prefix);

/* First occurrence of needle in hay, ASCII case ignored; NULL if none. */
const char *rb_memcasemem(const char *hay, size_t hlen, const char *needle,
			  size_t nlen);

/* Lowercases ASCII letters in place; returns s. */
char *rb_lower(char *s);

/* Strips leading and trailing whitespace. */
struct rb_str rb_str_trim(struct rb_str s);

/* Collapses every run of whitespace (including CR and LF) into one space and
   trims both ends, in place; returns the new length.  This is how unfolded
   fields are compared and printed. */
size_t rb_squeeze(char *s);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if the bytes there are
   not valid UTF-8 (overlong, surrogate, truncated, > U+10FFFF). */
size_t rb_utf8_seq_len(const unsigned char *s, size_t n);
/* 1 when all n bytes are valid UTF-8. */
int rb_utf8_valid(const char *s, size_t n);

/* Parses a decimal number of at most 19 digits within [min, max]; the whole
   slice must be digits.  Returns 0, or -1 on anything else. */
int rb_parse_u64(const char *s, size_t n, uint64_t min, uint64_t max,
		 uint64_t *out);

/* Next line of [*pos, end): sets *line and *len (without the line break) and
   advances *pos past LF, CRLF or a lone CR.  Returns 0 at the end. */
int rb_next_line(const char **pos, const char *end, const char **line,
		 size_t *len);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t rb_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Formats t (seconds since the epoch) as "YYYY-MM-DDTHH:MM:SSZ" into out
   (at least 21 bytes). */
void rb_iso8601(int64_t t, char out[21]);
/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z|+hh:mm]" (space allowed for
   T) or "@EPOCH"; -1 when it is not one of those. */
int rb_parse_iso8601(const char *s, int64_t *out);

#endif
