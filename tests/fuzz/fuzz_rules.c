/* fuzz_rules - the rule loader (YAML) and compiler */
#include <stdint.h>

#include "parsers/core/arena.h"
#include "parsers/core/diag.h"
#include "parsers/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_arena *a = rb_arena_new();
	struct rb_diag d;
	struct rb_rules *rs = rb_rules_new();

	rb_diag_init(&d, a, 64);
	rb_rules_add(rs, "fuzz.yaml", (const char *)data, size, 0, &d);
	rb_rules_compile(rs, 0, &d);
	rb_rules_free(&rs);
	rb_arena_free(&a);
	return 0;
}
