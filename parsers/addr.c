/* addr - recipient addresses as reports write them */
#include "addr.h"

#include <string.h>

#include "core/arena.h"
#include "core/str.h"

/* Appends the UTF-8 encoding of cp at *w; returns bytes written (0 if the
   code point cannot be encoded). */
static size_t
put_utf8(char *w, unsigned long cp)
{
	if (cp < 0x80) {
		w[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		w[0] = (char)(0xc0 | (cp >> 6));
		w[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			return 0;
		w[0] = (char)(0xe0 | (cp >> 12));
		w[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		w[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp <= 0x10ffff) {
		w[0] = (char)(0xf0 | (cp >> 18));
		w[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		w[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		w[3] = (char)(0x80 | (cp & 0x3f));
		return 4;
	}
	return 0;
}

/* Decodes RFC 6533 "\x{HHHH}" escapes in place. */
static void
unescape_utf8(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (r[0] == '\\' && r[1] == 'x' && r[2] == '{') {
			unsigned long cp = 0;
			char *q = r + 3;
			int nd = 0;
			size_t k;

			while (RB_ISXDIGIT(*q) && nd < 6) {
				cp = cp * 16 + (unsigned long)(RB_ISDIGIT(*q) ?
					*q - '0' : (RB_TOLOWER(*q) - 'a' + 10));
				q++;
				nd++;
			}
			if (nd > 0 && *q == '}' && (k = put_utf8(w, cp)) > 0) {
				w += k;
				r = q + 1;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* Removes (comments), honouring nesting and backslash escapes. */
static void
strip_comments(char *s)
{
	char *r = s, *w = s;
	int depth = 0, quoted = 0;

	for (; *r; r++) {
		if (*r == '\\' && r[1] != '\0' && (depth || quoted)) {
			if (!depth) {
				*w++ = *r++;
				*w++ = *r;
			} else {
				r++;
			}
			continue;
		}
		if (*r == '"' && !depth)
			quoted = !quoted;
		if (!quoted && *r == '(') {
			depth++;
			continue;
		}
		if (!quoted && depth && *r == ')') {
			depth--;
			continue;
		}
		if (!depth)
			*w++ = *r;
	}
	*w = '\0';
}

int
rb_addr_plausible(const char *s)
{
	const char *at = strrchr(s, '@');
	const char *p;

	if (at == NULL || at == s || at[1] == '\0')
		return 0;
	for (p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' ||
		    *p == ',' || *p == ';')
			return 0;
	return 1;
}

const char *
rb_addr_domain(const char *s)
{
	const char *at = strrchr(s, '@');

	return at ? at + 1 : "";
}

int
rb_addr_is_placeholder(const char *s)
{
	const char *d = rb_addr_domain(s);
	size_t n = strlen(d);

	return *d != '\0' && (rb_strcaseeq(d, "invalid") ||
			       (n > 8 && rb_strcaseeq(d + n - 8, ".invalid")));
}

const char *
rb_addr_clean(struct rb_arena *a, const char *s, const char **type_r)
{
	const char *semi = strchr(s, ';');
	const char *type = "";
	char *v, *lt, *gt, *p;
	size_t n;

	/* "rfc822; addr": a type is an atom before the first ';' that
	   comes before any '@'. */
	if (semi != NULL && memchr(s, '@', (size_t)(semi - s)) == NULL &&
	    memchr(s, '<', (size_t)(semi - s)) == NULL) {
		struct rb_str t = rb_str_trim((struct rb_str){s,
					      (size_t)(semi - s)});

		type = rb_lower(rb_arena_strndup(a, t.p, t.len));
		s = semi + 1;
	}
	if (type_r != NULL)
		*type_r = type;
	v = rb_arena_strdup(a, s);
	strip_comments(v);
	lt = strchr(v, '<');
	if (lt != NULL && (gt = strchr(lt + 1, '>')) != NULL) {
		*gt = '\0';
		memmove(v, lt + 1, strlen(lt + 1) + 1);
	}
	if (rb_hasprefix_ci(v, strlen(v), "mailto:"))
		memmove(v, v + 7, strlen(v + 7) + 1);
	n = rb_squeeze(v);
	/* An RFC 5321 source route, "@relay.example,@b.example:user@host"
	   (obsolete, still written by PMDF): only the mailbox counts. */
	if (v[0] == '@' && (p = strchr(v, ':')) != NULL &&
	    strchr(p + 1, '@') != NULL) {
		memmove(v, p + 1, strlen(p + 1) + 1);
		n = strlen(v);
	}
	/* Strip what sentences put around an address. */
	while (n > 0 && strchr(".,;:'<>[]", v[n - 1]) != NULL)
		v[--n] = '\0';
	p = v;
	while (*p == '<' || *p == '[' || *p == '\'')
		p++;
	if (p != v)
		memmove(v, p, strlen(p) + 1);
	/* A quoted string that is the whole address: "user@example.com". */
	n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"' &&
	    memchr(v + 1, '"', n - 2) == NULL) {
		memmove(v, v + 1, n - 2);
		v[n - 2] = '\0';
	}
	if (strcmp(type, "utf-8") == 0 || strstr(v, "\\x{") != NULL)
		unescape_utf8(v);
	rb_lower(v);
	return rb_addr_plausible(v) ? v : "";
}
