/* test_regex - bounded matching: results, limits and the per-message budget */
#include <stdlib.h>

#include "check.h"
#include "parsers/core/limits.h"
#include "parsers/regex.h"

static const struct {
	const char *pattern;
	unsigned flags;
	const char *subject;
	int want;
	const char *group;	/* its text when matched, or NULL */
} tab[] = {
	{"user (?<who>\\w+) unknown", 0, "550 user bob unknown", RB_RX_MATCH,
	 "bob"},
	{"USER", RB_RX_ICASE, "no such user", RB_RX_MATCH, NULL},
	{"USER", 0, "no such user", RB_RX_NOMATCH, NULL},
	{"^b$", RB_RX_MULTILINE, "a\nb\nc", RB_RX_MATCH, NULL},
	{"a.c", 0, "a\nc", RB_RX_NOMATCH, NULL},
	{"a.c", RB_RX_DOTALL, "a\nc", RB_RX_MATCH, NULL},
	{"g\\S+ration", 0, "g\xc3\xa9n\xc3\xa9ration", RB_RX_MATCH, NULL},
	/* Slow (about 2^17 steps at the first position), not over the
	   limit: the same result as with the full limit alone. */
	{"^(a+)+$", 0, "aaaaaaaaaaaaaaaa!", RB_RX_NOMATCH, NULL},
	{"^(a+)+$", 0, "aaaaaaaaaaaaaaaa", RB_RX_MATCH, NULL},
	/* Over the match limit. */
	{"^(a+)+$", 0, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", RB_RX_LIMIT, NULL},
	{"(x+x+)+[yz]", 0, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	 RB_RX_LIMIT, NULL},
	{"", 0, "", RB_RX_MATCH, NULL},
};

static void
test_table(void)
{
	char err[256];
	size_t i, b, e;

	CHECK_GROUP("table");
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct rb_rx_scratch *s = rb_rx_scratch_new();
		struct rb_regex *re = rb_regex_new(tab[i].pattern, tab[i].flags,
						   err, sizeof(err));
		const char *subj = tab[i].subject;

		if (!CHECK(re != NULL))
			continue;
		CHECK_INT(rb_regex_match(re, s, subj, strlen(subj), 0),
			  tab[i].want);
		if (tab[i].group != NULL) {
			int g = rb_regex_group(re, "who");

			CHECK(rb_rx_span(s, g, &b, &e));
			CHECK(e - b == strlen(tab[i].group) &&
			      memcmp(subj + b, tab[i].group, e - b) == 0);
		}
		rb_regex_free(&re);
		rb_rx_scratch_free(&s);
	}
}

static void
test_malformed(void)
{
	char err[256] = "";
	struct rb_rx_scratch *s = rb_rx_scratch_new();
	struct rb_regex *re = rb_regex_new("(unclosed", 0, err, sizeof(err));
	size_t b, e;

	CHECK_GROUP("malformed");
	CHECK(re == NULL);
	CHECK(strstr(err, "missing closing parenthesis") != NULL);
	re = rb_regex_new("abc", 0, err, sizeof(err));
	CHECK_INT(rb_regex_match(re, s, "abc", 3, 4), RB_RX_NOMATCH);
	CHECK(!rb_rx_span(s, 0, &b, &e));
	rb_regex_free(&re);
	rb_rx_scratch_free(&s);
}

/* A pattern over the limit is off for the rest of the message, the others
   are not; a reset starts the next message. */
static void
test_off(void)
{
	static const char bad[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
	char err[256];
	struct rb_rx_scratch *s = rb_rx_scratch_new();
	struct rb_regex *re = rb_regex_new("^(a+)+$", 0, err, sizeof(err));
	struct rb_regex *other = rb_regex_new("a+!", 0, err, sizeof(err));
	struct rb_rx_stats st;

	CHECK_GROUP("off");
	CHECK_INT(rb_regex_match(re, s, bad, strlen(bad), 0), RB_RX_LIMIT);
	CHECK_INT(rb_regex_match(re, s, "aaa", 3, 0), RB_RX_LIMIT);
	CHECK_INT(rb_regex_match(other, s, bad, strlen(bad), 0),
		  RB_RX_MATCH);
	rb_rx_stats(s, &st);
	CHECK_INT(st.runs, 2);
	CHECK_INT(st.slow, 1);
	CHECK_INT(st.limits, 1);
	CHECK_INT(st.skipped, 1);
	CHECK_INT(st.budget, RB_REGEX_BUDGET - 1);
	CHECK(!rb_rx_spent(s));
	rb_rx_reset(s);
	rb_rx_stats(s, &st);
	CHECK(st.runs == 0 && st.slow == 0 && st.limits == 0 &&
	      st.skipped == 0 && st.budget == RB_REGEX_BUDGET);
	CHECK_INT(rb_regex_match(re, s, "aaa", 3, 0), RB_RX_MATCH);
	rb_regex_free(&re);
	rb_regex_free(&other);
	rb_rx_scratch_free(&s);
}

/* Slow attempts under the limit spend the budget; once it is spent
   nothing runs, however cheap. */
static void
test_budget(void)
{
	static const char slow[] = "aaaaaaaaaaaaaaaa!";
	char err[256];
	struct rb_rx_scratch *s = rb_rx_scratch_new();
	struct rb_regex *re = rb_regex_new("^(a+)+$", 0, err, sizeof(err));
	struct rb_regex *cheap = rb_regex_new("a", 0, err, sizeof(err));
	struct rb_rx_stats st;
	unsigned i;
	int r = RB_RX_NOMATCH;

	CHECK_GROUP("budget");
	for (i = 0; i < RB_REGEX_BUDGET && r == RB_RX_NOMATCH; i++)
		r = rb_regex_match(re, s, slow, strlen(slow), 0);
	CHECK_INT(r, RB_RX_NOMATCH);
	CHECK(rb_rx_spent(s));
	CHECK_INT(rb_regex_match(cheap, s, "a", 1, 0), RB_RX_LIMIT);
	CHECK_INT(rb_regex_match(re, s, slow, strlen(slow), 0), RB_RX_LIMIT);
	rb_rx_stats(s, &st);
	CHECK_INT(st.runs, RB_REGEX_BUDGET);
	CHECK_INT(st.slow, RB_REGEX_BUDGET);
	CHECK_INT(st.limits, 0);
	CHECK_INT(st.skipped, 2);
	CHECK_INT(st.budget, 0);
	rb_rx_reset(s);
	CHECK(!rb_rx_spent(s));
	CHECK_INT(rb_regex_match(cheap, s, "a", 1, 0), RB_RX_MATCH);
	rb_regex_free(&re);
	rb_regex_free(&cheap);
	rb_rx_scratch_free(&s);
}

/* More patterns over the limit than the budget: each spends a unit. */
static void
test_many_off(void)
{
	static const char bad[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
	char err[256], pat[64];
	struct rb_rx_scratch *s = rb_rx_scratch_new();
	struct rb_regex *re[RB_REGEX_BUDGET + 2];
	struct rb_rx_stats st;
	size_t i;

	CHECK_GROUP("many off");
	for (i = 0; i < RB_REGEX_BUDGET + 2; i++) {
		snprintf(pat, sizeof(pat), "^(a+)+$(?#%zu)", i);
		re[i] = rb_regex_new(pat, 0, err, sizeof(err));
		(void)rb_regex_match(re[i], s, bad, strlen(bad), 0);
	}
	rb_rx_stats(s, &st);
	CHECK_INT(st.limits, RB_REGEX_BUDGET);
	CHECK_INT(st.skipped, 2);
	CHECK(rb_rx_spent(s));
	for (i = 0; i < RB_REGEX_BUDGET + 2; i++)
		rb_regex_free(&re[i]);
	rb_rx_scratch_free(&s);
}

int
main(void)
{
	test_table();
	test_malformed();
	test_off();
	test_budget();
	test_many_off();
	return check_end();
}
