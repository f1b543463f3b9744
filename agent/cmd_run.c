/* cmd_run - `rebound run`: the IMAP agent, once (cron) or as a daemon; and
   `rebound config check` */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "imap.h"
#include "ledger.h"
#include "log.h"
#include "parsers/bounce.h"
#include "parsers/core/err.h"
#include "parsers/core/limits.h"
#include "parsers/rules.h"
#include "policy.h"
#include "procs.h"
#include "prepq.h"
#include "ruleset.h"

#define BACKOFF_MAX 300		/* seconds between reconnects, at most */

static const char run_usage[] =
"usage: rebound run [--config FILE] [--once] [--account NAME]\n"
"                   [--db FILE] [--now TIME] [--wait SECONDS]\n"
"                   [-v | -q] [--log-format text|json] [--jobs N]\n"
"\n"
"Polls the accounts of the configuration over IMAP: fetches the messages\n"
"above the last UID committed, applies them to the ledger with the\n"
"checkpoint in one transaction per batch, then moves (or flags, deletes,\n"
"keeps) them.  Nothing is counted twice, whatever stops it.\n"
"\n"
"  --config FILE   the configuration (default $REBOUND_CONFIG, else\n"
"                  ./rebound.yaml)\n"
"  --once          one pass over every account, then exit (for cron);\n"
"                  without it: a daemon that waits with IDLE (or polls),\n"
"                  reconnects with backoff, finishes the batch in hand\n"
"                  and exits 0 on SIGTERM or SIGINT, reloads on SIGHUP\n"
"  --account NAME  only this account\n"
"  -v, --verbose   say more (twice: debug); -q, --quiet: errors only\n"
"  --log-format F  text (default) or json (one object per line)\n"
"  --db FILE       the ledger (default: the configuration's database,\n"
"                  else ./rebound.db)\n"
"  --now TIME      what \"now\" is for the ledger (ISO 8601 or @EPOCH)\n"
"  --wait SECONDS  how long to wait for another process's lock (10)\n"
"  --jobs N        parse each batch on N threads (default: the cores)\n"
"  -h, --help      this text\n"
"\n"
"Prints one line per account: fetched, records by class, new\n"
"suppressions, undecoded, errors, seconds.\n"
"\n"
"Exit status: 0 done; 75 temporary failure (network, server unavailable,\n"
"database locked, another run active): try again later; 76 TLS failed or\n"
"the certificate is not trusted; 77 login refused; 78 configuration or\n"
"rules wrong, or the mailbox does not exist; 65, 74 as for ingest;\n"
"64 usage.\n";

static const char config_usage[] =
"usage: rebound config check [FILE]\n"
"\n"
"Checks a configuration file (default $REBOUND_CONFIG, else\n"
"./rebound.yaml) and the rules it names; prints each error as FILE:LINE.\n"
"\n"
"Exit status: 0 valid; 78 errors; 64 usage.\n";

static volatile sig_atomic_t got_stop, got_reload, got_signal;
/* The signals are blocked while rebound talks to the server or the
   database (an interrupted read would drop the connection mid-batch);
   they come in between batches and while waiting, with this mask. */
static sigset_t open_mask;

/* Lets pending signals in (their handlers set the flags), then blocks
   them again. */
static void
take_signals(void)
{
	sigset_t blocked;

	sigprocmask(SIG_SETMASK, &open_mask, &blocked);
	sigprocmask(SIG_SETMASK, &blocked, NULL);
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_reload = 1;
	else
		got_stop = 1;
	got_signal = 1;
}

struct acct {
	const struct rb_account *ac;
	struct rb_imap *im;
	uint32_t uidvalidity;
	uint32_t last;		/* the highest UID read (or checkpointed) */
	int64_t retry_at;	/* daemon: next connect attempt */
	int64_t backoff;
};

struct runner {
	struct rb_cli_db db;
	const char *config_path;
	const char *only;
	int once, quiet, jobs;
	struct rb_config *cfg;
	struct rb_rules *rs;
	struct rb_parser *p;
	struct rb_ledger *l;
	struct acct *acct;
	size_t nacct;
	int lockfd;
};

/* What one pass over an account did. */
struct pass {
	struct runner *r;
	struct acct *a;
	struct rb_apply *ap;
	struct rb_prepq *q;	/* the fetched messages, parsed together */
	size_t fetched, errors;
	size_t fetched0;	/* fetched before this batch */
	uint32_t *uid;		/* this batch's messages and where they go */
	const struct rb_action **dest;
	size_t n;
	int ledger_failed;
	struct rb_err err;
	struct rb_progress bar;
};

static int
fault_exit(enum rb_ifault f)
{
	switch (f) {
	case RB_IF_TLS:
		return RB_EX_PROTOCOL;
	case RB_IF_AUTH:
		return RB_EX_NOPERM;
	case RB_IF_MAILBOX:
		return RB_EX_CONFIG;
	default:
		return RB_EX_TEMPFAIL;
	}
}

/* The worse of two exit statuses: anything needing a person beats a
   temporary failure, which beats success. */
static int
worse(int a, int b)
{
	if (a == RB_EX_OK)
		return b;
	if (b == RB_EX_OK)
		return a;
	return a == RB_EX_TEMPFAIL ? b : a;
}

/* Setup and teardown */

static int
load(struct runner *r)
{
	struct rb_parse_opts po = {NULL, 0, 0};
	size_t nerr, i, n = 0;

	r->cfg = rb_config_load(r->config_path, &nerr);
	if (r->cfg == NULL) {
		rb_log(RB_LOG_ERROR, "%s: %zu error(s); nothing was done",
		       r->config_path, nerr);
		return RB_EX_CONFIG;
	}
	r->rs = rb_ruleset_load(r->cfg->rules, r->cfg->nrules, 1, 0, &nerr);
	if (r->rs == NULL) {
		rb_log(RB_LOG_ERROR, "%zu error(s) in the rules", nerr);
		return RB_EX_CONFIG;
	}
	if (r->cfg->nacct == 0) {
		rb_log(RB_LOG_ERROR, "%s: no accounts to poll", r->config_path);
		return RB_EX_CONFIG;
	}
	if (r->cfg != NULL && r->cfg->campaign_header != NULL) {
		po.headers = &r->cfg->campaign_header;
		po.nheaders = 1;
	}
	r->p = rb_parser_new(r->rs, &po);
	r->acct = rb_xcalloc(r->cfg->nacct, sizeof(*r->acct));
	for (i = 0; i < r->cfg->nacct; i++) {
		if (r->only && strcmp(r->only, r->cfg->acct[i].name) != 0)
			continue;
		r->acct[n].ac = &r->cfg->acct[i];
		r->acct[n].im = rb_imap_new(&r->cfg->acct[i]);
		n++;
	}
	r->nacct = n;
	if (n == 0) {
		rb_log(RB_LOG_ERROR, "%s: no account named '%s'",
		       r->config_path, r->only);
		return RB_EX_CONFIG;
	}
	return -1;
}

static void
unload(struct runner *r)
{
	size_t i;

	for (i = 0; i < r->nacct; i++)
		rb_imap_free(&r->acct[i].im);
	free(r->acct);
	r->acct = NULL;
	r->nacct = 0;
	rb_parser_free(&r->p);
	rb_rules_free(&r->rs);
	rb_config_free(&r->cfg);
}

/* One `rebound run` per database at a time: an flock on DB.lock, which
   the kernel releases however the process ends. */
static int
lock_db(struct runner *r, const char *db)
{
	char *path = rb_xasprintf("%s.lock", db), buf[32];
	ssize_t n;

	r->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (r->lockfd < 0) {
		rb_log(RB_LOG_ERROR, "%s: %s", path, strerror(errno));
		free(path);
		return RB_EX_CANTCREAT;
	}
	if (flock(r->lockfd, LOCK_EX | LOCK_NB) != 0) {
		n = pread(r->lockfd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		rb_log(RB_LOG_ERROR, "another `rebound run` (pid %s) is using "
		       "%s; this one stops (it holds %s)", *buf ? buf : "?",
		       db, path);
		free(path);
		return RB_EX_TEMPFAIL;
	}
	if (ftruncate(r->lockfd, 0) == 0) {
		snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
		if (pwrite(r->lockfd, buf, strlen(buf), 0) < 0)
			rb_log(RB_LOG_DEBUG, "%s: %s", path, strerror(errno));
	}
	free(path);
	return -1;
}

/* Mailbox actions */

/* Does act to uids (ascending), then forgets their pending rows. */
static int
act_and_forget(struct pass *ps, const struct rb_action *act,
	       const uint32_t *uids, size_t n)
{
	struct acct *a = ps->a;
	struct rb_err err;
	char msg[800];

	if (n == 0)
		return RB_EX_OK;
	rb_err_clear(&err);
	if (rb_imap_act(a->im, act, uids, n, &err) != 0) {
		rb_log(RB_LOG_ERROR, "%s (%zu messages stay in %s; the next "
		       "run tries again)", rb_err_str(&err, msg, sizeof(msg)),
		       n, a->ac->mailbox);
		ps->errors++;
		return fault_exit(rb_imap_fault(a->im));
	}
	if (rb_ledger_begin(ps->r->l, &err) != 0 ||
	    rb_ledger_run(ps->r->l, RB_Q_PEND_DONE,
			  RB_ARGS(RB_VTEXT(a->ac->name),
				  RB_VTEXT(a->ac->mailbox),
				  RB_VINT(a->uidvalidity), RB_VTEXT(act->text),
				  RB_VINT(uids[0]), RB_VINT(uids[n - 1])),
			  NULL, NULL, &err) < 0 ||
	    rb_ledger_commit(ps->r->l, &err) != 0) {
		rb_ledger_rollback(ps->r->l);
		ps->ledger_failed = 1;
		return rb_cli_fail(ps->r->l, &err);
	}
	return RB_EX_OK;
}

struct pending {
	char action[300];
	uint32_t *uid;
	size_t n, cap;
	struct pass *ps;
	int rc;
};

/* Rows come by action, then UID: each action's run is done when the next
   one starts. */
static int
pending_flush(struct pending *pd)
{
	struct rb_action act;

	/* An action the configuration could not have written is left. */
	if (pd->n > 0 && pd->rc == RB_EX_OK &&
	    rb_action_parse(pd->action, &act) == 0)
		pd->rc = act_and_forget(pd->ps, &act, pd->uid, pd->n);
	pd->n = 0;
	return pd->rc;
}

static int
pending_row(void *ctx, const struct rb_val *c, size_t nc)
{
	struct pending *pd = ctx;
	const char *act = rb_val_str(&c[1]);

	if (strcmp(act, pd->action) != 0) {
		pending_flush(pd);
		snprintf(pd->action, sizeof(pd->action), "%s", act);
	}
	if (pd->n == pd->cap) {
		pd->cap = pd->cap ? pd->cap * 2 : 256;
		pd->uid = rb_xreallocarray(pd->uid, pd->cap, sizeof(*pd->uid));
	}
	pd->uid[pd->n++] = (uint32_t)rb_val_int(&c[0]);
	return 0;
}

/* What a crash (or a lost connection) left undone: the actions of
   messages already committed.  Rows of an older UIDVALIDITY are dropped:
   those UIDs mean nothing now, and the messages are read again (and
   found in the ledger). */
static int
finish_pending(struct pass *ps)
{
	struct acct *a = ps->a;
	struct pending pd;
	struct rb_err err;

	memset(&pd, 0, sizeof(pd));
	pd.ps = ps;
	rb_err_clear(&err);
	if (rb_ledger_run(ps->r->l, RB_Q_PEND_STALE,
			  RB_ARGS(RB_VTEXT(a->ac->name),
				  RB_VTEXT(a->ac->mailbox),
				  RB_VINT(a->uidvalidity)),
			  NULL, NULL, &err) < 0 ||
	    rb_ledger_run(ps->r->l, RB_Q_PEND_LIST,
			  RB_ARGS(RB_VTEXT(a->ac->name),
				  RB_VTEXT(a->ac->mailbox),
				  RB_VINT(a->uidvalidity)),
			  pending_row, &pd, &err) < 0) {
		free(pd.uid);
		ps->ledger_failed = 1;
		return rb_cli_fail(ps->r->l, &err);
	}
	pending_flush(&pd);
	free(pd.uid);
	return pd.rc;
}

/* Fetching */

/* A message over RB_MAX_MESSAGE_BYTES: only its head was fetched, and
   the parser reads a little less (its record says so in its warnings).
   It is counted, checkpointed and acted on like any other. */
static void
say_cut(const struct pass *ps, const struct rb_imap_msg *m)
{
	const struct rb_account *ac = ps->a->ac;
	/* RFC822.SIZE is the server's word; the bytes sent are a floor. */
	size_t size = m->size > m->len ? m->size : m->len;

	rb_log(RB_LOG_WARN, "%s: %s: UID %u (UIDVALIDITY %u) is %zu bytes, "
	       "over the %u a message may have: only its first %u are read "
	       "(the bounce report comes first)", ac->name, ac->mailbox,
	       m->uid, ps->a->uidvalidity, size, RB_MAX_MESSAGE_BYTES,
	       RB_MAX_MESSAGE_BYTES);
}

static int
on_message(void *ctx, const struct rb_imap_msg *m)
{
	struct pass *ps = ctx;
	const struct rb_account *ac = ps->a->ac;
	uint32_t uid = m->uid;
	char source[640];
	int k;

	/* RFC 5092's form of an IMAP message URL; ";PARTIAL=0.N" names the
	   bytes of a message that was cut (and are kept). */
	k = snprintf(source, sizeof(source),
		     "imap://%s/%s;UIDVALIDITY=%u/;UID=%u", ac->name,
		     ac->mailbox, ps->a->uidvalidity, uid);
	if (m->cut && k > 0 && (size_t)k < sizeof(source))
		snprintf(source + k, sizeof(source) - (size_t)k,
			 "/;PARTIAL=0.%zu", m->len);
	if (ps->fetched - ps->fetched0 == ps->a->ac->batch_size) {
		rb_log(RB_LOG_WARN, "%s: the server sent UID %u, which was not "
		       "asked for; ignored", ac->name, uid);
		return 0;
	}
	if (m->cut)
		say_cut(ps, m);
	ps->fetched++;
	if (rb_prepq_add(ps->q, source, m->data, m->len, uid, &ps->err) != 0) {
		ps->ledger_failed = 1;
		return -1;
	}
	return 0;
}

/* A fetched message is applied: where it goes after the commit. */
static int
applied(void *ctx, uint64_t tag, enum rb_apply_outcome outcome,
	struct rb_err *err)
{
	struct pass *ps = ctx;
	const struct rb_account *ac = ps->a->ac;
	const struct rb_action *dest;
	uint32_t uid = (uint32_t)tag;

	dest = outcome == RB_AO_UNDECODED ? &ac->undecoded : &ac->after;
	ps->uid[ps->n] = uid;
	ps->dest[ps->n] = dest;
	ps->n++;
	if (dest->kind != RB_AFTER_KEEP &&
	    rb_ledger_run(ps->r->l, RB_Q_PEND_ADD,
			  RB_ARGS(RB_VTEXT(ac->name), RB_VTEXT(ac->mailbox),
				  RB_VINT(ps->a->uidvalidity), RB_VINT(uid),
				  RB_VTEXT(dest->text)),
			  NULL, NULL, err) < 0)
		return -1;
	return 0;
}

/* The batch's messages that go to dest, in UID order, acted on. */
static int
act_batch(struct pass *ps, const struct rb_action *dest)
{
	uint32_t *uids = rb_xreallocarray(NULL, ps->n ? ps->n : 1,
					  sizeof(*uids));
	size_t i, k = 0;
	int rc;

	for (i = 0; i < ps->n; i++)
		if (ps->dest[i] == dest)
			uids[k++] = ps->uid[i];
	rc = dest->kind == RB_AFTER_KEEP ? RB_EX_OK :
	     act_and_forget(ps, dest, uids, k);
	free(uids);
	return rc;
}

/* One batch: fetch, apply, checkpoint, commit; then the actions. */
static int
batch(struct pass *ps, const uint32_t *uids, size_t n)
{
	struct acct *a = ps->a;
	struct rb_err err;
	char msg[800];
	int rc;

	ps->n = 0;
	ps->fetched0 = ps->fetched;
	rb_err_clear(&ps->err);
	rb_err_clear(&err);
	if (rb_apply_batch_begin(ps->ap, &ps->err) != 0) {
		ps->ledger_failed = 1;
		return rb_cli_fail(ps->r->l, &ps->err);
	}
	/* The messages are applied as the queue fills, and the rest once
	   all are fetched. */
	rc = rb_imap_fetch(a->im, uids, n, on_message, ps, &err);
	if (rc == 0 && rb_prepq_flush(ps->q, &ps->err) != 0) {
		ps->ledger_failed = 1;
		rc = -1;
	}
	if (rc != 0) {
		rb_prepq_drop(ps->q);
		rb_apply_batch_abort(ps->ap);
		if (ps->ledger_failed)
			return rb_cli_fail(ps->r->l, &ps->err);
		rb_log(RB_LOG_ERROR, "%s; nothing of this batch was counted",
		       rb_err_str(&err, msg, sizeof(msg)));
		ps->errors++;
		return fault_exit(rb_imap_fault(a->im));
	}
	if (rb_ledger_run(ps->r->l, RB_Q_MBOX_PUT,
			  RB_ARGS(RB_VTEXT(a->ac->name),
				  RB_VTEXT(a->ac->mailbox),
				  RB_VINT(a->uidvalidity),
				  RB_VINT(uids[n - 1]),
				  RB_VINT((int64_t)time(NULL))),
			  NULL, NULL, &ps->err) < 0 ||
	    rb_apply_batch_commit(ps->ap, &ps->err) != 0) {
		rb_apply_batch_abort(ps->ap);
		ps->ledger_failed = 1;
		return rb_cli_fail(ps->r->l, &ps->err);
	}
	if ((rc = act_batch(ps, &a->ac->after)) != RB_EX_OK)
		return rc;
	return act_batch(ps, &a->ac->undecoded);
}

static int
session(struct pass *ps)
{
	struct acct *a = ps->a;
	struct rb_err err;
	char *secret = NULL, msg[800];
	int r;

	rb_err_clear(&err);
	if (rb_config_secret(a->ac, &secret, &err) != 0) {
		rb_log(RB_LOG_ERROR, "%s", rb_err_str(&err, msg, sizeof(msg)));
		return RB_EX_CONFIG;
	}
	r = rb_imap_connect(a->im, &err);
	if (r == 0)
		r = rb_imap_login(a->im, secret, &err);
	rb_secret_free(&secret);
	if (r == 0)
		r = rb_imap_select(a->im, &a->uidvalidity, &err);
	if (r != 0) {
		rb_log(RB_LOG_ERROR, "%s", rb_err_str(&err, msg, sizeof(msg)));
		ps->errors++;
		return fault_exit(rb_imap_fault(a->im));
	}
	rb_log(RB_LOG_INFO, "%s: %s selected, UIDVALIDITY %u", a->ac->name,
	       a->ac->mailbox, a->uidvalidity);
	return RB_EX_OK;
}

static int
mbox_row(void *ctx, const struct rb_val *c, size_t n)
{
	int64_t *v = ctx;

	v[0] = rb_val_int(&c[0]);
	v[1] = rb_val_int(&c[1]);
	return 1;
}

/* The last UID committed for this UIDVALIDITY (0 after a change). */
static int
checkpoint(struct pass *ps, uint32_t *last)
{
	struct acct *a = ps->a;
	struct rb_err err;
	int64_t v[2] = {-1, 0};

	rb_err_clear(&err);
	*last = 0;
	if (rb_ledger_run(ps->r->l, RB_Q_MBOX_GET,
			  RB_ARGS(RB_VTEXT(a->ac->name),
				  RB_VTEXT(a->ac->mailbox)),
			  mbox_row, v, &err) < 0) {
		ps->ledger_failed = 1;
		return rb_cli_fail(ps->r->l, &err);
	}
	if (v[0] < 0)
		return RB_EX_OK;
	if (v[0] != (int64_t)a->uidvalidity) {
		rb_log(RB_LOG_WARN, "%s: %s: UIDVALIDITY changed from %lld to "
		       "%u; reading the whole mailbox again (messages already "
		       "in the ledger are not counted twice)", a->ac->name,
		       a->ac->mailbox, (long long)v[0], a->uidvalidity);
		return RB_EX_OK;
	}
	*last = (uint32_t)v[1];
	return RB_EX_OK;
}

static void
summary(const struct pass *ps, double secs)
{
	const struct rb_apply_sum *s = rb_apply_sum(ps->ap);
	int i;

	printf("%s: fetched %zu, records %zu (", ps->a->ac->name, ps->fetched,
	       s->records);
	for (i = 0; i < RB_CL_NONE; i++)
		printf("%s%s %zu", i ? ", " : "", rb_class_name(i),
		       s->by_class[i]);
	printf("), suppressed %zu, undecoded %zu, duplicates %zu, errors %zu, "
	       "%.2fs\n", s->by_effect[RB_FX_SUPPRESSED], s->undecoded,
	       s->dups, ps->errors, secs);
	fflush(stdout);
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One pass over an account: connect when needed, finish what is pending,
   read everything above the checkpoint in batches.  Returns the exit
   status for it. */
static int
pass(struct runner *r, struct acct *a, int loud)
{
	struct rb_apply_opts ao = {&r->cfg->policy, r->cfg->verp, r->db.now};
	const struct rb_account *ac = a->ac;
	struct pass ps;
	uint32_t last, *uids = NULL;
	size_t n = 0, i, k;
	struct rb_err err;
	char msg[800];
	double t0 = mono();
	int rc = RB_EX_OK;

	memset(&ps, 0, sizeof(ps));
	ps.r = r;
	ps.a = a;
	ps.ap = rb_apply_new(r->l, r->p, &ao);
	ps.q = rb_prepq_new(ps.ap, r->jobs, ac->batch_size < 128 ?
			    ac->batch_size : 128, 0, applied, &ps);
	ps.uid = rb_xreallocarray(NULL, ac->batch_size, sizeof(*ps.uid));
	ps.dest = rb_xreallocarray(NULL, ac->batch_size, sizeof(*ps.dest));
	if (rb_imap_fault(a->im) != RB_IF_NONE || !a->uidvalidity)
		rc = session(&ps);
	if (rc == RB_EX_OK)
		rc = finish_pending(&ps);
	if (rc == RB_EX_OK)
		rc = checkpoint(&ps, &last);
	if (rc == RB_EX_OK) {
		a->last = last;
		rb_err_clear(&err);
		if (rb_imap_search(a->im, last, &uids, &n, &err) != 0) {
			rb_log(RB_LOG_ERROR, "%s",
			       rb_err_str(&err, msg, sizeof(msg)));
			ps.errors++;
			rc = fault_exit(rb_imap_fault(a->im));
		}
	}
	if (rc == RB_EX_OK && n >= 1000 && !r->quiet && isatty(2))
		ps.bar.total = n;
	ps.bar.shown = -1;
	ps.bar.prefix = ac->name;
	for (i = 0; rc == RB_EX_OK && i < n && (take_signals(), !got_stop);
	     i += k) {
		k = n - i < ac->batch_size ? n - i : ac->batch_size;
		rc = batch(&ps, uids + i, k);
		if (rc == RB_EX_OK)
			a->last = uids[i + k - 1];
		rb_progress_show(&ps.bar, i + k);
	}
	rb_progress_end(&ps.bar);
	/* Raw bounces past raw_keep go, as after an ingest. */
	if (rc == RB_EX_OK && ps.fetched > 0 &&
	    rb_apply_prune(ps.ap, &ps.err) != 0) {
		ps.ledger_failed = 1;
		rc = rb_cli_fail(r->l, &ps.err);
	}
	if (loud || ps.fetched || ps.errors)
		summary(&ps, mono() - t0);
	free(uids);
	free(ps.uid);
	free(ps.dest);
	rb_prepq_free(&ps.q);
	rb_apply_free(&ps.ap);
	/* A session that failed is made again next time. */
	if (rc != RB_EX_OK)
		a->uidvalidity = 0;
	return rc;
}

/* The modes */

static int
run_once(struct runner *r)
{
	size_t i;
	int rc = RB_EX_OK;

	for (i = 0; i < r->nacct && (take_signals(), !got_stop); i++)
		rc = worse(rc, pass(r, &r->acct[i], 1));
	return rc;
}

/* A failure that retrying cannot mend ends the daemon; the others are
   retried with capped exponential backoff. */
static int
fatal(int rc)
{
	return rc != RB_EX_OK && rc != RB_EX_TEMPFAIL;
}

static int
reload(struct runner *r)
{
	struct runner fresh = *r;
	int rc;

	fresh.cfg = NULL;
	fresh.rs = NULL;
	fresh.p = NULL;
	fresh.acct = NULL;
	fresh.nacct = 0;
	if ((rc = load(&fresh)) >= 0) {
		rb_log(RB_LOG_ERROR, "SIGHUP: the configuration or rules have "
		       "errors; going on with the old ones");
		unload(&fresh);
		return 0;
	}
	unload(r);
	r->cfg = fresh.cfg;
	r->rs = fresh.rs;
	r->p = fresh.p;
	r->acct = fresh.acct;
	r->nacct = fresh.nacct;
	rb_log(RB_LOG_INFO, "SIGHUP: configuration and rules reloaded");
	return 0;
}

/* 1 when the mailbox has UIDs above the last one read. */
static int
more_mail(struct acct *a)
{
	struct rb_err err;
	uint32_t *uids = NULL;
	size_t n = 0;
	int r = rb_imap_search(a->im, a->last, &uids, &n, &err);

	free(uids);
	if (r != 0) {
		a->uidvalidity = 0;	/* reconnect on the next pass */
		return 1;
	}
	return n > 0;
}

static int
run_daemon(struct runner *r)
{
	size_t i;
	int rc;

	rb_log(RB_LOG_INFO, "running as a daemon: %zu account(s)", r->nacct);
	while (!got_stop) {
		int64_t now = (int64_t)time(NULL), wait = 3600;
		struct acct *idle = NULL;

		if (got_reload) {
			got_reload = 0;
			reload(r);
		}
		for (i = 0; i < r->nacct && !got_stop; i++) {
			struct acct *a = &r->acct[i];

			if (a->retry_at > now)
				continue;
			rc = pass(r, a, 0);
			if (fatal(rc))
				return rc;
			if (rc == RB_EX_TEMPFAIL) {
				a->backoff = a->backoff ? a->backoff * 2 : 1;
				if (a->backoff > BACKOFF_MAX)
					a->backoff = BACKOFF_MAX;
				a->retry_at = now + a->backoff;
				rb_log(RB_LOG_WARN, "%s: trying again in "
				       "%llds", a->ac->name,
				       (long long)a->backoff);
			} else {
				a->backoff = 0;
				a->retry_at = 0;
			}
		}
		for (i = 0; i < r->nacct; i++) {
			struct acct *a = &r->acct[i];
			int64_t w = a->retry_at ? a->retry_at - now :
				    a->ac->poll_interval;

			if (w < wait)
				wait = w;
		}
		if (r->nacct == 1 && r->acct[0].retry_at == 0 &&
		    rb_imap_can_idle(r->acct[0].im))
			idle = &r->acct[0];
		if (got_stop || got_reload)
			continue;
		/* Mail that came during the pass was announced then, not in
		   the IDLE to come: look before waiting. */
		if (idle != NULL && more_mail(idle))
			continue;
		got_signal = 0;
		if (idle != NULL) {
			struct rb_err err;
			char msg[800];

			rb_log(RB_LOG_DEBUG, "%s: IDLE", idle->ac->name);
			if (rb_imap_wait(idle->im, wait, &got_signal,
					 &open_mask, &err) < 0) {
				rb_log(RB_LOG_WARN, "%s",
				       rb_err_str(&err, msg, sizeof(msg)));
				idle->uidvalidity = 0;
			}
		} else {
			rb_wait_signals(wait, &got_signal, &open_mask);
		}
	}
	rb_log(RB_LOG_INFO, "stopped by a signal; everything fetched is "
	       "committed");
	return RB_EX_OK;
}

static const struct option run_opts[] = {
	RB_CLI_DB_OPTS,
	{"once", no_argument, NULL, 'o'},
	{"account", required_argument, NULL, 'a'},
	{"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},
	{"log-format", required_argument, NULL, 'L'},
	{"jobs", required_argument, NULL, 'J'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int
run_options(struct runner *r, int argc, char **argv)
{
	int c, verbose = 0;

	while ((c = getopt_long(argc, argv, "+hvq", run_opts, NULL)) != -1) {
		switch (c) {
		case 'D':
		case 'N':
		case 'W':
		case 'C':
			if (rb_cli_db_opt(&r->db, c, optarg) != 0)
				return RB_EX_USAGE;
			break;
		case 'o':
			r->once = 1;
			break;
		case 'a':
			r->only = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'q':
			r->quiet = 1;
			break;
		case 'L':
			if (strcmp(optarg, "json") == 0)
				rb_log_set_json(1);
			else if (strcmp(optarg, "text") != 0) {
				rb_log(RB_LOG_ERROR, "--log-format: '%s' is "
				       "not text or json", optarg);
				return RB_EX_USAGE;
			}
			break;
		case 'J':
			if (rb_cli_jobs(optarg, &r->jobs) != 0)
				return RB_EX_USAGE;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return RB_EX_OK;
		default:
			fputs(run_usage, stderr);
			return RB_EX_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "rebound run: unexpected argument '%s'\n",
			argv[optind]);
		return RB_EX_USAGE;
	}
	if (r->quiet)
		rb_log_set_level(RB_LOG_ERROR);
	else if (verbose)
		rb_log_set_level(verbose > 1 ? RB_LOG_DEBUG : RB_LOG_INFO);
	return -1;
}

int
rb_cmd_run(int argc, char **argv)
{
	struct runner r;
	struct sigaction sa;
	int rc;

	memset(&r, 0, sizeof(r));
	r.lockfd = -1;
	r.jobs = rb_procs_cores();
	rb_cli_db_init(&r.db);
	if ((rc = run_options(&r, argc, argv)) >= 0)
		return rc;
	r.config_path = r.db.config ? r.db.config : RB_CLI_DEFAULT_CONFIG;
	if ((rc = load(&r)) >= 0)
		goto done;
	rb_cli_db_use_config(&r.db, r.cfg);
	if ((rc = lock_db(&r, r.db.path)) >= 0)
		goto done;
	r.l = rb_cli_open(&r.db, RB_LEDGER_CREATE | RB_LEDGER_WRITE, &rc);
	if (r.l == NULL)
		goto done;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &sa.sa_mask, &open_mask);
	signal(SIGPIPE, SIG_IGN);
	rc = r.once ? run_once(&r) : run_daemon(&r);
done:
	rb_ledger_free(&r.l);
	if (r.lockfd >= 0)
		close(r.lockfd);
	unload(&r);
	return rc;
}

int
rb_cmd_config(int argc, char **argv)
{
	struct rb_config *c;
	struct rb_rules *rs;
	struct rb_cli_db db;
	const char *path;
	size_t nerr;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
			  strcmp(argv[1], "-h") == 0)) {
		fputs(config_usage, stdout);
		return RB_EX_OK;
	}
	if (argc < 2 || strcmp(argv[1], "check") != 0 || argc > 3) {
		fputs(config_usage, stderr);
		return RB_EX_USAGE;
	}
	if (argc == 3 && (strcmp(argv[2], "--help") == 0 ||
			  strcmp(argv[2], "-h") == 0)) {
		fputs(config_usage, stdout);
		return RB_EX_OK;
	}
	rb_cli_db_init(&db);
	path = argc == 3 ? argv[2] : db.config ? db.config :
	       RB_CLI_DEFAULT_CONFIG;
	if ((c = rb_config_load(path, &nerr)) == NULL) {
		fprintf(stderr, "%s: %zu error(s)\n", path, nerr);
		return RB_EX_CONFIG;
	}
	rs = rb_ruleset_load(c->rules, c->nrules, 1, 0, &nerr);
	if (rs == NULL) {
		fprintf(stderr, "%s: %zu error(s) in the rules it names\n",
			path, nerr);
		rb_config_free(&c);
		return RB_EX_CONFIG;
	}
	printf("%s: ok (%zu account%s, database %s)\n", path, c->nacct,
	       c->nacct == 1 ? "" : "s",
	       c->database ? c->database : RB_CLI_DEFAULT_DB);
	rb_rules_free(&rs);
	rb_config_free(&c);
	return RB_EX_OK;
}
