/* fuzz_bounce - the whole message parser: MIME, DSN, ARF, decoders, rules */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/bounce.h"
#include "parsers/core/arena.h"
#include "parsers/core/buf.h"
#include "parsers/core/diag.h"
#include "parsers/core/err.h"
#include "parsers/mime.h"
#include "parsers/rules.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rb_rules *rs;
static struct rb_parser *p;
static struct rb_pctx *c;
static struct rb_arena *a;

/* The shipped rules, read once: every *.yaml of $REBOUND_RULES or
   ./rules. */
static void
load_rules(void)
{
	const char *dir = getenv("REBOUND_RULES");
	struct rb_arena *ea = rb_arena_new();
	struct rb_diag errs;
	DIR *d;
	struct dirent *e;

	rb_diag_init(&errs, ea, 16);
	rs = rb_rules_new();
	dir = dir ? dir : "rules";
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			size_t n = strlen(e->d_name);
			char *path, *buf;
			FILE *f;

			if (n < 6 || strcmp(e->d_name + n - 5, ".yaml") != 0)
				continue;
			path = rb_xasprintf("%s/%s", dir, e->d_name);
			buf = rb_xmalloc(1 << 22);
			if ((f = fopen(path, "rb")) != NULL) {
				n = fread(buf, 1, 1 << 22, f);
				fclose(f);
				rb_rules_add(rs, path, buf, n, 0, &errs);
			}
			free(buf);
			free(path);
		}
		closedir(d);
	}
	if (rb_rules_compile(rs, 0, &errs) > 0 || errs.n > 0) {
		/* A broken rule file must not make the target meaningless. */
		fprintf(stderr, "fuzz_bounce: rules do not load (%s); running "
			"without them\n", errs.n ? errs.line[0] : "?");
		rb_rules_free(&rs);
		rs = rb_rules_new();
		rb_rules_compile(rs, 0, &errs);
	}
	rb_arena_free(&ea);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rb_parse_opts o = {NULL, 0, 1};

	(void)argc;
	(void)argv;
	rb_mime_init();
	load_rules();
	p = rb_parser_new(rs, &o);
	c = rb_pctx_new(p);
	a = rb_arena_new();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_bounce b;
	struct rb_buf out;
	size_t i;

	rb_arena_reset(a);
	rb_bounce_parse(p, c, a, (const char *)data, size, "fuzz", &b, NULL);
	rb_buf_init(&out, 1u << 26);
	for (i = 0; i < b.n; i++)
		rb_record_json(&b.rec[i], &out);
	rb_buf_deinit(&out);
	return 0;
}
