/* fuzz_bounce - the whole message parser: MIME, DSN, ARF, decoders, rules */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent/ruleset.h"
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

/* The shipped rules, read once by the agent's loader: $REBOUND_RULES,
   else ./rules (the fuzzer runs from the source tree).  A broken rule
   file must not make the target meaningless: then no rules. */
static void
load_rules(void)
{
	size_t nerr;

	setenv("REBOUND_RULES", "rules", 0);
	rs = rb_ruleset_load(NULL, 0, 1, 0, &nerr);
	if (rs == NULL) {
		struct rb_arena *ea = rb_arena_new();
		struct rb_diag errs;

		fprintf(stderr, "fuzz_bounce: rules do not load; running "
			"without them\n");
		rb_diag_init(&errs, ea, 16);
		rs = rb_rules_new();
		rb_rules_compile(rs, 0, &errs);
		rb_arena_free(&ea);
	}
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
