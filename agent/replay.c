/* replay - rebuild the suppression list and retry ledger from the history */
#include <stdlib.h>
#include <string.h>

#include "apply_int.h"
#include "ledger.h"
#include "parsers/bounce.h"
#include "parsers/core/arena.h"
#include "parsers/core/err.h"

/* One step of the history: a message or a manual change. */
struct step {
	int audit;
	int64_t id;
	int reparse;
};

struct steps {
	struct step *v;
	size_t n, cap;
};

static int
step_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct steps *s = ctx;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = rb_xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n].audit = rb_val_int(&c[0]) == 1;
	s->v[s->n].id = rb_val_int(&c[1]);
	s->v[s->n].reparse = rb_val_int(&c[3]) == 1;
	s->n++;
	return 0;
}

struct change {
	struct rb_arena *a;
	int found;
	int64_t t;
	const char *action, *address, *cls, *reason, *note;
};

static int
audit_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct change *ch = ctx;

	ch->found = 1;
	ch->t = rb_val_int(&c[0]);
	ch->action = rb_arena_strdup(ch->a, rb_val_str(&c[1]));
	ch->address = rb_arena_strdup(ch->a, rb_val_str(&c[2]));
	ch->cls = rb_arena_strdup(ch->a, rb_val_str(&c[3]));
	ch->reason = rb_arena_strdup(ch->a, rb_val_str(&c[4]));
	ch->note = rb_arena_strdup(ch->a, rb_val_str(&c[5]));
	return 1;
}

static int
replay_audit(struct rb_apply *a, int64_t seq, struct rb_err *err)
{
	struct change ch;
	enum rb_manual act;
	int changed;

	memset(&ch, 0, sizeof(ch));
	ch.a = a->a;
	if (rb_ledger_run(a->l, RB_Q_AUDIT_GET, RB_ARGS(RB_VINT(seq)),
			  audit_row, &ch, err) < 0)
		return -1;
	if (!ch.found)
		return 0;
	if (strcmp(ch.action, "add") == 0)
		act = RB_MAN_ADD;
	else if (strcmp(ch.action, "remove") == 0)
		act = RB_MAN_REMOVE;
	else
		act = RB_MAN_CLEAR;
	return rb_apply_manual(a, act, ch.address, ch.cls, ch.reason, ch.note,
			       ch.t, 0, &changed, err);
}

struct evs {
	struct rb_arena *a;
	struct rb_ev *v;
	size_t n, cap;
};

static int
event_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct evs *e = ctx;
	struct rb_ev *ev;

	e->v = rb_arena_grow(e->a, e->v, &e->cap, e->n + 1, sizeof(*e->v));
	ev = &e->v[e->n++];
	ev->id = rb_val_int(&c[0]);
	ev->addr = rb_arena_strdup(e->a, rb_val_str(&c[1]));
	ev->cls = rb_class_of(rb_val_str(&c[2]));
	ev->reason = rb_arena_strdup(e->a, rb_val_str(&c[3]));
	ev->t = rb_val_int(&c[4]);
	return 0;
}

/* A message whose stored events stand. */
static int
replay_stored(struct rb_apply *a, int64_t msg, struct rb_err *err)
{
	struct evs e = {a->a, NULL, 0, 0};
	size_t i;

	if (rb_ledger_run(a->l, RB_Q_UNDEC_DEL_EV, RB_ARGS(RB_VINT(msg)),
			  NULL, NULL, err) < 0 ||
	    rb_ledger_run(a->l, RB_Q_EVENTS_OF, RB_ARGS(RB_VINT(msg)),
			  event_row, &e, err) < 0)
		return -1;
	for (i = 0; i < e.n; i++)
		if (rb_apply_ev(a, msg, &e.v[i], err) != 0)
			return -1;
	return 0;
}

struct raw {
	struct rb_arena *a;
	char *data;
	size_t size;
	const char *source, *verp;
	int bad;
};

static int
raw_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct raw *r = ctx;

	r->size = (size_t)rb_val_int(&c[0]);
	r->source = rb_arena_strdup(r->a, rb_val_str(&c[2]));
	r->verp = rb_arena_strdup(r->a, rb_val_str(&c[3]));
	r->bad = rb_raw_unpack(c[1].p, c[1].len, r->size, &r->data) != 0;
	return 1;
}

/* A message parsed again from its raw bytes with the current rules. */
static int
replay_parse(struct rb_apply *a, int64_t msg, struct rb_err *err)
{
	struct raw r = {a->a, NULL, 0, NULL, NULL, 0};
	struct rb_bounce b;
	int rc = -1;

	if (rb_ledger_run(a->l, RB_Q_RAW_GET, RB_ARGS(RB_VINT(msg)), raw_row,
			  &r, err) < 0)
		return -1;
	if (r.data == NULL) {
		if (r.bad)
			return rb_fail(err, RB_EFATAL, r.source,
				       "the kept raw bounce is damaged");
		return replay_stored(a, msg, err);
	}
	rb_bounce_parse(a->p, a->c, a->a, r.data, r.size, r.source, &b, NULL);
	/* A --verp given to replay decodes again; else the address decoded
	   at ingest stands. */
	if (a->o.verp != NULL)
		r.verp = rb_apply_verp(a, &b);
	if (rb_ledger_run(a->l, RB_Q_UNDEC_DEL, RB_ARGS(RB_VINT(msg)), NULL,
			  NULL, err) >= 0 &&
	    rb_ledger_run(a->l, RB_Q_EVENTS_DEL, RB_ARGS(RB_VINT(msg)), NULL,
			  NULL, err) >= 0 &&
	    rb_apply_bounce(a, msg, &b, r.verp, err) == 0 &&
	    rb_ledger_run(a->l, RB_Q_MSG_SET,
			  RB_ARGS(RB_VINT(msg), RB_VTEXT(b.decoder),
				  RB_VINT(b.n)), NULL, NULL, err) >= 0)
		rc = 0;
	free(r.data);
	return rc;
}

static int
walk(struct rb_apply *a, const struct steps *s, size_t *reparsed,
     struct rb_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < s->n && rc == 0; i++) {
		const struct step *st = &s->v[i];

		rb_arena_reset(a->a);
		memset(&a->cur, 0, sizeof(a->cur));
		if (st->audit) {
			rc = replay_audit(a, st->id, err);
			continue;
		}
		if (st->reparse && a->p != NULL) {
			rc = replay_parse(a, st->id, err);
			(*reparsed)++;
		} else {
			rc = replay_stored(a, st->id, err);
		}
		a->sum.messages++;
		rb_apply_sum_add(&a->sum, &a->cur);
	}
	return rc;
}

int
rb_apply_replay(struct rb_apply *a, int64_t since, size_t *reparsed,
		struct rb_err *err)
{
	static const enum rb_lq prep[] = {
		RB_Q_SNAP_SUPP, RB_Q_SNAP_RETRY, RB_Q_SUPP_DEL_ALL,
		RB_Q_RETRY_DEL_ALL,
	};
	struct steps s = {NULL, 0, 0};
	size_t i;
	int rc;

	*reparsed = 0;
	if (rb_ledger_begin(a->l, err) != 0)
		return -1;
	for (i = 0; i < sizeof(prep) / sizeof(prep[0]); i++)
		if (rb_ledger_run(a->l, prep[i], RB_NOARGS, NULL, NULL,
				  err) < 0)
			goto fail;
	if (rb_ledger_run(a->l, RB_Q_HISTORY, RB_ARGS(RB_VINT(since)),
			  step_row, &s, err) < 0)
		goto fail;
	rc = walk(a, &s, reparsed, err);
	if (rc != 0)
		goto fail;
	free(s.v);
	return 0;
fail:
	free(s.v);
	rb_ledger_rollback(a->l);
	return -1;
}
