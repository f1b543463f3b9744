/*
 * cli - what the ledger commands share: --db, --now and --wait, opening the
 * database with the exit status each failure calls for, times, and output
 * as a table, CSV (RFC 4180 quoting, LF line ends) or JSON lines
 *
 * Exit statuses for the database (sysexits.h):
 *   66 no database (for the commands that only read), or it cannot be made
 *   65 not a database, damaged, not rebound's, or from a newer rebound
 *   77 read-only (for the commands that write)
 *   75 locked by another process for longer than --wait
 *   74 an I/O error or a full disk
 */
#ifndef REBOUND_AGENT_CLI_H
#define REBOUND_AGENT_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger.h"

struct rb_err;

/* The database when neither --db nor the configuration names one. */
#define RB_CLI_DEFAULT_DB "./rebound.db"
/* The configuration when neither --config nor $REBOUND_CONFIG names one
   (read only when it exists, except by `run`). */
#define RB_CLI_DEFAULT_CONFIG "./rebound.yaml"

struct rb_config;

struct rb_cli_db {
	const char *path;	/* --db FILE */
	int path_given;		/* --db was given */
	const char *config;	/* --config FILE, $REBOUND_CONFIG, or NULL */
	int64_t now;		/* --now TIME; the clock by default */
	int wait_ms;		/* --wait SECONDS; 10 s by default */
};

/* getopt_long entries; the short codes are 'D', 'N', 'W' and 'C'. */
#define RB_CLI_DB_OPTS \
	{"db", required_argument, NULL, 'D'}, \
	{"config", required_argument, NULL, 'C'}, \
	{"now", required_argument, NULL, 'N'}, \
	{"wait", required_argument, NULL, 'W'}

/* The options text that every usage message ends with. */
#define RB_CLI_DB_USAGE \
"  --db FILE       the ledger (default: the configuration's database,\n" \
"                  else " RB_CLI_DEFAULT_DB ")\n" \
"  --config FILE   the configuration (default $REBOUND_CONFIG, else\n" \
"                  " RB_CLI_DEFAULT_CONFIG " when it exists)\n" \
"  --now TIME      what \"now\" is (ISO 8601 or @EPOCH; default the clock)\n" \
"  --wait SECONDS  how long to wait for another process's lock (10)\n" \
"  -h, --help      this text\n"

void rb_cli_db_init(struct rb_cli_db *o);
/* Handles option c ('D', 'N', 'W' or 'C'); -1 (logged) for a bad
   value. */
int rb_cli_db_opt(struct rb_cli_db *o, int c, const char *arg);

/* 1 for the option codes rb_cli_db_opt() handles. */
#define RB_CLI_DB_OPT(c) ((c) == 'D' || (c) == 'N' || (c) == 'W' || \
			  (c) == 'C')

/* The configuration: --config, else $REBOUND_CONFIG, else
   ./rebound.yaml when it exists.  0 with *cfg (NULL when there is none
   and none was asked for), -1 when it cannot be read or has errors (each
   logged as FILE:LINE). */
int rb_cli_config(const struct rb_cli_db *o, struct rb_config **cfg);

/* Takes the database from c (when --db did not name one), so that
   rb_cli_open() need not read the configuration again. */
void rb_cli_db_use_config(struct rb_cli_db *o, const struct rb_config *c);

/* Opens the ledger (flags as rb_ledger_open): --db, else the
   configuration's database, else ./rebound.db.  On failure logs why and
   returns NULL with *rc set to the exit status. */
struct rb_ledger *rb_cli_open(const struct rb_cli_db *o, unsigned flags,
			      int *rc);
/* Logs err and returns the exit status for the ledger's last fault. */
int rb_cli_fail(const struct rb_ledger *l, const struct rb_err *err);
int rb_cli_fault_exit(enum rb_lfault f);

/* Parses a TIME argument (see rb_parse_iso8601); logs what is wrong. */
int rb_cli_time(const char *opt, const char *s, int64_t *out);

/* --jobs N: 1 to RB_POOL_MAX_JOBS, or 0 for the processors this process
   may run on.  0, or -1 with the error logged (a usage error). */
int rb_cli_jobs(const char *s, int *jobs);
/* ISO 8601 UTC, or "" for a negative (unknown) time. */
void rb_cli_iso(int64_t t, char out[21]);
/* Lower-cases addr in place and drops surrounding <>; returns it. */
char *rb_cli_addr(char *addr);

/* The evidence of a suppression from the columns of RB_Q_SUPP_SHOW:
   "5.1.1 550: \"diagnostic\"; rule ID; bounce <MESSAGE-ID>; note", or
   "manual: note". */
void rb_cli_evidence(const struct rb_val *c, char *out, size_t n);

/* Runs q (one bound value; rows: size data ...) and writes the raw
   bounce of its first row to standard output.  Returns the exit status: 0,
   1 when there is none (logged with what), 65 when damaged. */
int rb_cli_show_raw(struct rb_ledger *l, enum rb_lq q, struct rb_val arg,
		    const char *what, struct rb_err *err);

/* A progress bar on standard error: "\r[####....] done/total messages",
   redrawn when the percentage moves; prefix may be "". */
struct rb_progress {
	size_t total;		/* 0: no bar */
	int shown;
	const char *prefix;
};
void rb_progress_show(struct rb_progress *p, size_t done);
/* Ends the bar's line (when one was drawn). */
void rb_progress_end(struct rb_progress *p);

enum rb_fmt { RB_FMT_TABLE, RB_FMT_CSV, RB_FMT_JSONL };

/* "table", "csv" or "jsonl"; -1 (logged) otherwise. */
int rb_fmt_parse(const char *s, enum rb_fmt *f);

struct rb_col {
	const char *name;
	int json;		/* in JSON lines, the value is JSON already */
};

struct rb_out;

/* Rows go to standard output; a table is printed by rb_out_end(), aligned.
   The columns must outlive the result. */
struct rb_out *rb_out_new(enum rb_fmt f, const struct rb_col *cols,
			  size_t ncols);
/* One row of ncols values (copied). */
void rb_out_row(struct rb_out *o, const char *const *vals);
/* Prints what is pending and frees; -1 (logged) when writing failed. */
int rb_out_end(struct rb_out **o);

#endif
