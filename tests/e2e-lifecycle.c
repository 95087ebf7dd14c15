/* End-to-end tests of easd's life (issue 3, point 3): SIGTERM under load leaves a consistent
 * database and exit status 0, SIGTERM with idle or half-sent connections still ends the
 * daemon, a bad configuration stops it at start with a clear message, SIGHUP reloads the
 * configuration. */
#include "harness.h"
#include "db.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/buf.h"

#define NO_THROTTLE "[auth]\nmax_failures_per_user = 100000\nmax_failures_per_address = 100000\n"
#define LOAD_THREADS 4
/* SIGTERM goes out once this many requests have completed, while the clients keep going. */
#define LOAD_BEFORE_TERM 40

struct load {
	const char *base_url;
	const char *cmd;
	char *auth;
	atomic_int done;          /* completed requests, all threads */
	atomic_bool stop;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	/* first unexpected outcome, reported by the main thread */
	char problem[256];
};

struct load_client {
	struct load *load;
	int index;
};

static size_t discard(char *p, size_t s, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return s * n;
}

static void load_problem(struct load *load, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void load_problem(struct load *load, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pthread_mutex_lock(&load->mu);
	if (load->problem[0] == '\0')
		vsnprintf(load->problem, sizeof(load->problem), fmt, ap);
	pthread_mutex_unlock(&load->mu);
	va_end(ap);
}

/* One phone in a loop: a POST that records a new device (a store write), then an OPTIONS.
 * Runs until the main thread says stop or the server is gone. */
static void *load_client_run(void *arg)
{
	struct load_client *lc = arg;
	struct load *load = lc->load;
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = NULL;

	hdrs = curl_slist_append(hdrs, load->auth);
	hdrs = curl_slist_append(hdrs, "MS-ASProtocolVersion: 14.1");
	hdrs = curl_slist_append(hdrs, "Content-Type:");
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (int i = 0; !atomic_load(&load->stop); i++) {
		char url[256];
		bool post = i % 2 == 0;
		if (post)
			snprintf(url, sizeof(url), "%s%s?Cmd=%s&User=mike&DeviceId=LOAD%dX%d&DeviceType=Load",
				 load->base_url, H_EAS_PATH, load->cmd, lc->index, i);
		else
			snprintf(url, sizeof(url), "%s%s", load->base_url, H_EAS_PATH);
		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		if (post) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		} else {
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "OPTIONS");
		}
		CURLcode rc = curl_easy_perform(c);
		long status = 0;
		if (rc != CURLE_OK) {
			/* Refused or cut connections are how a stopping server says no. */
			if (rc != CURLE_COULDNT_CONNECT && rc != CURLE_GOT_NOTHING &&
			    rc != CURLE_RECV_ERROR && rc != CURLE_SEND_ERROR && rc != CURLE_PARTIAL_FILE)
				load_problem(load, "curl error %d: %s", (int)rc, curl_easy_strerror(rc));
			if (rc == CURLE_COULDNT_CONNECT)
				break;
			continue;
		}
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		/* In flight at SIGTERM: answered normally, or refused with 503. */
		if (status != (post ? 501 : 200) && status != 503)
			load_problem(load, "unexpected status %ld for %s", status, post ? "POST" : "OPTIONS");
		atomic_fetch_add(&load->done, 1);
		pthread_mutex_lock(&load->mu);
		pthread_cond_broadcast(&load->cond);
		pthread_mutex_unlock(&load->mu);
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return NULL;
}

START_TEST(test_sigterm_under_load)
{
	const char *data = h_env_data_dir(h_env);
	struct load load = { .problem = "" };
	struct load_client clients[LOAD_THREADS];
	pthread_t threads[LOAD_THREADS];

	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, "mike@ox.io", "pw-mike");
	h_add_user(h_env, "john@ox.io", "pw-john");
	h_easd_start(h_env, &(struct h_opts){ .config = NO_THROTTLE });
	struct h_device dev;
	h_device_init(&dev, "mike@ox.io", "pw-mike");
	load.cmd = h_unimplemented_command(h_env, &dev);
	ck_assert_ptr_nonnull(load.cmd);
	load.base_url = h_easd_base_url(h_env);
	load.auth = h_basic_auth("mike@ox.io", "pw-mike");
	pthread_mutex_init(&load.mu, NULL);
	pthread_cond_init(&load.cond, NULL);
	for (int i = 0; i < LOAD_THREADS; i++) {
		clients[i] = (struct load_client){ &load, i };
		ck_assert(pthread_create(&threads[i], NULL, load_client_run, &clients[i]) == 0);
	}
	/* Wait for real load (by count, not by time), then stop easd under it. */
	pthread_mutex_lock(&load.mu);
	while (atomic_load(&load.done) < LOAD_BEFORE_TERM && load.problem[0] == '\0')
		pthread_cond_wait(&load.cond, &load.mu);
	pthread_mutex_unlock(&load.mu);
	int done_at_term = atomic_load(&load.done);
	h_easd_stop(h_env);  /* SIGTERM; asserts exit 0 and no sanitizer report */
	atomic_store(&load.stop, true);
	for (int i = 0; i < LOAD_THREADS; i++)
		pthread_join(threads[i], NULL);
	ck_assert_msg(load.problem[0] == '\0', "during the load: %s", load.problem);
	ck_assert_int_ge(done_at_term, LOAD_BEFORE_TERM);

	/* The database is consistent and complete. */
	char *check = h_db_check(data);
	ck_assert_str_eq(check, "ok");
	free(check);
	ck_assert_int_ge(h_db_int(data, "SELECT count(*) FROM devices WHERE device_id LIKE 'LOAD%'"), 1);
	struct h_result r;
	ck_assert_int_eq(h_easctl(h_env, NULL, &r, "user", "list", NULL), 0);
	ck_assert_msg(strstr(r.out, "mike@ox.io") != NULL && strstr(r.out, "john@ox.io") != NULL,
		      "user list after SIGTERM: %s", r.out);
	h_result_free(&r);
	/* And easd starts again on it. */
	h_easd_start(h_env, &(struct h_opts){ .config = NO_THROTTLE });
	ck_assert_int_eq(h_options_status(h_env, "john@ox.io", "pw-john"), 200);
	h_easd_stop(h_env);

	free(load.auth);
	pthread_mutex_destroy(&load.mu);
	pthread_cond_destroy(&load.cond);
}
END_TEST

START_TEST(test_sigterm_with_idle_connections)
{
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, "mike@ox.io", "pw-mike");
	h_easd_start(h_env, &(struct h_opts){ .config = NO_THROTTLE });
	/* A keep-alive connection after a complete request, an idle one that never sent a byte,
	 * and one that stopped in the middle of its headers: none may hold up the shutdown. */
	int kept = h_raw_connect(h_env);
	char *auth = h_basic_auth("mike@ox.io", "pw-mike");
	buf req = BUF_INIT;
	buf_printf(&req, "OPTIONS %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n\r\n", H_EAS_PATH, auth);
	h_raw_send(kept, req.data, req.len);
	struct h_response r;
	ck_assert_int_eq(h_raw_read_response(kept, &r), 200);
	h_response_free(&r);
	int idle = h_raw_connect(h_env);
	int half = h_raw_connect(h_env);
	h_raw_send(half, "POST /Microsoft-Server-ActiveSync?Cmd=Sync HTTP/1.1\r\nHost: 127", 62);
	/* h_easd_stop gives easd the harness's safety timeout, then fails the test. */
	h_easd_stop(h_env);
	close(kept);
	close(idle);
	close(half);
	buf_free(&req);
	free(auth);
}
END_TEST

START_TEST(test_bad_configuration)
{
	static const struct {
		const char *config;
		const char *needle;  /* the log names what is wrong */
	} bad[] = {
		{ "[server]\nbogus_key = 1\n", "bogus_key" },
		{ "[nonsense]\nx = 1\n", "nonsense" },
		{ "[auth]\nmax_failures_per_user = many\n", "max_failures_per_user" },
		{ "[server]\ntls_cert = /nonexistent/cert.pem\ntls_key = /nonexistent/key.pem\n", "cert" },
		{ "[server]\nmax_request_size = 10\n", "max_request_size" },
		{ "not an ini file\n", "" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool started = h_easd_start(h_env, &(struct h_opts){ .config = bad[i].config,
								       .expect_failure = true });
		if (started)
			h_easd_stop(h_env);
		ck_assert_msg(!started, "easd started with: %s", bad[i].config);
		int status = h_easd_last_status(h_env);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 0,
			      "easd with a bad config: wait status %#x", (unsigned)status);
		char *log = h_easd_log(h_env);
		ck_assert_msg(strstr(log, bad[i].needle) != NULL && strlen(log) > 0,
			      "the error does not name '%s': %s", bad[i].needle, log);
		ck_assert_msg(strstr(log, "AddressSanitizer") == NULL && strstr(log, "runtime error") == NULL,
			      "sanitizer report: %s", log);
		free(log);
	}
	/* A missing config file is an error too, not silently the defaults; so are unknown
	 * options and a listen address that is not one. */
	static const char *const args[][3] = {
		{ "--config", "/nonexistent/easd.conf", NULL },
		{ "--bogus-option", NULL, NULL },
		{ "--listen", "999.1.2.3:80", NULL },
		{ "--listen", "127.0.0.1:99999", NULL },
	};
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		bool started = h_easd_start(h_env, &(struct h_opts){ .args = args[i], .expect_failure = true });
		if (started)
			h_easd_stop(h_env);
		ck_assert_msg(!started, "easd started with %s %s", args[i][0], args[i][1] ? args[i][1] : "");
		int status = h_easd_last_status(h_env);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 0,
			      "easd %s: wait status %#x", args[i][0], (unsigned)status);
	}
}
END_TEST

START_TEST(test_sighup_reloads_configuration)
{
	struct h_response r;

	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, "mike@ox.io", "pw-mike");
	h_easd_start(h_env, &(struct h_opts){ .config = "[server]\nrealm = First Realm\n" NO_THROTTLE });
	ck_assert_int_eq(h_request(h_env, "OPTIONS", H_EAS_PATH, NULL, NULL, 0, &r), 401);
	ck_assert_msg(strstr(h_response_header(&r, "WWW-Authenticate"), "First Realm") != NULL,
		      "realm: %s", h_response_header(&r, "WWW-Authenticate"));
	h_response_free(&r);

	h_env_write_file(h_env, "easd.conf", "[server]\nrealm = Second Realm\n" NO_THROTTLE);
	size_t mark = h_easd_log_mark(h_env);
	h_easd_signal(h_env, SIGHUP);
	ck_assert_msg(h_easd_wait_log(h_env, mark, "reloaded"), "no log line about the reload");
	ck_assert_int_eq(h_request(h_env, "OPTIONS", H_EAS_PATH, NULL, NULL, 0, &r), 401);
	ck_assert_msg(strstr(h_response_header(&r, "WWW-Authenticate"), "Second Realm") != NULL,
		      "realm after SIGHUP: %s", h_response_header(&r, "WWW-Authenticate"));
	h_response_free(&r);

	/* A broken file on SIGHUP keeps the running configuration. */
	h_env_write_file(h_env, "easd.conf", "[server]\nbogus_key = 1\n");
	mark = h_easd_log_mark(h_env);
	h_easd_signal(h_env, SIGHUP);
	ck_assert_msg(h_easd_wait_log(h_env, mark, "bogus_key"), "the failed reload is not logged");
	ck_assert(h_easd_running(h_env));
	ck_assert_int_eq(h_request(h_env, "OPTIONS", H_EAS_PATH, NULL, NULL, 0, &r), 401);
	ck_assert_msg(strstr(h_response_header(&r, "WWW-Authenticate"), "Second Realm") != NULL,
		      "realm after a broken reload: %s", h_response_header(&r, "WWW-Authenticate"));
	h_response_free(&r);
	ck_assert_int_eq(h_options_status(h_env, "mike@ox.io", "pw-mike"), 200);
}
END_TEST

static Suite *lifecycle_suite(void)
{
	Suite *s = suite_create("e2e-lifecycle");
	TCase *tc = h_tcase_new("lifecycle");

	tcase_add_test(tc, test_sigterm_under_load);
	tcase_add_test(tc, test_sigterm_with_idle_connections);
	tcase_add_test(tc, test_bad_configuration);
	tcase_add_test(tc, test_sighup_reloads_configuration);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(lifecycle_suite());
}
