/* main - rebound(1): command dispatch */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "parsers/mime.h"

static const char usage[] =
"usage: rebound COMMAND [OPTION]... [ARG]...\n"
"\n"
"Turns a bounce-return mailbox into a suppression list and retry ledger.\n"
"\n"
"Commands:\n"
"  parse        read bounces from files, Maildirs or mboxes; print records\n"
"  rules        check, test, explain and list the rule set\n"
"  ingest       parse bounces and apply them to the ledger (SQLite)\n"
"  check        may these addresses be mailed now? (exit 0, 1 or 2)\n"
"  suppression  list, export, add, remove, audit and show suppressions\n"
"  ledger       the soft-bounce retry ledger; which retries are due\n"
"  undecoded    the bounces nothing could decode, for rule authors\n"
"  stats        counts and shares by class, reason, domain, provider, day\n"
"  replay       re-read kept bounces with the current rules; show changes\n"
"  run          poll the bounce mailboxes over IMAP (once, or as a daemon)\n"
"  config       check a configuration file\n"
"  sent         record or import send volumes (the rates' denominators)\n"
"  health       bounce, soft, block and complaint rates against limits\n"
"  alerts       what is wrong now: rates, spikes, sender-side blocks\n"
"  report       one self-contained HTML report with charts\n"
"  metrics      Prometheus text for node_exporter's textfile collector\n"
"  version      print the version\n"
"\n"
"`rebound COMMAND --help` describes each command.  See rebound(1).\n";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{"parse", rb_cmd_parse},
	{"rules", rb_cmd_rules},
	{"ingest", rb_cmd_ingest},
	{"check", rb_cmd_check},
	{"suppression", rb_cmd_suppression},
	{"ledger", rb_cmd_ledger},
	{"undecoded", rb_cmd_undecoded},
	{"stats", rb_cmd_stats},
	{"replay", rb_cmd_replay},
	{"run", rb_cmd_run},
	{"config", rb_cmd_config},
	{"sent", rb_cmd_sent},
	{"health", rb_cmd_health},
	{"alerts", rb_cmd_alerts},
	{"report", rb_cmd_report},
	{"metrics", rb_cmd_metrics},
};

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	size_t i, n = sizeof(cmds) / sizeof(cmds[0]);
	int rc;

	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("rebound %s\n", REBOUND_VERSION);
		return RB_EX_OK;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "-h") == 0) {
		fputs(usage, stdout);
		return RB_EX_OK;
	}
	for (i = 0; i < n && strcmp(cmd, cmds[i].name) != 0; i++)
		;
	if (i == n) {
		if (*cmd)
			fprintf(stderr, "rebound: unknown command '%s'\n", cmd);
		fputs(usage, stderr);
		return RB_EX_USAGE;
	}
	/* Messages come and go by the thousand: without these, glibc gives
	   memory back to the kernel (and maps large blocks afresh) after
	   nearly every one, and the TLB shootdowns cost more than parsing.
	   The heap then stays at its high-water mark, a few MB. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	rb_mime_init();
	rc = cmds[i].fn(argc - 1, argv + 1);
	rb_mime_shutdown();
	return rc;
}
