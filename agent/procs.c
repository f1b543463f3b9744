/* procs - worker processes that turn batches of bytes into answers */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parsers/core/buf.h"
#include "parsers/core/err.h"
#include "procs.h"

int
rb_procs_cores(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > RB_PROCS_MAX_JOBS ? RB_PROCS_MAX_JOBS : (int)n;
}

struct worker {
	pid_t pid;
	int fd;			/* the parent's end of the socket pair */
	int busy;		/* has a batch whose answer is not taken */
	char *tag;		/* that batch's tag */
};

struct rb_procs {
	struct worker *w;
	int n;
	int next;		/* the worker the next batch goes to */
	int oldest;		/* the worker whose answer comes next */
	int busy;		/* batches out */
	char *in;		/* an answer being read */
	size_t cap;
};

/* Writes all of p, without SIGPIPE when the other end is gone (a socket,
   not a pipe, for MSG_NOSIGNAL: stdout keeps its usual SIGPIPE). */
static int
send_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t k = send(fd, c, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Reads n bytes: 0, 1 at end of file before the first byte, -1 on an error
   or a short read. */
static int
recv_all(int fd, void *p, size_t n)
{
	char *c = p;
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, c + got, n - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			return got == 0 ? 1 : -1;
		got += (size_t)k;
	}
	return 0;
}

static int
send_frame(int fd, const char *p, size_t n)
{
	uint64_t len = n;

	if (send_all(fd, &len, sizeof(len)) != 0)
		return -1;
	return send_all(fd, p, n);
}

/* Reads a frame into *buf (grown as needed): 0, 1 at a clean end, -1. */
static int
recv_frame(int fd, char **buf, size_t *cap, size_t *n)
{
	uint64_t len;
	int rc = recv_all(fd, &len, sizeof(len));

	if (rc != 0)
		return rc;
	if (len > RB_PROCS_MAX_FRAME)
		return -1;
	if (len + 1 > *cap) {
		free(*buf);
		*cap = (size_t)len + 1;
		*buf = rb_xmalloc(*cap);
	}
	*n = (size_t)len;
	return recv_all(fd, *buf, *n) == 0 ? 0 : -1;
}

/* A worker's life: batches in, answers out, until the parent closes its
   end.  _exit, so that nothing of the parent's (stdio buffers, atexit
   handlers, open databases) is flushed or closed twice. */
static _Noreturn void
worker_main(int fd, rb_procs_work work, void *ctx)
{
	char *in = NULL;
	size_t cap = 0, n;
	struct rb_buf out;
	int rc;

	rb_buf_init(&out, RB_PROCS_MAX_FRAME);
	while ((rc = recv_frame(fd, &in, &cap, &n)) == 0) {
		rb_buf_reset(&out);
		if (work(ctx, in, n, &out) != 0 || out.err)
			_exit(70);
		if (send_frame(fd, out.p, out.len) != 0)
			_exit(74);
	}
	_exit(rc == 1 ? 0 : 74);
}

/* In a new worker: its socket becomes descriptor WORKER_FD and every
   descriptor above is closed: the parent's database, IMAP connection and
   the other workers' sockets are none of its business (each worker must
   see its own socket close when the parent's end does).  The signals that
   stop a run are ignored: the parent finishes its batch on them and then
   closes the sockets, which ends the workers. */
#define WORKER_FD 3

static int
worker_fds(int fd)
{
	if (fd != WORKER_FD && dup2(fd, WORKER_FD) < 0)
		_exit(71);
	close_range(WORKER_FD + 1, ~0u, 0);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	return WORKER_FD;
}

struct rb_procs *
rb_procs_new(int n, rb_procs_work work, void *ctx, struct rb_err *err)
{
	struct rb_procs *p = rb_xcalloc(1, sizeof(*p));
	int k;

	p->w = rb_xcalloc((size_t)n, sizeof(*p->w));
	for (k = 0; k < n; k++)
		p->w[k].fd = -1;
	fflush(NULL);
	for (k = 0; k < n; k++) {
		int sv[2];
		pid_t pid;

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
			       sv) != 0) {
			rb_fail(err, RB_EFATAL, NULL,
				"cannot make a socket for worker %d: %s", k,
				strerror(errno));
			goto fail;
		}
		pid = fork();
		if (pid < 0) {
			rb_fail(err, RB_EFATAL, NULL,
				"cannot start worker %d: %s", k,
				strerror(errno));
			close(sv[0]);
			close(sv[1]);
			goto fail;
		}
		if (pid == 0)
			worker_main(worker_fds(sv[1]), work, ctx);
		close(sv[1]);
		p->w[k].pid = pid;
		p->w[k].fd = sv[0];
		p->n = k + 1;
	}
	return p;
fail:
	rb_procs_free(&p);
	return NULL;
}

/* Why worker w is gone, into *err.  Its socket is closed first: a worker
   still alive (one that sent a frame too big) then ends at its next read
   or write, so the wait does not hang. */
static int
died(struct worker *w, struct rb_err *err)
{
	int status = 0;

	close(w->fd);
	w->fd = -1;
	if (waitpid(w->pid, &status, 0) == w->pid) {
		w->pid = 0;
		if (WIFSIGNALED(status))
			return rb_fail(err, RB_EFATAL, w->tag,
				       "the worker for the batch that starts "
				       "here was killed by signal %d",
				       WTERMSIG(status));
		return rb_fail(err, RB_EFATAL, w->tag,
			       "the worker for the batch that starts here "
			       "ended with status %d", WEXITSTATUS(status));
	}
	return rb_fail(err, RB_EFATAL, w->tag,
		       "the worker for the batch that starts here was lost");
}

/* Takes the oldest answer. */
static int
take_one(struct rb_procs *p, rb_procs_take take, void *ctx,
	 struct rb_err *err)
{
	struct worker *w = &p->w[p->oldest];
	size_t n;
	int rc;

	rc = recv_frame(w->fd, &p->in, &p->cap, &n);
	if (rc != 0)
		return died(w, err);
	w->busy = 0;
	p->busy--;
	p->oldest = (p->oldest + 1) % p->n;
	rc = take(ctx, p->in, n, w->tag, err);
	free(w->tag);
	w->tag = NULL;
	return rc;
}

int
rb_procs_send(struct rb_procs *p, const char *batch, size_t len,
	      const char *tag, rb_procs_take take, void *ctx,
	      struct rb_err *err)
{
	struct worker *w = &p->w[p->next];

	while (w->busy)
		if (take_one(p, take, ctx, err) != 0)
			return -1;
	w->tag = rb_xstrdup(tag ? tag : "");
	if (send_frame(w->fd, batch, len) != 0)
		return died(w, err);
	w->busy = 1;
	p->busy++;
	p->next = (p->next + 1) % p->n;
	return 0;
}

int
rb_procs_drain(struct rb_procs *p, rb_procs_take take, void *ctx,
	       struct rb_err *err)
{
	while (p->busy > 0)
		if (take_one(p, take, ctx, err) != 0)
			return -1;
	return 0;
}

void
rb_procs_put(struct rb_buf *b, const void *p, size_t n)
{
	rb_buf_add(b, p, n);
}

int
rb_procs_get(const char **at, const char *end, void *p, size_t n)
{
	if ((size_t)(end - *at) < n)
		return -1;
	memcpy(p, *at, n);
	*at += n;
	return 0;
}

void
rb_procs_put_msg(struct rb_buf *b, const char *source, const char *data,
		 size_t len)
{
	uint32_t slen = (uint32_t)strlen(source);
	uint64_t dlen = len;

	rb_buf_add(b, &slen, sizeof(slen));
	rb_buf_add(b, source, slen);
	rb_buf_add(b, &dlen, sizeof(dlen));
	rb_buf_add(b, data, len);
}

int
rb_procs_get_msg(const char **at, const char *end, char **source,
		 const char **data, size_t *len)
{
	uint32_t slen;
	uint64_t dlen;
	const char *s;

	if (rb_procs_get(at, end, &slen, sizeof(slen)) != 0 ||
	    (size_t)(end - *at) < slen)
		return -1;
	s = *at;
	*at += slen;
	if (rb_procs_get(at, end, &dlen, sizeof(dlen)) != 0 ||
	    (uint64_t)(end - *at) < dlen)
		return -1;
	*source = rb_xstrndup(s, slen);
	*data = *at;
	*len = (size_t)dlen;
	*at += dlen;
	return 0;
}

void
rb_procs_free(struct rb_procs **pp)
{
	struct rb_procs *p = *pp;
	int k;

	if (p == NULL)
		return;
	/* Closing first lets every worker end at once, whatever it was
	   doing (one with a batch gets EPIPE on its answer). */
	for (k = 0; k < p->n; k++)
		if (p->w[k].fd >= 0)
			close(p->w[k].fd);
	for (k = 0; k < p->n; k++) {
		if (p->w[k].pid > 0)
			while (waitpid(p->w[k].pid, NULL, 0) < 0 &&
			       errno == EINTR)
				;
		free(p->w[k].tag);
	}
	free(p->w);
	free(p->in);
	free(p);
	*pp = NULL;
}
