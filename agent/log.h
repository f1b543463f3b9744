/*
 * log - the only place that writes diagnostics (to stderr)
 *
 * One line per event: "rebound: LEVEL: message", with key=value context in
 * the message where it helps (file= uid= rule=).  Control characters in
 * the message are escaped (\n, \r, \xHH; TAB stays), so that text from a
 * server or a file name cannot split a line or drive a terminal.  The
 * level is the only writable global besides the stop flag.
 */
#ifndef REBOUND_AGENT_LOG_H
#define REBOUND_AGENT_LOG_H

enum rb_loglevel { RB_LOG_ERROR, RB_LOG_WARN, RB_LOG_INFO, RB_LOG_DEBUG };

/* Messages above this level are dropped (default RB_LOG_WARN). */
void rb_log_set_level(enum rb_loglevel l);
enum rb_loglevel rb_log_level(void);

/* JSON lines instead of text: {"time":..., "level":..., "msg":...}. */
void rb_log_set_json(int on);

void rb_log(enum rb_loglevel l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
