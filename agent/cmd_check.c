/* cmd_check - `rebound check`: may this address be mailed now? */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cli.h"
#include "cmd.h"
#include "ledger.h"
#include "log.h"
#include "parsers/core/err.h"
#include "policy.h"

static const char usage[] =
"usage: rebound check [--db FILE] [--config FILE] [--now TIME]\n"
"                     [--wait SECONDS] ADDRESS...\n"
"\n"
"Prints one line per ADDRESS (- reads them from standard input, one a\n"
"line):\n"
"  ADDRESS sendable [(why)]\n"
"  ADDRESS suppressed since TIME because CLASS REASON (evidence)\n"
"  ADDRESS retry after TIME (N soft bounces, last REASON)\n"
"\n"
RB_CLI_DB_USAGE
"\n"
"Exit status: 0 all sendable; 1 one or more suppressed; 2 none suppressed\n"
"but one or more to be retried later; 64 usage; 66 no database; 65, 74,\n"
"75 as for ingest.\n";

enum verdict { SENDABLE, SUPPRESSED, DEFERRED };

struct look {
	int64_t now;
	int found;
	enum verdict v;
	char line[1200];
	struct rb_retry r;
	char reason[64];
};

static int
supp_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct look *k = ctx;
	int64_t expires = rb_val_int(&c[6]);
	char since[21], ev[900];

	if (expires >= 0 && expires <= k->now)
		return 1;
	k->found = 1;
	k->v = SUPPRESSED;
	rb_cli_iso(rb_val_int(&c[2]), since);
	rb_cli_evidence(c, ev, sizeof(ev));
	/* "because hard userunknown"; "because manual" when they agree */
	snprintf(k->line, sizeof(k->line), "suppressed since %s because %s%s"
		 "%s (%s)", since, rb_val_str(&c[0]),
		 strcmp(rb_val_str(&c[0]), rb_val_str(&c[1])) ? " " : "",
		 strcmp(rb_val_str(&c[0]), rb_val_str(&c[1])) ?
		 rb_val_str(&c[1]) : "", ev);
	return 1;
}

static int
retry_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct look *k = ctx;

	rb_apply_retry_row(c, &k->r);
	snprintf(k->reason, sizeof(k->reason), "%s", rb_val_str(&c[8]));
	return 1;
}

static void
retry_line(struct look *k)
{
	char t[21];

	k->v = SENDABLE;
	switch (rb_retry_state(&k->r, k->now)) {
	case RB_RS_WAIT:
		k->v = DEFERRED;
		rb_cli_iso(k->r.next, t);
		snprintf(k->line, sizeof(k->line), "retry after %s (%u soft "
			 "bounce%s, last %s)", t, k->r.count,
			 k->r.count == 1 ? "" : "s", k->reason);
		break;
	case RB_RS_DUE:
		rb_cli_iso(k->r.next, t);
		snprintf(k->line, sizeof(k->line), "sendable (retry due since "
			 "%s, %u soft bounce%s)", t, k->r.count,
			 k->r.count == 1 ? "" : "s");
		break;
	case RB_RS_EXPIRED:
		rb_cli_iso(k->r.give_up, t);
		snprintf(k->line, sizeof(k->line), "sendable (retries given up "
			 "at %s after %u soft bounce%s)", t, k->r.count,
			 k->r.count == 1 ? "" : "s");
		break;
	default:
		snprintf(k->line, sizeof(k->line), "sendable");
		break;
	}
}

/* Prints the line for one address; -1 when the ledger failed. */
static int
check_one(struct rb_ledger *l, char *addr, int64_t now, enum verdict *v,
	  struct rb_err *err)
{
	struct look k;

	memset(&k, 0, sizeof(k));
	k.now = now;
	rb_cli_addr(addr);
	if (rb_ledger_run(l, RB_Q_SUPP_SHOW, RB_ARGS(RB_VTEXT(addr)),
			  supp_row, &k, err) < 0)
		return -1;
	if (!k.found) {
		if (rb_ledger_run(l, RB_Q_RETRY_GET, RB_ARGS(RB_VTEXT(addr)),
				  retry_row, &k, err) < 0)
			return -1;
		retry_line(&k);
	}
	printf("%s %s\n", addr, k.line);
	*v = k.v;
	return 0;
}

static int
check_stdin(struct rb_ledger *l, int64_t now, int seen[3],
	    struct rb_err *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	enum verdict v;
	int rc = 0;

	while (rc == 0 && (n = getline(&line, &cap, stdin)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
				 line[n - 1] == ' '))
			line[--n] = '\0';
		if (n == 0)
			continue;
		if ((rc = check_one(l, line, now, &v, err)) == 0)
			seen[v] = 1;
	}
	free(line);
	return rc;
}

int
rb_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		RB_CLI_DB_OPTS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct rb_cli_db db;
	struct rb_ledger *l;
	struct rb_err err;
	int c, i, rc = 0, seen[3] = {0, 0, 0};
	enum verdict v;

	rb_cli_db_init(&db);
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return RB_EX_OK;
		}
		if (c == '?' || rb_cli_db_opt(&db, c, optarg) != 0) {
			fputs(usage, stderr);
			return RB_EX_USAGE;
		}
	}
	if (optind == argc) {
		fputs(usage, stderr);
		return RB_EX_USAGE;
	}
	if ((l = rb_cli_open(&db, 0, &rc)) == NULL)
		return rc;
	rb_err_clear(&err);
	for (i = optind; i < argc && rc == 0; i++) {
		if (strcmp(argv[i], "-") == 0)
			rc = check_stdin(l, db.now, seen, &err);
		else if ((rc = check_one(l, argv[i], db.now, &v, &err)) == 0)
			seen[v] = 1;
	}
	rc = rc != 0 ? rb_cli_fail(l, &err) : seen[SUPPRESSED] ? 1 :
	     seen[DEFERRED] ? 2 : RB_EX_OK;
	rb_ledger_free(&l);
	if (fflush(stdout) != 0)
		return RB_EX_IOERR;
	return rc;
}
