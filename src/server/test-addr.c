/* Unit tests of listen specifications, trusted networks and X-Forwarded-For (server/addr.h). */
#include <check.h>
#include <netinet/in.h>
#include <string.h>

#include "server/addr.h"

START_TEST(test_listen_parse)
{
	struct srv_listen_spec spec;
	const char *error;
	char text[SRV_ADDR_TEXT_MAX];

	ck_assert_int_eq(srv_listen_parse("127.0.0.1:8080", &spec, &error), 0);
	ck_assert_int_eq(spec.scheme, SRV_SCHEME_DEFAULT);
	srv_sockaddr_text((struct sockaddr *)&spec.addr, text);
	ck_assert_str_eq(text, "127.0.0.1:8080");

	ck_assert_int_eq(srv_listen_parse("[::1]:0", &spec, &error), 0);
	ck_assert_int_eq(spec.addr.ss_family, AF_INET6);
	srv_sockaddr_text((struct sockaddr *)&spec.addr, text);
	ck_assert_str_eq(text, "[::1]:0");

	ck_assert_int_eq(srv_listen_parse("https://0.0.0.0:443/", &spec, &error), 0);
	ck_assert_int_eq(spec.scheme, SRV_SCHEME_HTTPS);
	ck_assert_int_eq(srv_listen_parse("http://[2001:db8::1]:80", &spec, &error), 0);
	ck_assert_int_eq(spec.scheme, SRV_SCHEME_HTTP);

	static const char *const bad[] = {
		"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "localhost:80", "::1:80",
		"[::1]80", "[::1", ":80", "127.0.0.1:-1", "ftp://127.0.0.1:21", "1.2.3.4:8 0",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(srv_listen_parse(bad[i], &spec, &error) == -1, "accepted %s", bad[i]);
}
END_TEST

START_TEST(test_nets)
{
	struct srv_net nets[3];

	ck_assert_int_eq(srv_net_parse("10.0.0.0/8", &nets[0]), 0);
	ck_assert_int_eq(srv_net_parse("2001:db8::/32", &nets[1]), 0);
	ck_assert_int_eq(srv_net_parse("192.0.2.7", &nets[2]), 0);
	ck_assert(srv_net_contains(nets, 3, "10.200.3.4"));
	ck_assert(srv_net_contains(nets, 3, "::ffff:10.1.1.1"));   /* IPv4-mapped */
	ck_assert(srv_net_contains(nets, 3, "2001:db8:ffff::1"));
	ck_assert(srv_net_contains(nets, 3, "192.0.2.7"));
	ck_assert(!srv_net_contains(nets, 3, "192.0.2.8"));
	ck_assert(!srv_net_contains(nets, 3, "11.0.0.1"));
	ck_assert(!srv_net_contains(nets, 3, "2001:db9::1"));
	ck_assert(!srv_net_contains(nets, 3, "garbage"));

	struct srv_net n;
	ck_assert_int_eq(srv_net_parse("10.0.0.0/33", &n), -1);
	ck_assert_int_eq(srv_net_parse("10.0.0.0/", &n), -1);
	ck_assert_int_eq(srv_net_parse("host.example", &n), -1);
	ck_assert_int_eq(srv_net_parse("", &n), -1);
	ck_assert_int_eq(srv_net_parse("10.1.2.3/20", &n), 0);
	ck_assert(srv_net_contains(&n, 1, "10.1.15.255"));
	ck_assert(!srv_net_contains(&n, 1, "10.1.16.0"));
}
END_TEST

START_TEST(test_forwarded_for)
{
	struct srv_net trusted[2];
	char out[SRV_ADDR_TEXT_MAX];

	srv_net_parse("127.0.0.1", &trusted[0]);
	srv_net_parse("10.0.0.0/8", &trusted[1]);

	/* Untrusted peer: its header is ignored (anyone can write one). */
	srv_client_address("198.51.100.1", "1.2.3.4", trusted, 2, out);
	ck_assert_str_eq(out, "198.51.100.1");
	/* Trusted peer without header. */
	srv_client_address("127.0.0.1", NULL, trusted, 2, out);
	ck_assert_str_eq(out, "127.0.0.1");
	/* One proxy: the right-most hop is the client. */
	srv_client_address("127.0.0.1", "203.0.113.5", trusted, 2, out);
	ck_assert_str_eq(out, "203.0.113.5");
	/* A client-forged left part is not believed: the right-most untrusted hop wins. */
	srv_client_address("127.0.0.1", "6.6.6.6, 203.0.113.5, 10.1.1.1", trusted, 2, out);
	ck_assert_str_eq(out, "203.0.113.5");
	/* All hops trusted: the left-most. */
	srv_client_address("127.0.0.1", "10.0.0.2,10.0.0.3", trusted, 2, out);
	ck_assert_str_eq(out, "10.0.0.2");
	/* Ports and IPv6 brackets are dropped; IPv4-mapped shown as IPv4. */
	srv_client_address("::ffff:127.0.0.1", "[2001:db8::5]:443", trusted, 2, out);
	ck_assert_str_eq(out, "2001:db8::5");
	srv_client_address("127.0.0.1", "192.0.2.9:5555", trusted, 2, out);
	ck_assert_str_eq(out, "192.0.2.9");
	/* A malformed hop stops the walk at the last believed address. */
	srv_client_address("127.0.0.1", "203.0.113.5, unknown", trusted, 2, out);
	ck_assert_str_eq(out, "127.0.0.1");
	srv_client_address("127.0.0.1", "203.0.113.5,,10.0.0.9", trusted, 2, out);
	ck_assert_str_eq(out, "10.0.0.9");
	srv_client_address("127.0.0.1", "", trusted, 2, out);
	ck_assert_str_eq(out, "127.0.0.1");
	/* No trusted proxies at all. */
	srv_client_address("127.0.0.1", "203.0.113.5", NULL, 0, out);
	ck_assert_str_eq(out, "127.0.0.1");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("server-addr");
	TCase *tc = tcase_create("addr");

	tcase_add_test(tc, test_listen_parse);
	tcase_add_test(tc, test_nets);
	tcase_add_test(tc, test_forwarded_for);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
