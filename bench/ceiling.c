/* ceiling - the fastest a GMime-based bounce parser can go: read each
   message of the inputs `rebound parse` takes (Maildir new/ then cur/ in
   name order, directories recursively, mboxes split at "From " lines that
   start the file or follow a blank line), hand it to
   g_mime_parser_construct_message(), unref it, nothing else.

   Files up to 8 MiB are read() into one reused buffer, bigger ones are
   mapped: on this kind of machine a munmap() per small file (a TLB flush
   each) costs more than the copy; a Maildir of 50,000 files read this way
   went 27% faster than mapped.

   usage: ceiling PATH...         prints "messages bytes seconds msg/s MB/s"

   Build: cc -O2 -o ceiling bench/ceiling.c $(pkg-config --cflags --libs
   gmime-3.0) */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>

static size_t messages, bytes;

static void
parse(const char *data, size_t len)
{
	/* Zero-copy, as parsers/mime.c does: the byte array borrows the
	   mapping and is released without freeing it. */
	GByteArray *ba = g_byte_array_new_take((guint8 *)data, len);
	GMimeStream *s = g_mime_stream_mem_new_with_byte_array(ba);
	GMimeParser *p;
	GMimeMessage *m;

	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
	p = g_mime_parser_new_with_stream(s);
	g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
	m = g_mime_parser_construct_message(p, NULL);
	if (m != NULL)
		g_object_unref(m);
	g_object_unref(p);
	g_object_unref(s);
	g_byte_array_free(ba, FALSE);
	messages++;
	bytes += len;
}

static int
is_from(const char *p, const char *end)
{
	return end - p >= 5 && memcmp(p, "From ", 5) == 0;
}

static const char *
eol(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : end;
}

/* An mbox (or a single message behind an envelope line when single). */
static void
mbox(const char *data, size_t len, int single)
{
	const char *p = data, *end = data + len, *start = NULL;
	int blank = 1;

	while (p < end) {
		const char *next = eol(p, end);

		if (blank && is_from(p, end) && !(single && start)) {
			if (start)
				parse(start, (size_t)(p - start));
			start = next;
		}
		blank = *p == '\n' || *p == '\r';
		p = next;
	}
	if (start)
		parse(start, (size_t)(end - start));
}

#define READ_MAX (8u << 20)

static void
file(const char *path, int single)
{
	static char *buf;
	static size_t cap;
	int fd = open(path, O_RDONLY);
	struct stat st;
	void *map;

	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(path);
		exit(66);
	}
	if (st.st_size == 0) {
		close(fd);
		parse("", 0);
		return;
	}
	if ((size_t)st.st_size <= READ_MAX) {
		size_t n = (size_t)st.st_size, got = 0;
		ssize_t r;

		if (n > cap) {
			cap = n;
			buf = realloc(buf, cap);
			if (buf == NULL)
				abort();
		}
		while (got < n && (r = read(fd, buf + got, n - got)) > 0)
			got += (size_t)r;
		close(fd);
		if (is_from(buf, buf + got))
			mbox(buf, got, single);
		else
			parse(buf, got);
		return;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		perror(path);
		exit(66);
	}
	if (is_from(map, (char *)map + st.st_size))
		mbox(map, (size_t)st.st_size, single);
	else
		parse(map, (size_t)st.st_size);
	munmap(map, (size_t)st.st_size);
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *path, int top);

static void
dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;

	if (d == NULL) {
		perror(path);
		exit(66);
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			names = realloc(names, cap * sizeof(*names));
			if (names == NULL)
				abort();
		}
		if (asprintf(&names[n++], "%s/%s", path, e->d_name) < 0)
			abort();
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp);
	for (i = 0; i < n; i++) {
		walk(names[i], 0);
		free(names[i]);
	}
	free(names);
}

static void
walk(const char *path, int top)
{
	struct stat st;
	char cur[4096], nw[4096];
	struct stat a, b;

	if (stat(path, &st) != 0) {
		perror(path);
		exit(66);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (S_ISREG(st.st_mode))
			file(path, !top);
		return;
	}
	snprintf(cur, sizeof(cur), "%s/cur", path);
	snprintf(nw, sizeof(nw), "%s/new", path);
	if (stat(cur, &a) == 0 && S_ISDIR(a.st_mode) && stat(nw, &b) == 0 &&
	    S_ISDIR(b.st_mode)) {
		dir(nw);
		dir(cur);
	} else {
		dir(path);
	}
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	double s;
	int i;

	if (argc < 2) {
		fputs("usage: ceiling PATH...\n", stderr);
		return 64;
	}
	g_mime_init();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 1; i < argc; i++)
		walk(argv[i], 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%zu %zu %.3f %.0f %.1f\n", messages, bytes, s,
	       s > 0 ? messages / s : 0, s > 0 ? bytes / s / 1e6 : 0);
	g_mime_shutdown();
	return 0;
}
