/* imap - one IMAP session over libetpan, with our own certificate check */
#define _GNU_SOURCE	/* ppoll */
#include "imap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "parsers/core/err.h"
#include "parsers/core/limits.h"

#define MAX_CHAIN 16
#define MAX_IDLE 1500		/* RFC 2177: re-IDLE well within 29 min */

struct rb_imap {
	const struct rb_account *ac;
	mailimap *imap;
	enum rb_ifault fault;
	char delim;		/* hierarchy separator; 0 before LIST */
	char **made;		/* folders created (or found) this session */
	size_t nmade;
};

/* The most bytes of one message fetched: one past the parser's limit, so
   that the parser sees a longer message is longer (and warns, as for a
   file), holding no more. */
#define BODY_MAX ((size_t)RB_MAX_MESSAGE_BYTES + 1)

/* A message of the batch as UID FETCH (UID RFC822.SIZE) gave it. */
struct sized {
	uint32_t uid;
	uint32_t size;		/* RFC822.SIZE */
	int has_size;		/* 0: the server gave none */
};

struct msg {
	uint32_t uid;
	char *data;
	size_t len;
};

/* What one FETCH of bodies holds.  Each body comes in pieces through
   on_body() into body; on_msg() then files it under its UID. */
struct fetch {
	struct msg *m;
	size_t n, cap;
	char *body;		/* the body being read */
	size_t len, room;
	size_t held, max;	/* bytes of bodies held; the most allowed */
	enum { FITS, OVER_MSG, OVER_ALL } over;	/* sent more than asked */
};

struct rb_imap *
rb_imap_new(const struct rb_account *ac)
{
	struct rb_imap *im = rb_xcalloc(1, sizeof(*im));

	im->ac = ac;
	return im;
}

/* Ends the session: with LOGOUT when the server is in step, else by
   closing the connection (after a literal cut off, the rest would be read
   as one response line, however long; mailimap_free() sends LOGOUT). */
static void
end_session(struct rb_imap *im, int polite)
{
	size_t i;

	if (im->imap != NULL) {
		if (im->imap->imap_stream != NULL && polite)
			(void)mailimap_logout(im->imap);
		if (im->imap->imap_stream != NULL) {
			mailstream_close(im->imap->imap_stream);
			im->imap->imap_stream = NULL;
		}
		mailimap_free(im->imap);
		im->imap = NULL;
	}
	for (i = 0; i < im->nmade; i++)
		free(im->made[i]);
	free(im->made);
	im->made = NULL;
	im->nmade = 0;
	im->delim = 0;
}

void
rb_imap_free(struct rb_imap **imp)
{
	if (*imp == NULL)
		return;
	end_session(*imp, 1);
	free(*imp);
	*imp = NULL;
}

enum rb_ifault
rb_imap_fault(const struct rb_imap *im)
{
	return im->fault;
}

/* The server's last response text, for messages ("" when none). */
static const char *
said(const struct rb_imap *im)
{
	const char *s = im->imap ? im->imap->imap_response : NULL;

	return s ? s : "";
}

static int
is_net(int r)
{
	return r == MAILIMAP_ERROR_STREAM ||
	       r == MAILIMAP_ERROR_CONNECTION_REFUSED ||
	       r == MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION ||
	       r == MAILIMAP_ERROR_PARSE || r == MAILIMAP_ERROR_FATAL ||
	       r == MAILIMAP_ERROR_MEMORY;
}

/* Records a failed command r: a broken connection is temporary (and the
   session is dropped), a refusal is kind. */
static int
failed(struct rb_imap *im, int r, enum rb_ifault kind, const char *what,
       struct rb_err *err)
{
	char where[300];

	snprintf(where, sizeof(where), "%s (%s:%u)", im->ac->name,
		 im->ac->host, im->ac->port);
	if (is_net(r)) {
		im->fault = RB_IF_NET;
		rb_fail(err, RB_ETEMP, where, "%s: %s", what,
			r == MAILIMAP_ERROR_CONNECTION_REFUSED ?
			"cannot connect (refused, unreachable or no such host)" :
			r == MAILIMAP_ERROR_PARSE ? "the server's answer cannot "
			"be read; the connection is dropped" :
			"the connection was lost or timed out");
		end_session(im, 0);
		return -1;
	}
	/* [UNAVAILABLE] and [SERVERBUG] (RFC 5530) are worth another try. */
	if (strstr(said(im), "[UNAVAILABLE]") ||
	    strstr(said(im), "[SERVERBUG]"))
		kind = RB_IF_NET;
	im->fault = kind;
	return rb_fail(err, kind == RB_IF_NET ? RB_ETEMP : RB_EFATAL, where,
		       "%s: the server said: %s", what,
		       *said(im) ? said(im) : "(nothing)");
}

/* Certificates */

static void
set_sni(struct mailstream_ssl_context *ctx, void *data)
{
	const char *host = data;
	struct in6_addr a;

	/* RFC 6066: no IP literals in SNI. */
	if (inet_pton(AF_INET, host, &a) != 1 &&
	    inet_pton(AF_INET6, host, &a) != 1)
		(void)mailstream_ssl_set_server_name(ctx, (char *)host);
}

/* Ends the session after a failure of kind, *err filled: RB_IF_NET is
   temporary, and the server out of step (no LOGOUT); the others need a
   person.  After a TLS failure nothing at all is sent to the server (it
   is not trusted): no LOGOUT either. */
static int
give_up(struct rb_imap *im, enum rb_ifault kind, struct rb_err *err,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
give_up(struct rb_imap *im, enum rb_ifault kind, struct rb_err *err,
	const char *fmt, ...)
{
	char where[300];
	va_list ap;

	snprintf(where, sizeof(where), "%s (%s:%u)", im->ac->name,
		 im->ac->host, im->ac->port);
	im->fault = kind;
	va_start(ap, fmt);
	rb_vfail(err, kind == RB_IF_NET ? RB_ETEMP : RB_EFATAL, where, fmt,
		 ap);
	va_end(ap);
	end_session(im, kind != RB_IF_NET && kind != RB_IF_TLS);
	return -1;
}

/* Verifies the peer's chain against ca_file or the system store, for the
   account's host name.  Closes the connection when it is not trusted. */
static int
verify_peer(struct rb_imap *im, struct rb_err *err)
{
	gnutls_x509_crt_t crt[MAX_CHAIN];
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_typed_vdata_st vd;
	gnutls_datum_t out = {NULL, 0};
	unsigned status = 0, i, n = 0;
	carray *chain;
	int r, rc = -1;
	char msg[600];

	chain = mailstream_get_certificate_chain(im->imap->imap_stream);
	if (chain == NULL || carray_count(chain) == 0) {
		if (chain)
			carray_free(chain);
		return give_up(im, RB_IF_TLS, err, "%s", "the server sent "
			       "no certificate; nothing was sent to it");
	}
	for (i = 0; i < carray_count(chain) && n < MAX_CHAIN; i++) {
		MMAPString *s = carray_get(chain, i);
		gnutls_datum_t d = {(unsigned char *)s->str,
				    (unsigned)s->len};

		if (gnutls_x509_crt_init(&crt[n]) < 0)
			break;
		if (gnutls_x509_crt_import(crt[n], &d,
					   GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit(crt[n]);
			break;
		}
		n++;
	}
	for (i = 0; i < carray_count(chain); i++)
		mmap_string_free(carray_get(chain, i));
	carray_free(chain);
	if (n == 0) {
		give_up(im, RB_IF_TLS, err, "%s", "the server's certificate "
			"cannot be read; nothing was sent to it");
		goto done;
	}
	if (gnutls_x509_trust_list_init(&tl, 0) < 0)
		rb_panic("gnutls_x509_trust_list_init");
	if (im->ac->ca_file != NULL)
		r = gnutls_x509_trust_list_add_trust_file(
			tl, im->ac->ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
	else
		r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (r <= 0) {
		snprintf(msg, sizeof(msg), "%s", im->ac->ca_file ?
			 im->ac->ca_file : "the system trust store");
		give_up(im, RB_IF_TLS, err, "no CA certificate could be read "
			"from %s; nothing was sent to the server", msg);
		goto done;
	}
	vd.type = GNUTLS_DT_DNS_HOSTNAME;
	vd.data = (unsigned char *)im->ac->host;
	vd.size = 0;
	r = gnutls_x509_trust_list_verify_crt2(tl, crt, n, &vd, 1, 0, &status,
					       NULL);
	if (r < 0 || status != 0) {
		if (r < 0)
			snprintf(msg, sizeof(msg), "%s", gnutls_strerror(r));
		else if (gnutls_certificate_verification_status_print(
				 status, GNUTLS_CRT_X509, &out, 0) == 0) {
			size_t k;

			snprintf(msg, sizeof(msg), "%s", out.data);
			gnutls_free(out.data);
			for (k = strlen(msg); k > 0 && msg[k - 1] == ' '; k--)
				msg[k - 1] = '\0';
		} else {
			snprintf(msg, sizeof(msg), "status 0x%x", status);
		}
		give_up(im, RB_IF_TLS, err, "the server's certificate is not "
			"trusted (%s); nothing was sent to it (set ca_file "
			"for a private CA)", msg);
		goto done;
	}
	rc = 0;
done:
	if (tl)
		gnutls_x509_trust_list_deinit(tl, 1);
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crt[i]);
	return rc;
}

static int
capabilities(struct rb_imap *im, struct rb_err *err)
{
	struct mailimap_capability_data *cap = NULL;
	int r = mailimap_capability(im->imap, &cap);

	if (r != MAILIMAP_NO_ERROR)
		return failed(im, r, RB_IF_SERVER, "CAPABILITY", err);
	mailimap_capability_data_free(cap);
	return 0;
}

int
rb_imap_connect(struct rb_imap *im, struct rb_err *err)
{
	const struct rb_account *ac = im->ac;
	char *host = (char *)ac->host;
	int r;

	end_session(im, 1);
	im->fault = RB_IF_NONE;
	im->imap = mailimap_new(0, NULL);
	if (im->imap == NULL)
		rb_panic("mailimap_new");
	mailimap_set_timeout(im->imap, (time_t)ac->timeout);
	if (ac->tls == RB_TLS_IMPLICIT)
		r = mailimap_ssl_connect_with_callback(im->imap, ac->host,
						       (uint16_t)ac->port,
						       set_sni, host);
	else
		r = mailimap_socket_connect(im->imap, ac->host,
					    (uint16_t)ac->port);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		if (r == MAILIMAP_ERROR_SSL)
			return give_up(im, RB_IF_TLS, err, "%s", "the TLS "
				       "handshake failed (is this an implicit "
				       "TLS port?)");
		return failed(im, is_net(r) ? r : MAILIMAP_ERROR_STREAM,
			      RB_IF_NET, "connect", err);
	}
	if (ac->tls == RB_TLS_STARTTLS) {
		if (capabilities(im, err) != 0)
			return -1;
		if (!mailimap_has_extension(im->imap, "STARTTLS"))
			return give_up(im, RB_IF_TLS, err, "%s", "the server "
				       "does not offer STARTTLS; nothing was "
				       "sent to it");
		r = mailimap_socket_starttls_with_callback(im->imap, set_sni,
							   host);
		if (r != MAILIMAP_NO_ERROR)
			return give_up(im, RB_IF_TLS, err, "STARTTLS failed "
				       "(libetpan error %s)",
				       r == MAILIMAP_ERROR_SSL ? "SSL" :
				       "other");
	}
	if (ac->tls != RB_TLS_NONE && verify_peer(im, err) != 0)
		return -1;
	return capabilities(im, err);
}

static void
b64(const unsigned char *in, size_t n, char *out)
{
	static const char t[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*out++ = t[in[i] >> 2];
		*out++ = t[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*out++ = t[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*out++ = t[in[i + 2] & 63];
	}
	if (i < n) {
		*out++ = t[in[i] >> 2];
		if (i + 1 < n) {
			*out++ = t[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			*out++ = t[(in[i + 1] & 15) << 2];
		} else {
			*out++ = t[(in[i] & 3) << 4];
			*out++ = '=';
		}
		*out++ = '=';
	}
	*out = '\0';
}

/* AUTHENTICATE PLAIN with the initial response on the command line (RFC
   4959, which Dovecot, Gmail and Microsoft 365 offer); Cyrus SASL through
   mailimap_authenticate() otherwise.  The buffers are wiped. */
static int
auth_plain(struct rb_imap *im, const char *secret)
{
	const struct rb_account *ac = im->ac;
	size_t ul = strlen(ac->username), pl = strlen(secret), n, cl;
	unsigned char *raw;
	char *cmd;
	int r;

	if (!mailimap_has_extension(im->imap, "SASL-IR"))
		return mailimap_authenticate(im->imap, "PLAIN", ac->host,
					     NULL, NULL, ac->username,
					     ac->username, secret, NULL);
	n = 2 * ul + pl + 2;	/* authzid NUL authcid NUL password */
	raw = rb_xmalloc(n);
	memcpy(raw, ac->username, ul);
	raw[ul] = '\0';
	memcpy(raw + ul + 1, ac->username, ul);
	raw[2 * ul + 1] = '\0';
	memcpy(raw + 2 * ul + 2, secret, pl);
	cl = sizeof("AUTHENTICATE PLAIN ") + (n + 2) / 3 * 4;
	cmd = rb_xmalloc(cl);
	memcpy(cmd, "AUTHENTICATE PLAIN ", 19);
	b64(raw, n, cmd + 19);
	r = mailimap_custom_command(im->imap, cmd);
	/* libetpan does not know what a custom command did. */
	if (r == MAILIMAP_NO_ERROR)
		im->imap->imap_state = MAILIMAP_STATE_AUTHENTICATED;
	explicit_bzero(raw, n);
	explicit_bzero(cmd, cl);
	free(raw);
	free(cmd);
	return r;
}

int
rb_imap_login(struct rb_imap *im, const char *secret, struct rb_err *err)
{
	const struct rb_account *ac = im->ac;
	int r;

	switch (ac->auth) {
	case RB_AUTH_LOGIN:
		r = mailimap_login(im->imap, ac->username, secret);
		break;
	case RB_AUTH_PLAIN:
		r = auth_plain(im, secret);
		break;
	default:
		r = mailimap_oauth2_authenticate(im->imap, ac->username,
						 secret);
		break;
	}
	if (r != MAILIMAP_NO_ERROR)
		return failed(im, r, RB_IF_AUTH, "login as the configured "
			      "username", err);
	/* Servers announce more after LOGIN (MOVE, UIDPLUS, IDLE). */
	return capabilities(im, err);
}

int
rb_imap_select(struct rb_imap *im, uint32_t *uidvalidity, struct rb_err *err)
{
	int r = mailimap_select(im->imap, im->ac->mailbox);

	if (r != MAILIMAP_NO_ERROR)
		return failed(im, r, RB_IF_MAILBOX, "SELECT", err);
	if (im->imap->imap_selection_info == NULL ||
	    im->imap->imap_selection_info->sel_uidvalidity == 0)
		return failed(im, MAILIMAP_ERROR_PROTOCOL, RB_IF_SERVER,
			      "SELECT gave no UIDVALIDITY", err);
	*uidvalidity = im->imap->imap_selection_info->sel_uidvalidity;
	return 0;
}

static int
cmp_uid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
rb_imap_search(struct rb_imap *im, uint32_t last, uint32_t **uids,
	       size_t *n, struct rb_err *err)
{
	struct mailimap_search_key *key;
	clist *res = NULL;
	clistiter *it;
	size_t cap;
	int r;

	*uids = NULL;
	*n = 0;
	if (last == UINT32_MAX)
		return 0;
	key = mailimap_search_key_new_uid(mailimap_set_new_interval(last + 1,
								    0));
	r = mailimap_uid_search(im->imap, NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return failed(im, r, RB_IF_SERVER, "UID SEARCH", err);
	cap = (size_t)clist_count(res);
	*uids = rb_xreallocarray(NULL, cap ? cap : 1, sizeof(**uids));
	for (it = clist_begin(res); it; it = clist_next(it)) {
		uint32_t uid = *(uint32_t *)clist_content(it);

		/* `UID SEARCH UID n:*` gives the highest UID even below n. */
		if (uid > last)
			(*uids)[(*n)++] = uid;
	}
	mailimap_search_result_free(res);
	qsort(*uids, *n, sizeof(**uids), cmp_uid);
	return 0;
}

/* The UIDs as a set of ranges (a batch of 500 stays a short line). */
static struct mailimap_set *
uid_set(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	size_t i = 0, j;

	while (i < n) {
		for (j = i; j + 1 < n && uids[j + 1] == uids[j] + 1; j++)
			;
		if (mailimap_set_add_interval(set, uids[i], uids[j]) !=
		    MAILIMAP_NO_ERROR)
			rb_panic("mailimap_set_add_interval");
		i = j + 1;
	}
	return set;
}

/* Fetching.  libetpan reads a literal whole, into a buffer of the size
   the server announces (rounded up to a power of two: {4000000000} is
   4 GiB).  With a message body handler it hands over the bytes of a body
   section as they come instead, and a false return ends the command
   (libetpan 1.9.4, measured: SECURITY.md, finding 3).  So on_body()
   reads bodies into buffers of at most BODY_MAX, fetch.max in all. */

/* Appends a piece of the body being read; false (which ends the
   command) when the server sends more than was asked. */
static bool
on_body(int type, struct mailimap_msg_att_body_section *sec,
	const char *bytes, size_t n, void *ctx)
{
	struct fetch *f = ctx;
	size_t room;

	if (f->over == FITS && n > BODY_MAX - f->len)
		f->over = OVER_MSG;
	else if (f->over == FITS && n > f->max - f->held)
		f->over = OVER_ALL;
	if (f->over != FITS)
		return false;
	if (f->len + n + 1 > f->room) {
		room = f->room ? f->room : 1 << 16;
		while (room < f->len + n + 1)
			room *= 2;
		/* The last step goes to the most a body may take (a power
		   of two would stop one byte short of it). */
		if (room >= RB_MAX_MESSAGE_BYTES)
			room = BODY_MAX + 1;
		f->body = rb_xrealloc(f->body, room);
		f->room = room;
	}
	memcpy(f->body + f->len, bytes, n);
	f->len += n;
	f->held += n;
	return true;
}

/* The UID, RFC822.SIZE and body section of a FETCH response into *z and
   *sec (0 and NULL for what it does not have). */
static void
read_att(const struct mailimap_msg_att *att, struct sized *z,
	 struct mailimap_msg_att_body_section **sec)
{
	clistiter *it;

	memset(z, 0, sizeof(*z));
	*sec = NULL;
	for (it = clist_begin(att->att_list); it; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		struct mailimap_msg_att_static *st;

		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = item->att_data.att_static;
		if (st->att_type == MAILIMAP_MSG_ATT_UID) {
			z->uid = st->att_data.att_uid;
		} else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE) {
			z->size = st->att_data.att_rfc822_size;
			z->has_size = 1;
		} else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION) {
			*sec = st->att_data.att_body_section;
		}
	}
}

/* Streaming: libetpan hands over each FETCH response as it is parsed and
   frees it afterwards (only when a progress callback is set, too).  The
   body read by on_body() goes to the response's UID. */
static void
on_msg(struct mailimap_msg_att *att, void *ctx)
{
	struct fetch *f = ctx;
	struct mailimap_msg_att_body_section *sec;
	struct sized z;

	read_att(att, &z, &sec);
	if (z.uid == 0 || sec == NULL || f->over != FITS) {
		f->held -= f->len;	/* an unsolicited FETCH (flags) */
		f->len = 0;
		return;
	}
	/* A body sent as a quoted string, not a literal, does not go
	   through on_body(). */
	if (f->len == 0 && sec->sec_body_part != NULL &&
	    sec->sec_length > 0 &&
	    !on_body(MAILIMAP_MSG_ATT_BODY_SECTION, sec, sec->sec_body_part,
		     sec->sec_length, f))
		return;
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 64;
		f->m = rb_xreallocarray(f->m, f->cap, sizeof(*f->m));
	}
	if (f->body == NULL)
		f->body = rb_xmalloc(1);
	f->body[f->len] = '\0';
	f->m[f->n].uid = z.uid;
	f->m[f->n].data = f->body;
	f->m[f->n].len = f->len;
	f->n++;
	f->body = NULL;
	f->len = f->room = 0;
}

static void
no_progress(size_t cur, size_t max, void *ctx)
{
}

static int
cmp_msg(const void *a, const void *b)
{
	return cmp_uid(&((const struct msg *)a)->uid,
		       &((const struct msg *)b)->uid);
}

static int
cmp_sized(const void *a, const void *b)
{
	return cmp_uid(&((const struct sized *)a)->uid,
		       &((const struct sized *)b)->uid);
}

/* The bytes of s that a body fetch holds. */
static size_t
body_bytes(const struct sized *s)
{
	return s->has_size && s->size < BODY_MAX ? s->size : BODY_MAX;
}

/* UID FETCH of uids (ascending) asking for (UID a). */
static int
uid_fetch(struct rb_imap *im, const uint32_t *uids, size_t n,
	  struct mailimap_fetch_att *a, clist **res)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set = uid_set(uids, n);
	int r;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
		mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, a);
	r = mailimap_uid_fetch(im->imap, set, ft, res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	return r;
}

/* UID FETCH (UID RFC822.SIZE) of uids (ascending) into *out, ascending:
   the messages the server still has, each once (with its size when the
   server gave one in any of its answers). */
static int
sizes(struct rb_imap *im, const uint32_t *uids, size_t n,
      struct sized **out, size_t *nout, struct rb_err *err)
{
	struct mailimap_msg_att_body_section *sec;
	struct sized *s;
	clist *res = NULL;
	clistiter *it;
	size_t k = 0, i;
	int r;

	r = uid_fetch(im, uids, n, mailimap_fetch_att_new_rfc822_size(), &res);
	if (r != MAILIMAP_NO_ERROR)
		return failed(im, r, RB_IF_SERVER, "UID FETCH (RFC822.SIZE)",
			      err);
	s = rb_xreallocarray(NULL, clist_count(res) ? clist_count(res) : 1,
			     sizeof(*s));
	for (it = clist_begin(res); it; it = clist_next(it)) {
		read_att(clist_content(it), &s[k], &sec);
		if (bsearch(&s[k].uid, uids, n, sizeof(*uids), cmp_uid))
			k++;
	}
	mailimap_fetch_list_free(res);
	qsort(s, k, sizeof(*s), cmp_sized);
	/* An unsolicited FETCH (flags) may name a UID, without a size. */
	for (i = 0, *nout = 0; i < k; i++) {
		if (*nout == 0 || s[i].uid != s[*nout - 1].uid)
			s[(*nout)++] = s[i];
		else if (s[i].has_size)
			s[*nout - 1] = s[i];
	}
	*out = s;
	return 0;
}

/* Hands the n messages of f on to fn in UID order: those of s (the
   n2 asked for), each once.  -1 when fn stops. */
static int
hand_on(struct fetch *f, const struct sized *s, size_t n2, rb_imap_msg_fn fn,
	void *ctx)
{
	struct rb_imap_msg m;
	const struct sized *z;
	struct sized key = {0, 0, 0};
	size_t i;

	qsort(f->m, f->n, sizeof(*f->m), cmp_msg);
	for (i = 0; i < f->n; i++) {
		key.uid = f->m[i].uid;
		z = bsearch(&key, s, n2, sizeof(*s), cmp_sized);
		/* Not asked for, or sent twice: not handed on. */
		if (z == NULL || (i > 0 && f->m[i].uid == f->m[i - 1].uid))
			continue;
		m.uid = f->m[i].uid;
		m.data = f->m[i].data;
		m.len = f->m[i].len;
		m.size = z->size;
		m.cut = m.len > RB_MAX_MESSAGE_BYTES;
		if (fn(ctx, &m) != 0)
			return -1;
	}
	return 0;
}

/* One UID FETCH (UID BODY.PEEK[]<0.BODY_MAX>) of the n messages of s,
   whose sizes add up to planned bytes; then fn for each. */
static int
fetch_bodies(struct rb_imap *im, const struct sized *s, size_t n,
	     size_t planned, rb_imap_msg_fn fn, void *ctx, struct rb_err *err)
{
	struct fetch f;
	clist *res = NULL;
	uint32_t *uids = rb_xreallocarray(NULL, n, sizeof(*uids));
	size_t i;
	int r, rc = 0;

	for (i = 0; i < n; i++)
		uids[i] = s[i].uid;
	memset(&f, 0, sizeof(f));
	/* Sizes are the server's word (some count line ends otherwise), so
	   they only plan the commands; what one holds is bounded here. */
	f.max = RB_MAX_FETCH_BYTES + BODY_MAX;
	mailimap_set_msg_att_handler(im->imap, on_msg, &f);
	mailimap_set_msg_body_handler(im->imap, on_body, &f);
	mailimap_set_progress_callback(im->imap, NULL, no_progress, NULL);
	r = uid_fetch(im, uids, n,
		      mailimap_fetch_att_new_body_peek_section_partial(
			      mailimap_section_new(NULL), 0,
			      (uint32_t)BODY_MAX), &res);
	free(uids);
	if (im->imap != NULL) {
		mailimap_set_msg_att_handler(im->imap, NULL, NULL);
		mailimap_set_msg_body_handler(im->imap, NULL, NULL);
		mailimap_set_progress_callback(im->imap, NULL, NULL, NULL);
	}
	free(f.body);
	if (r == MAILIMAP_NO_ERROR)
		mailimap_fetch_list_free(res);
	if (f.over == OVER_MSG)
		rc = give_up(im, RB_IF_NET, err, "UID FETCH: the server sent "
			     "more than the %zu bytes asked of a message; the "
			     "connection is dropped", BODY_MAX);
	else if (f.over == OVER_ALL)
		rc = give_up(im, RB_IF_NET, err, "UID FETCH: the server sent "
			     "more than %zu bytes for %zu messages whose "
			     "RFC822.SIZE add up to %zu; the connection is "
			     "dropped", f.max, n, planned);
	else if (r != MAILIMAP_NO_ERROR)
		rc = failed(im, r, RB_IF_SERVER, "UID FETCH", err);
	else
		rc = hand_on(&f, s, n, fn, ctx);
	for (i = 0; i < f.n; i++)
		free(f.m[i].data);
	free(f.m);
	return rc;
}

int
rb_imap_fetch(struct rb_imap *im, const uint32_t *uids, size_t n,
	      rb_imap_msg_fn fn, void *ctx, struct rb_err *err)
{
	struct sized *s = NULL;
	size_t ns = 0, i, j, sum;
	int rc = 0;

	if (n == 0)
		return 0;
	if (sizes(im, uids, n, &s, &ns, err) != 0)
		return -1;
	/* As many messages a command as fit in RB_MAX_FETCH_BYTES (>= 1). */
	for (i = 0; i < ns && rc == 0; i = j) {
		sum = body_bytes(&s[i]);
		for (j = i + 1; j < ns && sum < RB_MAX_FETCH_BYTES &&
		     body_bytes(&s[j]) <= RB_MAX_FETCH_BYTES - sum; j++)
			sum += body_bytes(&s[j]);
		rc = fetch_bodies(im, s + i, j - i, sum, fn, ctx, err);
	}
	free(s);
	return rc;
}

/* The hierarchy separator, from LIST "" "". */
static char
delimiter(struct rb_imap *im)
{
	clist *res = NULL;

	if (im->delim)
		return im->delim;
	im->delim = '/';
	if (mailimap_list(im->imap, "", "", &res) == MAILIMAP_NO_ERROR) {
		if (res && clist_begin(res)) {
			struct mailimap_mailbox_list *mb =
				clist_content(clist_begin(res));

			if (mb->mb_delimiter)
				im->delim = mb->mb_delimiter;
		}
		mailimap_list_result_free(res);
	}
	return im->delim;
}

/* The folder name as the server spells it; CREATE it once per session
   (a folder that exists already makes CREATE fail, which is fine: a
   missing one that cannot be made makes the MOVE fail, and that is
   reported). */
static const char *
folder(struct rb_imap *im, const char *name)
{
	char d = delimiter(im), *f = rb_xstrdup(name), *p;
	size_t i;

	for (p = f; *p; p++)
		if (*p == '/')
			*p = d;
	for (i = 0; i < im->nmade; i++)
		if (strcmp(im->made[i], f) == 0) {
			free(f);
			return im->made[i];
		}
	if (mailimap_create(im->imap, f) == MAILIMAP_NO_ERROR) {
		rb_log(RB_LOG_INFO, "%s: created the folder %s", im->ac->name,
		       f);
		(void)mailimap_subscribe(im->imap, f);
	}
	im->made = rb_xreallocarray(im->made, im->nmade + 1,
				    sizeof(*im->made));
	im->made[im->nmade++] = f;
	return f;
}

static int
store(struct rb_imap *im, struct mailimap_set *set, struct mailimap_flag *fl,
      struct rb_err *err)
{
	struct mailimap_flag_list *list = mailimap_flag_list_new_empty();
	struct mailimap_store_att_flags *sf;
	int r;

	mailimap_flag_list_add(list, fl);
	sf = mailimap_store_att_flags_new_add_flags_silent(list);
	r = mailimap_uid_store(im->imap, set, sf);
	mailimap_store_att_flags_free(sf);
	if (r != MAILIMAP_NO_ERROR)
		return failed(im, r, RB_IF_SERVER, "UID STORE", err);
	return 0;
}

/* \Deleted, then UID EXPUNGE of just these.  Without UIDPLUS only a plain
   EXPUNGE is left, which also removes what other sessions marked \Deleted
   (logged). */
static int
delete_uids(struct rb_imap *im, struct mailimap_set *set, struct rb_err *err)
{
	int r;

	if (store(im, set, mailimap_flag_new_deleted(), err) != 0)
		return -1;
	if (mailimap_has_uidplus(im->imap)) {
		r = mailimap_uid_expunge(im->imap, set);
	} else {
		rb_log(RB_LOG_INFO, "%s: no UIDPLUS: plain EXPUNGE",
		       im->ac->name);
		r = mailimap_expunge(im->imap);
	}
	if (r != MAILIMAP_NO_ERROR)
		return failed(im, r, RB_IF_SERVER, "EXPUNGE", err);
	return 0;
}

int
rb_imap_act(struct rb_imap *im, const struct rb_action *act,
	    const uint32_t *uids, size_t n, struct rb_err *err)
{
	struct mailimap_set *set;
	const char *f;
	int r, rc = 0;

	if (n == 0 || act->kind == RB_AFTER_KEEP)
		return 0;
	set = uid_set(uids, n);
	switch (act->kind) {
	case RB_AFTER_MOVE:
		f = folder(im, act->folder);
		if (mailimap_has_extension(im->imap, "MOVE")) {
			r = mailimap_uid_move(im->imap, set, f);
			if (r != MAILIMAP_NO_ERROR)
				rc = failed(im, r, RB_IF_SERVER, "UID MOVE",
					    err);
			break;
		}
		r = mailimap_uid_copy(im->imap, set, f);
		if (r != MAILIMAP_NO_ERROR)
			rc = failed(im, r, RB_IF_SERVER, "UID COPY", err);
		else
			rc = delete_uids(im, set, err);
		break;
	case RB_AFTER_SEEN:
		rc = store(im, set, mailimap_flag_new_seen(), err);
		break;
	case RB_AFTER_DELETE:
		rc = delete_uids(im, set, err);
		break;
	case RB_AFTER_KEEP:
		break;
	}
	mailimap_set_free(set);
	return rc;
}

int
rb_imap_can_idle(const struct rb_imap *im)
{
	return im->imap != NULL && mailimap_has_idle(im->imap);
}

void
rb_wait_signals(int64_t secs, volatile sig_atomic_t *stop,
		const sigset_t *mask)
{
	struct timespec ts = {1, 0};

	while (secs-- > 0 && !*stop)
		(void)ppoll(NULL, 0, &ts, mask);
}

int
rb_imap_wait(struct rb_imap *im, int64_t secs, volatile sig_atomic_t *stop,
	     const sigset_t *mask, struct rb_err *err)
{
	struct pollfd pfd;
	int r, woke = 0;
	int64_t left;

	if (!rb_imap_can_idle(im)) {
		rb_wait_signals(secs, stop, mask);
		if (*stop)
			return 0;
		r = mailimap_noop(im->imap);
		if (r != MAILIMAP_NO_ERROR)
			return failed(im, r, RB_IF_NET, "NOOP", err);
		return 1;
	}
	r = mailimap_idle(im->imap);
	if (r != MAILIMAP_NO_ERROR)
		return failed(im, r, RB_IF_SERVER, "IDLE", err);
	pfd.fd = mailimap_idle_get_fd(im->imap);
	pfd.events = POLLIN;
	left = secs < MAX_IDLE ? secs : MAX_IDLE;
	/* One second at a time; signals are let in only inside ppoll(). */
	while (left-- > 0 && !*stop && !woke) {
		struct timespec ts = {1, 0};

		pfd.revents = 0;
		r = ppoll(&pfd, 1, &ts, mask);
		if (r > 0)
			woke = 1;
		else if (r < 0 && errno != EINTR)
			break;
	}
	r = mailimap_idle_done(im->imap);
	if (r != MAILIMAP_NO_ERROR)
		return failed(im, r, RB_IF_NET, "IDLE (DONE)", err);
	return woke;
}
