/* log - the only place that writes diagnostics */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static enum rb_loglevel level = RB_LOG_WARN;

void
rb_log_set_level(enum rb_loglevel l)
{
	level = l;
}

enum rb_loglevel
rb_log_level(void)
{
	return level;
}

void
rb_log(enum rb_loglevel l, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info",
					    "debug"};
	va_list ap;

	if (l > level)
		return;
	fprintf(stderr, "rebound: %s: ", names[l]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
