/*
 * config - the YAML configuration of `rebound run` (and the defaults every
 * command takes from it)
 *
 * One file: the database, rule directories, the VERP pattern, the policy
 * numbers and one or more IMAP accounts.  Every key is checked: an unknown
 * key, a missing one or a bad value is an error "FILE:LINE: what is
 * expected", and all of them are reported, not only the first.  Relative
 * paths (database, rules, ca_file, password_file) are taken from the
 * directory of the configuration file, so that cron's working directory
 * does not matter.
 *
 * Secrets never sit in the file: a password comes from password_env,
 * password_file or password_command, an XOAUTH2 token from token_command,
 * and they are read only when an account connects (rb_config_secret()).
 * Nothing here logs them.
 *
 *   database: rebound.db
 *   rules: [rules.d]                 # optional, before the shipped rules
 *   verp: 'bounces+{local}={domain}@example.org'
 *   policy: {soft_limit: 5, backoff: [15m, 1h, 4h], expire: {mailboxfull: 30d}}
 *   accounts:
 *     - name: bounces                # letters, digits, . _ -
 *       host: imap.example.org
 *       port: 993                    # 993 for implicit TLS, else 143
 *       tls: implicit                # implicit | starttls | none
 *       allow_plaintext: false       # tls none away from loopback
 *       ca_file: /etc/ssl/private-ca.pem   # else the system store
 *       username: bounces@example.org
 *       password_env: REBOUND_IMAP_PASSWORD  # or password_file,
 *                                              password_command
 *       auth: login                  # login | plain | xoauth2
 *       token_command: CMD           # xoauth2 only
 *       mailbox: INBOX
 *       after: move:rebound/processed        # move:F | seen | delete | keep
 *       undecoded: move:rebound/undecoded
 *       batch_size: 100
 *       poll_interval: 5m            # when the server has no IDLE
 *       timeout: 60s                 # per network operation
 *   campaign_header: X-Campaign-Id   # kept from returned messages
 *   health: {bounce_rate: {warn: 2%, critical: 5%}, min_volume: 100,
 *            window: 7d, spike: {factor: 3, critical: 10, min_count: 20,
 *            baseline_days: 7}, block_min: 10}
 *   alert_command: [/usr/local/bin/notify, --to, ops]   # JSON on stdin
 */
#ifndef REBOUND_AGENT_CONFIG_H
#define REBOUND_AGENT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "health.h"
#include "policy.h"

struct rb_arena;
struct rb_err;

enum rb_tls { RB_TLS_IMPLICIT, RB_TLS_STARTTLS, RB_TLS_NONE };
enum rb_auth { RB_AUTH_LOGIN, RB_AUTH_PLAIN, RB_AUTH_XOAUTH2 };
enum rb_after { RB_AFTER_MOVE, RB_AFTER_SEEN, RB_AFTER_DELETE,
		RB_AFTER_KEEP };

struct rb_action {
	enum rb_after kind;
	const char *folder;	/* for move: "rebound/processed" */
	const char *text;	/* as written: "move:rebound/processed" */
};

enum rb_secret { RB_SECRET_ENV, RB_SECRET_FILE, RB_SECRET_COMMAND };

struct rb_account {
	const char *name;
	const char *host;
	unsigned port;
	enum rb_tls tls;
	int allow_plaintext;
	const char *ca_file;	/* NULL: the system trust store */
	const char *username;
	enum rb_auth auth;
	enum rb_secret secret;	/* where the password or token is */
	const char *secret_arg;	/* the variable, file or command */
	const char *mailbox;
	struct rb_action after, undecoded;
	unsigned batch_size;
	int64_t poll_interval;	/* seconds */
	int64_t timeout;	/* seconds */
	int line;		/* where it starts in the file */
};

struct rb_config {
	struct rb_arena *a;
	const char *path;
	const char *database;	/* NULL: none given */
	const char **rules;
	size_t nrules;
	const char *verp;	/* NULL: none */
	struct rb_policy policy;
	struct rb_account *acct;
	size_t nacct;
	const char *campaign_header;	/* NULL: none */
	struct rb_health_opts health;
	const char **alert_command;	/* argv, NULL-terminated; NULL:
					   none */
};

/* Reads and checks path.  NULL after logging every error (*nerr of
   them) as "FILE:LINE: what"; an unreadable file is one error.  When the
   file or its directory can be written by group or others (a sticky
   directory excepted) or is owned by another user than the caller or
   root, a file with password_command, token_command or alert_command is
   one error ("bad permissions"), any other a warning. */
struct rb_config *rb_config_load(const char *path, size_t *nerr);
/* The same on data already read (named file in messages); quiet: errors
   are only counted. */
struct rb_config *rb_config_parse(const char *file, const char *data,
				  size_t len, int quiet, size_t *nerr);
void rb_config_free(struct rb_config **c);

/* The account's password (or XOAUTH2 token) into a malloc'd string the
   caller wipes with rb_secret_free().  -1 with *err (RB_EFATAL) when it
   cannot be had; the message never holds the secret. */
int rb_config_secret(const struct rb_account *ac, char **out,
		     struct rb_err *err);
void rb_secret_free(char **s);

/* "move:FOLDER", "seen", "delete" or "keep" into *out (which points into
   s): 0, or -1 for anything else (a folder name may not hold CR, LF, ",
   \, * or %). */
int rb_action_parse(const char *s, struct rb_action *out);

/* 1 for localhost, 127.0.0.0/8 and ::1. */
int rb_host_is_loopback(const char *host);

#endif
