/* cmd_parse - `rebound parse`: messages in, one record per recipient out */
#include <getopt.h>
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
#include "parsers/core/err.h"
#include "parsers/mime.h"
#include "parsers/rules.h"
#include "ruleset.h"

static const char usage[] =
"usage: rebound parse [--rules DIR]... [--jsonl | --table] [--all]\n"
"                     [--header NAME]... PATH...\n"
"\n"
"Reads bounce messages and prints one record per recipient.\n"
"PATH is a message file, a Maildir, an mbox, a directory, or - (stdin).\n"
"\n"
"  --rules DIR     add a rule directory (or file) before the shipped rules;\n"
"                  repeatable, the first given wins on a shared rule id\n"
"  --jsonl         one JSON object per line (the default when stdout is\n"
"                  not a terminal)\n"
"  --table         an aligned table (the default on a terminal)\n"
"  --all           also print a record of class \"none\" for messages that\n"
"                  are not bounces\n"
"  --header NAME   keep this header of the returned message in\n"
"                  original_headers (repeatable)\n"
"  -h, --help      this text\n"
"\n"
"Exit status: 0 all paths read, 66 a PATH could not be read, 64 usage,\n"
"78 the rules do not load.\n";

struct run {
	const struct rb_parser *p;
	struct rb_pctx *c;
	struct rb_arena *a;
	struct rb_buf out;
	int table;
	char **rows;		/* table cells, 7 per record */
	size_t nrows, cap;
	size_t messages, records;
};

static const char *const cols[] = {"RECIPIENT", "STATUS", "CODE", "REASON",
				   "CLASS", "DECODER", "SOURCE"};
#define NCOLS 7

static void
add_row(struct run *r, const struct rb_record *rec)
{
	const char *v[NCOLS] = {rec->recipient, rec->status, rec->reply_code,
				rec->reason, rec->cls, rec->decoder,
				rec->source};
	size_t i;

	if (r->nrows + NCOLS > r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->rows = rb_xreallocarray(r->rows, r->cap, sizeof(*r->rows));
	}
	for (i = 0; i < NCOLS; i++)
		r->rows[r->nrows++] = rb_xstrdup(*v[i] ? v[i] : "-");
}

static void
print_table(struct run *r)
{
	size_t w[NCOLS], i, k;

	for (k = 0; k < NCOLS; k++)
		w[k] = strlen(cols[k]);
	for (i = 0; i < r->nrows; i++)
		if (strlen(r->rows[i]) > w[i % NCOLS])
			w[i % NCOLS] = strlen(r->rows[i]);
	for (k = 0; k < NCOLS; k++)
		printf("%-*s%s", k + 1 < NCOLS ? (int)w[k] : 0, cols[k],
		       k + 1 < NCOLS ? "  " : "\n");
	for (i = 0; i < r->nrows; i++) {
		k = i % NCOLS;
		printf("%-*s%s", k + 1 < NCOLS ? (int)w[k] : 0, r->rows[i],
		       k + 1 < NCOLS ? "  " : "\n");
		free(r->rows[i]);
	}
	free(r->rows);
}

static int
one(void *ctx, const char *source, const char *data, size_t len)
{
	struct run *r = ctx;
	struct rb_bounce b;
	size_t i;

	rb_arena_reset(r->a);
	rb_bounce_parse(r->p, r->c, r->a, data, len, source, &b, NULL);
	r->messages++;
	for (i = 0; i < b.n; i++) {
		r->records++;
		if (r->table) {
			add_row(r, &b.rec[i]);
			continue;
		}
		rb_record_json(&b.rec[i], &r->out);
		if (r->out.err) {
			rb_log(RB_LOG_WARN, "%s: record too large, left out",
			       source);
			rb_buf_reset(&r->out);
			continue;
		}
		if (r->out.len >= (1u << 16)) {
			fwrite(r->out.p, 1, r->out.len, stdout);
			rb_buf_reset(&r->out);
		}
	}
	return 0;
}

void
rb_cmd_add_dir(const char ***dirs, size_t *n, const char *dir)
{
	*dirs = rb_xreallocarray(*dirs, *n + 1, sizeof(**dirs));
	(*dirs)[(*n)++] = dir;
}

int
rb_cmd_parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{"rules", required_argument, NULL, 'r'},
		{"jsonl", no_argument, NULL, 'j'},
		{"table", no_argument, NULL, 't'},
		{"all", no_argument, NULL, 'a'},
		{"header", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char **dirs = NULL, **hdrs = NULL;
	size_t ndirs = 0, nhdrs = 0, nerr, unreadable = 0;
	struct rb_parse_opts po = {NULL, 0, 0};
	struct rb_rules *rs;
	struct rb_parser *p;
	struct run r;
	int c, fmt = -1, rc = RB_EX_OK, i;

	memset(&r, 0, sizeof(r));
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rb_cmd_add_dir(&dirs, &ndirs, optarg);
			break;
		case 'j':
			fmt = 0;
			break;
		case 't':
			fmt = 1;
			break;
		case 'a':
			po.all = 1;
			break;
		case 'H':
			rb_cmd_add_dir(&hdrs, &nhdrs, optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			free(dirs);
			free(hdrs);
			return RB_EX_OK;
		default:
			fputs(usage, stderr);
			free(dirs);
			free(hdrs);
			return RB_EX_USAGE;
		}
	}
	if (optind == argc) {
		fputs("rebound parse: no PATH given\n", stderr);
		fputs(usage, stderr);
		free(dirs);
		free(hdrs);
		return RB_EX_USAGE;
	}
	rs = rb_ruleset_load(dirs, ndirs, 1, 0, &nerr);
	free(dirs);
	if (rs == NULL) {
		free(hdrs);
		rb_log(RB_LOG_ERROR, "%zu error(s) in the rules", nerr);
		return RB_EX_CONFIG;
	}
	po.headers = hdrs;
	po.nheaders = nhdrs;
	p = rb_parser_new(rs, &po);
	free(hdrs);
	r.p = p;
	r.c = rb_pctx_new(p);
	r.a = rb_arena_new();
	r.table = fmt < 0 ? isatty(STDOUT_FILENO) : fmt;
	rb_buf_init(&r.out, 1u << 26);
	for (i = optind; i < argc; i++) {
		struct rb_err err;

		rb_err_clear(&err);
		if (rb_input_each(argv[i], one, &r, &unreadable, &err) != 0) {
			char msg[800];

			rb_log(RB_LOG_ERROR, "%s",
			       rb_err_str(&err, msg, sizeof(msg)));
			rc = RB_EX_NOINPUT;
		}
	}
	if (r.table)
		print_table(&r);
	else if (r.out.len)
		fwrite(r.out.p, 1, r.out.len, stdout);
	if (unreadable)
		rc = RB_EX_NOINPUT;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		rb_log(RB_LOG_ERROR, "writing the output failed");
		rc = RB_EX_IOERR;
	}
	rb_buf_deinit(&r.out);
	rb_arena_free(&r.a);
	rb_pctx_free(&r.c);
	rb_parser_free(&p);
	rb_rules_free(&rs);
	return rc;
}
