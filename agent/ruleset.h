/*
 * ruleset - finding and loading rule directories
 *
 * The user's directories (--rules, in the order given) come first; the
 * shipped rules last: a rule in an earlier directory replaces a rule of the
 * same id in a later one.  In a directory every *.yaml and *.yml file is
 * read, in name order.  A path that is a file is read as one rule file.
 *
 * The shipped rules are found at $REBOUND_RULES when set, else at
 * ../rules beside the executable when that holds reasons.yaml (a build
 * tree), else at the installed DATADIR/rebound/rules.
 */
#ifndef REBOUND_AGENT_RULESET_H
#define REBOUND_AGENT_RULESET_H

#include <stddef.h>

struct rb_rules;

/* The real path of rel ("data/providers.tsv") under the directory above
   the executable's, when that file is readable (a build tree): 1, or 0. */
int rb_tree_file(const char *rel, char *out, size_t outlen);

/* Where the shipped rules are. */
const char *rb_ruleset_shipped_dir(void);

/* Loads and compiles; every error is logged as "FILE:LINE:COL: what".
   Returns NULL when there was any (*nerr says how many). */
struct rb_rules *rb_ruleset_load(const char *const *dirs, size_t ndirs,
				 int shipped, int require_examples,
				 size_t *nerr);

#endif
