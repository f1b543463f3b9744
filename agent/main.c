/* main - rebound(1): command dispatch */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "parsers/mime.h"

static const char usage[] =
"usage: rebound COMMAND [OPTION]... [ARG]...\n"
"\n"
"Turns a bounce-return mailbox into a suppression list and retry ledger.\n"
"\n"
"Commands:\n"
"  parse     read bounces from files, Maildirs or mboxes; print records\n"
"  rules     check, test, explain and list the rule set\n"
"  version   print the version\n"
"\n"
"`rebound COMMAND --help` describes each command.  See rebound(1).\n";

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
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
	if (strcmp(cmd, "parse") != 0 && strcmp(cmd, "rules") != 0) {
		if (*cmd)
			fprintf(stderr, "rebound: unknown command '%s'\n", cmd);
		fputs(usage, stderr);
		return RB_EX_USAGE;
	}
	rb_mime_init();
	if (strcmp(cmd, "parse") == 0)
		rc = rb_cmd_parse(argc - 1, argv + 1);
	else
		rc = rb_cmd_rules(argc - 1, argv + 1);
	rb_mime_shutdown();
	return rc;
}
