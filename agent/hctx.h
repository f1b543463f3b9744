/*
 * hctx - what `health`, `alerts`, `report` and `metrics` share: options,
 * the configuration's health section, the providers table, the ledger
 * and the loaded health data
 */
#ifndef REBOUND_AGENT_HCTX_H
#define REBOUND_AGENT_HCTX_H

#include <stdint.h>

#include "cli.h"
#include "health.h"

struct rb_config;
struct rb_providers;

struct rb_hctx {
	struct rb_cli_db db;
	struct rb_config *cfg;		/* NULL: none */
	struct rb_health_opts opts;	/* the configuration's, or defaults */
	const char *campaign_header;	/* NULL: none */
	const char *const *alert_command;	/* NULL: none */
	const char *providers;		/* --providers FILE */
	int64_t since;			/* --since; -1: now - default */
	struct rb_providers *prov;
	struct rb_ledger *l;
	struct rb_hdata *d;
};

/* The getopt_long entries and usage text of --since and --providers; the
   codes are 's' and 'p'. */
#define RB_HCTX_OPTS \
	{"since", required_argument, NULL, 's'}, \
	{"providers", required_argument, NULL, 'p'}
#define RB_HCTX_USAGE \
"  --since TIME    the start of the window (default: now minus the\n" \
"                  configuration's health.window, 7 days)\n" \
"  --providers FILE  the domain → provider table (default\n" \
"                  data/providers.tsv, or $REBOUND_PROVIDERS)\n"

void rb_hctx_init(struct rb_hctx *h);
/* Handles option c ('s', 'p' or a database option): 0, or -1 (logged). */
int rb_hctx_opt(struct rb_hctx *h, int c, const char *arg);
/* 1 for the codes rb_hctx_opt() handles. */
#define RB_HCTX_OPT(c) ((c) == 's' || (c) == 'p' || RB_CLI_DB_OPT(c))

/* A command's own option c (not 'h', '?' or a shared one): 0, or -1
   (logged) for a bad value. */
typedef int (*rb_hctx_own_fn)(void *ctx, int c, const char *arg);

/* Parses argv with opts (which must hold RB_CLI_DB_OPTS, RB_HCTX_OPTS and
   "help"); --help prints usage.  Takes no operands.  -1 to go on, else
   the exit status. */
int rb_hctx_args(struct rb_hctx *h, int argc, char **argv,
		 const struct option *opts, const char *usage,
		 rb_hctx_own_fn own, void *ctx);

/* An rb_hctx_own_fn for a command whose one own option is a path: ctx is
   a const char ** that gets it. */
int rb_hctx_path_opt(void *ctx, int c, const char *arg);

/* Reads the configuration and the providers, opens the ledger read-only
   and loads the window (default_window when --since was not given and
   the configuration does not set one; 0: the configuration's).  -1 to go
   on, else the exit status (logged). */
int rb_hctx_open(struct rb_hctx *h, int64_t default_window);
void rb_hctx_close(struct rb_hctx *h);

/* Writes data to path atomically: a temporary file beside it, fsync,
   rename.  "-" is standard output.  0, or -1 (logged, naming path). */
int rb_write_atomic(const char *path, const char *data, size_t len,
		    int mode);

#endif
