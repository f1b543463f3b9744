/* cmd_parse - `rebound parse`: messages in, one record per recipient out */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "input.h"
#include "log.h"
#include "parsers/bounce.h"
#include "parsers/core/arena.h"
#include "parsers/core/buf.h"
#include "parsers/core/err.h"
#include "parsers/mime.h"
#include "parsers/rules.h"
#include "pool.h"
#include "ruleset.h"

static const char usage[] =
"usage: rebound parse [--rules DIR]... [--jsonl | --table] [--all]\n"
"                     [--header NAME]... [--jobs N] PATH...\n"
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
"  --jobs N        parse on N threads (default: the cores; 1: none); the\n"
"                  output is the same, in the same order\n"
"  -h, --help      this text\n"
"\n"
"Exit status: 0 all paths read, 66 a PATH could not be read, 64 usage,\n"
"78 the rules do not load.\n";

/* One message of a batch: its copy, and what parsing it gave. */
struct item {
	struct rb_msg m;
	struct rb_buf out;	/* JSON lines, or table cells NUL-separated */
	size_t records;
	int too_large;		/* a record was left out */
};

/* What each thread parses with. */
struct tctx {
	const struct rb_parser *p;
	struct rb_pctx *c;
	struct rb_arena *a;
	int table;
};

/* A batch ends at this many messages (or RB_BATCH_BYTES): enough to keep every
   thread busy, little enough to stay in the caches. */
#define BATCH_MESSAGES 256

struct run {
	struct rb_pool *pool;
	struct item *items;
	size_t n, bytes;
	int table;
	char **rows;		/* table cells, 7 per record */
	size_t nrows, cap;
	size_t messages, records;
};

static const char *const cols[] = {"RECIPIENT", "STATUS", "CODE", "REASON",
				   "CLASS", "DECODER", "SOURCE"};
#define NCOLS 7

static void
add_row(struct run *r, const char *cells)
{
	size_t i;

	if (r->nrows + NCOLS > r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->rows = rb_xreallocarray(r->rows, r->cap, sizeof(*r->rows));
	}
	for (i = 0; i < NCOLS; i++) {
		r->rows[r->nrows++] = rb_xstrdup(cells);
		cells += strlen(cells) + 1;
	}
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

/* On any thread: parses one message into its item. */
static void
parse_item(void *ctx, void *itemp)
{
	struct tctx *t = ctx;
	struct item *it = itemp;
	struct rb_bounce b;
	size_t i, k;

	rb_arena_reset(t->a);
	rb_bounce_parse(t->p, t->c, t->a, it->m.data, it->m.len, it->m.source, &b,
			NULL);
	for (i = 0; i < b.n; i++) {
		const struct rb_record *rec = &b.rec[i];
		size_t mark = it->out.len;

		it->records++;
		if (t->table) {
			const char *v[NCOLS] = {rec->recipient, rec->status,
				rec->reply_code, rec->reason, rec->cls,
				rec->decoder, rec->source};

			for (k = 0; k < NCOLS; k++) {
				rb_buf_adds(&it->out, *v[k] ? v[k] : "-");
				rb_buf_addc(&it->out, '\0');
			}
		} else {
			rb_record_json(rec, &it->out);
		}
		if (it->out.err) {
			it->too_large = 1;
			it->records--;
			rb_buf_truncate(&it->out, mark);
		}
	}
}

/* Parses the batch in hand on all threads, then prints it in order. */
static void
flush(struct run *r)
{
	size_t i, k;

	rb_pool_run(r->pool, parse_item, r->items, sizeof(*r->items), r->n);
	for (i = 0; i < r->n; i++) {
		struct item *it = &r->items[i];

		if (it->too_large)
			rb_log(RB_LOG_WARN, "%s: record too large, left out",
			       it->m.source);
		r->messages++;
		r->records += it->records;
		if (r->table) {
			const char *c = it->out.p;

			for (k = 0; k < it->records; k++) {
				add_row(r, c);
				for (size_t j = 0; j < NCOLS; j++)
					c += strlen(c) + 1;
			}
		} else if (it->out.len) {
			fwrite(it->out.p, 1, it->out.len, stdout);
		}
		rb_buf_reset(&it->out);
		it->records = 0;
		it->too_large = 0;
		rb_msg_drop(&it->m);
	}
	r->n = 0;
	r->bytes = 0;
}

static int
one(void *ctx, const char *source, const char *data, size_t len)
{
	struct run *r = ctx;
	struct item *it = &r->items[r->n++];

	rb_msg_keep(&it->m, source, data, len);
	r->bytes += len;
	if (r->n == BATCH_MESSAGES || r->bytes >= RB_BATCH_BYTES)
		flush(r);
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
		{"jobs", required_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char **dirs = NULL, **hdrs = NULL;
	size_t ndirs = 0, nhdrs = 0, nerr, unreadable = 0;
	struct rb_parse_opts po = {NULL, 0, 0};
	struct rb_rules *rs;
	struct rb_parser *p;
	struct run r;
	struct tctx *tc;
	void *ctxs[RB_POOL_MAX_JOBS];
	int c, fmt = -1, rc = RB_EX_OK, i, jobs = rb_pool_cores(), k;

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
		case 'J':
			if (rb_cli_jobs(optarg, &jobs) != 0) {
				free(dirs);
				free(hdrs);
				return RB_EX_USAGE;
			}
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
	if (jobs > 1)
		rb_threads_ready();
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
	r.table = fmt < 0 ? isatty(STDOUT_FILENO) : fmt;
	tc = rb_xcalloc((size_t)jobs, sizeof(*tc));
	for (k = 0; k < jobs; k++) {
		tc[k].p = p;
		tc[k].c = rb_pctx_new(p);
		tc[k].a = rb_arena_new();
		tc[k].table = r.table;
		ctxs[k] = &tc[k];
	}
	r.pool = rb_pool_new(jobs, ctxs);
	r.items = rb_xcalloc(BATCH_MESSAGES, sizeof(*r.items));
	for (k = 0; k < BATCH_MESSAGES; k++)
		rb_buf_init(&r.items[k].out, 1u << 26);
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
	if (r.n)
		flush(&r);
	if (r.table)
		print_table(&r);
	if (unreadable)
		rc = RB_EX_NOINPUT;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		rb_log(RB_LOG_ERROR, "writing the output failed");
		rc = RB_EX_IOERR;
	}
	rb_pool_free(&r.pool);
	for (k = 0; k < BATCH_MESSAGES; k++)
		rb_buf_deinit(&r.items[k].out);
	free(r.items);
	for (k = 0; k < jobs; k++) {
		rb_arena_free(&tc[k].a);
		rb_pctx_free(&tc[k].c);
	}
	free(tc);
	rb_parser_free(&p);
	rb_rules_free(&rs);
	return rc;
}
