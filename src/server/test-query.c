/* Unit tests of the MS-ASHTTP query forms (server/query.h). */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/buf.h"
#include "server/query.h"

/* The example of MS-ASHTTP 2.2.1.1.1.1: Sync, 14.0, en-US, device v140Device, SmartPhone. */
#define SPEC_EXAMPLE "jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l"

static int parse(pool *p, const char *query, struct srv_query *q, const char **error)
{
	*error = NULL;
	return srv_query_parse(p, query, strlen(query), q, error);
}

/* Encodes raw bytes as the base64 query form. */
static const char *pack(pool *p, const void *raw, size_t len)
{
	buf b = BUF_INIT;
	base64_encode(&b, raw, len);
	const char *s = pool_strdup(p, buf_cstr(&b));
	buf_free(&b);
	return s;
}

START_TEST(test_plain_valid)
{
	pool *p = pool_new(0);
	struct srv_query q;
	const char *error;

	ck_assert_int_eq(parse(p, "Cmd=Sync&User=mike%40ox.io&DeviceId=Appl123&DeviceType=iPhone",
			       &q, &error), 0);
	ck_assert(!q.base64_form);
	ck_assert_str_eq(q.cmd, "Sync");
	ck_assert_int_eq(q.cmd_code, -1);
	ck_assert_str_eq(q.user, "mike@ox.io");
	ck_assert_str_eq(q.device_id, "Appl123");
	ck_assert_str_eq(q.device_type, "iPhone");
	ck_assert_int_eq(q.version, 0);
	ck_assert(!q.has_policy_key);

	/* Every optional parameter, keys in another case, '+' as space, unknown keys skipped. */
	ck_assert_int_eq(parse(p, "cmd=SmartReply&deviceid=d1&DeviceType=Android&ItemId=5%3A1&"
				  "CollectionId=7&LongId=L1&Occurrence=2024&SaveInSent=T&"
				  "AttachmentName=a+b.txt&Foo=bar&&", &q, &error), 0);
	ck_assert_str_eq(q.cmd, "SmartReply");
	ck_assert_ptr_null(q.user);
	ck_assert_str_eq(q.params.item_id, "5:1");
	ck_assert_str_eq(q.params.collection_id, "7");
	ck_assert_str_eq(q.params.long_id, "L1");
	ck_assert_str_eq(q.params.occurrence, "2024");
	ck_assert_str_eq(q.params.attachment_name, "a b.txt");
	ck_assert(q.params.save_in_sent);

	/* An empty query is valid (OPTIONS); presence is the caller's business. */
	ck_assert_int_eq(parse(p, "", &q, &error), 0);
	ck_assert_ptr_null(q.cmd);
	ck_assert_ptr_null(q.device_id);

	/* A User in ISO-8859-1 becomes UTF-8 (Q-HTTP-4). */
	ck_assert_int_eq(parse(p, "Cmd=Ping&User=j%F6rg&DeviceId=x", &q, &error), 0);
	ck_assert_str_eq(q.user, "j\xc3\xb6rg");
	pool_free(&p);
}
END_TEST

START_TEST(test_plain_invalid)
{
	static const char *const bad[] = {
		"Cmd=Sync&Cmd=Ping&DeviceId=a",        /* duplicate */
		"Cmd=Sync&DeviceId=a&deviceid=b",      /* duplicate, other case */
		"Cmd=Sync&DeviceId=a%2",               /* truncated escape */
		"Cmd=Sync&DeviceId=a%zz",              /* bad escape */
		"Cmd=Sync&DeviceId=a%00b",             /* encoded NUL */
		"Cmd=Sync&DeviceId=a+b",               /* space in DeviceId */
		"Cmd=Sy-nc&DeviceId=a",                /* not a command name */
		"Cmd=Sync&DeviceId",                   /* known key without value */
		"Cmd=SendMail&DeviceId=a&SaveInSent=yes",
		"Cmd=Sync&DeviceId=a&ItemId=%01",      /* control character */
		"Cmd=Sync&DeviceId=a&DeviceType=%ff%fe", /* not UTF-8 */
	};
	pool *p = pool_new(0);
	struct srv_query q;
	const char *error;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(p, bad[i], &q, &error) == -1, "accepted %s", bad[i]);
		ck_assert_ptr_nonnull(error);
		ck_assert_ptr_null(q.cmd); /* no partial result */
	}
	/* Too long a DeviceId, too long a query. */
	char longq[SRV_QUERY_MAX_LEN + 64];
	int n = snprintf(longq, sizeof(longq), "Cmd=Sync&DeviceId=");
	memset(longq + n, 'a', SRV_DEVICE_ID_MAX + 1);
	longq[n + SRV_DEVICE_ID_MAX + 1] = '\0';
	ck_assert_int_eq(parse(p, longq, &q, &error), -1);
	memset(longq, 'a', sizeof(longq) - 1);
	longq[0] = '&';
	longq[sizeof(longq) - 1] = '\0';
	ck_assert_int_eq(parse(p, longq, &q, &error), -1);
	ck_assert_str_eq(error, "query too long");
	pool_free(&p);
}
END_TEST

START_TEST(test_base64_spec_example)
{
	pool *p = pool_new(0);
	struct srv_query q;
	const char *error;

	ck_assert(srv_query_is_base64(SPEC_EXAMPLE, strlen(SPEC_EXAMPLE)));
	ck_assert_int_eq(parse(p, SPEC_EXAMPLE, &q, &error), 0);
	ck_assert(q.base64_form);
	ck_assert_int_eq(q.version, 140);
	ck_assert_int_eq(q.cmd_code, 0);
	ck_assert_str_eq(q.cmd, "Sync");
	ck_assert_uint_eq(q.locale, 0x0409);
	ck_assert_str_eq(q.device_id, "v140Device");
	ck_assert(!q.has_policy_key);
	ck_assert_str_eq(q.device_type, "SmartPhone");
	ck_assert_ptr_null(q.user);
	pool_free(&p);
}
END_TEST

START_TEST(test_base64_fields)
{
	static const unsigned char raw[] = {
		161, 21, 0x07, 0x04,                 /* 16.1, ResolveRecipients, de-DE */
		4, 0x01, 0xfe, 'a', 'b',             /* binary device id: hex */
		4, 0x78, 0x56, 0x34, 0x12,           /* policy key 0x12345678, little-endian */
		3, 'W', 'P', '8',
		8, 10, 'm', 'i', 'k', 'e', '@', 'o', 'x', '.', 'i', 'o',
		7, 1, 0x03,                          /* Options: SaveInSent | AcceptMultiPart */
		1, 1, '5',                           /* CollectionId */
		3, 3, '5', ':', '7',                 /* ItemId */
		4, 2, 'L', '1',                      /* LongId */
		6, 1, 'x',                           /* Occurrence */
		0, 5, 'a', '.', 'p', 'd', 'f',       /* AttachmentName */
		2, 2, 'z', 'z',                      /* unassigned tag: skipped */
		200, 0,                              /* unknown tag, empty: skipped */
	};
	pool *p = pool_new(0);
	struct srv_query q;
	const char *error;

	ck_assert_int_eq(parse(p, pack(p, raw, sizeof(raw)), &q, &error), 0);
	ck_assert_int_eq(q.version, 161);
	ck_assert_str_eq(q.cmd, "ResolveRecipients");
	ck_assert_uint_eq(q.locale, 0x0407);
	ck_assert_str_eq(q.device_id, "01fe6162");
	ck_assert(q.has_policy_key);
	ck_assert_uint_eq(q.policy_key, 0x12345678u);
	ck_assert_str_eq(q.device_type, "WP8");
	ck_assert_str_eq(q.user, "mike@ox.io");
	ck_assert(q.params.save_in_sent);
	ck_assert(q.params.accept_multipart);
	ck_assert_str_eq(q.params.collection_id, "5");
	ck_assert_str_eq(q.params.item_id, "5:7");
	ck_assert_str_eq(q.params.long_id, "L1");
	ck_assert_str_eq(q.params.occurrence, "x");
	ck_assert_str_eq(q.params.attachment_name, "a.pdf");

	/* Escaped '+', '/' and '=' are the same query. */
	const char *b64 = pack(p, raw, sizeof(raw));
	buf esc = BUF_INIT;
	for (const char *s = b64; *s != '\0'; s++) {
		if (*s == '+')
			buf_puts(&esc, "%2B");
		else if (*s == '/')
			buf_puts(&esc, "%2f");
		else if (*s == '=')
			buf_puts(&esc, "%3D");
		else
			buf_putc(&esc, (unsigned char)*s);
	}
	ck_assert_int_eq(parse(p, buf_cstr(&esc), &q, &error), 0);
	ck_assert_str_eq(q.device_id, "01fe6162");
	buf_free(&esc);
	pool_free(&p);
}
END_TEST

START_TEST(test_base64_policy_key_zero)
{
	/* Q-HTTP-1: a zero-length key and an all-zero key both mean "no key". */
	static const unsigned char zero_len[] = { 141, 9, 0, 0, 1, 'd', 0, 1, 't' };
	static const unsigned char all_zero[] = { 141, 9, 0, 0, 1, 'd', 4, 0, 0, 0, 0, 1, 't',
						  7, 1, 0 };
	pool *p = pool_new(0);
	struct srv_query q;
	const char *error;

	ck_assert_int_eq(parse(p, pack(p, zero_len, sizeof(zero_len)), &q, &error), 0);
	ck_assert(!q.has_policy_key);
	ck_assert_str_eq(q.cmd, "FolderSync");
	ck_assert_int_eq(parse(p, pack(p, all_zero, sizeof(all_zero)), &q, &error), 0);
	ck_assert(!q.has_policy_key);
	ck_assert_uint_eq(q.policy_key, 0);
	ck_assert(!q.params.save_in_sent);
	pool_free(&p);
}
END_TEST

START_TEST(test_base64_malformed)
{
	static const char *const bad[] = {
		"jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25",  /* 35 chars: 1 leftover char */
		"j",
		"jAAJBA%2",                              /* broken escape: plain, bad escape */
	};
	pool *p = pool_new(0);
	struct srv_query q;
	const char *error;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(p, bad[i], &q, &error) == -1, "accepted %s", bad[i]);
	/* Padding inside or too much of it is not base64-shaped: the plain parser reads an
	 * unknown key and the record has neither Cmd nor DeviceId, which the caller refuses. */
	static const char *const not_b64[] = { "jAAJ====", "jA=AJBAp" };
	for (size_t i = 0; i < 2; i++) {
		ck_assert(!srv_query_is_base64(not_b64[i], strlen(not_b64[i])));
		ck_assert_int_eq(parse(p, not_b64[i], &q, &error), 0);
		ck_assert_ptr_null(q.cmd);
		ck_assert_ptr_null(q.device_id);
	}
	pool_free(&p);
}
END_TEST

START_TEST(test_base64_truncated)
{
	/* The spec example cut at every length: each strict prefix is refused, since the
	 * example has no command parameters. */
	static const unsigned char raw[] = {
		140, 0, 9, 4, 10, 'v', '1', '4', '0', 'D', 'e', 'v', 'i', 'c', 'e',
		0, 10, 'S', 'm', 'a', 'r', 't', 'P', 'h', 'o', 'n', 'e',
		8, 4, 'm', 'i', 'k', 'e', 7, 1, 1,
	};
	const size_t params_at = 27; /* end of the device type: parameters start here */
	pool *p = pool_new(0);
	struct srv_query q;
	const char *error;

	for (size_t n = 0; n <= sizeof(raw); n++) {
		int ret = srv_query_parse_packed(p, raw, n, &q, &error);
		bool boundary = n == params_at || n == params_at + 6 || n == sizeof(raw);
		if (boundary) {
			ck_assert_msg(ret == 0, "refused at %zu: %s", n, error);
			ck_assert_str_eq(q.device_type, "SmartPhone");
		} else {
			ck_assert_msg(ret == -1, "accepted a query cut at %zu", n);
			ck_assert_ptr_null(q.device_id);
		}
	}
	pool_free(&p);
}
END_TEST

START_TEST(test_base64_wrong_lengths)
{
	static const struct {
		unsigned char raw[24];
		size_t len;
		const char *why;
	} bad[] = {
		{ { 140, 0, 9, 4, 200, 'a' }, 6, "device id length past the end" },
		{ { 140, 0, 9, 4, 1, 'a', 3, 1, 2, 3, 1, 't' }, 12, "policy key length 3" },
		{ { 140, 0, 9, 4, 1, 'a', 5, 1, 2, 3, 4, 5, 1, 't' }, 14, "policy key length 5" },
		{ { 140, 0, 9, 4, 1, 'a', 4, 1, 2 }, 9, "policy key past the end" },
		{ { 140, 0, 9, 4, 1, 'a', 0, 9, 't' }, 9, "device type past the end" },
		{ { 140, 0, 9, 4, 1, 'a', 0, 1, 't', 8 }, 10, "tag without length" },
		{ { 140, 0, 9, 4, 1, 'a', 0, 1, 't', 8, 3, 'a' }, 12, "value past the end" },
		{ { 140, 0, 9, 4, 1, 'a', 0, 1, 't', 7, 2, 1, 1 }, 13, "Options of two bytes" },
		{ { 140, 0, 9, 4, 1, 'a', 0, 1, 't', 1, 1, 'a', 1, 1, 'b' }, 15, "tag twice" },
		{ { 140, 0, 9, 4, 1, 'a', 0, 1, 0x01 }, 9, "control character in device type" },
		{ { 140, 0, 9, 4, 1, 'a', 0, 1, 't', 3, 2, 0xc3, 0x28 }, 13, "ItemId not UTF-8" },
		{ { 140, 0, 9, 4, 1, 'a', 0, 1, 't', 8, 2, 'a', 0 }, 13, "NUL in User" },
		{ { 140, 0, 9 }, 3, "shorter than the header" },
	};
	pool *p = pool_new(0);
	struct srv_query q;
	const char *error;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(srv_query_parse_packed(p, bad[i].raw, bad[i].len, &q, &error) == -1,
			      "accepted: %s", bad[i].why);
		/* The same through the base64 text form. */
		ck_assert_msg(parse(p, pack(p, bad[i].raw, bad[i].len), &q, &error) == -1,
			      "accepted as text: %s", bad[i].why);
	}
	/* A device id of 65 binary bytes would be 130 hex characters: too long. */
	unsigned char big[80] = { 140, 0, 9, 4, 65 };
	big[5] = 0xff;
	big[70] = 0;
	big[71] = 1;
	big[72] = 't';
	ck_assert_int_eq(srv_query_parse_packed(p, big, 73, &q, &error), -1);
	pool_free(&p);
}
END_TEST

START_TEST(test_base64_unknown_command)
{
	/* Command code 7 is unassigned: the record says so, the caller answers 501. */
	static const unsigned char raw[] = { 140, 7, 0, 0, 1, 'd', 0, 1, 't' };
	pool *p = pool_new(0);
	struct srv_query q;
	const char *error;

	ck_assert_int_eq(srv_query_parse_packed(p, raw, sizeof(raw), &q, &error), 0);
	ck_assert_ptr_null(q.cmd);
	ck_assert_int_eq(q.cmd_code, 7);
	pool_free(&p);
}
END_TEST

START_TEST(test_form_detection)
{
	ck_assert(!srv_query_is_base64("", 0));
	ck_assert(!srv_query_is_base64("Cmd=Sync&DeviceId=a", 19));
	ck_assert(!srv_query_is_base64("a=b", 3));
	ck_assert(!srv_query_is_base64("====", 4));
	ck_assert(srv_query_is_base64("abcd", 4));
	ck_assert(srv_query_is_base64("ab==", 4));
	ck_assert(srv_query_is_base64("a%2Bb%2f", 8));
	ck_assert(!srv_query_is_base64("a%41", 4));
}
END_TEST

START_TEST(test_latin1_fallback)
{
	pool *p = pool_new(0);
	ck_assert_str_eq(srv_utf8_or_latin1(p, "caf\xc3\xa9", 5), "caf\xc3\xa9");
	ck_assert_str_eq(srv_utf8_or_latin1(p, "caf\xe9", 4), "caf\xc3\xa9");
	ck_assert_str_eq(srv_utf8_or_latin1(p, "\xff", 1), "\xc3\xbf");
	pool_free(&p);
}
END_TEST

/* Every input the fuzzer (fuzz-query.c) ever crashed on, kept in tests/regress/server/, and
 * the seeds: parsed again without a sanitizer report. */
static unsigned replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned files = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[1024];
		unsigned char data[SRV_QUERY_MAX_LEN + 64];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		if (f == NULL)
			continue;
		size_t n = fread(data, 1, sizeof(data), f);
		fclose(f);
		pool *p = pool_new(0);
		struct srv_query q;
		const char *error;
		char *text = pool_strndup(p, (const char *)data, n);
		(void)srv_query_parse(p, text, strlen(text), &q, &error);
		(void)srv_query_parse_packed(p, data, n, &q, &error);
		pool_free(&p);
		files++;
	}
	closedir(d);
	return files;
}

START_TEST(test_replay_inputs)
{
	replay_dir("tests/regress/server");
	/* The seeds must be there when run from the repository root (run-tests.sh does). */
	ck_assert_uint_ge(replay_dir("tests/fuzz-seeds/query"), 4);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("server-query");
	TCase *tc = tcase_create("query");

	tcase_add_test(tc, test_plain_valid);
	tcase_add_test(tc, test_plain_invalid);
	tcase_add_test(tc, test_base64_spec_example);
	tcase_add_test(tc, test_base64_fields);
	tcase_add_test(tc, test_base64_policy_key_zero);
	tcase_add_test(tc, test_base64_malformed);
	tcase_add_test(tc, test_base64_truncated);
	tcase_add_test(tc, test_base64_wrong_lengths);
	tcase_add_test(tc, test_base64_unknown_command);
	tcase_add_test(tc, test_form_detection);
	tcase_add_test(tc, test_latin1_fallback);
	tcase_add_test(tc, test_replay_inputs);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
