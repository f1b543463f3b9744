/*
 * diag - a list of one-line messages: what a parser forgave, or every error a
 * loader found
 *
 * Parsers are lenient but say what they forgave (Dovecot's qp-decoder,
 * Postfix's MIME error flags): each defect becomes one line here, and the
 * record carries them as `warnings`.  Loaders (rules, config) collect every
 * error before failing, so a user fixes a file in one pass.  Lines live in the
 * arena given to rb_diag_init(); past `max` lines, further ones are counted in
 * `dropped` and the last line says how many were left out.
 */
#ifndef REBOUND_CORE_DIAG_H
#define REBOUND_CORE_DIAG_H

#include <stdarg.h>
#include <stddef.h>

struct rb_arena;

struct rb_diag {
	struct rb_arena *a;
	const char **line;
	size_t n, cap;
	size_t max;		/* most lines kept */
	size_t dropped;		/* lines not kept */
};

void rb_diag_init(struct rb_diag *d, struct rb_arena *a, size_t max);
/* Forgets the lines (the arena owns their memory). */
void rb_diag_reset(struct rb_diag *d);
void rb_diag_add(struct rb_diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rb_diag_vadd(struct rb_diag *d, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* 1 when an identical line is already present. */
int rb_diag_has(const struct rb_diag *d, const char *line);

#endif
