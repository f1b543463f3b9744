/*
 * imap - one IMAP session (the only file that talks to libetpan)
 *
 * Connects (implicit TLS, STARTTLS or plain), verifies the server's
 * certificate itself before any credential is sent, logs in, selects a
 * mailbox, finds the UIDs above a checkpoint, fetches messages with
 * BODY.PEEK[]<0.N> in UID order (N = RB_MAX_MESSAGE_BYTES + 1), applies
 * an `after` action (MOVE, or COPY + \Deleted + UID EXPUNGE; \Seen;
 * delete) and waits for new mail with IDLE.
 *
 * Sizes: a fetch holds no more than N bytes of a message, and no more
 * than RB_MAX_FETCH_BYTES + N of message bodies at once, whatever the
 * server announces or sends; libetpan is not left to buffer a body
 * literal itself.  A server that sends more than was asked is cut off:
 * an RB_IF_NET error (RB_ETEMP), the session dropped.
 *
 * Certificates: Debian's libetpan (GnuTLS) never verifies the peer and its
 * CA-file setter is not implemented.  So after the handshake the peer's
 * chain is taken from the stream and checked with GnuTLS against the
 * account's ca_file or the system trust store, with the host name (or IP
 * address); a failure closes the connection before LOGIN.
 *
 * Secrets: the password or token passed to rb_imap_login() is not kept,
 * and no protocol trace is ever logged (libetpan's logger would show the
 * LOGIN line).
 *
 * Every function that can fail returns -1 and fills *err; the fault kind
 * (rb_imap_fault()) decides what the caller does: RB_IF_NET is temporary
 * (try later), the others need a person.
 */
#ifndef REBOUND_AGENT_IMAP_H
#define REBOUND_AGENT_IMAP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct rb_err;
struct rb_imap;

enum rb_ifault {
	RB_IF_NONE,
	RB_IF_NET,		/* connection, timeout, server unavailable */
	RB_IF_TLS,		/* no TLS, or an untrusted certificate */
	RB_IF_AUTH,		/* credentials refused */
	RB_IF_MAILBOX,		/* the mailbox cannot be selected */
	RB_IF_SERVER,		/* a command was refused */
};

/* A session for ac (which must outlive it); nothing is sent yet. */
struct rb_imap *rb_imap_new(const struct rb_account *ac);
/* Logs out when connected, frees, sets *im to NULL. */
void rb_imap_free(struct rb_imap **im);
enum rb_ifault rb_imap_fault(const struct rb_imap *im);

/* Connects, does TLS as configured and verifies the certificate. */
int rb_imap_connect(struct rb_imap *im, struct rb_err *err);
/* Authenticates with the password or XOAUTH2 token. */
int rb_imap_login(struct rb_imap *im, const char *secret, struct rb_err *err);
/* Selects the account's mailbox: its UIDVALIDITY. */
int rb_imap_select(struct rb_imap *im, uint32_t *uidvalidity,
		   struct rb_err *err);

/* The UIDs above last, ascending, into a malloc'd *uids. */
int rb_imap_search(struct rb_imap *im, uint32_t last, uint32_t **uids,
		   size_t *n, struct rb_err *err);

/* One fetched message, valid during the call it is passed to. */
struct rb_imap_msg {
	uint32_t uid;
	const char *data;	/* its first len bytes, NUL-terminated */
	size_t len;		/* at most RB_MAX_MESSAGE_BYTES + 1 */
	uint32_t size;		/* its RFC822.SIZE as the server says; 0
				   when it gave none */
	int cut;		/* 1 when it is longer than
				   RB_MAX_MESSAGE_BYTES: data is its head */
};

/* Called for each fetched message in UID order.  Returning -1 stops the
   fetch (the session stays usable). */
typedef int (*rb_imap_msg_fn)(void *ctx, const struct rb_imap_msg *m);
/* Fetches uids (ascending): their sizes (UID FETCH (UID RFC822.SIZE)),
   then their first RB_MAX_MESSAGE_BYTES + 1 bytes (BODY.PEEK[]<0.N>) in
   as many commands as keep each within RB_MAX_FETCH_BYTES (a bigger
   message alone).  A UID the
   server no longer has is skipped.  -1 when fn stopped it (err
   untouched) or on error; a server that sends more than was asked is an
   RB_IF_NET error (RB_ETEMP) and the session is dropped. */
int rb_imap_fetch(struct rb_imap *im, const uint32_t *uids, size_t n,
		  rb_imap_msg_fn fn, void *ctx, struct rb_err *err);

/* Applies act to uids (ascending).  A move creates the folder when it is
   missing; '/' in its name becomes the server's hierarchy separator. */
int rb_imap_act(struct rb_imap *im, const struct rb_action *act,
		const uint32_t *uids, size_t n, struct rb_err *err);

/* 1 when the server offers IDLE. */
int rb_imap_can_idle(const struct rb_imap *im);
/* Waits up to secs for the mailbox to change: with IDLE when offered,
   else with a NOOP after the wait.  The caller keeps its signals blocked
   while talking to the server (an interrupted read would drop the
   connection); they are let in, with mask, only while waiting.  Returns
   early when *stop becomes non-zero.  1 when the server announced
   something, 0 otherwise, -1 on error. */
int rb_imap_wait(struct rb_imap *im, int64_t secs,
		 volatile sig_atomic_t *stop, const sigset_t *mask,
		 struct rb_err *err);
/* Sleeps up to secs with mask as the signal mask, one second at a time,
   until *stop is set. */
void rb_wait_signals(int64_t secs, volatile sig_atomic_t *stop,
		     const sigset_t *mask);

#endif
