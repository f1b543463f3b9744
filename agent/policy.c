/* policy - the soft-bounce schedule, thresholds and what each class does */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/core/err.h"
#include "parsers/core/str.h"

#define MINUTE 60
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)

void
rb_policy_init(struct rb_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->backoff[0] = 15 * MINUTE;
	p->backoff[1] = HOUR;
	p->backoff[2] = 4 * HOUR;
	p->nbackoff = 3;
	p->backoff_cap = 6 * HOUR;
	p->retry_window = 72 * HOUR;
	p->soft_reset = 72 * HOUR;
	p->soft_limit = 5;
	p->soft_period = 7 * DAY;
	p->block_as_soft = 0;
	p->nexpire = 0;
	p->raw_keep = 180 * DAY;
}

int64_t
rb_duration_parse(const char *s)
{
	size_t n = strlen(s);
	int64_t unit = 1;
	uint64_t v;

	if (n == 0)
		return -1;
	switch (s[n - 1]) {
	case 's': unit = 1; n--; break;
	case 'm': unit = MINUTE; n--; break;
	case 'h': unit = HOUR; n--; break;
	case 'd': unit = DAY; n--; break;
	case 'w': unit = 7 * DAY; n--; break;
	default: break;
	}
	/* 100 years is plenty and keeps t + duration far from overflow. */
	if (rb_parse_u64(s, n, 0, (uint64_t)(100 * 366 * (int64_t)DAY / unit),
			 &v) < 0)
		return -1;
	return (int64_t)v * unit;
}

void
rb_duration_fmt(int64_t secs, char *out, size_t n)
{
	static const struct { int64_t len; char c; } units[] = {
		{DAY, 'd'}, {HOUR, 'h'}, {MINUTE, 'm'}, {1, 's'},
	};
	size_t i, used = 0;

	out[0] = '\0';
	if (secs <= 0) {
		snprintf(out, n, "0s");
		return;
	}
	for (i = 0; i < 4 && used < n; i++) {
		if (secs < units[i].len)
			continue;
		used += (size_t)snprintf(out + used, n - used, "%lld%c",
					 (long long)(secs / units[i].len),
					 units[i].c);
		secs %= units[i].len;
	}
}

static int
set_backoff(struct rb_policy *p, const char *value, struct rb_err *err)
{
	char buf[512], *tok, *save = NULL;
	size_t n = 0;

	if (strlen(value) >= sizeof(buf))
		return rb_fail(err, RB_EFATAL, "policy", "backoff: too long");
	memcpy(buf, value, strlen(value) + 1);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int64_t d = rb_duration_parse(tok);

		if (d <= 0 || n == RB_POLICY_MAX_STEPS)
			return rb_fail(err, RB_EFATAL, "policy",
				       "backoff: '%s' is not a list of at most "
				       "%d durations", value,
				       RB_POLICY_MAX_STEPS);
		p->backoff[n++] = d;
	}
	if (n == 0)
		return rb_fail(err, RB_EFATAL, "policy", "backoff: empty");
	p->nbackoff = n;
	return 0;
}

static int
set_expire(struct rb_policy *p, const char *reason, const char *value,
	   struct rb_err *err)
{
	int64_t d = strcmp(value, "never") == 0 ? 0 : rb_duration_parse(value);
	size_t i;

	if (d < 0 || *reason == '\0' || strlen(reason) >= 32)
		return rb_fail(err, RB_EFATAL, "policy",
			       "expire.%s: bad value '%s'", reason, value);
	for (i = 0; i < p->nexpire; i++)
		if (strcmp(p->expire[i].reason, reason) == 0)
			break;
	if (d == 0) {		/* never: drop the entry */
		if (i < p->nexpire)
			p->expire[i] = p->expire[--p->nexpire];
		return 0;
	}
	if (i == p->nexpire) {
		if (p->nexpire == RB_POLICY_MAX_EXPIRE)
			return rb_fail(err, RB_EFATAL, "policy",
				       "expire: at most %d reasons",
				       RB_POLICY_MAX_EXPIRE);
		p->nexpire++;
	}
	memcpy(p->expire[i].reason, reason, strlen(reason) + 1);
	p->expire[i].after = d;
	return 0;
}

static int
set_duration(int64_t *field, const char *key, const char *value, int zero,
	     struct rb_err *err)
{
	int64_t d = rb_duration_parse(value);

	if (d < 0 || (d == 0 && !zero))
		return rb_fail(err, RB_EFATAL, "policy",
			       "%s: '%s' is not a duration", key, value);
	*field = d;
	return 0;
}

int
rb_policy_set(struct rb_policy *p, const char *key, const char *value,
	      struct rb_err *err)
{
	uint64_t v;

	if (strcmp(key, "backoff") == 0)
		return set_backoff(p, value, err);
	if (strcmp(key, "backoff_cap") == 0)
		return set_duration(&p->backoff_cap, key, value, 0, err);
	if (strcmp(key, "retry_window") == 0)
		return set_duration(&p->retry_window, key, value, 0, err);
	if (strcmp(key, "soft_reset") == 0)
		return set_duration(&p->soft_reset, key, value, 0, err);
	if (strcmp(key, "soft_period") == 0)
		return set_duration(&p->soft_period, key, value, 0, err);
	if (strcmp(key, "raw_keep") == 0) {
		if (strcmp(value, "forever") == 0) {
			p->raw_keep = 0;
			return 0;
		}
		return set_duration(&p->raw_keep, key, value, 1, err);
	}
	if (strcmp(key, "soft_limit") == 0) {
		if (rb_parse_u64(value, strlen(value), 1, RB_POLICY_MAX_SOFT,
				 &v) < 0)
			return rb_fail(err, RB_EFATAL, "policy",
				       "soft_limit: '%s' is not 1 to %d", value,
				       RB_POLICY_MAX_SOFT);
		p->soft_limit = (unsigned)v;
		return 0;
	}
	if (strcmp(key, "block") == 0) {
		if (strcmp(value, "ignore") != 0 && strcmp(value, "soft") != 0)
			return rb_fail(err, RB_EFATAL, "policy",
				       "block: '%s' is not ignore or soft",
				       value);
		p->block_as_soft = strcmp(value, "soft") == 0;
		return 0;
	}
	if (strncmp(key, "expire.", 7) == 0)
		return set_expire(p, key + 7, value, err);
	return rb_fail(err, RB_EFATAL, "policy", "unknown key '%s'", key);
}

int
rb_policy_set_kv(struct rb_policy *p, const char *kv, struct rb_err *err)
{
	const char *eq = strchr(kv, '=');
	char key[64];

	if (eq == NULL || (size_t)(eq - kv) >= sizeof(key) || eq == kv)
		return rb_fail(err, RB_EFATAL, "policy",
			       "'%s' is not KEY=VALUE", kv);
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = '\0';
	return rb_policy_set(p, key, eq + 1, err);
}

static const char *const class_names[RB_NCLASS] = {
	"hard", "soft", "block", "complaint", "delayed", "delivered",
	"autoreply", "unknown", "none",
};

enum rb_class
rb_class_of(const char *name)
{
	int i;

	for (i = 0; i < RB_NCLASS; i++)
		if (strcmp(name, class_names[i]) == 0)
			return (enum rb_class)i;
	return RB_CL_UNKNOWN;
}

const char *
rb_class_name(enum rb_class c)
{
	return (unsigned)c < RB_NCLASS ? class_names[c] : "unknown";
}

const char *
rb_effect_name(enum rb_effect e)
{
	static const char *const names[RB_NEFFECT] = {
		"suppressed", "seen", "retry", "expired", "reset", "counted",
		"warning", "ignored", "recorded", "undecoded", "noaddress",
	};

	return (unsigned)e < RB_NEFFECT ? names[e] : "recorded";
}

enum rb_effect
rb_policy_action(const struct rb_policy *p, enum rb_class c)
{
	switch (c) {
	case RB_CL_HARD:
	case RB_CL_COMPLAINT:
		return RB_FX_SUPPRESSED;
	case RB_CL_SOFT:
		return RB_FX_RETRY;
	case RB_CL_BLOCK:
		return p->block_as_soft ? RB_FX_RETRY : RB_FX_COUNTED;
	case RB_CL_DELAYED:
		return RB_FX_WARNING;
	case RB_CL_DELIVERED:
		return RB_FX_RESET;
	case RB_CL_AUTOREPLY:
	case RB_CL_NONE:
		return RB_FX_IGNORED;
	default:
		return RB_FX_UNDECODED;
	}
}

int64_t
rb_policy_backoff(const struct rb_policy *p, unsigned n)
{
	int64_t d;
	unsigned i;

	if (n == 0)
		n = 1;
	if (n <= p->nbackoff)
		return p->backoff[n - 1];
	d = p->backoff[p->nbackoff - 1];
	for (i = (unsigned)p->nbackoff; i < n && d < p->backoff_cap; i++)
		d *= 2;
	return d < p->backoff_cap ? d : p->backoff_cap;
}

/* Inserts t into the sorted recent[] and keeps the newest soft_limit. */
static void
add_recent(const struct rb_policy *p, struct rb_retry *r, int64_t t)
{
	size_t i = r->nrecent, keep = p->soft_limit;

	if (r->nrecent == RB_POLICY_MAX_SOFT) {
		memmove(r->recent, r->recent + 1,
			(RB_POLICY_MAX_SOFT - 1) * sizeof(r->recent[0]));
		r->nrecent--;
		i--;
	}
	while (i > 0 && r->recent[i - 1] > t) {
		r->recent[i] = r->recent[i - 1];
		i--;
	}
	r->recent[i] = t;
	r->nrecent++;
	if (r->nrecent > keep) {
		memmove(r->recent, r->recent + (r->nrecent - keep),
			keep * sizeof(r->recent[0]));
		r->nrecent = keep;
	}
}

enum rb_effect
rb_policy_soft(const struct rb_policy *p, struct rb_retry *r, int64_t t)
{
	/* A quiet soft_reset ends the episode (an older event arriving late
	   never does). */
	if (!r->exists || t >= r->resets) {
		memset(r, 0, sizeof(*r));
		r->exists = 1;
		r->first = r->last = t;
		r->give_up = t + p->retry_window;
	}
	r->count++;
	add_recent(p, r, t);
	if (t > r->last)
		r->last = t;
	if (t < r->first)
		r->first = t;
	r->resets = r->last + p->soft_reset;
	if (r->count >= p->soft_limit && r->nrecent >= p->soft_limit &&
	    r->recent[r->nrecent - 1] -
	    r->recent[r->nrecent - p->soft_limit] <= p->soft_period)
		return RB_FX_SUPPRESSED;
	if (r->last >= r->give_up) {
		r->expired = 1;
		r->next = -1;
		return RB_FX_EXPIRED;
	}
	r->expired = 0;
	r->next = r->last + rb_policy_backoff(p, r->count);
	return RB_FX_RETRY;
}

int64_t
rb_policy_expires(const struct rb_policy *p, const char *reason,
		  int64_t since)
{
	size_t i;

	for (i = 0; i < p->nexpire; i++)
		if (strcmp(p->expire[i].reason, reason) == 0)
			return since + p->expire[i].after;
	return -1;
}

enum rb_rstate
rb_retry_state(const struct rb_retry *r, int64_t now)
{
	if (!r->exists || now >= r->resets)
		return RB_RS_NONE;
	if (r->expired || now >= r->give_up)
		return RB_RS_EXPIRED;
	if (r->next >= 0 && now < r->next)
		return RB_RS_WAIT;
	return RB_RS_DUE;
}

const char *
rb_rstate_name(enum rb_rstate s)
{
	static const char *const names[] = {"reset", "waiting", "due",
					    "expired"};

	return names[s];
}

void
rb_retry_recent_fmt(const struct rb_retry *r, char *out, size_t n)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < r->nrecent && used < n; i++)
		used += (size_t)snprintf(out + used, n - used, "%s%lld",
					 i ? " " : "",
					 (long long)r->recent[i]);
}

void
rb_retry_recent_parse(struct rb_retry *r, const char *s)
{
	r->nrecent = 0;
	while (*s && r->nrecent < RB_POLICY_MAX_SOFT) {
		const char *e;
		uint64_t v;

		while (*s == ' ')
			s++;
		for (e = s; RB_ISDIGIT(*e); e++)
			;
		if (e > s && rb_parse_u64(s, (size_t)(e - s), 0, INT64_MAX,
					  &v) == 0)
			r->recent[r->nrecent++] = (int64_t)v;
		if (e == s)
			e++;
		s = e;
	}
}
