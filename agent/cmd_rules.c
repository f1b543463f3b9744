/* cmd_rules - `rebound rules check|test|explain|list` */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "input.h"
#include "log.h"
#include "parsers/bounce.h"
#include "parsers/core/arena.h"
#include "parsers/core/buf.h"
#include "parsers/core/diag.h"
#include "parsers/core/err.h"
#include "parsers/rules.h"
#include "parsers/ruletest.h"
#include "ruleset.h"

static const char usage[] =
"usage: rebound rules check [DIR|FILE]...\n"
"       rebound rules test [DIR|FILE]...\n"
"       rebound rules explain [--rules DIR]... MESSAGE\n"
"       rebound rules list [--rules DIR]...\n"
"\n"
"  check    validate rule files: every error as FILE:LINE:COL, and every\n"
"           rule must carry examples.  Without arguments, the shipped\n"
"           rules; with them, those files on top of the shipped rules\n"
"  test     run the examples of the given rules (all shipped rules\n"
"           without arguments) and report every mismatch\n"
"  explain  show which decoders and rules were tried on one message\n"
"           (a file, or - for stdin), what they found and why\n"
"  list     the rules in effect, in the order they are tried\n"
"\n"
"Exit status: 0 ok, 1 errors or failed examples, 64 usage, 66 MESSAGE\n"
"unreadable, 78 the rules do not load.\n";

/* Example files: relative to the rule file's directory, then to its
   parent (the shipped rules name fixtures/... from the repository). */
static int
read_example(void *ctx, const char *rule_file, const char *path,
	     char **data, size_t *len, char *msg, size_t msglen)
{
	struct rb_err err;
	char *dup = rb_xstrdup(rule_file), *dir = dirname(dup), *full;
	int rc = -1, k;

	(void)ctx;
	for (k = 0; k < 2 && rc != 0; k++) {
		full = path[0] == '/' ? rb_xstrdup(path) :
			rb_xasprintf("%s%s/%s", dir, k ? "/.." : "", path);
		rc = rb_read_file(full, data, len, &err);
		free(full);
	}
	if (rc != 0)
		snprintf(msg, msglen, "%s", err.msg);
	free(dup);
	return rc;
}

static int
check(int argc, char **argv)
{
	size_t nerr, k;
	struct rb_rules *rs;

	rs = rb_ruleset_load((const char *const *)argv, (size_t)argc, 1, 1,
			     &nerr);
	if (rs == NULL) {
		fprintf(stderr, "rebound rules check: %zu error(s)\n", nerr);
		return RB_EX_FAIL;
	}
	printf("ok: %zu classification, %zu decoder and %zu auto-reply "
	       "rules", rb_rules_count(rs, RB_RK_CLASSIFY),
	       rb_rules_count(rs, RB_RK_DECODER),
	       rb_rules_count(rs, RB_RK_AUTOREPLY));
	k = rb_rules_replaced(rs);
	if (k)
		printf(" (%zu shipped rule(s) replaced)", k);
	printf("\n");
	rb_rules_free(&rs);
	return RB_EX_OK;
}

static int
test(int argc, char **argv)
{
	size_t nerr, i;
	struct rb_rules *rs;
	struct rb_arena *a;
	struct rb_diag fails;
	struct rb_testres res;

	rs = rb_ruleset_load((const char *const *)argv, (size_t)argc, 1, 0,
			     &nerr);
	if (rs == NULL) {
		fprintf(stderr, "rebound rules test: %zu error(s) in the "
			"rules\n", nerr);
		return RB_EX_CONFIG;
	}
	a = rb_arena_new();
	rb_diag_init(&fails, a, 10000);
	rb_rules_test(rs, 0, argc ? argc - 1 : 0, read_example, NULL, &fails,
		      &res);
	for (i = 0; i < fails.n; i++)
		printf("FAIL %s\n", fails.line[i]);
	printf("%zu example(s) of %zu rule(s): %zu passed, %zu failed\n",
	       res.run, res.rules, res.run - res.failed, res.failed);
	rb_arena_free(&a);
	rb_rules_free(&rs);
	return res.failed ? RB_EX_FAIL : RB_EX_OK;
}

/* Common options of explain and list. */
static int
rule_opts(int argc, char **argv, const char ***dirs, size_t *ndirs)
{
	static const struct option opts[] = {
		{"rules", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'r') {
			rb_cmd_add_dir(dirs, ndirs, optarg);
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

static int
explain(int argc, char **argv)
{
	const char **dirs = NULL;
	size_t ndirs = 0, nerr, i, k;
	struct rb_rules *rs;
	struct rb_parser *p;
	struct rb_pctx *c;
	struct rb_arena *a;
	struct rb_diag tr;
	struct rb_bounce b;
	struct rb_buf out;
	struct rb_err err;
	char *data, msg[800];
	size_t len;
	int rc = rule_opts(argc, argv, &dirs, &ndirs);

	if (rc >= 0 || optind != argc - 1) {
		free(dirs);
		if (rc < 0)
			fputs(usage, stderr);
		return rc >= 0 ? rc : RB_EX_USAGE;
	}
	if (rb_read_file(argv[optind], &data, &len, &err) != 0) {
		rb_log(RB_LOG_ERROR, "%s", rb_err_str(&err, msg, sizeof(msg)));
		free(dirs);
		return RB_EX_NOINPUT;
	}
	rs = rb_ruleset_load(dirs, ndirs, 1, 0, &nerr);
	free(dirs);
	if (rs == NULL) {
		free(data);
		return RB_EX_CONFIG;
	}
	p = rb_parser_new(rs, NULL);
	c = rb_pctx_new(p);
	a = rb_arena_new();
	rb_diag_init(&tr, a, 100000);
	rb_bounce_parse(p, c, a, data, len, argv[optind], &b, &tr);
	printf("message %s\n", argv[optind]);
	for (i = 0; i < tr.n; i++)
		printf("  %s\n", tr.line[i]);
	printf("decoder: %s\n", *b.decoder ? b.decoder : "none (not a bounce)");
	rb_buf_init(&out, 1u << 24);
	for (i = 0; i < b.n; i++) {
		const struct rb_record *r = &b.rec[i];

		printf("record %zu: %s action=%s status=%s reply_code=%s "
		       "command=%s reason=%s class=%s rule=%s\n", i + 1,
		       r->recipient, r->action, r->status, r->reply_code,
		       *r->command ? r->command : "-", r->reason, r->cls,
		       *r->rule ? r->rule : "-");
		rb_buf_reset(&out);
		rb_record_json(r, &out);
		printf("  %s", rb_buf_str(&out));
	}
	for (k = 0; k < b.nwarnings; k++)
		printf("warning: %s\n", b.warnings[k]);
	rb_buf_deinit(&out);
	rb_arena_free(&a);
	rb_pctx_free(&c);
	rb_parser_free(&p);
	rb_rules_free(&rs);
	free(data);
	return RB_EX_OK;
}

static int
list(int argc, char **argv)
{
	static const char *const kinds[] = {"classify", "decoder",
					    "autoreply"};
	const char **dirs = NULL;
	size_t ndirs = 0, nerr, i;
	struct rb_rules *rs;
	int rc = rule_opts(argc, argv, &dirs, &ndirs), k;

	if (rc >= 0) {
		free(dirs);
		return rc;
	}
	rs = rb_ruleset_load(dirs, ndirs, 1, 0, &nerr);
	free(dirs);
	if (rs == NULL)
		return RB_EX_CONFIG;
	for (k = 0; k < 3; k++)
		for (i = 0; i < rb_rules_count(rs, (enum rb_rkind)k); i++)
			printf("%-10s %-32s %s\n", kinds[k],
			       rb_rules_id(rs, (enum rb_rkind)k, i),
			       rb_rules_where(rs, (enum rb_rkind)k, i));
	rb_rules_free(&rs);
	return RB_EX_OK;
}

int
rb_cmd_rules(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	int i;

	for (i = 2; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return RB_EX_OK;
		}
	if (strcmp(sub, "check") == 0)
		return check(argc - 2, argv + 2);
	if (strcmp(sub, "test") == 0)
		return test(argc - 2, argv + 2);
	if (strcmp(sub, "explain") == 0)
		return explain(argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0)
		return list(argc - 1, argv + 1);
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
	    strcmp(sub, "help") == 0) {
		fputs(usage, stdout);
		return RB_EX_OK;
	}
	fprintf(stderr, "rebound rules: %s%s%s\n%s",
		*sub ? "unknown subcommand '" : "no subcommand given", sub,
		*sub ? "'" : "", usage);
	return RB_EX_USAGE;
}
