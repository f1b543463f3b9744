/* config - the YAML configuration: keys, checks, defaults, secrets */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "input.h"
#include "log.h"
#include "parsers/core/arena.h"
#include "parsers/core/diag.h"
#include "parsers/core/err.h"
#include "parsers/core/str.h"
#include "parsers/core/yaml.h"

#define MAX_SECRET 16384	/* a password or an OAuth token */

struct ctx {
	struct rb_config *c;
	struct rb_diag errs;
	const char *dir;	/* of the config file, with '/'; "" for cwd */
};

static void
bad(struct ctx *x, const struct rb_ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
bad(struct ctx *x, const struct rb_ynode *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rb_diag_add(&x->errs, "%s:%d: %s", x->c->path, n ? n->line : 1, msg);
}

/* A scalar's text, or NULL after an error. */
static const char *
scalar(struct ctx *x, const struct rb_ynode *n, const char *key)
{
	if (n->type != RB_YSCALAR || (n->plain && rb_ynull(n))) {
		bad(x, n, "%s: expected a value, found %s", key,
		    n->type == RB_YSCALAR ? "nothing" :
		    rb_ytype_name(n->type));
		return NULL;
	}
	return n->str;
}

/* A path, made relative to the config file's directory. */
static const char *
path(struct ctx *x, const struct rb_ynode *n, const char *key)
{
	const char *s = scalar(x, n, key);

	if (s == NULL)
		return NULL;
	if (*s == '/' || *x->dir == '\0')
		return s;
	return rb_arena_printf(x->c->a, "%s%s", x->dir, s);
}

static int
boolean(struct ctx *x, const struct rb_ynode *n, const char *key, int *out)
{
	if (n->type != RB_YSCALAR || rb_ybool(n, out) != 0) {
		bad(x, n, "%s: expected true or false", key);
		return -1;
	}
	return 0;
}

static int
number(struct ctx *x, const struct rb_ynode *n, const char *key,
       uint64_t min, uint64_t max, unsigned *out)
{
	uint64_t v;

	if (n->type != RB_YSCALAR || rb_yu64(n, min, max, &v) != 0) {
		bad(x, n, "%s: expected a whole number from %llu to %llu",
		    key, (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int
duration(struct ctx *x, const struct rb_ynode *n, const char *key,
	 int64_t min, int64_t *out)
{
	if (n->type != RB_YSCALAR || rb_yduration(n, out) != 0 ||
	    *out < min) {
		bad(x, n, "%s: expected a duration of at least %llds "
		    "(e.g. 90s, 5m, 1h)", key, (long long)min);
		return -1;
	}
	return 0;
}

/* One of the words in names (NULL-terminated): its index, or -1. */
static int
choice(struct ctx *x, const struct rb_ynode *n, const char *key,
       const char *const *names)
{
	const char *s = scalar(x, n, key);
	char list[128] = "";
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	for (i = 0; names[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? names[i + 1] ? ", " : " or " : "",
			 names[i]);
	bad(x, n, "%s: '%s' is not %s", key, s, list);
	return -1;
}

int
rb_action_parse(const char *s, struct rb_action *out)
{
	out->text = s;
	out->folder = NULL;
	if (strncmp(s, "move:", 5) == 0 && s[5] != '\0' &&
	    strpbrk(s + 5, "\r\n\"\\*%") == NULL) {
		out->kind = RB_AFTER_MOVE;
		out->folder = s + 5;
	} else if (strcmp(s, "seen") == 0) {
		out->kind = RB_AFTER_SEEN;
	} else if (strcmp(s, "delete") == 0) {
		out->kind = RB_AFTER_DELETE;
	} else if (strcmp(s, "keep") == 0) {
		out->kind = RB_AFTER_KEEP;
	} else {
		return -1;
	}
	return 0;
}

static int
action(struct ctx *x, const struct rb_ynode *n, const char *key,
       struct rb_action *out)
{
	const char *s = scalar(x, n, key);

	if (s == NULL)
		return -1;
	if (rb_action_parse(s, out) != 0) {
		bad(x, n, "%s: '%s' is not move:FOLDER, seen, delete or keep "
		    "(a folder name has no \", \\, * or %%)", key, s);
		return -1;
	}
	return 0;
}

static int
valid_name(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && !strchr("._-", *s))
			return 0;
	return 1;
}

int
rb_host_is_loopback(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (rb_strcaseeq(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

static const char *const tls_names[] = {"implicit", "starttls", "none",
					NULL};
static const char *const auth_names[] = {"login", "plain", "xoauth2", NULL};

/* The secret's source: exactly one of the keys, the right one for auth. */
static void
account_secret(struct ctx *x, const struct rb_ynode *m,
	       struct rb_account *ac)
{
	static const char *const keys[] = {"password_env", "password_file",
					   "password_command",
					   "token_command"};
	const struct rb_ynode *v, *found = NULL;
	size_t i, n = 0;

	for (i = 0; i < 4; i++) {
		if ((v = rb_ymap_get(m, keys[i])) == NULL)
			continue;
		n++;
		found = v;
		ac->secret = i == 0 ? RB_SECRET_ENV : i == 1 ? RB_SECRET_FILE :
			     RB_SECRET_COMMAND;
		ac->secret_arg = i == 1 ? path(x, v, keys[i]) :
				 scalar(x, v, keys[i]);
		if (ac->auth == RB_AUTH_XOAUTH2 && i != 3)
			bad(x, v, "%s: auth xoauth2 takes its token from "
			    "token_command", keys[i]);
		if (ac->auth != RB_AUTH_XOAUTH2 && i == 3)
			bad(x, v, "token_command: only for auth: xoauth2");
	}
	if (n == 0)
		bad(x, m, "account '%s': no %s", ac->name ? ac->name : "?",
		    ac->auth == RB_AUTH_XOAUTH2 ? "token_command" :
		    "password_env, password_file or password_command");
	else if (n > 1)
		bad(x, found, "account '%s': give one of password_env, "
		    "password_file, password_command and token_command",
		    ac->name ? ac->name : "?");
	if (ac->secret == RB_SECRET_ENV && ac->secret_arg &&
	    !valid_name(ac->secret_arg))
		bad(x, found, "password_env: '%s' is not a variable name",
		    ac->secret_arg);
}

static void
account(struct ctx *x, const struct rb_ynode *m, struct rb_account *ac)
{
	static const char *const known[] = {
		"name", "host", "port", "tls", "allow_plaintext", "ca_file",
		"username", "password_env", "password_file",
		"password_command", "token_command", "auth", "mailbox",
		"after", "undecoded", "batch_size", "poll_interval",
		"timeout", NULL};
	const struct rb_ynode *v;
	int i, port_given = 0;
	size_t k;

	memset(ac, 0, sizeof(*ac));
	ac->line = m->line;
	ac->mailbox = "INBOX";
	ac->after = (struct rb_action){RB_AFTER_MOVE, "rebound/processed",
				       "move:rebound/processed"};
	ac->undecoded = (struct rb_action){RB_AFTER_MOVE, "rebound/undecoded",
					   "move:rebound/undecoded"};
	ac->batch_size = 100;
	ac->poll_interval = 300;
	ac->timeout = 60;
	if (m->type != RB_YMAP) {
		bad(x, m, "an account: expected a mapping, found %s",
		    rb_ytype_name(m->type));
		return;
	}
	for (k = 0; k < rb_ymap_count(m); k++) {
		const char *key = rb_ymap_key(m, k)->str;

		for (i = 0; known[i] && strcmp(known[i], key) != 0; i++)
			;
		if (known[i] == NULL)
			bad(x, rb_ymap_key(m, k), "unknown account key '%s'",
			    key);
	}
	if ((v = rb_ymap_get(m, "name")) != NULL &&
	    (ac->name = scalar(x, v, "name")) != NULL &&
	    !valid_name(ac->name))
		bad(x, v, "name: '%s': use letters, digits, '.', '_' and "
		    "'-' (at most 64)", ac->name);
	if (v == NULL)
		bad(x, m, "an account has no name");
	if ((v = rb_ymap_get(m, "host")) != NULL)
		ac->host = scalar(x, v, "host");
	else
		bad(x, m, "account '%s': no host", ac->name ? ac->name : "?");
	if ((v = rb_ymap_get(m, "tls")) != NULL &&
	    (i = choice(x, v, "tls", tls_names)) >= 0)
		ac->tls = (enum rb_tls)i;
	if ((v = rb_ymap_get(m, "port")) != NULL) {
		port_given = 1;
		(void)number(x, v, "port", 1, 65535, &ac->port);
	}
	if (!port_given)
		ac->port = ac->tls == RB_TLS_IMPLICIT ? 993 : 143;
	if ((v = rb_ymap_get(m, "allow_plaintext")) != NULL)
		(void)boolean(x, v, "allow_plaintext", &ac->allow_plaintext);
	if (ac->tls == RB_TLS_NONE && !ac->allow_plaintext && ac->host &&
	    !rb_host_is_loopback(ac->host))
		bad(x, rb_ymap_get(m, "tls"), "tls: none sends the password "
		    "in clear to %s; only for a loopback host, or with "
		    "allow_plaintext: true", ac->host);
	if ((v = rb_ymap_get(m, "ca_file")) != NULL) {
		ac->ca_file = path(x, v, "ca_file");
		if (ac->tls == RB_TLS_NONE)
			bad(x, v, "ca_file: given with tls: none");
	}
	if ((v = rb_ymap_get(m, "username")) != NULL)
		ac->username = scalar(x, v, "username");
	else
		bad(x, m, "account '%s': no username",
		    ac->name ? ac->name : "?");
	if ((v = rb_ymap_get(m, "auth")) != NULL &&
	    (i = choice(x, v, "auth", auth_names)) >= 0)
		ac->auth = (enum rb_auth)i;
	account_secret(x, m, ac);
	if ((v = rb_ymap_get(m, "mailbox")) != NULL)
		ac->mailbox = scalar(x, v, "mailbox");
	if ((v = rb_ymap_get(m, "after")) != NULL)
		(void)action(x, v, "after", &ac->after);
	if ((v = rb_ymap_get(m, "undecoded")) != NULL)
		(void)action(x, v, "undecoded", &ac->undecoded);
	if ((v = rb_ymap_get(m, "batch_size")) != NULL)
		(void)number(x, v, "batch_size", 1, 5000, &ac->batch_size);
	if ((v = rb_ymap_get(m, "poll_interval")) != NULL)
		(void)duration(x, v, "poll_interval", 1, &ac->poll_interval);
	if ((v = rb_ymap_get(m, "timeout")) != NULL)
		(void)duration(x, v, "timeout", 1, &ac->timeout);
}

static void
accounts(struct ctx *x, const struct rb_ynode *n)
{
	struct rb_config *c = x->c;
	size_t i, j;

	if (n->type != RB_YSEQ || n->n == 0) {
		bad(x, n, "accounts: expected a list of at least one account");
		return;
	}
	c->acct = rb_arena_array(c->a, n->n, sizeof(*c->acct));
	c->nacct = n->n;
	for (i = 0; i < n->n; i++) {
		account(x, n->kid[i], &c->acct[i]);
		for (j = 0; j < i; j++)
			if (c->acct[i].name && c->acct[j].name &&
			    strcmp(c->acct[i].name, c->acct[j].name) == 0)
				bad(x, n->kid[i], "account '%s' is named "
				    "twice (first at line %d)",
				    c->acct[i].name, c->acct[j].line);
	}
}

/* policy: each key goes to rb_policy_set(); backoff may be a list and
   expire a mapping of reason to duration. */
static void
policy(struct ctx *x, const struct rb_ynode *m)
{
	struct rb_err err;
	size_t i, j;

	if (m->type != RB_YMAP) {
		bad(x, m, "policy: expected a mapping");
		return;
	}
	for (i = 0; i < rb_ymap_count(m); i++) {
		const struct rb_ynode *k = rb_ymap_key(m, i);
		const struct rb_ynode *v = rb_ymap_value(m, i);
		char buf[512] = "";
		const char *val;
		int r;

		if (strcmp(k->str, "expire") == 0) {
			if (v->type != RB_YMAP) {
				bad(x, v, "policy.expire: expected a mapping "
				    "of reason to duration");
				continue;
			}
			for (j = 0; j < rb_ymap_count(v); j++) {
				const char *key = rb_arena_printf(
					x->c->a, "expire.%s",
					rb_ymap_key(v, j)->str);

				val = scalar(x, rb_ymap_value(v, j), key);
				if (val && rb_policy_set(&x->c->policy, key,
							 val, &err) != 0)
					bad(x, rb_ymap_value(v, j), "policy.%s",
					    err.msg);
			}
			continue;
		}
		if (strcmp(k->str, "backoff") == 0 && v->type == RB_YSEQ) {
			for (j = 0; j < v->n; j++) {
				val = scalar(x, v->kid[j], "backoff");
				if (val == NULL)
					break;
				snprintf(buf + strlen(buf),
					 sizeof(buf) - strlen(buf), "%s%s",
					 j ? "," : "", val);
			}
			if (j < v->n)
				continue;
			val = buf;
		} else if ((val = scalar(x, v, k->str)) == NULL) {
			continue;
		}
		r = rb_policy_set(&x->c->policy, k->str, val, &err);
		if (r != 0)
			bad(x, v, "policy.%s", err.msg);
	}
}

static void
rules(struct ctx *x, const struct rb_ynode *n)
{
	struct rb_config *c = x->c;
	size_t i;

	if (n->type == RB_YSCALAR) {
		c->rules = rb_arena_array(c->a, 1, sizeof(*c->rules));
		if ((c->rules[0] = path(x, n, "rules")) != NULL)
			c->nrules = 1;
		return;
	}
	if (n->type != RB_YSEQ) {
		bad(x, n, "rules: expected a directory or a list of them");
		return;
	}
	c->rules = rb_arena_array(c->a, n->n ? n->n : 1, sizeof(*c->rules));
	for (i = 0; i < n->n; i++)
		if ((c->rules[c->nrules] = path(x, n->kid[i], "rules")))
			c->nrules++;
}

/* A fraction: "2%", "0.5 %" or "0.02"; within [0, 1]. */
static int
fraction(struct ctx *x, const struct rb_ynode *n, const char *key,
	 double *out)
{
	const char *s;
	char *end;
	double v;

	if (n->type != RB_YSCALAR || (s = n->str) == NULL || *s == '\0')
		goto fail;
	v = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (*end == '%') {
		v /= 100;
		end++;
	}
	if (end == s || *end != '\0' || !(v >= 0 && v <= 1))
		goto fail;
	*out = v;
	return 0;
fail:
	bad(x, n, "%s: expected a share such as 2%% or 0.02", key);
	return -1;
}

static int
factor(struct ctx *x, const struct rb_ynode *n, const char *key,
       double *out)
{
	char *end;
	double v;

	if (n->type != RB_YSCALAR || n->str == NULL ||
	    (v = strtod(n->str, &end), end == n->str || *end != '\0') ||
	    !(v >= 1 && v <= 1e6)) {
		bad(x, n, "%s: expected a number of at least 1", key);
		return -1;
	}
	*out = v;
	return 0;
}

/* Checks that m is a mapping with only the keys in known (NULL-ended). */
static int
keys(struct ctx *x, const struct rb_ynode *m, const char *what,
     const char *const *known, const char *expected)
{
	size_t i, k;

	if (m->type != RB_YMAP) {
		bad(x, m, "%s: expected a mapping of %s", what, expected);
		return -1;
	}
	for (k = 0; k < rb_ymap_count(m); k++) {
		const char *key = rb_ymap_key(m, k)->str;

		for (i = 0; known[i] && strcmp(known[i], key) != 0; i++)
			;
		if (known[i] == NULL)
			bad(x, rb_ymap_key(m, k), "%s: unknown key '%s' "
			    "(expected %s)", what, key, expected);
	}
	return 0;
}

static void
health(struct ctx *x, const struct rb_ynode *m)
{
	static const char *const known[] = {
		"bounce_rate", "soft_rate", "block_rate", "complaint_rate",
		"min_volume", "window", "spike", "block_min", NULL,
	};
	static const char *const lv[] = {"warn", "critical", NULL};
	static const char *const sk[] = {
		"factor", "critical", "min_count", "baseline_days", NULL,
	};
	struct rb_health_opts *o = &x->c->health;
	const struct rb_ynode *v, *w;
	unsigned u;
	int r;

	if (keys(x, m, "health", known, "bounce_rate, soft_rate, "
		 "block_rate, complaint_rate, min_volume, window, spike and "
		 "block_min") != 0)
		return;
	for (r = 0; r < RB_NRATE; r++) {
		char key[40], sub[60];

		snprintf(key, sizeof(key), "%s_rate", rb_rate_name(r));
		if ((v = rb_ymap_get(m, key)) == NULL ||
		    keys(x, v, key, lv, "warn and critical") != 0)
			continue;
		snprintf(sub, sizeof(sub), "health.%s.warn", key);
		if ((w = rb_ymap_get(v, "warn")) != NULL)
			(void)fraction(x, w, sub, &o->warn[r]);
		snprintf(sub, sizeof(sub), "health.%s.critical", key);
		if ((w = rb_ymap_get(v, "critical")) != NULL)
			(void)fraction(x, w, sub, &o->crit[r]);
		if (o->warn[r] > o->crit[r])
			bad(x, v, "health.%s: warn is above critical", key);
	}
	if ((v = rb_ymap_get(m, "min_volume")) != NULL &&
	    number(x, v, "health.min_volume", 1, 1000000000, &u) == 0)
		o->min_volume = u;
	if ((v = rb_ymap_get(m, "window")) != NULL)
		(void)duration(x, v, "health.window", 3600, &o->window);
	if ((v = rb_ymap_get(m, "block_min")) != NULL &&
	    number(x, v, "health.block_min", 1, 1000000000, &u) == 0)
		o->block_min = u;
	if ((v = rb_ymap_get(m, "spike")) != NULL &&
	    keys(x, v, "health.spike", sk, "factor, critical, min_count "
		 "and baseline_days") == 0) {
		if ((w = rb_ymap_get(v, "factor")) != NULL)
			(void)factor(x, w, "health.spike.factor",
				     &o->spike_factor);
		if ((w = rb_ymap_get(v, "critical")) != NULL)
			(void)factor(x, w, "health.spike.critical",
				     &o->spike_critical);
		if (o->spike_factor > o->spike_critical)
			bad(x, v, "health.spike: factor is above critical");
		if ((w = rb_ymap_get(v, "min_count")) != NULL &&
		    number(x, w, "health.spike.min_count", 1, 1000000000,
			   &u) == 0)
			o->spike_min = u;
		if ((w = rb_ymap_get(v, "baseline_days")) != NULL &&
		    number(x, w, "health.spike.baseline_days", 1, 30,
			   &u) == 0)
			o->baseline_days = (int)u;
	}
}

/* A header name: printable ASCII without ':', space or quotes. */
static int
header_name(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (s[i] <= ' ' || s[i] >= 127 || s[i] == ':' ||
		    s[i] == '"' || s[i] == '\\')
			return 0;
	return i > 0 && i <= 76;
}

/* alert_command: a program, or a list of the program and its
   arguments; never a shell line. */
static void
alert_command(struct ctx *x, const struct rb_ynode *n)
{
	struct rb_config *c = x->c;
	size_t i, argc = n->type == RB_YSEQ ? n->n : 1;

	if (n->type == RB_YMAP || argc == 0) {
		bad(x, n, "alert_command: expected a program or a list of "
		    "the program and its arguments");
		return;
	}
	c->alert_command = rb_arena_array(c->a, argc + 1,
					  sizeof(*c->alert_command));
	for (i = 0; i < argc; i++) {
		const struct rb_ynode *a = n->type == RB_YSEQ ? n->kid[i] : n;
		const char *s = scalar(x, a, "alert_command");

		if (s == NULL) {
			c->alert_command = NULL;
			return;
		}
		c->alert_command[i] = s;
	}
	c->alert_command[argc] = NULL;
	if (n->type == RB_YSCALAR && strchr(c->alert_command[0], ' '))
		bad(x, n, "alert_command: '%s' is run as one program, "
		    "without a shell; give a list [program, arg, ...]",
		    c->alert_command[0]);
}

static void
top(struct ctx *x, const struct rb_ynode *root)
{
	struct rb_config *c = x->c;
	const struct rb_ynode *v;
	size_t i;

	if (root->type != RB_YMAP) {
		bad(x, root, "expected a mapping of database, rules, verp, "
		    "policy and accounts");
		return;
	}
	for (i = 0; i < rb_ymap_count(root); i++) {
		const char *k = rb_ymap_key(root, i)->str;

		if (strcmp(k, "database") && strcmp(k, "rules") &&
		    strcmp(k, "verp") && strcmp(k, "policy") &&
		    strcmp(k, "accounts") && strcmp(k, "health") &&
		    strcmp(k, "campaign_header") &&
		    strcmp(k, "alert_command"))
			bad(x, rb_ymap_key(root, i), "unknown key '%s' "
			    "(expected database, rules, verp, policy, "
			    "accounts, campaign_header, health or "
			    "alert_command)", k);
	}
	if ((v = rb_ymap_get(root, "database")) != NULL)
		c->database = path(x, v, "database");
	if ((v = rb_ymap_get(root, "rules")) != NULL)
		rules(x, v);
	if ((v = rb_ymap_get(root, "verp")) != NULL &&
	    (c->verp = scalar(x, v, "verp")) != NULL &&
	    (strstr(c->verp, "{local}") == NULL ||
	     strstr(c->verp, "{domain}") == NULL))
		bad(x, v, "verp: '%s' needs {local} and {domain}", c->verp);
	if ((v = rb_ymap_get(root, "policy")) != NULL)
		policy(x, v);
	if ((v = rb_ymap_get(root, "campaign_header")) != NULL &&
	    (c->campaign_header = scalar(x, v, "campaign_header")) != NULL &&
	    !header_name(c->campaign_header))
		bad(x, v, "campaign_header: '%s' is not a header name",
		    c->campaign_header);
	if ((v = rb_ymap_get(root, "health")) != NULL)
		health(x, v);
	if ((v = rb_ymap_get(root, "alert_command")) != NULL)
		alert_command(x, v);
	/* Commands other than `run` need no account. */
	if ((v = rb_ymap_get(root, "accounts")) != NULL)
		accounts(x, v);
}

struct rb_config *
rb_config_parse(const char *file, const char *data, size_t len, int quiet,
		size_t *nerr)
{
	struct rb_config *c = rb_xcalloc(1, sizeof(*c));
	struct rb_ynode *root;
	struct ctx x;
	const char *slash;
	size_t i;

	c->a = rb_arena_new();
	c->path = rb_arena_strdup(c->a, file);
	rb_policy_init(&c->policy);
	rb_health_defaults(&c->health);
	memset(&x, 0, sizeof(x));
	x.c = c;
	slash = strrchr(file, '/');
	x.dir = slash ? rb_arena_strndup(c->a, file, (size_t)(slash - file) +
					 1) : "";
	rb_diag_init(&x.errs, c->a, 100);
	root = rb_yaml_parse(c->a, data, len, file, &x.errs);
	if (root != NULL)
		top(&x, root);
	*nerr = x.errs.n + x.errs.dropped;
	for (i = 0; i < x.errs.n && !quiet; i++)
		rb_log(RB_LOG_ERROR, "%s", x.errs.line[i]);
	if (x.errs.dropped && !quiet)
		rb_log(RB_LOG_ERROR, "%s: %zu more errors", file,
		       x.errs.dropped);
	if (*nerr)
		rb_config_free(&c);
	return c;
}

/* Whether someone besides the caller (and root) could change what st
   describes: into why (left alone when it says something already).  A
   sticky directory such as /tmp is fine: others cannot rename or remove
   a file there. */
static void
perms(const struct stat *st, const char *name, int dir, char *why, size_t n)
{
	uid_t me = geteuid();

	if (*why != '\0')
		return;
	if (st->st_uid != me && st->st_uid != 0)
		snprintf(why, n, "%s is owned by uid %u, not by %s", name,
			 (unsigned)st->st_uid, me == 0 ? "root" :
			 "you or root");
	else if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
		 !(dir && (st->st_mode & S_ISVTX)))
		snprintf(why, n, "%s can be written by %s (mode %04o; chmod "
			 "go-w it)", name, (st->st_mode & S_IWOTH) ?
			 "others" : "its group", (unsigned)st->st_mode & 07777);
}

static char *
dir_of(const char *file)
{
	const char *slash = strrchr(file, '/');

	if (slash == NULL)
		return rb_xstrdup(".");
	return rb_xstrndup(file, slash == file ? 1 : (size_t)(slash - file));
}

/* What is wrong with the owner or mode of the configuration file or of
   its directory (the one named and, through a link, the real one), as
   ssh checks its files: into why, "" when nothing is. */
static void
file_perms(const char *file, char *why, size_t n)
{
	char *real, *dir[2];
	struct stat st;
	size_t i;

	*why = '\0';
	if (strcmp(file, "-") == 0)	/* standard input */
		return;
	real = realpath(file, NULL);
	if (stat(file, &st) == 0)
		perms(&st, "it", 0, why, n);
	dir[0] = dir_of(file);
	dir[1] = real ? dir_of(real) : NULL;
	for (i = 0; i < 2 && dir[i] != NULL; i++) {
		char *name = rb_xasprintf("its directory %s", dir[i]);

		if (stat(dir[i], &st) == 0 && S_ISDIR(st.st_mode))
			perms(&st, name, 1, why, n);
		free(name);
		free(dir[i]);
	}
	free(real);
}

/* The first key of c that runs a command, or NULL. */
static const char *
command_key(const struct rb_config *c)
{
	size_t i;

	for (i = 0; i < c->nacct; i++)
		if (c->acct[i].secret == RB_SECRET_COMMAND)
			return c->acct[i].auth == RB_AUTH_XOAUTH2 ?
			       "token_command" : "password_command";
	return c->alert_command != NULL ? "alert_command" : NULL;
}

struct rb_config *
rb_config_load(const char *file, size_t *nerr)
{
	struct rb_config *c;
	struct rb_err err;
	const char *cmd;
	char *data, why[PATH_MAX + 128];
	size_t len;

	if (rb_read_file(file, &data, &len, &err) != 0) {
		rb_log(RB_LOG_ERROR, "%s: %s", file, err.msg);
		*nerr = 1;
		return NULL;
	}
	c = rb_config_parse(file, data, len, 0, nerr);
	free(data);
	/* Whoever can change the file can run commands as rebound's user
	   when it names one; otherwise they can only misdirect it. */
	file_perms(file, why, sizeof(why));
	if (*why == '\0')
		return c;
	if (c != NULL && (cmd = command_key(c)) != NULL) {
		rb_log(RB_LOG_ERROR, "%s: bad permissions: %s; not loaded, "
		       "as its %s would run as this user", file, why, cmd);
		rb_config_free(&c);
		*nerr = 1;
		return NULL;
	}
	rb_log(RB_LOG_WARN, "%s: bad permissions: %s", file, why);
	return c;
}

void
rb_config_free(struct rb_config **cp)
{
	if (*cp == NULL)
		return;
	rb_arena_free(&(*cp)->a);
	free(*cp);
	*cp = NULL;
}

void
rb_secret_free(char **s)
{
	if (*s == NULL)
		return;
	explicit_bzero(*s, strlen(*s));
	free(*s);
	*s = NULL;
}

/* Drops trailing line ends; refuses an empty secret or one with a line end
   or NUL inside (it would break the IMAP command). */
static int
secret_check(char *s, size_t len, const struct rb_account *ac,
	     const char *from, struct rb_err *err)
{
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	if (len == 0 || strlen(s) != len || strpbrk(s, "\r\n") != NULL)
		return rb_fail(err, RB_EFATAL, ac->name,
			       "%s gave %s; expected one line", from,
			       len == 0 ? "nothing" : "several lines or a NUL");
	return 0;
}

static int
secret_command(const struct rb_account *ac, char **out, struct rb_err *err)
{
	const char *what = ac->auth == RB_AUTH_XOAUTH2 ? "token_command" :
			   "password_command";
	char *buf = rb_xmalloc(MAX_SECRET + 1);
	size_t len = 0, n;
	FILE *f;
	int st;

	fflush(NULL);
	if ((f = popen(ac->secret_arg, "r")) == NULL) {
		free(buf);
		return rb_fail(err, RB_EFATAL, ac->name, "%s: cannot run: %s",
			       what, strerror(errno));
	}
	while (len < MAX_SECRET &&
	       (n = fread(buf + len, 1, MAX_SECRET - len, f)) > 0)
		len += n;
	while (fgetc(f) != EOF)	/* let it finish writing */
		len = MAX_SECRET + 1;
	st = pclose(f);
	if (len > MAX_SECRET) {
		explicit_bzero(buf, MAX_SECRET);
		free(buf);
		return rb_fail(err, RB_EFATAL, ac->name, "%s: its output is "
			       "longer than %d bytes", what, MAX_SECRET);
	}
	buf[len] = '\0';
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		explicit_bzero(buf, len);
		free(buf);
		return rb_fail(err, RB_EFATAL, ac->name, "%s failed (exit "
			       "status %d)", what,
			       st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) :
			       -1);
	}
	if (secret_check(buf, len, ac, what, err) != 0) {
		explicit_bzero(buf, len);
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

int
rb_config_secret(const struct rb_account *ac, char **out, struct rb_err *err)
{
	struct stat st;
	const char *v;
	char *data;
	size_t len;

	*out = NULL;
	switch (ac->secret) {
	case RB_SECRET_ENV:
		if ((v = getenv(ac->secret_arg)) == NULL || *v == '\0')
			return rb_fail(err, RB_EFATAL, ac->name,
				       "password_env: $%s is not set",
				       ac->secret_arg);
		*out = rb_xstrdup(v);
		return 0;
	case RB_SECRET_FILE:
		if (rb_read_file(ac->secret_arg, &data, &len, err) != 0) {
			err->cls = RB_EFATAL;
			return -1;
		}
		if (stat(ac->secret_arg, &st) == 0 &&
		    (st.st_mode & (S_IRWXG | S_IRWXO)))
			rb_log(RB_LOG_WARN, "%s: password_file can be read "
			       "by others (chmod 600 it)", ac->secret_arg);
		if (secret_check(data, len, ac, "password_file", err) != 0) {
			explicit_bzero(data, len);
			free(data);
			return -1;
		}
		*out = data;
		return 0;
	case RB_SECRET_COMMAND:
		return secret_command(ac, out, err);
	}
	return rb_fail(err, RB_EFATAL, ac->name, "no secret");
}
