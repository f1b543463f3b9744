/*
 * fields - RFC 822 style field blocks: "Name: value" lines in groups
 *
 * The body of a message/delivery-status (RFC 3464 section 2.1) or
 * message/feedback-report (RFC 5965 section 3.1) part is a series of field
 * groups separated by blank lines.  GMime leaves those parts unparsed and its
 * header parser silently drops lines it does not understand, so rebound reads
 * them here:
 *   - a field name is letters, digits and '-' (RFC 5322 ftext would allow
 *     more, but no report uses it); white space before the colon is allowed;
 *   - a line starting with white space continues the previous field; it is
 *     unfolded with its white space squeezed to one space;
 *   - any other line (a "550-" continuation that lost its indent, say) is
 *     appended to the previous field and reported in the diag list, or, when
 *     no field precedes it, dropped with a warning;
 *   - a line holding only white space ends a group, as a blank one does;
 *   - LF, CRLF and lone CR all end lines.
 * Values are kept to RB_MAX_FIELD_BYTES (longer ones are cut, with a
 * warning); field names and values are NUL-terminated arena strings.
 */
#ifndef REBOUND_PARSERS_FIELDS_H
#define REBOUND_PARSERS_FIELDS_H

#include <stddef.h>

struct rb_arena;
struct rb_diag;

struct rb_field {
	const char *name;	/* as written */
	const char *value;	/* unfolded, squeezed, trimmed */
	int line;		/* 1-based line in the part */
};

struct rb_fgroup {
	struct rb_field *f;
	size_t n;
	int line;		/* line of its first field */
};

struct rb_fblock {
	struct rb_fgroup *g;
	size_t n;
	size_t bad_lines;	/* lines that were not fields */
};

/* Parses data (len bytes, need not be NUL-terminated) into groups; groups
   with no field are left out.  `what` names the part in warnings
   ("delivery-status").  Reads at most max_groups groups (the rest counted as
   a warning).  Never fails. */
void rb_fields_parse(struct rb_arena *a, const char *data, size_t len,
		     const char *what, size_t max_groups, struct rb_fblock *out,
		     struct rb_diag *diag);

/* The value of the first field of that name (ASCII case ignored), or NULL. */
const char *rb_fgroup_get(const struct rb_fgroup *g, const char *name);
/* 1 when the group has a field of that name. */
int rb_fgroup_has(const struct rb_fgroup *g, const char *name);

/* 1 when the text looks like a field block that holds a field of one of the
   NULL-terminated names at a line start (used to spot a delivery-status
   part mislabelled text/plain). */
int rb_fields_look_like(const char *data, size_t len,
			const char *const *names);

#endif
