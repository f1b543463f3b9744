/* apply - messages into the ledger, through the policy */
#include "apply.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "apply_int.h"
#include "ledger.h"
#include "log.h"
#include "parsers/addr.h"
#include "parsers/bounce.h"
#include "parsers/core/arena.h"
#include "parsers/core/buf.h"
#include "parsers/core/err.h"
#include "parsers/core/str.h"

/* Longer addresses are not VERP-decoded (RFC 5321 allows 254). */
#define VERP_MAX 512

struct rb_apply *
rb_apply_new(struct rb_ledger *l, const struct rb_parser *p,
	     const struct rb_apply_opts *o)
{
	struct rb_apply *a = rb_xcalloc(1, sizeof(*a));

	a->l = l;
	a->p = p;
	a->a = rb_arena_new();
	a->o = *o;
	rb_buf_init(&a->json, 1u << 24);
	a->c = p ? rb_pctx_new(p) : NULL;
	return a;
}

/* zlib level of the kept raw bounces: on the Sisimai corpus (4.5 KB a
   bounce) level 1 takes 55 us a message where the default 6 took 85, for
   0.41 of the size instead of 0.39. */
#define RB_RAW_ZLEVEL 1

struct rb_apply_worker *
rb_apply_worker_new(const struct rb_apply *a)
{
	struct rb_apply_worker *w = rb_xcalloc(1, sizeof(*w));

	w->c = rb_pctx_new(a->p);
	if (deflateInit(&w->z, RB_RAW_ZLEVEL) != Z_OK)
		rb_panic("zlib: deflateInit failed");
	return w;
}

void
rb_apply_worker_free(struct rb_apply_worker **wp)
{
	struct rb_apply_worker *w = *wp;

	if (w == NULL)
		return;
	rb_pctx_free(&w->c);
	deflateEnd(&w->z);
	free(w);
	*wp = NULL;
}

struct rb_prep *
rb_prep_new(void)
{
	struct rb_prep *pr = rb_xcalloc(1, sizeof(*pr));

	pr->a = rb_arena_new();
	return pr;
}

void
rb_prep_free(struct rb_prep **pp)
{
	struct rb_prep *pr = *pp;

	if (pr == NULL)
		return;
	rb_arena_free(&pr->a);
	free(pr->z);
	free(pr);
	*pp = NULL;
}

void
rb_apply_free(struct rb_apply **ap)
{
	struct rb_apply *a = *ap;

	if (a == NULL)
		return;
	rb_pctx_free(&a->c);
	rb_arena_free(&a->a);
	rb_buf_deinit(&a->json);
	free(a);
	*ap = NULL;
}

const struct rb_apply_sum *
rb_apply_sum(const struct rb_apply *a)
{
	return &a->sum;
}

void
rb_apply_sum_add(struct rb_apply_sum *to, const struct rb_apply_sum *from)
{
	size_t i;

	to->messages += from->messages;
	to->fresh += from->fresh;
	to->dups += from->dups;
	to->undecoded += from->undecoded;
	to->records += from->records;
	for (i = 0; i < RB_NCLASS; i++)
		to->by_class[i] += from->by_class[i];
	for (i = 0; i < RB_NEFFECT; i++)
		to->by_effect[i] += from->by_effect[i];
}

/* Hashing */

static void
hash_feed(gnutls_hash_hd_t h, const char *p, size_t n)
{
	if (n > 0)
		gnutls_hash(h, p, n);
}

void
rb_apply_hash(const char *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	const char *p = data, *end = data + len, *cr;
	unsigned char d[32];
	gnutls_hash_hd_t h;
	size_t i;

	while (end > data && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		rb_panic("gnutls: no SHA-256");
	while (p < end && (cr = memchr(p, '\r', (size_t)(end - p))) != NULL) {
		hash_feed(h, p, (size_t)(cr - p));
		if (cr + 1 < end && cr[1] == '\n')
			p = cr + 1;		/* CRLF: the LF follows */
		else {
			hash_feed(h, "\n", 1);	/* a lone CR */
			p = cr + 1;
		}
	}
	hash_feed(h, p, (size_t)(end - p));
	gnutls_hash_deinit(h, d);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

/* Raw bytes */

/* No stored bounce is larger: what ingest and run store is bounded by the
   input (stdin up to this too). */
#define RB_MAX_RAW_BYTES ((size_t)1 << 30)

/* zlib's state (about 256 KiB, cleared on every init) is made once per
   worker and reset per message, and the output buffer kept: compress2()
   per message cost more than the rest of storing it.  The level is
   RB_RAW_ZLEVEL. */
static void
raw_pack(struct rb_apply_worker *w, struct rb_prep *pr)
{
	uLong n = deflateBound(&w->z, (uLong)pr->len);

	if (n > pr->zcap) {
		free(pr->z);
		pr->zcap = n;
		pr->z = rb_xmalloc(n);
	}
	if (deflateReset(&w->z) != Z_OK)
		rb_panic("zlib: deflateReset failed");
	w->z.next_in = (Bytef *)pr->data;
	w->z.avail_in = (uInt)pr->len;
	w->z.next_out = pr->z;
	w->z.avail_out = (uInt)pr->zcap;
	if (deflate(&w->z, Z_FINISH) != Z_STREAM_END)
		rb_panic("zlib: deflate did not finish");
	pr->zlen = w->z.total_out;
}

int
rb_raw_unpack(const void *z, size_t zlen, size_t size, char **out)
{
	char *p;
	uLongf n = size;

	/* The size comes from the database, which may be damaged. */
	if (size > RB_MAX_RAW_BYTES)
		return -1;
	p = rb_xmalloc(size + 1);
	if (uncompress((Bytef *)p, &n, z, (uLong)zlen) != Z_OK || n != size) {
		free(p);
		return -1;
	}
	p[size] = '\0';
	*out = p;
	return 0;
}

/* VERP */

static int
verp_char_ok(int domain, char c)
{
	if (domain)
		return RB_ISALNUM(c) || c == '.' || c == '-';
	return c != '@' && c != '\0' && !RB_ISSPACE(c);
}

/* Matches pattern p against s, placeholders shortest first; caps[0..1]
   take {local}, caps[2..3] {domain}. */
static int
verp_match(const char *p, const char *s, const char **caps)
{
	int dom;
	const char *rest, *e;

	if (*p == '\0')
		return *s == '\0';
	if (strncmp(p, "{local}", 7) != 0 && strncmp(p, "{domain}", 8) != 0) {
		if (*s == '\0' || RB_TOLOWER(*p) != RB_TOLOWER(*s))
			return 0;
		return verp_match(p + 1, s + 1, caps);
	}
	dom = p[1] == 'd';
	rest = p + (dom ? 8 : 7);
	for (e = s; *e != '\0';) {
		if (!verp_char_ok(dom, *e))
			return 0;
		e++;
		if (verp_match(rest, e, caps)) {
			caps[2 * dom] = s;
			caps[2 * dom + 1] = e;
			return 1;
		}
	}
	return 0;
}

static int
count_of(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

int
rb_verp_valid(const char *pattern)
{
	return count_of(pattern, "{local}") == 1 &&
	       count_of(pattern, "{domain}") == 1 &&
	       count_of(pattern, "{") == 2;
}

int
rb_verp_decode(const char *pattern, const char *addr, char *out, size_t n)
{
	const char *caps[4] = {NULL, NULL, NULL, NULL};
	size_t ll, dl;

	if (!rb_verp_valid(pattern) || strlen(addr) > VERP_MAX ||
	    !verp_match(pattern, addr, caps))
		return 0;
	ll = (size_t)(caps[1] - caps[0]);
	dl = (size_t)(caps[3] - caps[2]);
	if (ll + dl + 2 > n)
		return 0;
	memcpy(out, caps[0], ll);
	out[ll] = '@';
	memcpy(out + ll + 1, caps[2], dl);
	out[ll + 1 + dl] = '\0';
	rb_lower(out);
	return 1;
}

/* Addresses */

static const char *
norm_in(struct rb_arena *ar, const char *s)
{
	struct rb_str t = rb_str_trim((struct rb_str){s, strlen(s)});
	char *r;

	if (t.len >= 2 && t.p[0] == '<' && t.p[t.len - 1] == '>') {
		t.p++;
		t.len -= 2;
	}
	r = rb_arena_strndup(ar, t.p, t.len);
	return rb_lower(r);
}

static const char *
norm_addr(struct rb_apply *a, const char *s)
{
	return norm_in(a->a, s);
}

static const char *
domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : "";
}

/* The address the bounce was delivered to, VERP-decoded; "" if none. */
static const char *
verp_in(const struct rb_apply *a, struct rb_arena *ar,
	const struct rb_bounce *b)
{
	char out[VERP_MAX + 2];
	size_t i;

	if (a->o.verp == NULL)
		return "";
	for (i = 0; i < b->nto; i++)
		if (rb_verp_decode(a->o.verp, norm_in(ar, b->to[i]), out,
				   sizeof(out)))
			return rb_arena_strdup(ar, out);
	return "";
}

const char *
rb_apply_verp(struct rb_apply *a, const struct rb_bounce *b)
{
	return verp_in(a, a->a, b);
}

/* The VERP address applies when the records all name one recipient. */
static const char *
verp_address(const struct rb_bounce *b, const char *verp)
{
	size_t i;

	if (verp == NULL || *verp == '\0' || b->n == 0)
		return NULL;
	for (i = 1; i < b->n; i++)
		if (strcmp(b->rec[i].recipient, b->rec[0].recipient) != 0)
			return NULL;
	return verp;
}

/* Ledger rows */

int
rb_apply_supp_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct rb_supp *s = ctx;

	s->exists = 1;
	snprintf(s->cls, sizeof(s->cls), "%s", rb_val_str(&c[0]));
	snprintf(s->reason, sizeof(s->reason), "%s", rb_val_str(&c[1]));
	s->first = rb_val_int(&c[2]);
	s->expires = rb_val_int(&c[3]);
	snprintf(s->origin, sizeof(s->origin), "%s", rb_val_str(&c[4]));
	return 1;
}

/* The suppression of addr in force at t (s->exists == 0 if none). */
int
rb_apply_supp_get(struct rb_apply *a, const char *addr, int64_t t,
		  struct rb_supp *s, struct rb_err *err)
{
	memset(s, 0, sizeof(*s));
	if (rb_ledger_run(a->l, RB_Q_SUPP_GET, RB_ARGS(RB_VTEXT(addr)),
			  rb_apply_supp_row, s, err) < 0)
		return -1;
	if (s->exists && s->expires >= 0 && s->expires <= t)
		s->exists = 0;
	return 0;
}

int
rb_apply_supp_put(struct rb_apply *a, const struct rb_ev *e,
		  const char *cls, const char *origin, const char *note,
		  struct rb_err *err)
{
	int64_t exp = rb_policy_expires(a->o.policy, e->reason, e->t);

	return rb_ledger_run(a->l, RB_Q_SUPP_PUT,
			     RB_ARGS(RB_VTEXT(e->addr), RB_VTEXT(cls),
				     RB_VTEXT(e->reason), RB_VINT(e->t),
				     RB_VINT(e->t), RB_VTIME(e->id),
				     RB_VTEXT(origin), RB_VTEXT(note),
				     RB_VTIME(exp)),
			     NULL, NULL, err) < 0 ? -1 : 0;
}

void
rb_apply_retry_row(const struct rb_val *c, struct rb_retry *r)
{
	memset(r, 0, sizeof(*r));
	r->exists = 1;
	r->expired = strcmp(rb_val_str(&c[0]), "expired") == 0;
	r->count = (unsigned)rb_val_int(&c[1]);
	r->first = rb_val_int(&c[2]);
	r->last = rb_val_int(&c[3]);
	r->next = rb_val_int(&c[4]);
	r->give_up = rb_val_int(&c[5]);
	r->resets = rb_val_int(&c[6]);
	rb_retry_recent_parse(r, rb_val_str(&c[7]));
}

static int
retry_row(void *ctx, const struct rb_val *c, size_t n)
{
	rb_apply_retry_row(c, ctx);
	return 1;
}

static int
retry_put(struct rb_apply *a, const struct rb_ev *e, const struct rb_retry *r,
	  struct rb_err *err)
{
	char recent[RB_POLICY_MAX_SOFT * 21];

	rb_retry_recent_fmt(r, recent, sizeof(recent));
	return rb_ledger_run(a->l, RB_Q_RETRY_PUT,
			     RB_ARGS(RB_VTEXT(e->addr),
				     RB_VTEXT(r->expired ? "expired" :
					      "retrying"),
				     RB_VINT(r->count), RB_VINT(r->first),
				     RB_VINT(r->last), RB_VTIME(r->next),
				     RB_VINT(r->give_up), RB_VINT(r->resets),
				     RB_VTEXT(recent), RB_VTEXT(e->reason),
				     RB_VTIME(e->id)),
			     NULL, NULL, err) < 0 ? -1 : 0;
}

int
rb_apply_run_addr(struct rb_apply *a, enum rb_lq q, const char *addr,
		  struct rb_err *err)
{
	return rb_ledger_run(a->l, q, RB_ARGS(RB_VTEXT(addr)), NULL, NULL,
			     err) < 0 ? -1 : 0;
}

/* A soft bounce (or a block counted as soft). */
static int
act_soft(struct rb_apply *a, const struct rb_ev *e, enum rb_effect *fx,
	 struct rb_err *err)
{
	struct rb_retry r;
	char note[160], t1[21], t2[21];

	memset(&r, 0, sizeof(r));
	if (rb_ledger_run(a->l, RB_Q_RETRY_GET, RB_ARGS(RB_VTEXT(e->addr)),
			  retry_row, &r, err) < 0)
		return -1;
	*fx = rb_policy_soft(a->o.policy, &r, e->t);
	if (*fx != RB_FX_SUPPRESSED)
		return retry_put(a, e, &r, err);
	rb_iso8601(r.recent[r.nrecent - a->o.policy->soft_limit], t1);
	rb_iso8601(r.recent[r.nrecent - 1], t2);
	snprintf(note, sizeof(note), "%u consecutive soft bounces, %u from %s "
		 "to %s", r.count, a->o.policy->soft_limit, t1, t2);
	if (rb_apply_supp_put(a, e, rb_class_name(e->cls), "policy", note,
			      err) != 0)
		return -1;
	return rb_apply_run_addr(a, RB_Q_RETRY_DEL, e->addr, err);
}

/* What the policy makes of one event; writes the suppression list and the
   retry ledger. */
static int
act(struct rb_apply *a, const struct rb_ev *e, enum rb_effect *fx,
    struct rb_err *err)
{
	enum rb_effect want = rb_policy_action(a->o.policy, e->cls);
	struct rb_supp s;

	*fx = want;
	if (want != RB_FX_SUPPRESSED && want != RB_FX_RETRY &&
	    want != RB_FX_RESET)
		return 0;
	if (*e->addr == '\0' || rb_addr_is_placeholder(e->addr)) {
		*fx = RB_FX_NOADDRESS;
		return 0;
	}
	if (rb_apply_supp_get(a, e->addr, e->t, &s, err) != 0)
		return -1;
	if (s.exists) {
		*fx = want == RB_FX_RESET ? RB_FX_RECORDED : RB_FX_SEEN;
		if (want == RB_FX_RESET)
			return 0;
		return rb_ledger_run(a->l, RB_Q_SUPP_SEEN,
				     RB_ARGS(RB_VTEXT(e->addr),
					     RB_VINT(e->t)),
				     NULL, NULL, err) < 0 ? -1 : 0;
	}
	if (want == RB_FX_RETRY)
		return act_soft(a, e, fx, err);
	if (want == RB_FX_RESET) {
		if (rb_apply_run_addr(a, RB_Q_RETRY_DEL, e->addr, err) != 0)
			return -1;
		*fx = rb_ledger_changes(a->l) ? RB_FX_RESET : RB_FX_RECORDED;
		return 0;
	}
	if (rb_apply_supp_put(a, e, rb_class_name(e->cls), "policy", "",
			      err) != 0)
		return -1;
	return rb_apply_run_addr(a, RB_Q_RETRY_DEL, e->addr, err);
}

int
rb_apply_ev(struct rb_apply *a, int64_t msg, const struct rb_ev *e,
	    struct rb_err *err)
{
	enum rb_effect fx;

	if (act(a, e, &fx, err) != 0 ||
	    rb_ledger_run(a->l, RB_Q_EVENT_EFFECT,
			  RB_ARGS(RB_VINT(e->id),
				  RB_VTEXT(rb_effect_name(fx))),
			  NULL, NULL, err) < 0)
		return -1;
	if (fx == RB_FX_UNDECODED) {
		if (rb_ledger_run(a->l, RB_Q_UNDEC_ADD,
				  RB_ARGS(RB_VINT(msg), RB_VINT(e->id),
					  RB_VTEXT("no rule decided the "
						   "reason")),
				  NULL, NULL, err) < 0)
			return -1;
		a->cur.undecoded = 1;
	}
	a->cur.records++;
	a->cur.by_class[e->cls]++;
	a->cur.by_effect[fx]++;
	return 0;
}

static const char *
headers_json(struct rb_apply *a, const struct rb_record *r)
{
	size_t i;

	rb_buf_reset(&a->json);
	rb_buf_addc(&a->json, '{');
	for (i = 0; i < r->n_orig_headers; i++) {
		if (i)
			rb_buf_addc(&a->json, ',');
		rb_buf_add_jsons(&a->json, r->orig_headers[i].name);
		rb_buf_addc(&a->json, ':');
		rb_buf_add_jsons(&a->json, r->orig_headers[i].value);
	}
	rb_buf_addc(&a->json, '}');
	return a->json.err ? "{}" : rb_arena_strdup(a->a, a->json.p);
}

static const char *
warnings_json(struct rb_apply *a, const struct rb_record *r)
{
	size_t i;

	rb_buf_reset(&a->json);
	rb_buf_addc(&a->json, '[');
	for (i = 0; i < r->n_warnings; i++) {
		if (i)
			rb_buf_addc(&a->json, ',');
		rb_buf_add_jsons(&a->json, r->warnings[i]);
	}
	rb_buf_addc(&a->json, ']');
	return a->json.err ? "[]" : rb_arena_strdup(a->a, a->json.p);
}

static int64_t
add_event(struct rb_apply *a, int64_t msg, const struct rb_record *r,
	  const struct rb_ev *e, struct rb_err *err)
{
	const char *oh = headers_json(a, r), *w = warnings_json(a, r);
	char date[21] = "";

	if (r->time >= 0)
		rb_iso8601(r->time, date);
	if (rb_ledger_run(a->l, RB_Q_EVENT_ADD,
			  RB_ARGS(RB_VINT(msg), RB_VTEXT(e->addr),
				  RB_VTEXT(domain_of(e->addr)), RB_VINT(e->t),
				  RB_VTEXT(""), RB_VTEXT(r->source),
				  RB_VTEXT(r->message_id),
				  RB_VTEXT(r->recipient),
				  RB_VTEXT(r->original_recipient),
				  RB_VTEXT(r->action), RB_VTEXT(r->status),
				  RB_VTEXT(r->reply_code),
				  RB_VTEXT(r->diagnostic),
				  RB_VTEXT(r->reason), RB_VTEXT(r->cls),
				  RB_VTEXT(r->remote_mta),
				  RB_VTEXT(r->reporting_mta), RB_VTEXT(date),
				  RB_VTEXT(r->original_message_id),
				  RB_VTEXT(oh), RB_VTEXT(r->envelope_id),
				  RB_VTEXT(r->feedback_type),
				  RB_VTEXT(r->decoder), RB_VTEXT(r->rule),
				  RB_VTEXT(w)),
			  NULL, NULL, err) < 0)
		return -1;
	return rb_ledger_last_id(a->l);
}

/* Every record of a parsed message, as events of message msg. */
int
rb_apply_bounce(struct rb_apply *a, int64_t msg, const struct rb_bounce *b,
		const char *verp, struct rb_err *err)
{
	size_t i;

	verp = verp_address(b, verp);
	if (b->n == 0) {
		a->cur.undecoded = 1;
		return rb_ledger_run(a->l, RB_Q_UNDEC_ADD,
				     RB_ARGS(RB_VINT(msg), RB_VNULL,
					     RB_VTEXT("no decoder read it")),
				     NULL, NULL, err) < 0 ? -1 : 0;
	}
	for (i = 0; i < b->n; i++) {
		const struct rb_record *r = &b->rec[i];
		struct rb_ev e;

		e.addr = verp ? verp : norm_addr(a, *r->original_recipient ?
						 r->original_recipient :
						 r->recipient);
		e.cls = rb_class_of(r->cls);
		e.reason = r->reason;
		e.t = r->time >= 0 ? r->time : b->date >= 0 ? b->date :
		      a->o.now;
		if ((e.id = add_event(a, msg, r, &e, err)) < 0 ||
		    rb_apply_ev(a, msg, &e, err) != 0)
			return -1;
	}
	return 0;
}

/* Is the message already in the ledger, by hash or Message-ID?  1 with
   *id, 0, or -1. */
static int
is_dup(struct rb_apply *a, const char *hash, const char *mid,
       const char *source, int64_t *id, struct rb_err *err)
{
	int r = rb_ledger_int(a->l, RB_Q_MSG_BY_HASH,
			      RB_ARGS(RB_VTEXT(hash)), id, err);

	if (r != 0 || mid == NULL || *mid == '\0')
		return r;
	r = rb_ledger_int(a->l, RB_Q_MSG_BY_MID, RB_ARGS(RB_VTEXT(mid)), id,
			  err);
	if (r > 0)
		rb_log(RB_LOG_INFO, "%s: Message-ID <%s> is in the ledger "
		       "already (other bytes), skipped", source, mid);
	return r;
}

/* A duplicate: counted, and remembered as undecoded when the copy in the
   ledger is.  0 or -1. */
static int
dup_found(struct rb_apply *a, int64_t id, struct rb_err *err)
{
	int64_t undec = 0;

	a->cur.dups = 1;
	if (rb_ledger_int(a->l, RB_Q_MSG_UNDECODED, RB_ARGS(RB_VINT(id)),
			  &undec, err) < 0)
		return -1;
	a->last = undec ? RB_AO_UNDECODED : RB_AO_DUP;
	return 0;
}

static int
store_message(struct rb_apply *a, int64_t seq, const struct rb_prep *pr,
	      struct rb_err *err)
{
	const char *hash = pr->hash, *source = pr->source, *verp = pr->verp;
	const struct rb_bounce *b = &pr->b;
	size_t len = pr->len;
	size_t zlen;
	const void *z;

	if (rb_ledger_run(a->l, RB_Q_MSG_ADD,
			  RB_ARGS(RB_VINT(seq), RB_VTEXT(hash),
				  RB_VTEXT(b->message_id), RB_VTEXT(source),
				  RB_VTEXT(verp), RB_VTIME(b->date),
				  RB_VINT(a->o.now), RB_VTEXT(b->decoder),
				  RB_VINT(b->n)),
			  NULL, NULL, err) < 0)
		return -1;
	z = pr->z;
	zlen = pr->zlen;
	return rb_ledger_run(a->l, RB_Q_RAW_ADD,
			     RB_ARGS(RB_VINT(seq), RB_VINT(len),
				     RB_VBLOB(z, zlen)), NULL, NULL, err) < 0 ?
	       -1 : 0;
}

/* Starts one message's counts. */
static void
message_start(struct rb_apply *a)
{
	memset(&a->cur, 0, sizeof(a->cur));
	a->cur.messages = 1;
	a->last = RB_AO_FAILED;
}

/* Ends one message: its counts go to the sum now, or with the batch. */
static void
message_done(struct rb_apply *a)
{
	rb_apply_sum_add(a->batch ? &a->pend : &a->sum, &a->cur);
}

int
rb_apply_precheck(struct rb_apply *a, struct rb_prep *pr, const char *source,
		  const char *data, size_t len, struct rb_err *err)
{
	int64_t id;
	int r;

	pr->source = source;
	pr->data = data;
	pr->len = len;
	message_start(a);
	rb_apply_hash(data, len, pr->hash);
	if ((r = is_dup(a, pr->hash, NULL, source, &id, err)) != 0) {
		if (r < 0 || dup_found(a, id, err) != 0)
			return -1;
		message_done(a);
		return 1;
	}
	return 0;
}

void
rb_apply_prepare(const struct rb_apply *a, struct rb_apply_worker *w,
		 struct rb_prep *pr)
{
	rb_arena_reset(pr->a);
	rb_bounce_parse(a->p, w->c, pr->a, pr->data, pr->len, pr->source,
			&pr->b, NULL);
	pr->verp = verp_in(a, pr->a, &pr->b);
	raw_pack(w, pr);
}

int
rb_apply_prepared(struct rb_apply *a, struct rb_prep *pr, struct rb_err *err)
{
	const struct rb_bounce *b = &pr->b;
	const char *verp = pr->verp;
	int64_t seq, id;
	int r;

	message_start(a);
	rb_arena_reset(a->a);
	if (!a->batch && rb_ledger_begin(a->l, err) != 0)
		return -1;
	if ((r = is_dup(a, pr->hash, b->message_id, pr->source, &id,
			err)) != 0) {
		if (r < 0 || dup_found(a, id, err) != 0)
			goto fail;
		if (!a->batch)
			rb_ledger_rollback(a->l);
		message_done(a);
		return 0;
	}
	if (rb_ledger_int(a->l, RB_Q_SEQ_NEXT, RB_NOARGS, &seq, err) < 0 ||
	    store_message(a, seq, pr, err) ||
	    rb_apply_bounce(a, seq, b, verp, err) != 0 ||
	    (!a->batch && rb_ledger_commit(a->l, err) != 0))
		goto fail;
	a->cur.fresh = 1;
	a->last = a->cur.undecoded ? RB_AO_UNDECODED : RB_AO_FRESH;
	message_done(a);
	return 0;
fail:
	if (!a->batch)
		rb_ledger_rollback(a->l);
	return -1;
}

enum rb_apply_outcome
rb_apply_last(const struct rb_apply *a)
{
	return a->last;
}

int
rb_apply_batch_begin(struct rb_apply *a, struct rb_err *err)
{
	if (a->batch)
		rb_panic("batch already open");
	if (rb_ledger_begin(a->l, err) != 0)
		return -1;
	memset(&a->pend, 0, sizeof(a->pend));
	a->batch = 1;
	return 0;
}

int
rb_apply_batch_commit(struct rb_apply *a, struct rb_err *err)
{
	if (!a->batch)
		rb_panic("no batch open");
	a->batch = 0;
	if (rb_ledger_commit(a->l, err) != 0) {
		rb_ledger_rollback(a->l);
		return -1;
	}
	rb_apply_sum_add(&a->sum, &a->pend);
	return 0;
}

void
rb_apply_batch_abort(struct rb_apply *a)
{
	if (!a->batch)
		return;
	a->batch = 0;
	rb_ledger_rollback(a->l);
}

int
rb_apply_prune(struct rb_apply *a, struct rb_err *err)
{
	if (a->o.policy->raw_keep <= 0)
		return 0;
	if (rb_ledger_begin(a->l, err) != 0)
		return -1;
	if (rb_ledger_run(a->l, RB_Q_RAW_PRUNE,
			  RB_ARGS(RB_VINT(a->o.now - a->o.policy->raw_keep)),
			  NULL, NULL, err) < 0) {
		rb_ledger_rollback(a->l);
		return -1;
	}
	return rb_ledger_commit(a->l, err);
}
