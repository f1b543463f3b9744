/*
 * providers - which mailbox provider a recipient domain belongs to
 *
 * For `rebound stats --by provider`: the big providers host many domains
 * (gmail.com and googlemail.com are both Google), and deliverability is
 * judged per provider.  The table is data, data/providers.tsv: one
 * "DOMAIN<TAB>PROVIDER" a line, '#' comments.  A domain matches its own
 * line or, failing that, its nearest parent's (mx.example.com matches
 * example.com).  Everything else is "other".
 */
#ifndef REBOUND_AGENT_PROVIDERS_H
#define REBOUND_AGENT_PROVIDERS_H

struct rb_err;
struct rb_providers;

/* Where the shipped table is: $REBOUND_PROVIDERS when set, else
   ../data/providers.tsv beside the executable (a build tree), else the
   installed DATADIR/rebound/providers.tsv. */
const char *rb_providers_path(void);

/* Loads path; RB_EINPUT when it cannot be read, RB_EFATAL (with the line)
   on a malformed line. */
struct rb_providers *rb_providers_load(const char *path, struct rb_err *err);
void rb_providers_free(struct rb_providers **p);

/* The provider of domain (ASCII case ignored); "other" when none.  The
   result lives as long as p. */
const char *rb_providers_lookup(const struct rb_providers *p,
				const char *domain);

#endif
