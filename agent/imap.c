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

struct msg {
	uint32_t uid;
	char *data;
	size_t len;
};

struct fetch {
	struct msg *m;
	size_t n, cap;
	size_t bytes;
	int too_big;
};

struct rb_imap *
rb_imap_new(const struct rb_account *ac)
{
	struct rb_imap *im = rb_xcalloc(1, sizeof(*im));

	im->ac = ac;
	return im;
}

static void
disconnect(struct rb_imap *im)
{
	size_t i;

	if (im->imap != NULL) {
		if (im->imap->imap_stream != NULL)
			(void)mailimap_logout(im->imap);
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
	disconnect(*imp);
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
		disconnect(im);
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

static int
tls_failed(struct rb_imap *im, struct rb_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
tls_failed(struct rb_imap *im, struct rb_err *err, const char *fmt, ...)
{
	char where[300];
	va_list ap;

	snprintf(where, sizeof(where), "%s (%s:%u)", im->ac->name,
		 im->ac->host, im->ac->port);
	im->fault = RB_IF_TLS;
	va_start(ap, fmt);
	rb_vfail(err, RB_EFATAL, where, fmt, ap);
	va_end(ap);
	disconnect(im);
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
		return tls_failed(im, err, "%s", "the server sent no "
				  "certificate; nothing was sent to it");
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
		tls_failed(im, err, "%s", "the server's certificate cannot "
			   "be read; nothing was sent to it");
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
		tls_failed(im, err, "no CA certificate could be read from "
			   "%s; nothing was sent to the server", msg);
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
		tls_failed(im, err, "the server's certificate is not trusted "
			   "(%s); nothing was sent to it (set ca_file for a "
			   "private CA)", msg);
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

	disconnect(im);
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
			return tls_failed(im, err, "%s", "the TLS handshake "
					  "failed (is this an implicit TLS "
					  "port?)");
		return failed(im, is_net(r) ? r : MAILIMAP_ERROR_STREAM,
			      RB_IF_NET, "connect", err);
	}
	if (ac->tls == RB_TLS_STARTTLS) {
		if (capabilities(im, err) != 0)
			return -1;
		if (!mailimap_has_extension(im->imap, "STARTTLS"))
			return tls_failed(im, err, "%s", "the server does not "
					  "offer STARTTLS; nothing was sent "
					  "to it");
		r = mailimap_socket_starttls_with_callback(im->imap, set_sni,
							   host);
		if (r != MAILIMAP_NO_ERROR)
			return tls_failed(im, err, "STARTTLS failed (libetpan "
					  "error %s)", r == MAILIMAP_ERROR_SSL ?
					  "SSL" : "other");
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

/* Streaming: libetpan hands over each FETCH response as it is parsed and
   frees it afterwards (only when a progress callback is set, too). */
static void
on_msg(struct mailimap_msg_att *att, void *ctx)
{
	struct fetch *f = ctx;
	uint32_t uid = 0;
	const char *body = NULL;
	size_t len = 0;
	clistiter *it;

	for (it = clist_begin(att->att_list); it; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		struct mailimap_msg_att_static *st;

		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = item->att_data.att_static;
		if (st->att_type == MAILIMAP_MSG_ATT_UID)
			uid = st->att_data.att_uid;
		else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION &&
			 st->att_data.att_body_section != NULL) {
			body = st->att_data.att_body_section->sec_body_part;
			len = st->att_data.att_body_section->sec_length;
		}
	}
	if (uid == 0 || body == NULL)
		return;		/* an unsolicited FETCH (flags) */
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 64;
		f->m = rb_xreallocarray(f->m, f->cap, sizeof(*f->m));
	}
	f->m[f->n].uid = uid;
	f->m[f->n].data = rb_xmalloc(len + 1);
	memcpy(f->m[f->n].data, body, len);
	f->m[f->n].data[len] = '\0';
	f->m[f->n].len = len;
	f->n++;
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

int
rb_imap_fetch(struct rb_imap *im, const uint32_t *uids, size_t n,
	      rb_imap_msg_fn fn, void *ctx, struct rb_err *err)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	struct fetch f;
	clist *res = NULL;
	size_t i;
	int r, rc = 0;

	if (n == 0)
		return 0;
	memset(&f, 0, sizeof(f));
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
		mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
		mailimap_fetch_att_new_body_peek_section(
			mailimap_section_new(NULL)));
	set = uid_set(uids, n);
	mailimap_set_msg_att_handler(im->imap, on_msg, &f);
	mailimap_set_progress_callback(im->imap, NULL, no_progress, NULL);
	r = mailimap_uid_fetch(im->imap, set, ft, &res);
	if (im->imap != NULL) {
		mailimap_set_msg_att_handler(im->imap, NULL, NULL);
		mailimap_set_progress_callback(im->imap, NULL, NULL, NULL);
	}
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r == MAILIMAP_NO_ERROR) {
		mailimap_fetch_list_free(res);
		qsort(f.m, f.n, sizeof(*f.m), cmp_msg);
		for (i = 0; i < f.n && rc == 0; i++)
			if (fn(ctx, f.m[i].uid, f.m[i].data, f.m[i].len) != 0)
				rc = -1;
	} else {
		rc = failed(im, r, RB_IF_SERVER, "UID FETCH", err);
	}
	for (i = 0; i < f.n; i++)
		free(f.m[i].data);
	free(f.m);
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
