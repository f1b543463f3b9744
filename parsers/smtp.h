/*
 * smtp - enhanced status codes (RFC 3463) and reply codes (RFC 5321) in text
 *
 * Status codes are "class.subject.detail": class 2, 4 or 5, subject and detail
 * of 1 to 3 digits.  Found in free text, a code must stand alone: not part of
 * an IP address or version number ("192.0.2.5.1.1" is not "2.5.1"), and
 * "5.1.1." at the end of a sentence still counts.  Reply codes are three
 * digits 2xx/4xx/5xx whose second digit is 0-5, standing alone and followed by
 * a space, '-', a quote, ';', ": " or the end (so "550-5.1.1" and "550 5.1.1"
 * match, "5500", "2006" and "192.0.2.1" do not).
 */
#ifndef REBOUND_PARSERS_SMTP_H
#define REBOUND_PARSERS_SMTP_H

#include <stddef.h>

/* Length of the valid status code at the start of s (n bytes), or 0. */
size_t rb_smtp_status_len(const char *s, size_t n);

/* Copies the first standalone status code in text into out (at most 11
   bytes with the NUL) and returns 1; 0 and out = "" when there is none.
   With skip_generic, an "X.0.0" code is passed over when a more specific
   one follows. */
int rb_smtp_status_find(const char *text, size_t n, char out[12],
			int skip_generic);

/* Copies the first standalone reply code in text into out ("550") and
   returns 1; 0 and out = "" when there is none.  With at_start, only a code
   at the start of the text (after white space) counts. */
int rb_smtp_reply_find(const char *text, size_t n, char out[4], int at_start);

/* Copies into reply and status the codes of the remote server's reply:
   the first reply code followed by a standalone status code of the same
   class ("550 5.7.1", "550-5.7.1", Amazon SES's "550-'5.7.1"), and returns
   1; 0 and both "" when the text has none. */
int rb_smtp_reply_status_find(const char *text, size_t n, char reply[4],
			      char status[12]);

/* The SMTP command a failure answered, as a report tells it: Postfix's
   "(in reply to RCPT TO command)", Exim's "after RCPT TO", qmail's "RCPT
   TO response", the last ">>> DATA" of a Sendmail transcript.  Returns
   "RCPT", "MAIL", "DATA", "HELO" or "CONN" (refused at connection), or ""
   when the text does not say. */
const char *rb_smtp_command_find(const char *text, size_t n);

/* The command a name stands for, as a decoder captured or set it ("RCPT
   TO", "rcpt_to", "DATA", "end of data", "CONN"): "RCPT", "MAIL", "DATA",
   "HELO", "CONN", or "" when it names none. */
const char *rb_smtp_command_name(const char *s);

#endif
