/*
 * procs - worker processes that turn batches of bytes into answers, in turn
 *
 * GMime and GLib take locks shared by the whole process on every object
 * they make (the type system's class references, a bit lock on each
 * object's data list), so parsing on two threads went only 1.35 times as
 * fast as on one, where two processes went twice as fast (bench/results.md).
 * `rebound parse --jobs N` therefore forks N workers once its rules are
 * loaded.  The parent reads the input and hands batch k to worker k mod N
 * over a socket pair; it takes the answers back in the same order, so the
 * output is the one a single process prints.  A worker has a batch only
 * while the parent waits for it: neither side can block the other for
 * good.
 *
 * A batch and an answer are each one frame: an 8-byte length, then the
 * bytes.  What they hold is the caller's.
 */
#ifndef REBOUND_AGENT_PROCS_H
#define REBOUND_AGENT_PROCS_H

#include <stddef.h>

struct rb_buf;
struct rb_err;
struct rb_procs;

/* In a worker: turns one batch into its answer (appended to out, which is
   empty).  0, or -1 to end the worker with a failure. */
typedef int (*rb_procs_work)(void *ctx, const char *batch, size_t len,
			     struct rb_buf *out);

/* In the parent: what to do with the answer to the batch sent with tag.
   0, or -1 with *err set to stop. */
typedef int (*rb_procs_take)(void *ctx, const char *answer, size_t len,
			     const char *tag, struct rb_err *err);

/* Most workers: beyond this, the parent's reading of the input and the
   ledger's writes are the limit, not parsing. */
#define RB_PROCS_MAX_JOBS 64

/* The number of processors this process may run on (its affinity mask,
   as taskset sets it), at least 1, at most RB_PROCS_MAX_JOBS. */
int rb_procs_cores(void);

/* The biggest frame either side accepts: a batch is at most RB_BATCH_BYTES
   of messages with their names, an answer their records. */
#define RB_PROCS_MAX_FRAME ((size_t)1 << 30)

/* Forks n workers running work(ctx, ...) until their socket closes.
   Flushes stdio first.  NULL with *err when a socket or a fork failed
   (the workers already made are stopped). */
struct rb_procs *rb_procs_new(int n, rb_procs_work work, void *ctx,
			      struct rb_err *err);

/* Sends a batch, tagged (a message name, for errors) with tag, to the next
   worker; when that worker still has one, its answer goes to take() first.
   0, or -1 with *err (a worker died or take() stopped). */
int rb_procs_send(struct rb_procs *p, const char *batch, size_t len,
		  const char *tag, rb_procs_take take, void *ctx,
		  struct rb_err *err);

/* Takes every outstanding answer, in order.  0 or -1 as above. */
int rb_procs_drain(struct rb_procs *p, rb_procs_take take, void *ctx,
		   struct rb_err *err);

/* For the callers' frames: rb_procs_put() appends n bytes to b (its cap
   sticks as an error, as rb_buf does); rb_procs_get() copies n bytes from
   [*at, end) to p and moves *at past them: 0, or -1 when fewer are left. */
void rb_procs_put(struct rb_buf *b, const void *p, size_t n);
int rb_procs_get(const char **at, const char *end, void *p, size_t n);

/* A message in a batch: a 4-byte name length, the name, an 8-byte length
   and the bytes.  rb_procs_get_msg() gives the name as a string to free
   and the bytes in place: 0, or -1 when the frame is short. */
void rb_procs_put_msg(struct rb_buf *b, const char *source, const char *data,
		      size_t len);
int rb_procs_get_msg(const char **at, const char *end, char **source,
		     const char **data, size_t *len);

/* Closes the sockets and waits for the workers; NULL is a no-op. */
void rb_procs_free(struct rb_procs **pp);

#endif
