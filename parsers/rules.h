/*
 * rules - the rule set: classification, vendor decoders and auto-reply
 * markers, loaded from YAML (the language is documented in rules/README.md)
 *
 * A rule set is built from files in layers: layer 0 has the highest
 * precedence (the user's first --rules directory), the shipped rules come
 * last.  Rules are tried in layer order, then file order, then the order in
 * the file; a rule whose id is already defined in a higher-precedence layer
 * is dropped (the user's rule replaces the shipped one), and two rules with
 * one id in one layer are an error.
 *
 * rb_rules_add() reads one file and reports every problem it finds as
 * "FILE:LINE:COL: what" in errs; rb_rules_compile() then checks what spans
 * files (reason names, overrides) and builds the literal automata.  After
 * compile the set is read-only and can be shared by threads, each with its
 * own struct rb_rscratch.
 */
#ifndef REBOUND_PARSERS_RULES_H
#define REBOUND_PARSERS_RULES_H

#include <stddef.h>

struct rb_diag;
struct rb_rules;
struct rb_rscratch;

struct rb_rules *rb_rules_new(void);
void rb_rules_free(struct rb_rules **rs);

/* Reads one rule file (data need not be NUL-terminated; name is used in
   messages and kept).  Returns the number of errors added to errs. */
size_t rb_rules_add(struct rb_rules *rs, const char *name, const char *data,
		    size_t len, int layer, struct rb_diag *errs);

/* Checks the whole set and prepares it for matching.  With
   require_examples, a rule without examples is an error.  Returns the
   number of errors added to errs; the set is unusable when it is > 0. */
size_t rb_rules_compile(struct rb_rules *rs, int require_examples,
			struct rb_diag *errs);

enum rb_rkind { RB_RK_CLASSIFY, RB_RK_DECODER, RB_RK_AUTOREPLY };

/* Rules in effect, per kind, in the order they are tried. */
size_t rb_rules_count(const struct rb_rules *rs, enum rb_rkind kind);
/* Id and where a rule was defined ("FILE:LINE"). */
const char *rb_rules_id(const struct rb_rules *rs, enum rb_rkind kind,
			size_t i);
const char *rb_rules_where(const struct rb_rules *rs, enum rb_rkind kind,
			   size_t i);
/* Rules dropped because a higher layer defines the same id. */
size_t rb_rules_replaced(const struct rb_rules *rs);

/* The class of a reason ("hard", "soft", ...) given whether the failure
   was temporary (4xx); "" for an unknown reason. */
const char *rb_rules_class_of(const struct rb_rules *rs, const char *reason,
			      int temporary);
/* 1 when reason is defined. */
int rb_rules_has_reason(const struct rb_rules *rs, const char *reason);

struct rb_rscratch *rb_rscratch_new(const struct rb_rules *rs);
void rb_rscratch_free(struct rb_rscratch **s);

/* What classification decided for one record. */
struct rb_verdict {
	const char *reason;	/* "" when no rule matched */
	const char *cls;	/* from the rule, else the reason's class */
	const char *rule;	/* id of the rule that matched, or "" */
	int limit_hit;		/* a regex blew its match limit */
};

/* What classification looks at, by index: the diagnostic text, status
   and reply codes, action, the decoder that read the failure ("rfc3464",
   "rule:gmail"; rules with a `decoder` list naming it are tried before
   all others), the SMTP command it answered ("RCPT", ...; smtp.h), the
   remote and reporting MTAs and the recipient address.  The names are
   the keys of classification examples. */
enum rb_cin {
	RB_CI_DIAGNOSTIC,
	RB_CI_STATUS,
	RB_CI_REPLY_CODE,
	RB_CI_ACTION,
	RB_CI_DECODER,
	RB_CI_COMMAND,
	RB_CI_REMOTE_MTA,
	RB_CI_REPORTING_MTA,
	RB_CI_RECIPIENT,
	RB_CI_COUNT
};
extern const char *const rb_cin_names[RB_CI_COUNT];

/* Classifies a failure from its inputs (a NULL entry counts as "").
   trace (NULL allowed) receives what was tried. */
void rb_rules_classify(const struct rb_rules *rs, struct rb_rscratch *s,
		       const char *const in[RB_CI_COUNT],
		       struct rb_verdict *v, struct rb_diag *trace);

#endif
