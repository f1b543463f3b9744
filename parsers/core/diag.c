/* diag - a list of one-line messages */
#include "diag.h"

#include <string.h>

#include "arena.h"

void
rb_diag_init(struct rb_diag *d, struct rb_arena *a, size_t max)
{
	d->a = a;
	d->line = NULL;
	d->n = d->cap = 0;
	d->max = max ? max : 1;
	d->dropped = 0;
}

void
rb_diag_reset(struct rb_diag *d)
{
	rb_diag_init(d, d->a, d->max);
}

int
rb_diag_has(const struct rb_diag *d, const char *line)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->line[i], line) == 0)
			return 1;
	return 0;
}

void
rb_diag_vadd(struct rb_diag *d, const char *fmt, va_list ap)
{
	char *s = rb_arena_vprintf(d->a, fmt, ap);

	/* The same defect repeated (a hundred bad lines) says nothing new. */
	if (rb_diag_has(d, s))
		return;
	if (d->n >= d->max) {
		d->dropped++;
		d->line[d->max - 1] = rb_arena_printf(d->a,
			"%zu more warning(s) left out", d->dropped + 1);
		return;
	}
	d->line = rb_arena_grow(d->a, d->line, &d->cap, d->n + 1,
				sizeof(*d->line));
	d->line[d->n++] = s;
}

void
rb_diag_add(struct rb_diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rb_diag_vadd(d, fmt, ap);
	va_end(ap);
}
