/* record - one recipient of one bounce: the schema of `rebound parse --jsonl` */
#include "record.h"

#include <stddef.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"

void
rb_record_init(struct rb_record *r)
{
	memset(r, 0, sizeof(*r));
	r->source = r->message_id = r->recipient = r->original_recipient = "";
	r->action = r->diagnostic = r->reason = r->cls = r->command = "";
	r->remote_mta = r->reporting_mta = r->original_message_id = "";
	r->envelope_id = r->feedback_type = r->decoder = r->rule = "";
	r->time = -1;
}

static void
key(struct rb_buf *b, const char *k, const char *v, int first)
{
	if (!first)
		rb_buf_addc(b, ',');
	rb_buf_addc(b, '"');
	rb_buf_adds(b, k);
	rb_buf_add(b, "\":", 2);
	rb_buf_add_jsons(b, v);
}

void
rb_record_json(const struct rb_record *r, struct rb_buf *b)
{
	char date[21] = "";
	size_t i;

	if (r->time >= 0)
		rb_iso8601(r->time, date);
	rb_buf_addc(b, '{');
	key(b, "source", r->source, 1);
	key(b, "message_id", r->message_id, 0);
	key(b, "recipient", r->recipient, 0);
	key(b, "original_recipient", r->original_recipient, 0);
	key(b, "action", r->action, 0);
	key(b, "status", r->status, 0);
	key(b, "reply_code", r->reply_code, 0);
	key(b, "diagnostic", r->diagnostic, 0);
	key(b, "reason", r->reason, 0);
	key(b, "class", r->cls, 0);
	key(b, "remote_mta", r->remote_mta, 0);
	key(b, "reporting_mta", r->reporting_mta, 0);
	key(b, "date", date, 0);
	key(b, "original_message_id", r->original_message_id, 0);
	rb_buf_adds(b, ",\"original_headers\":{");
	for (i = 0; i < r->n_orig_headers; i++)
		key(b, r->orig_headers[i].name, r->orig_headers[i].value,
		    i == 0);
	rb_buf_addc(b, '}');
	key(b, "envelope_id", r->envelope_id, 0);
	key(b, "feedback_type", r->feedback_type, 0);
	key(b, "decoder", r->decoder, 0);
	key(b, "rule", r->rule, 0);
	rb_buf_adds(b, ",\"warnings\":[");
	for (i = 0; i < r->n_warnings; i++) {
		if (i)
			rb_buf_addc(b, ',');
		rb_buf_add_jsons(b, r->warnings[i]);
	}
	rb_buf_add(b, "]}\n", 3);
}

const char *
rb_record_get(const struct rb_record *r, const char *key, char tmp[21])
{
	static const struct { const char *k; size_t off; } map[] = {
#define F(x) {#x, offsetof(struct rb_record, x)}
		F(source), F(message_id), F(recipient),
		F(original_recipient), F(action), F(diagnostic), F(reason),
		F(command),
		F(remote_mta), F(reporting_mta), F(original_message_id),
		F(envelope_id), F(feedback_type), F(decoder), F(rule),
#undef F
		{"class", offsetof(struct rb_record, cls)},
	};
	size_t i;

	if (strcmp(key, "status") == 0)
		return r->status;
	if (strcmp(key, "reply_code") == 0)
		return r->reply_code;
	if (strcmp(key, "date") == 0) {
		tmp[0] = '\0';
		if (r->time >= 0)
			rb_iso8601(r->time, tmp);
		return tmp;
	}
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].k, key) == 0)
			return *(const char *const *)((const char *)r +
						      map[i].off);
	for (i = 0; i < r->n_orig_headers; i++)
		if (rb_strcaseeq(r->orig_headers[i].name, key))
			return r->orig_headers[i].value;
	return NULL;
}
