/* test_addr - addresses as reports write them */
#include "check.h"
#include "parsers/addr.h"
#include "parsers/core/arena.h"

int
main(void)
{
	static const struct {
		const char *in, *out, *type;
	} t[] = {
		{"rfc822; <User@Example.COM>", "user@example.com", "rfc822"},
		{"RFC822;user@example.com (comment)", "user@example.com",
		 "rfc822"},
		{"  user@example.com.  ", "user@example.com", ""},
		{"mailto:user@example.com", "user@example.com", ""},
		{"utf-8; j\\x{E9}r\\x{F4}me@example.fr", "j\xc3\xa9r\xc3\xb4me@example.fr",
		 "utf-8"},
		{"rfc822; \"user\"@example.com", "\"user\"@example.com", "rfc822"},
		{"rfc822; @relay.example.net:u@server.example.org",
		 "u@server.example.org", "rfc822"},
		{"<@a.example,@b.example:u@c.example>", "u@c.example", ""},
		{"no address here", "", ""},
		{"@example.com", "", ""},
		{"user@", "", ""},
		{"", "", ""},
	};
	struct rb_arena *a = rb_arena_new();
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *type;
		const char *got = rb_addr_clean(a, t[i].in, &type);

		check_str(got, t[i].out, t[i].in, __FILE__, __LINE__);
		if (*t[i].out)
			check_str(type, t[i].type, "type", __FILE__, __LINE__);
	}
	CHECK(rb_addr_plausible("a@b"));
	CHECK(!rb_addr_plausible("a b@c"));
	CHECK(!rb_addr_plausible("ab"));
	CHECK_STR(rb_addr_domain("a@b@example.org"), "example.org");
	CHECK(rb_addr_is_placeholder(RB_ADDR_UNDISCLOSED));
	CHECK(rb_addr_is_placeholder("a@INVALID"));
	CHECK(!rb_addr_is_placeholder("a@example.org"));
	CHECK(!rb_addr_is_placeholder("a@notinvalid"));
	CHECK(!rb_addr_is_placeholder("invalid"));
	rb_arena_free(&a);
	return check_end();
}
