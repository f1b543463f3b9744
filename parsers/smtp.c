/* smtp - enhanced status codes (RFC 3463) and reply codes (RFC 5321) */
#include "smtp.h"

#include <string.h>

#include "core/str.h"

/* Digits at s, at most max of them; returns how many (0 if none). */
static size_t
ndigits(const char *s, size_t n, size_t max)
{
	size_t i = 0;

	while (i < n && i <= max && RB_ISDIGIT(s[i]))
		i++;
	return i > max ? 0 : i;
}

size_t
rb_smtp_status_len(const char *s, size_t n)
{
	size_t i, k;

	if (n < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') ||
	    s[1] != '.')
		return 0;
	i = 2;
	k = ndigits(s + i, n - i, 3);
	if (k == 0 || i + k >= n || s[i + k] != '.')
		return 0;
	i += k + 1;
	k = ndigits(s + i, n - i, 3);
	if (k == 0)
		return 0;
	return i + k;
}

/* A code at text[i] stands alone: no digit or "digit." before it, and
   no digit, or "." followed by a digit, after it. */
static int
alone(const char *t, size_t n, size_t i, size_t k)
{
	if (i > 0 && (RB_ISDIGIT(t[i - 1]) || RB_ISALPHA(t[i - 1])))
		return 0;
	if (i > 1 && t[i - 1] == '.' && RB_ISDIGIT(t[i - 2]))
		return 0;
	if (i + k < n && (RB_ISDIGIT(t[i + k]) || RB_ISALPHA(t[i + k])))
		return 0;
	if (i + k + 1 < n && t[i + k] == '.' && RB_ISDIGIT(t[i + k + 1]))
		return 0;
	return 1;
}

int
rb_smtp_status_find(const char *text, size_t n, char out[12],
		    int skip_generic)
{
	size_t i, k;
	char first[12] = "";

	out[0] = '\0';
	for (i = 0; i + 5 <= n; i++) {
		if (text[i] != '2' && text[i] != '4' && text[i] != '5')
			continue;
		k = rb_smtp_status_len(text + i, n - i);
		if (k == 0 || !alone(text, n, i, k))
			continue;
		if (!skip_generic || k != 5 || memcmp(text + i + 1, ".0.0", 4)) {
			memcpy(out, text + i, k);
			out[k] = '\0';
			return 1;
		}
		if (first[0] == '\0') {
			memcpy(first, text + i, k);
			first[k] = '\0';
		}
		i += k - 1;
	}
	if (first[0] != '\0') {
		memcpy(out, first, sizeof(first));
		return 1;
	}
	return 0;
}

/* Offset of the first standalone reply code in text (with at_start, only
   one at the start, after white space), or -1. */
static long
reply_at(const char *text, size_t n, int at_start)
{
	size_t i = 0;

	if (at_start)
		while (i < n && RB_ISSPACE(text[i]))
			i++;
	for (; i + 3 <= n; i++) {
		const char *t = text + i;

		if ((t[0] == '2' || t[0] == '4' || t[0] == '5') &&
		    t[1] >= '0' && t[1] <= '5' && RB_ISDIGIT(t[2]) &&
		    (i == 0 || !(RB_ISALNUM(t[-1]) || t[-1] == '.' ||
				 t[-1] == '-' || t[-1] == '#' ||
				 t[-1] == '=' || t[-1] == ':' ||
				 t[-1] == '/' || t[-1] == '_')) &&
		    (i + 3 == n || t[3] == ' ' || t[3] == '-' || t[3] == '"' ||
		     t[3] == ';' || t[3] == '\t' || t[3] == '\n' ||
		     t[3] == '\r' || t[3] == ']' || t[3] == ')' ||
		     t[3] == ',' || (t[3] == ':' && i + 4 < n &&
				      t[4] == ' '))) {
			/* "550-" must be a multi-line reply, not a range. */
			if (t[3] == '-' && i + 4 < n && RB_ISDIGIT(t[4]) &&
			    (i + 5 >= n || t[5] != '.'))
				goto next;
			return (long)i;
		}
next:
		if (at_start)
			return -1;
	}
	return -1;
}

int
rb_smtp_reply_find(const char *text, size_t n, char out[4], int at_start)
{
	long at = reply_at(text, n, at_start);

	out[0] = '\0';
	if (at < 0)
		return 0;
	memcpy(out, text + at, 3);
	out[3] = '\0';
	return 1;
}

int
rb_smtp_reply_status_find(const char *text, size_t n, char reply[4],
			  char out[12])
{
	size_t i = 0, k;
	long at;

	out[0] = reply[0] = '\0';
	while (i < n && (at = reply_at(text + i, n - i, 0)) >= 0) {
		const char *c = text + i + (size_t)at;

		i += (size_t)at + 3;
		if (i < n && (text[i] == ' ' || text[i] == '-'))
			i++;
		if (i < n && (text[i] == '\'' || text[i] == '"'))
			i++;
		if (i < n && text[i] == *c &&
		    (k = rb_smtp_status_len(text + i, n - i)) > 0 &&
		    alone(text, n, i, k)) {
			memcpy(out, text + i, k);
			out[k] = '\0';
			memcpy(reply, c, 3);
			reply[3] = '\0';
			return 1;
		}
	}
	return 0;
}

/* Names of commands as reports write them, and what they stand for. */
static const struct {
	const char *name;
	const char *cmd;
} cmds[] = {
	{"rcpt to", "RCPT"}, {"rcpt", "RCPT"}, {"mail from", "MAIL"},
	{"end of data", "DATA"}, {"data", "DATA"}, {"ehlo", "HELO"},
	{"helo", "HELO"}, {"lhlo", "HELO"}, {"initial connection", "CONN"},
	{"connect", "CONN"}, {"greeting", "CONN"}, {"conn", "CONN"},
};

/* The command named at p (ASCII case ignored), or NULL. */
static const char *
command_at(const char *p, const char *end)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		size_t k = strlen(cmds[i].name);

		if ((size_t)(end - p) >= k &&
		    rb_memcaseeq(p, cmds[i].name, k) &&
		    ((size_t)(end - p) == k || !RB_ISALPHA(p[k])))
			return cmds[i].cmd;
	}
	return NULL;
}

const char *
rb_smtp_command_name(const char *s)
{
	const char *end = s + strlen(s), *c;

	while (s < end && !RB_ISALPHA(*s))
		s++;
	c = command_at(s, end);
	return c ? c : "";
}

const char *
rb_smtp_command_find(const char *text, size_t n)
{
	/* Each followed by white space, which may fold the line: Postfix
	   writes "(in reply to\n    RCPT TO command)" in its text part.
	   ("error from remote mail server after" is "after" too.) */
	static const char *const before[] = {"in reply to", "after", NULL};
	static const char *const after[] = {" response", NULL};
	const char *end = text + n, *p, *c, *last = NULL;
	size_t i;

	for (i = 0; before[i]; i++) {
		size_t k = strlen(before[i]);

		for (p = text; (p = rb_memcasemem(p, (size_t)(end - p),
						  before[i], k)) != NULL;
		     p += k) {
			const char *q = p + k;

			if (p > text && RB_ISALPHA(p[-1]))
				continue;
			while (q < end && RB_ISSPACE(*q))
				q++;
			if (q > p + k && (c = command_at(q, end)) != NULL)
				return c;
		}
	}
	for (i = 0; after[i]; i++) {
		size_t k = strlen(after[i]);

		for (p = text; (p = rb_memcasemem(p, (size_t)(end - p),
						  after[i], k)) != NULL;
		     p += k) {
			const char *b = p;

			/* The word(s) before " response": "RCPT TO", "DATA". */
			while (b > text && (RB_ISALPHA(b[-1]) || b[-1] == ' ') &&
			       p - b < 12)
				b--;
			while (b < p && !RB_ISALPHA(*b))
				b++;
			for (; b < p; b++)
				if ((b == text || !RB_ISALPHA(b[-1])) &&
				    (c = command_at(b, p)) != NULL)
					return c;
		}
	}
	/* A Sendmail transcript: the last command sent before a failure. */
	for (p = text; (p = rb_memcasemem(p, (size_t)(end - p), ">>> ", 4)) !=
	     NULL; p += 4)
		if ((c = command_at(p + 4, end)) != NULL)
			last = c;
	return last ? last : "";
}
