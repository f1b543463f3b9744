/*
 * policy - what a bounce does to an address: the numbers and the decisions
 *
 * Pure: no I/O, no clock, no SQLite.  Every number lives in struct
 * rb_policy, filled with defaults by rb_policy_init() (industry practice,
 * see below) and changed key by key with rb_policy_set(), which is the hook
 * the YAML config of issue 5 calls for each key of its "policy:" section
 * (XXX(#5)); until then `--policy KEY=VALUE` reaches it from the command
 * line.  Durations are seconds in the struct and "90s", "15m", "4h", "7d"
 * or plain seconds in text.
 *
 *   class      default action
 *   hard       suppressed at once
 *   complaint  suppressed at once
 *   soft       retry ledger: backoff 15m, 1h, 4h, then doubling capped at
 *              6h; the retry window is 72h from the first soft bounce of
 *              the episode (after it the send is given up: state expired);
 *              5 consecutive soft bounces within 7 days are suppressed; the
 *              count resets on a delivered report, a manual clear, or when
 *              no soft bounce came for soft_reset (72h)
 *   block      recorded and counted (per domain and reason, for the
 *              reports); counted as soft with block=soft
 *   delayed    recorded as a warning
 *   delivered  resets the soft count
 *   autoreply  recorded, ignored
 *   unknown    kept as undecoded
 *
 * Suppressions never expire unless expire.REASON=DURATION says so.
 */
#ifndef REBOUND_AGENT_POLICY_H
#define REBOUND_AGENT_POLICY_H

#include <stddef.h>
#include <stdint.h>

struct rb_err;

#define RB_POLICY_MAX_STEPS 16	/* backoff steps before doubling */
#define RB_POLICY_MAX_SOFT 32	/* soft bounce times kept per address;
				   soft_limit may not exceed it */
#define RB_POLICY_MAX_EXPIRE 16	/* reasons with a suppression expiry */

struct rb_policy_expire {
	char reason[32];
	int64_t after;		/* seconds after the suppression */
};

struct rb_policy {
	int64_t backoff[RB_POLICY_MAX_STEPS];	/* 900 3600 14400 */
	size_t nbackoff;
	int64_t backoff_cap;	/* later steps double the last, up to this:
				   21600 */
	int64_t retry_window;	/* from the first soft bounce: 72h */
	int64_t soft_reset;	/* quiet time that resets the count: 72h */
	unsigned soft_limit;	/* consecutive soft bounces ... : 5 */
	int64_t soft_period;	/* ... within this → suppressed: 7d */
	int block_as_soft;	/* 0 */
	struct rb_policy_expire expire[RB_POLICY_MAX_EXPIRE];
	size_t nexpire;		/* none: nothing expires */
	int64_t raw_keep;	/* raw bounces are kept this long after they
				   were ingested (0: forever): 180d; those
				   nothing decoded are kept forever */
};

/* The defaults above. */
void rb_policy_init(struct rb_policy *p);

/* Sets one key: backoff (a comma list of durations), backoff_cap,
   retry_window, soft_reset, soft_limit, soft_period, block (ignore|soft),
   expire.REASON (a duration, or "never"), raw_keep (a duration or
   "forever").  RB_EFATAL on an unknown key or a bad value. */
int rb_policy_set(struct rb_policy *p, const char *key, const char *value,
		  struct rb_err *err);
/* "KEY=VALUE", as given to --policy. */
int rb_policy_set_kv(struct rb_policy *p, const char *kv, struct rb_err *err);

/* "90", "90s", "15m", "4h", "7d", "2w" → seconds; -1 when malformed. */
int64_t rb_duration_parse(const char *s);
/* "3d4h", "15m", "0s" into out. */
void rb_duration_fmt(int64_t secs, char *out, size_t n);

enum rb_class {
	RB_CL_HARD, RB_CL_SOFT, RB_CL_BLOCK, RB_CL_COMPLAINT, RB_CL_DELAYED,
	RB_CL_DELIVERED, RB_CL_AUTOREPLY, RB_CL_UNKNOWN, RB_CL_NONE,
	RB_NCLASS
};
/* The record's class name → enum; RB_CL_UNKNOWN for anything else. */
enum rb_class rb_class_of(const char *name);
const char *rb_class_name(enum rb_class c);

/* What an event did; its name is stored with the event. */
enum rb_effect {
	RB_FX_SUPPRESSED,	/* put on the suppression list */
	RB_FX_SEEN,		/* already suppressed: last seen moved on */
	RB_FX_RETRY,		/* soft: the retry ledger was updated */
	RB_FX_EXPIRED,		/* soft, past the retry window: given up */
	RB_FX_RESET,		/* delivered: the soft count was reset */
	RB_FX_COUNTED,		/* block: counted for the reports */
	RB_FX_WARNING,		/* delayed */
	RB_FX_IGNORED,		/* autoreply */
	RB_FX_RECORDED,		/* nothing to change (delivered, no count) */
	RB_FX_UNDECODED,	/* unknown: kept for the rule authors */
	RB_FX_NOADDRESS,	/* no address to act on */
	RB_NEFFECT
};
const char *rb_effect_name(enum rb_effect e);

/* What a class does when the address is not suppressed: RB_FX_SUPPRESSED
   (hard, complaint), RB_FX_RETRY (soft; block with block=soft: see
   rb_policy_soft), RB_FX_RESET (delivered), RB_FX_COUNTED, RB_FX_WARNING,
   RB_FX_IGNORED or RB_FX_UNDECODED. */
enum rb_effect rb_policy_action(const struct rb_policy *p, enum rb_class c);

/* One address's row of the retry ledger. */
struct rb_retry {
	int exists;
	int expired;		/* state: 0 retrying, 1 expired */
	unsigned count;		/* consecutive soft bounces */
	int64_t first, last;	/* first and last soft bounce of the
				   episode */
	int64_t next;		/* next retry; -1 once expired */
	int64_t give_up;	/* first + retry_window */
	int64_t resets;		/* last + soft_reset */
	int64_t recent[RB_POLICY_MAX_SOFT];	/* newest soft_limit bounce
						   times, oldest first */
	size_t nrecent;
};

/* The wait after the nth consecutive soft bounce (n >= 1). */
int64_t rb_policy_backoff(const struct rb_policy *p, unsigned n);

/* Applies a soft bounce at time t to *r (which may not exist yet).
   Returns RB_FX_SUPPRESSED when soft_limit bounces fell within
   soft_period, RB_FX_EXPIRED when t is past the retry window (r->expired
   set), else RB_FX_RETRY with r->next set. */
enum rb_effect rb_policy_soft(const struct rb_policy *p, struct rb_retry *r,
			      int64_t t);

/* When a suppression for reason made at since ends; -1 never. */
int64_t rb_policy_expires(const struct rb_policy *p, const char *reason,
			  int64_t since);

/* The state of a retry row at now, as `check` and `ledger` show it. */
enum rb_rstate {
	RB_RS_NONE,		/* no row, or the count has reset */
	RB_RS_WAIT,		/* now < next: deferred */
	RB_RS_DUE,		/* next <= now < give_up: the retry may go */
	RB_RS_EXPIRED,		/* past give_up: the send was given up */
};
enum rb_rstate rb_retry_state(const struct rb_retry *r, int64_t now);
const char *rb_rstate_name(enum rb_rstate s);

/* recent[] as text ("t1 t2 ..."), and back; parsing drops junk. */
void rb_retry_recent_fmt(const struct rb_retry *r, char *out, size_t n);
void rb_retry_recent_parse(struct rb_retry *r, const char *s);

#endif
