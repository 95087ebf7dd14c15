/* End-to-end tests of easd's HTTP front (issue 3, point 4): OPTIONS, the plain and base64
 * query forms of MS-ASHTTP, status codes for malformed requests, request size limits,
 * chunked bodies, methods and paths. */
#include "harness.h"

#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/buf.h"

#define LOGIN "mike@ox.io"
#define PASSWORD "Corr3ct-Horse"
#define MAX_SIZE 4096

/* FolderSync with SyncKey 0 (../shared/FACTS.md): a real WBXML body. */
static const unsigned char foldersync_wbxml[] = {
	0x03, 0x01, 0x6a, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, 0x30, 0x00, 0x01, 0x01
};

/* Context ox.io (default) with user mike, then easd with a 4 KiB request limit. */
static void start(const char *extra_config)
{
	buf cfg = BUF_INIT;

	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	buf_printf(&cfg, "[server]\nmax_request_size = %d\n%s", MAX_SIZE,
		   extra_config != NULL ? extra_config : "");
	h_easd_start(h_env, &(struct h_opts){ .config = buf_cstr(&cfg) });
	buf_free(&cfg);
}

/* A command easd does not implement yet (answers 501 once authenticated and parsed). */
static const char *unimplemented(const struct h_device *dev)
{
	const char *cmd = h_unimplemented_command(h_env, dev);

	ck_assert_msg(cmd != NULL, "every command is implemented: pick another probe for dispatch");
	return cmd;
}

static long post_wbxml(const struct h_device *dev, const char *cmd, struct h_response *r)
{
	return h_device_post(h_env, dev, cmd, NULL, "application/vnd.ms-sync.wbxml",
			     foldersync_wbxml, sizeof(foldersync_wbxml), r);
}

static void assert_status(long got, long want, const struct h_response *r, const char *what)
{
	ck_assert_msg(got == want, "%s: status %ld, want %ld (%s; body: %.200s)", what, got, want,
		      r->error, (const char *)(r->body.data != NULL ? r->body.data : (unsigned char *)""));
}

START_TEST(test_options_headers)
{
	struct h_device dev;
	struct h_response r;

	start(NULL);
	h_device_init(&dev, LOGIN, PASSWORD);
	assert_status(h_device_options(h_env, &dev, &r), 200, &r, "OPTIONS");
	const char *versions = h_response_header(&r, "MS-ASProtocolVersions");
	ck_assert_ptr_nonnull(versions);
	/* Full version numbers, exactly this list (Q-HTTP-5). */
	ck_assert_str_eq(versions, H_ALL_VERSIONS);
	ck_assert_ptr_nonnull(h_response_header(&r, "Allow"));
	ck_assert_str_eq(h_response_header(&r, "Allow"), "OPTIONS,POST");
	const char *server = h_response_header(&r, "MS-Server-ActiveSync");
	ck_assert_msg(server != NULL && *server != '\0', "MS-Server-ActiveSync missing");
	ck_assert_uint_eq(r.body.len, 0);

	/* MS-ASProtocolCommands: known command names, comma-separated, no spaces or repeats. */
	const char *cmds = h_response_header(&r, "MS-ASProtocolCommands");
	ck_assert_ptr_nonnull(cmds);
	char *copy = strdup(cmds), *save = NULL;
	char seen[64][32];
	size_t n = 0;
	for (char *item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		ck_assert_msg(h_eas_command_code(item) >= 0, "unknown command '%s' in '%s'", item, cmds);
		for (size_t i = 0; i < n; i++)
			ck_assert_msg(strcmp(seen[i], item) != 0, "%s listed twice", item);
		ck_assert(n < 64);
		snprintf(seen[n++], sizeof(seen[0]), "%s", item);
	}
	free(copy);
	h_response_free(&r);

	/* Header names in any case (our lookup is case-insensitive, easd's must be too). */
	char *auth = h_basic_auth(LOGIN, PASSWORD);
	auth[0] = 'a';  /* "authorization:" */
	const char *hdrs[] = { auth, NULL };
	assert_status(h_request(h_env, "OPTIONS", H_EAS_PATH, hdrs, NULL, 0, &r), 200, &r,
		      "OPTIONS with a lower-case Authorization header");
	h_response_free(&r);
	free(auth);

	/* OPTIONS with the plain query that phones add (Q-HTTP-1). */
	auth = h_basic_auth(LOGIN, PASSWORD);
	const char *hdrs2[] = { auth, NULL };
	assert_status(h_request(h_env, "OPTIONS",
				H_EAS_PATH "?User=mike%40ox.io&DeviceId=E2ETEST0001&DeviceType=iPhone",
				hdrs2, NULL, 0, &r), 200, &r, "OPTIONS with a query");
	ck_assert_str_eq(h_response_header(&r, "MS-ASProtocolVersions"), H_ALL_VERSIONS);
	h_response_free(&r);
	free(auth);
}
END_TEST

START_TEST(test_options_unauthenticated_is_bare_401)
{
	struct h_response r;

	start("realm = E2E Realm\n");
	assert_status(h_request(h_env, "OPTIONS", H_EAS_PATH, NULL, NULL, 0, &r), 401, &r,
		      "OPTIONS without credentials");
	const char *www = h_response_header(&r, "WWW-Authenticate");
	ck_assert_ptr_nonnull(www);
	ck_assert_msg(strncasecmp(www, "Basic realm=", 12) == 0, "WWW-Authenticate: %s", www);
	ck_assert_msg(strstr(www, "E2E Realm") != NULL, "configured realm missing: %s", www);
	/* Some devices expect no body at all in this 401 (Q-HTTP-4). */
	ck_assert_uint_eq(r.body.len, 0);
	h_response_free(&r);
}
END_TEST

START_TEST(test_plain_query_reaches_dispatch)
{
	static const char *const versions[] = { "2.5", "12.0", "12.1", "14.0", "14.1", "16.0", "16.1" };
	struct h_device dev;
	struct h_response r;

	start(NULL);
	h_device_init(&dev, LOGIN, PASSWORD);
	const char *cmd = unimplemented(&dev);
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		dev.version = versions[i];
		assert_status(post_wbxml(&dev, cmd, &r), 501, &r, versions[i]);
		h_response_free(&r);
	}
	/* Command parameters and a policy key travel along without changing the outcome. */
	dev.has_policy_key = true;
	dev.policy_key = 1234567890;
	struct h_cmd_params p = { .collection_id = "5", .item_id = "5:12", .save_in_sent = true };
	assert_status(h_device_post(h_env, &dev, cmd, &p, "application/vnd.ms-sync.wbxml",
				    foldersync_wbxml, sizeof(foldersync_wbxml), &r), 501, &r,
		      "with parameters");
	h_response_free(&r);
	/* An unknown command is 501 as well. */
	assert_status(post_wbxml(&dev, "Bogus", &r), 501, &r, "Cmd=Bogus");
	h_response_free(&r);
}
END_TEST

START_TEST(test_quirk_requests_accepted)
{
	struct h_device dev;
	struct h_response r;

	start(NULL);
	h_device_init(&dev, LOGIN, PASSWORD);
	const char *cmd = unimplemented(&dev);
	/* No User-Agent at all (Q-HTTP-1). */
	dev.user_agent = NULL;
	assert_status(post_wbxml(&dev, cmd, &r), 501, &r, "no User-Agent");
	h_response_free(&r);
	/* A zero policy key is like none (Q-HTTP-1), in both forms. */
	dev.has_policy_key = true;
	dev.policy_key = 0;
	assert_status(post_wbxml(&dev, cmd, &r), 501, &r, "X-MS-PolicyKey: 0");
	h_response_free(&r);
	dev.form = H_QUERY_BASE64;
	assert_status(post_wbxml(&dev, cmd, &r), 501, &r, "base64 zero policy key");
	h_response_free(&r);
	/* An empty POST without Content-Type (AOSP GetAttachment, Ping: Q-HTTP-3). */
	dev.form = H_QUERY_PLAIN;
	assert_status(h_device_post(h_env, &dev, cmd, NULL, NULL, NULL, 0, &r), 501, &r,
		      "empty body, no Content-Type");
	h_response_free(&r);
	/* Header names are case-insensitive. */
	char *auth = h_basic_auth(LOGIN, PASSWORD);
	auth[0] = 'a';
	char *path = h_device_query(&dev, cmd, NULL);
	const char *hdrs[] = { auth, "ms-asprotocolversion: 14.1", "CONTENT-TYPE: application/vnd.ms-sync.wbxml",
			       "x-ms-policykey: 0", NULL };
	assert_status(h_request(h_env, "POST", path, hdrs, foldersync_wbxml, sizeof(foldersync_wbxml), &r),
		      501, &r, "lower-case header names");
	h_response_free(&r);
	free(path);
	free(auth);
}
END_TEST

START_TEST(test_missing_device_id_or_cmd)
{
	struct h_device dev;
	struct h_response r;
	const char *const paths[] = {
		H_EAS_PATH,                                                   /* no query */
		H_EAS_PATH "?",                                               /* empty query */
		H_EAS_PATH "?User=mike&DeviceId=E2ETEST0001&DeviceType=E2EPhone",  /* no Cmd */
		H_EAS_PATH "?Cmd=&User=mike&DeviceId=E2ETEST0001&DeviceType=E2EPhone", /* empty Cmd */
		H_EAS_PATH "?Cmd=Sync&User=mike&DeviceType=E2EPhone",         /* no DeviceId */
		H_EAS_PATH "?Cmd=Sync&User=mike&DeviceId=&DeviceType=E2EPhone", /* empty DeviceId */
		H_EAS_PATH "?Cmd=FolderSync&User=mike&DeviceType=E2EPhone",
	};

	start(NULL);
	h_device_init(&dev, LOGIN, PASSWORD);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_status(h_device_post_path(h_env, &dev, paths[i], NULL, "application/vnd.ms-sync.wbxml",
						 foldersync_wbxml, sizeof(foldersync_wbxml), &r),
			      400, &r, paths[i]);
		h_response_free(&r);
	}
}
END_TEST

START_TEST(test_unsupported_version)
{
	static const char *const bad[] = { "15.0", "2.0", "17.0", "14", "14.1x", "abc", "" };
	static const unsigned char bad_bytes[] = { 0, 1, 20, 150, 170, 255 };
	struct h_device dev;
	struct h_response r;

	start(NULL);
	h_device_init(&dev, LOGIN, PASSWORD);
	const char *cmd = unimplemented(&dev);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dev.version = bad[i];
		assert_status(post_wbxml(&dev, cmd, &r), 400, &r, bad[i]);
		const char *v = h_response_header(&r, "MS-ASProtocolVersions");
		ck_assert_msg(v != NULL && strcmp(v, H_ALL_VERSIONS) == 0,
			      "400 for version '%s' without MS-ASProtocolVersions", bad[i]);
		h_response_free(&r);
	}
	/* The version byte of the base64 form. */
	dev.version = "14.1";
	dev.form = H_QUERY_BASE64;
	for (size_t i = 0; i < sizeof(bad_bytes); i++) {
		buf q = BUF_INIT;
		h_device_query_bytes(&dev, (uint8_t)h_eas_command_code(cmd), NULL, &q);
		q.data[0] = bad_bytes[i];
		char *path = h_query_from_bytes(q.data, q.len, true);
		char what[64];
		snprintf(what, sizeof(what), "base64 version byte %u", bad_bytes[i]);
		assert_status(h_device_post_path(h_env, &dev, path, NULL, "application/vnd.ms-sync.wbxml",
						 foldersync_wbxml, sizeof(foldersync_wbxml), &r), 400, &r, what);
		const char *v = h_response_header(&r, "MS-ASProtocolVersions");
		ck_assert_msg(v != NULL && strcmp(v, H_ALL_VERSIONS) == 0,
			      "%s: 400 without MS-ASProtocolVersions", what);
		h_response_free(&r);
		free(path);
		buf_free(&q);
	}
}
END_TEST

START_TEST(test_base64_query_reaches_dispatch)
{
	static const char *const versions[] = { "12.1", "14.0", "14.1", "16.0", "16.1" };
	struct h_device dev;
	struct h_response r;

	start(NULL);
	h_device_init(&dev, LOGIN, PASSWORD);
	const char *cmd = unimplemented(&dev);
	dev.form = H_QUERY_BASE64;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		dev.version = versions[i];
		assert_status(post_wbxml(&dev, cmd, &r), 501, &r, versions[i]);
		h_response_free(&r);
	}
	/* All parameters, a policy key whose bytes make '+' and '/' in the base64 text. */
	dev.has_policy_key = true;
	dev.policy_key = 0xfbffbfffu;
	struct h_cmd_params p = { .attachment_name = "5:1:0", .collection_id = "5",
				  .item_id = "5:12", .long_id = "RgAAAAD", .occurrence = "20240101T000000Z",
				  .save_in_sent = true, .accept_multipart = true };
	buf q = BUF_INIT;
	h_device_query_bytes(&dev, (uint8_t)h_eas_command_code(cmd), &p, &q);
	char *escaped = h_query_from_bytes(q.data, q.len, true);
	char *raw = h_query_from_bytes(q.data, q.len, false);
	ck_assert_msg(strpbrk(raw + strlen(H_EAS_PATH), "+/") != NULL, "probe lacks '+' or '/': %s", raw);
	assert_status(h_device_post_path(h_env, &dev, escaped, NULL, "application/vnd.ms-sync.wbxml",
					 foldersync_wbxml, sizeof(foldersync_wbxml), &r), 501, &r,
		      "percent-encoded base64 query");
	h_response_free(&r);
	/* The same bytes unescaped: '+', '/' and '=' are legal in a query (RFC 3986) and are not
	 * form encoding here. */
	assert_status(h_device_post_path(h_env, &dev, raw, NULL, "application/vnd.ms-sync.wbxml",
					 foldersync_wbxml, sizeof(foldersync_wbxml), &r), 501, &r,
		      "raw base64 query");
	h_response_free(&r);
	free(escaped);
	free(raw);
	buf_free(&q);

	/* Raw '=' padding: find a device id length that needs it. */
	dev.has_policy_key = false;
	static const char *const ids[] = { "E2E1", "E2E12", "E2E123" };
	bool padded = false;
	for (size_t i = 0; i < 3 && !padded; i++) {
		dev.device_id = ids[i];
		buf b = BUF_INIT;
		h_device_query_bytes(&dev, (uint8_t)h_eas_command_code(cmd), NULL, &b);
		if (b.len % 3 != 0) {
			padded = true;
			char *path = h_query_from_bytes(b.data, b.len, false);
			ck_assert(path[strlen(path) - 1] == '=');
			assert_status(h_device_post_path(h_env, &dev, path, NULL,
							 "application/vnd.ms-sync.wbxml", foldersync_wbxml,
							 sizeof(foldersync_wbxml), &r), 501, &r,
				      "raw '=' padding");
			h_response_free(&r);
			free(path);
		}
		buf_free(&b);
	}
	ck_assert(padded);

	/* The example of MS-ASHTTP 2.2.1.1.1.1 with our user: Sync, 14.0, v140Device. The
	 * answer depends on whether Sync exists; it is never a 400. */
	dev.device_id = "v140Device";
	dev.device_type = "SmartPhone";
	dev.version = "14.0";
	assert_status(h_device_post(h_env, &dev, cmd, NULL,
				    "application/vnd.ms-sync.wbxml", foldersync_wbxml,
				    sizeof(foldersync_wbxml), &r), 501, &r, "v140Device");
	h_response_free(&r);
}
END_TEST

/* POSTs the packed query bytes as they are and expects status want. */
static void post_bytes_expect(const struct h_device *dev, const void *bytes, size_t len, long want,
			      const char *what)
{
	struct h_response r;
	char *path = h_query_from_bytes(bytes, len, true);

	assert_status(h_device_post_path(h_env, dev, path, NULL, "application/vnd.ms-sync.wbxml",
					 foldersync_wbxml, sizeof(foldersync_wbxml), &r), want, &r, what);
	h_response_free(&r);
	free(path);
}

START_TEST(test_base64_query_malformed)
{
	struct h_device dev;
	struct h_response r;

	start(NULL);
	h_device_init(&dev, LOGIN, PASSWORD);
	dev.form = H_QUERY_BASE64;
	const char *cmd = unimplemented(&dev);
	uint8_t code = (uint8_t)h_eas_command_code(cmd);

	/* Not base64 at all, and base64 cut in the middle of the device id. */
	static const char *const texts[] = {
		H_EAS_PATH "?!!!!",
		H_EAS_PATH "?jAAJBAp2MTQw",            /* MS-ASHTTP's example, truncated */
		H_EAS_PATH "?jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob2", /* bad final quantum */
		H_EAS_PATH "?jAAJ%00BAp2",
		H_EAS_PATH "?jA",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_status(h_device_post_path(h_env, &dev, texts[i], NULL, "application/vnd.ms-sync.wbxml",
						 foldersync_wbxml, sizeof(foldersync_wbxml), &r), 400, &r,
			      texts[i]);
		h_response_free(&r);
	}

	/* Byte sequences with wrong or impossible lengths. */
	const unsigned char v = 141, lo = 0x09, hi = 0x04;
	struct { const char *what; unsigned char bytes[64]; size_t len; } cases[] = {
		{ "three bytes", { v, code, lo }, 3 },
		{ "header only", { v, code, lo, hi }, 4 },
		{ "device id cut short", { v, code, lo, hi, 10, 'A', 'B', 'C', 'D' }, 9 },
		{ "device id length 0", { v, code, lo, hi, 0, 0, 4, 'T', 'y', 'p', 'e' }, 11 },
		{ "no policy key length", { v, code, lo, hi, 2, 'I', 'D' }, 7 },
		{ "policy key length 3", { v, code, lo, hi, 2, 'I', 'D', 3, 1, 2, 3, 4, 'T', 'y', 'p', 'e' }, 16 },
		{ "policy key length 5", { v, code, lo, hi, 2, 'I', 'D', 5, 1, 2, 3, 4, 5, 4, 'T', 'y', 'p', 'e' }, 18 },
		{ "policy key cut short", { v, code, lo, hi, 2, 'I', 'D', 4, 1, 2 }, 10 },
		{ "no device type length", { v, code, lo, hi, 2, 'I', 'D', 0 }, 8 },
		{ "device type cut short", { v, code, lo, hi, 2, 'I', 'D', 0, 9, 'T', 'y' }, 11 },
		{ "parameter cut short", { v, code, lo, hi, 2, 'I', 'D', 0, 1, 'T', 1, 8, 'x' }, 13 },
		{ "parameter without length", { v, code, lo, hi, 2, 'I', 'D', 0, 1, 'T', 1 }, 11 },
		{ "user parameter cut short", { v, code, lo, hi, 2, 'I', 'D', 0, 1, 'T', 8, 200, 'm', 'i' }, 14 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		post_bytes_expect(&dev, cases[i].bytes, cases[i].len, 400, cases[i].what);

	/* The unknown command code is 501, like an unknown command name. */
	buf q = BUF_INIT;
	h_device_query_bytes(&dev, 99, NULL, &q);
	post_bytes_expect(&dev, q.data, q.len, 501, "command code 99");
	buf_free(&q);
	/* And the well-formed sequence still passes (the probe above is not broken). */
	h_device_query_bytes(&dev, code, NULL, &q);
	post_bytes_expect(&dev, q.data, q.len, 501, "well-formed");
	buf_free(&q);
}
END_TEST

/* The first command easd lists as implemented, or NULL. */
static char *implemented_command(const struct h_device *dev)
{
	struct h_response r;
	char *found = NULL;

	ck_assert_int_eq(h_device_options(h_env, dev, &r), 200);
	const char *list = h_response_header(&r, "MS-ASProtocolCommands");
	if (list != NULL && *list != '\0')
		found = strndup(list, strcspn(list, ","));
	h_response_free(&r);
	return found;
}

START_TEST(test_content_type)
{
	static const char *const wrong[] = { "text/plain", "application/x-www-form-urlencoded",
					     "application/json", "text/html; charset=utf-8" };
	static const char *const right[] = { "application/vnd.ms-sync.wbxml", "application/vnd.ms-sync",
					     "Application/Vnd.MS-Sync.WBXML; charset=utf-8" };
	struct h_device dev;
	struct h_response r;

	start(NULL);
	h_device_init(&dev, LOGIN, PASSWORD);
	/* The content type is judged for the command that gets the body: easd answers 501 for a
	 * command it does not have before looking at it. So this needs an implemented command;
	 * with none (issue 3 implements none) only the 501 can be checked. */
	char *cmd = implemented_command(&dev);
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		long got = h_device_post(h_env, &dev, cmd != NULL ? cmd : unimplemented(&dev), NULL,
					 wrong[i], "a=b", 3, &r);
		assert_status(got, cmd != NULL ? 400 : 501, &r, wrong[i]);
		h_response_free(&r);
	}
	for (size_t i = 0; cmd != NULL && i < sizeof(right) / sizeof(right[0]); i++) {
		long got = h_device_post(h_env, &dev, cmd, NULL, right[i], foldersync_wbxml,
					 sizeof(foldersync_wbxml), &r);
		ck_assert_msg(got != 400 && got != 415, "%s with %s: %ld", cmd, right[i], got);
		h_response_free(&r);
	}
	free(cmd);
}
END_TEST

/* The start of a POST with the given extra header lines (each ending in CRLF). */
static char *raw_post_head(const struct h_device *dev, const char *cmd, const char *extra)
{
	buf b = BUF_INIT;
	char *path = h_device_query(dev, cmd, NULL);
	char *auth = h_basic_auth(dev->login, dev->password);

	buf_printf(&b, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\nMS-ASProtocolVersion: 14.1\r\n"
		   "Content-Type: application/vnd.ms-sync.wbxml\r\n%s\r\n", path, auth, extra);
	free(path);
	free(auth);
	return (char *)buf_detach(&b, NULL);
}

START_TEST(test_oversize_body_refused_unread)
{
	struct h_device dev;
	struct h_response r;

	start(NULL);
	h_device_init(&dev, LOGIN, PASSWORD);
	const char *cmd = unimplemented(&dev);

	/* Expect: 100-continue: the 413 must come instead of "100 Continue". */
	char *head = raw_post_head(&dev, cmd, "Content-Length: 1000000\r\nExpect: 100-continue\r\n");
	int fd = h_raw_connect(h_env);
	h_raw_send(fd, head, strlen(head));
	assert_status(h_raw_read_response(fd, &r), 413, &r, "Expect: 100-continue, 1 MB");
	h_response_free(&r);
	close(fd);
	free(head);

	/* Without Expect: the answer must still come although the body is never sent. */
	head = raw_post_head(&dev, cmd, "Content-Length: 1000000\r\n");
	fd = h_raw_connect(h_env);
	h_raw_send(fd, head, strlen(head));
	assert_status(h_raw_read_response(fd, &r), 413, &r, "Content-Length 1 MB, body not sent");
	h_response_free(&r);
	close(fd);
	free(head);

	/* One byte over the limit, and exactly at it (which is read and dispatched). */
	char big[MAX_SIZE + 1];
	memset(big, 'x', sizeof(big));
	memcpy(big, foldersync_wbxml, sizeof(foldersync_wbxml));
	assert_status(h_device_post(h_env, &dev, cmd, NULL, "application/vnd.ms-sync.wbxml", big,
				    MAX_SIZE + 1, &r), 413, &r, "limit + 1");
	h_response_free(&r);
	assert_status(h_device_post(h_env, &dev, cmd, NULL, "application/vnd.ms-sync.wbxml", big,
				    MAX_SIZE, &r), 501, &r, "exactly the limit");
	h_response_free(&r);

	/* With Expect and a fitting length, easd asks for the body and answers (Q-OPEN-1). */
	const char *hdrs[] = { "Expect: 100-continue", NULL };
	char *path = h_device_query(&dev, cmd, NULL);
	assert_status(h_device_post_path(h_env, &dev, path, hdrs, "application/vnd.ms-sync.wbxml",
					 big, 2000, &r), 501, &r, "Expect: 100-continue, 2000 bytes");
	h_response_free(&r);
	free(path);
}
END_TEST

START_TEST(test_chunked_body)
{
	struct h_device dev;
	struct h_response r;

	start(NULL);
	h_device_init(&dev, LOGIN, PASSWORD);
	const char *cmd = unimplemented(&dev);

	/* A small chunked body (Q-OPEN-1) reaches dispatch. */
	char *head = raw_post_head(&dev, cmd, "Transfer-Encoding: chunked\r\n");
	int fd = h_raw_connect(h_env);
	h_raw_send(fd, head, strlen(head));
	h_raw_send(fd, "5\r\n", 3);
	h_raw_send(fd, foldersync_wbxml, 5);
	h_raw_send(fd, "\r\n8\r\n", 5);
	h_raw_send(fd, foldersync_wbxml + 5, 8);
	h_raw_send(fd, "\r\n0\r\n\r\n", 7);
	assert_status(h_raw_read_response(fd, &r), 501, &r, "chunked body");
	h_response_free(&r);
	close(fd);
	free(head);

	/* A chunked body larger than the limit: its size is known only while reading. Once the
	 * running total passes the limit easd keeps nothing more (it drops up to 1 MiB, then
	 * closes) and answers 413 when the body ends: libmicrohttpd 0.9.75 cannot queue an
	 * answer in the middle of an upload. easd reads the body only for a command it has:
	 * for one it lacks, 501 comes first, unread. */
	char *implemented = implemented_command(&dev);
	head = raw_post_head(&dev, implemented != NULL ? implemented : cmd, "Transfer-Encoding: chunked\r\n");
	fd = h_raw_connect(h_env);
	h_raw_send(fd, head, strlen(head));
	buf body = BUF_INIT;
	char chunk[MAX_SIZE + 904];
	memset(chunk, 'y', sizeof(chunk));
	buf_printf(&body, "%zx\r\n", sizeof(chunk));
	buf_append(&body, chunk, sizeof(chunk));
	buf_puts(&body, "\r\n");
	if (h_raw_send_until_answer(fd, body.data, body.len))
		h_raw_send(fd, "0\r\n\r\n", 5);
	long got = h_raw_read_response(fd, &r);
	if (implemented != NULL)
		assert_status(got, 413, &r, "chunked body over the limit");
	else
		ck_assert_msg(got == 413 || got == 501, "chunked body over the limit: %ld", got);
	h_response_free(&r);
	close(fd);
	free(head);
	buf_free(&body);
	free(implemented);
}
END_TEST

START_TEST(test_methods_and_paths)
{
	static const char *const methods[] = { "GET", "PUT", "DELETE", "PATCH", "HEAD" };
	static const char *const paths[] = { "/", "/foo", "/Microsoft-Server-ActiveSyncX",
					     "/Microsoft-Server-ActiveSync/x", "/index.html" };
	struct h_response r;

	start(NULL);
	char *auth = h_basic_auth(LOGIN, PASSWORD);
	const char *hdrs[] = { auth, NULL };
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		assert_status(h_request(h_env, methods[i], H_EAS_PATH, hdrs, NULL, 0, &r), 405, &r,
			      methods[i]);
		const char *allow = h_response_header(&r, "Allow");
		ck_assert_msg(allow != NULL && strcmp(allow, "OPTIONS,POST") == 0,
			      "405 for %s with Allow: %s", methods[i], allow != NULL ? allow : "(none)");
		h_response_free(&r);
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_status(h_request(h_env, "POST", paths[i], hdrs, NULL, 0, &r), 404, &r, paths[i]);
		h_response_free(&r);
		assert_status(h_request(h_env, "GET", paths[i], hdrs, NULL, 0, &r), 404, &r, paths[i]);
		h_response_free(&r);
	}
	free(auth);
}
END_TEST

START_TEST(test_request_log_line)
{
	struct h_device dev;
	struct h_response r;

	start(NULL);
	h_device_init(&dev, LOGIN, PASSWORD);
	const char *cmd = unimplemented(&dev);
	dev.device_id = "LOGLINE4711";
	dev.device_type = "LogPhone";
	size_t mark = h_easd_log_mark(h_env);
	assert_status(post_wbxml(&dev, cmd, &r), 501, &r, cmd);
	h_response_free(&r);
	/* One line per request: user, device id, device type, command, HTTP status (issue 3.3). */
	ck_assert_msg(h_easd_wait_log(h_env, mark, "LOGLINE4711"), "no log line with the device id");
	char *log = h_easd_log(h_env);
	char *line = strstr(log + mark, "LOGLINE4711");
	while (line > log && line[-1] != '\n')
		line--;
	char *end = strchr(line, '\n');
	if (end != NULL)
		*end = '\0';
	ck_assert_msg(strstr(line, "mike") != NULL, "no user in: %s", line);
	ck_assert_msg(strstr(line, "LogPhone") != NULL, "no device type in: %s", line);
	ck_assert_msg(strstr(line, cmd) != NULL, "no command in: %s", line);
	ck_assert_msg(strstr(line, "501") != NULL, "no HTTP status in: %s", line);
	free(log);
}
END_TEST

START_TEST(test_two_listeners)
{
	struct h_response r;

	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	h_easd_start(h_env, &(struct h_opts){ .listen_count = 2 });
	ck_assert_int_ne(h_easd_port(h_env, 0), h_easd_port(h_env, 1));
	char *auth = h_basic_auth(LOGIN, PASSWORD);
	const char *hdrs[] = { auth, NULL };
	for (unsigned i = 0; i < 2; i++) {
		char url[64];
		snprintf(url, sizeof(url), "http://127.0.0.1:%d", h_easd_port(h_env, i));
		assert_status(h_request_url(h_env, url, "OPTIONS", H_EAS_PATH, hdrs, NULL, 0, &r), 200,
			      &r, url);
		h_response_free(&r);
	}
	free(auth);
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("e2e-http");
	TCase *tc = h_tcase_new("http");

	tcase_add_test(tc, test_options_headers);
	tcase_add_test(tc, test_options_unauthenticated_is_bare_401);
	tcase_add_test(tc, test_plain_query_reaches_dispatch);
	tcase_add_test(tc, test_quirk_requests_accepted);
	tcase_add_test(tc, test_missing_device_id_or_cmd);
	tcase_add_test(tc, test_unsupported_version);
	tcase_add_test(tc, test_base64_query_reaches_dispatch);
	tcase_add_test(tc, test_base64_query_malformed);
	tcase_add_test(tc, test_content_type);
	tcase_add_test(tc, test_oversize_body_refused_unread);
	tcase_add_test(tc, test_chunked_body);
	tcase_add_test(tc, test_methods_and_paths);
	tcase_add_test(tc, test_request_log_line);
	tcase_add_test(tc, test_two_listeners);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(http_suite());
}
