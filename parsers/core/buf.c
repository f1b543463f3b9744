/* buf - a growable byte buffer with a mandatory size cap and a sticky error */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "str.h"

void
rb_buf_init(struct rb_buf *b, size_t max)
{
	b->p = NULL;
	b->len = b->cap = 0;
	b->max = max;
	b->err = 0;
}

void
rb_buf_deinit(struct rb_buf *b)
{
	free(b->p);
	rb_buf_init(b, b->max);
}

void
rb_buf_reset(struct rb_buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->p)
		b->p[0] = '\0';
}

void
rb_buf_truncate(struct rb_buf *b, size_t len)
{
	if (len < b->len)
		b->len = len;
	b->err = 0;
	if (b->p)
		b->p[b->len] = '\0';
}

/* Makes room for n more bytes plus the NUL; -1 past the cap. */
static int
reserve(struct rb_buf *b, size_t n)
{
	size_t need, ncap;

	if (b->err)
		return -1;
	if (n > b->max || b->len > b->max - n) {
		b->err = 1;
		return -1;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	b->p = rb_xrealloc(b->p, ncap);
	b->cap = ncap;
	return 0;
}

int
rb_buf_add(struct rb_buf *b, const void *p, size_t n)
{
	if (reserve(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
rb_buf_adds(struct rb_buf *b, const char *s)
{
	return rb_buf_add(b, s, strlen(s));
}

int
rb_buf_addc(struct rb_buf *b, char c)
{
	if (!b->err && b->len + 2 <= b->cap && b->len < b->max) {
		b->p[b->len++] = c;
		b->p[b->len] = '\0';
		return 0;
	}
	return rb_buf_add(b, &c, 1);
}

int
rb_buf_vaddf(struct rb_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		rb_panic("bad format %s", fmt);
	if (reserve(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
rb_buf_addf(struct rb_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = rb_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

int
rb_buf_add_json(struct rb_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run;

	rb_buf_addc(b, '"');
	while (i < n) {
		unsigned char c = u[i];

		/* Copy the longest run of bytes that need no escaping. */
		for (run = i; run < n && u[run] >= 0x20 && u[run] < 0x80 &&
			      u[run] != '"' && u[run] != '\\'; run++)
			;
		if (run > i) {
			rb_buf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		if (c >= 0x80) {
			size_t k = rb_utf8_seq_len(u + i, n - i);

			if (k == 0) {
				rb_buf_add(b, "\xef\xbf\xbd", 3);
				i++;
			} else {
				rb_buf_add(b, s + i, k);
				i += k;
			}
			continue;
		}
		switch (c) {
		case '"': rb_buf_add(b, "\\\"", 2); break;
		case '\\': rb_buf_add(b, "\\\\", 2); break;
		case '\n': rb_buf_add(b, "\\n", 2); break;
		case '\r': rb_buf_add(b, "\\r", 2); break;
		case '\t': rb_buf_add(b, "\\t", 2); break;
		default: {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

			rb_buf_add(b, e, 6);
		}
		}
		i++;
	}
	return rb_buf_addc(b, '"');
}

int
rb_buf_add_jsons(struct rb_buf *b, const char *s)
{
	return rb_buf_add_json(b, s ? s : "", s ? strlen(s) : 0);
}

const char *
rb_buf_str(const struct rb_buf *b)
{
	return b->p ? b->p : "";
}
