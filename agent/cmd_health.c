/* cmd_health - `rebound health`, `rebound alerts` and `rebound metrics`:
   rates against the providers' limits, spikes, findings, Prometheus text;
   and what they share (hctx.h) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "hctx.h"
#include "health.h"
#include "ledger.h"
#include "log.h"
#include "parsers/core/buf.h"
#include "parsers/core/err.h"
#include "parsers/core/str.h"
#include "providers.h"

#define DAY 86400
#define ALERT_TIMEOUT_MS 60000	/* for alert_command */

/* The shared part */

void
rb_hctx_init(struct rb_hctx *h)
{
	memset(h, 0, sizeof(*h));
	rb_cli_db_init(&h->db);
	rb_health_defaults(&h->opts);
	h->since = -1;
}

/* "7d", "36h", "2w": a time before now, stored as -2 - seconds until
   rb_hctx_open knows now. */
static int
relative(const char *s, int64_t *out)
{
	uint64_t v;
	size_t n = strlen(s);
	int64_t unit;

	if (n < 2 || rb_parse_u64(s, n - 1, 1, 100000, &v) != 0)
		return -1;
	switch (s[n - 1]) {
	case 'h': unit = 3600; break;
	case 'd': unit = DAY; break;
	case 'w': unit = 7 * DAY; break;
	default: return -1;
	}
	*out = -2 - (int64_t)v * unit;
	return 0;
}

int
rb_hctx_opt(struct rb_hctx *h, int c, const char *arg)
{
	if (c == 's') {
		if (relative(arg, &h->since) == 0)
			return 0;
		return rb_cli_time("--since", arg, &h->since);
	}
	if (c == 'p') {
		h->providers = arg;
		return 0;
	}
	return rb_cli_db_opt(&h->db, c, arg);
}

int
rb_hctx_args(struct rb_hctx *h, int argc, char **argv,
	     const struct option *opts, const char *usage, rb_hctx_own_fn own,
	     void *ctx)
{
	int c, bad = 0;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return RB_EX_OK;
		}
		if (c == '?')
			bad = 1;
		else if (RB_HCTX_OPT(c))
			bad |= rb_hctx_opt(h, c, optarg) != 0;
		else
			bad |= own(ctx, c, optarg) != 0;
	}
	if (bad || optind != argc) {
		fputs(usage, stderr);
		return RB_EX_USAGE;
	}
	return -1;
}

int
rb_hctx_path_opt(void *ctx, int c, const char *arg)
{
	(void)c;
	*(const char **)ctx = arg;
	return 0;
}

int
rb_hctx_open(struct rb_hctx *h, int64_t default_window)
{
	struct rb_err err;
	char msg[800];
	int rc;

	if (rb_cli_config(&h->db, &h->cfg) != 0)
		return RB_EX_CONFIG;
	rb_cli_db_use_config(&h->db, h->cfg);
	if (h->cfg != NULL) {
		h->opts = h->cfg->health;
		h->campaign_header = h->cfg->campaign_header;
		h->alert_command = h->cfg->alert_command;
	}
	if (h->since == -1)
		h->since = h->db.now - (default_window > 0 ?
					default_window : h->opts.window);
	else if (h->since < -1)
		h->since = h->db.now + 2 + h->since;
	if (h->since >= h->db.now) {
		rb_log(RB_LOG_ERROR, "--since is not before now");
		return RB_EX_USAGE;
	}
	h->prov = rb_providers_load(h->providers ? h->providers :
				    rb_providers_path(), &err);
	if (h->prov == NULL) {
		rb_log(RB_LOG_ERROR, "%s", rb_err_str(&err, msg, sizeof(msg)));
		return err.cls == RB_EINPUT ? RB_EX_NOINPUT : RB_EX_DATAERR;
	}
	if ((h->l = rb_cli_open(&h->db, 0, &rc)) == NULL)
		return rc;
	rb_err_clear(&err);
	h->d = rb_health_load(h->l, &h->opts, h->since, h->db.now,
			      h->campaign_header, h->prov, &err);
	if (h->d == NULL)
		return rb_cli_fail(h->l, &err);
	return -1;
}

void
rb_hctx_close(struct rb_hctx *h)
{
	rb_health_free(&h->d);
	rb_ledger_free(&h->l);
	rb_providers_free(&h->prov);
	rb_config_free(&h->cfg);
}

int
rb_write_atomic(const char *path, const char *data, size_t len, int mode)
{
	const char *slash;
	char tmp[4096];
	size_t off = 0;
	int fd;

	if (strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout)) {
			rb_log(RB_LOG_ERROR, "standard output: %s",
			       strerror(errno));
			return -1;
		}
		return 0;
	}
	slash = strrchr(path, '/');
	if ((size_t)snprintf(tmp, sizeof(tmp), "%.*s.%s.tmp.%ld",
			     slash ? (int)(slash - path + 1) : 0, path,
			     slash ? slash + 1 : path, (long)getpid()) >=
	    sizeof(tmp)) {
		rb_log(RB_LOG_ERROR, "%s: the path is too long", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		rb_log(RB_LOG_ERROR, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	return 0;
fail:
	rb_log(RB_LOG_ERROR, "%s: %s", fd >= 0 ? tmp : path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

/* Formatting */

static const char *
kind_name(enum rb_fkind k)
{
	return k == RB_FK_RATE ? "rate" : k == RB_FK_SPIKE ? "spike" :
	       "sender";
}

/* The findings as a JSON document (alerts --format json, alert_command). */
static void
findings_json(struct rb_buf *b, const struct rb_hctx *h,
	      const struct rb_finding *f, size_t n, enum rb_level worst)
{
	char now[21], since[21];
	size_t i;

	rb_iso8601(h->db.now, now);
	rb_iso8601(h->since, since);
	rb_buf_addf(b, "{\"now\":\"%s\",\"since\":\"%s\",\"status\":\"%s\","
		    "\"volumes\":%s,\"findings\":[", now, since,
		    n ? rb_level_name(worst) : "ok",
		    rb_health_has_volumes(h->d) ? "true" : "false");
	for (i = 0; i < n; i++) {
		const struct rb_finding *x = &f[i];

		rb_buf_addf(b, "%s{\"level\":\"%s\",\"kind\":\"%s\","
			    "\"scope\":\"%s\",\"name\":", i ? "," : "",
			    rb_level_name(x->level), kind_name(x->kind),
			    x->scope);
		rb_buf_add_jsons(b, x->name);
		rb_buf_adds(b, ",\"metric\":");
		rb_buf_add_jsons(b, x->metric);
		rb_buf_adds(b, ",\"reason\":");
		rb_buf_add_jsons(b, x->reason);
		rb_buf_addf(b, ",\"count\":%lld,\"reason_count\":%lld,"
			    "\"value\":%.6g,\"threshold\":%.6g",
			    (long long)x->count, (long long)x->reason_count,
			    x->value, x->threshold);
		if (x->kind == RB_FK_SPIKE)
			rb_buf_addf(b, ",\"baseline\":%.6g", x->baseline);
		if (x->kind == RB_FK_RATE)
			rb_buf_addf(b, ",\"sent\":%lld", (long long)x->sent);
		rb_buf_adds(b, ",\"domains\":");
		rb_buf_add_jsons(b, x->domains);
		rb_buf_adds(b, ",\"hint\":");
		rb_buf_add_jsons(b, x->hint);
		rb_buf_adds(b, ",\"text\":");
		rb_buf_add_jsons(b, x->text);
		rb_buf_addc(b, '}');
	}
	rb_buf_adds(b, "]}\n");
}

static void
findings_text(FILE *fp, const struct rb_hctx *h, const struct rb_finding *f,
	      size_t n)
{
	size_t i, warn = 0, crit = 0;
	char since[21];

	for (i = 0; i < n; i++) {
		fprintf(fp, "%-8s %s\n", f[i].level == RB_LV_CRIT ?
			"CRITICAL" : "WARN", f[i].text);
		if (*f[i].domains)
			fprintf(fp, "         domains: %s\n", f[i].domains);
		if (*f[i].hint)
			fprintf(fp, "         hint: %s\n", f[i].hint);
		if (f[i].level == RB_LV_CRIT)
			crit++;
		else
			warn++;
	}
	rb_iso8601(h->since, since);
	if (n == 0)
		fprintf(fp, "no findings since %s%s\n", since,
			rb_health_has_volumes(h->d) ? "" :
			" (no send volumes: rates were not judged)");
	else
		fprintf(fp, "%zu finding(s): %zu critical, %zu warn\n", n,
			crit, warn);
}

/* rebound health */

static const char health_usage[] =
"usage: rebound health [--since TIME] [--by all|provider|domain|campaign|day]\n"
"                      [--format table|csv|jsonl] [--providers FILE]\n"
"\n"
"Rates of the window against the thresholds of the configuration's\n"
"health section (defaults: bounce 2% warn, 5% critical; soft 5%/10%;\n"
"block 1%/2%; complaint 0.1%/0.3%), one row per group with ok, warn or\n"
"critical.  The bounce rate counts hard bounces and the soft bounces with\n"
"which the policy gave an address up (chronic); the denominators are the\n"
"volumes recorded with `rebound sent`.  Without them the counts are shown\n"
"and the rates are '-'.  A row with fewer than health.min_volume (100)\n"
"messages sent is shown but not judged (n/a).  The table ends with the\n"
"findings of `rebound alerts`.  TIME may also be 30d, 12h or 2w.\n"
"\n"
RB_HCTX_USAGE
RB_CLI_DB_USAGE
"\n"
"Exit status: 0 done; 64 usage; 66 no database or providers file; 78 a\n"
"bad configuration; 65, 74, 75 as for ingest.\n";

static const struct rb_col health_cols[] = {
	{"group", 0}, {"sent", 1}, {"hard", 1}, {"chronic", 1}, {"soft", 1},
	{"block", 1}, {"complaint", 1}, {"bounce_rate", 1},
	{"soft_rate", 1}, {"block_rate", 1}, {"complaint_rate", 1},
	{"status", 0}, {"top_reason", 0},
};

struct health_args {
	enum rb_fmt fmt;
	enum rb_hby by;
};

static int
health_opt(void *ctx, int c, const char *arg)
{
	struct health_args *a = ctx;

	if (c == 'f')
		return rb_fmt_parse(arg, &a->fmt);
	if (rb_hby_parse(arg, &a->by) != 0) {
		rb_log(RB_LOG_ERROR, "--by: '%s' is not all, provider, domain, "
		       "campaign or day", arg);
		return -1;
	}
	return 0;
}

int
rb_cmd_health(int argc, char **argv)
{
	static const struct option opts[] = {
		RB_CLI_DB_OPTS, RB_HCTX_OPTS,
		{"by", required_argument, NULL, 'b'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct health_args a = {RB_FMT_TABLE, RB_BY_ALL};
	const struct rb_hrow *rows;
	struct rb_hctx h;
	struct rb_out *out;
	size_t i, n;
	int rc;

	rb_hctx_init(&h);
	if ((rc = rb_hctx_args(&h, argc, argv, opts, health_usage, health_opt,
			       &a)) >= 0)
		return rc;
	if ((rc = rb_hctx_open(&h, 0)) >= 0)
		goto done;
	rows = rb_health_rows(h.d, a.by, &n);
	out = rb_out_new(a.fmt, health_cols,
			 sizeof(health_cols) / sizeof(health_cols[0]));
	for (i = 0; i < n; i++) {
		const struct rb_hrow *r = &rows[i];
		char num[6][24], rate[RB_NRATE][40], st[40];
		const char *v[13];
		int k;

		snprintf(num[0], sizeof(num[0]), "%lld", (long long)r->sent);
		snprintf(num[1], sizeof(num[1]), "%lld", (long long)r->hard);
		snprintf(num[2], sizeof(num[2]), "%lld",
			 (long long)r->chronic);
		snprintf(num[3], sizeof(num[3]), "%lld", (long long)r->soft);
		snprintf(num[4], sizeof(num[4]), "%lld", (long long)r->block);
		snprintf(num[5], sizeof(num[5]), "%lld",
			 (long long)r->complaint);
		for (k = 0; k < RB_NRATE; k++) {
			char p[24];

			if (r->rate[k] < 0) {
				snprintf(rate[k], sizeof(rate[k]), "%s",
					 a.fmt == RB_FMT_TABLE ? "-" : "null");
				continue;
			}
			if (a.fmt != RB_FMT_TABLE) {
				snprintf(rate[k], sizeof(rate[k]), "%.6g",
					 r->rate[k]);
				continue;
			}
			rb_health_pct(r->rate[k], p, sizeof(p));
			snprintf(rate[k], sizeof(rate[k]), "%s%s%s", p,
				 r->level[k] == RB_LV_OK ? "" : " ",
				 r->level[k] == RB_LV_OK ? "" :
				 rb_level_name(r->level[k]));
		}
		snprintf(st, sizeof(st), "%s", r->sent == 0 ?
			 "needs volumes" : rb_level_name(r->worst));
		v[0] = r->key;
		for (k = 0; k < 6; k++)
			v[1 + k] = num[k];
		for (k = 0; k < RB_NRATE; k++)
			v[7 + k] = rate[k];
		v[11] = st;
		v[12] = r->top_reason;
		rb_out_row(out, v);
	}
	rc = rb_out_end(&out) == 0 ? RB_EX_OK : RB_EX_IOERR;
	if (a.fmt == RB_FMT_TABLE && rc == RB_EX_OK) {
		const struct rb_finding *f;

		if (!rb_health_has_volumes(h.d))
			printf("\nnote: no send volumes are recorded in the "
			       "window; rates need them (rebound sent record, "
			       "rebound sent import)\n");
		else if ((a.by == RB_BY_PROVIDER || a.by == RB_BY_DOMAIN) &&
			 !rb_health_has_domain_volumes(h.d))
			printf("\nnote: the send volumes name no recipient "
			       "domain; rates per %s need them (sent "
			       "--domain)\n", a.by == RB_BY_DOMAIN ? "domain" :
			       "provider");
		f = rb_health_findings(h.d, &n);
		printf("\n");
		findings_text(stdout, &h, f, n);
		if (fflush(stdout) != 0)
			rc = RB_EX_IOERR;
	}
done:
	rb_hctx_close(&h);
	return rc;
}

/* rebound alerts */

static const char alerts_usage[] =
"usage: rebound alerts [--format text|json] [--no-command] [--since TIME]\n"
"                      [--providers FILE]\n"
"\n"
"The current findings: rates of all mail and of each provider over the\n"
"window at or above their warn or critical thresholds; soft and block\n"
"spikes of a provider or domain in the last 24 hours against the median\n"
"of its days before (health.spike); and providers that refused the\n"
"sender (class block) at least health.block_min times in the last 24\n"
"hours, with the reason and what usually fixes it.  When there are\n"
"findings and the configuration has an alert_command, it is run (no\n"
"shell) with the JSON document on its standard input.\n"
"\n"
"  --format text|json  people's text (default) or one JSON document\n"
"  --no-command    do not run alert_command\n"
RB_HCTX_USAGE
RB_CLI_DB_USAGE
"\n"
"Exit status: 0 no findings; 1 warnings; 2 something critical; 3 the\n"
"alert_command failed (the findings are printed all the same); 64\n"
"usage; 66 no database or providers file; 78 a bad configuration; 65,\n"
"74, 75 as for ingest.\n";

/* Runs argv with data on its standard input; 0 when it exits 0. */
static int
run_command(const char *const *argv, const char *data, size_t len)
{
	int pfd[2], status, waited = 0;
	size_t off = 0;
	pid_t pid;
	void (*old)(int);

	if (pipe(pfd) != 0) {
		rb_log(RB_LOG_ERROR, "alert_command: pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		rb_log(RB_LOG_ERROR, "alert_command: fork: %s",
		       strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[0], 0);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "rebound: alert_command: %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(pfd[0]);
	old = signal(SIGPIPE, SIG_IGN);
	(void)fcntl(pfd[1], F_SETFL, O_NONBLOCK);
	while (off < len && waited < ALERT_TIMEOUT_MS) {
		struct pollfd p = {pfd[1], POLLOUT, 0};
		ssize_t w;

		if (poll(&p, 1, 100) == 0) {
			waited += 100;
			continue;
		}
		w = write(pfd[1], data + off, len - off);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w < 0)
			break;	/* it closed its input: fine */
		off += (size_t)w;
	}
	close(pfd[1]);
	signal(SIGPIPE, old);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		struct timespec ts = {0, 50 * 1000000};

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			rb_log(RB_LOG_ERROR, "alert_command: %s",
			       strerror(errno));
			return -1;
		}
		if (waited >= ALERT_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			rb_log(RB_LOG_ERROR, "alert_command: %s did not end "
			       "within %d s; killed", argv[0],
			       ALERT_TIMEOUT_MS / 1000);
			return -1;
		}
		nanosleep(&ts, NULL);
		waited += 50;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		rb_log(RB_LOG_ERROR, "alert_command: %s exited with %d",
		       argv[0], WEXITSTATUS(status));
	else
		rb_log(RB_LOG_ERROR, "alert_command: %s was killed by signal "
		       "%d", argv[0], WTERMSIG(status));
	return -1;
}

struct alerts_args {
	int json, nocmd;
};

static int
alerts_opt(void *ctx, int c, const char *arg)
{
	struct alerts_args *a = ctx;

	if (c == 'n') {
		a->nocmd = 1;
		return 0;
	}
	if (strcmp(arg, "json") != 0 && strcmp(arg, "text") != 0) {
		rb_log(RB_LOG_ERROR, "--format: '%s' is not text or json", arg);
		return -1;
	}
	a->json = strcmp(arg, "json") == 0;
	return 0;
}

int
rb_cmd_alerts(int argc, char **argv)
{
	static const struct option opts[] = {
		RB_CLI_DB_OPTS, RB_HCTX_OPTS,
		{"format", required_argument, NULL, 'f'},
		{"no-command", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct rb_finding *f;
	enum rb_level worst = RB_LV_OK;
	struct rb_hctx h;
	struct rb_buf b;
	struct alerts_args a = {0, 0};
	size_t i, n;
	int rc;

	rb_hctx_init(&h);
	if ((rc = rb_hctx_args(&h, argc, argv, opts, alerts_usage, alerts_opt,
			       &a)) >= 0)
		return rc;
	if ((rc = rb_hctx_open(&h, 0)) >= 0)
		goto done;
	f = rb_health_findings(h.d, &n);
	for (i = 0; i < n; i++)
		if (f[i].level > worst)
			worst = f[i].level;
	rb_buf_init(&b, (size_t)64 << 20);
	findings_json(&b, &h, f, n, worst);
	if (a.json)
		fputs(rb_buf_str(&b), stdout);
	else
		findings_text(stdout, &h, f, n);
	rc = worst == RB_LV_CRIT ? 2 : worst == RB_LV_WARN ? 1 : 0;
	if (fflush(stdout) != 0) {
		rb_log(RB_LOG_ERROR, "standard output: %s", strerror(errno));
		rc = RB_EX_IOERR;
	}
	if (n > 0 && h.alert_command != NULL && !a.nocmd &&
	    run_command(h.alert_command, b.p, b.len) != 0)
		rc = 3;
	rb_buf_deinit(&b);
done:
	rb_hctx_close(&h);
	return rc;
}

/* rebound metrics */

static const char metrics_usage[] =
"usage: rebound metrics [--textfile FILE] [--since TIME] [--providers FILE]\n"
"\n"
"Writes the Prometheus text exposition of the ledger: counters of events\n"
"by class, by reason and by provider, of messages and of send volumes;\n"
"gauges of the suppression list, the retry ledger, the undecoded\n"
"messages, and the rates, thresholds and findings of the window (as\n"
"`rebound health` and `alerts` judge them).  --textfile writes FILE\n"
"atomically (a temporary file beside it, then rename) for\n"
"node_exporter's textfile collector; without it the text goes to\n"
"standard output.\n"
"\n"
"  --textfile FILE  where to write (e.g.\n"
"                  /var/lib/prometheus/node-exporter/rebound.prom)\n"
RB_HCTX_USAGE
RB_CLI_DB_USAGE
"\n"
"Exit status: 0 done; 64 usage; 66 no database or providers file; 73\n"
"FILE cannot be written; 78 a bad configuration; 65, 74, 75 as for\n"
"ingest.\n";

/* A label value, escaped for the text format (\\, \" and \n). */
static void
label(struct rb_buf *b, const char *name, const char *v)
{
	rb_buf_addf(b, "%s=\"", name);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			rb_buf_addc(b, '\\'), rb_buf_addc(b, *v);
		else if (*v == '\n')
			rb_buf_adds(b, "\\n");
		else
			rb_buf_addc(b, *v);
	}
	rb_buf_addc(b, '"');
}

static void
family(struct rb_buf *b, const char *name, const char *type,
       const char *help)
{
	rb_buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Sums of (class, reason, domain) rows: kept as parallel lists. */
struct tally {
	char **k1, **k2;
	int64_t *n;
	size_t len, cap;
};

static void
tally_add(struct tally *t, const char *k1, const char *k2, int64_t n)
{
	size_t i;

	for (i = 0; i < t->len; i++)
		if (strcmp(t->k1[i], k1) == 0 && strcmp(t->k2[i], k2) == 0) {
			t->n[i] += n;
			return;
		}
	if (t->len == t->cap) {
		t->cap = t->cap * 2 + 16;
		t->k1 = rb_xreallocarray(t->k1, t->cap, sizeof(*t->k1));
		t->k2 = rb_xreallocarray(t->k2, t->cap, sizeof(*t->k2));
		t->n = rb_xreallocarray(t->n, t->cap, sizeof(*t->n));
	}
	t->k1[t->len] = rb_xstrdup(k1);
	t->k2[t->len] = rb_xstrdup(k2);
	t->n[t->len++] = n;
}

static void
tally_free(struct tally *t)
{
	size_t i;

	for (i = 0; i < t->len; i++) {
		free(t->k1[i]);
		free(t->k2[i]);
	}
	free(t->k1);
	free(t->k2);
	free(t->n);
	memset(t, 0, sizeof(*t));
}

struct met {
	const struct rb_providers *prov;
	struct tally cls, reason, provider, supp, retry;
	int64_t messages, last, undecoded;
};

static int
met_event(void *ctx, const struct rb_val *c, size_t n)
{
	struct met *m = ctx;
	const char *dom = rb_val_str(&c[2]);

	(void)n;
	tally_add(&m->cls, rb_val_str(&c[0]), "", rb_val_int(&c[3]));
	tally_add(&m->reason, rb_val_str(&c[0]), rb_val_str(&c[1]),
		  rb_val_int(&c[3]));
	tally_add(&m->provider, *dom ? rb_providers_lookup(m->prov, dom) :
		  "none", rb_val_str(&c[0]), rb_val_int(&c[3]));
	return 0;
}

static int
met_pair(void *ctx, const struct rb_val *c, size_t n)
{
	struct tally *t = ctx;

	if (n == 3)
		tally_add(t, rb_val_str(&c[0]), rb_val_str(&c[1]),
			  rb_val_int(&c[2]));
	else
		tally_add(t, rb_val_str(&c[0]), "", rb_val_int(&c[1]));
	return 0;
}

static int
met_messages(void *ctx, const struct rb_val *c, size_t n)
{
	struct met *m = ctx;

	(void)n;
	m->messages = rb_val_int(&c[0]);
	m->last = rb_val_int(&c[1]);
	m->undecoded = rb_val_int(&c[2]);
	return 0;
}

static void
metrics_text(struct rb_buf *b, struct rb_hctx *h, struct met *m,
	     int64_t sent)
{
	static const char *const classes[] = {
		"hard", "soft", "block", "complaint", "delayed", "delivered",
		"autoreply", "unknown",
	};
	const struct rb_finding *f;
	const struct rb_hrow *rows;
	size_t i, j, n;
	int k, lv[2] = {0, 0}, worst = 0;

	family(b, "rebound_events_total", "counter",
	       "Bounce records in the ledger (one per recipient per bounce), "
	       "by class.");
	for (j = 0; j < sizeof(classes) / sizeof(classes[0]); j++) {
		int64_t v = 0;

		for (i = 0; i < m->cls.len; i++)
			if (strcmp(m->cls.k1[i], classes[j]) == 0)
				v = m->cls.n[i];
		rb_buf_adds(b, "rebound_events_total{");
		label(b, "class", classes[j]);
		rb_buf_addf(b, "} %lld\n", (long long)v);
	}
	family(b, "rebound_events_by_reason_total", "counter",
	       "Bounce records by class and reason.");
	for (i = 0; i < m->reason.len; i++) {
		rb_buf_adds(b, "rebound_events_by_reason_total{");
		label(b, "class", m->reason.k1[i]);
		rb_buf_addc(b, ',');
		label(b, "reason", *m->reason.k2[i] ? m->reason.k2[i] :
		      "none");
		rb_buf_addf(b, "} %lld\n", (long long)m->reason.n[i]);
	}
	family(b, "rebound_events_by_provider_total", "counter",
	       "Bounce records by recipient mailbox provider and class.");
	for (i = 0; i < m->provider.len; i++) {
		rb_buf_adds(b, "rebound_events_by_provider_total{");
		label(b, "provider", m->provider.k1[i]);
		rb_buf_addc(b, ',');
		label(b, "class", m->provider.k2[i]);
		rb_buf_addf(b, "} %lld\n", (long long)m->provider.n[i]);
	}
	family(b, "rebound_messages_total", "counter",
	       "Bounce messages ingested.");
	rb_buf_addf(b, "rebound_messages_total %lld\n",
		    (long long)m->messages);
	family(b, "rebound_sent_messages_total", "counter",
	       "Messages sent, as recorded with rebound sent.");
	rb_buf_addf(b, "rebound_sent_messages_total %lld\n", (long long)sent);
	family(b, "rebound_undecoded_messages", "gauge",
	       "Messages with something no rule decoded.");
	rb_buf_addf(b, "rebound_undecoded_messages %lld\n",
		    (long long)m->undecoded);
	family(b, "rebound_last_ingest_timestamp_seconds", "gauge",
	       "When the newest bounce was ingested (0: never).");
	rb_buf_addf(b, "rebound_last_ingest_timestamp_seconds %lld\n",
		    (long long)(m->last < 0 ? 0 : m->last));
	family(b, "rebound_suppressions", "gauge",
	       "Addresses on the suppression list, by class and origin.");
	for (i = 0; i < m->supp.len; i++) {
		rb_buf_adds(b, "rebound_suppressions{");
		label(b, "class", m->supp.k1[i]);
		rb_buf_addc(b, ',');
		label(b, "origin", m->supp.k2[i]);
		rb_buf_addf(b, "} %lld\n", (long long)m->supp.n[i]);
	}
	family(b, "rebound_retry_addresses", "gauge",
	       "Addresses in the soft-bounce retry ledger, by state.");
	for (i = 0; i < m->retry.len; i++) {
		rb_buf_adds(b, "rebound_retry_addresses{");
		label(b, "state", m->retry.k1[i]);
		rb_buf_addf(b, "} %lld\n", (long long)m->retry.n[i]);
	}
	rows = rb_health_rows(h->d, RB_BY_ALL, &n);
	family(b, "rebound_health_rate", "gauge",
	       "Rates of the health window (events / messages sent); absent "
	       "without send volumes.");
	for (k = 0; k < RB_NRATE; k++)
		if (n > 0 && rows[0].rate[k] >= 0) {
			rb_buf_adds(b, "rebound_health_rate{");
			label(b, "rate", rb_rate_name(k));
			rb_buf_addf(b, "} %.9g\n", rows[0].rate[k]);
		}
	family(b, "rebound_health_threshold", "gauge",
	       "The configured thresholds of the rates.");
	for (k = 0; k < RB_NRATE; k++) {
		rb_buf_adds(b, "rebound_health_threshold{");
		label(b, "rate", rb_rate_name(k));
		rb_buf_addf(b, ",level=\"warn\"} %.9g\n", h->opts.warn[k]);
		rb_buf_adds(b, "rebound_health_threshold{");
		label(b, "rate", rb_rate_name(k));
		rb_buf_addf(b, ",level=\"critical\"} %.9g\n", h->opts.crit[k]);
	}
	f = rb_health_findings(h->d, &n);
	for (i = 0; i < n; i++) {
		lv[f[i].level == RB_LV_CRIT]++;
		if ((int)f[i].level > worst)
			worst = (int)f[i].level;
	}
	family(b, "rebound_health_findings", "gauge",
	       "Findings of rebound alerts, by level.");
	rb_buf_addf(b, "rebound_health_findings{level=\"warn\"} %d\n"
		    "rebound_health_findings{level=\"critical\"} %d\n",
		    lv[0], lv[1]);
	family(b, "rebound_health_status", "gauge",
	       "0 ok, 1 warn, 2 critical: the exit status of rebound "
	       "alerts.");
	rb_buf_addf(b, "rebound_health_status %d\n",
		    worst == RB_LV_CRIT ? 2 : worst == RB_LV_WARN ? 1 : 0);
}

int
rb_cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
		RB_CLI_DB_OPTS, RB_HCTX_OPTS,
		{"textfile", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *textfile = "-";
	struct met m;
	struct rb_hctx h;
	struct rb_err err;
	struct rb_buf b;
	int64_t sent = 0;
	int rc;

	rb_hctx_init(&h);
	memset(&m, 0, sizeof(m));
	if ((rc = rb_hctx_args(&h, argc, argv, opts, metrics_usage,
			       rb_hctx_path_opt, &textfile)) >= 0)
		return rc;
	if ((rc = rb_hctx_open(&h, 0)) >= 0)
		goto done;
	m.prov = h.prov;
	rb_err_clear(&err);
	if (rb_ledger_run(h.l, RB_Q_MET_EVENTS, RB_NOARGS, met_event, &m,
			  &err) < 0 ||
	    rb_ledger_run(h.l, RB_Q_MET_SUPP, RB_NOARGS, met_pair, &m.supp,
			  &err) < 0 ||
	    rb_ledger_run(h.l, RB_Q_MET_RETRY, RB_NOARGS, met_pair, &m.retry,
			  &err) < 0 ||
	    rb_ledger_run(h.l, RB_Q_MET_MESSAGES, RB_NOARGS, met_messages, &m,
			  &err) < 0) {
		rc = rb_cli_fail(h.l, &err);
		goto done;
	}
	if (rb_ledger_int(h.l, RB_Q_SENT_TOTAL, RB_NOARGS, &sent, &err) < 0) {
		rc = rb_cli_fail(h.l, &err);
		goto done;
	}
	rb_buf_init(&b, (size_t)256 << 20);
	metrics_text(&b, &h, &m, sent);
	rc = b.err ? RB_EX_SOFTWARE :
	     rb_write_atomic(textfile, b.p, b.len, 0644) == 0 ? RB_EX_OK :
	     strcmp(textfile, "-") == 0 ? RB_EX_IOERR : RB_EX_CANTCREAT;
	rb_buf_deinit(&b);
done:
	tally_free(&m.cls);
	tally_free(&m.reason);
	tally_free(&m.provider);
	tally_free(&m.supp);
	tally_free(&m.retry);
	rb_hctx_close(&h);
	return rc;
}
