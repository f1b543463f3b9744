/*
 * check.h - the unit test harness: assertions that print TAP
 *
 * Every assertion prints one "ok N - what" or "not ok N - what" line; the plan
 * "1..N" comes last, and check_end() returns the exit status.  tests/run
 * counts the lines of every test program and prints the totals.
 */
#ifndef REBOUND_TESTS_CHECK_H
#define REBOUND_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_count, check_failures;
static const char *check_group = "";

static inline int
check_ok(int ok, const char *what, const char *file, int line)
{
	check_count++;
	if (ok) {
		printf("ok %d - %s%s%s\n", check_count, check_group,
		       *check_group ? ": " : "", what);
	} else {
		check_failures++;
		printf("not ok %d - %s%s%s\n#   at %s:%d\n", check_count,
		       check_group, *check_group ? ": " : "", what, file, line);
	}
	fflush(stdout);
	return ok;
}

static inline int
check_str(const char *got, const char *want, const char *what,
	  const char *file, int line)
{
	int ok = (got == NULL && want == NULL) ||
		 (got != NULL && want != NULL && strcmp(got, want) == 0);

	if (!check_ok(ok, what, file, line))
		printf("#   got:  \"%s\"\n#   want: \"%s\"\n",
		       got ? got : "(null)", want ? want : "(null)");
	return ok;
}

static inline int
check_long(long long got, long long want, const char *what, const char *file,
	   int line)
{
	int ok = got == want;

	if (!check_ok(ok, what, file, line))
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
	return ok;
}

#define CHECK(cond) check_ok(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_STR(got, want) \
	check_str((got), (want), #got " == " #want, __FILE__, __LINE__)
#define CHECK_INT(got, want) \
	check_long((long long)(got), (long long)(want), #got " == " #want, \
		   __FILE__, __LINE__)
#define CHECK_GROUP(name) (check_group = (name))

static inline int
check_end(void)
{
	printf("1..%d\n", check_count);
	return check_failures ? 1 : 0;
}

#endif
