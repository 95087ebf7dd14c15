/* bench-http: requests per second of easd's HTTP front over loopback with keep-alive clients:
 * authenticated OPTIONS (200, the credential cache path) and a wrong password (401, one
 * argon2id verification per request), each with 1 and 64 concurrent clients, as the median of
 * several runs bounded in time and count.
 *
 * It starts its own easd (found next to itself: dirname(argv[0])/../easd, as `make bench`
 * builds it) on 127.0.0.1:0 with a fresh data directory, creates the user with easctl, and
 * stops easd and removes the directory at the end.
 *
 * Usage: bench-http [--runs N] [--seconds S]   (defaults: 5 runs of at most 1 s each) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_NAME "bench-http"
/* easctl's complaints stay visible (the other benches drop them). */
#define BENCH_EASCTL_STDERR
#include "bench-common.h"

#define MAX_CLIENTS 64
#define MAX_RUNS 50
/* A run stops after this many requests even if its time is not up. */
#define RUN_MAX_REQUESTS 200000

struct scenario {
	const char *name;
	const char *password;  /* sent with the request */
	long want;             /* the expected status */
};

struct run_result {
	double per_second;     /* expected answers per second */
	uint64_t expected;
	uint64_t other;        /* other statuses (e.g. 503 when every hasher is busy) */
	uint64_t failed;       /* transport errors */
	long other_status;     /* one example */
	double elapsed;        /* seconds */
};

static char config_path[PATH_MAX + 16];

static size_t discard(char *p, size_t s, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return s * n;
}

static CURL *new_handle(const char *url, struct curl_slist *headers)
{
	CURL *c = curl_easy_init();

	if (c == NULL)
		die("curl_easy_init");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "OPTIONS");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	return c;
}

/* One run: `clients` keep-alive connections, each sending its next request as soon as the
 * last one is answered, until `seconds` pass or RUN_MAX_REQUESTS are answered. */
static struct run_result run_once(const struct scenario *sc, unsigned clients, double seconds)
{
	struct run_result res = { 0 };
	char url[128], auth_header[512];
	CURL *handles[MAX_CLIENTS];
	CURLM *multi = curl_multi_init();
	struct curl_slist *headers = NULL;

	basic_auth(auth_header, sizeof(auth_header), "bench@bench.test", sc->password);
	headers = curl_slist_append(headers, auth_header);
	headers = curl_slist_append(headers, "User-Agent: " BENCH_NAME "/1.0");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/Microsoft-Server-ActiveSync", port);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)clients * 2);
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)clients);

	for (unsigned i = 0; i < clients; i++) {
		handles[i] = new_handle(url, headers);
		curl_multi_add_handle(multi, handles[i]);
	}
	double start = now_seconds(), end = start + seconds;
	uint64_t answered = 0;
	unsigned active = clients;
	bool stopping = false;
	while (active > 0) {
		int running;
		curl_multi_perform(multi, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			CURL *c = msg->easy_handle;
			if (msg->data.result != CURLE_OK) {
				res.failed++;
			} else {
				long status = 0;
				curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
				if (status == sc->want) {
					res.expected++;
				} else {
					res.other++;
					res.other_status = status;
				}
				answered++;
			}
			curl_multi_remove_handle(multi, c);
			if (!stopping && (now_seconds() >= end || answered >= RUN_MAX_REQUESTS))
				stopping = true;
			if (stopping)
				active--;
			else
				curl_multi_add_handle(multi, c);  /* same handle: its connection is reused */
		}
		if (active > 0)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	double elapsed = now_seconds() - start;
	res.elapsed = elapsed;
	res.per_second = (double)res.expected / elapsed;
	for (unsigned i = 0; i < clients; i++)
		curl_easy_cleanup(handles[i]);
	curl_multi_cleanup(multi);
	curl_slist_free_all(headers);
	return res;
}
static unsigned parse_count(const char *s, unsigned max)
{
	uint64_t v;

	if (s == NULL || str_to_uint64(s, max, &v) < 0 || v == 0) {
		fprintf(stderr, "usage: bench-http [--runs N] [--seconds S]\n");
		exit(2);
	}
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	static const struct scenario scenarios[] = {
		{ "OPTIONS, right password (200)", PASSWORD, 200 },
		{ "OPTIONS, wrong password (401)", "wrong-pass", 401 },
	};
	static const unsigned concurrency[] = { 1, 64 };
	unsigned runs = 5, seconds = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = parse_count(argv[++i], MAX_RUNS);
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = parse_count(argv[++i], 60);
		else
			parse_count(NULL, 0);
	}
	find_binaries(argv[0]);

	signal(SIGPIPE, SIG_IGN);
	make_data_root("easd-bench");
	snprintf(config_path, sizeof(config_path), "%s/easd.conf", data_root);
	FILE *f = fopen(config_path, "w");
	if (f == NULL)
		die("cannot write %s", config_path);
	/* The 401 path is throttled by design after a few failures: raise the limits so that the
	 * bench measures the cost of a wrong password instead of the cost of a refusal. */
	fputs("[auth]\nmax_failures_per_user = 1000000\nmax_failures_per_address = 1000000\n", f);
	fclose(f);
	easctl(NULL, "context", "add", "bench.test", NULL);
	easctl(NULL, "context", "default", "bench.test", NULL);
	easctl(PASSWORD "\n", "user", "add", "bench@bench.test", "--password-stdin", NULL);

	if (curl_global_init(CURL_GLOBAL_ALL) != 0)
		die("curl_global_init");
	/* Millions of requests: their log lines are not kept. */
	log_requests = false;
	start_easd(config_path);
	printf("easd HTTP front: requests/s over loopback, keep-alive clients, median of %u runs of "
	       "at most %u s (or %d requests) each\n", runs, seconds, RUN_MAX_REQUESTS);
	printf("configured for the bench: [auth] max_failures_per_user and max_failures_per_address "
	       "= 1000000 (by default the 401 path is throttled after a few failures)\n");
	printf("a 401 costs one argon2id verification; 503 = refused at once because every "
	       "password hashing place was taken\n\n");
	printf("%-32s %7s %12s %21s %9s  %s\n", "request", "clients", "median req/s",
	       "min..max", "vs 1 cl.", "other answers (all runs)");

	for (size_t s = 0; s < sizeof(scenarios) / sizeof(scenarios[0]); s++) {
		double base = 0;
		/* Warm-up: the credential cache, the connections, the page cache. */
		run_once(&scenarios[s], 1, 0.2);
		for (size_t c = 0; c < sizeof(concurrency) / sizeof(concurrency[0]); c++) {
			double rates[MAX_RUNS];
			uint64_t other = 0, failed = 0;
			long other_status = 0;
			double elapsed = 0;
			for (unsigned r = 0; r < runs; r++) {
				struct run_result res = run_once(&scenarios[s], concurrency[c], seconds);
				rates[r] = res.per_second;
				other += res.other;
				failed += res.failed;
				elapsed += res.elapsed;
				if (res.other > 0)
					other_status = res.other_status;
			}
			double med = median(rates, runs);  /* sorts rates */
			if (c == 0)
				base = med;
			char range[32], extra[128] = "-";
			snprintf(range, sizeof(range), "%.0f..%.0f", rates[0], rates[runs - 1]);
			if (other > 0 || failed > 0)
				snprintf(extra, sizeof(extra), "%llu x status %ld (%.0f/s), %llu transport errors",
					 (unsigned long long)other, other_status, (double)other / elapsed,
					 (unsigned long long)failed);
			printf("%-32s %7u %12.0f %21s %8.2fx  %s\n", scenarios[s].name, concurrency[c],
			       med, range, base > 0 ? med / base : 0.0, extra);
			fflush(stdout);
		}
	}
	stop_easd();
	curl_global_cleanup();
	remove_data_root();
	return 0;
}
