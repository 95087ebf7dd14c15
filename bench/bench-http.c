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
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/str.h"

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

static char easd_path[PATH_MAX], easctl_path[PATH_MAX];
static char data_root[PATH_MAX], data_dir[PATH_MAX + 8], config_path[PATH_MAX + 16];
static pid_t easd_pid = -1;
static int easd_err = -1;
static int port;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench-http: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (easd_pid > 0)
		kill(easd_pid, SIGKILL);
	exit(1);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Runs easctl --data DIR ARGS with stdin_text; dies unless it succeeds. */
static void easctl(const char *stdin_text, const char *a1, const char *a2, const char *a3,
		   const char *a4)
{
	int in[2];
	pid_t pid;
	int status;

	if (pipe(in) < 0)
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(in[0], 0);
		dup2(devnull, 1);
		close(in[0]);
		close(in[1]);
		execl(easctl_path, easctl_path, "--data", data_dir, a1, a2, a3, a4, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	if (stdin_text != NULL && write(in[1], stdin_text, strlen(stdin_text)) < 0)
		die("write: %s", strerror(errno));
	close(in[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("easctl %s %s %s failed", a1, a2 != NULL ? a2 : "", a3 != NULL ? a3 : "");
}

/* Reads easd's output until the listening line; returns the port. */
static int wait_listening(int fd)
{
	buf out = BUF_INIT;
	char chunk[1024];
	double deadline = now_seconds() + 30;

	for (;;) {
		const char *p = strstr(buf_cstr(&out), "listening on http");
		if (p != NULL) {
			const char *colon = strstr(p, "://");
			colon = colon != NULL ? strchr(colon + 3, ':') : NULL;
			const char *slash = colon != NULL ? strchr(colon, '/') : NULL;
			uint64_t v;
			if (slash != NULL && str_n_to_uint64(colon + 1, (size_t)(slash - colon - 1), 65535, &v) == 0) {
				buf_free(&out);
				return (int)v;
			}
		}
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int left = (int)((deadline - now_seconds()) * 1000);
		if (left <= 0 || poll(&pf, 1, left) <= 0)
			die("easd did not listen within 30 s:\n%s", buf_cstr(&out));
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n <= 0)
			die("easd exited:\n%s", buf_cstr(&out));
		buf_append(&out, chunk, (size_t)n);
	}
}

/* Drains easd's log lines (one per request) so that easd never blocks on a full pipe. */
static void *drain(void *arg)
{
	char chunk[65536];

	(void)arg;
	while (read(easd_err, chunk, sizeof(chunk)) > 0)
		;
	return NULL;
}

static void start_easd(void)
{
	int fds[2];
	pthread_t t;

	if (pipe(fds) < 0)
		die("pipe: %s", strerror(errno));
	easd_pid = fork();
	if (easd_pid < 0)
		die("fork: %s", strerror(errno));
	if (easd_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execl(easd_path, easd_path, "--data", data_dir, "--listen", "127.0.0.1:0", "--config",
		      config_path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	easd_err = fds[0];
	port = wait_listening(easd_err);
	if (pthread_create(&t, NULL, drain, NULL) != 0)
		die("pthread_create");
	pthread_detach(t);
}

static void stop_easd(void)
{
	int status;

	kill(easd_pid, SIGTERM);
	while (waitpid(easd_pid, &status, 0) < 0 && errno == EINTR)
		;
	easd_pid = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("easd did not exit cleanly (wait status %#x)", (unsigned)status);
}

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
	buf up = BUF_INIT, b64 = BUF_INIT;
	CURL *handles[MAX_CLIENTS];
	CURLM *multi = curl_multi_init();
	struct curl_slist *headers = NULL;

	buf_printf(&up, "bench@bench.test:%s", sc->password);
	base64_encode(&b64, up.data, up.len);
	snprintf(auth_header, sizeof(auth_header), "Authorization: Basic %s", buf_cstr(&b64));
	buf_free(&up);
	buf_free(&b64);
	headers = curl_slist_append(headers, auth_header);
	headers = curl_slist_append(headers, "User-Agent: bench-http/1.0");
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
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
		{ "OPTIONS, right password (200)", "bench-pass", 200 },
		{ "OPTIONS, wrong password (401)", "wrong-pass", 401 },
	};
	static const unsigned concurrency[] = { 1, 64 };
	unsigned runs = 5, seconds = 1;
	char self[PATH_MAX];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = parse_count(argv[++i], MAX_RUNS);
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = parse_count(argv[++i], 60);
		else
			parse_count(NULL, 0);
	}
	if (realpath(argv[0], self) == NULL)
		die("cannot resolve %s", argv[0]);
	char *dir = dirname(self);
	snprintf(easd_path, sizeof(easd_path), "%s/../easd", dir);
	snprintf(easctl_path, sizeof(easctl_path), "%s/../easctl", dir);
	if (access(easd_path, X_OK) != 0 || access(easctl_path, X_OK) != 0)
		die("%s or %s is missing (make bench builds them)", easd_path, easctl_path);

	signal(SIGPIPE, SIG_IGN);
	const char *tmp = getenv("TMPDIR");
	snprintf(data_root, sizeof(data_root), "%s/easd-bench-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	if (mkdtemp(data_root) == NULL)
		die("mkdtemp: %s", strerror(errno));
	snprintf(data_dir, sizeof(data_dir), "%s/data", data_root);
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
	easctl("bench-pass\n", "user", "add", "bench@bench.test", "--password-stdin");

	if (curl_global_init(CURL_GLOBAL_ALL) != 0)
		die("curl_global_init");
	start_easd();
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
			qsort(rates, runs, sizeof(rates[0]), cmp_double);
			double median = runs % 2 == 1 ? rates[runs / 2] :
				(rates[runs / 2 - 1] + rates[runs / 2]) / 2;
			if (c == 0)
				base = median;
			char range[32], extra[128] = "-";
			snprintf(range, sizeof(range), "%.0f..%.0f", rates[0], rates[runs - 1]);
			if (other > 0 || failed > 0)
				snprintf(extra, sizeof(extra), "%llu x status %ld (%.0f/s), %llu transport errors",
					 (unsigned long long)other, other_status, (double)other / elapsed,
					 (unsigned long long)failed);
			printf("%-32s %7u %12.0f %21s %8.2fx  %s\n", scenarios[s].name, concurrency[c],
			       median, range, base > 0 ? median / base : 0.0, extra);
			fflush(stdout);
		}
	}
	stop_easd();
	curl_global_cleanup();
	nftw(data_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
