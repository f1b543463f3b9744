/* input - messages from files, Maildirs, mboxes and standard input */
#include "input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "parsers/core/err.h"

struct walk {
	rb_input_fn fn;
	void *ctx;
	size_t *unreadable;
	struct rb_err *err;
	char *buf;		/* small files are read into it */
	size_t cap;
};

/* Files up to this size are read into the walk's buffer; bigger ones (an
   mbox) are mapped.  Mapping each small file costs a page fault per page
   and a TLB shootdown at munmap, more than reading it. */
#define READ_MAX (1u << 20)

void
rb_msg_keep(struct rb_msg *m, const char *source, const char *data,
	    size_t len)
{
	m->source = rb_xstrdup(source);
	m->data = rb_xmalloc(len + 1);
	memcpy(m->data, data, len);
	m->data[len] = '\0';
	m->len = len;
}

void
rb_msg_drop(struct rb_msg *m)
{
	free(m->source);
	free(m->data);
	m->source = m->data = NULL;
	m->len = 0;
}

int
rb_read_file(const char *path, char **data, size_t *len, struct rb_err *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 1 << 16, n = 0, r;
	char *p;

	if (f == NULL)
		return rb_fail(err, RB_EINPUT, path, "%s", strerror(errno));
	p = rb_xmalloc(cap);
	while ((r = fread(p + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n - 1 == 0) {
			if (cap > ((size_t)1 << 40)) {
				free(p);
				if (f != stdin)
					fclose(f);
				return rb_fail(err, RB_EINPUT, path,
					       "file too large");
			}
			cap *= 2;
			p = rb_xrealloc(p, cap);
		}
	}
	if (ferror(f)) {
		int e = errno;

		free(p);
		if (f != stdin)
			fclose(f);
		return rb_fail(err, RB_EINPUT, path, "%s", strerror(e));
	}
	if (f != stdin)
		fclose(f);
	p[n] = '\0';
	*data = p;
	*len = n;
	return 0;
}

static int
is_from_line(const char *p, const char *end)
{
	return end - p >= 5 && memcmp(p, "From ", 5) == 0;
}

/* Past the end of the line at p, which ends at eol: LF (and so CRLF), or
   CR in old Mac files, which have no LF at all. */
static const char *
line_end(const char *p, const char *end, char eol)
{
	const char *q = memchr(p, eol, (size_t)(end - p));

	return q ? q + 1 : end;
}

/* A "From " line as mbox writers make it: "From SENDER DATE", the date
   as asctime(3) writes it, perhaps with a zone before the year ("From
   MAILER-DAEMON  Thu Jul  2 12:05:05 2020").  Mutt checks the same way:
   a text line that starts with "From " seldom has a time and a year. */
static int
is_postmark(const char *p, const char *end)
{
	int i, digits = 0;

	p += 5;
	while (p < end && *p != ' ' && *p != '\n' && *p != '\r')
		p++;		/* the sender, "MAILER-DAEMON" or an address */
	while (p < end && *p == ' ')
		p++;
	for (i = 0; i < 3; i++, p++)	/* weekday */
		if (p >= end || !((*p >= 'A' && *p <= 'Z') ||
				  (*p >= 'a' && *p <= 'z')))
			return 0;
	if (p >= end || *p++ != ' ')
		return 0;
	for (i = 0; i < 3; i++, p++)	/* month */
		if (p >= end || !((*p >= 'A' && *p <= 'Z') ||
				  (*p >= 'a' && *p <= 'z')))
			return 0;
	while (p < end && *p == ' ')
		p++;
	for (i = 0; i < 2 && p < end && *p >= '0' && *p <= '9'; i++)
		p++;		/* day */
	if (i == 0 || p >= end || *p++ != ' ')
		return 0;
	if (end - p < 5 || !(p[0] >= '0' && p[0] <= '9') || p[2] != ':')
		return 0;	/* hh:mm */
	/* and a year, after the seconds or a zone */
	for (; p < end && *p != '\n' && *p != '\r'; p++) {
		digits = *p >= '0' && *p <= '9' ? digits + 1 : 0;
		if (digits == 4 && (p + 1 == end || p[1] == ' ' ||
				    p[1] == '\n' || p[1] == '\r'))
			return 1;
	}
	return 0;
}

/* A header field's name and colon, as a message's first line is. */
static int
is_field(const char *p, const char *end)
{
	const char *s = p;

	while (p < end && *p > ' ' && *p < 127 && *p != ':')
		p++;
	return p > s && p < end && *p == ':';
}

/* A MIME closing delimiter, "--BOUNDARY--", with white space after. */
static int
is_close_delim(const char *p, const char *end)
{
	const char *e = p;

	while (e < end && *e != '\n' && *e != '\r')
		e++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return e - p > 4 && p[0] == '-' && p[1] == '-' && e[-1] == '-' &&
	       e[-2] == '-';
}

/* Splits an mbox; the "From " line itself is not part of the message.
   A "From " line starts a message after a blank line, or anywhere when it
   is a whole postmark followed by a header field (two files concatenated
   without a blank line between them).
   Messages are named PATH#N, or PATH alone when there is only one (a
   single message saved with its envelope line).  With single (a file of
   a directory, where one message is expected), only postmarks followed by
   a header field, and right after a closing MIME boundary (blank lines
   between), start another message: two multipart bounces saved in one
   file.  A message quoted in a bounce's text with its postmark stays in
   the bounce.  All keep the file's name: the file is where a user will
   look for them, and their Message-IDs tell them apart. */
/* Hands one message of an mbox to the callback: the one whose "From "
   line is at from, up to e; it is the ith, and alone when it is the only
   one. */
static int
emit(struct walk *w, const char *path, int single, size_t i, int alone,
     const char *from, const char *e, char eol)
{
	const char *b = line_end(from, e, eol);
	char src[4096];

	if (alone || single)
		snprintf(src, sizeof(src), "%s", path);
	else
		snprintf(src, sizeof(src), "%s#%zu", path, i);
	return w->fn(w->ctx, src, b, (size_t)(e - b));
}

/* A mapped mbox is given back to the kernel as it is read, in steps of
   this many bytes: the callbacks copy what they keep, so the memory of a
   run stays flat however big the mbox. */
#define RELEASE_STEP (8u << 20)

static int
each_mbox(struct walk *w, const char *path, const char *data, size_t len,
	  int single, int mapped)
{
	const char *p = data, *end = data + len;
	const char *cur = NULL;		/* the message in hand's "From " */
	size_t n = 0, released = 0;
	int blank = 1, closed = 0, rc = 0;
	char eol = memchr(data, '\n', len) ? '\n' : '\r';
	long page = sysconf(_SC_PAGESIZE);

	while (p < end && rc == 0) {
		const char *next = line_end(p, end, eol);

		if (is_from_line(p, end) &&
		    (n == 0 || (blank && !single) ||
		     ((closed || !single) && is_postmark(p, end) &&
		      is_field(next, end)))) {
			if (cur != NULL)
				rc = emit(w, path, single, n, 0, cur, p, eol);
			cur = p;
			n++;
			if (mapped && page > 0 &&
			    (size_t)(cur - data) - released >= RELEASE_STEP) {
				size_t to = (size_t)(cur - data) /
					    (size_t)page * (size_t)page;

				(void)madvise((char *)data + released,
					      to - released, MADV_DONTNEED);
				released = to;
			}
		}
		blank = *p == '\n' || *p == '\r';
		if (!blank)
			closed = is_close_delim(p, end);
		p = next;
	}
	if (rc == 0 && cur != NULL)
		rc = emit(w, path, single, n, n == 1, cur, end, eol);
	return rc;
}

static int
each_data(struct walk *w, const char *path, const char *data, size_t len,
	  int single, int mapped)
{
	if (is_from_line(data, data + len))
		return each_mbox(w, path, data, len, single, mapped);
	return w->fn(w->ctx, path, data, len);
}

/* A path that cannot be read: an error when the user named it, else a
   warning and a count, and the walk goes on. */
static int
unreadable(struct walk *w, const char *path, int top, int e)
{
	if (top)
		return rb_fail(w->err, RB_EINPUT, path, "%s", strerror(e));
	rb_log(RB_LOG_WARN, "%s: %s, skipped", path, strerror(e));
	(*w->unreadable)++;
	return 0;
}

static int
read_small(struct walk *w, const char *path, int fd, size_t size, int top,
	   int single)
{
	size_t n = 0;
	ssize_t r;

	if (size + 1 > w->cap) {
		free(w->buf);
		w->cap = size + 1 > 65536 ? size + 1 : 65536;
		w->buf = rb_xmalloc(w->cap);
	}
	/* The file may shrink or grow meanwhile: read what is there, up to
	   the size seen. */
	while (n < size && (r = read(fd, w->buf + n, size - n)) != 0) {
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			close(fd);
			return unreadable(w, path, top, e);
		}
		n += (size_t)r;
	}
	close(fd);
	w->buf[n] = '\0';
	return each_data(w, path, w->buf, n, single, 0);
}

static int
each_file(struct walk *w, const char *path, int top, int single)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *map;
	int rc;

	if (fd < 0 || fstat(fd, &st) != 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return unreadable(w, path, top, e);
	}
	if (st.st_size == 0) {
		close(fd);
		return w->fn(w->ctx, path, "", 0);
	}
	if ((size_t)st.st_size <= READ_MAX)
		return read_small(w, path, fd, (size_t)st.st_size, top,
				  single);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	rc = map == MAP_FAILED ? errno : 0;
	close(fd);
	if (map == MAP_FAILED)
		return unreadable(w, path, top, rc);
	rc = each_data(w, path, map, (size_t)st.st_size, single, 1);
	munmap(map, (size_t)st.st_size);
	return rc;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int each_path(struct walk *w, const char *path, int top,
		     int single);

/* Entries of a directory in name order, without hidden ones. */
static int
each_dir(struct walk *w, const char *path, int top, int files_only)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (d == NULL) {
		return unreadable(w, path, top, errno);
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = rb_xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = rb_xasprintf("%s/%s", path, e->d_name);
	}
	closedir(d);
	if (n > 1)	/* names is NULL for an empty directory (UBSan) */
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n && rc == 0; i++) {
		struct stat st;

		if (files_only && (stat(names[i], &st) != 0 ||
				   !S_ISREG(st.st_mode)))
			continue;
		rc = each_path(w, names[i], 0, 1);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
each_path(struct walk *w, const char *path, int top, int single)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		return unreadable(w, path, top, errno);
	}
	/* A symbolic link to a directory is followed only when named on the
	   command line: inside a walk it could loop ("x -> ."). */
	if (S_ISDIR(st.st_mode) && !top && lstat(path, &st) == 0 &&
	    S_ISLNK(st.st_mode)) {
		rb_log(RB_LOG_WARN, "%s: a link to a directory, not followed",
		       path);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		char *cur = rb_xasprintf("%s/cur", path);
		char *nw = rb_xasprintf("%s/new", path);
		int rc;

		if (is_dir(cur) && is_dir(nw))
			rc = each_dir(w, nw, 0, 1) ||
			     each_dir(w, cur, 0, 1) ? -1 : 0;
		else
			rc = each_dir(w, path, top, 0);
		free(cur);
		free(nw);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		if (top)
			return rb_fail(w->err, RB_EINPUT, path,
				       "not a file or directory");
		return 0;
	}
	return each_file(w, path, top, single);
}

int
rb_input_each(const char *path, rb_input_fn fn, void *ctx,
	      size_t *unreadable, struct rb_err *err)
{
	struct walk w = {fn, ctx, unreadable, err, NULL, 0};
	int rc;

	if (strcmp(path, "-") == 0) {
		char *data;
		size_t len;

		if (rb_read_file("-", &data, &len, err) != 0)
			return -1;
		rc = each_data(&w, "-", data, len, 0, 0);
		free(data);
		return rc;
	}
	rc = each_path(&w, path, 1, 0);
	free(w.buf);
	return rc;
}
