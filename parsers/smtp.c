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

int
rb_smtp_reply_find(const char *text, size_t n, char out[4], int at_start)
{
	size_t i = 0;

	out[0] = '\0';
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
			memcpy(out, t, 3);
			out[3] = '\0';
			return 1;
		}
next:
		if (at_start)
			return 0;
	}
	return 0;
}
