/* ruleset - finding and loading rule directories */
#include "ruleset.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "log.h"
#include "parsers/core/arena.h"
#include "parsers/core/diag.h"
#include "parsers/core/err.h"
#include "parsers/rules.h"

int
rb_tree_file(const char *rel, char *out, size_t outlen)
{
	char exe[PATH_MAX], probe[PATH_MAX + 64], real[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return 0;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return 0;
	*slash = '\0';
	snprintf(probe, sizeof(probe), "%s/../%s", exe, rel);
	if (access(probe, R_OK) != 0 || realpath(probe, real) == NULL ||
	    strlen(real) >= outlen)
		return 0;
	memcpy(out, real, strlen(real) + 1);
	return 1;
}

const char *
rb_ruleset_shipped_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("REBOUND_RULES");

	if (env && *env)
		return env;
	if (rb_tree_file("rules/reasons.yaml", dir, sizeof(dir))) {
		*strrchr(dir, '/') = '\0';
		return dir;
	}
	return REBOUND_DATADIR "/rules";
}

static int
is_rule_file(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' &&
	       ((n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
		(n > 4 && strcmp(name + n - 4, ".yml") == 0));
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t
add_file(struct rb_rules *rs, const char *path, int layer,
	 struct rb_diag *errs)
{
	struct rb_err err;
	char *data;
	size_t len, n;

	if (rb_read_file(path, &data, &len, &err) != 0) {
		rb_diag_add(errs, "%s: %s", path, err.msg);
		return 1;
	}
	n = rb_rules_add(rs, path, data, len, layer, errs);
	free(data);
	return n;
}

static size_t
add_path(struct rb_rules *rs, const char *path, int layer,
	 struct rb_diag *errs)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i, nerr = 0;

	if (stat(path, &st) != 0) {
		rb_diag_add(errs, "%s: no such rule file or directory", path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return add_file(rs, path, layer, errs);
	if ((d = opendir(path)) == NULL) {
		rb_diag_add(errs, "%s: cannot read the directory", path);
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		if (!is_rule_file(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = rb_xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = rb_xasprintf("%s/%s", path, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		nerr += add_file(rs, names[i], layer, errs);
		free(names[i]);
	}
	free(names);
	return nerr;
}

struct rb_rules *
rb_ruleset_load(const char *const *dirs, size_t ndirs, int shipped,
		int require_examples, size_t *nerr)
{
	struct rb_rules *rs = rb_rules_new();
	struct rb_arena *a = rb_arena_new();
	struct rb_diag errs;
	size_t i;

	rb_diag_init(&errs, a, 1000);
	*nerr = 0;
	for (i = 0; i < ndirs; i++)
		*nerr += add_path(rs, dirs[i], (int)i, &errs);
	if (shipped)
		*nerr += add_path(rs, rb_ruleset_shipped_dir(), (int)ndirs,
				  &errs);
	/* Compiled even after errors, so that one run reports the problems
	   that span files (duplicate ids, unknown reasons) too. */
	*nerr += rb_rules_compile(rs, require_examples, &errs);
	for (i = 0; i < errs.n; i++)
		rb_log(RB_LOG_ERROR, "%s", errs.line[i]);
	if (errs.dropped)
		rb_log(RB_LOG_ERROR, "%zu more errors", errs.dropped);
	rb_arena_free(&a);
	if (*nerr) {
		rb_rules_free(&rs);
		return NULL;
	}
	return rs;
}
