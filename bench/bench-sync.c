/* bench-sync: the cost of Sync in easd (issue 5, "Performance"), over loopback:
 *
 * (a) the initial Sync of a phone (14.1) with WindowSize 100 over 1,000 and 10,000 contacts:
 *     the server time of the whole walk (the sum of per-request times seen by the client,
 *     and the sum of easd's own ms= from its request log), the number of requests, and
 *     easd's peak RSS (VmHWM of /proc/PID/status) after the login (argon2id's 64 MiB are in
 *     it) and during the walk alone (VmHWM reset by /proc/PID/clear_refs before it); each run
 *     on a freshly started easd;
 * (b) no-change Sync and no-change FolderSync: requests per second with 1 and 32 concurrent
 *     phones (keep-alive connections, each phone sending its next request when answered)
 *     and the median latency seen by the client; no-change Sync also on the 10,000-contact
 *     book, to show that its cost does not grow with the book.
 * Every figure is the median of several runs (default 5), each bounded in time and count.
 *
 * It starts its own easd (found next to itself: dirname(argv[0])/../easd, as `make bench`
 * builds it) on 127.0.0.1:0 with a fresh data directory, creates the users and their
 * contacts with easctl (one `easctl contacts import` of a generated vCard file per user),
 * provisions each phone (MS-ASPROV handshake), and removes everything at the end.
 *
 * Usage: bench-sync [--runs N] [--seconds S] [--large N]
 *   (defaults: 5 runs, runs of (b) of at most 1 s, a large book of 10000 contacts) */
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
#include "lib/mem.h"
#include "lib/pool.h"
#include "lib/str.h"
#include "wbxml/wbxml.h"

#define PASSWORD "bench-pass"
#define SMALL_USER "small@bench.test"
#define LARGE_USER "large@bench.test"
#define SMALL_BOOK 1000
#define VERSION "14.1"
#define MAX_CLIENTS 32
#define MAX_RUNS 50
/* A run of (b) stops after this many answers even if its time is not up. */
#define RUN_MAX_REQUESTS 100000
/* A walk of (a) that takes more requests than this is a failure (a server that pages
 * forever). */
#define WALK_MAX_REQUESTS 100000
/* Safety net for one whole walk of (a), seconds. */
#define WALK_MAX_SECONDS 600

static char easd_path[PATH_MAX], easctl_path[PATH_MAX];
static char data_root[PATH_MAX], data_dir[PATH_MAX + 8];
static pid_t easd_pid = -1;
static int easd_err = -1;
static int port;
static pthread_t drain_thread;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench-sync: ", stderr);
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- easctl and easd ---- */

/* Runs easctl --data DIR ARGS (NULL-terminated) with stdin_text; dies unless it succeeds. */
static void easctl(const char *stdin_text, ...)
{
	const char *argv[16] = { easctl_path, "--data", data_dir };
	size_t n = 3;
	va_list ap;
	int in[2], status;

	va_start(ap, stdin_text);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL && n < 15;)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	if (pipe(in) < 0)
		die("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(in[0], 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		close(in[0]);
		close(in[1]);
		execv(easctl_path, (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	if (stdin_text != NULL && write(in[1], stdin_text, strlen(stdin_text)) < 0)
		die("write: %s", strerror(errno));
	close(in[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("easctl %s %s failed", argv[3], argv[4] != NULL ? argv[4] : "");
}

/* One request line of easd's log: the device, the command and easd's own ms. */
struct log_rec {
	char device[32];
	char cmd[16];
	unsigned ms;
};

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static struct log_rec *log_recs;
static size_t log_count, log_cap;

/* Copies the value of " name=" in line into out (at most size-1 bytes); false if absent. */
static bool log_field(const char *line, const char *name, char *out, size_t size)
{
	char key[24];

	snprintf(key, sizeof(key), " %s=", name);
	const char *p = strstr(line, key);
	if (p == NULL)
		return false;
	p += strlen(key);
	size_t n = strcspn(p, " \n");
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

static void log_line(const char *line)
{
	struct log_rec r;
	char ms[16];
	uint64_t v;

	if (strstr(line, "request client=") == NULL || !log_field(line, "device", r.device, sizeof(r.device)) ||
	    !log_field(line, "cmd", r.cmd, sizeof(r.cmd)) || !log_field(line, "ms", ms, sizeof(ms)) ||
	    str_to_uint64(ms, UINT32_MAX, &v) < 0)
		return;
	r.ms = (unsigned)v;
	pthread_mutex_lock(&log_mu);
	if (log_count == log_cap) {
		log_cap = log_cap == 0 ? 4096 : log_cap * 2;
		log_recs = xrealloc(log_recs, log_cap * sizeof(*log_recs));
	}
	log_recs[log_count++] = r;
	pthread_mutex_unlock(&log_mu);
}

/* Reads easd's output: the request lines are kept, the rest dropped; easd never blocks on
 * a full pipe. */
static void *drain(void *arg)
{
	char chunk[65536];
	buf pending = BUF_INIT;

	(void)arg;
	for (;;) {
		ssize_t n = read(easd_err, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		buf_append(&pending, chunk, (size_t)n);
		char *start = (char *)pending.data, *nl;
		while ((nl = memchr(start, '\n', pending.len - (size_t)(start - (char *)pending.data))) != NULL) {
			*nl = '\0';
			log_line(start);
			start = nl + 1;
		}
		size_t rest = pending.len - (size_t)(start - (char *)pending.data);
		memmove(pending.data, start, rest);
		buf_truncate(&pending, rest);
	}
	buf_free(&pending);
	return NULL;
}

static size_t log_mark(void)
{
	pthread_mutex_lock(&log_mu);
	size_t n = log_count;
	pthread_mutex_unlock(&log_mu);
	return n;
}

/* Request lines after mark of device's cmd (all devices when device is NULL), and the sum of
 * their ms= into *ms_r (may be NULL). */
static size_t log_count_of(size_t mark, const char *device, const char *cmd, unsigned *ms_r)
{
	size_t n = 0;
	unsigned ms = 0;

	pthread_mutex_lock(&log_mu);
	for (size_t i = mark; i < log_count; i++) {
		if ((device == NULL || strcmp(log_recs[i].device, device) == 0) &&
		    strcmp(log_recs[i].cmd, cmd) == 0) {
			n++;
			ms += log_recs[i].ms;
		}
	}
	pthread_mutex_unlock(&log_mu);
	if (ms_r != NULL)
		*ms_r = ms;
	return n;
}

/* Waits (at most 5 s) until `want` request lines arrived after mark. */
static void log_wait(size_t mark, size_t want)
{
	double deadline = now_seconds() + 5;

	while (log_mark() < mark + want && now_seconds() < deadline) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* Reads easd's output until the listening line; returns the port. */
static int wait_listening(int fd)
{
	buf out = BUF_INIT;
	char chunk[1024];
	double deadline = now_seconds() + 30;

	for (;;) {
		const char *p = strstr(buf_cstr(&out), "listening on http://");
		if (p != NULL) {
			const char *colon = strchr(p + strlen("listening on http://"), ':');
			const char *slash = colon != NULL ? strchr(colon, '/') : NULL;
			uint64_t v;
			if (slash != NULL &&
			    str_n_to_uint64(colon + 1, (size_t)(slash - colon - 1), 65535, &v) == 0) {
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

static void start_easd(void)
{
	int fds[2];

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
		execl(easd_path, easd_path, "--data", data_dir, "--listen", "127.0.0.1:0", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	easd_err = fds[0];
	port = wait_listening(easd_err);
	if (pthread_create(&drain_thread, NULL, drain, NULL) != 0)
		die("pthread_create");
}

static void stop_easd(void)
{
	int status;

	kill(easd_pid, SIGTERM);
	while (waitpid(easd_pid, &status, 0) < 0 && errno == EINTR)
		;
	easd_pid = -1;
	pthread_join(drain_thread, NULL);
	close(easd_err);
	easd_err = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("easd did not exit cleanly (wait status %#x)", (unsigned)status);
}

/* A "VmHWM:" / "VmRSS:" value of easd in KiB. */
static long easd_status_kib(const char *field)
{
	char path[64], line[256];
	long kib = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)easd_pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, strlen(field)) == 0) {
			uint64_t v;
			char *p = line + strlen(field);
			while (*p == ' ' || *p == '\t')
				p++;
			size_t n = strspn(p, "0123456789");
			if (str_n_to_uint64(p, n, INT32_MAX, &v) == 0)
				kib = (long)v;
		}
	}
	fclose(f);
	return kib;
}

/* Resets easd's VmHWM to its current RSS (Linux 4.0+: clear_refs 5), so that the peak of
 * what follows is measured apart from argon2id's 64 MiB of the login. False if refused. */
static bool easd_reset_hwm(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)easd_pid);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return false;
	bool ok = fputs("5", f) >= 0;
	return fclose(f) == 0 && ok;
}

/* ---- a phone ---- */

struct phone {
	const char *login;
	char device[32];
	uint32_t policy_key;
	char *url;                  /* for its commands: "...?Cmd=%s..." built per command */
	char auth[256];
	CURL *curl;
	buf resp;
	pool *pool;
	char contacts[32];          /* the Contacts folder's ServerId */
	char folder_key[32];
	char sync_key[64];
	buf sync_body;              /* the no-change requests */
	buf folder_body;
	struct curl_slist *headers; /* of the prepared requests */
};

static size_t collect(char *p, size_t s, size_t n, void *ud)
{
	buf_append(ud, p, s * n);
	return s * n;
}

static struct curl_slist *phone_headers(const struct phone *ph)
{
	struct curl_slist *h = NULL;
	char key[48];

	h = curl_slist_append(h, ph->auth);
	h = curl_slist_append(h, "MS-ASProtocolVersion: " VERSION);
	h = curl_slist_append(h, "Content-Type: application/vnd.ms-sync.wbxml");
	h = curl_slist_append(h, "User-Agent: bench-sync/1.0");
	h = curl_slist_append(h, "Expect:");
	if (ph->policy_key != 0) {
		snprintf(key, sizeof(key), "X-MS-PolicyKey: %u", (unsigned)ph->policy_key);
		h = curl_slist_append(h, key);
	}
	return h;
}

static void phone_url(const struct phone *ph, const char *cmd, char *out, size_t size)
{
	snprintf(out, size, "http://127.0.0.1:%d/Microsoft-Server-ActiveSync?Cmd=%s&User=%s"
		 "&DeviceId=%s&DeviceType=BenchPhone", port, cmd, ph->login, ph->device);
}

/* Sets up handle c to POST body as ph's command into out. */
static void phone_prepare(struct phone *ph, CURL *c, const char *cmd, const buf *body,
			  struct curl_slist *headers, buf *out)
{
	char url[256];

	phone_url(ph, cmd, url, sizeof(url));
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data != NULL ? (const char *)body->data : "");
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
}

/* POSTs one command; decodes the answer into *root_r (NULL when empty). Returns the HTTP
 * status; *seconds_r gets the time the client saw. */
static long phone_post(struct phone *ph, const char *cmd, const buf *body,
		       struct wbxml_node **root_r, double *seconds_r)
{
	struct curl_slist *h = phone_headers(ph);
	long status = 0;
	curl_off_t us = 0;
	const char *error;

	buf_truncate(&ph->resp, 0);
	phone_prepare(ph, ph->curl, cmd, body, h, &ph->resp);
	CURLcode rc = curl_easy_perform(ph->curl);
	curl_slist_free_all(h);
	if (rc != CURLE_OK)
		die("%s of %s: %s", cmd, ph->device, curl_easy_strerror(rc));
	curl_easy_getinfo(ph->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(ph->curl, CURLINFO_TOTAL_TIME_T, &us);
	if (seconds_r != NULL)
		*seconds_r = (double)us / 1e6;
	*root_r = NULL;
	if (ph->resp.len > 0 && wbxml_decode(ph->pool, ph->resp.data, ph->resp.len, NULL, root_r,
					     &error) < 0)
		die("%s of %s: the answer does not decode: %s", cmd, ph->device, error);
	return status;
}

static void phone_init(struct phone *ph, const char *login, const char *device)
{
	buf up = BUF_INIT, b64 = BUF_INIT;

	memset(ph, 0, sizeof(*ph));
	ph->login = login;
	snprintf(ph->device, sizeof(ph->device), "%s", device);
	buf_printf(&up, "%s:%s", login, PASSWORD);
	base64_encode(&b64, up.data, up.len);
	snprintf(ph->auth, sizeof(ph->auth), "Authorization: Basic %s", buf_cstr(&b64));
	buf_free(&up);
	buf_free(&b64);
	ph->curl = curl_easy_init();
	if (ph->curl == NULL)
		die("curl_easy_init");
	ph->pool = pool_new(1 << 16);
}

static void phone_free(struct phone *ph)
{
	curl_easy_cleanup(ph->curl);
	buf_free(&ph->resp);
	buf_free(&ph->sync_body);
	buf_free(&ph->folder_body);
	curl_slist_free_all(ph->headers);
	pool_free(&ph->pool);
}

static void finish(struct wbxml_writer *w)
{
	const char *error;

	if (wbxml_writer_finish(w, &error) < 0)
		die("writer: %s", error);
}

static int status_of(const struct wbxml_node *node)
{
	uint64_t v;
	const char *error;

	if (node == NULL)
		return -1;
	wbxml_foreach_child(node, c) {
		const char *name = wbxml_tag_name(c->tag);
		if (name != NULL && strcmp(name, "Status") == 0)
			return wbxml_node_uint(c, 1000, &v, &error) == 0 ? (int)v : -1;
	}
	return -1;
}

/* The Provision handshake (MS-EAS-Provisioning-WBXML): the phone holds the final key. */
static void phone_provision(struct phone *ph)
{
	struct wbxml_writer w;
	struct wbxml_node *root;
	buf body = BUF_INIT;
	char key[16];

	for (int phase = 1; phase <= 2; phase++) {
		buf_truncate(&body, 0);
		wbxml_writer_init(&w, &body, 141);
		wbxml_start(&w, WBXML_Provision_Provision);
		wbxml_start(&w, WBXML_Provision_Policies);
		wbxml_start(&w, WBXML_Provision_Policy);
		wbxml_elem_str(&w, WBXML_Provision_PolicyType, "MS-EAS-Provisioning-WBXML");
		if (phase == 2) {
			snprintf(key, sizeof(key), "%u", (unsigned)ph->policy_key);
			wbxml_elem_str(&w, WBXML_Provision_PolicyKey, key);
			wbxml_elem_uint(&w, WBXML_Provision_Status, 1);
		}
		wbxml_end(&w);
		wbxml_end(&w);
		wbxml_end(&w);
		finish(&w);
		long http = phone_post(ph, "Provision", &body, &root, NULL);
		struct wbxml_node *pol = root != NULL ? wbxml_child(root, WBXML_Provision_Policies) : NULL;
		pol = pol != NULL ? wbxml_child(pol, WBXML_Provision_Policy) : NULL;
		const char *k = pol != NULL ? wbxml_child_str(pol, WBXML_Provision_PolicyKey) : NULL;
		uint64_t v;
		if (http != 200 || status_of(root) != 1 || k == NULL ||
		    str_to_uint64(k, UINT32_MAX, &v) < 0)
			die("Provision phase %d of %s: HTTP %ld", phase, ph->device, http);
		ph->policy_key = (uint32_t)v;
	}
	buf_free(&body);
}

static void write_folder_sync(buf *out, const char *key)
{
	struct wbxml_writer w;

	buf_truncate(out, 0);
	wbxml_writer_init(&w, out, 141);
	wbxml_start(&w, WBXML_FolderHierarchy_FolderSync);
	wbxml_elem_str(&w, WBXML_FolderHierarchy_SyncKey, key);
	wbxml_end(&w);
	finish(&w);
}

/* FolderSync from 0: the phone's hierarchy key and its Contacts folder. */
static void phone_folder_sync(struct phone *ph)
{
	struct wbxml_node *root;

	write_folder_sync(&ph->folder_body, "0");
	long http = phone_post(ph, "FolderSync", &ph->folder_body, &root, NULL);
	const char *key = root != NULL ? wbxml_child_str(root, WBXML_FolderHierarchy_SyncKey) : NULL;
	if (http != 200 || status_of(root) != 1 || key == NULL)
		die("FolderSync of %s: HTTP %ld", ph->device, http);
	snprintf(ph->folder_key, sizeof(ph->folder_key), "%s", key);
	struct wbxml_node *changes = wbxml_child(root, WBXML_FolderHierarchy_Changes);
	ph->contacts[0] = '\0';
	if (changes != NULL) {
		wbxml_foreach_child(changes, c) {
			const char *type = wbxml_child_str(c, WBXML_FolderHierarchy_Type);
			const char *sid = wbxml_child_str(c, WBXML_FolderHierarchy_ServerId);
			if (c->tag == WBXML_FolderHierarchy_Add && type != NULL && sid != NULL &&
			    strcmp(type, "9") == 0)
				snprintf(ph->contacts, sizeof(ph->contacts), "%s", sid);
		}
	}
	if (ph->contacts[0] == '\0')
		die("FolderSync of %s: no Contacts folder", ph->device);
	write_folder_sync(&ph->folder_body, ph->folder_key);
}

static void write_sync(buf *out, const char *key, const char *coll, unsigned window)
{
	struct wbxml_writer w;

	buf_truncate(out, 0);
	wbxml_writer_init(&w, out, 141);
	wbxml_start(&w, WBXML_AirSync_Sync);
	wbxml_start(&w, WBXML_AirSync_Collections);
	wbxml_start(&w, WBXML_AirSync_Collection);
	wbxml_elem_str(&w, WBXML_AirSync_SyncKey, key);
	wbxml_elem_str(&w, WBXML_AirSync_CollectionId, coll);
	if (strcmp(key, "0") != 0)
		wbxml_elem_empty(&w, WBXML_AirSync_GetChanges);
	wbxml_elem_uint(&w, WBXML_AirSync_WindowSize, window);
	wbxml_start(&w, WBXML_AirSync_Options);
	wbxml_start(&w, WBXML_AirSyncBase_BodyPreference);
	wbxml_elem_uint(&w, WBXML_AirSyncBase_Type, 1);
	wbxml_elem_uint(&w, WBXML_AirSyncBase_TruncationSize, 32768);
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	finish(&w);
}

struct walk {
	unsigned requests;
	unsigned adds;
	double client_seconds;      /* sum of the per-request times seen by the client */
};

/* One Sync of the phone's contacts: new key, MoreAvailable, Adds counted. */
static bool phone_sync_once(struct phone *ph, unsigned window, struct walk *walk)
{
	struct wbxml_node *root;
	double secs;
	buf body = BUF_INIT;

	write_sync(&body, ph->sync_key, ph->contacts, window);
	long http = phone_post(ph, "Sync", &body, &root, &secs);
	buf_free(&body);
	walk->requests++;
	walk->client_seconds += secs;
	if (http != 200)
		die("Sync of %s: HTTP %ld", ph->device, http);
	if (root == NULL)
		return false;  /* 12.1+: nothing changed */
	struct wbxml_node *coll = wbxml_child(root, WBXML_AirSync_Collections);
	coll = coll != NULL ? wbxml_child(coll, WBXML_AirSync_Collection) : NULL;
	const char *key = coll != NULL ? wbxml_child_str(coll, WBXML_AirSync_SyncKey) : NULL;
	if (coll == NULL || status_of(coll) != 1 || key == NULL)
		die("Sync of %s: Status %d", ph->device, coll != NULL ? status_of(coll) : status_of(root));
	snprintf(ph->sync_key, sizeof(ph->sync_key), "%s", key);
	struct wbxml_node *commands = wbxml_child(coll, WBXML_AirSync_Commands);
	if (commands != NULL) {
		wbxml_foreach_child(commands, c)
			walk->adds += c->tag == WBXML_AirSync_Add;
	}
	return wbxml_child(coll, WBXML_AirSync_MoreAvailable) != NULL;
}

/* The whole initial Sync: SyncKey 0, then windows until MoreAvailable ends. */
static void phone_walk(struct phone *ph, unsigned window, struct walk *walk)
{
	double deadline = now_seconds() + WALK_MAX_SECONDS;

	memset(walk, 0, sizeof(*walk));
	snprintf(ph->sync_key, sizeof(ph->sync_key), "0");
	phone_sync_once(ph, window, walk);
	while (phone_sync_once(ph, window, walk)) {
		if (walk->requests > WALK_MAX_REQUESTS || now_seconds() > deadline)
			die("the walk of %s did not end (%u requests)", ph->device, walk->requests);
		/* the pool holds the decoded answers: start it again now and then */
		if (walk->requests % 64 == 0) {
			pool_free(&ph->pool);
			ph->pool = pool_new(1 << 16);
		}
	}
}

/* ---- (a) initial sync ---- */

struct initial_result {
	double client_ms, log_ms;
	double requests, adds;
	double hwm_login_kib, hwm_kib, rss_kib;
};

static void initial_sync(const char *login, unsigned book, unsigned runs, struct initial_result *res)
{
	double client[MAX_RUNS], logms[MAX_RUNS], reqs[MAX_RUNS], adds[MAX_RUNS];
	double hwm0[MAX_RUNS], hwm[MAX_RUNS], rss[MAX_RUNS];

	for (unsigned r = 0; r < runs; r++) {
		struct phone ph;
		struct walk walk;
		char device[32];

		start_easd();
		snprintf(device, sizeof(device), "init%ur%u", book, r);
		phone_init(&ph, login, device);
		phone_provision(&ph);
		phone_folder_sync(&ph);
		hwm0[r] = (double)easd_status_kib("VmHWM:");
		if (!easd_reset_hwm())
			die("cannot reset easd's VmHWM (/proc/%d/clear_refs)", (int)easd_pid);
		size_t mark = log_mark();
		phone_walk(&ph, 100, &walk);
		if (walk.adds != book)
			die("%s: %u contacts arrived, %u expected", device, walk.adds, book);
		hwm[r] = (double)easd_status_kib("VmHWM:");
		rss[r] = (double)easd_status_kib("VmRSS:");
		unsigned sum = 0;
		size_t n;
		double deadline = now_seconds() + 5;
		while ((n = log_count_of(mark, device, "Sync", &sum)) < walk.requests &&
		       now_seconds() < deadline) {
			struct timespec ts = { 0, 2 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		if (n != walk.requests)
			die("%s: %zu request lines in easd's log for %u requests", device, n, walk.requests);
		client[r] = walk.client_seconds * 1e3;
		logms[r] = sum;
		reqs[r] = walk.requests;
		adds[r] = walk.adds;
		phone_free(&ph);
		stop_easd();
	}
	res->client_ms = median(client, runs);
	res->log_ms = median(logms, runs);
	res->requests = median(reqs, runs);
	res->adds = median(adds, runs);
	res->hwm_login_kib = median(hwm0, runs);
	res->hwm_kib = median(hwm, runs);
	res->rss_kib = median(rss, runs);
}

/* ---- (b) no-change requests ---- */

enum nochange { NC_SYNC, NC_FOLDER };

struct run_result {
	double per_second;
	double median_us;          /* client-side latency */
	double log_median_ms;      /* easd's ms= */
	double log_zero_share;     /* share of answers with ms=0 (under 1 ms) */
	uint64_t answered, unexpected, failed;
};

static double *latencies;

/* True when the answer is the no-change answer the phone expects. */
static bool nochange_ok(enum nochange kind, long status, const buf *body, const struct phone *ph)
{
	if (status != 200)
		return false;
	if (kind == NC_SYNC)
		return body->len == 0;  /* 14.1: an empty body says that nothing changed */
	/* FolderSync: Status 1, the same key, no Changes element with changes. */
	pool *p = pool_new(1024);
	struct wbxml_node *root;
	const char *error;
	bool ok = wbxml_decode(p, body->data, body->len, NULL, &root, &error) == 0 &&
		  status_of(root) == 1 &&
		  wbxml_child_str(root, WBXML_FolderHierarchy_SyncKey) != NULL &&
		  strcmp(wbxml_child_str(root, WBXML_FolderHierarchy_SyncKey), ph->folder_key) == 0;
	pool_free(&p);
	return ok;
}

/* One run: each phone sends its no-change request again as soon as it is answered, until
 * `seconds` pass or RUN_MAX_REQUESTS are answered. */
static struct run_result nochange_run(struct phone *phones, unsigned clients, enum nochange kind,
				      double seconds)
{
	struct run_result res = { 0 };
	CURLM *multi = curl_multi_init();
	buf bodies[MAX_CLIENTS];
	size_t count = 0;

	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)clients * 2);
	for (unsigned i = 0; i < clients; i++) {
		buf_init(&bodies[i]);
		struct phone *ph = &phones[i];
		phone_prepare(ph, ph->curl, kind == NC_SYNC ? "Sync" : "FolderSync",
			      kind == NC_SYNC ? &ph->sync_body : &ph->folder_body, ph->headers, &bodies[i]);
		curl_easy_setopt(ph->curl, CURLOPT_PRIVATE, (void *)(uintptr_t)i);
		curl_multi_add_handle(multi, ph->curl);
	}
	size_t mark = log_mark();
	double start = now_seconds(), end = start + seconds;
	unsigned active = clients;
	bool stopping = false;
	while (active > 0) {
		int running, left;
		CURLMsg *msg;
		curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			CURL *c = msg->easy_handle;
			void *priv = NULL;
			curl_easy_getinfo(c, CURLINFO_PRIVATE, &priv);
			unsigned i = (unsigned)(uintptr_t)priv;
			if (msg->data.result != CURLE_OK) {
				res.failed++;
			} else {
				long status = 0;
				curl_off_t us = 0;
				curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
				curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &us);
				if (!nochange_ok(kind, status, &bodies[i], &phones[i]))
					res.unexpected++;
				if (count < RUN_MAX_REQUESTS)
					latencies[count++] = (double)us;
				res.answered++;
			}
			buf_truncate(&bodies[i], 0);
			curl_multi_remove_handle(multi, c);
			if (!stopping && (now_seconds() >= end || res.answered >= RUN_MAX_REQUESTS))
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
	res.per_second = (double)(res.answered - res.unexpected) / elapsed;
	res.median_us = median(latencies, count);
	curl_multi_cleanup(multi);
	for (unsigned i = 0; i < clients; i++)
		buf_free(&bodies[i]);

	/* easd's own time of these requests. */
	log_wait(mark, res.answered + res.failed);
	pthread_mutex_lock(&log_mu);
	size_t n = log_count - mark, zero = 0;
	double *ms = xcalloc(n > 0 ? n : 1, sizeof(*ms));
	for (size_t i = 0; i < n; i++) {
		ms[i] = log_recs[mark + i].ms;
		zero += log_recs[mark + i].ms == 0;
	}
	pthread_mutex_unlock(&log_mu);
	res.log_median_ms = median(ms, n);
	res.log_zero_share = n > 0 ? (double)zero / (double)n : 0;
	free(ms);
	return res;
}

/* A phone provisioned, with its hierarchy and its contacts synced to the end (WindowSize
 * 512), and its no-change requests ready. */
static void phone_ready(struct phone *ph, const char *login, const char *device)
{
	struct walk walk;

	phone_init(ph, login, device);
	phone_provision(ph);
	phone_folder_sync(ph);
	phone_walk(ph, 512, &walk);
	/* The last answer's key is pending until the phone shows it: one more Sync confirms it,
	 * after which nothing changes any more. */
	phone_sync_once(ph, 100, &walk);
	write_sync(&ph->sync_body, ph->sync_key, ph->contacts, 100);
	ph->headers = phone_headers(ph);
}

static void print_nochange(const char *what, struct phone *phones, unsigned clients,
			   enum nochange kind, unsigned runs, double seconds)
{
	double rate[MAX_RUNS], lat[MAX_RUNS], logm[MAX_RUNS], zero[MAX_RUNS];
	uint64_t unexpected = 0, failed = 0;

	nochange_run(phones, clients, kind, 0.2);  /* warm-up */
	for (unsigned r = 0; r < runs; r++) {
		struct run_result res = nochange_run(phones, clients, kind, seconds);
		rate[r] = res.per_second;
		lat[r] = res.median_us;
		logm[r] = res.log_median_ms;
		zero[r] = res.log_zero_share;
		unexpected += res.unexpected;
		failed += res.failed;
	}
	double m = median(rate, runs);
	char extra[96] = "-";
	if (unexpected > 0 || failed > 0)
		snprintf(extra, sizeof(extra), "%llu unexpected answers, %llu transport errors",
			 (unsigned long long)unexpected, (unsigned long long)failed);
	printf("%-34s %7u %10.0f %10.0f..%-8.0f %9.3f %8.0f %8.1f%% %s\n", what, clients, m,
	       rate[0], rate[runs - 1], median(lat, runs) / 1000.0, median(logm, runs),
	       100.0 * median(zero, runs), extra);
	fflush(stdout);
}

/* ---- main ---- */

static unsigned parse_count(const char *s, unsigned min, unsigned max)
{
	uint64_t v;

	if (s == NULL || str_to_uint64(s, max, &v) < 0 || v < min) {
		fprintf(stderr, "usage: bench-sync [--runs N] [--seconds S] [--large N]\n");
		exit(2);
	}
	return (unsigned)v;
}

/* Writes count vCards to path. */
static void write_vcards(const char *path, const char *prefix, unsigned count)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die("cannot write %s", path);
	for (unsigned i = 1; i <= count; i++)
		fprintf(f, "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:%s-%u@bench\r\nFN:%s %u\r\n"
			"N:%s;Person %u;;;\r\nORG:Bench Inc.;Unit %u\r\nTITLE:Tester\r\n"
			"EMAIL;TYPE=INTERNET:%s.%u@example.com\r\nTEL;TYPE=CELL:+1555%07u\r\n"
			"TEL;TYPE=WORK:+1666%07u\r\nADR;TYPE=WORK:;;%u Main Street;Springfield;;%05u;US\r\n"
			"NOTE:Met at the conference number %u.\r\nEND:VCARD\r\n",
			prefix, i, prefix, i, prefix, i, i % 50, prefix, i, i, i, i, i % 100000, i);
	if (fclose(f) != 0)
		die("cannot write %s", path);
}

int main(int argc, char **argv)
{
	unsigned runs = 5, seconds = 1, large = 10000;
	char self[PATH_MAX], path[PATH_MAX + 32];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = parse_count(argv[++i], 1, MAX_RUNS);
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = parse_count(argv[++i], 1, 60);
		else if (strcmp(argv[i], "--large") == 0 && i + 1 < argc)
			large = parse_count(argv[++i], SMALL_BOOK, 1000000);
		else
			parse_count(NULL, 0, 0);
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
	easctl(NULL, "context", "add", "bench.test", NULL);
	easctl(NULL, "context", "default", "bench.test", NULL);
	easctl(PASSWORD "\n", "user", "add", SMALL_USER, "--password-stdin", NULL);
	easctl(PASSWORD "\n", "user", "add", LARGE_USER, "--password-stdin", NULL);
	double t0 = now_seconds();
	snprintf(path, sizeof(path), "%s/small.vcf", data_root);
	write_vcards(path, "Small", SMALL_BOOK);
	easctl(NULL, "contacts", "import", SMALL_USER, path, NULL);
	snprintf(path, sizeof(path), "%s/large.vcf", data_root);
	write_vcards(path, "Large", large);
	easctl(NULL, "contacts", "import", LARGE_USER, path, NULL);
	double import_s = now_seconds() - t0;

	if (curl_global_init(CURL_GLOBAL_ALL) != 0)
		die("curl_global_init");
	latencies = xcalloc(RUN_MAX_REQUESTS, sizeof(*latencies));
	printf("easd Sync over loopback, protocol %s, provisioned phones; medians of %u runs\n",
	       VERSION, runs);
	printf("(easctl contacts import of %u + %u contacts took %.1f s)\n\n", SMALL_BOOK, large,
	       import_s);

	/* (a) */
	printf("(a) initial Sync, WindowSize 100, a fresh easd per run\n");
	printf("%-9s %9s %9s %14s %12s %14s %14s %12s\n", "contacts", "requests", "adds",
	       "client ms", "easd ms", "VmHWM login", "VmHWM sync", "VmRSS after");
	const unsigned books[2] = { SMALL_BOOK, large };
	const char *users[2] = { SMALL_USER, LARGE_USER };
	for (int b = 0; b < 2; b++) {
		struct initial_result res;
		initial_sync(users[b], books[b], runs, &res);
		printf("%-9u %9.0f %9.0f %14.1f %12.0f %11.1f MiB %11.1f MiB %9.1f MiB\n", books[b],
		       res.requests, res.adds, res.client_ms, res.log_ms, res.hwm_login_kib / 1024,
		       res.hwm_kib / 1024, res.rss_kib / 1024);
		fflush(stdout);
	}
	printf("client ms: the sum of the requests' times seen by the client; easd ms: the sum of "
	       "the ms= of easd's request log (whole milliseconds, rounded down)\n"
	       "VmHWM login: easd's peak after Provision and FolderSync (argon2id takes 64 MiB); "
	       "VmHWM sync: its peak during the walk alone (reset with /proc/PID/clear_refs)\n\n");

	/* (b) */
	static struct phone small_phones[MAX_CLIENTS], large_phone;
	start_easd();
	for (unsigned i = 0; i < MAX_CLIENTS; i++) {
		char device[32];
		snprintf(device, sizeof(device), "nochange%02u", i);
		phone_ready(&small_phones[i], SMALL_USER, device);
	}
	phone_ready(&large_phone, LARGE_USER, "nochangelarge");
	printf("(b) no-change requests, keep-alive phones, runs of at most %u s (or %d answers)\n",
	       seconds, RUN_MAX_REQUESTS);
	printf("%-34s %7s %10s %19s %9s %8s %9s %s\n", "request", "phones", "req/s", "min..max",
	       "median ms", "easd ms", "easd <1ms", "other");
	char what[64];
	snprintf(what, sizeof(what), "Sync, %u contacts", SMALL_BOOK);
	print_nochange(what, small_phones, 1, NC_SYNC, runs, seconds);
	print_nochange(what, small_phones, MAX_CLIENTS, NC_SYNC, runs, seconds);
	snprintf(what, sizeof(what), "Sync, %u contacts", large);
	print_nochange(what, &large_phone, 1, NC_SYNC, runs, seconds);
	print_nochange("FolderSync", small_phones, 1, NC_FOLDER, runs, seconds);
	print_nochange("FolderSync", small_phones, MAX_CLIENTS, NC_FOLDER, runs, seconds);
	printf("median ms: the client's median latency (loopback, includes queueing with 32 phones); "
	       "easd ms: the median of easd's ms=, easd <1ms: the share of answers with ms=0\n");
	for (unsigned i = 0; i < MAX_CLIENTS; i++)
		phone_free(&small_phones[i]);
	phone_free(&large_phone);
	stop_easd();

	free(latencies);
	free(log_recs);
	curl_global_cleanup();
	nftw(data_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
