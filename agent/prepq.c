/* prepq - messages parsed on a pool of threads, applied in input order */
#include "prepq.h"

#include <stdlib.h>

#include "input.h"
#include "parsers/core/err.h"
#include "pool.h"

struct item {
	struct rb_msg m;
	uint64_t tag;
	struct rb_prep *pr;
	int dup;		/* the ledger has its bytes: nothing to do */
	enum rb_apply_outcome outcome;
};

struct wctx {
	const struct rb_apply *a;
	struct rb_apply_worker *w;
};

struct rb_prepq {
	struct rb_apply *a;
	struct rb_pool *pool;
	struct wctx *wc;
	int jobs, own_tx;
	rb_prepq_fn done;
	void *ctx;
	struct item *items;
	size_t n, max, bytes;
};

struct rb_prepq *
rb_prepq_new(struct rb_apply *a, int jobs, size_t max, int own_tx,
	     rb_prepq_fn done, void *ctx)
{
	struct rb_prepq *q = rb_xcalloc(1, sizeof(*q));
	void *ctxs[RB_POOL_MAX_JOBS];
	size_t k;
	int i;

	q->a = a;
	q->jobs = jobs < 1 ? 1 : jobs > RB_POOL_MAX_JOBS ? RB_POOL_MAX_JOBS :
		  jobs;
	q->own_tx = own_tx;
	q->done = done;
	q->ctx = ctx;
	q->max = max < 1 ? 1 : max;
	q->wc = rb_xcalloc((size_t)q->jobs, sizeof(*q->wc));
	for (i = 0; i < q->jobs; i++) {
		q->wc[i].a = a;
		q->wc[i].w = rb_apply_worker_new(a);
		ctxs[i] = &q->wc[i];
	}
	q->pool = rb_pool_new(q->jobs, ctxs);
	q->items = rb_xcalloc(q->max, sizeof(*q->items));
	for (k = 0; k < q->max; k++)
		q->items[k].pr = rb_prep_new();
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
}

void
rb_prepq_free(struct rb_prepq **qp)
{
	struct rb_prepq *q = *qp;
	size_t k;
	int i;

	if (q == NULL)
		return;
	*qp = NULL;
	rb_prepq_drop(q);
	rb_pool_free(&q->pool);
	for (i = 0; i < q->jobs; i++)
		rb_apply_worker_free(&q->wc[i].w);
	for (k = 0; k < q->max; k++)
		rb_prep_free(&q->items[k].pr);
	free(q->items);
	free(q->wc);
	free(q);
}

static void
prepare_item(void *ctx, void *itemp)
{
	struct wctx *c = ctx;
	struct item *it = itemp;

	if (!it->dup)
		rb_apply_prepare(c->a, c->w, it->pr);
}

int
rb_prepq_flush(struct rb_prepq *q, struct rb_err *err)
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
	if (rc == 0)
		rb_pool_run(q->pool, prepare_item, q->items, sizeof(*q->items),
			    q->n);
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
	if (q->own_tx) {
		if (rc != 0)
			rb_apply_batch_abort(q->a);
		else if (rb_apply_batch_commit(q->a, err) != 0)
			rc = -1;
	}
	rb_prepq_drop(q);
	return rc;
}

int
rb_prepq_add(struct rb_prepq *q, const char *source, const char *data,
	     size_t len, uint64_t tag, struct rb_err *err)
{
	struct item *it = &q->items[q->n++];

	rb_msg_keep(&it->m, source, data, len);
	it->tag = tag;
	q->bytes += len;
	if (q->n == q->max || q->bytes >= RB_BATCH_BYTES)
		return rb_prepq_flush(q, err);
	return 0;
}
