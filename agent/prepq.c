/* prepq - messages parsed by worker processes, applied in input order */
#include "prepq.h"

#include <stdlib.h>
#include <string.h>

#include "apply_int.h"
#include "input.h"
#include "parsers/core/buf.h"
#include "parsers/core/err.h"
#include "procs.h"

/* One job: a message held until the batch is applied. */
struct item {
	struct rb_msg m;
	uint64_t tag;
	struct rb_prep *pr;
	int dup;		/* the ledger has its bytes: nothing to do */
	enum rb_apply_outcome outcome;
};

/* With workers: a message sent, not yet applied (oldest first). */
struct pend {
	uint64_t tag;
	char *source;
	size_t len;
	char hash[65];
	int dup;
	enum rb_apply_outcome outcome;
};

struct rb_prepq {
	struct rb_apply *a;
	int jobs, own_tx;
	rb_prepq_fn done;
	void *ctx;
	size_t max;
	struct rb_apply_worker *w;	/* one job; a worker's own */
	struct rb_prep *pr;		/* with workers: the scratch */
	/* one job */
	struct item *items;
	size_t n, bytes;
	/* with workers */
	struct rb_procs *procs;		/* made at the first message */
	struct rb_buf batch;		/* the messages in hand */
	size_t nbatch;
	char *first;			/* the name of its first */
	struct pend *pend;		/* a ring of cap */
	size_t head, npend, cap;
};

/* A batch sent to a worker: for each message a byte, 1 when it is to be
   prepared (then the message follows, rb_procs_put_msg), 0 for a
   duplicate.  The answer has the same byte for
   each, 1 followed by the prepared message (rb_prep_write). */



/* In a worker: prepares the messages of a batch. */
static int
work_batch(void *ctx, const char *batch, size_t len, struct rb_buf *out)
{
	struct rb_prepq *q = ctx;
	const char *at = batch, *end = batch + len;

	while (at < end) {
		unsigned char flag;
		char *source;

		if (rb_procs_get(&at, end, &flag, 1) != 0)
			return -1;
		rb_procs_put(out, &flag, 1);
		if (flag == 0)
			continue;
		if (rb_procs_get_msg(&at, end, &source, &q->pr->data,
				     &q->pr->len) != 0)
			return -1;
		q->pr->source = source;
		rb_apply_prepare(q->a, q->w, q->pr);
		rb_prep_write(q->pr, out);
		free(source);
	}
	return 0;
}

struct rb_prepq *
rb_prepq_new(struct rb_apply *a, int jobs, size_t max, int own_tx,
	     rb_prepq_fn done, void *ctx)
{
	struct rb_prepq *q = rb_xcalloc(1, sizeof(*q));
	size_t k;

	q->a = a;
	q->jobs = jobs < 1 ? 1 : jobs;
	q->own_tx = own_tx;
	q->done = done;
	q->ctx = ctx;
	q->max = max < 1 ? 1 : max;
	q->w = rb_apply_worker_new(a);
	q->pr = rb_prep_new();
	if (q->jobs == 1) {
		q->items = rb_xcalloc(q->max, sizeof(*q->items));
		for (k = 0; k < q->max; k++)
			q->items[k].pr = rb_prep_new();
	} else {
		rb_buf_init(&q->batch, RB_PROCS_MAX_FRAME);
		/* Messages out at once: a batch per worker, and the one
		   being filled. */
		q->cap = q->max * (size_t)(q->jobs + 1);
		q->pend = rb_xcalloc(q->cap, sizeof(*q->pend));
	}
	return q;
}

void
rb_prepq_drop(struct rb_prepq *q)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		rb_msg_drop(&q->items[i].m);
	q->n = 0;
	q->bytes = 0;
	/* What the workers have is forgotten with them; new ones are made
	   at the next message. */
	rb_procs_free(&q->procs);
	for (i = 0; i < q->npend; i++) {
		free(q->pend[(q->head + i) % q->cap].source);
		q->pend[(q->head + i) % q->cap].source = NULL;
	}
	q->head = q->npend = 0;
	rb_buf_reset(&q->batch);
	q->nbatch = 0;
	free(q->first);
	q->first = NULL;
}

void
rb_prepq_free(struct rb_prepq **qp)
{
	struct rb_prepq *q = *qp;
	size_t k;

	if (q == NULL)
		return;
	*qp = NULL;
	rb_prepq_drop(q);
	if (q->items)
		for (k = 0; k < q->max; k++)
			rb_prep_free(&q->items[k].pr);
	free(q->items);
	free(q->pend);
	rb_buf_deinit(&q->batch);
	rb_prep_free(&q->pr);
	rb_apply_worker_free(&q->w);
	free(q);
}

/* Ends a batch's own transaction (ingest): committed when rc is 0, else
   rolled back.  Returns rc, or -1 when the commit failed. */
static int
end_tx(struct rb_prepq *q, int rc, struct rb_err *err)
{
	if (!q->own_tx)
		return rc;
	if (rc != 0)
		rb_apply_batch_abort(q->a);
	else if (rb_apply_batch_commit(q->a, err) != 0)
		rc = -1;
	return rc;
}

/* One job: the batch in hand, checked, parsed and applied. */
static int
flush_here(struct rb_prepq *q, struct rb_err *err)
{
	size_t i;
	int rc = 0, r;

	/* Duplicates by bytes first: they need no parsing. */
	for (i = 0; i < q->n && rc == 0; i++) {
		struct item *it = &q->items[i];

		r = rb_apply_precheck(q->a, it->pr, it->m.source, it->m.data,
				      it->m.len, err);
		if (r < 0)
			rc = -1;
		it->dup = r > 0;
		it->outcome = rb_apply_last(q->a);
	}
	for (i = 0; i < q->n && rc == 0; i++)
		if (!q->items[i].dup)
			rb_apply_prepare(q->a, q->w, q->items[i].pr);
	if (rc == 0 && q->own_tx && rb_apply_batch_begin(q->a, err) != 0)
		rc = -1;
	for (i = 0; i < q->n && rc == 0; i++) {
		struct item *it = &q->items[i];

		if (!it->dup) {
			if (rb_apply_prepared(q->a, it->pr, err) != 0) {
				rc = -1;
				break;
			}
			it->outcome = rb_apply_last(q->a);
		}
		if (q->done(q->ctx, it->tag, it->outcome, err) != 0)
			rc = -1;
	}
	rc = end_tx(q, rc, err);
	rb_prepq_drop(q);
	return rc;
}

/* In the parent: applies a worker's answer, in the order sent. */
static int
take_batch(void *ctx, const char *answer, size_t len, const char *tag,
	   struct rb_err *err)
{
	struct rb_prepq *q = ctx;
	const char *at = answer, *end = answer + len;
	int rc = 0;

	if (q->own_tx && rb_apply_batch_begin(q->a, err) != 0)
		return -1;
	while (at < end && rc == 0) {
		struct pend *p = &q->pend[q->head];
		unsigned char flag;

		if (q->npend == 0 || rb_procs_get(&at, end, &flag, 1) != 0 ||
		    flag != !p->dup) {
			rc = rb_fail(err, RB_EFATAL, tag, "a worker's answer "
				     "does not match its batch");
			break;
		}
		if (flag) {
			if (rb_prep_read(q->pr, &at, end) != 0) {
				rc = rb_fail(err, RB_EFATAL, tag, "a worker's "
					     "answer is cut short");
				break;
			}
			q->pr->source = p->source;
			q->pr->data = NULL;
			q->pr->len = p->len;
			memcpy(q->pr->hash, p->hash, sizeof(p->hash));
			if (rb_apply_prepared(q->a, q->pr, err) != 0) {
				rc = -1;
				break;
			}
			p->outcome = rb_apply_last(q->a);
		}
		if (q->done(q->ctx, p->tag, p->outcome, err) != 0)
			rc = -1;
		free(p->source);
		p->source = NULL;
		q->head = (q->head + 1) % q->cap;
		q->npend--;
	}
	rc = end_tx(q, rc, err);
	return rc;
}

/* Sends the batch in hand to the next worker (whose last answer, if any,
   is applied first). */
static int
send_batch(struct rb_prepq *q, struct rb_err *err)
{
	int rc;

	if (q->nbatch == 0)
		return 0;
	if (q->batch.err)
		rc = rb_fail(err, RB_EINPUT, q->first, "a message too large "
			     "for a batch");
	else
		rc = rb_procs_send(q->procs, q->batch.p, q->batch.len,
				   q->first, take_batch, q, err);
	rb_buf_reset(&q->batch);
	q->nbatch = 0;
	free(q->first);
	q->first = NULL;
	return rc;
}

int
rb_prepq_flush(struct rb_prepq *q, struct rb_err *err)
{
	if (q->jobs == 1)
		return flush_here(q, err);
	if (q->procs == NULL)
		return 0;
	if (send_batch(q, err) != 0 ||
	    rb_procs_drain(q->procs, take_batch, q, err) != 0)
		return -1;
	return 0;
}

int
rb_prepq_add(struct rb_prepq *q, const char *source, const char *data,
	     size_t len, uint64_t tag, struct rb_err *err)
{
	struct pend *p;
	unsigned char flag;
	int r;

	if (q->jobs == 1) {
		struct item *it = &q->items[q->n++];

		rb_msg_keep(&it->m, source, data, len);
		it->tag = tag;
		q->bytes += len;
		if (q->n == q->max || q->bytes >= RB_BATCH_BYTES)
			return flush_here(q, err);
		return 0;
	}
	if (q->procs == NULL &&
	    (q->procs = rb_procs_new(q->jobs, work_batch, q, err)) == NULL)
		return -1;
	/* The ledger is asked now: a duplicate of a message still with a
	   worker is not seen here, but by rb_apply_prepared(). */
	r = rb_apply_precheck(q->a, q->pr, source, data, len, err);
	if (r < 0)
		return -1;
	p = &q->pend[(q->head + q->npend++) % q->cap];
	p->tag = tag;
	p->source = rb_xstrdup(source);
	p->len = len;
	memcpy(p->hash, q->pr->hash, sizeof(p->hash));
	p->dup = r > 0;
	p->outcome = rb_apply_last(q->a);
	if (q->first == NULL)
		q->first = rb_xstrdup(source);
	flag = !p->dup;
	rb_procs_put(&q->batch, &flag, 1);
	if (flag)
		rb_procs_put_msg(&q->batch, source, data, len);
	if (++q->nbatch == q->max || q->batch.len >= RB_BATCH_BYTES ||
	    q->batch.err)
		return send_batch(q, err);
	return 0;
}
