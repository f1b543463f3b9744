/* err - error reports, fatal errors and allocation that cannot fail */
#include "err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
rb_vfail(struct rb_err *err, enum rb_errclass cls, const char *where,
	 const char *fmt, va_list ap)
{
	if (err == NULL)
		return -1;
	err->cls = cls;
	snprintf(err->where, sizeof(err->where), "%s", where ? where : "");
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

int
rb_fail(struct rb_err *err, enum rb_errclass cls, const char *where,
	const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rb_vfail(err, cls, where, fmt, ap);
	va_end(ap);
	return -1;
}

void
rb_err_clear(struct rb_err *err)
{
	if (err == NULL)
		return;
	err->cls = RB_EOK;
	err->where[0] = '\0';
	err->msg[0] = '\0';
}

const char *
rb_err_str(const struct rb_err *err, char *buf, size_t n)
{
	if (err->where[0] != '\0')
		snprintf(buf, n, "%s: %s", err->where, err->msg);
	else
		snprintf(buf, n, "%s", err->msg);
	return buf;
}

void
rb_panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rebound: panic at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *
rb_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		rb_panic("out of memory (%zu bytes)", n);
	return p;
}

void *
rb_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		rb_panic("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *
rb_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		rb_panic("out of memory (%zu bytes)", n);
	return q;
}

void *
rb_xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		rb_panic("allocation overflow (%zu x %zu)", n, size);
	return rb_xrealloc(p, n * size);
}

char *
rb_xstrdup(const char *s)
{
	return rb_xstrndup(s, strlen(s));
}

char *
rb_xstrndup(const char *s, size_t n)
{
	char *p = rb_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
rb_xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		rb_panic("bad format %s", fmt);
	p = rb_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
