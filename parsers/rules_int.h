/*
 * rules_int - the inside of a rule set, shared by rules.c (loading),
 * decode.c (matching), ruletest.c (examples) and bounce.c (the slots).
 * Nothing outside those files includes it.
 */
#ifndef REBOUND_PARSERS_RULES_INT_H
#define REBOUND_PARSERS_RULES_INT_H

#include <stddef.h>

#include "core/acm.h"
#include "core/arena.h"
#include "regex.h"
#include "rules.h"

/* The fields a decoder can fill, by a named group or `set`. */
enum rb_slot {
	RB_S_RECIPIENT,
	RB_S_ORIGINAL_RECIPIENT,
	RB_S_DIAGNOSTIC,
	RB_S_STATUS,
	RB_S_REPLY_CODE,
	RB_S_REMOTE_MTA,
	RB_S_REPORTING_MTA,
	RB_S_ACTION,
	RB_S_REASON,
	RB_S_CLASS,
	RB_S_FEEDBACK_TYPE,
	RB_S_DATE,
	RB_S_COMMAND,			/* the SMTP command answered */
	RB_S_COUNT
};
extern const char *const rb_slot_names[RB_S_COUNT];
/* Slot of a name, or -1. */
int rb_slot_of(const char *name);

/* One item of a text list: a literal phrase or a /regex/, both matched
   ignoring case ((?-i) in a regex makes it case-sensitive). */
struct rb_tmatch {
	const char *src;		/* as written */
	const char *lit;		/* the phrase, or the regex's required
					   literal; NULL when none */
	size_t litlen;
	struct rb_regex *re;		/* NULL for a phrase */
	size_t acm_id;			/* of lit in its source's automaton */
	int line, col;
};

struct rb_tlist {
	struct rb_tmatch *m;
	size_t n;
};

/* Where a condition looks.  Each distinct source has its own automaton. */
struct rb_source {
	const char *name;		/* "body", "diagnostic", or a header
					   name in lower case */
	struct rb_acm *acm;
};

/* "this source contains one of these" */
struct rb_cond {
	size_t source;			/* index into rb_rules.src */
	struct rb_tlist t;
};

/* A code pattern: "5.1.1", "5.*.*", "*.2.2"; "550", "55*". */
struct rb_codepat {
	char s[16];
};

/* Expected values of one record (slot or other record key = value). */
struct rb_expect {
	const char **key;
	const char **val;
	size_t n;
};

struct rb_example {
	int line;
	const char *message;		/* inline message */
	const char *file;		/* or a path (relative to the repo) */
	const char *in[RB_CI_COUNT];	/* classify: the inputs */
	struct rb_expect *expect;	/* one per record */
	size_t nexpect;
	int expect_none;		/* "expect: []": no record at all */
};

struct rb_rule {
	enum rb_rkind kind;
	const char *id;
	const char *description;
	const char *file;
	int line;
	int layer;
	size_t seq;			/* load order */
	/* Applicability (decoders, auto-replies). */
	struct rb_cond *match;		/* all must hold */
	size_t nmatch;
	struct rb_cond *unless;		/* none may hold */
	size_t nunless;
	struct rb_cond *any;		/* one must hold, when any given */
	size_t nany;
	/* Classification. */
	struct rb_tlist text;		/* diagnostic contains one */
	struct rb_tlist not_text;	/* ... and none of these */
	struct rb_codepat *status;
	size_t nstatus;
	struct rb_codepat *reply;
	size_t nreply;
	const char **action;
	size_t naction;
	const char **decoder;		/* only records of these decoders;
					   such rules are tried first */
	size_t ndecoder;
	int fallback;			/* tried after every other rule */
	const char **command;		/* SMTP commands (RCPT, DATA, ...) */
	size_t ncommand;
	struct rb_tlist remote_mta;	/* the remote MTA contains one */
	struct rb_tlist reporting_mta;	/* the reporting MTA contains one */
	struct rb_tlist recipient;	/* the recipient contains one */
	const char *reason;
	const char *cls;		/* NULL: the reason's class */
	/* Decoding. */
	struct rb_tlist start;		/* reading starts after this line */
	struct rb_tlist stop;		/* and stops at this one */
	int original_rest;		/* text after stop = returned message */
	int preamble;			/* lines before the first recipient
					   line start its diagnostic */
	struct rb_recpat *rcpt;		/* recipient line patterns */
	size_t nrcpt;
	struct rb_regex **fields;	/* line patterns filling fields */
	size_t nfields;
	struct rb_regex **blocks;	/* whole-section patterns */
	size_t nblocks;
	struct rb_hdrpat *hdr;		/* header patterns */
	size_t nhdr;
	const char *set[RB_S_COUNT];	/* fixed values, NULL if unset */
	int recipient_from;		/* RB_RF_* when none in the body */
	/* Examples. */
	struct rb_example *ex;
	size_t nex;
	int replaced;			/* a higher layer defines the id */
};

/* How the lines after a recipient line join its diagnostic. */
enum rb_follow { RB_F_UNTIL_BLANK, RB_F_FOLLOWING, RB_F_INDENTED, RB_F_NONE };

struct rb_recpat {
	struct rb_regex *re;
	enum rb_follow follow;
};

struct rb_hdrpat {
	const char *header;		/* name */
	struct rb_regex *re;
};

enum { RB_RF_NONE, RB_RF_ORIGINAL_TO, RB_RF_FROM, RB_RF_TO };

struct rb_reason {
	const char *name;
	const char *cls;		/* when permanent */
	const char *temp_cls;		/* when temporary (4xx) */
	const char *description;
};

struct rb_rules {
	struct rb_arena *a;		/* strings and rule structs */
	struct rb_rule **rule;		/* every rule, in load order */
	size_t nrule, rulecap;
	struct rb_rule **by_kind[3];	/* in effect, in trial order */
	size_t nkind[3];
	struct rb_rule **pass[3];	/* classify rules of each pass of
					   rb_rules_classify(), in order */
	size_t npass[3];
	struct rb_source *src;
	size_t nsrc, srccap;
	struct rb_reason *reason;
	size_t nreason, reasoncap;
	const char **files;		/* names, to free regexes per file */
	size_t nfiles, filecap;
	size_t replaced;
	int compiled;
};

struct rb_rscratch {
	struct rb_rx_scratch *rx;
	unsigned char **hits;		/* one bitset per source */
	size_t *hitsize;
	size_t nsrc;
};

/* Starts a message: its regex budget (regex.h) in full. */
void rb_rscratch_reset(struct rb_rscratch *s);

/* Source index for a name (created when absent, before compile). */
size_t rb_rules_source(struct rb_rules *rs, const char *name);
/* Index of a source by name, or (size_t)-1. */
size_t rb_rules_find_source(const struct rb_rules *rs, const char *name);

/* Scans text with a source's automaton into the scratch's bitset for it
   (cleared first). */
void rb_rules_scan(const struct rb_rules *rs, struct rb_rscratch *s,
		   size_t source, const char *text, size_t len);
/* 1 when an item of the list matches text, given the source was scanned;
   *limit set when a regex blew its limit.  *which gets the item. */
int rb_tlist_match(const struct rb_tlist *t, const struct rb_rscratch *s,
		   size_t source, const char *text, size_t len, int *limit,
		   const struct rb_tmatch **which);
/* 1 when an item of the list occurs in this one line (no automaton). */
int rb_tlist_match_line(const struct rb_tlist *t, struct rb_rscratch *s,
			const char *line, size_t len, int *limit);
/* 1 when code matches the pattern ("5.*.1" against "5.7.1"). */
int rb_codepat_match(const struct rb_codepat *p, const char *code);

#endif
