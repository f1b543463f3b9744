/* fuzz_dsn - the delivery-status field parser alone */
#include <stdint.h>

#include "parsers/core/arena.h"
#include "parsers/core/diag.h"
#include "parsers/dsn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_arena *a = rb_arena_new();
	struct rb_diag d;
	struct rb_dsn dsn;

	rb_diag_init(&d, a, 16);
	rb_dsn_parse(a, (const char *)data, size, &dsn, &d);
	rb_arena_free(&a);
	return 0;
}
