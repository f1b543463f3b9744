/*
 * pool - a fixed set of threads that work through one batch at a time
 *
 * The commands that parse many messages (parse, ingest) gather a batch,
 * let every thread take items from it until none is left, and then use
 * the results in the batch's order, so that their output and the ledger
 * are those of a single-threaded run.  The calling thread works too: a
 * pool of one job starts no thread at all.
 *
 * Each thread has its own context (a parser context, an arena, a zlib
 * stream...), given by the caller; work functions touch only their
 * context and their item.
 */
#ifndef REBOUND_AGENT_POOL_H
#define REBOUND_AGENT_POOL_H

#include <stddef.h>

struct rb_pool;

typedef void (*rb_pool_fn)(void *ctx, void *item);

/* Most threads a pool starts: beyond this, SQLite and the reading of
   files are the limit, not parsing. */
#define RB_POOL_MAX_JOBS 64

/* The number of processors this process may run on (its affinity mask,
   as taskset sets it), at least 1, at most RB_POOL_MAX_JOBS. */
int rb_pool_cores(void);

/* A pool of jobs threads (the caller's counting), ctx[k] the context of
   thread k (ctx[0] the caller's).  Exits the program if a thread cannot
   be started. */
struct rb_pool *rb_pool_new(int jobs, void *const *ctx);

/* Runs fn on each of the n items (item i at items + i * size), on all
   threads; returns when all are done. */
void rb_pool_run(struct rb_pool *p, rb_pool_fn fn, void *items, size_t size,
		 size_t n);

/* Stops the threads and frees the pool; NULL is a no-op. */
void rb_pool_free(struct rb_pool **pp);

#endif
