/*
 * apply_int - what apply.c shares with replay.c, prepq.c and prepwire.c
 */
#ifndef REBOUND_AGENT_APPLY_INT_H
#define REBOUND_AGENT_APPLY_INT_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "apply.h"
#include "ledger.h"
#include "parsers/bounce.h"
#include "parsers/core/buf.h"

struct rb_arena;
struct rb_bounce;
struct rb_pctx;

struct rb_apply {
	struct rb_ledger *l;
	const struct rb_parser *p;
	struct rb_pctx *c;	/* replay's parser context */
	struct rb_arena *a;	/* this message's strings */
	struct rb_apply_opts o;
	struct rb_apply_sum sum;
	struct rb_apply_sum cur;	/* this message; added on commit */
	struct rb_apply_sum pend;	/* the open batch's messages */
	int batch;			/* a batch is open */
	enum rb_apply_outcome last;	/* of the last message */
	struct rb_buf json;
};

struct rb_apply_worker {
	struct rb_pctx *c;
	z_stream z;		/* raw bounces are packed with it */
};

struct rb_prep {
	const char *source, *data;	/* the caller's, until applied */
	size_t len;
	char hash[65];
	struct rb_arena *a;	/* the parsed bounce's strings */
	struct rb_bounce b;
	const char *verp;
	unsigned char *z;	/* the packed bytes */
	size_t zlen, zcap;
};

/* An event as the policy sees it: fresh from a record or read back. */
struct rb_ev {
	int64_t id;		/* events.id */
	const char *addr;
	enum rb_class cls;
	const char *reason;
	int64_t t;
};

/* Applies the policy to event e of message msg (already in the events
   table): suppression list, retry ledger, the event's effect, undecoded.
   Counts into a->cur. */
int rb_apply_ev(struct rb_apply *a, int64_t msg, const struct rb_ev *e,
		struct rb_err *err);

/* Stores every record of b as an event of message msg and applies it;
   verp is the VERP-decoded address the bounce came back to ("" or NULL
   when none). */
int rb_apply_bounce(struct rb_apply *a, int64_t msg,
		    const struct rb_bounce *b, const char *verp,
		    struct rb_err *err);

/* The VERP-decoded address b was delivered to with a->o.verp; "" when
   there is no pattern or no match. */
const char *rb_apply_verp(struct rb_apply *a, const struct rb_bounce *b);

/* A row of the suppression list as the policy needs it. */
struct rb_supp {
	int exists;
	int64_t expires;	/* -1: never */
	char cls[32], reason[64], origin[16];
	int64_t first;
};

/* Row callback for RB_Q_SUPP_GET into a struct rb_supp. */
int rb_apply_supp_row(void *ctx, const struct rb_val *c, size_t n);
/* The suppression of addr in force at t (s->exists == 0 if none). */
int rb_apply_supp_get(struct rb_apply *a, const char *addr, int64_t t,
		      struct rb_supp *s, struct rb_err *err);
/* Puts e->addr on the list (replacing an entry) for e's reason, at e->t,
   caused by event e->id (none when negative), expiring per the policy. */
int rb_apply_supp_put(struct rb_apply *a, const struct rb_ev *e,
		      const char *cls, const char *origin, const char *note,
		      struct rb_err *err);
/* Runs q, which binds one address. */
int rb_apply_run_addr(struct rb_apply *a, enum rb_lq q, const char *addr,
		      struct rb_err *err);

/* Adds the message counts of from to to. */
void rb_apply_sum_add(struct rb_apply_sum *to,
		      const struct rb_apply_sum *from);

#endif
