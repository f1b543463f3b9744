/* cmd_parse - `rebound parse`: messages in, one record per recipient out */
#include <getopt.h>
#include <stdint.h>
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
#include "procs.h"
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
"  --jobs N        parse in N worker processes (default: the cores; 1:\n"
"                  none); the output is the same, in the same order\n"
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

/* What a message is parsed with (in a worker: the parent's copy). */
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
	struct rb_procs *procs;	/* --jobs 2 and more */
	struct rb_buf batch;	/* for procs: the messages in hand */
	char *first;		/* the name of its first */
	int failed;		/* a worker failed: err says why */
	struct rb_err err;
	struct tctx *t;		/* without procs: the parser */
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

/* Parses one message, appending its records to out (JSON lines, or table
   cells NUL-separated); *records counts them, and *too_large is set when
   one was left out. */
static void
parse_one(struct tctx *t, const char *source, const char *data, size_t len,
	  struct rb_buf *out, size_t *records, int *too_large)
{
	struct rb_bounce b;
	size_t i, k;

	rb_arena_reset(t->a);
	rb_bounce_parse(t->p, t->c, t->a, data, len, source, &b, NULL);
	for (i = 0; i < b.n; i++) {
		const struct rb_record *rec = &b.rec[i];
		size_t mark = out->len;

		if (t->table) {
			const char *v[NCOLS] = {rec->recipient, rec->status,
				rec->reply_code, rec->reason, rec->cls,
				rec->decoder, rec->source};

			for (k = 0; k < NCOLS; k++) {
				rb_buf_adds(out, *v[k] ? v[k] : "-");
				rb_buf_addc(out, '\0');
			}
		} else {
			rb_record_json(rec, out);
		}
		if (out->err) {
			*too_large = 1;
			rb_buf_truncate(out, mark);
		} else {
			(*records)++;
		}
	}
}

/* Parses one message into its item. */
static void
parse_item(void *ctx, void *itemp)
{
	struct item *it = itemp;

	parse_one(ctx, it->m.source, it->m.data, it->m.len, &it->out,
		  &it->records, &it->too_large);
}

/* One message's answer from a worker: what it printed, and how. */
static void
use_output(struct run *r, const char *source, const char *out, size_t len,
	   size_t records, int too_large)
{
	size_t k;

	if (too_large)
		rb_log(RB_LOG_WARN, "%s: record too large, left out", source);
	r->messages++;
	r->records += records;
	if (r->table) {
		const char *c = out;

		for (k = 0; k < records; k++) {
			add_row(r, c);
			for (size_t j = 0; j < NCOLS; j++)
				c += strlen(c) + 1;
		}
	} else if (len) {
		fwrite(out, 1, len, stdout);
	}
}

/* Parses the batch in hand, then prints it in order. */
static void
flush(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct item *it = &r->items[i];

		parse_item(r->t, it);
		use_output(r, it->m.source, it->out.p, it->out.len,
			   it->records, it->too_large);
		rb_buf_reset(&it->out);
		it->records = 0;
		it->too_large = 0;
		rb_msg_drop(&it->m);
	}
	r->n = 0;
	r->bytes = 0;
}

/* With worker processes (--jobs 2 and more), a batch is its messages one
   after the other (rb_procs_put_msg); an answer holds for each message an 8-byte
   record count, an 8-byte length and what it printed, then, when a record
   was too large, a 4-byte name length and the name (else 0). */



/* In a worker: parses a batch into its answer. */
static int
work_batch(void *ctx, const char *batch, size_t len, struct rb_buf *out)
{
	const char *at = batch, *end = batch + len;
	struct rb_buf rec;

	rb_buf_init(&rec, 1u << 26);
	while (at < end) {
		uint32_t slen;
		uint64_t n;
		size_t records = 0, dlen;
		int too_large = 0;
		const char *data;
		char *source;

		if (rb_procs_get_msg(&at, end, &source, &data, &dlen) != 0)
			goto bad;
		rb_buf_reset(&rec);
		parse_one(ctx, source, data, dlen, &rec, &records, &too_large);
		n = records;
		rb_procs_put(out, &n, sizeof(n));
		n = rec.len;
		rb_procs_put(out, &n, sizeof(n));
		rb_procs_put(out, rec.p, rec.len);
		slen = too_large ? (uint32_t)strlen(source) : 0;
		rb_procs_put(out, &slen, sizeof(slen));
		rb_procs_put(out, source, slen);
		free(source);
	}
	rb_buf_deinit(&rec);
	return 0;
bad:
	rb_buf_deinit(&rec);
	return -1;
}

/* In the parent: prints a worker's answer. */
static int
take_batch(void *ctx, const char *answer, size_t len, const char *tag,
	   struct rb_err *err)
{
	struct run *r = ctx;
	const char *at = answer, *end = answer + len;

	while (at < end) {
		uint64_t records, olen;
		uint32_t slen;
		const char *o, *s;

		if (rb_procs_get(&at, end, &records, sizeof(records)) != 0 ||
		    rb_procs_get(&at, end, &olen, sizeof(olen)) != 0 ||
		    (uint64_t)(end - at) < olen)
			goto bad;
		o = at;
		at += olen;
		if (rb_procs_get(&at, end, &slen, sizeof(slen)) != 0 ||
		    (size_t)(end - at) < slen)
			goto bad;
		s = at;
		at += slen;
		if (slen) {
			char *source = rb_xstrndup(s, slen);

			use_output(r, source, o, (size_t)olen,
				   (size_t)records, 1);
			free(source);
		} else {
			use_output(r, "", o, (size_t)olen, (size_t)records,
				   0);
		}
	}
	return 0;
bad:
	return rb_fail(err, RB_EFATAL, tag, "a worker's answer is cut short");
}

/* Sends the batch in hand to the next worker. */
static int
send_batch(struct run *r, struct rb_err *err)
{
	int rc;

	if (r->batch.err)
		return rb_fail(err, RB_EINPUT, r->first, "a message too large "
			       "for a batch");
	rc = rb_procs_send(r->procs, r->batch.p, r->batch.len, r->first,
			   take_batch, r, err);
	rb_buf_reset(&r->batch);
	free(r->first);
	r->first = NULL;
	r->n = 0;
	return rc;
}

static int
one(void *ctx, const char *source, const char *data, size_t len)
{
	struct run *r = ctx;
	struct item *it;

	if (r->procs) {
		if (r->failed)
			return -1;
		if (r->first == NULL)
			r->first = rb_xstrdup(source);
		rb_procs_put_msg(&r->batch, source, data, len);
		if (++r->n == BATCH_MESSAGES || r->batch.len >= RB_BATCH_BYTES ||
		    r->batch.err)
			if (send_batch(r, &r->err) != 0) {
				r->failed = 1;
				return -1;
			}
		return 0;
	}
	it = &r->items[r->n++];
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
	struct tctx t;
	int c, fmt = -1, rc = RB_EX_OK, i, jobs = rb_procs_cores(), k;

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
	t.p = p;
	t.c = rb_pctx_new(p);
	t.a = rb_arena_new();
	t.table = r.table;
	r.t = &t;
	if (jobs > 1) {
		rb_buf_init(&r.batch, RB_PROCS_MAX_FRAME);
		r.procs = rb_procs_new(jobs, work_batch, &t, &r.err);
		if (r.procs == NULL)
			r.failed = 1;
	} else {
		r.items = rb_xcalloc(BATCH_MESSAGES, sizeof(*r.items));
		for (k = 0; k < BATCH_MESSAGES; k++)
			rb_buf_init(&r.items[k].out, 1u << 26);
	}
	for (i = optind; i < argc && !r.failed; i++) {
		struct rb_err err;

		rb_err_clear(&err);
		if (rb_input_each(argv[i], one, &r, &unreadable, &err) != 0 &&
		    !r.failed) {
			char msg[800];

			rb_log(RB_LOG_ERROR, "%s",
			       rb_err_str(&err, msg, sizeof(msg)));
			rc = RB_EX_NOINPUT;
		}
	}
	if (r.procs && !r.failed && ((r.n && send_batch(&r, &r.err) != 0) ||
	    rb_procs_drain(r.procs, take_batch, &r, &r.err) != 0))
		r.failed = 1;
	if (r.n && !r.procs)
		flush(&r);
	if (r.table)
		print_table(&r);
	if (unreadable)
		rc = RB_EX_NOINPUT;
	if (r.failed) {
		char msg[800];

		rb_log(RB_LOG_ERROR, "%s", rb_err_str(&r.err, msg,
							 sizeof(msg)));
		rc = RB_EX_SOFTWARE;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		rb_log(RB_LOG_ERROR, "writing the output failed");
		rc = RB_EX_IOERR;
	}
	rb_procs_free(&r.procs);
	rb_buf_deinit(&r.batch);
	free(r.first);
	if (r.items)
		for (k = 0; k < BATCH_MESSAGES; k++)
			rb_buf_deinit(&r.items[k].out);
	free(r.items);
	rb_arena_free(&t.a);
	rb_pctx_free(&t.c);
	rb_parser_free(&p);
	rb_rules_free(&rs);
	return rc;
}
