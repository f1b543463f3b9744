/* cmd_report - `rebound stats` and `rebound undecoded`: counts for the
   reports, and the bounces nothing could decode for the rule authors */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "ledger.h"
#include "log.h"
#include "parsers/core/err.h"
#include "parsers/core/str.h"
#include "providers.h"

static const char stats_usage[] =
"usage: rebound stats [--since TIME] [--by class|reason|domain|provider|day]\n"
"                     [--class CLASS] [--format table|csv|jsonl]\n"
"                     [--providers FILE]\n"
"\n"
"Counts the events (one per recipient per bounce) since TIME (default:\n"
"all), grouped by class (the default), reason, recipient domain,\n"
"mailbox provider or day, with each group's share.  --class counts only\n"
"that class (e.g. --class block --by domain).  Providers come from\n"
"data/providers.tsv (--providers or $REBOUND_PROVIDERS for another).\n"
"\n"
RB_CLI_DB_USAGE
"\n"
"Exit status: 0 done; 64 usage; 66 no database (or no providers file);\n"
"65, 74, 75 as for ingest.\n";

static const char undec_usage[] =
"usage: rebound undecoded [list] [--format table|csv|jsonl]\n"
"       rebound undecoded show N\n"
"\n"
"list prints the bounces nothing could decode (no decoder read them, or\n"
"no rule decided their reason); show prints the kept raw message N.\n"
"\n"
RB_CLI_DB_USAGE
"\n"
"Exit status: 0 done; 1 no undecoded message N; 64 usage; 66 no\n"
"database; 65 the kept bytes are damaged; 74, 75 as for ingest.\n";

struct group {
	char *key;
	int64_t count;
};

struct stats {
	const struct rb_providers *prov;
	struct group *g;
	size_t n;
	int64_t total;
};

static void
add_group(struct stats *s, const char *key, int64_t count)
{
	size_t i;

	s->total += count;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->g[i].key, key) == 0) {
			s->g[i].count += count;
			return;
		}
	s->g = rb_xreallocarray(s->g, s->n + 1, sizeof(*s->g));
	s->g[s->n].key = rb_xstrdup(key);
	s->g[s->n++].count = count;
}

static int
group_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct stats *s = ctx;
	const char *key = rb_val_str(&c[0]);

	if (s->prov != NULL)
		key = rb_providers_lookup(s->prov, key);
	add_group(s, *key ? key : "(none)", rb_val_int(&c[1]));
	return 0;
}

static int
cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void
print_stats(struct stats *s, enum rb_fmt fmt, const char *by)
{
	/* JSON lines: count and share (percent) are numbers */
	const struct rb_col cols[] = {{by, 0}, {"count", 1}, {"share", 1}};
	struct rb_out *o = rb_out_new(fmt, cols, 3);
	char cnt[24], share[16];
	const char *v[3];
	size_t i;

	qsort(s->g, s->n, sizeof(*s->g), cmp_group);
	for (i = 0; i <= s->n; i++) {
		int64_t c = i < s->n ? s->g[i].count : s->total;

		if (i == s->n && fmt != RB_FMT_TABLE)
			break;
		snprintf(cnt, sizeof(cnt), "%lld", (long long)c);
		snprintf(share, sizeof(share), "%.1f%s",
			 s->total ? 100.0 * (double)c / (double)s->total : 0.0,
			 fmt == RB_FMT_JSONL ? "" : "%");
		v[0] = i < s->n ? s->g[i].key : "total";
		v[1] = cnt;
		v[2] = share;
		rb_out_row(o, v);
	}
	(void)rb_out_end(&o);
	for (i = 0; i < s->n; i++)
		free(s->g[i].key);
	free(s->g);
}

static int
stats_run(const struct rb_cli_db *db, enum rb_lq q, const char *by,
	  int64_t since, const char *cls, enum rb_fmt fmt,
	  const struct rb_providers *prov)
{
	struct stats s = {prov, NULL, 0, 0};
	struct rb_ledger *l;
	struct rb_err err;
	int rc;

	if ((l = rb_cli_open(db, 0, &rc)) == NULL)
		return rc;
	rb_err_clear(&err);
	if (rb_ledger_run(l, q, RB_ARGS(RB_VINT(since), RB_VTEXT(cls)),
			  group_row, &s, &err) < 0) {
		rc = rb_cli_fail(l, &err);
		free(s.g);
	} else {
		print_stats(&s, fmt, by);
		rc = ferror(stdout) ? RB_EX_IOERR : RB_EX_OK;
	}
	rb_ledger_free(&l);
	return rc;
}

static int
by_query(const char *by, enum rb_lq *q)
{
	static const struct { const char *name; enum rb_lq q; } t[] = {
		{"class", RB_Q_STATS_CLASS}, {"reason", RB_Q_STATS_REASON},
		{"domain", RB_Q_STATS_DOMAIN}, {"provider", RB_Q_STATS_DOMAIN},
		{"day", RB_Q_STATS_DAY},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(by, t[i].name) == 0) {
			*q = t[i].q;
			return 0;
		}
	rb_log(RB_LOG_ERROR, "--by: '%s' is not class, reason, domain, "
	       "provider or day", by);
	return -1;
}

int
rb_cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		RB_CLI_DB_OPTS,
		{"since", required_argument, NULL, 's'},
		{"by", required_argument, NULL, 'b'},
		{"class", required_argument, NULL, 'c'},
		{"format", required_argument, NULL, 'f'},
		{"providers", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct rb_cli_db db;
	const char *by = "class", *cls = "", *ppath = NULL;
	struct rb_providers *prov = NULL;
	enum rb_fmt fmt = RB_FMT_TABLE;
	int64_t since = 0;
	enum rb_lq q;
	int c, bad = 0, rc;

	rb_cli_db_init(&db);
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(stats_usage, stdout);
			return RB_EX_OK;
		} else if (c == 's') {
			bad |= rb_cli_time("--since", optarg, &since) != 0;
		} else if (c == 'b') {
			by = optarg;
		} else if (c == 'c') {
			cls = optarg;
		} else if (c == 'f') {
			bad |= rb_fmt_parse(optarg, &fmt) != 0;
		} else if (c == 'p') {
			ppath = optarg;
		} else if (c == '?' || rb_cli_db_opt(&db, c, optarg) != 0) {
			bad = 1;
		}
	}
	if (bad || optind != argc || by_query(by, &q) != 0) {
		fputs(stats_usage, stderr);
		return RB_EX_USAGE;
	}
	if (strcmp(by, "provider") == 0) {
		struct rb_err err;
		char msg[800];

		prov = rb_providers_load(ppath ? ppath : rb_providers_path(),
					 &err);
		if (prov == NULL) {
			rb_log(RB_LOG_ERROR, "%s",
			       rb_err_str(&err, msg, sizeof(msg)));
			return err.cls == RB_EINPUT ? RB_EX_NOINPUT :
			       RB_EX_DATAERR;
		}
	}
	rc = stats_run(&db, q, by, since, cls, fmt, prov);
	rb_providers_free(&prov);
	return rc;
}

static int
undec_row(void *ctx, const struct rb_val *c, size_t n)
{
	char id[24], t[21];
	const char *v[9];
	size_t i;

	snprintf(id, sizeof(id), "%lld", (long long)rb_val_int(&c[0]));
	rb_cli_iso(rb_val_int(&c[1]), t);
	v[0] = id;
	v[1] = t;
	for (i = 2; i < 8; i++)
		v[i] = rb_val_str(&c[i]);
	v[8] = rb_val_int(&c[8]) == 1 ? "yes" : "no";
	rb_out_row(ctx, v);
	return 0;
}

static int
undec_show(struct rb_ledger *l, const char *arg, struct rb_err *err)
{
	uint64_t id;

	if (rb_parse_u64(arg, strlen(arg), 1, INT64_MAX, &id) < 0) {
		rb_log(RB_LOG_ERROR, "undecoded show: '%s' is not a number",
		       arg);
		return RB_EX_USAGE;
	}
	return rb_cli_show_raw(l, RB_Q_UNDEC_RAW, RB_VINT(id), arg, err);
}

int
rb_cmd_undecoded(int argc, char **argv)
{
	static const struct option opts[] = {
		RB_CLI_DB_OPTS,
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const struct rb_col cols[] = {
		{"id", 1}, {"time", 0}, {"source", 0}, {"why", 0},
		{"message_id", 0}, {"recipient", 0}, {"status", 0},
		{"diagnostic", 0}, {"raw", 0},
	};
	int shift = argc > 1 && argv[1][0] != '-', c, rc;
	const char *sub = shift ? argv[1] : "list";
	enum rb_fmt fmt = RB_FMT_TABLE;
	struct rb_cli_db db;
	struct rb_ledger *l;
	struct rb_out *o;
	struct rb_err err;

	rb_cli_db_init(&db);
	argc -= shift;
	argv += shift;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(undec_usage, stdout);
			return RB_EX_OK;
		}
		if ((c == 'f' && rb_fmt_parse(optarg, &fmt) == 0) ||
		    (c != 'f' && c != '?' &&
		     rb_cli_db_opt(&db, c, optarg) == 0))
			continue;
		fputs(undec_usage, stderr);
		return RB_EX_USAGE;
	}
	if (!((strcmp(sub, "list") == 0 && optind == argc) ||
	      (strcmp(sub, "show") == 0 && optind + 1 == argc))) {
		fputs(undec_usage, stderr);
		return RB_EX_USAGE;
	}
	if ((l = rb_cli_open(&db, 0, &rc)) == NULL)
		return rc;
	rb_err_clear(&err);
	if (strcmp(sub, "show") == 0) {
		rc = undec_show(l, argv[optind], &err);
	} else {
		o = rb_out_new(fmt, cols, 9);
		rc = rb_ledger_run(l, RB_Q_UNDEC_LIST, RB_NOARGS, undec_row, o,
				   &err) < 0 ? rb_cli_fail(l, &err) : RB_EX_OK;
		if (rb_out_end(&o) != 0 && rc == RB_EX_OK)
			rc = RB_EX_IOERR;
	}
	rb_ledger_free(&l);
	return rc;
}
