/*
 * err - error reports, fatal errors and allocation that cannot fail
 *
 * An int-returning function gives 0 on success and -1 on failure with *err
 * filled; a pointer-returning one gives NULL with *err filled.  The class says
 * how far the failure reaches (after isync's DRV_MSG_BAD / DRV_BOX_BAD):
 *
 *   RB_EINPUT  this message or this file is bad: record it, warn, go on
 *   RB_ETEMP   the network or the database is unavailable: stop with nothing
 *              half-committed, exit 75 (EX_TEMPFAIL) so cron retries
 *   RB_EFATAL  bad configuration, schema or permissions: exit with a
 *              sysexits code
 *
 * Programmer errors are rb_panic() (file:line, abort), never an input error.
 * rb_xmalloc() and its siblings abort on exhaustion, so no other code checks
 * allocations.
 */
#ifndef REBOUND_CORE_ERR_H
#define REBOUND_CORE_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum rb_errclass { RB_EOK = 0, RB_EINPUT, RB_ETEMP, RB_EFATAL };

struct rb_err {
	enum rb_errclass cls;
	char where[256];	/* file:line:col, or mailbox/uidvalidity/uid */
	char msg[512];		/* what went wrong, one line */
};

/* Fills *err (NULL allowed) and returns -1, so callers write
   `return rb_fail(err, RB_EINPUT, path, "...")`.  `where` may be NULL. */
int rb_fail(struct rb_err *err, enum rb_errclass cls, const char *where,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int rb_vfail(struct rb_err *err, enum rb_errclass cls, const char *where,
	     const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

/* Resets *err to "no error". */
void rb_err_clear(struct rb_err *err);

/* Writes "where: msg" (or "msg") into buf of size n; returns buf. */
const char *rb_err_str(const struct rb_err *err, char *buf, size_t n);

/* A bug: prints file:line and the message to stderr, then abort(). */
_Noreturn void rb_panic_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define rb_panic(...) rb_panic_at(__FILE__, __LINE__, __VA_ARGS__)

/* Allocation that succeeds or does not return. */
void *rb_xmalloc(size_t n);
void *rb_xcalloc(size_t n, size_t size);
void *rb_xrealloc(void *p, size_t n);
/* realloc of n elements of size bytes, checked for overflow. */
void *rb_xreallocarray(void *p, size_t n, size_t size);
char *rb_xstrdup(const char *s);
char *rb_xstrndup(const char *s, size_t n);
/* printf into a new string the caller frees. */
char *rb_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
