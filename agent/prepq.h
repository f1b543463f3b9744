/*
 * prepq - messages parsed on a pool of threads, applied in input order
 *
 * ingest and run hand their messages to a queue; when it is full (or
 * flushed) the messages the ledger does not hold already by their bytes
 * are parsed and packed on every thread (rb_apply_prepare), then applied
 * one by one in the order they came (rb_apply_prepared), so that the
 * ledger is the one a single thread makes.  After each message the
 * caller's callback learns what became of it.
 *
 * With own_tx, each flush is one transaction (ingest: files stay where
 * they are, so a batch lost to a kill is read again); without, the
 * caller has a batch open around its adds and flushes (run: the IMAP
 * checkpoint goes in the same transaction).
 */
#ifndef REBOUND_AGENT_PREPQ_H
#define REBOUND_AGENT_PREPQ_H

#include <stddef.h>
#include <stdint.h>

#include "apply.h"

struct rb_err;
struct rb_prepq;

/* Called in input order once a message is applied (or found a
   duplicate); tag is what rb_prepq_add was given.  0 to go on, -1 to stop
   (with *err set). */
typedef int (*rb_prepq_fn)(void *ctx, uint64_t tag,
			   enum rb_apply_outcome outcome, struct rb_err *err);

/* A queue of at most max messages (and RB_BATCH_BYTES) parsed on jobs
   threads.  a must outlive it. */
struct rb_prepq *rb_prepq_new(struct rb_apply *a, int jobs, size_t max,
			      int own_tx, rb_prepq_fn done, void *ctx);
void rb_prepq_free(struct rb_prepq **q);

/* Queues a copy of the message, and flushes when the queue is full.
   0, or -1 with *err when the ledger failed or the callback stopped (the
   rest of the queue is dropped). */
int rb_prepq_add(struct rb_prepq *q, const char *source, const char *data,
		 size_t len, uint64_t tag, struct rb_err *err);

/* Applies what is queued.  0 or -1 as for rb_prepq_add. */
int rb_prepq_flush(struct rb_prepq *q, struct rb_err *err);

/* Forgets what is queued (after a failed fetch). */
void rb_prepq_drop(struct rb_prepq *q);

#endif
