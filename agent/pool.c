/* pool - a fixed set of threads that work through one batch at a time */
#define _GNU_SOURCE	/* sched_getaffinity, CPU_COUNT */
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parsers/core/err.h"

struct worker {
	struct rb_pool *p;
	void *ctx;
	pthread_t t;
};

struct rb_pool {
	int jobs;
	struct worker *w;		/* jobs - 1 threads */
	void *ctx0;			/* the caller's context */
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned gen;			/* batches started */
	int busy;			/* threads still in this batch */
	int quit;
	rb_pool_fn fn;
	char *items;
	size_t size, n;
	atomic_size_t next;		/* the next item to take */
};

/* The processors this process may run on (taskset, cgroups' cpusets),
   else the online ones. */
int
rb_pool_cores(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > RB_POOL_MAX_JOBS ? RB_POOL_MAX_JOBS : (int)n;
}

static void
drain(struct rb_pool *p, void *ctx)
{
	size_t i;

	while ((i = atomic_fetch_add_explicit(&p->next, 1,
					      memory_order_relaxed)) < p->n)
		p->fn(ctx, p->items + i * p->size);
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct rb_pool *p = w->p;
	unsigned seen = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->gen == seen && !p->quit)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		pthread_mutex_unlock(&p->mu);
		drain(p, w->ctx);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct rb_pool *
rb_pool_new(int jobs, void *const *ctx)
{
	struct rb_pool *p = rb_xcalloc(1, sizeof(*p));
	int k;

	p->jobs = jobs < 1 ? 1 : jobs;
	p->ctx0 = ctx[0];
	atomic_init(&p->next, 0);
	if (p->jobs == 1)
		return p;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	p->w = rb_xcalloc((size_t)p->jobs - 1, sizeof(*p->w));
	for (k = 1; k < p->jobs; k++) {
		struct worker *w = &p->w[k - 1];

		w->p = p;
		w->ctx = ctx[k];
		if (pthread_create(&w->t, NULL, work, w) != 0)
			rb_panic("cannot start a parsing thread");
	}
	return p;
}

void
rb_pool_run(struct rb_pool *p, rb_pool_fn fn, void *items, size_t size,
	    size_t n)
{
	p->fn = fn;
	p->items = items;
	p->size = size;
	p->n = n;
	atomic_store_explicit(&p->next, 0, memory_order_relaxed);
	if (p->jobs == 1) {
		drain(p, p->ctx0);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->busy = p->jobs - 1;
	p->gen++;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	drain(p, p->ctx0);
	pthread_mutex_lock(&p->mu);
	while (p->busy > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void
rb_pool_free(struct rb_pool **pp)
{
	struct rb_pool *p = *pp;
	int k;

	if (p == NULL)
		return;
	*pp = NULL;
	if (p->jobs > 1) {
		pthread_mutex_lock(&p->mu);
		p->quit = 1;
		pthread_cond_broadcast(&p->go);
		pthread_mutex_unlock(&p->mu);
		for (k = 1; k < p->jobs; k++)
			pthread_join(p->w[k - 1].t, NULL);
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->go);
		pthread_cond_destroy(&p->done);
		free(p->w);
	}
	free(p);
}
