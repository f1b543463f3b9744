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

/* Messages carry server replies and names from directory listings: a line
   end could forge the next log line and an escape could drive a terminal.
   TAB stays; a backslash is kept as is. */
static void
add_text(struct rb_buf *b, const char *s)
{
	unsigned char c;

	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c == '\n')
			rb_buf_adds(b, "\\n");
		else if (c == '\r')
			rb_buf_adds(b, "\\r");
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			rb_buf_addf(b, "\\x%02x", c);
		else
			rb_buf_addc(b, (char)c);
	}
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
	rb_buf_init(&b, sizeof(msg) * 7);
	if (json) {
		rb_iso8601((int64_t)time(NULL), t);
		rb_buf_addf(&b, "{\"time\":\"%s\",\"level\":\"%s\","
			    "\"msg\":", t, names[l]);
		rb_buf_add_jsons(&b, msg);
		rb_buf_adds(&b, "}\n");
	} else {
		rb_buf_addf(&b, "rebound: %s: ", names[l]);
		add_text(&b, msg);
		rb_buf_addc(&b, '\n');
	}
	fputs(rb_buf_str(&b), stderr);
	rb_buf_deinit(&b);
}
