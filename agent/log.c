/* log - the only place that writes diagnostics */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "parsers/core/buf.h"
#include "parsers/core/str.h"

static enum rb_loglevel level = RB_LOG_WARN;
static int json;

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
rb_log_set_json(int on)
{
	json = on;
}

void
rb_log(enum rb_loglevel l, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info",
					    "debug"};
	char msg[2048], t[21];
	struct rb_buf b;
	va_list ap;

	if (l > level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!json) {
		fprintf(stderr, "rebound: %s: %s\n", names[l], msg);
		return;
	}
	rb_iso8601((int64_t)time(NULL), t);
	rb_buf_init(&b, sizeof(msg) * 7);
	rb_buf_addf(&b, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", t,
		    names[l]);
	rb_buf_add_jsons(&b, msg);
	rb_buf_adds(&b, "}\n");
	fputs(rb_buf_str(&b), stderr);
	rb_buf_deinit(&b);
}
