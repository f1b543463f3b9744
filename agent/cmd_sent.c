/* cmd_sent - `rebound sent record` and `rebound sent import`: the send
   volumes that the health rates divide by */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "input.h"
#include "ledger.h"
#include "log.h"
#include "strmap.h"
#include "parsers/core/arena.h"
#include "parsers/core/buf.h"
#include "parsers/core/err.h"
#include "parsers/core/str.h"

#define MAX_ERRORS 20		/* reported per import; the rest counted */
#define MAX_FIELD 200		/* campaign, domain and id */
#define MAX_COUNT 1000000000000LL

static const char sent_usage[] =
"usage: rebound sent record [--at TIME] [--campaign ID] [--domain DOMAIN]\n"
"                           [--id KEY] COUNT\n"
"       rebound sent import [--format csv|jsonl] FILE|-\n"
"       rebound sent show\n"
"\n"
"Send volumes, the denominators of the rates of `rebound health` and\n"
"`rebound alerts`.  record adds COUNT messages sent at TIME (default now),\n"
"optionally to one campaign and one recipient domain; with --id a second\n"
"record of the same KEY is ignored.\n"
"\n"
"import reads rows of time, count and optionally campaign, domain and id:\n"
"CSV (columns in that order, or named by a header line) or JSON lines\n"
"({\"time\": \"2026-11-01T10:00:00Z\", \"count\": 5000, \"domain\":\n"
"\"gmail.com\"}); the format is taken from the file name (.csv,\n"
".jsonl, .json) or the first character.  TIME is ISO 8601, a date, or\n"
"seconds since the epoch.  All rows are added in one transaction, or none\n"
"when any row is bad (each bad row is named FILE:LINE).  A row counts once\n"
"however often the file is imported: its key is its id, else its values\n"
"and how many identical rows came before it in the file, so a file that\n"
"grows and is imported again adds only its new rows.\n"
"\n"
"show prints the total, the number of rows and the first and last time.\n"
"\n"
RB_CLI_DB_USAGE
"\n"
"Exit status: 0 done; 64 usage; 65 a bad row (nothing imported); 66 the\n"
"file cannot be read; 74, 75, 77 as for ingest.\n";

struct row {
	int64_t time, count;
	const char *campaign, *domain, *id;
};

/* Checks and normalises one row's values; NULL when fine, else what is
   wrong. */
static const char *
check_row(const char *time, const char *count, char *campaign, char *domain,
	  const char *id, struct row *r)
{
	uint64_t v;
	size_t i;

	if (time == NULL || *time == '\0')
		return "no time";
	if (rb_parse_u64(time, strlen(time), 0, 1ULL << 40, &v) == 0)
		r->time = (int64_t)v;
	else if (rb_parse_iso8601(time, &r->time) != 0)
		return "the time is not ISO 8601, a date or epoch seconds";
	if (count == NULL || *count == '\0')
		return "no count";
	if (rb_parse_u64(count, strlen(count), 0, MAX_COUNT, &v) != 0)
		return "the count is not a whole number from 0 to 10^12";
	r->count = (int64_t)v;
	if (strlen(campaign) > MAX_FIELD || strlen(domain) > MAX_FIELD ||
	    (id && strlen(id) > MAX_FIELD))
		return "a campaign, domain or id is longer than 200 bytes";
	for (i = 0; campaign[i]; i++)
		if ((unsigned char)campaign[i] < ' ' || campaign[i] == 127)
			return "the campaign holds a control character";
	for (i = 0; domain[i]; i++) {
		domain[i] = (char)tolower((unsigned char)domain[i]);
		if (!isalnum((unsigned char)domain[i]) && domain[i] != '.' &&
		    domain[i] != '-' && domain[i] != '_')
			return "the domain is not a domain name";
	}
	r->campaign = campaign;
	r->domain = domain;
	r->id = id && *id ? id : NULL;
	return NULL;
}

static int
add_row(struct rb_ledger *l, const struct row *r, const char *key,
	const char *origin, int64_t now, int *added, struct rb_err *err)
{
	if (rb_ledger_run(l, RB_Q_SENT_ADD,
			  RB_ARGS(RB_VINT(r->time), RB_VINT(r->count),
				  RB_VTEXT(r->campaign), RB_VTEXT(r->domain),
				  key ? RB_VTEXT(key) : RB_VNULL,
				  RB_VTEXT(origin), RB_VINT(now)),
			  NULL, NULL, err) < 0)
		return -1;
	*added = rb_ledger_changes(l) > 0;
	return 0;
}

static int
sent_record(int argc, char **argv)
{
	static const struct option opts[] = {
		RB_CLI_DB_OPTS,
		{"at", required_argument, NULL, 'a'},
		{"campaign", required_argument, NULL, 'c'},
		{"domain", required_argument, NULL, 'd'},
		{"id", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *at = NULL, *id = NULL, *why;
	char *campaign = rb_xstrdup(""), *domain = rb_xstrdup(""), key[256];
	struct rb_cli_db db;
	struct rb_ledger *l = NULL;
	struct rb_err err;
	struct row r;
	int c, bad = 0, rc, added = 0;

	rb_cli_db_init(&db);
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(sent_usage, stdout);
			rc = RB_EX_OK;
			goto out;
		} else if (c == 'a') {
			at = optarg;
		} else if (c == 'c') {
			free(campaign);
			campaign = rb_xstrdup(optarg);
		} else if (c == 'd') {
			free(domain);
			domain = rb_xstrdup(optarg);
		} else if (c == 'i') {
			id = optarg;
		} else if (c == '?' || !RB_CLI_DB_OPT(c) ||
			   rb_cli_db_opt(&db, c, optarg) != 0) {
			bad = 1;
		}
	}
	if (bad || optind + 1 != argc) {
		fputs(sent_usage, stderr);
		rc = RB_EX_USAGE;
		goto out;
	}
	{
		char now[24];

		snprintf(now, sizeof(now), "%lld", (long long)db.now);
		why = check_row(at ? at : now, argv[optind], campaign, domain,
				id, &r);
	}
	if (why != NULL) {
		rb_log(RB_LOG_ERROR, "sent record: %s", why);
		rc = RB_EX_USAGE;
		goto out;
	}
	if ((l = rb_cli_open(&db, RB_LEDGER_CREATE | RB_LEDGER_WRITE,
			     &rc)) == NULL)
		goto out;
	rb_err_clear(&err);
	snprintf(key, sizeof(key), "id:%s", r.id ? r.id : "");
	if (rb_ledger_begin(l, &err) != 0 ||
	    add_row(l, &r, r.id ? key : NULL, "record", db.now, &added,
		    &err) != 0 ||
	    rb_ledger_commit(l, &err) != 0) {
		rb_ledger_rollback(l);
		rc = rb_cli_fail(l, &err);
		goto out;
	}
	if (added)
		rb_log(RB_LOG_INFO, "recorded %lld sent", (long long)r.count);
	else
		printf("id %s was recorded before: nothing added\n", r.id);
	rc = RB_EX_OK;
out:
	rb_ledger_free(&l);
	free(campaign);
	free(domain);
	return rc;
}

/* CSV: one record of a line (RFC 4180 quoting; a quoted field may not
   span lines here).  Fields are written into out (NUL-separated); returns
   their number, -1 on a stray quote, -2 past maxf fields. */
static int
csv_fields(const char *line, size_t len, char *out, char **f, int maxf)
{
	size_t i = 0;
	int n = 0;
	char *o = out;

	for (;;) {
		if (n == maxf)
			return -2;
		f[n++] = o;
		while (i < len && line[i] == ' ')
			i++;
		if (i < len && line[i] == '"') {
			for (i++;; i++) {
				if (i >= len)
					return -1;
				if (line[i] == '"') {
					if (i + 1 < len && line[i + 1] == '"')
						*o++ = line[i++];
					else
						break;
				} else {
					*o++ = line[i];
				}
			}
			i++;
			while (i < len && line[i] == ' ')
				i++;
			if (i < len && line[i] != ',')
				return -1;
		} else {
			char *start = o;

			while (i < len && line[i] != ',') {
				if (line[i] == '"')
					return -1;
				*o++ = line[i++];
			}
			while (o > start && o[-1] == ' ')
				o--;
		}
		*o++ = '\0';
		if (i >= len)
			return n;
		i++;		/* the comma */
	}
}

/* Four hex digits into *out; -1 when they are not. */
static int
hex4(const char *s, unsigned *out)
{
	int i;

	*out = 0;
	for (i = 0; i < 4; i++) {
		int c = (unsigned char)s[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return -1;
		*out = *out << 4 | (unsigned)v;
	}
	return 0;
}

/* JSON: one flat object of string and number values.  Keys and values go
   into out; returns the number of pairs, or -1 with *why. */
static int
json_pairs(const char *s, size_t len, char *out, char **k, char **v,
	   int maxp, const char **why)
{
	size_t i = 0;
	int n = 0;
	char *o = out;

#define WS() while (i < len && isspace((unsigned char)s[i])) i++
	WS();
	if (i >= len || s[i++] != '{') {
		*why = "expected a JSON object";
		return -1;
	}
	WS();
	if (i < len && s[i] == '}') {
		*why = "an empty object";
		return -1;
	}
	for (;;) {
		int part;

		if (n == maxp) {
			*why = "too many keys";
			return -1;
		}
		for (part = 0; part < 2; part++) {
			char **dst = part ? &v[n] : &k[n];

			WS();
			*dst = o;
			if (i < len && s[i] == '"') {
				for (i++; i < len && s[i] != '"'; i++) {
					unsigned cp;

					if ((unsigned char)s[i] < ' ') {
						*why = "a control character "
						       "in a string";
						return -1;
					}
					if (s[i] != '\\') {
						*o++ = s[i];
						continue;
					}
					if (++i >= len)
						break;
					switch (s[i]) {
					case 'n': *o++ = '\n'; break;
					case 't': *o++ = '\t'; break;
					case 'r': *o++ = '\r'; break;
					case 'b': *o++ = '\b'; break;
					case 'f': *o++ = '\f'; break;
					case 'u':
						if (i + 4 >= len ||
						    hex4(s + i + 1, &cp) != 0) {
							*why = "a bad \\u escape";
							return -1;
						}
						i += 4;
						if (cp < 0x80) {
							*o++ = (char)cp;
						} else if (cp < 0x800) {
							*o++ = (char)(0xc0 | cp >> 6);
							*o++ = (char)(0x80 | (cp & 0x3f));
						} else {
							*o++ = (char)(0xe0 | cp >> 12);
							*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
							*o++ = (char)(0x80 | (cp & 0x3f));
						}
						break;
					default: *o++ = s[i]; break;
					}
				}
				if (i >= len) {
					*why = "an unterminated string";
					return -1;
				}
				i++;
			} else if (part == 1 && i < len &&
				   (isdigit((unsigned char)s[i]) ||
				    s[i] == '-')) {
				while (i < len && (isalnum((unsigned char)s[i]) ||
						   s[i] == '.' || s[i] == '-' ||
						   s[i] == '+'))
					*o++ = s[i++];
			} else if (part == 1 && i + 4 <= len &&
				   memcmp(s + i, "null", 4) == 0) {
				i += 4;
			} else {
				*why = part ? "a value that is not a string "
					      "or a number" :
					      "expected a quoted key";
				return -1;
			}
			*o++ = '\0';
			WS();
			if (part == 0 && (i >= len || s[i++] != ':')) {
				*why = "expected ':' after a key";
				return -1;
			}
		}
		n++;
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		if (i < len && s[i] == '}') {
			i++;
			WS();
			if (i != len) {
				*why = "text after the object";
				return -1;
			}
			return n;
		}
		*why = "expected ',' or '}'";
		return -1;
	}
#undef WS
}

enum col { COL_TIME, COL_COUNT, COL_CAMPAIGN, COL_DOMAIN, COL_ID, NCOL };
static const char *const col_names[NCOL] = {
	"time", "count", "campaign", "domain", "id",
};

static int
col_of(const char *name)
{
	int i;

	for (i = 0; i < NCOL; i++)
		if (strcasecmp(name, col_names[i]) == 0)
			return i;
	return -1;
}

struct import {
	const char *file;
	struct rb_ledger *l;
	int64_t now;
	size_t rows, added, dup, errors;
	int64_t messages;
	struct rb_strmap seen;	/* row text → how many came before */
	struct rb_arena *a;	/* its keys */
	struct rb_err err;
	int failed;		/* the ledger failed */
};

static void
row_error(struct import *im, size_t line, const char *why)
{
	if (++im->errors <= MAX_ERRORS)
		rb_log(RB_LOG_ERROR, "%s:%zu: %s", im->file, line, why);
}

/* How many identical rows came before in this file (then counts this
   one). */
static size_t
occurrence(struct import *im, const char *text)
{
	return (*rb_strmap_ref(&im->seen, im->a, text))++;
}

static void
import_row(struct import *im, size_t line, const char *const *val)
{
	char *campaign = rb_xstrdup(val[COL_CAMPAIGN] ? val[COL_CAMPAIGN] : "");
	char *domain = rb_xstrdup(val[COL_DOMAIN] ? val[COL_DOMAIN] : "");
	char key[4 * MAX_FIELD + 128], origin[4200], iso[21];
	const char *why;
	struct row r;
	int added;

	why = check_row(val[COL_TIME], val[COL_COUNT], campaign, domain,
			val[COL_ID], &r);
	if (why != NULL) {
		row_error(im, line, why);
		goto out;
	}
	im->rows++;
	if (im->errors || im->failed)
		goto out;
	rb_iso8601(r.time, iso);
	if (r.id) {
		snprintf(key, sizeof(key), "id:%s", r.id);
	} else {
		char text[sizeof(key) - 32];

		snprintf(text, sizeof(text), "%s|%lld|%s|%s", iso,
			 (long long)r.count, r.campaign, r.domain);
		snprintf(key, sizeof(key), "row:%s#%zu", text,
			 occurrence(im, text));
	}
	snprintf(origin, sizeof(origin), "import %s:%zu", im->file, line);
	if (add_row(im->l, &r, key, origin, im->now, &added, &im->err) != 0) {
		im->failed = 1;
		goto out;
	}
	if (added) {
		im->added++;
		im->messages += r.count;
	} else {
		im->dup++;
	}
out:
	free(campaign);
	free(domain);
}

static void
import_csv(struct import *im, const char *data, size_t len)
{
	const char *pos = data, *end = data + len, *line;
	int map[NCOL] = {COL_TIME, COL_COUNT, COL_CAMPAIGN, COL_DOMAIN, COL_ID};
	int ncolumns = NCOL, first = 1;
	size_t n, lineno = 0;

	while (rb_next_line(&pos, end, &line, &n)) {
		char *buf, *f[16];
		const char *val[NCOL] = {0};
		int nf, i;

		lineno++;
		if (rb_str_trim((struct rb_str){line, n}).len == 0 ||
		    line[0] == '#')
			continue;
		buf = rb_xmalloc(n + 16);
		nf = csv_fields(line, n, buf, f, 16);
		if (nf < 0) {
			row_error(im, lineno, nf == -2 ? "more than 16 fields" :
				  "a badly quoted CSV field");
			free(buf);
			continue;
		}
		for (i = 0; first && i < nf && col_of(f[i]) >= 0; i++)
			;
		if (first && i == nf) {
			/* A header line names the columns. */
			for (i = 0; i < NCOL; i++)
				map[i] = -1;
			for (i = 0; i < nf; i++) {
				int c = col_of(f[i]);

				if (c < 0 || map[c] >= 0) {
					row_error(im, lineno, "the header "
						  "names an unknown or "
						  "repeated column");
					break;
				}
				map[c] = i;
			}
			ncolumns = nf;
			first = 0;
			if (map[COL_COUNT] < 0)
				row_error(im, lineno, "the header has no "
					  "count column");
			free(buf);
			continue;
		}
		first = 0;
		if (nf > ncolumns || nf < 2) {
			row_error(im, lineno, nf < 2 ? "expected at least "
				  "time and count" : "more fields than "
				  "columns");
			free(buf);
			continue;
		}
		for (i = 0; i < NCOL; i++)
			val[i] = map[i] >= 0 && map[i] < nf ? f[map[i]] : NULL;
		import_row(im, lineno, val);
		free(buf);
	}
}

static void
import_jsonl(struct import *im, const char *data, size_t len)
{
	const char *pos = data, *end = data + len, *line;
	size_t n, lineno = 0;

	while (rb_next_line(&pos, end, &line, &n)) {
		char *buf, *k[16], *v[16];
		const char *val[NCOL] = {0}, *why = NULL;
		int np, i;

		lineno++;
		if (rb_str_trim((struct rb_str){line, n}).len == 0)
			continue;
		buf = rb_xmalloc(2 * n + 16);
		np = json_pairs(line, n, buf, k, v, 16, &why);
		for (i = 0; i < np && why == NULL; i++) {
			int c = col_of(k[i]);

			if (c < 0)
				why = "an unknown key (expected time, count, "
				      "campaign, domain, id)";
			else if (val[c] != NULL)
				why = "a repeated key";
			else
				val[c] = v[i];
		}
		if (why != NULL)
			row_error(im, lineno, why);
		else
			import_row(im, lineno, val);
		free(buf);
	}
}

static int
sent_import(int argc, char **argv)
{
	static const struct option opts[] = {
		RB_CLI_DB_OPTS,
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *format = NULL, *file, *dot;
	struct rb_cli_db db;
	struct import im;
	struct rb_err err;
	char *data = NULL;
	size_t len, i;
	int c, bad = 0, rc, json;

	rb_cli_db_init(&db);
	memset(&im, 0, sizeof(im));
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(sent_usage, stdout);
			return RB_EX_OK;
		} else if (c == 'f') {
			format = optarg;
			if (strcmp(format, "csv") && strcmp(format, "jsonl")) {
				rb_log(RB_LOG_ERROR, "--format: '%s' is not "
				       "csv or jsonl", format);
				bad = 1;
			}
		} else if (c == '?' || !RB_CLI_DB_OPT(c) ||
			   rb_cli_db_opt(&db, c, optarg) != 0) {
			bad = 1;
		}
	}
	if (bad || optind + 1 != argc) {
		fputs(sent_usage, stderr);
		return RB_EX_USAGE;
	}
	file = argv[optind];
	if (rb_read_file(file, &data, &len, &err) != 0) {
		rb_log(RB_LOG_ERROR, "%s: %s", file, err.msg);
		return RB_EX_NOINPUT;
	}
	if (strcmp(file, "-") == 0)
		file = "(stdin)";
	if (format != NULL) {
		json = strcmp(format, "jsonl") == 0;
	} else if ((dot = strrchr(file, '.')) != NULL &&
		   (strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".json") == 0 ||
		    strcmp(dot, ".csv") == 0)) {
		json = dot[1] == 'j';
	} else {
		for (i = 0; i < len && isspace((unsigned char)data[i]); i++)
			;
		json = i < len && data[i] == '{';
	}
	im.file = file;
	im.now = db.now;
	im.a = rb_arena_new();
	if ((im.l = rb_cli_open(&db, RB_LEDGER_CREATE | RB_LEDGER_WRITE,
				&rc)) == NULL)
		goto out;
	rb_err_clear(&im.err);
	if (rb_ledger_begin(im.l, &im.err) != 0) {
		rc = rb_cli_fail(im.l, &im.err);
		goto out;
	}
	if (json)
		import_jsonl(&im, data, len);
	else
		import_csv(&im, data, len);
	if (im.failed) {
		rb_ledger_rollback(im.l);
		rc = rb_cli_fail(im.l, &im.err);
		goto out;
	}
	if (im.errors) {
		rb_ledger_rollback(im.l);
		if (im.errors > MAX_ERRORS)
			rb_log(RB_LOG_ERROR, "%s: %zu more bad rows", file,
			       im.errors - MAX_ERRORS);
		rb_log(RB_LOG_ERROR, "%s: %zu bad row(s); nothing was "
		       "imported", file, im.errors);
		rc = RB_EX_DATAERR;
		goto out;
	}
	if (rb_ledger_commit(im.l, &im.err) != 0) {
		rb_ledger_rollback(im.l);
		rc = rb_cli_fail(im.l, &im.err);
		goto out;
	}
	printf("%s: %zu row(s): %zu added (%lld messages), %zu recorded "
	       "before\n", file, im.rows, im.added, (long long)im.messages,
	       im.dup);
	rc = fflush(stdout) == 0 ? RB_EX_OK : RB_EX_IOERR;
out:
	rb_strmap_free(&im.seen);
	rb_arena_free(&im.a);
	rb_ledger_free(&im.l);
	free(data);
	return rc;
}

static int
total_row(void *ctx, const struct rb_val *c, size_t n)
{
	char first[21], last[21];

	(void)ctx;
	(void)n;
	rb_cli_iso(rb_val_int(&c[2]), first);
	rb_cli_iso(rb_val_int(&c[3]), last);
	printf("sent %lld in %lld row(s)%s%s%s%s\n", (long long)rb_val_int(&c[0]),
	       (long long)rb_val_int(&c[1]), *first ? " from " : "", first,
	       *last ? " to " : "", last);
	return 0;
}

static int
sent_show(int argc, char **argv)
{
	static const struct option opts[] = {
		RB_CLI_DB_OPTS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct rb_cli_db db;
	struct rb_ledger *l;
	struct rb_err err;
	int c, bad = 0, rc;

	rb_cli_db_init(&db);
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(sent_usage, stdout);
			return RB_EX_OK;
		} else if (c == '?' || !RB_CLI_DB_OPT(c) ||
			   rb_cli_db_opt(&db, c, optarg) != 0) {
			bad = 1;
		}
	}
	if (bad || optind != argc) {
		fputs(sent_usage, stderr);
		return RB_EX_USAGE;
	}
	if ((l = rb_cli_open(&db, 0, &rc)) == NULL)
		return rc;
	rb_err_clear(&err);
	rc = rb_ledger_run(l, RB_Q_SENT_TOTAL, RB_NOARGS, total_row, NULL,
			   &err) < 0 ? rb_cli_fail(l, &err) : RB_EX_OK;
	rb_ledger_free(&l);
	return rc;
}

int
rb_cmd_sent(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "record") == 0)
		return sent_record(argc - 1, argv + 1);
	if (strcmp(sub, "import") == 0)
		return sent_import(argc - 1, argv + 1);
	if (strcmp(sub, "show") == 0)
		return sent_show(argc - 1, argv + 1);
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0 ||
	    strcmp(sub, "help") == 0) {
		fputs(sent_usage, stdout);
		return RB_EX_OK;
	}
	if (*sub)
		rb_log(RB_LOG_ERROR, "sent: unknown subcommand '%s'", sub);
	fputs(sent_usage, stderr);
	return RB_EX_USAGE;
}
