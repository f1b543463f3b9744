/*
 * cmd - the subcommands of rebound(1), one function each
 *
 * Each takes the arguments after its name (argv[0] is the command name)
 * and returns the process exit status (sysexits.h codes for failures).
 */
#ifndef REBOUND_AGENT_CMD_H
#define REBOUND_AGENT_CMD_H

#include <stddef.h>

/* sysexits.h, spelled out so that the codes are documented in one place. */
enum {
	RB_EX_OK = 0,
	RB_EX_FAIL = 1,		/* the command ran and found failures */
	RB_EX_USAGE = 64,
	RB_EX_DATAERR = 65,
	RB_EX_NOINPUT = 66,
	RB_EX_SOFTWARE = 70,
	RB_EX_CANTCREAT = 73,
	RB_EX_IOERR = 74,
	RB_EX_TEMPFAIL = 75,
	RB_EX_PROTOCOL = 76,	/* TLS failed or the certificate is not
				   trusted */
	RB_EX_NOPERM = 77,
	RB_EX_CONFIG = 78,
};

int rb_cmd_parse(int argc, char **argv);
int rb_cmd_rules(int argc, char **argv);
int rb_cmd_ingest(int argc, char **argv);
int rb_cmd_replay(int argc, char **argv);
int rb_cmd_check(int argc, char **argv);
int rb_cmd_suppression(int argc, char **argv);
int rb_cmd_ledger(int argc, char **argv);
int rb_cmd_undecoded(int argc, char **argv);
int rb_cmd_stats(int argc, char **argv);
int rb_cmd_run(int argc, char **argv);
int rb_cmd_config(int argc, char **argv);
int rb_cmd_sent(int argc, char **argv);
int rb_cmd_health(int argc, char **argv);
int rb_cmd_alerts(int argc, char **argv);
int rb_cmd_metrics(int argc, char **argv);
int rb_cmd_report(int argc, char **argv);

/* Adds a --rules argument to a growing list. */
void rb_cmd_add_dir(const char ***dirs, size_t *n, const char *dir);

#endif
