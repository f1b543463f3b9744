/*
 * ruletest - running the examples that every rule carries
 *
 * A classification example gives a diagnostic (and maybe status, reply code
 * and action) and the verdict expected; it passes when this very rule
 * decides it (an earlier rule that catches the example first is a failure,
 * since the rule would never be reached) and every expected key matches.
 * A decoder or auto-reply example gives a message, inline or as a file, and
 * the records expected, in order: the number of records must be equal, and
 * every key given must match the record's value exactly, except
 * `diagnostic`, which must be contained in it (ASCII case ignored).
 * `expect: []` says the message gives no record at all.
 *
 * Parsers do no I/O: example files are read through the callback.
 */
#ifndef REBOUND_PARSERS_RULETEST_H
#define REBOUND_PARSERS_RULETEST_H

#include <stddef.h>

struct rb_diag;
struct rb_rules;

/* Reads path (as written in the rule file named rule_file) into *data
   (malloc'd, the caller frees) and *len; returns 0, or -1 with a reason in
   msg. */
typedef int (*rb_example_reader)(void *ctx, const char *rule_file,
				 const char *path, char **data, size_t *len,
				 char *msg, size_t msglen);

struct rb_testres {
	size_t rules;		/* rules whose examples ran */
	size_t run;		/* examples run */
	size_t failed;
};

/* Runs the examples of the rules in effect whose layer is in
   [min_layer, max_layer]; one line per failure goes to fails. */
void rb_rules_test(const struct rb_rules *rs, int min_layer, int max_layer,
		   rb_example_reader rd, void *ctx, struct rb_diag *fails,
		   struct rb_testres *res);

#endif
