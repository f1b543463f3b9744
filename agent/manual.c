/* manual - changes to the suppression list and retry ledger by hand,
   kept in the audit */
#include <stdio.h>
#include <string.h>

#include "apply_int.h"
#include "ledger.h"
#include "parsers/core/arena.h"
#include "parsers/core/buf.h"
#include "parsers/core/err.h"
#include "parsers/core/str.h"

/* The suppression a remove takes away, as JSON members. */
static int
was_supp(void *ctx, const struct rb_val *c, size_t n)
{
	struct rb_buf *b = ctx;
	char t[21];

	rb_iso8601(rb_val_int(&c[2]), t);
	rb_buf_adds(b, "\"suppression\":{\"class\":");
	rb_buf_add_jsons(b, rb_val_str(&c[0]));
	rb_buf_adds(b, ",\"reason\":");
	rb_buf_add_jsons(b, rb_val_str(&c[1]));
	rb_buf_addf(b, ",\"since\":\"%s\",\"origin\":", t);
	rb_buf_add_jsons(b, rb_val_str(&c[4]));
	rb_buf_adds(b, ",\"note\":");
	rb_buf_add_jsons(b, rb_val_str(&c[5]));
	rb_buf_adds(b, ",\"status\":");
	rb_buf_add_jsons(b, rb_val_str(&c[7]));
	rb_buf_adds(b, ",\"diagnostic\":");
	rb_buf_add_jsons(b, rb_val_str(&c[9]));
	rb_buf_adds(b, ",\"bounce_message_id\":");
	rb_buf_add_jsons(b, rb_val_str(&c[11]));
	rb_buf_addc(b, '}');
	return 1;
}

static int
was_retry(void *ctx, const struct rb_val *c, size_t n)
{
	struct rb_buf *b = ctx;

	if (b->len > 1)
		rb_buf_addc(b, ',');
	rb_buf_adds(b, "\"retry\":{\"state\":");
	rb_buf_add_jsons(b, rb_val_str(&c[0]));
	rb_buf_addf(b, ",\"soft_count\":%lld}", (long long)rb_val_int(&c[1]));
	return 1;
}

/* What a remove or clear takes away, as a JSON object (arena); fills *s
   with the suppression when supp is set. */
static const char *
was_json(struct rb_apply *a, const char *addr, int supp, struct rb_supp *s,
	 struct rb_err *err)
{
	struct rb_buf *b = &a->json;

	memset(s, 0, sizeof(*s));
	if (supp && rb_ledger_run(a->l, RB_Q_SUPP_GET, RB_ARGS(RB_VTEXT(addr)),
				  rb_apply_supp_row, s, err) < 0)
		return NULL;
	rb_buf_reset(b);
	rb_buf_addc(b, '{');
	if ((supp && rb_ledger_run(a->l, RB_Q_SUPP_SHOW,
				   RB_ARGS(RB_VTEXT(addr)), was_supp, b,
				   err) < 0) ||
	    rb_ledger_run(a->l, RB_Q_RETRY_GET, RB_ARGS(RB_VTEXT(addr)),
			  was_retry, b, err) < 0)
		return NULL;
	rb_buf_addc(b, '}');
	return b->err ? "{}" : rb_arena_strdup(a->a, b->p);
}

static int
take_away(struct rb_apply *a, enum rb_manual act, const char *address,
	  const char **was, struct rb_supp *s, int *changed, struct rb_err *err)
{
	int64_t n = 0;

	if ((*was = was_json(a, address, act == RB_MAN_REMOVE, s, err)) == NULL)
		return -1;
	if (act == RB_MAN_REMOVE) {
		if (rb_apply_run_addr(a, RB_Q_SUPP_DEL, address, err) != 0)
			return -1;
		n += rb_ledger_changes(a->l);
	}
	if (rb_apply_run_addr(a, RB_Q_RETRY_DEL, address, err) != 0)
		return -1;
	n += rb_ledger_changes(a->l);
	*changed = n > 0;
	return 0;
}

int
rb_apply_manual(struct rb_apply *a, enum rb_manual act, const char *address,
		const char *cls, const char *reason, const char *note,
		int64_t t, int record, int *changed, struct rb_err *err)
{
	static const char *const names[] = {"add", "remove", "clear"};
	const char *was = "{}";
	struct rb_supp s;
	int64_t seq;

	*changed = 0;
	if (act == RB_MAN_ADD) {
		struct rb_ev e = {-1, address, RB_CL_UNKNOWN, reason, t};

		if (rb_apply_supp_get(a, address, t, &s, err) != 0)
			return -1;
		if (s.exists)
			return 0;
		if (rb_apply_supp_put(a, &e, cls, "manual", note, err) != 0 ||
		    rb_apply_run_addr(a, RB_Q_RETRY_DEL, address, err) != 0)
			return -1;
		*changed = 1;
	} else {
		if (take_away(a, act, address, &was, &s, changed, err) != 0)
			return -1;
		cls = s.cls;
		reason = s.reason;
	}
	if (!record || !*changed)
		return 0;
	if (rb_ledger_int(a->l, RB_Q_SEQ_NEXT, RB_NOARGS, &seq, err) < 0)
		return -1;
	return rb_ledger_run(a->l, RB_Q_AUDIT_ADD,
			     RB_ARGS(RB_VINT(seq), RB_VINT(t),
				     RB_VTEXT(names[act]), RB_VTEXT(address),
				     RB_VTEXT(cls), RB_VTEXT(reason),
				     RB_VTEXT(note), RB_VTEXT(was)),
			     NULL, NULL, err) < 0 ? -1 : 0;
}
