/* imap-ceiling - the fastest a libetpan IMAP client can fetch a mailbox:
   connect (plain) to HOST:PORT, LOGIN, SELECT INBOX, then UID FETCH
   (UID BODY.PEEK[]) in batches of BATCH UIDs, streaming (each FETCH
   response is handed to a handler that counts it and is freed at once),
   nothing else: no parsing, no database, no flags.

   usage: IMAP_PASS=secret imap-ceiling HOST PORT USER [BATCH]
   prints "messages bytes seconds msg/s MB/s" (seconds: from connect to
   the last FETCH answer, LOGOUT excluded); exit 1 on any IMAP error.

   Build: cc -O2 -o imap-ceiling bench/imap-ceiling.c -letpan
   The password comes from the environment, never the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libetpan/libetpan.h>

struct count {
	size_t messages;
	size_t bytes;
};

/* Called for each FETCH response as it is parsed; libetpan frees it
   after this returns, so a batch is never held in memory. */
static void
on_msg(struct mailimap_msg_att *att, void *ctx)
{
	struct count *c = ctx;
	clistiter *it;

	for (it = clist_begin(att->att_list); it; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);

		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
		    item->att_data.att_static->att_type ==
		    MAILIMAP_MSG_ATT_BODY_SECTION) {
			c->messages++;
			c->bytes += item->att_data.att_static->att_data
				    .att_body_section->sec_length;
		}
	}
}

/* libetpan 1.9.4 uses the handler above only when a progress callback
   is set too (shared notes, imap-gmime.md section 3, pitfall 6). */
static void
no_progress(size_t cur, size_t max, void *ctx)
{
	(void)cur;
	(void)max;
	(void)ctx;
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int
die(const char *what, int r)
{
	fprintf(stderr, "imap-ceiling: %s failed (libetpan error %d)\n", what,
		r);
	return 1;
}

int
main(int argc, char **argv)
{
	const char *pass = getenv("IMAP_PASS");
	struct count c = {0, 0};
	mailimap *imap;
	uint32_t next, lo, batch;
	double t0, s;
	int r;

	if (argc < 4 || argc > 5 || pass == NULL) {
		fputs("usage: IMAP_PASS=PASSWORD imap-ceiling HOST PORT USER "
		      "[BATCH]\n", stderr);
		return 64;
	}
	batch = argc == 5 ? (uint32_t)strtoul(argv[4], NULL, 10) : 500;
	if (batch == 0)
		batch = 500;
	t0 = now();
	imap = mailimap_new(0, NULL);
	mailimap_set_timeout(imap, 60);
	r = mailimap_socket_connect(imap, argv[1],
				    (uint16_t)strtoul(argv[2], NULL, 10));
	if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
		return die("connect", r);
	if ((r = mailimap_login(imap, argv[3], pass)) != MAILIMAP_NO_ERROR)
		return die("LOGIN", r);
	if ((r = mailimap_select(imap, "INBOX")) != MAILIMAP_NO_ERROR)
		return die("SELECT", r);
	next = imap->imap_selection_info->sel_uidnext;
	mailimap_set_progress_callback(imap, no_progress, no_progress, NULL);
	mailimap_set_msg_att_handler(imap, on_msg, &c);
	for (lo = 1; lo < next; lo += batch) {
		uint32_t hi = lo + batch - 1 < next - 1 ? lo + batch - 1
							: next - 1;
		struct mailimap_set *set = mailimap_set_new_interval(lo, hi);
		struct mailimap_fetch_type *ft =
			mailimap_fetch_type_new_fetch_att_list_empty();
		clist *res = NULL;

		mailimap_fetch_type_new_fetch_att_list_add(ft,
			mailimap_fetch_att_new_uid());
		mailimap_fetch_type_new_fetch_att_list_add(ft,
			mailimap_fetch_att_new_body_peek_section(
				mailimap_section_new(NULL)));
		r = mailimap_uid_fetch(imap, set, ft, &res);
		mailimap_fetch_type_free(ft);
		mailimap_set_free(set);
		if (res != NULL)
			mailimap_fetch_list_free(res);
		if (r != MAILIMAP_NO_ERROR)
			return die("UID FETCH", r);
	}
	s = now() - t0;
	mailimap_logout(imap);
	mailimap_free(imap);
	printf("%zu %zu %.3f %.0f %.1f\n", c.messages, c.bytes, s,
	       s > 0 ? c.messages / s : 0, s > 0 ? c.bytes / s / 1e6 : 0);
	return 0;
}
