/*
 * addr - recipient addresses as reports write them
 *
 * Reports write an address in many ways: "rfc822; <User@Example.COM>",
 * "RFC822;user@example.com (comment)", "\"user\"@example.com", "mailto:...",
 * or as RFC 6533 "utf-8; user\x{E9}@example.com".  rb_addr_clean() reduces
 * all of them to one addr-spec: the address type dropped, angle brackets,
 * comments, trailing dots and white space removed, \x{HHHH} escapes decoded
 * to UTF-8, ASCII letters lower-cased (the local part is compared without
 * case too: every provider rebound deals with treats it so, and the ledger
 * must not keep two entries for one mailbox).
 */
#ifndef REBOUND_PARSERS_ADDR_H
#define REBOUND_PARSERS_ADDR_H

#include <stddef.h>

struct rb_arena;

/* The cleaned addr-spec of s, in the arena; "" when s holds no
   "local@domain" (no '@', empty local part or domain, or white space
   inside).  When type_r is not NULL it receives the address type
   ("rfc822", "utf-8", lower case; "" when none was given). */
const char *rb_addr_clean(struct rb_arena *a, const char *s,
			  const char **type_r);

/* 1 when s is a plausible addr-spec: one '@' with text on both sides, no
   white space, no control characters, a dot or an IP literal in the domain
   not required (local domains exist). */
int rb_addr_plausible(const char *s);

/* The recipient of a complaint whose report and returned message name
   nobody (To: undisclosed-recipients:;).  It is Sisimai's spelling, so
   that records compare with the most used bounce analyser's, and it lies
   in ".invalid" (RFC 2606), which no mail reaches: the ledger keeps the
   event but acts on no address in that domain. */
#define RB_ADDR_UNDISCLOSED \
	"undisclosed-recipient-in-headers@libsisimai.org.invalid"

/* 1 when the addr-spec s is in the reserved top-level domain "invalid"
   (RFC 2606), a placeholder such as RB_ADDR_UNDISCLOSED. */
int rb_addr_is_placeholder(const char *s);

/* The domain of an addr-spec (after the last '@'), or "". */
const char *rb_addr_domain(const char *s);

#endif
