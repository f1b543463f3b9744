/* providers - recipient domain to mailbox provider, from a data file */
#include "providers.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "parsers/core/err.h"
#include "parsers/core/str.h"
#include "ruleset.h"

struct entry {
	char *domain;		/* lower case */
	char *provider;
};

struct rb_providers {
	struct entry *v;
	size_t n;
};

const char *
rb_providers_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("REBOUND_PROVIDERS");

	if (env && *env)
		return env;
	if (rb_tree_file("data/providers.tsv", path, sizeof(path)))
		return path;
	return REBOUND_DATADIR "/providers.tsv";
}

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->domain,
		      ((const struct entry *)b)->domain);
}

static int
add_line(struct rb_providers *p, const char *line, size_t len)
{
	const char *tab = memchr(line, '\t', len);
	struct rb_str d, v;

	if (tab == NULL)
		return -1;
	d = rb_str_trim((struct rb_str){line, (size_t)(tab - line)});
	v = rb_str_trim((struct rb_str){tab + 1,
					(size_t)(line + len - tab - 1)});
	if (d.len == 0 || v.len == 0)
		return -1;
	p->v = rb_xreallocarray(p->v, p->n + 1, sizeof(*p->v));
	p->v[p->n].domain = rb_lower(rb_xstrndup(d.p, d.len));
	p->v[p->n].provider = rb_xstrndup(v.p, v.len);
	p->n++;
	return 0;
}

struct rb_providers *
rb_providers_load(const char *path, struct rb_err *err)
{
	struct rb_providers *p;
	const char *pos, *end, *line;
	size_t len, lineno = 0;
	char *data, where[PATH_MAX + 32];

	if (rb_read_file(path, &data, &len, err) != 0)
		return NULL;
	p = rb_xcalloc(1, sizeof(*p));
	pos = data;
	end = data + len;
	while (rb_next_line(&pos, end, &line, &len)) {
		struct rb_str t = rb_str_trim((struct rb_str){line, len});

		lineno++;
		if (t.len == 0 || t.p[0] == '#')
			continue;
		if (add_line(p, line, len) != 0) {
			snprintf(where, sizeof(where), "%s:%zu", path, lineno);
			rb_fail(err, RB_EFATAL, where,
				"not DOMAIN<TAB>PROVIDER");
			free(data);
			rb_providers_free(&p);
			return NULL;
		}
	}
	free(data);
	qsort(p->v, p->n, sizeof(*p->v), cmp_entry);
	return p;
}

void
rb_providers_free(struct rb_providers **pp)
{
	struct rb_providers *p = *pp;
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].domain);
		free(p->v[i].provider);
	}
	free(p->v);
	free(p);
	*pp = NULL;
}

const char *
rb_providers_lookup(const struct rb_providers *p, const char *domain)
{
	char buf[256];
	const char *d = buf;
	size_t n = strlen(domain);

	if (n == 0 || n >= sizeof(buf))
		return "other";
	memcpy(buf, domain, n + 1);
	rb_lower(buf);
	while (d != NULL && *d) {
		struct entry key = {(char *)d, NULL}, *e;

		e = bsearch(&key, p->v, p->n, sizeof(*p->v), cmp_entry);
		if (e != NULL)
			return e->provider;
		d = strchr(d, '.');
		if (d != NULL)
			d++;
	}
	return "other";
}
