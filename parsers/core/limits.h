/*
 * limits - every bound rebound puts on untrusted input, with the reason
 *
 * Bounce messages are written by strangers: any of them can be truncated,
 * nested a thousand deep or stuffed with megabytes on one line.  Going over a
 * limit truncates what is kept and adds a warning to the record; it never
 * crashes and never makes the work grow without bound.  The numbers were
 * checked against the Sisimai corpus (709 bounces from 80 kinds of software):
 * the largest values seen there are given in brackets.
 */
#ifndef REBOUND_CORE_LIMITS_H
#define REBOUND_CORE_LIMITS_H

/* Bytes of one message read and parsed [largest corpus bounce: 76 KiB].
   Bounces that return a whole attachment are rarely over a few MiB; bytes
   past this limit are not parsed (the report part comes first).  Over
   IMAP, no more than this and one byte is fetched of a message. */
#define RB_MAX_MESSAGE_BYTES (32u << 20)

/* Bytes of message bodies `rebound run` asks for in one FETCH command,
   by the sizes the server gives: a batch over it is fetched in several
   commands, and a message over it alone.  What a batch holds in memory
   is bounded by this, not by batch_size times the message limit. */
#define RB_MAX_FETCH_BYTES (32u << 20)

/* MIME parts walked per message [41].  Each part costs a node; a message of
   ten thousand empty parts must not cost ten thousand decodes. */
#define RB_MAX_MIME_PARTS 512
/* Lines starting with "--" (boundaries) read into the MIME parser; the
   message is cut before the next one (GMime would build each part). */
#define RB_MAX_BOUNDARY_LINES 4096u

/* Nesting of multiparts and attached messages [6].  Dovecot allows 100;
   a bounce forwarded inside a forward inside a digest is about 8 deep. */
#define RB_MAX_MIME_DEPTH 32

/* Attached messages (message/rfc822, text/rfc822-headers) entered, counted
   from the top [3]: a bounce of a bounce of a bounce. */
#define RB_MAX_NESTED_MESSAGES 8

/* Bytes of one delivery-status or feedback-report part [8 KiB].  RFC 3464
   puts one group of fields per recipient; 1 MiB is thousands of them. */
#define RB_MAX_REPORT_BYTES (1u << 20)

/* Recipients taken from one message [7].  A mailing-list bounce can name
   hundreds; a report naming more than this is truncated. */
#define RB_MAX_RECIPIENTS 1000

/* Bytes kept of one DSN or ARF field after unfolding [2.7 KiB, a
   Diagnostic-Code quoting a whole SMTP dialogue]. */
#define RB_MAX_FIELD_BYTES (16u << 10)

/* Bytes kept of the diagnostic text of a record [2.7 KiB]. */
#define RB_MAX_DIAGNOSTIC_BYTES (8u << 10)

/* Bytes of decoded text body read by the rule engine [40 KiB].  Vendor
   bodies put the failure first; the returned message follows. */
#define RB_MAX_TEXT_BYTES (256u << 10)

/* Lines of text body read by line-oriented decoders [700]. */
#define RB_MAX_TEXT_LINES 20000

/* Warnings kept per message; further ones are counted. */
#define RB_MAX_WARNINGS 16

/* Bytes of one header value that rules and records look at [8 KiB, a
   References header]. */
#define RB_MAX_HEADER_BYTES (64u << 10)

/* Regular expression work per match attempt (PCRE2 match limit), and the
   backtracking depth.  PCRE2 applies both at each start position of an
   attempt, not to the attempt as a whole.  A pattern that needs more on a
   body is reported as having blown its limit and is not run again on that
   message. */
#define RB_REGEX_MATCH_LIMIT 200000u
#define RB_REGEX_DEPTH_LIMIT 10000u

/* Heap for the interpreter's backtracking frames of one match, in KiB
   (PCRE2 10.42's default is 20,000,000 KiB).  The depth limit times the
   largest frame (RB_RX_MAX_GROUPS groups: under 1 KiB) is under 10 MiB;
   PCRE2 doubles its frame vector as it grows.  JIT code uses its own
   stack (512 KiB, parsers/regex.c) instead. */
#define RB_REGEX_HEAP_LIMIT (20u << 10)

/* Every match attempt runs first with this match limit [the corpus and
   fixtures make 22,497 attempts; 2 need more than 1,000, none 3,000].  One that needs more at some start position is
   "slow": it runs again with RB_REGEX_MATCH_LIMIT, the result is the same,
   and it spends one unit of the message's regex budget. */
#define RB_REGEX_QUICK_LIMIT 10000u

/* Regex budget of one message, in slow attempts (limit hits included)
   [none in the corpus].  Each may cost up to RB_REGEX_MATCH_LIMIT steps
   per start position; when the budget is spent, no pattern runs on the
   rest of the message, which gets a warning.  Without it, a body crafted
   against a user rule costs RB_MAX_TEXT_LINES lines times patterns times
   the match limit. */
#define RB_REGEX_BUDGET 16u

/* Bytes of one rule file or configuration file. */
#define RB_MAX_YAML_BYTES (8u << 20)
/* Nodes in one YAML document: rule sets are a few thousand. */
#define RB_MAX_YAML_NODES 500000
/* Nesting of YAML collections. */
#define RB_MAX_YAML_DEPTH 64

#endif
