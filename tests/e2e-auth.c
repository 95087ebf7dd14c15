/* End-to-end tests of authentication and contexts (issue 3, points 5 and 6): the three login
 * forms, case rules, isolation of contexts, the URL's User parameter, disabled users, and
 * the throttling of failed logins per user and per client address (X-Forwarded-For only
 * from trusted proxies), with time moved by EASD_FAKE_CLOCK instead of sleeps. */
#include "harness.h"

#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "lib/str.h"

/* Limits high enough that tests which are not about throttling never meet them. */
#define NO_THROTTLE "[auth]\nmax_failures_per_user = 100000\nmax_failures_per_address = 100000\n"
#define T0 1700000000

static void start(const char *config)
{
	h_easd_start(h_env, &(struct h_opts){ .config = config != NULL ? config : NO_THROTTLE });
}

static void expect_options(const char *user, const char *password, long want)
{
	long got = h_options_status(h_env, user, password);

	ck_assert_msg(got == want, "OPTIONS as '%s' / '%s': %ld, want %ld", user, password, got, want);
}

/* A throttled login: easd answers 503 with Retry-After, as Exchange does, so that a phone
 * backs off instead of asking its user for a password that may well be right. */
static void expect_refused(const char *user, const char *password, const char *const *extra,
			   const char *what)
{
	struct h_response r;
	char *auth = h_basic_auth(user, password);
	const char *hdrs[4] = { auth, NULL, NULL, NULL };

	for (size_t i = 0; extra != NULL && extra[i] != NULL && i < 2; i++)
		hdrs[i + 1] = extra[i];
	long got = h_request(h_env, "OPTIONS", H_EAS_PATH, hdrs, NULL, 0, &r);
	ck_assert_msg(got == 503, "%s: OPTIONS as %s answered %ld, want 503 (throttled)", what, user, got);
	const char *retry = h_response_header(&r, "Retry-After");
	uint64_t seconds = 0;
	ck_assert_msg(retry != NULL && str_to_uint64(retry, 86400, &seconds) == 0 && seconds > 0,
		      "%s: Retry-After %s", what, retry != NULL ? retry : "(none)");
	h_response_free(&r);
	free(auth);
}

static long options_via(const char *user, const char *password, const char *xff)
{
	struct h_response r;
	char *auth = h_basic_auth(user, password);
	buf fwd = BUF_INIT;
	const char *hdrs[3] = { auth, NULL, NULL };

	if (xff != NULL) {
		buf_printf(&fwd, "X-Forwarded-For: %s", xff);
		hdrs[1] = buf_cstr(&fwd);
	}
	long got = h_request(h_env, "OPTIONS", H_EAS_PATH, hdrs, NULL, 0, &r);
	ck_assert_msg(got != 0, "OPTIONS failed: %s", r.error);
	h_response_free(&r);
	buf_free(&fwd);
	free(auth);
	return got;
}

/* A command that reaches dispatch (501) once the request is authenticated. */
static const char *probe_command(const char *login, const char *password)
{
	struct h_device dev;

	h_device_init(&dev, login, password);
	const char *cmd = h_unimplemented_command(h_env, &dev);
	ck_assert_msg(cmd != NULL, "every command is implemented: pick another probe");
	return cmd;
}

START_TEST(test_login_forms)
{
	static const char *const logins[] = { "mike@ox.io", "ox.io\\mike", "mike", "mike@OX.IO",
					      "Ox.Io\\mike", "mike@Ox.io" };
	struct h_response r;

	h_add_context(h_env, "other.io", false);
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, "mike@ox.io", "S3cret pass");
	start(NULL);
	const char *cmd = probe_command("mike@ox.io", "S3cret pass");
	for (size_t i = 0; i < sizeof(logins) / sizeof(logins[0]); i++) {
		expect_options(logins[i], "S3cret pass", 200);
		/* The same login as the phone's User parameter, in both query forms. */
		struct h_device dev;
		h_device_init(&dev, logins[i], "S3cret pass");
		long got = h_device_post(h_env, &dev, cmd, NULL, NULL, NULL, 0, &r);
		ck_assert_msg(got == 501, "POST as %s (plain): %ld", logins[i], got);
		h_response_free(&r);
		dev.form = H_QUERY_BASE64;
		got = h_device_post(h_env, &dev, cmd, NULL, NULL, NULL, 0, &r);
		ck_assert_msg(got == 501, "POST as %s (base64): %ld", logins[i], got);
		h_response_free(&r);
	}
	/* Users added while easd runs can log in at once. */
	h_add_user(h_env, "anna@other.io", "anna pass");
	expect_options("anna@other.io", "anna pass", 200);
	expect_options("other.io\\anna", "anna pass", 200);
	/* anna is not in the default context. */
	expect_options("anna", "anna pass", 401);
}
END_TEST

START_TEST(test_wrong_credentials)
{
	struct h_response r;

	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, "mike@ox.io", "S3cret pass");
	start(NULL);
	expect_options("mike@ox.io", "S3cret pass", 200);
	/* Wrong password, wrong case of user or password, near misses. */
	expect_options("mike@ox.io", "wrong", 401);
	expect_options("mike@ox.io", "", 401);
	expect_options("mike@ox.io", "s3cret pass", 401);
	expect_options("mike@ox.io", "S3CRET PASS", 401);
	expect_options("mike@ox.io", "S3cret pas", 401);
	expect_options("mike@ox.io", "S3cret pass ", 401);
	expect_options("Mike@ox.io", "S3cret pass", 401);
	expect_options("MIKE", "S3cret pass", 401);
	expect_options("ox.io\\Mike", "S3cret pass", 401);
	expect_options("nobody@ox.io", "S3cret pass", 401);
	expect_options("mike@nowhere.io", "S3cret pass", 401);
	expect_options("@ox.io", "S3cret pass", 401);
	expect_options("mike@", "S3cret pass", 401);
	expect_options("\\mike", "S3cret pass", 401);

	/* Broken Authorization headers are 401 with a challenge, never 400 or 500. */
	static const char *const broken[] = {
		"Authorization: Basic", "Authorization: Basic !!!!", "Authorization: Basic bWlrZQ==",
		"Authorization: Bearer abc", "Authorization: Digest username=\"mike\"",
		"Authorization: basic", "Authorization: Basic bWlrZUBveC5pbzo=", /* "mike@ox.io:" */
	};
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		const char *hdrs[] = { broken[i], NULL };
		long got = h_request(h_env, "OPTIONS", H_EAS_PATH, hdrs, NULL, 0, &r);
		ck_assert_msg(got == 401, "%s: %ld", broken[i], got);
		const char *www = h_response_header(&r, "WWW-Authenticate");
		ck_assert_msg(www != NULL && strncasecmp(www, "Basic realm=", 12) == 0,
			      "%s: WWW-Authenticate %s", broken[i], www != NULL ? www : "(none)");
		h_response_free(&r);
	}
	/* A wrong password on a POST is a 401 with a challenge as well. */
	struct h_device dev;
	h_device_init(&dev, "mike@ox.io", "wrong");
	ck_assert_int_eq(h_device_post(h_env, &dev, "Sync", NULL, NULL, NULL, 0, &r), 401);
	ck_assert_ptr_nonnull(h_response_header(&r, "WWW-Authenticate"));
	h_response_free(&r);
}
END_TEST

START_TEST(test_no_default_context)
{
	/* The first context becomes the default; removing the default leaves none. */
	h_add_context(h_env, "first.io", false);
	h_add_context(h_env, "ox.io", false);
	h_easctl_ok(h_env, NULL, "context", "remove", "first.io", NULL);
	h_add_user(h_env, "mike@ox.io", "pw-mike");
	start(NULL);
	expect_options("mike@ox.io", "pw-mike", 200);
	/* A bare name needs a default context. */
	expect_options("mike", "pw-mike", 401);
	h_easctl_ok(h_env, NULL, "context", "default", "ox.io", NULL);
	expect_options("mike", "pw-mike", 200);
}
END_TEST

START_TEST(test_contexts_are_isolated)
{
	struct h_response r;

	h_add_context(h_env, "a.io", true);
	h_add_context(h_env, "b.io", false);
	h_add_user(h_env, "mike@a.io", "alpha-pw");
	h_add_user(h_env, "mike@b.io", "bravo-pw");
	h_add_user(h_env, "john@b.io", "john-pw");
	start(NULL);

	/* Same name, two people: each password opens exactly one of them. */
	expect_options("mike@a.io", "alpha-pw", 200);
	expect_options("mike@b.io", "bravo-pw", 200);
	expect_options("mike", "alpha-pw", 200);
	expect_options("b.io\\mike", "bravo-pw", 200);
	expect_options("mike", "bravo-pw", 401);
	expect_options("mike@a.io", "bravo-pw", 401);
	expect_options("a.io\\mike", "bravo-pw", 401);
	expect_options("mike@b.io", "alpha-pw", 401);
	expect_options("b.io\\mike", "alpha-pw", 401);
	/* A user of B is nobody in A. */
	expect_options("john@b.io", "john-pw", 200);
	expect_options("john@a.io", "john-pw", 401);
	expect_options("john", "john-pw", 401);

	/* Authenticated in A, the phone cannot name a user of B in the query. */
	const char *cmd = probe_command("mike@a.io", "alpha-pw");
	static const char *const others[] = { "mike@b.io", "b.io\\mike", "john@b.io", "john" };
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		for (int form = 0; form < 2; form++) {
			struct h_device dev;
			h_device_init(&dev, "mike@a.io", "alpha-pw");
			dev.url_user = others[i];
			dev.form = form == 0 ? H_QUERY_PLAIN : H_QUERY_BASE64;
			long got = h_device_post(h_env, &dev, cmd, NULL, NULL, NULL, 0, &r);
			ck_assert_msg(got == 403,
				      "mike@a.io posing as User=%s (%s form): %ld", others[i],
				      form == 0 ? "plain" : "base64", got);
			h_response_free(&r);
		}
	}
	/* The same device id under both mikes is two devices, both fine. */
	struct h_device a, b;
	h_device_init(&a, "mike@a.io", "alpha-pw");
	h_device_init(&b, "mike@b.io", "bravo-pw");
	ck_assert_int_eq(h_device_post(h_env, &a, cmd, NULL, NULL, NULL, 0, &r), 501);
	h_response_free(&r);
	ck_assert_int_eq(h_device_post(h_env, &b, cmd, NULL, NULL, NULL, 0, &r), 501);
	h_response_free(&r);
}
END_TEST

START_TEST(test_url_user_must_agree)
{
	struct h_response r;
	struct h_device dev;

	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, "mike@ox.io", "pw-mike");
	h_add_user(h_env, "john@ox.io", "pw-john");
	start(NULL);
	const char *cmd = probe_command("mike@ox.io", "pw-mike");
	h_device_init(&dev, "mike@ox.io", "pw-mike");
	/* Other spellings of the same user agree. */
	static const char *const same[] = { "mike@ox.io", "mike", "ox.io\\mike", "mike@OX.IO" };
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		dev.url_user = same[i];
		long got = h_device_post(h_env, &dev, cmd, NULL, NULL, NULL, 0, &r);
		ck_assert_msg(got == 501, "User=%s for mike@ox.io: %ld", same[i], got);
		h_response_free(&r);
	}
	/* Another user does not. */
	static const char *const other[] = { "john@ox.io", "john", "ox.io\\john", "Mike", "nobody" };
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		dev.url_user = other[i];
		long got = h_device_post(h_env, &dev, cmd, NULL, NULL, NULL, 0, &r);
		/* Authenticated, but naming someone else: forbidden. */
		ck_assert_msg(got == 403, "User=%s for mike@ox.io: %ld", other[i], got);
		h_response_free(&r);
	}
}
END_TEST

START_TEST(test_disabled_user)
{
	struct h_response r;
	struct h_device dev;

	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, "mike@ox.io", "pw-mike");
	start(NULL);
	const char *cmd = probe_command("mike@ox.io", "pw-mike");
	expect_options("mike@ox.io", "pw-mike", 200);
	/* Disabling takes effect at once, also for a password easd has just verified. */
	h_easctl_ok(h_env, NULL, "user", "disable", "mike@ox.io", NULL);
	expect_options("mike@ox.io", "pw-mike", 403);
	expect_options("mike", "pw-mike", 403);
	h_device_init(&dev, "mike@ox.io", "pw-mike");
	ck_assert_int_eq(h_device_post(h_env, &dev, cmd, NULL, NULL, NULL, 0, &r), 403);
	h_response_free(&r);
	/* Without the right password nobody learns that the account exists but is disabled. */
	expect_options("mike@ox.io", "wrong", 401);
	h_easctl_ok(h_env, NULL, "user", "enable", "mike@ox.io", NULL);
	expect_options("mike@ox.io", "pw-mike", 200);
	ck_assert_int_eq(h_device_post(h_env, &dev, cmd, NULL, NULL, NULL, 0, &r), 501);
	h_response_free(&r);
}
END_TEST

START_TEST(test_password_change_and_removal)
{
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, "mike@ox.io", "old-pw");
	start(NULL);
	expect_options("mike@ox.io", "old-pw", 200);
	/* A new password replaces the old one at once, although easd may cache verifications. */
	h_easctl_ok(h_env, "new-pw\n", "user", "passwd", "mike@ox.io", "--password-stdin", NULL);
	expect_options("mike@ox.io", "old-pw", 401);
	expect_options("mike@ox.io", "new-pw", 200);
	/* A removed user is gone at once. */
	h_easctl_ok(h_env, NULL, "user", "remove", "mike@ox.io", NULL);
	expect_options("mike@ox.io", "new-pw", 401);
	/* A new user of the same name does not inherit anything, the old password least. */
	h_add_user(h_env, "mike@ox.io", "third-pw");
	expect_options("mike@ox.io", "new-pw", 401);
	expect_options("mike@ox.io", "third-pw", 200);
}
END_TEST

START_TEST(test_latin1_credentials)
{
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, "j\xc3\xb6rg@ox.io", "p\xc3\xa4ssw\xc3\xb6rd");
	start(NULL);
	/* UTF-8, as mobile clients send it. */
	expect_options("j\xc3\xb6rg@ox.io", "p\xc3\xa4ssw\xc3\xb6rd", 200);
	/* ISO-8859-1, as Outlook desktop sends it (Q-HTTP-4). */
	static const char latin1[] = "j\xf6rg@ox.io:p\xe4ssw\xf6rd";
	char *auth = h_basic_auth_bytes(latin1, sizeof(latin1) - 1);
	const char *hdrs[] = { auth, NULL };
	struct h_response r;
	long got = h_request(h_env, "OPTIONS", H_EAS_PATH, hdrs, NULL, 0, &r);
	ck_assert_msg(got == 200, "ISO-8859-1 credentials: %ld", got);
	h_response_free(&r);
	free(auth);
	expect_options("j\xc3\xb6rg@ox.io", "p\xc3\xa4sswörd-not", 401);
}
END_TEST

START_TEST(test_throttle_per_user)
{
	const char *clock = h_env_path(h_env, "clock");
	char clock_env[4200];

	snprintf(clock_env, sizeof(clock_env), "EASD_FAKE_CLOCK=%s", clock);
	h_set_clock(clock, T0);
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, "mike@ox.io", "pw-mike");
	h_add_user(h_env, "john@ox.io", "pw-john");
	const char *envs[] = { clock_env, NULL };
	h_easd_start(h_env, &(struct h_opts){
		.config = "[auth]\nmax_failures_per_user = 3\nmax_failures_per_address = 100000\n"
			  "failure_window = 60\n",
		.env = envs });

	expect_options("john@ox.io", "pw-john", 200);
	for (int i = 0; i < 3; i++)
		expect_options("mike@ox.io", "wrong", 401);
	/* Locked: even the right password is refused, in every login form. */
	expect_refused("mike@ox.io", "pw-mike", NULL, "right password after 3 failures");
	expect_refused("ox.io\\mike", "pw-mike", NULL, "other login form");
	expect_refused("mike", "pw-mike", NULL, "bare name");
	/* Other users from the same address are not affected by a per-user lock. */
	expect_options("john@ox.io", "pw-john", 200);
	/* Still inside the window. */
	h_set_clock(clock, T0 + 30);
	expect_refused("mike@ox.io", "pw-mike", NULL, "30 s later");
	/* A window after the last attempt the lock is gone, without any sleep. */
	h_set_clock(clock, T0 + 30 + 61);
	expect_options("mike@ox.io", "pw-mike", 200);
	/* And fewer failures than the limit do not lock. */
	expect_options("mike@ox.io", "wrong", 401);
	expect_options("mike@ox.io", "wrong", 401);
	expect_options("mike@ox.io", "pw-mike", 200);
}
END_TEST

START_TEST(test_throttle_per_address_and_proxies)
{
	const char *clock = h_env_path(h_env, "clock");
	char clock_env[4200];

	snprintf(clock_env, sizeof(clock_env), "EASD_FAKE_CLOCK=%s", clock);
	h_set_clock(clock, T0);
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, "mike@ox.io", "pw-mike");
	const char *envs[] = { clock_env, NULL };

	/* Behind a trusted proxy (loopback), X-Forwarded-For names the client. */
	h_easd_start(h_env, &(struct h_opts){
		.config = "[server]\ntrusted_proxies = 127.0.0.1\n"
			  "[auth]\nmax_failures_per_user = 100000\nmax_failures_per_address = 3\n"
			  "failure_window = 60\n",
		.env = envs });
	/* An attacker tries three names; the first X-Forwarded-For entry is its own forgery, the
	 * last one is what our proxy saw. */
	ck_assert_int_eq(options_via("nobody1@ox.io", "x", "203.0.113.9, 198.51.100.7"), 401);
	ck_assert_int_eq(options_via("nobody2@ox.io", "x", "203.0.113.9, 198.51.100.7"), 401);
	ck_assert_int_eq(options_via("nobody3@ox.io", "x", "203.0.113.9, 198.51.100.7"), 401);
	const char *attacker[] = { "X-Forwarded-For: 198.51.100.7", NULL };
	expect_refused("mike@ox.io", "pw-mike", attacker, "locked address");
	/* Other addresses behind the proxy, and the proxy itself, are not locked. */
	ck_assert_int_eq(options_via("mike@ox.io", "pw-mike", "203.0.113.9"), 200);
	ck_assert_int_eq(options_via("mike@ox.io", "pw-mike", NULL), 200);
	/* The lock lifts after the window. */
	h_set_clock(clock, T0 + 200);
	ck_assert_int_eq(options_via("mike@ox.io", "pw-mike", "198.51.100.7"), 200);
	h_easd_stop(h_env);

	/* When the peer is not a trusted proxy, X-Forwarded-For is ignored: the failures count
	 * against the real address, whatever the header claims. */
	h_easd_start(h_env, &(struct h_opts){
		.config = "[server]\ntrusted_proxies = 192.0.2.1\n"
			  "[auth]\nmax_failures_per_user = 100000\nmax_failures_per_address = 3\n"
			  "failure_window = 60\n",
		.env = envs });
	ck_assert_int_eq(options_via("nobody1@ox.io", "x", "198.51.100.1"), 401);
	ck_assert_int_eq(options_via("nobody2@ox.io", "x", "198.51.100.2"), 401);
	ck_assert_int_eq(options_via("nobody3@ox.io", "x", "198.51.100.3"), 401);
	const char *spoof[] = { "X-Forwarded-For: 203.0.113.50", NULL };
	expect_refused("mike@ox.io", "pw-mike", spoof, "untrusted X-Forwarded-For");
	expect_refused("mike@ox.io", "pw-mike", NULL, "real address locked");
	h_set_clock(clock, T0 + 400);
	ck_assert_int_eq(options_via("mike@ox.io", "pw-mike", NULL), 200);
}
END_TEST

static Suite *auth_suite(void)
{
	Suite *s = suite_create("e2e-auth");
	TCase *tc = h_tcase_new("auth");

	tcase_add_test(tc, test_login_forms);
	tcase_add_test(tc, test_wrong_credentials);
	tcase_add_test(tc, test_no_default_context);
	tcase_add_test(tc, test_contexts_are_isolated);
	tcase_add_test(tc, test_url_user_must_agree);
	tcase_add_test(tc, test_disabled_user);
	tcase_add_test(tc, test_password_change_and_removal);
	tcase_add_test(tc, test_latin1_credentials);
	tcase_add_test(tc, test_throttle_per_user);
	tcase_add_test(tc, test_throttle_per_address_and_proxies);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(auth_suite());
}
