/* cmd_ingest - `rebound ingest` and `rebound replay`: bounces into the
   ledger, and past bounces read again with the current rules */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "input.h"
#include "ledger.h"
#include "log.h"
#include "parsers/bounce.h"
#include "parsers/core/err.h"
#include "parsers/rules.h"
#include "policy.h"
#include "procs.h"
#include "prepq.h"
#include "ruleset.h"

static const char ingest_usage[] =
"usage: rebound ingest [--db FILE] [--config FILE] [--rules DIR]...\n"
"                      [--verp PATTERN]\n"
"                      [--policy KEY=VALUE]... [--quiet] [--now TIME]\n"
"                      [--wait SECONDS] [--jobs N] PATH...\n"
"\n"
"Parses bounces (the inputs of `rebound parse`) and applies them to the\n"
"ledger in input order, one transaction per batch of up to 128 messages;\n"
"a message already in the ledger (same content or Message-ID) is skipped.\n"
"Prints a summary.\n"
"\n"
"  --rules DIR     add a rule directory (or file) before the shipped rules\n"
"  --verp PATTERN  the VERP Return-Path, e.g.\n"
"                  'bounces+{local}={domain}@example.org'\n"
"  --policy K=V    change a policy number (see rebound(1)), repeatable\n"
"  --quiet         no progress bar\n"
"  --jobs N        parse on N threads (default: the cores; 1: none); the\n"
"                  ledger is the same, messages are applied in order\n"
RB_CLI_DB_USAGE
"\n"
"Exit status: 0 done; 66 a PATH could not be read (the others were\n"
"ingested); 64 usage; 78 the rules or --policy are wrong; 65 the database\n"
"is damaged or not rebound's; 77 it is read-only; 75 it is locked;\n"
"74 I/O error.\n";

static const char replay_usage[] =
"usage: rebound replay [--db FILE] [--config FILE] [--rules DIR]...\n"
"                      [--verp PATTERN]\n"
"                      [--policy KEY=VALUE]... [--since TIME] [--apply]\n"
"                      [--now TIME] [--wait SECONDS]\n"
"\n"
"Reads the kept raw bounces (dated TIME or later) again with the current\n"
"rules, rebuilds the suppression list and the retry ledger from the whole\n"
"history, and prints what would change.  --apply makes it so.\n"
"\n"
"  --rules DIR     add a rule directory (or file) before the shipped rules\n"
"  --verp PATTERN  the VERP Return-Path pattern\n"
"  --policy K=V    change a policy number, repeatable\n"
"  --since TIME    parse again only the bounces dated TIME or later\n"
"  --apply         commit the changes\n"
RB_CLI_DB_USAGE
"\n"
"Exit status: 0 done; 64 usage; 78 rules; 65, 66, 74, 75, 77 as for\n"
"ingest.\n";

/* What ingest and replay share. */
struct setup {
	struct rb_cli_db db;
	struct rb_policy pol;
	const char **dirs;
	size_t ndirs;
	const char *verp;
	const char **kv;	/* --policy KEY=VALUE, applied after the
				   configuration's policy */
	size_t nkv;
	struct rb_config *cfg;
	int quiet, apply;
	int jobs;
	int64_t since;
	struct rb_rules *rs;
	struct rb_parser *p;
};

static const struct option opts[] = {
	RB_CLI_DB_OPTS,
	{"rules", required_argument, NULL, 'r'},
	{"verp", required_argument, NULL, 'v'},
	{"policy", required_argument, NULL, 'P'},
	{"quiet", no_argument, NULL, 'q'},
	{"since", required_argument, NULL, 's'},
	{"apply", no_argument, NULL, 'a'},
	{"jobs", required_argument, NULL, 'J'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Returns -1 to go on, else the exit status. */
static int
options(struct setup *s, int argc, char **argv, int replay,
	const char *usage)
{
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (RB_CLI_DB_OPT(c)) {
			if (rb_cli_db_opt(&s->db, c, optarg) != 0)
				return RB_EX_USAGE;
		} else if (c == 'r') {
			rb_cmd_add_dir(&s->dirs, &s->ndirs, optarg);
		} else if (c == 'v') {
			if (!rb_verp_valid(optarg)) {
				rb_log(RB_LOG_ERROR, "--verp: '%s' needs "
				       "{local} and {domain} once each",
				       optarg);
				return RB_EX_USAGE;
			}
			s->verp = optarg;
		} else if (c == 'P') {
			rb_cmd_add_dir(&s->kv, &s->nkv, optarg);
		} else if (c == 'q' && !replay) {
			s->quiet = 1;
		} else if (c == 's' && replay) {
			if (rb_cli_time("--since", optarg, &s->since) != 0)
				return RB_EX_USAGE;
		} else if (c == 'a' && replay) {
			s->apply = 1;
		} else if (c == 'J' && !replay) {
			if (rb_cli_jobs(optarg, &s->jobs) != 0)
				return RB_EX_USAGE;
		} else if (c == 'h') {
			fputs(usage, stdout);
			return RB_EX_OK;
		} else {
			fputs(usage, stderr);
			return RB_EX_USAGE;
		}
	}
	return -1;
}

/* The configuration's rules (after those of --rules), VERP pattern (unless
   --verp) and policy (under --policy). */
static int
configure(struct setup *s)
{
	struct rb_err err;
	size_t i;

	if (rb_cli_config(&s->db, &s->cfg) != 0)
		return RB_EX_CONFIG;
	rb_cli_db_use_config(&s->db, s->cfg);
	if (s->cfg != NULL) {
		s->pol = s->cfg->policy;
		if (s->verp == NULL)
			s->verp = s->cfg->verp;
		for (i = 0; i < s->cfg->nrules; i++)
			rb_cmd_add_dir(&s->dirs, &s->ndirs, s->cfg->rules[i]);
	}
	for (i = 0; i < s->nkv; i++)
		if (rb_policy_set_kv(&s->pol, s->kv[i], &err) != 0) {
			rb_log(RB_LOG_ERROR, "--policy: %s", err.msg);
			return RB_EX_CONFIG;
		}
	return -1;
}

static int
load_rules(struct setup *s)
{
	struct rb_parse_opts po = {NULL, 0, 0};
	size_t nerr;

	s->rs = rb_ruleset_load(s->dirs, s->ndirs, 1, 0, &nerr);
	if (s->rs == NULL) {
		rb_log(RB_LOG_ERROR, "%zu error(s) in the rules", nerr);
		return RB_EX_CONFIG;
	}
	if (s->cfg != NULL && s->cfg->campaign_header != NULL) {
		po.headers = &s->cfg->campaign_header;
		po.nheaders = 1;
	}
	s->p = rb_parser_new(s->rs, &po);
	return -1;
}

static void
setup_deinit(struct setup *s)
{
	rb_parser_free(&s->p);
	rb_rules_free(&s->rs);
	free(s->dirs);
	free(s->kv);
	rb_config_free(&s->cfg);
}

/* What both commands do first: options, then the configuration.  -1 to
   go on, else the exit status (s is then deinitialised). */
static int
setup_begin(struct setup *s, int argc, char **argv, int replay,
	    const char *usage)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->jobs = rb_procs_cores();
	rb_cli_db_init(&s->db);
	rb_policy_init(&s->pol);
	if ((rc = options(s, argc, argv, replay, usage)) >= 0 ||
	    (rc = configure(s)) >= 0) {
		setup_deinit(s);
		return rc;
	}
	return -1;
}

/* At most this many messages are parsed together (and RB_BATCH_BYTES). */
#define BATCH_MESSAGES 128

struct run {
	struct rb_apply *ap;
	struct rb_err err;
	int failed;		/* the ledger failed: stop */
	struct rb_progress bar;
	struct rb_prepq *q;
};

static int
applied(void *ctx, uint64_t tag, enum rb_apply_outcome outcome,
	struct rb_err *err)
{
	struct run *r = ctx;

	(void)tag;
	(void)outcome;
	(void)err;
	rb_progress_show(&r->bar, rb_apply_sum(r->ap)->messages);
	return 0;
}

static int
one(void *ctx, const char *source, const char *data, size_t len)
{
	struct run *r = ctx;

	if (rb_prepq_add(r->q, source, data, len, 0, &r->err) != 0) {
		r->failed = 1;
		return -1;
	}
	return 0;
}

static int
count_one(void *ctx, const char *source, const char *data, size_t len)
{
	(*(size_t *)ctx)++;
	return 0;
}

/* Messages in all the paths, when it is worth a progress bar. */
static size_t
count_all(char **paths, int n)
{
	size_t total = 0, unreadable = 0;
	int i;

	for (i = 0; i < n; i++) {
		struct rb_err err;

		if (strcmp(paths[i], "-") == 0)
			return 0;
		(void)rb_input_each(paths[i], count_one, &total, &unreadable,
				    &err);
	}
	return total >= 1000 ? total : 0;
}

static void
summary(const struct rb_apply_sum *s)
{
	int i;

	printf("messages: %zu (new %zu, duplicates skipped %zu, "
	       "undecoded %zu)\n", s->messages, s->fresh, s->dups,
	       s->undecoded);
	printf("records: %zu (", s->records);
	for (i = 0; i < RB_CL_NONE; i++)
		printf("%s%s %zu", i ? ", " : "", rb_class_name(i),
		       s->by_class[i]);
	printf(")\nnew suppressions: %zu\n",
	       s->by_effect[RB_FX_SUPPRESSED]);
	printf("retry ledger: %zu deferred, %zu given up, %zu reset\n",
	       s->by_effect[RB_FX_RETRY], s->by_effect[RB_FX_EXPIRED],
	       s->by_effect[RB_FX_RESET]);
}

static int
ingest_paths(struct setup *s, struct rb_ledger *l, char **paths, int n)
{
	struct rb_apply_opts ao = {&s->pol, s->verp, s->db.now};
	struct run r;
	size_t unreadable = 0;
	int i, rc = RB_EX_OK;

	memset(&r, 0, sizeof(r));
	r.ap = rb_apply_new(l, s->p, &ao);
	r.q = rb_prepq_new(r.ap, s->jobs, BATCH_MESSAGES, 1, applied, &r);
	if (!s->quiet && isatty(STDERR_FILENO))
		r.bar.total = count_all(paths, n);
	r.bar.shown = -1;
	for (i = 0; i < n && !r.failed; i++) {
		struct rb_err err;

		rb_err_clear(&err);
		if (rb_input_each(paths[i], one, &r, &unreadable, &err) != 0 &&
		    !r.failed) {
			char msg[800];

			rb_log(RB_LOG_ERROR, "%s",
			       rb_err_str(&err, msg, sizeof(msg)));
			rc = RB_EX_NOINPUT;
		}
	}
	if (!r.failed && rb_prepq_flush(r.q, &r.err) != 0)
		r.failed = 1;
	rb_progress_end(&r.bar);
	rb_prepq_free(&r.q);
	if (!r.failed && rb_apply_prune(r.ap, &r.err) != 0)
		r.failed = 1;
	summary(rb_apply_sum(r.ap));
	if (r.failed)
		rc = rb_cli_fail(l, &r.err);
	else if (unreadable)
		rc = RB_EX_NOINPUT;
	rb_apply_free(&r.ap);
	if (fflush(stdout) != 0 && rc == RB_EX_OK)
		rc = RB_EX_IOERR;
	return rc;
}

int
rb_cmd_ingest(int argc, char **argv)
{
	struct setup s;
	struct rb_ledger *l;
	int rc;

	if ((rc = setup_begin(&s, argc, argv, 0, ingest_usage)) >= 0)
		return rc;
	if (optind == argc) {
		fputs("rebound ingest: no PATH given\n", stderr);
		fputs(ingest_usage, stderr);
		setup_deinit(&s);
		return RB_EX_USAGE;
	}
	l = rb_cli_open(&s.db, RB_LEDGER_CREATE | RB_LEDGER_WRITE |
			RB_LEDGER_RELAXED, &rc);
	if (l != NULL) {
		if ((rc = load_rules(&s)) < 0)
			rc = ingest_paths(&s, l, argv + optind,
					  argc - optind);
		rb_ledger_free(&l);
	}
	setup_deinit(&s);
	return rc;
}

static int
diff_supp(void *ctx, const struct rb_val *c, size_t n)
{
	char since[21];

	(*(size_t *)ctx)++;
	rb_cli_iso(rb_val_int(&c[5]), since);
	if (c[1].type == RB_V_NULL)
		printf("+ suppress %s (%s %s since %s)\n", rb_val_str(&c[0]),
		       rb_val_str(&c[3]), rb_val_str(&c[4]), since);
	else if (c[3].type == RB_V_NULL)
		printf("- suppress %s (was %s %s)\n", rb_val_str(&c[0]),
		       rb_val_str(&c[1]), rb_val_str(&c[2]));
	else
		printf("~ suppress %s: %s %s -> %s %s\n", rb_val_str(&c[0]),
		       rb_val_str(&c[1]), rb_val_str(&c[2]),
		       rb_val_str(&c[3]), rb_val_str(&c[4]));
	return 0;
}

static void
retry_desc(const struct rb_val *c, char *out, size_t n)
{
	char t[21];

	if (c[0].type == RB_V_NULL) {
		snprintf(out, n, "none");
		return;
	}
	rb_cli_iso(rb_val_int(&c[2]), t);
	snprintf(out, n, "%s, %lld soft, next %s", rb_val_str(&c[0]),
		 (long long)rb_val_int(&c[1]), *t ? t : "none");
}

static int
diff_retry(void *ctx, const struct rb_val *c, size_t n)
{
	char was[96], now[96];

	(*(size_t *)ctx)++;
	retry_desc(c + 1, was, sizeof(was));
	retry_desc(c + 4, now, sizeof(now));
	printf("%c ledger %s: %s -> %s\n", c[1].type == RB_V_NULL ? '+' :
	       c[4].type == RB_V_NULL ? '-' : '~', rb_val_str(&c[0]), was,
	       now);
	return 0;
}

static int
replay(struct setup *s, struct rb_ledger *l)
{
	struct rb_apply_opts ao = {&s->pol, s->verp, s->db.now};
	struct rb_apply *ap = rb_apply_new(l, s->p, &ao);
	size_t reparsed, nsupp = 0, nretry = 0;
	struct rb_err err;
	int rc = RB_EX_OK;

	rb_err_clear(&err);
	if (rb_apply_replay(ap, s->since, &reparsed, &err) != 0 ||
	    rb_ledger_run(l, RB_Q_DIFF_SUPP, RB_NOARGS, diff_supp, &nsupp,
			  &err) < 0 ||
	    rb_ledger_run(l, RB_Q_DIFF_RETRY, RB_NOARGS, diff_retry, &nretry,
			  &err) < 0 ||
	    (s->apply && rb_ledger_commit(l, &err) != 0)) {
		rb_ledger_rollback(l);
		rc = rb_cli_fail(l, &err);
	} else {
		if (!s->apply)
			rb_ledger_rollback(l);
		printf("replay: %zu messages, %zu parsed again; %zu "
		       "suppression and %zu ledger changes%s\n",
		       rb_apply_sum(ap)->messages, reparsed, nsupp, nretry,
		       s->apply ? ", applied" : nsupp + nretry ?
		       "; not applied (--apply makes it so)" : "");
	}
	rb_apply_free(&ap);
	return rc;
}

int
rb_cmd_replay(int argc, char **argv)
{
	struct setup s;
	struct rb_ledger *l;
	int rc;

	if ((rc = setup_begin(&s, argc, argv, 1, replay_usage)) >= 0)
		return rc;
	if (optind != argc) {
		fputs(replay_usage, stderr);
		setup_deinit(&s);
		return RB_EX_USAGE;
	}
	l = rb_cli_open(&s.db, RB_LEDGER_WRITE, &rc);
	if (l != NULL) {
		if ((rc = load_rules(&s)) < 0)
			rc = replay(&s, l);
		rb_ledger_free(&l);
	}
	setup_deinit(&s);
	return rc;
}
