/* fuzz_config - the configuration loader (YAML, every key's checks) */
#include <stdint.h>

#include "agent/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_config *c;
	size_t nerr;

	c = rb_config_parse("/fuzz/rebound.yaml", (const char *)data, size, 1,
			    &nerr);
	rb_config_free(&c);
	return 0;
}
