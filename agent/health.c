/* health - rates, thresholds, spikes and findings from the ledger */
#include "health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "parsers/core/arena.h"
#include "parsers/core/err.h"
#include "parsers/core/str.h"
#include "providers.h"
#include "strmap.h"

#define DAY 86400

/* Class indexes of the counts: the four classes health looks at. */
enum { C_HARD, C_SOFT, C_BLOCK, C_COMPLAINT, NC };

static const char *const class_names[NC] = {
	"hard", "soft", "block", "complaint",
};

/* An aggregate of events (cls >= 0) or of sends (cls < 0). */
struct cell {
	int64_t ago;		/* whole days before now */
	int inwin;		/* dated on or after since */
	const char *day, *domain, *provider, *campaign, *reason;
	int cls, chronic;
	int64_t n;
};

struct rb_hdata {
	struct rb_arena *a;
	const struct rb_health_opts *o;
	const struct rb_providers *prov;
	int64_t now, since, from;
	struct cell *c;
	size_t nc, capc;
	struct rb_strmap strs;	/* interned strings: val unused */
	int volumes, domain_volumes;
	struct rb_hrow *rows;
	size_t nrows, caprows;
	struct rb_finding *f;
	size_t nf, capf;
	struct rb_hday *days;
	struct rb_hreason *reasons;
};

void
rb_health_defaults(struct rb_health_opts *o)
{
	static const double warn[RB_NRATE] = {0.02, 0.05, 0.01, 0.001};
	static const double crit[RB_NRATE] = {0.05, 0.10, 0.02, 0.003};

	memset(o, 0, sizeof(*o));
	memcpy(o->warn, warn, sizeof(warn));
	memcpy(o->crit, crit, sizeof(crit));
	o->min_volume = 100;
	o->window = 7 * DAY;
	o->spike_factor = 3;
	o->spike_critical = 10;
	o->spike_min = 20;
	o->baseline_days = 7;
	o->block_min = 10;
}

const char *
rb_rate_name(enum rb_rate r)
{
	static const char *const names[RB_NRATE] = {
		"bounce", "soft", "block", "complaint",
	};

	return (unsigned)r < RB_NRATE ? names[r] : "?";
}

const char *
rb_level_name(enum rb_level l)
{
	static const char *const names[] = {"ok", "warn", "critical", "n/a"};

	return (unsigned)l <= RB_LV_NA ? names[l] : "?";
}

int
rb_hby_parse(const char *s, enum rb_hby *out)
{
	static const char *const names[] = {
		"all", "provider", "domain", "campaign", "day",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum rb_hby)i;
			return 0;
		}
	return -1;
}

static const char *
intern(struct rb_hdata *d, const char *s)
{
	return rb_strmap_key(&d->strs, d->a, s);
}

static struct cell *
new_cell(struct rb_hdata *d, const struct rb_val *c)
{
	struct cell *x;
	const char *dom;

	d->c = rb_arena_grow(d->a, d->c, &d->capc, d->nc + 1, sizeof(*d->c));
	x = &d->c[d->nc++];
	memset(x, 0, sizeof(*x));
	x->ago = rb_val_int(&c[0]);
	x->day = intern(d, rb_val_str(&c[1]));
	x->inwin = rb_val_int(&c[2]) > 0;
	dom = rb_val_str(&c[3]);
	x->domain = intern(d, dom);
	x->provider = *dom ? intern(d, rb_providers_lookup(d->prov, dom)) :
		      "";
	x->campaign = intern(d, rb_val_str(&c[4]));
	x->reason = "";
	x->cls = -1;
	return x;
}

static int
event_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct rb_hdata *d = ctx;
	const char *cls = rb_val_str(&c[5]);
	struct cell *x;
	int i;

	if (n < 9)
		return -1;
	for (i = 0; i < NC && strcmp(cls, class_names[i]) != 0; i++)
		;
	if (i == NC)
		return 0;
	x = new_cell(d, c);
	x->cls = i;
	x->chronic = rb_val_int(&c[6]) > 0;
	x->reason = intern(d, rb_val_str(&c[7]));
	x->n = rb_val_int(&c[8]);
	return 0;
}

static int
sent_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct rb_hdata *d = ctx;
	struct cell *x;

	if (n < 6)
		return -1;
	x = new_cell(d, c);
	x->n = rb_val_int(&c[5]);
	if (x->inwin && x->n > 0) {
		d->volumes = 1;
		if (*x->domain)
			d->domain_volumes = 1;
	}
	return 0;
}

struct rb_hdata *
rb_health_load(struct rb_ledger *l, const struct rb_health_opts *o,
	       int64_t since, int64_t now, const char *campaign_header,
	       const struct rb_providers *prov, struct rb_err *err)
{
	struct rb_hdata *d = rb_xcalloc(1, sizeof(*d));
	int64_t from = now - (int64_t)(o->baseline_days + 1) * DAY;

	d->a = rb_arena_new();
	d->o = o;
	d->prov = prov;
	d->now = now;
	d->since = since;
	d->from = since < from ? since : from;
	if (rb_ledger_run(l, RB_Q_HEALTH_EVENTS,
			  RB_ARGS(RB_VINT(d->from), RB_VINT(now),
				  RB_VTEXT(campaign_header ? campaign_header :
					   ""), RB_VINT(since)),
			  event_row, d, err) < 0 ||
	    rb_ledger_run(l, RB_Q_HEALTH_SENT,
			  RB_ARGS(RB_VINT(d->from), RB_VINT(now),
				  RB_VINT(since)),
			  sent_row, d, err) < 0) {
		rb_health_free(&d);
		return NULL;
	}
	return d;
}

void
rb_health_free(struct rb_hdata **dp)
{
	struct rb_hdata *d = *dp;

	if (d == NULL)
		return;
	rb_strmap_free(&d->strs);
	free(d->rows);
	free(d->f);
	free(d->days);
	free(d->reasons);
	rb_arena_free(&d->a);
	free(d);
	*dp = NULL;
}

int
rb_health_has_volumes(const struct rb_hdata *d)
{
	return d->volumes;
}

int
rb_health_has_domain_volumes(const struct rb_hdata *d)
{
	return d->domain_volumes;
}

/* The group of a cell; NULL when it has none (sends without a domain,
   grouped by provider or domain). */
static const char *
group_of(const struct cell *x, enum rb_hby by)
{
	switch (by) {
	case RB_BY_ALL:
		return "all";
	case RB_BY_PROVIDER:
		return *x->domain ? x->provider : NULL;
	case RB_BY_DOMAIN:
		return *x->domain ? x->domain : NULL;
	case RB_BY_CAMPAIGN:
		return *x->campaign ? x->campaign : "(none)";
	case RB_BY_DAY:
		return x->day;
	}
	return NULL;
}

static enum rb_level
judge(const struct rb_health_opts *o, int r, double rate, int64_t sent)
{
	if (rate < 0 || sent < o->min_volume)
		return RB_LV_NA;
	if (rate >= o->crit[r])
		return RB_LV_CRIT;
	if (rate >= o->warn[r])
		return RB_LV_WARN;
	return RB_LV_OK;
}

static int
cmp_row_events(const void *pa, const void *pb)
{
	const struct rb_hrow *a = pa, *b = pb;
	int64_t ea = a->hard + a->soft + a->block + a->complaint;
	int64_t eb = b->hard + b->soft + b->block + b->complaint;

	if (ea != eb)
		return ea > eb ? -1 : 1;
	if (a->sent != b->sent)
		return a->sent > b->sent ? -1 : 1;
	return strcmp(a->key, b->key);
}

static int
cmp_row_key(const void *pa, const void *pb)
{
	return strcmp(((const struct rb_hrow *)pa)->key,
		      ((const struct rb_hrow *)pb)->key);
}

const struct rb_hrow *
rb_health_rows(struct rb_hdata *d, enum rb_hby by, size_t *n)
{
	struct rb_strmap groups = {0}, reasons = {0};
	int64_t *rcount = NULL;
	size_t i, nr = 0, capr = 0;
	char key[1024];

	d->nrows = 0;
	if (by == RB_BY_ALL) {
		/* One row even when the ledger is empty. */
		if (d->caprows == 0)
			d->rows = rb_xreallocarray(d->rows, d->caprows = 16,
						   sizeof(*d->rows));
		memset(d->rows, 0, sizeof(*d->rows));
		d->rows[0].key = "all";
		d->nrows = 1;
		(void)rb_strmap_get(&groups, d->a, "all", 0, NULL);
	}
	for (i = 0; i < d->nc; i++) {
		const struct cell *x = &d->c[i];
		const char *g = group_of(x, by);
		struct rb_hrow *row;
		size_t k;
		int added;

		if (!x->inwin || g == NULL)
			continue;
		k = rb_strmap_get(&groups, d->a, g, d->nrows, &added);
		if (added) {
			if (d->nrows + 1 > d->caprows)
				d->rows = rb_xreallocarray(d->rows,
					d->caprows = d->caprows * 2 + 16,
					sizeof(*d->rows));
			memset(&d->rows[d->nrows], 0, sizeof(*d->rows));
			d->rows[d->nrows].key = rb_strmap_key(&groups, d->a, g);
			d->nrows++;
		}
		row = &d->rows[k];
		if (x->cls < 0) {
			row->sent += x->n;
			continue;
		}
		switch (x->cls) {
		case C_HARD: row->hard += x->n; break;
		case C_SOFT:
			row->soft += x->n;
			if (x->chronic)
				row->chronic += x->n;
			break;
		case C_BLOCK: row->block += x->n; break;
		default: row->complaint += x->n; break;
		}
		if (x->cls == C_COMPLAINT || *x->reason == '\0')
			continue;
		snprintf(key, sizeof(key), "%zu\x1f%s", k, x->reason);
		k = rb_strmap_get(&reasons, d->a, key, nr, &added);
		if (added) {
			rcount = rb_xreallocarray(rcount, ++nr > capr ?
						  (capr = nr * 2) : capr,
						  sizeof(*rcount));
			rcount[k] = 0;
		}
		rcount[k] += x->n;
	}
	/* The top reason of each row. */
	{
		int64_t *best = rb_xcalloc(d->nrows + 1, sizeof(*best));

		for (i = 0; i < reasons.cap; i++) {
			const char *kk = reasons.key[i], *sep;
			size_t row;

			if (kk == NULL)
				continue;
			row = (size_t)strtoul(kk, NULL, 10);
			sep = strchr(kk, '\x1f');
			if (row < d->nrows &&
			    (rcount[reasons.val[i]] > best[row] ||
			     (rcount[reasons.val[i]] == best[row] &&
			      strcmp(sep + 1, d->rows[row].top_reason) <
			      0))) {
				best[row] = rcount[reasons.val[i]];
				d->rows[row].top_reason = sep + 1;
			}
		}
		free(best);
	}
	for (i = 0; i < d->nrows; i++) {
		struct rb_hrow *r = &d->rows[i];
		int k;

		if (r->top_reason == NULL)
			r->top_reason = "";
		r->count[RB_RATE_BOUNCE] = r->hard + r->chronic;
		r->count[RB_RATE_SOFT] = r->soft;
		r->count[RB_RATE_BLOCK] = r->block;
		r->count[RB_RATE_COMPLAINT] = r->complaint;
		r->worst = RB_LV_NA;
		for (k = 0; k < RB_NRATE; k++) {
			r->rate[k] = r->sent > 0 ?
				     (double)r->count[k] / (double)r->sent :
				     -1;
			r->level[k] = judge(d->o, k, r->rate[k], r->sent);
			if (r->level[k] != RB_LV_NA &&
			    (r->worst == RB_LV_NA || r->level[k] > r->worst))
				r->worst = r->level[k];
		}
	}
	if (d->nrows > 1)
		qsort(d->rows, d->nrows, sizeof(*d->rows),
		      by == RB_BY_DAY ? cmp_row_key : cmp_row_events);
	rb_strmap_free(&groups);
	rb_strmap_free(&reasons);
	free(rcount);
	*n = d->nrows;
	return d->rows;
}

const char *
rb_health_hint(const char *reason)
{
	static const struct { const char *reason, *hint; } t[] = {
		{"authfailure", "authenticate the mail: publish SPF for the "
		 "sending IPs, sign with DKIM and publish DMARC aligned with "
		 "the From domain"},
		{"requireptr", "give the sending IP a PTR record whose name "
		 "resolves back to it and matches the HELO name"},
		{"badreputation", "the sending IP or domain has a poor "
		 "reputation: send slower and only to engaged recipients, "
		 "read the provider's postmaster tools, warm new IPs up "
		 "gradually"},
		{"blocked", "the sending IP or domain is on a blocklist: look "
		 "it up (Spamhaus, Barracuda, the provider's own), find what "
		 "triggered it, then ask for delisting"},
		{"spamdetected", "the content was judged spam: review the "
		 "text, the links and their domains; send only what was "
		 "asked for"},
		{"speeding", "send slower to this provider: fewer "
		 "connections, fewer messages per connection and per hour; "
		 "warm new IPs up"},
		{"toomanyconn", "open fewer simultaneous connections to this "
		 "provider"},
		{"policyviolation", "the message broke the receiver's policy: "
		 "read the response text and the provider's sender "
		 "guidelines (one-click unsubscribe, alignment)"},
		{"securityerror", "the receiver's security requirements "
		 "failed: check TLS, SPF, DKIM and DMARC of the sending "
		 "domain"},
		{"failedstarttls", "TLS failed: check the sending MTA's TLS "
		 "versions and certificates"},
		{"virusdetected", "an attachment or link was flagged as "
		 "malware: check the content"},
		{"rejected", "the envelope sender was refused: check that "
		 "the Return-Path domain resolves, has SPF and accepts "
		 "bounces"},
		{"notcompliantrfc", "the message is not well formed: check "
		 "the headers the sending software writes"},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(reason, t[i].reason) == 0)
			return t[i].hint;
	return "";
}

static const char *
rate_hint(int r)
{
	static const char *const hints[RB_NRATE] = {
		"stop mailing suppressed addresses, check where the list came "
		"from (old or bought addresses), confirm opt-in",
		"send slower to the affected providers; many full or "
		"suspended mailboxes mean old addresses",
		"",
		"make unsubscribing easy (List-Unsubscribe one-click), send "
		"only what recipients asked for, honour complaints at once",
	};

	return hints[r];
}

static struct rb_finding *
add_finding(struct rb_hdata *d)
{
	struct rb_finding *f;

	d->f = rb_xreallocarray(d->f, d->nf + 1 > d->capf ?
				(d->capf = d->capf * 2 + 8) : d->capf,
				sizeof(*d->f));
	f = &d->f[d->nf++];
	memset(f, 0, sizeof(*f));
	f->reason = f->hint = f->domains = f->text = "";
	return f;
}

void
rb_health_pct(double v, char *out, size_t n)
{
	if (v < 0)
		snprintf(out, n, "-");
	else if (v >= 0.01)
		snprintf(out, n, "%.1f%%", v * 100);
	else
		snprintf(out, n, "%.2f%%", v * 100);
}

static void
rate_findings(struct rb_hdata *d, enum rb_hby by)
{
	const struct rb_hrow *rows;
	size_t i, n;
	int k;

	rows = rb_health_rows(d, by, &n);
	for (i = 0; i < n; i++)
		for (k = 0; k < RB_NRATE; k++) {
			const struct rb_hrow *r = &rows[i];
			struct rb_finding *f;
			char v[16], t[16];

			if (r->level[k] != RB_LV_WARN &&
			    r->level[k] != RB_LV_CRIT)
				continue;
			f = add_finding(d);
			f->level = r->level[k];
			f->kind = RB_FK_RATE;
			f->scope = by == RB_BY_ALL ? "all" : "provider";
			f->name = r->key;
			f->metric = rb_rate_name(k);
			f->reason = r->top_reason;
			f->count = r->count[k];
			f->value = r->rate[k];
			f->threshold = f->level == RB_LV_CRIT ? d->o->crit[k] :
				       d->o->warn[k];
			f->sent = r->sent;
			f->hint = k == RB_RATE_BLOCK ?
				  rb_health_hint(r->top_reason) :
				  rate_hint(k);
			rb_health_pct(f->value, v, sizeof(v));
			rb_health_pct(f->threshold, t, sizeof(t));
			f->text = rb_arena_printf(d->a,
				"%s rate of %s: %s (%lld of %lld sent) is "
				"at or above the %s level %s",
				f->metric, by == RB_BY_ALL ? "all mail" :
				r->key, v,
				(long long)f->count, (long long)r->sent,
				rb_level_name(f->level), t);
		}
}

/* Day counts of one class for one scope (provider or domain). */
struct series {
	const char *name;
	int64_t day[32];	/* [0] the last 24 hours */
};

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double
median(const int64_t *v, size_t n)
{
	int64_t t[32];

	if (n == 0)
		return 0;
	memcpy(t, v, n * sizeof(*t));
	qsort(t, n, sizeof(*t), cmp_i64);
	return n % 2 ? (double)t[n / 2] :
	       ((double)t[n / 2 - 1] + (double)t[n / 2]) / 2;
}

/* The most frequent reason and, for a provider, its three busiest domains,
   of the day-0 events of cls in the scope named f->name. */
static void
describe(struct rb_hdata *d, struct rb_finding *f, int cls,
	 int by_provider)
{
	struct rb_strmap rs = {0}, ds = {0};
	size_t i, j, top[3] = {0, 0, 0}, nt = 0;
	char *buf;

	for (i = 0; i < d->nc; i++) {
		const struct cell *x = &d->c[i];

		if (x->ago != 0 || x->cls != cls ||
		    strcmp(by_provider ? x->provider : x->domain, f->name))
			continue;
		*rb_strmap_ref(&rs, d->a, x->reason) += (size_t)x->n;
		*rb_strmap_ref(&ds, d->a, x->domain) += (size_t)x->n;
	}
	for (i = 0; i < rs.cap; i++)
		if (rs.key[i] && ((int64_t)rs.val[i] > f->reason_count ||
				  ((int64_t)rs.val[i] == f->reason_count &&
				   strcmp(rs.key[i], f->reason) < 0))) {
			f->reason_count = (int64_t)rs.val[i];
			f->reason = rs.key[i];
		}
	/* The three busiest domains (slots of ds), most first. */
	for (i = 0; by_provider && i < ds.cap; i++) {
		if (ds.key[i] == NULL)
			continue;
		for (j = nt < 3 ? nt++ : 3; j > 0; j--) {
			size_t t = top[j - 1];

			if (ds.val[t] > ds.val[i] || (ds.val[t] == ds.val[i] &&
			    strcmp(ds.key[t], ds.key[i]) < 0))
				break;
			if (j < 3)
				top[j] = t;
		}
		if (j < 3)
			top[j] = i;
	}
	for (j = 0, buf = NULL; j < nt; j++)
		buf = rb_arena_printf(d->a, "%s%s%s (%zu)", buf ? buf : "",
				      buf ? ", " : "", ds.key[top[j]],
				      ds.val[top[j]]);
	if (buf)
		f->domains = buf;
	rb_strmap_free(&rs);
	rb_strmap_free(&ds);
}

/* Day series of cls per provider (by_provider) or domain. */
static struct series *
collect(struct rb_hdata *d, int cls, int by_provider, size_t *n)
{
	struct rb_strmap m = {0};
	struct series *s = NULL;
	size_t i, cap = 0, days = (size_t)d->o->baseline_days + 1;

	*n = 0;
	for (i = 0; i < d->nc; i++) {
		const struct cell *x = &d->c[i];
		const char *name = by_provider ? x->provider : x->domain;
		size_t k;
		int added;

		if (x->cls != cls || x->ago < 0 || (size_t)x->ago >= days ||
		    *name == '\0')
			continue;
		k = rb_strmap_get(&m, d->a, name, *n, &added);
		if (added) {
			s = rb_xreallocarray(s, *n + 1 > cap ?
					     (cap = cap * 2 + 16) : cap,
					     sizeof(*s));
			memset(&s[*n], 0, sizeof(*s));
			s[*n].name = rb_strmap_key(&m, d->a, name);
			(*n)++;
		}
		s[k].day[x->ago] += x->n;
	}
	rb_strmap_free(&m);
	return s;
}

/* Flags the series of cls whose day 0 is far above the median of the
   days before.  Providers flagged go into skip; domains whose provider
   is in skip are left out. */
static void
spikes(struct rb_hdata *d, int cls, int by_provider, struct rb_strmap *skip)
{
	const struct rb_health_opts *o = d->o;
	struct series *s;
	size_t i, n;

	s = collect(d, cls, by_provider, &n);
	for (i = 0; i < n; i++) {
		double base = median(s[i].day + 1, (size_t)o->baseline_days);
		double ref = base < 1 ? 1 : base;
		int64_t c0 = s[i].day[0];
		struct rb_finding *f;

		if (c0 < o->spike_min || (double)c0 < o->spike_factor * ref)
			continue;
		if (!by_provider &&
		    rb_strmap_has(skip, rb_providers_lookup(d->prov,
							    s[i].name)))
			continue;
		if (by_provider)
			(void)rb_strmap_key(skip, d->a, s[i].name);
		f = add_finding(d);
		f->level = (double)c0 >= o->spike_critical * ref ?
			   RB_LV_CRIT : RB_LV_WARN;
		f->kind = RB_FK_SPIKE;
		f->scope = by_provider ? "provider" : "domain";
		f->name = s[i].name;
		f->metric = class_names[cls];
		f->count = c0;
		f->baseline = base;
		f->value = (double)c0 / ref;
		f->threshold = f->level == RB_LV_CRIT ? o->spike_critical :
			       o->spike_factor;
		describe(d, f, cls, by_provider);
		f->hint = cls == C_BLOCK ? rb_health_hint(f->reason) :
			  "send slower to this provider until it recovers, "
			  "and read its responses: a soft spike often comes "
			  "before a block";
		f->text = rb_arena_printf(d->a,
			"%s spike at %s %s: %lld in the last 24 hours, %.1fx "
			"its %d-day median of %g; top reason %s (%lld)%s",
			f->metric, f->scope, f->name, (long long)c0,
			f->value, o->baseline_days, base,
			*f->reason ? f->reason : "unknown",
			(long long)f->reason_count, cls == C_BLOCK ?
			"; sender-side: the receiver refused the sender, not "
			"the addresses" : "");
	}
	free(s);
}

/* Block events of day 0 per provider and reason, at or above block_min:
   the sender's problem.  Providers already named by a block spike are
   left out. */
static void
sender_findings(struct rb_hdata *d, struct rb_strmap *spiked)
{
	struct rb_strmap m = {0};
	int64_t *cnt = NULL;
	const char **prov = NULL, **reason = NULL;
	size_t i, n = 0, cap = 0;
	char key[1024];

	for (i = 0; i < d->nc; i++) {
		const struct cell *x = &d->c[i];
		size_t k;
		int added;

		if (x->cls != C_BLOCK || x->ago != 0 || *x->provider == '\0')
			continue;
		snprintf(key, sizeof(key), "%s\x1f%s", x->provider,
			 x->reason);
		k = rb_strmap_get(&m, d->a, key, n, &added);
		if (added) {
			if (n + 1 > cap) {
				cap = cap * 2 + 16;
				cnt = rb_xreallocarray(cnt, cap, sizeof(*cnt));
				prov = rb_xreallocarray(prov, cap,
							sizeof(*prov));
				reason = rb_xreallocarray(reason, cap,
							  sizeof(*reason));
			}
			cnt[n] = 0;
			prov[n] = x->provider;
			reason[n] = x->reason;
			n++;
		}
		cnt[k] += x->n;
	}
	for (i = 0; i < n; i++) {
		struct rb_finding *f;

		if (cnt[i] < d->o->block_min ||
		    rb_strmap_has(spiked, prov[i]))
			continue;
		f = add_finding(d);
		f->level = RB_LV_WARN;
		f->kind = RB_FK_SENDER;
		f->scope = "provider";
		f->name = prov[i];
		f->metric = "block";
		f->reason = *reason[i] ? reason[i] : "unknown";
		f->count = f->reason_count = cnt[i];
		f->hint = rb_health_hint(reason[i]);
		f->text = rb_arena_printf(d->a,
			"sender-side: %s refused the sender %lld times in the "
			"last 24 hours (%s); the addresses are not at fault",
			f->name, (long long)cnt[i], f->reason);
	}
	rb_strmap_free(&m);
	free(cnt);
	free(prov);
	free(reason);
}

static int
cmp_finding(const void *pa, const void *pb)
{
	const struct rb_finding *a = pa, *b = pb;
	int c;

	if (a->level != b->level)
		return a->level > b->level ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((c = strcmp(a->scope, b->scope)) != 0)
		return c;
	if ((c = strcmp(a->name, b->name)) != 0)
		return c;
	return strcmp(a->metric, b->metric);
}

const struct rb_finding *
rb_health_findings(struct rb_hdata *d, size_t *n)
{
	struct rb_strmap spiked[NC] = {{0}};
	int cls;

	d->nf = 0;
	rate_findings(d, RB_BY_ALL);
	rate_findings(d, RB_BY_PROVIDER);
	for (cls = C_SOFT; cls <= C_BLOCK; cls++) {
		spikes(d, cls, 1, &spiked[cls]);
		spikes(d, cls, 0, &spiked[cls]);
	}
	sender_findings(d, &spiked[C_BLOCK]);
	for (cls = 0; cls < NC; cls++)
		rb_strmap_free(&spiked[cls]);
	if (d->nf > 1)
		qsort(d->f, d->nf, sizeof(*d->f), cmp_finding);
	*n = d->nf;
	return d->f;
}

const struct rb_hday *
rb_health_days(struct rb_hdata *d, size_t *n)
{
	int64_t first = d->since / DAY, last = (d->now - 1) / DAY, i;
	size_t nd, k;

	if (d->now <= d->since || last < first) {
		*n = 0;
		return NULL;
	}
	nd = (size_t)(last - first + 1);
	free(d->days);
	d->days = rb_xcalloc(nd, sizeof(*d->days));
	for (i = 0; i < (int64_t)nd; i++) {
		char iso[21];

		rb_iso8601((first + i) * DAY, iso);
		memcpy(d->days[i].day, iso, 10);
	}
	for (k = 0; k < d->nc; k++) {
		const struct cell *x = &d->c[k];
		int64_t day;

		if (!x->inwin || strlen(x->day) != 10)
			continue;
		/* Cells carry the date as text; find its index. */
		if (rb_parse_iso8601(x->day, &day) != 0)
			continue;
		day = day / DAY - first;
		if (day < 0 || day >= (int64_t)nd)
			continue;
		if (x->cls < 0)
			d->days[day].sent += x->n;
		else
			d->days[day].count[x->cls] += x->n;
		if (x->cls == C_SOFT && x->chronic)
			d->days[day].chronic += x->n;
	}
	*n = nd;
	return d->days;
}

const char *
rb_health_class(int i)
{
	return i >= 0 && i < NC ? class_names[i] : "?";
}

static int
cmp_reason(const void *pa, const void *pb)
{
	const struct rb_hreason *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->reason, b->reason);
}

const struct rb_hreason *
rb_health_reasons(struct rb_hdata *d, size_t *n)
{
	struct rb_strmap m = {0};
	int64_t (*per)[NC] = NULL;
	size_t i, nr = 0, cap = 0;

	for (i = 0; i < d->nc; i++) {
		const struct cell *x = &d->c[i];
		size_t k;
		int added;

		if (!x->inwin || x->cls < 0)
			continue;
		k = rb_strmap_get(&m, d->a, x->reason, nr, &added);
		if (added) {
			if (nr + 1 > cap) {
				cap = cap * 2 + 16;
				per = rb_xreallocarray(per, cap, sizeof(*per));
				d->reasons = rb_xreallocarray(d->reasons, cap,
						sizeof(*d->reasons));
			}
			memset(per[nr], 0, sizeof(per[nr]));
			d->reasons[nr].reason = rb_strmap_key(&m, d->a, x->reason);
			nr++;
		}
		per[k][x->cls] += x->n;
	}
	for (i = 0; i < nr; i++) {
		int c, best = 0;

		d->reasons[i].count = 0;
		for (c = 0; c < NC; c++) {
			d->reasons[i].count += per[i][c];
			if (per[i][c] > per[i][best])
				best = c;
		}
		d->reasons[i].cls = class_names[best];
	}
	if (nr > 1)
		qsort(d->reasons, nr, sizeof(*d->reasons), cmp_reason);
	free(per);
	rb_strmap_free(&m);
	*n = nr;
	return d->reasons;
}
