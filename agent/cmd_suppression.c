/* cmd_suppression - `rebound suppression` and `rebound ledger`: the lists
   a sender consults, and the manual changes to them */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cli.h"
#include "cmd.h"
#include "ledger.h"
#include "log.h"
#include "parsers/core/buf.h"
#include "parsers/core/err.h"
#include "policy.h"

static const char supp_usage[] =
"usage: rebound suppression list [--format table|csv|jsonl]\n"
"       rebound suppression export [--format csv|jsonl]\n"
"       rebound suppression add [--class C] [--reason R] [--note TEXT]"
" ADDRESS...\n"
"       rebound suppression remove [--note TEXT] ADDRESS...\n"
"       rebound suppression audit [--format table|csv|jsonl]\n"
"       rebound suppression show ADDRESS\n"
"\n"
"list and export print the suppressions in force (export: CSV by\n"
"default, columns address,class,reason,since,last_seen,origin,evidence).\n"
"add and remove change the list by hand (remove also clears the\n"
"address's retry row); each change is kept with its time and note, and\n"
"audit prints them.  show prints the kept raw bounce that caused a\n"
"suppression.\n"
"\n"
"  --format F      table (the default for list and audit), csv, jsonl\n"
"  --class C       the class of a manual entry (default manual)\n"
"  --reason R      its reason (default manual)\n"
"  --note TEXT     why, kept in the audit\n"
RB_CLI_DB_USAGE
"\n"
"Exit status: 0 done; 1 an address was already suppressed (add) or not\n"
"there (remove), or show has no raw bounce for it; 64 usage; 66 no\n"
"database; 65, 74, 75, 77 as for ingest.\n";

static const char ledger_usage[] =
"usage: rebound ledger [list | due] [--format table|csv|jsonl]\n"
"       rebound ledger clear [--note TEXT] ADDRESS...\n"
"\n"
"list prints the retry ledger with each address's state at --now\n"
"(waiting, due, expired, reset); due only the addresses whose retry time\n"
"has come.  clear resets an address's soft-bounce count by hand.\n"
"\n"
"  --format F      table (default), csv, jsonl\n"
"  --note TEXT     why, kept in the audit\n"
RB_CLI_DB_USAGE
"\n"
"Exit status: 0 done; 1 clear found nothing to clear; 64 usage; 66 no\n"
"database; 65, 74, 75, 77 as for ingest.\n";

struct sopts {
	struct rb_cli_db db;
	enum rb_fmt fmt;
	const char *cls, *reason, *note;
};

/* Options after the subcommand; -1 to go on, else the exit status. */
static int
sub_options(struct sopts *o, int argc, char **argv, const char *usage)
{
	static const struct option opts[] = {
		RB_CLI_DB_OPTS,
		{"format", required_argument, NULL, 'f'},
		{"class", required_argument, NULL, 'c'},
		{"reason", required_argument, NULL, 'r'},
		{"note", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return RB_EX_OK;
		}
		if (c == 'f' && rb_fmt_parse(optarg, &o->fmt) == 0)
			continue;
		if (c == 'c' || c == 'r' || c == 'n') {
			*(c == 'c' ? &o->cls : c == 'r' ? &o->reason :
			  &o->note) = optarg;
			continue;
		}
		if (RB_CLI_DB_OPT(c)) {
			if (rb_cli_db_opt(&o->db, c, optarg) == 0)
				continue;
			return RB_EX_USAGE;
		}
		fputs(usage, stderr);
		return RB_EX_USAGE;
	}
	return -1;
}

struct listing {
	struct rb_out *out;
	enum rb_fmt fmt;
	int export;
	int64_t now;
	int due_only;
	struct rb_buf json;
};

/* Opens the ledger read-only and prints the rows of query q through fn
   into a new output of these columns (k->out). */
static int
listing_run(struct sopts *o, struct listing *k, const struct rb_col *cols,
	    size_t ncols, enum rb_lq q, const struct rb_val *args,
	    size_t nargs, rb_ledger_row_fn fn)
{
	struct rb_ledger *l;
	struct rb_err err;
	int rc;

	if ((l = rb_cli_open(&o->db, 0, &rc)) == NULL)
		return rc;
	k->out = rb_out_new(o->fmt, cols, ncols);
	rb_err_clear(&err);
	rc = RB_EX_OK;
	if (rb_ledger_run(l, q, args, nargs, fn, k, &err) < 0)
		rc = rb_cli_fail(l, &err);
	if (rb_out_end(&k->out) != 0 && rc == RB_EX_OK)
		rc = RB_EX_IOERR;
	rb_ledger_free(&l);
	return rc;
}

static const char *
evidence_json(struct listing *k, const struct rb_val *c)
{
	static const struct { const char *name; int col; } keys[] = {
		{"status", 7}, {"reply_code", 8}, {"diagnostic", 9},
		{"rule", 10}, {"bounce_message_id", 11}, {"source", 12},
		{"note", 5},
	};
	size_t i;

	rb_buf_reset(&k->json);
	rb_buf_addc(&k->json, '{');
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		rb_buf_addf(&k->json, "%s\"%s\":", i ? "," : "",
			    keys[i].name);
		rb_buf_add_jsons(&k->json, rb_val_str(&c[keys[i].col]));
	}
	rb_buf_addc(&k->json, '}');
	return k->json.err ? "{}" : k->json.p;
}

static int
supp_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct listing *k = ctx;
	char since[21], last[21], exp[21], ev[1200];
	const char *v[8];

	rb_cli_iso(rb_val_int(&c[3]), since);
	rb_cli_iso(rb_val_int(&c[4]), last);
	rb_cli_iso(rb_val_int(&c[7]), exp);
	rb_cli_evidence(c + 1, ev, sizeof(ev));
	v[0] = rb_val_str(&c[0]);
	v[1] = rb_val_str(&c[1]);
	v[2] = rb_val_str(&c[2]);
	v[3] = since;
	v[4] = last;
	v[5] = rb_val_str(&c[5]);
	v[6] = k->export ? ev : exp;
	v[7] = ev;
	if (k->fmt == RB_FMT_JSONL)
		v[k->export ? 6 : 7] = evidence_json(k, c + 1);
	rb_out_row(k->out, v);
	return 0;
}

static int
supp_list(struct sopts *o, int export)
{
	static const struct rb_col list_cols[] = {
		{"address", 0}, {"class", 0}, {"reason", 0}, {"since", 0},
		{"last_seen", 0}, {"origin", 0}, {"expires", 0},
		{"evidence", 1},
	};
	static const struct rb_col export_cols[] = {
		{"address", 0}, {"class", 0}, {"reason", 0}, {"since", 0},
		{"last_seen", 0}, {"origin", 0}, {"evidence", 1},
	};
	struct listing k;
	int rc;

	memset(&k, 0, sizeof(k));
	k.fmt = o->fmt;
	k.export = export;
	rb_buf_init(&k.json, 1u << 20);
	rc = listing_run(o, &k, export ? export_cols : list_cols,
			 export ? 7 : 8, RB_Q_SUPP_LIST,
			 RB_ARGS(RB_VINT(o->db.now)), supp_row);
	rb_buf_deinit(&k.json);
	return rc;
}

static int
audit_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct listing *k = ctx;
	char seq[24], t[21];
	const char *v[8];
	size_t i;

	snprintf(seq, sizeof(seq), "%lld", (long long)rb_val_int(&c[0]));
	rb_cli_iso(rb_val_int(&c[1]), t);
	v[0] = seq;
	v[1] = t;
	for (i = 2; i < 8; i++)
		v[i] = rb_val_str(&c[i]);
	rb_out_row(k->out, v);
	return 0;
}

static int
supp_audit(struct sopts *o)
{
	static const struct rb_col cols[] = {
		{"seq", 1}, {"time", 0}, {"action", 0}, {"address", 0},
		{"class", 0}, {"reason", 0}, {"note", 0}, {"was", 1},
	};
	struct listing k;

	memset(&k, 0, sizeof(k));
	return listing_run(o, &k, cols, 8, RB_Q_AUDIT_LIST, RB_NOARGS,
			   audit_row);
}

static int
retry_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct listing *k = ctx;
	enum rb_rstate st;
	struct rb_retry r;
	char cnt[16], t[4][21];
	const char *v[8];

	rb_apply_retry_row(c + 1, &r);
	st = rb_retry_state(&r, k->now);
	if (k->due_only && st != RB_RS_DUE)
		return 0;
	snprintf(cnt, sizeof(cnt), "%u", r.count);
	rb_cli_iso(r.first, t[0]);
	rb_cli_iso(r.last, t[1]);
	rb_cli_iso(r.next, t[2]);
	rb_cli_iso(r.give_up, t[3]);
	v[0] = rb_val_str(&c[0]);
	v[1] = rb_rstate_name(st);
	v[2] = cnt;
	v[3] = t[0];
	v[4] = t[1];
	v[5] = t[2];
	v[6] = t[3];
	v[7] = rb_val_str(&c[9]);
	rb_out_row(k->out, v);
	return 0;
}

static int
ledger_list(struct sopts *o, int due)
{
	static const struct rb_col cols[] = {
		{"address", 0}, {"state", 0}, {"soft_count", 1},
		{"first_soft", 0}, {"last_soft", 0}, {"next_retry", 0},
		{"give_up", 0}, {"reason", 0},
	};
	struct listing k;

	memset(&k, 0, sizeof(k));
	k.now = o->db.now;
	k.due_only = due;
	return listing_run(o, &k, cols, 8, RB_Q_RETRY_LIST, RB_NOARGS,
			   retry_row);
}

/* add, remove or clear each address, all in one transaction. */
static int
manual(struct sopts *o, enum rb_manual act, char **addrs, int n)
{
	static const char *const done[] = {"added", "removed", "cleared"};
	static const char *const nothing[] = {
		"already suppressed", "not suppressed", "nothing to clear",
	};
	struct rb_policy pol;
	struct rb_apply_opts ao = {&pol, NULL, o->db.now};
	struct rb_apply *ap;
	struct rb_ledger *l;
	struct rb_err err;
	int i, rc = RB_EX_OK, changed, missed = 0;

	if ((l = rb_cli_open(&o->db, RB_LEDGER_CREATE | RB_LEDGER_WRITE,
			     &rc)) == NULL)
		return rc;
	/* XXX(#5): the config's policy (expiry per reason) applies here. */
	rb_policy_init(&pol);
	ap = rb_apply_new(l, NULL, &ao);
	rb_err_clear(&err);
	if (rb_ledger_begin(l, &err) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		char *addr = rb_cli_addr(addrs[i]);

		if (rb_apply_manual(ap, act, addr, o->cls, o->reason, o->note,
				    o->db.now, 1, &changed, &err) != 0)
			goto fail;
		printf("%s %s\n", addr, changed ? done[act] : nothing[act]);
		missed += !changed;
	}
	if (rb_ledger_commit(l, &err) != 0)
		goto fail;
	rc = missed ? RB_EX_FAIL : RB_EX_OK;
	goto out;
fail:
	rb_ledger_rollback(l);
	rc = rb_cli_fail(l, &err);
out:
	rb_apply_free(&ap);
	rb_ledger_free(&l);
	return rc;
}

static int
supp_show(struct sopts *o, char *addr)
{
	struct rb_ledger *l;
	struct rb_err err;
	int rc;

	if ((l = rb_cli_open(&o->db, 0, &rc)) == NULL)
		return rc;
	rb_err_clear(&err);
	rc = rb_cli_show_raw(l, RB_Q_SUPP_RAW, RB_VTEXT(rb_cli_addr(addr)),
			     addr, &err);
	rb_ledger_free(&l);
	return rc;
}

static int
sub_main(int argc, char **argv, const char *usage, int ledger)
{
	const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : "list";
	struct sopts o;
	int rc, shift = argc > 1 && argv[1][0] != '-';

	memset(&o, 0, sizeof(o));
	rb_cli_db_init(&o.db);
	o.cls = o.reason = "manual";
	o.note = "";
	o.fmt = RB_FMT_TABLE;
	if (!ledger && strcmp(sub, "export") == 0)
		o.fmt = RB_FMT_CSV;
	if ((rc = sub_options(&o, argc - shift, argv + shift, usage)) >= 0)
		return rc;
	argc -= shift;
	argv += shift;
	if (!ledger && strcmp(sub, "add") == 0 && optind < argc)
		return manual(&o, RB_MAN_ADD, argv + optind, argc - optind);
	if (!ledger && strcmp(sub, "remove") == 0 && optind < argc)
		return manual(&o, RB_MAN_REMOVE, argv + optind, argc - optind);
	if (!ledger && strcmp(sub, "show") == 0 && optind + 1 == argc)
		return supp_show(&o, argv[optind]);
	if (ledger && strcmp(sub, "clear") == 0 && optind < argc)
		return manual(&o, RB_MAN_CLEAR, argv + optind, argc - optind);
	if (optind == argc) {
		if (!ledger && (strcmp(sub, "list") == 0 ||
				strcmp(sub, "export") == 0))
			return supp_list(&o, strcmp(sub, "export") == 0);
		if (!ledger && strcmp(sub, "audit") == 0)
			return supp_audit(&o);
		if (ledger && (strcmp(sub, "list") == 0 ||
			       strcmp(sub, "due") == 0))
			return ledger_list(&o, strcmp(sub, "due") == 0);
	}
	fputs(usage, stderr);
	return RB_EX_USAGE;
}

int
rb_cmd_suppression(int argc, char **argv)
{
	return sub_main(argc, argv, supp_usage, 0);
}

int
rb_cmd_ledger(int argc, char **argv)
{
	return sub_main(argc, argv, ledger_usage, 1);
}
