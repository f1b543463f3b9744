/*
 * input - messages from paths: a message file, a Maildir, an mbox, a
 * directory of message files and Maildirs, or "-" for standard input
 *
 * A directory holding cur/ and new/ is a Maildir (new/ first, then cur/,
 * each in name order; tmp/ is never read).  Any other directory is read in
 * name order, recursively, skipping names that start with '.'.  A file
 * whose first line starts with "From " is an mbox: it is split at every
 * "From " line that starts the file or follows a blank line, and its Nth
 * message is named "PATH#N" (just PATH when it holds one message).  Only a
 * PATH given as such is read as an mbox: the files found in a directory or
 * a Maildir are single messages, whose leading "From " line, if any, is
 * dropped (a returned message may quote "From " lines of its own).
 * Standard input is read whole, as an mbox when it starts with "From ".
 *
 * The callback gets each message's bytes (valid only during the call).  A
 * file that cannot be read inside a directory is logged and counted in
 * *unreadable; a PATH that cannot be read at all is an RB_EINPUT error.
 */
#ifndef REBOUND_AGENT_INPUT_H
#define REBOUND_AGENT_INPUT_H

#include <stddef.h>

struct rb_err;

/* Returns 0 to go on, -1 to stop the walk (rb_input_each returns -1
   then, with *err as the callback left it). */
typedef int (*rb_input_fn)(void *ctx, const char *source, const char *data,
			   size_t len);

int rb_input_each(const char *path, rb_input_fn fn, void *ctx,
		  size_t *unreadable, struct rb_err *err);

/* A message kept past the callback, as the batches of parse and ingest
   --jobs keep them: a copy, NUL-terminated. */
struct rb_msg {
	char *source, *data;
	size_t len;
};

/* A batch of messages ends at this many bytes (or at its own count). */
#define RB_BATCH_BYTES (16u << 20)

void rb_msg_keep(struct rb_msg *m, const char *source, const char *data,
		 size_t len);
void rb_msg_drop(struct rb_msg *m);

/* Reads a whole file into a malloc'd, NUL-terminated buffer. */
int rb_read_file(const char *path, char **data, size_t *len,
		 struct rb_err *err);

#endif
