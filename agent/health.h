/*
 * health - bounce and complaint rates against the mailbox providers'
 * limits, spikes against each provider's own baseline, and the findings
 * that `rebound alerts`, `health`, `report` and `metrics` show
 *
 * The numerators are the ledger's events (one per recipient per bounce) of
 * the classes hard, soft, block and complaint; the denominators are the
 * send volumes recorded with `rebound sent` (table sends).  Rates:
 *
 *   bounce     (hard + chronic soft) / sent; a soft event is chronic when
 *              the policy gave the address up with it or already had
 *              (effect suppressed, expired or seen)
 *   soft       soft / sent
 *   block      block / sent (the receiver refused the sender)
 *   complaint  complaint / sent
 *
 * A group (a provider, domain, campaign or day) is judged only when at
 * least min_volume messages were sent to it; without volumes the counts are
 * shown and the rates are "needs volumes".
 *
 * Days are counted back from "now": day 0 is the 24 hours before now, day
 * 1 the 24 hours before that, and so on.  A spike is day 0's soft or block
 * count of a provider (or of a domain whose provider did not spike) at
 * least spike_factor times the median of its counts on days 1 to
 * baseline_days (a median of 0 counts as 1), and at least spike_min_count.
 */
#ifndef REBOUND_AGENT_HEALTH_H
#define REBOUND_AGENT_HEALTH_H

#include <stddef.h>
#include <stdint.h>

struct rb_err;
struct rb_ledger;
struct rb_providers;

enum rb_rate { RB_RATE_BOUNCE, RB_RATE_SOFT, RB_RATE_BLOCK,
	       RB_RATE_COMPLAINT, RB_NRATE };
enum rb_level { RB_LV_OK, RB_LV_WARN, RB_LV_CRIT, RB_LV_NA };

/* The thresholds and knobs; the configuration's `health:` section. */
struct rb_health_opts {
	double warn[RB_NRATE], crit[RB_NRATE];	/* fractions: 0.02 = 2% */
	int64_t min_volume;	/* sends before a rate is judged (100) */
	int64_t window;		/* default --since: now - window (7 days) */
	double spike_factor;	/* warn at this many times the median (3) */
	double spike_critical;	/* critical at this many (10) */
	int64_t spike_min;	/* and at least this many events (20) */
	int baseline_days;	/* days of the median (7) */
	int64_t block_min;	/* block events in a day that make a
				   sender-side finding (10) */
};

void rb_health_defaults(struct rb_health_opts *o);
/* "bounce", "soft", "block", "complaint". */
const char *rb_rate_name(enum rb_rate r);
/* "ok", "warn", "critical", "n/a". */
const char *rb_level_name(enum rb_level l);

/* What is loaded from the ledger: aggregated cells of events and sends
   between since and now. */
struct rb_hdata;

/* Loads the events and sends of [since, now), and of the days before now
   that the spike baseline needs.  campaign_header (NULL or "") names the
   header of the returned message that holds the campaign (else
   Original-Envelope-Id is the campaign).  o and prov map domains to
   providers and must outlive the result.  NULL with *err on a ledger
   failure. */
struct rb_hdata *rb_health_load(struct rb_ledger *l,
				const struct rb_health_opts *o, int64_t since,
				int64_t now, const char *campaign_header,
				const struct rb_providers *prov,
				struct rb_err *err);
void rb_health_free(struct rb_hdata **d);

/* Whether any send volume falls in [since, now); whether any of it names
   a recipient domain. */
int rb_health_has_volumes(const struct rb_hdata *d);
int rb_health_has_domain_volumes(const struct rb_hdata *d);

/* One row of `rebound health`. */
struct rb_hrow {
	const char *key;	/* "all", a provider, domain, campaign or
				   YYYY-MM-DD */
	int64_t sent;
	int64_t hard, chronic, soft, block, complaint;
	int64_t count[RB_NRATE];	/* the numerators */
	double rate[RB_NRATE];		/* < 0: no volume */
	enum rb_level level[RB_NRATE];
	enum rb_level worst;
	const char *top_reason;	/* of its hard, soft and block events */
};

enum rb_hby { RB_BY_ALL, RB_BY_PROVIDER, RB_BY_DOMAIN, RB_BY_CAMPAIGN,
	      RB_BY_DAY };
/* "all", "provider", ...; -1 for anything else. */
int rb_hby_parse(const char *s, enum rb_hby *out);

/* The rows of events and sends in [since, now), grouped by by; days in
   date order, else by events (most first).  *n rows; they live until the
   next call or rb_health_free(). */
const struct rb_hrow *rb_health_rows(struct rb_hdata *d, enum rb_hby by,
				     size_t *n);

/* A finding of `rebound alerts`. */
enum rb_fkind { RB_FK_RATE, RB_FK_SPIKE, RB_FK_SENDER };
struct rb_finding {
	enum rb_level level;
	enum rb_fkind kind;
	const char *scope;	/* "all", "provider" or "domain" */
	const char *name;	/* "all", the provider or the domain */
	const char *metric;	/* a rate name, or the class "soft" /
				   "block" */
	const char *reason;	/* the top reason, "" when none */
	int64_t count;		/* events (day 0 for spikes) */
	int64_t reason_count;	/* of them, with the top reason */
	double value;		/* the rate, or count / baseline */
	double threshold;	/* the rate limit, or the factor */
	double baseline;	/* spikes: the median */
	int64_t sent;		/* rates: the volume */
	const char *domains;	/* the top domains of a provider's events,
				   "a.com (12), b.com (3)" */
	const char *hint;	/* what usually fixes it; "" */
	const char *text;	/* one sentence for people */
};

/* The findings as of now: the rates of all mail and of each provider over
   [since, now), spikes on day 0, and sender-side blocks on day 0.  Most
   severe first.  They live as long as d. */
const struct rb_finding *rb_health_findings(struct rb_hdata *d,
					    size_t *n);

/* A rate as people read it: "1.6%", "0.25%"; "-" when negative. */
void rb_health_pct(double v, char *out, size_t n);

/* What usually fixes a block reason ("" when nothing is known). */
const char *rb_health_hint(const char *reason);

/* Per calendar day (UTC) in [since, now): counts per class (hard, soft,
   block, complaint) and sends, for the charts.  *n days, oldest first;
   days with nothing are included. */
struct rb_hday {
	char day[11];
	int64_t count[4];	/* hard, soft, block, complaint */
	int64_t chronic;
	int64_t sent;
};
const struct rb_hday *rb_health_days(struct rb_hdata *d, size_t *n);

/* The reasons of the window's hard, soft, block and complaint events,
   most first: its count and the class most of them had. */
struct rb_hreason {
	const char *reason;	/* "" shown as unknown */
	const char *cls;
	int64_t count;
};
const struct rb_hreason *rb_health_reasons(struct rb_hdata *d, size_t *n);

/* The class names of rb_hday.count[]: "hard", "soft", "block",
   "complaint". */
const char *rb_health_class(int i);

#endif
