/* str - slices, ASCII case rules and small text helpers */
#include "str.h"

#include <string.h>

int
rb_memcaseeq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (RB_TOLOWER(a[i]) != RB_TOLOWER(b[i]))
			return 0;
	return 1;
}

int
rb_strcaseeq(const char *a, const char *b)
{
	/* Names mostly differ in their first byte: no strlen() first. */
	while (*a != '\0' && RB_TOLOWER(*a) == RB_TOLOWER(*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

int
rb_hasprefix_ci(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && rb_memcaseeq(s, prefix, k);
}

/* How rare a byte is in mail text.  memchr() looks for the needle's
   rarest byte: white space and common letters would stop it every few
   bytes ("after", " response", "\nboundary="), punctuation seldom. */
static int
rarity(unsigned char c)
{
	/* English letter frequency: e is 1, t 2, ... z 26. */
	static const unsigned char rank[26] = {
		3, 20, 12, 11, 1, 15, 17, 9, 5, 24, 22, 10, 14,
		6, 4, 16, 25, 8, 7, 2, 13, 21, 18, 23, 19, 26,
	};

	if (RB_ISSPACE(c))
		return 0;
	if (RB_ISALPHA(c))
		return rank[(c | 0x20) - 'a'];
	if (RB_ISDIGIT(c))
		return 12;
	if (c == '.' || c == ',' || c == '-' || c == '/' || c == ':' ||
	    c == '@' || c == '<' || c == '>' || c == '(' || c == ')' ||
	    c == '\'' || c == '"')
		return 20;
	return 30;
}

const char *
rb_memcasemem(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	const char *p, *last, *lo = NULL, *up = NULL, *c;
	unsigned char fl, fu;
	int lo_done = 0, up_done, best;
	size_t k = 0, i;

	if (nlen == 0)
		return hay;
	if (nlen > hlen)
		return NULL;
	/* The anchor: the needle's rarest byte, at offset k.  memchr finds
	   its candidates (in both cases) far faster than a byte loop; each
	   side is looked for again only once passed, and not at all once it
	   is known to be absent.  Candidates come in order, so the first
	   that matches is the first occurrence. */
	best = rarity((unsigned char)needle[0]);
	for (i = 1; i < nlen; i++)
		if (rarity((unsigned char)needle[i]) > best) {
			best = rarity((unsigned char)needle[i]);
			k = i;
		}
	fl = (unsigned char)RB_TOLOWER(needle[k]);
	fu = (unsigned char)(fl >= 'a' && fl <= 'z' ? fl - 'a' + 'A' : fl);
	up_done = fu == fl;
	p = hay + k;
	last = hay + (hlen - nlen) + k;
	while (p <= last) {
		size_t left = (size_t)(last - p) + 1;

		if (!lo_done && (lo == NULL || lo < p) &&
		    (lo = memchr(p, fl, left)) == NULL)
			lo_done = 1;
		if (!up_done && (up == NULL || up < p) &&
		    (up = memchr(p, fu, left)) == NULL)
			up_done = 1;
		c = lo_done ? up : up_done ? lo : lo < up ? lo : up;
		if (c == NULL)
			return NULL;
		if (rb_memcaseeq(c - k, needle, nlen))
			return c - k;
		p = c + 1;
	}
	return NULL;
}

char *
rb_lower(char *s)
{
	char *p;

	for (p = s; *p; p++)
		*p = (char)RB_TOLOWER(*p);
	return s;
}

struct rb_str
rb_str_trim(struct rb_str s)
{
	while (s.len && RB_ISSPACE(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && RB_ISSPACE(s.p[s.len - 1]))
		s.len--;
	return s;
}

size_t
rb_squeeze(char *s)
{
	char *r = s, *w = s;
	int space = 0;

	while (*r && RB_ISSPACE(*r))
		r++;
	for (; *r; r++) {
		if (RB_ISSPACE(*r)) {
			space = 1;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = 0;
		*w++ = *r;
	}
	*w = '\0';
	return (size_t)(w - s);
}

size_t
rb_utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t k, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		k = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		k = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

int
rb_utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		uint64_t w;

		/* ASCII eight bytes at a time. */
		if (n - i >= 8 && (memcpy(&w, u + i, 8),
				   (w & 0x8080808080808080u) == 0)) {
			i += 8;
			continue;
		}
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		k = rb_utf8_seq_len(u + i, n - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

int
rb_parse_u64(const char *s, size_t n, uint64_t min, uint64_t max,
	     uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 19)
		return -1;
	for (i = 0; i < n; i++) {
		if (!RB_ISDIGIT(s[i]))
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
rb_next_line(const char **pos, const char *end, const char **line,
	     size_t *len)
{
	const char *p = *pos, *q, *cr;

	if (p >= end)
		return 0;
	/* The first LF or CR: two memchr() beat a byte loop. */
	q = memchr(p, '\n', (size_t)(end - p));
	if (q == NULL)
		q = end;
	if ((cr = memchr(p, '\r', (size_t)(q - p))) != NULL)
		q = cr;
	*line = p;
	*len = (size_t)(q - p);
	if (q < end && *q == '\r')
		q++;
	if (q < end && *q == '\n')
		q++;
	*pos = q;
	return 1;
}

int64_t
rb_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's days_from_civil. */
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
rb_iso8601(int64_t t, char out[21])
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	y += m <= 2;
	if (y < 0 || y > 9999) {
		memcpy(out, "0000-00-00T00:00:00Z", 21);
		return;
	}
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = 'T';
	out[11] = (char)('0' + secs / 36000);
	out[12] = (char)('0' + secs / 3600 % 10);
	out[13] = ':';
	out[14] = (char)('0' + secs / 60 % 60 / 10);
	out[15] = (char)('0' + secs / 60 % 10);
	out[16] = ':';
	out[17] = (char)('0' + secs % 60 / 10);
	out[18] = (char)('0' + secs % 10);
	out[19] = 'Z';
	out[20] = '\0';
}

/* Reads exactly n digits at *s into *v; advances *s. */
static int
digits(const char **s, int n, unsigned *v)
{
	unsigned x = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (!RB_ISDIGIT((*s)[i]))
			return -1;
		x = x * 10 + (unsigned)((*s)[i] - '0');
	}
	*s += n;
	*v = x;
	return 0;
}

int
rb_parse_iso8601(const char *s, int64_t *out)
{
	unsigned y, mo, d, h = 0, mi = 0, se = 0, oh, om;
	int64_t t, off = 0;
	uint64_t e;

	if (*s == '@') {
		if (rb_parse_u64(s + 1, strlen(s + 1), 0, INT64_MAX, &e) < 0)
			return -1;
		*out = (int64_t)e;
		return 0;
	}
	if (digits(&s, 4, &y) < 0 || *s++ != '-' || digits(&s, 2, &mo) < 0 ||
	    *s++ != '-' || digits(&s, 2, &d) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	if (*s == 'T' || *s == ' ') {
		s++;
		if (digits(&s, 2, &h) < 0 || *s++ != ':' ||
		    digits(&s, 2, &mi) < 0)
			return -1;
		if (*s == ':') {
			s++;
			if (digits(&s, 2, &se) < 0)
				return -1;
		}
		if (h > 23 || mi > 59 || se > 60)
			return -1;
		if (*s == 'Z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			int sign = *s++ == '-' ? -1 : 1;

			if (digits(&s, 2, &oh) < 0)
				return -1;
			if (*s == ':')
				s++;
			if (digits(&s, 2, &om) < 0 || oh > 23 || om > 59)
				return -1;
			off = sign * (int64_t)(oh * 3600 + om * 60);
		}
	}
	if (*s != '\0')
		return -1;
	t = rb_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	*out = t - off;
	return 0;
}
