/* bench-common.h: what the benches share (header-only: each bench is its own binary): dying
 * with a message, medians, a fresh data directory, running easctl, starting and stopping
 * easd next to the bench (dirname(argv[0])/../easd on 127.0.0.1:0, its request log read by
 * a thread), easd's memory figures, and a phone that talks EAS over HTTP with curl.
 *
 * Define BENCH_NAME (e.g. "bench-calendar": the prefix of error messages and the User-Agent)
 * before the include, and VERSION (the phone's MS-ASProtocolVersion) if not "14.1". A phone
 * carries the fields of BENCH_PHONE_FIELDS (a list of member declarations) besides its own.
 * With BENCH_EASCTL_STDERR defined, easctl's stderr is left on the bench's stderr. */
#ifndef EASD_BENCH_COMMON_H
#define EASD_BENCH_COMMON_H

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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/mem.h"
#include "lib/pool.h"
#include "lib/str.h"
#include "wbxml/wbxml.h"

#ifndef BENCH_NAME
#error "define BENCH_NAME before including bench-common.h"
#endif
#ifndef VERSION
#define VERSION "14.1"
#endif
#ifndef BENCH_PHONE_FIELDS
#define BENCH_PHONE_FIELDS
#endif
#define PASSWORD "bench-pass"

static char easd_path[PATH_MAX], easctl_path[PATH_MAX];
static char data_root[PATH_MAX], data_dir[PATH_MAX + 8];
static pid_t easd_pid = -1;
static int easd_err = -1;
static int port;
static pthread_t drain_thread;

static inline void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static inline void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs(BENCH_NAME ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (easd_pid > 0)
		kill(easd_pid, SIGKILL);
	exit(1);
}

static inline double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static inline double median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the data directory, easctl and easd ---- */

/* Finds easd and easctl next to the bench (dirname(argv0)/..); dies if one is missing. */
static inline void find_binaries(const char *argv0)
{
	char self[PATH_MAX];

	if (realpath(argv0, self) == NULL)
		die("cannot resolve %s", argv0);
	char *dir = dirname(self);
	snprintf(easd_path, sizeof(easd_path), "%s/../easd", dir);
	snprintf(easctl_path, sizeof(easctl_path), "%s/../easctl", dir);
	if (access(easd_path, X_OK) != 0 || access(easctl_path, X_OK) != 0)
		die("%s or %s is missing (make bench builds them)", easd_path, easctl_path);
}

/* Creates the directory $TMPDIR/NAME-XXXXXX (data_root, removed by remove_data_root) with the
 * data directory data_root/data (data_dir, created by easctl). */
static inline void make_data_root(const char *name)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(data_root, sizeof(data_root), "%s/%s-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp",
		 name);
	if (mkdtemp(data_root) == NULL)
		die("mkdtemp: %s", strerror(errno));
	snprintf(data_dir, sizeof(data_dir), "%s/data", data_root);
}

static inline void remove_data_root(void)
{
	nftw(data_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs easctl --data DIR ARGS (NULL-terminated) with stdin_text; dies unless it succeeds. */
static inline void easctl(const char *stdin_text, ...)
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
#ifndef BENCH_EASCTL_STDERR
		dup2(devnull, 2);
#endif
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

/* False: easd's output is read and dropped (a bench of many requests that needs no log). */
static bool log_requests = true;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static struct log_rec *log_recs;
static size_t log_count, log_cap;

/* Copies the value of " name=" in line into out (at most size-1 bytes); false if absent. */
static inline bool log_field(const char *line, const char *name, char *out, size_t size)
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

static inline void log_line(const char *line)
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

/* Reads easd's output: the request lines are kept (if log_requests), the rest dropped; easd
 * never blocks on a full pipe. */
static inline void *drain(void *arg)
{
	char chunk[65536];
	buf pending = BUF_INIT;

	(void)arg;
	for (;;) {
		ssize_t n = read(easd_err, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		if (!log_requests)
			continue;
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

static inline size_t log_mark(void)
{
	pthread_mutex_lock(&log_mu);
	size_t n = log_count;
	pthread_mutex_unlock(&log_mu);
	return n;
}

/* Request lines after mark of device's cmd (all devices when device is NULL), and the sum of
 * their ms= into *ms_r (may be NULL). */
static inline size_t log_count_of(size_t mark, const char *device, const char *cmd, unsigned *ms_r)
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

/* Reads easd's output until the listening line; returns the port. */
static inline int wait_listening(int fd)
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

/* Starts easd on the data directory (with --config config unless NULL) and its log reader. */
static inline void start_easd(const char *config)
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
		if (config != NULL)
			execl(easd_path, easd_path, "--data", data_dir, "--listen", "127.0.0.1:0",
			      "--config", config, (char *)NULL);
		else
			execl(easd_path, easd_path, "--data", data_dir, "--listen", "127.0.0.1:0",
			      (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	easd_err = fds[0];
	port = wait_listening(easd_err);
	if (pthread_create(&drain_thread, NULL, drain, NULL) != 0)
		die("pthread_create");
}

static inline void stop_easd(void)
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
static inline long easd_status_kib(const char *field)
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
static inline bool easd_reset_hwm(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)easd_pid);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return false;
	bool ok = fputs("5", f) >= 0;
	return fclose(f) == 0 && ok;
}

/* ---- HTTP clients ---- */

/* The header "Authorization: Basic ..." of login:password into out. */
static inline void basic_auth(char *out, size_t size, const char *login, const char *password)
{
	buf up = BUF_INIT, b64 = BUF_INIT;

	buf_printf(&up, "%s:%s", login, password);
	base64_encode(&b64, up.data, up.len);
	snprintf(out, size, "Authorization: Basic %s", buf_cstr(&b64));
	buf_free(&up);
	buf_free(&b64);
}

/* A phone: one keep-alive curl handle, its credentials, its policy key and the pool of the
 * decoded answers. */

struct phone {
	const char *login;
	char device[32];
	uint32_t policy_key;
	char auth[256];
	CURL *curl;
	buf resp;
	pool *pool;
	char folder_key[32];        /* the hierarchy key of its FolderSync */
	char collection[32];        /* the ServerId of the folder it syncs */
	char sync_key[64];
	int filter_type;            /* FilterType of its Syncs; 0: none sent */
	BENCH_PHONE_FIELDS
};

static inline size_t collect(char *p, size_t s, size_t n, void *ud)
{
	buf_append(ud, p, s * n);
	return s * n;
}

static inline struct curl_slist *phone_headers(const struct phone *ph)
{
	struct curl_slist *h = NULL;
	char key[48];

	h = curl_slist_append(h, ph->auth);
	h = curl_slist_append(h, "MS-ASProtocolVersion: " VERSION);
	h = curl_slist_append(h, "Content-Type: application/vnd.ms-sync.wbxml");
	h = curl_slist_append(h, "User-Agent: " BENCH_NAME "/1.0");
	h = curl_slist_append(h, "Expect:");
	if (ph->policy_key != 0) {
		snprintf(key, sizeof(key), "X-MS-PolicyKey: %u", (unsigned)ph->policy_key);
		h = curl_slist_append(h, key);
	}
	return h;
}

static inline void phone_url(const struct phone *ph, const char *cmd, char *out, size_t size)
{
	snprintf(out, size, "http://127.0.0.1:%d/Microsoft-Server-ActiveSync?Cmd=%s&User=%s"
		 "&DeviceId=%s&DeviceType=BenchPhone", port, cmd, ph->login, ph->device);
}

/* Sets up handle c to POST body as ph's command into out. */
static inline void phone_prepare(struct phone *ph, CURL *c, const char *cmd, const buf *body,
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
static inline long phone_post(struct phone *ph, const char *cmd, const buf *body,
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

static inline void phone_init(struct phone *ph, const char *login, const char *device)
{
	memset(ph, 0, sizeof(*ph));
	ph->login = login;
	snprintf(ph->device, sizeof(ph->device), "%s", device);
	basic_auth(ph->auth, sizeof(ph->auth), login, PASSWORD);
	ph->curl = curl_easy_init();
	if (ph->curl == NULL)
		die("curl_easy_init");
	ph->pool = pool_new(1 << 16);
}

static inline void phone_free(struct phone *ph)
{
	curl_easy_cleanup(ph->curl);
	buf_free(&ph->resp);
	pool_free(&ph->pool);
}

static inline void finish(struct wbxml_writer *w)
{
	const char *error;

	if (wbxml_writer_finish(w, &error) < 0)
		die("writer: %s", error);
}

static inline int status_of(const struct wbxml_node *node)
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
static inline void phone_provision(struct phone *ph)
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

static inline void write_folder_sync(buf *out, const char *key)
{
	struct wbxml_writer w;

	buf_truncate(out, 0);
	wbxml_writer_init(&w, out, 141);
	wbxml_start(&w, WBXML_FolderHierarchy_FolderSync);
	wbxml_elem_str(&w, WBXML_FolderHierarchy_SyncKey, key);
	wbxml_end(&w);
	finish(&w);
}

/* FolderSync from 0: the hierarchy key, and the folder of type (8 calendar, 9 contacts) as
 * the collection the phone syncs. */
static inline void phone_folder_sync_type(struct phone *ph, const char *type_wanted)
{
	struct wbxml_node *root;
	buf body = BUF_INIT;

	write_folder_sync(&body, "0");
	long http = phone_post(ph, "FolderSync", &body, &root, NULL);
	buf_free(&body);
	const char *key = root != NULL ? wbxml_child_str(root, WBXML_FolderHierarchy_SyncKey) : NULL;
	if (http != 200 || status_of(root) != 1 || key == NULL)
		die("FolderSync of %s: HTTP %ld", ph->device, http);
	snprintf(ph->folder_key, sizeof(ph->folder_key), "%s", key);
	struct wbxml_node *changes = wbxml_child(root, WBXML_FolderHierarchy_Changes);
	ph->collection[0] = '\0';
	if (changes != NULL) {
		wbxml_foreach_child(changes, c) {
			const char *type = wbxml_child_str(c, WBXML_FolderHierarchy_Type);
			const char *sid = wbxml_child_str(c, WBXML_FolderHierarchy_ServerId);
			if (c->tag == WBXML_FolderHierarchy_Add && type != NULL && sid != NULL &&
			    strcmp(type, type_wanted) == 0)
				snprintf(ph->collection, sizeof(ph->collection), "%s", sid);
		}
	}
	if (ph->collection[0] == '\0')
		die("FolderSync of %s: no folder of type %s", ph->device, type_wanted);
}

/* A Sync of one collection (14.1): GetChanges after the first, WindowSize, FilterType when
 * filter_type > 0, plain-text bodies of at most 32 KiB. */
static inline void write_sync(buf *out, const char *key, const char *coll, unsigned window,
			      int filter_type)
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
	if (filter_type > 0)
		wbxml_elem_uint(&w, WBXML_AirSync_FilterType, (uint64_t)filter_type);
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

/* A walk that takes more requests than this is a failure (a server that pages forever);
 * a whole walk is given at most WALK_MAX_SECONDS. */
#define WALK_MAX_REQUESTS 100000
#define WALK_MAX_SECONDS 600

/* One Sync of the phone's collection: new key, MoreAvailable, Adds counted. */
static inline bool phone_sync_once(struct phone *ph, unsigned window, struct walk *walk)
{
	struct wbxml_node *root;
	double secs;
	buf body = BUF_INIT;

	write_sync(&body, ph->sync_key, ph->collection, window, ph->filter_type);
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
		die("Sync of %s: Status %d", ph->device,
		    coll != NULL ? status_of(coll) : status_of(root));
	snprintf(ph->sync_key, sizeof(ph->sync_key), "%s", key);
	struct wbxml_node *commands = wbxml_child(coll, WBXML_AirSync_Commands);
	if (commands != NULL) {
		wbxml_foreach_child(commands, c)
			walk->adds += c->tag == WBXML_AirSync_Add;
	}
	return wbxml_child(coll, WBXML_AirSync_MoreAvailable) != NULL;
}

/* The whole initial Sync: SyncKey 0, then windows until MoreAvailable ends. */
static inline void phone_walk(struct phone *ph, unsigned window, struct walk *walk)
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

#endif
