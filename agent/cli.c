/* cli - options, database opening and output shared by ledger commands */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "cmd.h"
#include "config.h"
#include "log.h"
#include "parsers/core/buf.h"
#include "parsers/core/err.h"
#include "parsers/core/str.h"
#include "procs.h"

void
rb_cli_db_init(struct rb_cli_db *o)
{
	o->path = RB_CLI_DEFAULT_DB;
	o->path_given = 0;
	o->config = getenv("REBOUND_CONFIG");
	if (o->config != NULL && *o->config == '\0')
		o->config = NULL;
	o->now = (int64_t)time(NULL);
	o->wait_ms = 10000;
}

int
rb_cli_time(const char *opt, const char *s, int64_t *out)
{
	if (rb_parse_iso8601(s, out) == 0)
		return 0;
	rb_log(RB_LOG_ERROR, "%s: '%s' is not a time (2026-01-31, "
	       "2026-01-31T12:00:00Z or @EPOCH)", opt, s);
	return -1;
}

int
rb_cli_jobs(const char *s, int *jobs)
{
	uint64_t v;

	if (rb_parse_u64(s, strlen(s), 0, RB_PROCS_MAX_JOBS, &v) < 0) {
		rb_log(RB_LOG_ERROR, "--jobs: '%s' is not a number from 0 to "
		       "%d", s, RB_PROCS_MAX_JOBS);
		return -1;
	}
	*jobs = v == 0 ? rb_procs_cores() : (int)v;
	return 0;
}

int
rb_cli_db_opt(struct rb_cli_db *o, int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case 'D':
		o->path = arg;
		o->path_given = 1;
		return 0;
	case 'N':
		return rb_cli_time("--now", arg, &o->now);
	case 'C':
		o->config = arg;
		return 0;
	case 'W':
		if (rb_parse_u64(arg, strlen(arg), 0, 86400, &v) < 0) {
			rb_log(RB_LOG_ERROR, "--wait: '%s' is not 0 to 86400 "
			       "seconds", arg);
			return -1;
		}
		o->wait_ms = (int)v * 1000;
		return 0;
	default:
		rb_panic("rb_cli_db_opt: option %c", c);
	}
}

int
rb_cli_fault_exit(enum rb_lfault f)
{
	switch (f) {
	case RB_LF_NONE:
		return RB_EX_OK;
	case RB_LF_MISSING:
		return RB_EX_NOINPUT;
	case RB_LF_CORRUPT:
	case RB_LF_FOREIGN:
	case RB_LF_NEWER:
		return RB_EX_DATAERR;
	case RB_LF_READONLY:
		return RB_EX_NOPERM;
	case RB_LF_BUSY:
		return RB_EX_TEMPFAIL;
	case RB_LF_IO:
		return RB_EX_IOERR;
	default:
		return RB_EX_SOFTWARE;
	}
}

static void
log_err(const struct rb_err *err, enum rb_lfault f)
{
	static const char *const hints[] = {
		[RB_LF_BUSY] = " (another process holds the lock; try again "
			       "later or give a longer --wait)",
		[RB_LF_CORRUPT] = " (the file is left as it is)",
	};
	char msg[800];
	const char *hint = "";

	if ((unsigned)f < sizeof(hints) / sizeof(hints[0]) && hints[f])
		hint = hints[f];
	rb_log(RB_LOG_ERROR, "%s%s", rb_err_str(err, msg, sizeof(msg)), hint);
}

int
rb_cli_fail(const struct rb_ledger *l, const struct rb_err *err)
{
	enum rb_lfault f = l ? rb_ledger_fault(l) : RB_LF_OTHER;

	if (f == RB_LF_NONE)
		f = err->cls == RB_ETEMP ? RB_LF_BUSY : RB_LF_OTHER;
	log_err(err, f);
	return rb_cli_fault_exit(f);
}

int
rb_cli_config(const struct rb_cli_db *o, struct rb_config **cfg)
{
	const char *path = o->config ? o->config : RB_CLI_DEFAULT_CONFIG;
	size_t nerr;

	*cfg = NULL;
	if (o->config == NULL && access(path, F_OK) != 0)
		return 0;
	if ((*cfg = rb_config_load(path, &nerr)) == NULL) {
		rb_log(RB_LOG_ERROR, "%s: %zu error(s); nothing was done", path,
		       nerr);
		return -1;
	}
	return 0;
}

void
rb_cli_db_use_config(struct rb_cli_db *o, const struct rb_config *c)
{
	if (o->path_given)
		return;
	if (c != NULL && c->database != NULL)
		o->path = c->database;
	o->path_given = 1;	/* settled: RB_CLI_DEFAULT_DB otherwise */
}

struct rb_ledger *
rb_cli_open(const struct rb_cli_db *o, unsigned flags, int *rc)
{
	struct rb_config *cfg = NULL;
	enum rb_lfault f;
	struct rb_err err;
	struct rb_ledger *l;
	const char *path = o->path;

	if (!o->path_given) {
		if (rb_cli_config(o, &cfg) != 0) {
			*rc = RB_EX_CONFIG;
			return NULL;
		}
		if (cfg != NULL && cfg->database != NULL)
			path = cfg->database;
	}
	rb_err_clear(&err);
	l = rb_ledger_open(path, flags, o->wait_ms, &f, &err);
	rb_config_free(&cfg);
	if (l == NULL) {
		log_err(&err, f);
		*rc = rb_cli_fault_exit(f);
	}
	return l;
}

void
rb_cli_iso(int64_t t, char out[21])
{
	if (t < 0)
		out[0] = '\0';
	else
		rb_iso8601(t, out);
}

char *
rb_cli_addr(char *addr)
{
	size_t n = strlen(addr);

	if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>') {
		memmove(addr, addr + 1, n - 2);
		addr[n - 2] = '\0';
	}
	return rb_lower(addr);
}

void
rb_cli_evidence(const struct rb_val *c, char *out, size_t n)
{
	const char *st = rb_val_str(&c[7]), *code = rb_val_str(&c[8]);
	const char *rule = rb_val_str(&c[10]), *mid = rb_val_str(&c[11]);
	const char *note = rb_val_str(&c[5]);
	struct rb_buf b;

	rb_buf_init(&b, 1u << 16);
	if (strcmp(rb_val_str(&c[4]), "manual") == 0) {
		rb_buf_addf(&b, "manual%s%s", *note ? ": " : "", note);
	} else {
		rb_buf_addf(&b, "%s%s%s", st, *st && *code ? " " : "", code);
		if (*rb_val_str(&c[9]))
			rb_buf_addf(&b, "%s\"%.200s\"", b.len ? ": " : "",
				    rb_val_str(&c[9]));
		if (*rule)
			rb_buf_addf(&b, "%srule %s", b.len ? "; " : "", rule);
		if (*mid)
			rb_buf_addf(&b, "%sbounce <%s>", b.len ? "; " : "",
				    mid);
		if (*note)
			rb_buf_addf(&b, "%s%s", b.len ? "; " : "", note);
	}
	snprintf(out, n, "%s", rb_buf_str(&b));
	rb_buf_deinit(&b);
}

struct shown {
	int found, bad;
	size_t size;
	char *data;
};

static int
raw_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct shown *s = ctx;

	s->found = 1;
	s->size = (size_t)rb_val_int(&c[0]);
	s->bad = rb_raw_unpack(c[1].p, c[1].len, s->size, &s->data) != 0;
	return 1;
}

int
rb_cli_show_raw(struct rb_ledger *l, enum rb_lq q, struct rb_val arg,
		const char *what, struct rb_err *err)
{
	struct shown s = {0, 0, 0, NULL};

	if (rb_ledger_run(l, q, &arg, 1, raw_row, &s, err) < 0)
		return rb_cli_fail(l, err);
	if (!s.found || s.bad) {
		rb_log(RB_LOG_ERROR, "%s: %s", what, s.found ?
		       "the kept bytes are damaged" : "no raw bounce kept");
		return s.found ? RB_EX_DATAERR : RB_EX_FAIL;
	}
	fwrite(s.data, 1, s.size, stdout);
	free(s.data);
	return fflush(stdout) != 0 ? RB_EX_IOERR : RB_EX_OK;
}

int
rb_fmt_parse(const char *s, enum rb_fmt *f)
{
	if (strcmp(s, "table") == 0)
		*f = RB_FMT_TABLE;
	else if (strcmp(s, "csv") == 0)
		*f = RB_FMT_CSV;
	else if (strcmp(s, "jsonl") == 0)
		*f = RB_FMT_JSONL;
	else {
		rb_log(RB_LOG_ERROR, "--format: '%s' is not table, csv or "
		       "jsonl", s);
		return -1;
	}
	return 0;
}

struct rb_out {
	enum rb_fmt f;
	const struct rb_col *cols;
	size_t ncols;
	char **cells;		/* a table's rows */
	size_t ncells, cap;
	struct rb_buf line;
};

static void
add_cell(struct rb_out *o, const char *s, int upper)
{
	char *c;

	if (o->ncells == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 256;
		o->cells = rb_xreallocarray(o->cells, o->cap,
					    sizeof(*o->cells));
	}
	c = o->cells[o->ncells++] = rb_xstrdup(*s ? s : "-");
	for (; upper && *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
}

struct rb_out *
rb_out_new(enum rb_fmt f, const struct rb_col *cols, size_t ncols)
{
	struct rb_out *o = rb_xcalloc(1, sizeof(*o));
	size_t i;

	o->f = f;
	o->cols = cols;
	o->ncols = ncols;
	rb_buf_init(&o->line, 1u << 26);
	for (i = 0; i < ncols; i++) {
		if (f == RB_FMT_TABLE)
			add_cell(o, cols[i].name, 1);
		else if (f == RB_FMT_CSV)
			printf("%s%s", cols[i].name,
			       i + 1 < ncols ? "," : "\n");
	}
	return o;
}

/* RFC 4180: quoted when it holds a comma, quote or line break. */
static void
csv_field(struct rb_buf *b, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		rb_buf_adds(b, s);
		return;
	}
	rb_buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			rb_buf_addc(b, '"');
		rb_buf_addc(b, *s);
	}
	rb_buf_addc(b, '"');
}

void
rb_out_row(struct rb_out *o, const char *const *vals)
{
	size_t i;

	if (o->f == RB_FMT_TABLE) {
		for (i = 0; i < o->ncols; i++)
			add_cell(o, vals[i], 0);
		return;
	}
	rb_buf_reset(&o->line);
	if (o->f == RB_FMT_JSONL)
		rb_buf_addc(&o->line, '{');
	for (i = 0; i < o->ncols; i++) {
		if (o->f == RB_FMT_CSV) {
			if (i)
				rb_buf_addc(&o->line, ',');
			csv_field(&o->line, vals[i]);
			continue;
		}
		if (i)
			rb_buf_addc(&o->line, ',');
		rb_buf_add_jsons(&o->line, o->cols[i].name);
		rb_buf_addc(&o->line, ':');
		if (o->cols[i].json)
			rb_buf_adds(&o->line, *vals[i] ? vals[i] : "null");
		else
			rb_buf_add_jsons(&o->line, vals[i]);
	}
	rb_buf_adds(&o->line, o->f == RB_FMT_CSV ? "\n" : "}\n");
	fwrite(o->line.p, 1, o->line.len, stdout);
}

static void
print_table(struct rb_out *o)
{
	size_t i, k, *w = rb_xcalloc(o->ncols, sizeof(*w));

	for (i = 0; i < o->ncells; i++)
		if (strlen(o->cells[i]) > w[i % o->ncols])
			w[i % o->ncols] = strlen(o->cells[i]);
	for (i = 0; i < o->ncells; i++) {
		k = i % o->ncols;
		if (k + 1 < o->ncols)
			printf("%-*s  ", (int)w[k], o->cells[i]);
		else
			printf("%s\n", o->cells[i]);
		free(o->cells[i]);
	}
	free(w);
	free(o->cells);
}

int
rb_out_end(struct rb_out **op)
{
	struct rb_out *o = *op;
	int rc = 0;

	if (o == NULL)
		return 0;
	if (o->f == RB_FMT_TABLE)
		print_table(o);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		rb_log(RB_LOG_ERROR, "writing the output failed");
		rc = -1;
	}
	rb_buf_deinit(&o->line);
	free(o);
	*op = NULL;
	return rc;
}

void
rb_progress_show(struct rb_progress *p, size_t done)
{
	int pct, i;

	if (p->total == 0)
		return;
	pct = (int)(done * 100 / p->total);
	if (pct == p->shown)
		return;
	p->shown = pct;
	fprintf(stderr, "\r%s%s[", p->prefix ? p->prefix : "",
		p->prefix && *p->prefix ? ": " : "");
	for (i = 0; i < 40; i++)
		fputc(i < pct * 40 / 100 ? '#' : '.', stderr);
	fprintf(stderr, "] %zu/%zu messages", done, p->total);
	fflush(stderr);
}

void
rb_progress_end(struct rb_progress *p)
{
	if (p->total && p->shown >= 0)
		fputc('\n', stderr);
}
