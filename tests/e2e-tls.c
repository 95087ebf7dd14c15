/* End-to-end tests of TLS (issue 3, point 6): a certificate the test generates, a request over
 * HTTPS that trusts exactly that certificate, and SIGHUP picking up a renewed certificate for
 * new connections (or keeping the old one when the new files are broken). */
#include "harness.h"

#include <curl/curl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"

#define LOGIN "mike@ox.io"
#define PASSWORD "tls-pass"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	ck_assert_msg(f != NULL, "cannot read %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	buf_putc(&b, 0);
	return (char *)buf_detach(&b, NULL);
}

/* Keeps a copy of the certificate now at cert.pem under name, as the client's trust anchor. */
static const char *keep_cert(const char *name)
{
	char *pem = slurp(h_env_path(h_env, "cert.pem"));
	const char *path = h_env_write_file(h_env, name, pem);

	free(pem);
	return path;
}

static void start_tls(void)
{
	buf cfg = BUF_INIT;

	buf_printf(&cfg, "[server]\ntls_cert = %s\n", h_env_path(h_env, "cert.pem"));
	buf_printf(&cfg, "tls_key = %s\n", h_env_path(h_env, "key.pem"));
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	h_easd_start(h_env, &(struct h_opts){ .config = buf_cstr(&cfg) });
	buf_free(&cfg);
}

static const char *https_url(void)
{
	static char url[64];

	snprintf(url, sizeof(url), "https://127.0.0.1:%d", h_easd_port(h_env, 0));
	return url;
}

/* OPTIONS over HTTPS trusting only ca (a fresh connection each time). */
static long https_options(const char *ca, struct h_response *r)
{
	char *auth = h_basic_auth(LOGIN, PASSWORD);
	const char *hdrs[] = { auth, NULL };

	h_http_set_ca(h_env, ca);
	long status = h_request_url(h_env, https_url(), "OPTIONS", H_EAS_PATH, hdrs, NULL, 0, r);
	free(auth);
	return status;
}

static void expect_trusted(const char *ca, const char *what)
{
	struct h_response r;

	long status = https_options(ca, &r);
	ck_assert_msg(status == 200, "%s: status %ld (%s)", what, status, r.error);
	ck_assert_str_eq(h_response_header(&r, "MS-ASProtocolVersions"), H_ALL_VERSIONS);
	h_response_free(&r);
}

static void expect_untrusted(const char *ca, const char *what)
{
	struct h_response r;

	long status = https_options(ca, &r);
	ck_assert_msg(status == 0 && r.curl_code == CURLE_PEER_FAILED_VERIFICATION,
		      "%s: status %ld, curl %d (%s); want a failed verification", what, status,
		      r.curl_code, r.error);
	h_response_free(&r);
}

START_TEST(test_https_request)
{
	struct h_response r;

	h_make_cert(h_env, "key.pem", "cert.pem", "easd test A");
	h_make_cert(h_env, "other-key.pem", "other.pem", "easd test other");
	const char *ca = keep_cert("ca-a.pem");
	char ca_copy[PATH_MAX];
	snprintf(ca_copy, sizeof(ca_copy), "%s", ca);
	start_tls();
	/* The listening line names the scheme. */
	ck_assert_msg(strncmp(h_easd_base_url(h_env), "https://", 8) == 0, "listening on %s",
		      h_easd_base_url(h_env));
	expect_trusted(ca_copy, "HTTPS with the test certificate");
	/* Authentication works the same over TLS. */
	h_http_set_ca(h_env, ca_copy);
	char *bad = h_basic_auth(LOGIN, "wrong");
	const char *hdrs[] = { bad, NULL };
	ck_assert_int_eq(h_request_url(h_env, https_url(), "OPTIONS", H_EAS_PATH, hdrs, NULL, 0, &r), 401);
	h_response_free(&r);
	free(bad);
	/* It really is that certificate: another one does not verify. */
	expect_untrusted(h_env_path(h_env, "other.pem"), "HTTPS trusting another certificate");
	/* Plain HTTP on the TLS port gets no EAS answer. */
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", h_easd_port(h_env, 0));
	char *auth = h_basic_auth(LOGIN, PASSWORD);
	const char *hdrs2[] = { auth, NULL };
	long status = h_request_url(h_env, url, "OPTIONS", H_EAS_PATH, hdrs2, NULL, 0, &r);
	ck_assert_msg(status != 200, "plain HTTP on the TLS port answered 200");
	h_response_free(&r);
	free(auth);
}
END_TEST

START_TEST(test_sighup_reloads_certificate)
{
	char ca_a[PATH_MAX], ca_b[PATH_MAX];

	h_make_cert(h_env, "key.pem", "cert.pem", "easd test A");
	snprintf(ca_a, sizeof(ca_a), "%s", keep_cert("ca-a.pem"));
	start_tls();
	expect_trusted(ca_a, "certificate A");

	/* Renewal: new key and certificate replace the files, then SIGHUP. */
	h_make_cert(h_env, "key.pem", "cert.pem", "easd test B");
	snprintf(ca_b, sizeof(ca_b), "%s", keep_cert("ca-b.pem"));
	size_t mark = h_easd_log_mark(h_env);
	h_easd_signal(h_env, SIGHUP);
	/* easd logs the subject of the certificate it loaded. */
	ck_assert_msg(h_easd_wait_log(h_env, mark, "easd test B"), "no log line about certificate B");
	expect_trusted(ca_b, "certificate B after SIGHUP");
	expect_untrusted(ca_a, "certificate A after SIGHUP");

	/* A broken renewal keeps the server up with the certificate it has. */
	h_env_write_file(h_env, "cert.pem", "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
	mark = h_easd_log_mark(h_env);
	h_easd_signal(h_env, SIGHUP);
	ck_assert_msg(h_easd_wait_log(h_env, mark, "cert.pem"), "no log line about the failed reload");
	ck_assert(h_easd_running(h_env));
	expect_trusted(ca_b, "certificate B after a broken renewal");
}
END_TEST

static Suite *tls_suite(void)
{
	Suite *s = suite_create("e2e-tls");
	TCase *tc = h_tcase_new("tls");

	tcase_add_test(tc, test_https_request);
	tcase_add_test(tc, test_sighup_reloads_certificate);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(tls_suite());
}
