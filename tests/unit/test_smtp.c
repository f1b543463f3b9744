/* test_smtp - status and reply codes found in free text */
#include "check.h"
#include "parsers/smtp.h"

static const struct {
	const char *text;
	const char *status;
	int skip_generic;
} st[] = {
	{"550 5.1.1 <a@b>: user unknown", "5.1.1", 0},
	{"smtp; 550-5.1.1 The email account", "5.1.1", 0},
	{"Status: 4.2.2", "4.2.2", 0},
	{"5.1.1.", "5.1.1", 0},			/* end of a sentence */
	{"from 192.0.2.5.1.1 said", "", 0},	/* part of an address */
	{"version 2.5.1 of", "2.5.1", 0},
	{"3.1.1 is not a class", "", 0},	/* class 2, 4 or 5 */
	{"5.1234.1", "", 0},			/* subject of 1-3 digits */
	{"5.0.0 then 5.2.2 later", "5.2.2", 1},
	{"5.0.0 alone", "5.0.0", 1},
	{"", "", 0},
};

static const struct {
	const char *text;
	const char *reply;
	int at_start;
} rc[] = {
	{"550 5.1.1 user unknown", "550", 1},
	{"550-5.1.1 user unknown", "550", 1},
	{"  452 too many", "452", 1},
	{"said: 554 rejected", "554", 0},
	{"said: 554 rejected", "", 1},
	{"5500 is not a code", "", 0},
	{"year 2006 is not one", "", 0},
	{"192.0.2.1 is not one", "", 0},
	{"560 second digit 6", "", 0},
	{"550: 5.2.2 over quota", "550", 1},	/* Yahoo writes a colon */
	{"at 12:550:00", "", 0},
	{"MAIL FROM:<a@b> SIZE=222: host x: 550 no", "550", 0},
};

static const struct {
	const char *text, *cmd;
} cm[] = {
	{"host mx said: 550 5.1.1 unknown (in reply to RCPT TO command)",
	 "RCPT"},
	{"SMTP error from remote mail server after RCPT TO:<a@b>: 550 no",
	 "RCPT"},
	{"SMTP error from remote mail server after end of data: 554",
	 "DATA"},
	{"most progress was RCPT TO response; remote host said: 550",
	 "RCPT"},
	{">>> MAIL From:<a@b>\n<<< 250 ok\n>>> DATA\n<<< 550 5.2.1 no",
	 "DATA"},
	{"(in reply to MAIL FROM command)", "MAIL"},
	{"550 <a@b>: User unknown (in reply to\n    RCPT TO command)", "RCPT"},
	{"hereafter data follows", ""},
	{"metadata response was bad", ""},
	{"550 user unknown", ""},
};

static const struct {
	const char *text, *status;
} rs[] = {
	{"5.1.0 - Unknown address error 550-'5.7.1 <a@b>... Access denied'",
	 "5.7.1"},
	{"554 4.4.7 Message expired: unable to deliver in 840 minutes."
	 "<421 4.4.2 Connection timed out>", "4.4.2"},
	{"450 4.7.1 Access denied. IP name lookup failed", "4.7.1"},
	{"host mx said: 550-5.1.1 no such user", "5.1.1"},
	{"a@b: 552 5.2.2 <a@b>: Recipient address rejected: Mailbox full",
	 "5.2.2"},
	{"550 4.7.1 class mismatch", ""},
	{"5.1.1 user unknown", ""},
	{"192.0.2.550 5.1.1", ""},
	{"550 user unknown 5.1.1", ""},
};

int
main(void)
{
	size_t i;
	char out[12], r[4];

	CHECK_GROUP("status");
	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		rb_smtp_status_find(st[i].text, strlen(st[i].text), out,
				    st[i].skip_generic);
		check_str(out, st[i].status, st[i].text, __FILE__, __LINE__);
	}
	CHECK_INT(rb_smtp_status_len("5.7.26 x", 8), 6);
	CHECK_INT(rb_smtp_status_len("5.7.", 4), 0);
	CHECK_GROUP("reply");
	for (i = 0; i < sizeof(rc) / sizeof(rc[0]); i++) {
		rb_smtp_reply_find(rc[i].text, strlen(rc[i].text), r,
				   rc[i].at_start);
		check_str(r, rc[i].reply, rc[i].text, __FILE__, __LINE__);
	}
	CHECK_GROUP("reply status");
	for (i = 0; i < sizeof(rs) / sizeof(rs[0]); i++) {
		rb_smtp_reply_status_find(rs[i].text, strlen(rs[i].text), r,
					  out);
		check_str(out, rs[i].status, rs[i].text, __FILE__, __LINE__);
	}
	CHECK_GROUP("command");
	for (i = 0; i < sizeof(cm) / sizeof(cm[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "command of text %zu", i + 1);
		check_str(rb_smtp_command_find(cm[i].text, strlen(cm[i].text)),
			  cm[i].cmd, what, __FILE__, __LINE__);
	}
	return check_end();
}
