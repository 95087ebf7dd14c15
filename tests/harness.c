/* The end-to-end harness: runs easd and easctl as child processes and speaks HTTP (libcurl)
 * and EAS query forms to easd. See harness.h for the life of a test. */
#include "harness.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "lib/base64.h"
#include "lib/mem.h"
#include "lib/str.h"

extern char **environ;

/* Exit codes the sanitizers use in easd and easctl, so that a report is told apart from an
 * ordinary failure. */
#define H_ASAN_EXITCODE 86
#define H_UBSAN_EXITCODE 87

struct h_env {
	char dir[PATH_MAX];
	char data_dir[PATH_MAX];
	char log_path[PATH_MAX];
	/* the daemon */
	pid_t pid;
	int err_fd;            /* read end of easd's stdout+stderr */
	int log_fd;            /* DIR/easd.log */
	bool reader_running;
	pthread_t reader;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	buf log;               /* all of easd's output (under mu) */
	size_t scanned;        /* log offset up to which lines were parsed */
	bool eof;
	int ports[H_MAX_LISTEN];
	unsigned port_count;
	bool tls;
	char base_url[64];
	/* the client */
	CURL *curl;
	char *ca_file;
	bool named;            /* DIR/TEST written */
	int last_status;       /* wait status of the last easd that ended */
	struct timespec born;  /* for EASD_TEST_TIMING */
};

struct h_env *h_env;

static char h_root[PATH_MAX];        /* per-binary temporary root; envs live below it */
static char easd_path[PATH_MAX];
static char easctl_path[PATH_MAX];

/* ---- small utilities ---- */

/* snprintf that fails the test instead of truncating. */
static void fmt(char *dst, size_t size, const char *format, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *dst, size_t size, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	int n = vsnprintf(dst, size, format, ap);
	va_end(ap);
	/* Not ck_assert: this also runs outside tests (h_main), where Check cannot report. */
	if (n < 0 || (size_t)n >= size)
		i_panic("path too long: %s...", dst);
}

static void resolve_binaries(void)
{
	const char *build = getenv("EASD_BUILD");
	char dir[PATH_MAX];

	if (build == NULL || *build == '\0')
		build = "build/asan";
	if (realpath(build, dir) == NULL)
		str_copy(dir, sizeof(dir), build);
	fmt(easd_path, sizeof(easd_path), "%s/easd", dir);
	fmt(easctl_path, sizeof(easctl_path), "%s/easctl", dir);
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

static void rm_rf(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	buf_putc(&b, 0);
	return (char *)buf_detach(&b, len_r);
}

static void write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* Prints the last `lines` lines of text to stderr. */
static void print_tail(const char *text, size_t len, unsigned lines)
{
	size_t start = len;
	unsigned seen = 0;

	while (start > 0) {
		if (text[start - 1] == '\n' && start != len && ++seen >= lines)
			break;
		start--;
	}
	fwrite(text + start, 1, len - start, stderr);
	if (len > 0 && text[len - 1] != '\n')
		fputc('\n', stderr);
}

static bool has_sanitizer_report(const char *text)
{
	return strstr(text, "ERROR: AddressSanitizer") != NULL ||
	       strstr(text, "ERROR: LeakSanitizer") != NULL ||
	       strstr(text, "runtime error:") != NULL ||
	       strstr(text, "UndefinedBehaviorSanitizer") != NULL;
}

/* environ plus sanitizer exit codes plus extra "NAME=VALUE" entries (which win). The array
 * and its strings are malloc'd; free with free_envp. */
static char **build_envp(const char *const *extra)
{
	size_t n = 0, m = 0, extra_n = 0;
	char **envp;

	while (environ[n] != NULL)
		n++;
	while (extra != NULL && extra[extra_n] != NULL)
		extra_n++;
	envp = xcalloc(n + extra_n + 3, sizeof(*envp));
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t name_len = eq != NULL ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		bool overridden = false;
		for (size_t j = 0; j < extra_n; j++) {
			if (strncmp(extra[j], environ[i], name_len + 1) == 0)
				overridden = true;
		}
		if (overridden || strncmp(environ[i], "ASAN_OPTIONS=", 13) == 0 ||
		    strncmp(environ[i], "UBSAN_OPTIONS=", 14) == 0)
			continue;
		envp[m++] = xstrdup(environ[i]);
	}
	const char *asan = getenv("ASAN_OPTIONS");
	const char *ubsan = getenv("UBSAN_OPTIONS");
	buf b = BUF_INIT;
	buf_printf(&b, "ASAN_OPTIONS=%s%sexitcode=%d", asan != NULL ? asan : "",
		   asan != NULL && *asan != '\0' ? ":" : "", H_ASAN_EXITCODE);
	envp[m++] = (char *)buf_detach(&b, NULL);
	buf_printf(&b, "UBSAN_OPTIONS=%s%sexitcode=%d:print_stacktrace=1", ubsan != NULL ? ubsan : "",
		   ubsan != NULL && *ubsan != '\0' ? ":" : "", H_UBSAN_EXITCODE);
	envp[m++] = (char *)buf_detach(&b, NULL);
	for (size_t j = 0; j < extra_n; j++)
		envp[m++] = xstrdup(extra[j]);
	envp[m] = NULL;
	return envp;
}

static void free_envp(char **envp)
{
	for (size_t i = 0; envp[i] != NULL; i++)
		free(envp[i]);
	free(envp);
}

static const char *describe_status(int status, char *text, size_t size)
{
	if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);
		snprintf(text, size, "exit %d%s", code,
			 code == H_ASAN_EXITCODE ? " (AddressSanitizer/LeakSanitizer report)" :
			 code == H_UBSAN_EXITCODE ? " (UndefinedBehaviorSanitizer report)" : "");
	} else if (WIFSIGNALED(status)) {
		snprintf(text, size, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	} else {
		snprintf(text, size, "wait status %#x", (unsigned)status);
	}
	return text;
}

/* Runs argv with envp (PATH search when argv[0] has no '/'), feeding stdin_text and capturing
 * stdout and stderr. Returns the exit status (128+signal when killed). */
static int run_capture(const char *const *argv, char **envp, const char *stdin_text,
		       struct h_result *r)
{
	int in[2], out[2], err[2];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	buf bo = BUF_INIT, be = BUF_INIT;
	int status;

	memset(r, 0, sizeof(*r));
	ck_assert(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0 &&
		  pipe2(err, O_CLOEXEC) == 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	int rc = strchr(argv[0], '/') != NULL ?
		posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, envp) :
		posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	ck_assert_msg(rc == 0, "cannot run %s: %s", argv[0], strerror(rc));

	const char *pending = stdin_text != NULL ? stdin_text : "";
	size_t pending_len = strlen(pending);
	int in_fd = in[1];
	signal(SIGPIPE, SIG_IGN);
	if (pending_len == 0) {
		close(in_fd);
		in_fd = -1;
	}
	int open_fds = 2;
	while (open_fds > 0 || in_fd >= 0) {
		struct pollfd p[3] = {
			{ .fd = out[0], .events = POLLIN },
			{ .fd = err[0], .events = POLLIN },
			{ .fd = in_fd, .events = POLLOUT },
		};
		int n = poll(p, 3, H_WAIT_SECONDS * 1000);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_msg(n > 0, "%s did not finish within %d s", argv[0], H_WAIT_SECONDS);
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			char chunk[4096];
			ssize_t got = read(p[i].fd, chunk, sizeof(chunk));
			if (got > 0) {
				buf_append(i == 0 ? &bo : &be, chunk, (size_t)got);
			} else if (got == 0 || errno != EINTR) {
				close(p[i].fd);
				if (i == 0)
					out[0] = -1;
				else
					err[0] = -1;
				open_fds--;
			}
		}
		if (in_fd >= 0 && p[2].revents != 0) {
			ssize_t put = (p[2].revents & POLLOUT) ? write(in_fd, pending, pending_len) : -1;
			if (put > 0) {
				pending += put;
				pending_len -= (size_t)put;
			}
			if (put <= 0 || pending_len == 0) {
				close(in_fd);
				in_fd = -1;
			}
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	r->out = (char *)buf_detach(&bo, NULL);
	r->err = (char *)buf_detach(&be, NULL);
	if (r->out == NULL)
		r->out = xstrdup("");
	if (r->err == NULL)
		r->err = xstrdup("");
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return r->status;
}

void h_result_free(struct h_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

void h_run_ok(const char *const *argv)
{
	struct h_result r;
	char **envp = build_envp(NULL);

	run_capture(argv, envp, NULL, &r);
	free_envp(envp);
	if (r.status != 0)
		fprintf(stderr, "%s failed (%d):\n%s%s", argv[0], r.status, r.out, r.err);
	ck_assert_msg(r.status == 0, "%s exited with %d", argv[0], r.status);
	h_result_free(&r);
}

/* ---- environment ---- */

const char *h_env_dir(const struct h_env *env)
{
	return env->dir;
}

const char *h_env_data_dir(const struct h_env *env)
{
	return env->data_dir;
}

const char *h_env_path(const struct h_env *env, const char *name)
{
	static char paths[8][PATH_MAX];
	static unsigned next;
	char *p = paths[next++ % 8];

	fmt(p, PATH_MAX, "%s/%s", env->dir, name);
	return p;
}

const char *h_env_write_file(const struct h_env *env, const char *name, const char *text)
{
	const char *path = h_env_path(env, name);
	char tmp[PATH_MAX + 8];
	FILE *f;

	/* Written aside and renamed, so that a reader never sees half a file. */
	fmt(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	ck_assert_msg(f != NULL, "cannot write %s: %s", tmp, strerror(errno));
	fputs(text, f);
	ck_assert(fclose(f) == 0);
	ck_assert(rename(tmp, path) == 0);
	return path;
}

/* Records the running test's name in DIR/TEST, so that h_main can name a test that failed and
 * left its directory behind (Check knows the name inside the test, not in the fixture). */
static void env_name_test(struct h_env *env)
{
	const char *test = tcase_name();

	if (env->named || test == NULL)
		return;
	h_env_write_file(env, "TEST", test);
	env->named = true;
}

struct h_env *h_env_new(void)
{
	struct h_env *env = xcalloc(1, sizeof(*env));
	const char *tmp = getenv("TMPDIR");
	if (*h_root != '\0')
		fmt(env->dir, sizeof(env->dir), "%s/t-XXXXXX", h_root);
	else
		fmt(env->dir, sizeof(env->dir), "%s/easd-e2e-XXXXXX",
			 tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	ck_assert_msg(mkdtemp(env->dir) != NULL, "mkdtemp: %s", strerror(errno));
	fmt(env->data_dir, sizeof(env->data_dir), "%s/data", env->dir);
	ck_assert(mkdir(env->data_dir, 0700) == 0);
	fmt(env->log_path, sizeof(env->log_path), "%s/easd.log", env->dir);
	env->pid = -1;
	env->err_fd = -1;
	env->log_fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &env->born);
	pthread_mutex_init(&env->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&env->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (*easd_path == '\0')
		resolve_binaries();
	return env;
}

void h_env_free(struct h_env **envp)
{
	struct h_env *env = *envp;

	if (env == NULL)
		return;
	if (env->pid > 0)
		h_easd_stop(env);
	if (getenv("EASD_TEST_TIMING") != NULL) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		const char *test = tcase_name();
		fprintf(stderr, "timing: %s %.0f ms\n", test != NULL ? test : "?",
			(double)(now.tv_sec - env->born.tv_sec) * 1e3 +
			(double)(now.tv_nsec - env->born.tv_nsec) / 1e6);
	}
	if (env->curl != NULL)
		curl_easy_cleanup(env->curl);
	free(env->ca_file);
	buf_free(&env->log);
	pthread_mutex_destroy(&env->mu);
	pthread_cond_destroy(&env->cond);
	rm_rf(env->dir);
	free(env);
	*envp = NULL;
}

/* ---- the daemon ---- */

/* Parses "... listening on http[s]://HOST:PORT/" in one line of easd's output. */
static void parse_listening_line(struct h_env *env, const char *line, size_t len)
{
	static const char key[] = "listening on http";
	const char *p = memmem(line, len, key, sizeof(key) - 1);
	const char *end = line + len;
	bool tls = false;

	if (p == NULL || env->port_count >= H_MAX_LISTEN)
		return;
	p += sizeof(key) - 1;
	if (p < end && *p == 's') {
		tls = true;
		p++;
	}
	if (end - p < 3 || memcmp(p, "://", 3) != 0)
		return;
	p += 3;
	const char *host_end = p;
	if (host_end < end && *host_end == '[') {
		while (host_end < end && *host_end != ']')
			host_end++;
	}
	while (host_end < end && *host_end != ':' && *host_end != '/')
		host_end++;
	if (host_end >= end || *host_end != ':')
		return;
	const char *port = host_end + 1, *port_end = port;
	while (port_end < end && *port_end >= '0' && *port_end <= '9')
		port_end++;
	uint64_t v;
	if (str_n_to_uint64(port, (size_t)(port_end - port), 65535, &v) < 0 || v == 0)
		return;
	env->ports[env->port_count] = (int)v;
	if (env->port_count == 0) {
		env->tls = tls;
		snprintf(env->base_url, sizeof(env->base_url), "%s://%.*s:%d", tls ? "https" : "http",
			 (int)(host_end - p), p, (int)v);
	}
	env->port_count++;
}

/* Copies easd's output into the log file and the in-memory log, and notices the listening
 * lines, until easd closes its end. */
static void *easd_reader(void *arg)
{
	struct h_env *env = arg;
	char chunk[4096];

	for (;;) {
		ssize_t n = read(env->err_fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		write_all(env->log_fd, chunk, (size_t)n);
		pthread_mutex_lock(&env->mu);
		buf_append(&env->log, chunk, (size_t)n);
		for (;;) {
			const char *start = (const char *)env->log.data + env->scanned;
			const char *nl = memchr(start, '\n', env->log.len - env->scanned);
			if (nl == NULL)
				break;
			parse_listening_line(env, start, (size_t)(nl - start));
			env->scanned += (size_t)(nl - start) + 1;
		}
		pthread_cond_broadcast(&env->cond);
		pthread_mutex_unlock(&env->mu);
	}
	pthread_mutex_lock(&env->mu);
	env->eof = true;
	pthread_cond_broadcast(&env->cond);
	pthread_mutex_unlock(&env->mu);
	return NULL;
}

static void deadline_in(struct timespec *ts, int seconds)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += seconds;
}

/* Waits (mu held) on cond until pred(env) or the deadline; returns pred(env). */
static bool wait_until(struct h_env *env, bool (*pred)(struct h_env *, const void *),
		       const void *arg)
{
	struct timespec deadline;

	deadline_in(&deadline, H_WAIT_SECONDS);
	while (!pred(env, arg)) {
		if (pthread_cond_timedwait(&env->cond, &env->mu, &deadline) == ETIMEDOUT)
			return pred(env, arg);
	}
	return true;
}

static bool listening_or_gone(struct h_env *env, const void *arg)
{
	return env->eof || env->port_count >= *(const unsigned *)arg;
}

static bool gone(struct h_env *env, const void *arg)
{
	(void)arg;
	return env->eof;
}

bool h_easd_start(struct h_env *env, const struct h_opts *opts)
{
	static const struct h_opts none;
	const char *argv[24 + 2 * H_MAX_LISTEN];
	size_t argc = 0;
	int fds[2];

	if (opts == NULL)
		opts = &none;
	env_name_test(env);
	ck_assert_msg(env->pid <= 0, "easd is running already");
	ck_assert_msg(access(easd_path, X_OK) == 0, "%s is missing (set EASD_BUILD)", easd_path);
	unsigned listen_count = opts->listen_count > 0 ? opts->listen_count : 1;
	ck_assert(listen_count <= H_MAX_LISTEN);

	argv[argc++] = easd_path;
	argv[argc++] = "--data";
	argv[argc++] = env->data_dir;
	for (unsigned i = 0; i < listen_count; i++) {
		argv[argc++] = "--listen";
		argv[argc++] = "127.0.0.1:0";
	}
	if (opts->config != NULL) {
		argv[argc++] = "--config";
		argv[argc++] = h_env_write_file(env, "easd.conf", opts->config);
	}
	for (size_t i = 0; opts->args != NULL && opts->args[i] != NULL; i++) {
		ck_assert(argc < sizeof(argv) / sizeof(argv[0]) - 1);
		argv[argc++] = opts->args[i];
	}
	argv[argc] = NULL;

	/* Fresh capture state (a test may restart easd in the same directory). */
	pthread_mutex_lock(&env->mu);
	buf_truncate(&env->log, 0);
	env->scanned = 0;
	env->eof = false;
	env->port_count = 0;
	env->tls = false;
	pthread_mutex_unlock(&env->mu);

	char **envp = build_envp(opts->env);
	ck_assert(pipe2(fds, O_CLOEXEC) == 0);
	env->log_fd = open(env->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	ck_assert(env->log_fd >= 0);
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert(devnull >= 0);
	pid_t parent = getpid();
	pid_t pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		/* easd must not outlive the test process, whichever way the test ends. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		dup2(devnull, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execve(argv[0], (char *const *)argv, envp);
		_exit(127);
	}
	close(devnull);
	close(fds[1]);
	free_envp(envp);
	env->pid = pid;
	env->err_fd = fds[0];
	ck_assert(pthread_create(&env->reader, NULL, easd_reader, env) == 0);
	env->reader_running = true;

	pthread_mutex_lock(&env->mu);
	bool ready = wait_until(env, listening_or_gone, &listen_count) && !env->eof;
	bool eof = env->eof;
	pthread_mutex_unlock(&env->mu);
	if (ready)
		return true;
	if (opts->expect_failure && eof) {
		h_easd_stop_status(env);
		return false;
	}
	h_easd_dump_log(env, 60);
	ck_abort_msg(eof ? "easd exited before it listened (log above)"
			 : "easd did not print its listening lines within %d s (log above)",
		     H_WAIT_SECONDS);
	return false;
}

/* Reaps easd after it was signalled: waits for it to close its output (or kills it after
 * the safety timeout), joins the reader. Returns the wait status; *hung_r when killed. */
static int easd_reap(struct h_env *env, bool *hung_r)
{
	int status = 0;

	pthread_mutex_lock(&env->mu);
	bool done = wait_until(env, gone, NULL);
	pthread_mutex_unlock(&env->mu);
	*hung_r = !done;
	if (!done)
		kill(env->pid, SIGKILL);
	while (waitpid(env->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (env->reader_running) {
		pthread_join(env->reader, NULL);
		env->reader_running = false;
	}
	close(env->err_fd);
	close(env->log_fd);
	env->err_fd = -1;
	env->log_fd = -1;
	env->pid = -1;
	env->last_status = status;
	return status;
}

int h_easd_stop_status(struct h_env *env)
{
	bool hung;

	ck_assert_msg(env->pid > 0, "easd is not running");
	kill(env->pid, SIGTERM);
	int status = easd_reap(env, &hung);
	if (hung) {
		h_easd_dump_log(env, 60);
		ck_abort_msg("easd did not exit within %d s of SIGTERM (log above)", H_WAIT_SECONDS);
	}
	return status;
}

void h_easd_stop(struct h_env *env)
{
	char text[128];
	int status = h_easd_stop_status(env);

	pthread_mutex_lock(&env->mu);
	bool report = has_sanitizer_report(buf_cstr(&env->log));
	pthread_mutex_unlock(&env->mu);
	if (report || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		h_easd_dump_log(env, 80);
		ck_abort_msg("easd stopped with %s%s (log above)",
			     describe_status(status, text, sizeof(text)),
			     report ? " and a sanitizer report" : "");
	}
}

void h_easd_signal(struct h_env *env, int sig)
{
	ck_assert_msg(env->pid > 0, "easd is not running");
	ck_assert(kill(env->pid, sig) == 0);
}

bool h_easd_running(const struct h_env *env)
{
	return env->pid > 0;
}

int h_easd_last_status(const struct h_env *env)
{
	return env->last_status;
}

pid_t h_easd_pid(const struct h_env *env)
{
	return env->pid;
}

int h_easd_port(const struct h_env *env, unsigned i)
{
	ck_assert_msg(i < env->port_count, "no listener %u", i);
	return env->ports[i];
}

const char *h_easd_base_url(const struct h_env *env)
{
	ck_assert_msg(env->port_count > 0, "easd is not listening");
	return env->base_url;
}

char *h_easd_log(struct h_env *env)
{
	pthread_mutex_lock(&env->mu);
	char *copy = xstrdup(buf_cstr(&env->log));
	pthread_mutex_unlock(&env->mu);
	return copy;
}

size_t h_easd_log_mark(struct h_env *env)
{
	pthread_mutex_lock(&env->mu);
	size_t len = env->log.len;
	pthread_mutex_unlock(&env->mu);
	return len;
}

struct log_wait {
	size_t mark;
	const char *needle;
};

static bool log_has(struct h_env *env, const void *arg)
{
	const struct log_wait *w = arg;

	if (w->mark > env->log.len)
		return false;
	return memmem(env->log.data + w->mark, env->log.len - w->mark, w->needle,
		      strlen(w->needle)) != NULL || env->eof;
}

bool h_easd_wait_log(struct h_env *env, size_t mark, const char *needle)
{
	struct log_wait w = { mark, needle };

	pthread_mutex_lock(&env->mu);
	wait_until(env, log_has, &w);
	bool found = mark <= env->log.len &&
		     memmem(env->log.data + mark, env->log.len - mark, needle, strlen(needle)) != NULL;
	pthread_mutex_unlock(&env->mu);
	return found;
}

void h_easd_dump_log(struct h_env *env, unsigned lines)
{
	pthread_mutex_lock(&env->mu);
	fprintf(stderr, "---- last lines of easd's stderr (%s) ----\n", env->log_path);
	print_tail((const char *)env->log.data, env->log.len, lines);
	fprintf(stderr, "---- end of easd's stderr ----\n");
	pthread_mutex_unlock(&env->mu);
}

/* ---- easctl ---- */

int h_easctl_argv(struct h_env *env, const char *stdin_text, struct h_result *r,
		  const char *const *argv)
{
	size_t n = 0;

	env_name_test(env);
	while (argv[n] != NULL)
		n++;
	const char **full = xcalloc(n + 2, sizeof(*full));
	full[0] = easctl_path;
	for (size_t i = 0; i < n; i++)
		full[i + 1] = argv[i];
	ck_assert_msg(access(easctl_path, X_OK) == 0, "%s is missing (set EASD_BUILD)", easctl_path);
	char **envp = build_envp(NULL);
	run_capture(full, envp, stdin_text, r);
	free_envp(envp);
	free(full);
	if (has_sanitizer_report(r->err) || r->status == H_ASAN_EXITCODE ||
	    r->status == H_UBSAN_EXITCODE) {
		fprintf(stderr, "easctl %s...: sanitizer report:\n%s", argv[0] != NULL ? argv[0] : "",
			r->err);
		ck_abort_msg("easctl reported a sanitizer error (stderr above)");
	}
	return r->status;
}

static int easctl_va(struct h_env *env, const char *stdin_text, struct h_result *r, va_list ap)
{
	const char *argv[64];
	size_t n = 0;
	const char *a;

	argv[n++] = "--data";
	argv[n++] = env->data_dir;
	while ((a = va_arg(ap, const char *)) != NULL) {
		ck_assert(n < 63);
		argv[n++] = a;
	}
	argv[n] = NULL;
	return h_easctl_argv(env, stdin_text, r, argv);
}

int h_easctl(struct h_env *env, const char *stdin_text, struct h_result *r, ...)
{
	va_list ap;

	va_start(ap, r);
	int status = easctl_va(env, stdin_text, r, ap);
	va_end(ap);
	return status;
}

void h_easctl_ok(struct h_env *env, const char *stdin_text, ...)
{
	struct h_result r;
	va_list ap;

	va_start(ap, stdin_text);
	easctl_va(env, stdin_text, &r, ap);
	va_end(ap);
	if (r.status != 0)
		fprintf(stderr, "easctl failed (%d):\nstdout: %s\nstderr: %s", r.status, r.out, r.err);
	ck_assert_msg(r.status == 0, "easctl exited with %d (stderr: %s)", r.status, r.err);
	h_result_free(&r);
}

void h_add_context(struct h_env *env, const char *domain, bool is_default)
{
	h_easctl_ok(env, NULL, "context", "add", domain, NULL);
	if (is_default)
		h_easctl_ok(env, NULL, "context", "default", domain, NULL);
}

void h_add_user(struct h_env *env, const char *login, const char *password)
{
	buf in = BUF_INIT;

	buf_printf(&in, "%s\n", password);
	h_easctl_ok(env, buf_cstr(&in), "user", "add", login, "--password-stdin", NULL);
	buf_free(&in);
}

/* ---- HTTP ---- */

static void response_clear_headers(struct h_response *resp)
{
	for (size_t i = 0; i < resp->header_count; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	free(resp->headers);
	resp->headers = NULL;
	resp->header_count = 0;
}

/* Adds one "Name: value" line (with or without CRLF) to resp's headers. */
static void response_add_header_line(struct h_response *resp, const char *line, size_t len)
{
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	const char *colon = memchr(line, ':', len);
	if (colon == NULL)
		return;
	const char *v = colon + 1, *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	resp->headers = xrealloc(resp->headers, (resp->header_count + 1) * sizeof(*resp->headers));
	resp->headers[resp->header_count].name = xstrndup(line, (size_t)(colon - line));
	resp->headers[resp->header_count].value = xstrndup(v, (size_t)(end - v));
	resp->header_count++;
}

static size_t curl_header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct h_response *resp = ud;
	size_t len = size * nmemb;

	if (len >= 5 && memcmp(ptr, "HTTP/", 5) == 0)
		response_clear_headers(resp); /* a new (final or interim) response begins */
	else
		response_add_header_line(resp, ptr, len);
	return len;
}

static size_t curl_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct h_response *resp = ud;

	buf_append(&resp->body, ptr, size * nmemb);
	return size * nmemb;
}

static bool header_given(const char *const *headers, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
		if (strncasecmp(headers[i], name, n) == 0 && headers[i][n] == ':')
			return true;
	}
	return false;
}

void h_http_set_ca(struct h_env *env, const char *ca_file)
{
	free(env->ca_file);
	env->ca_file = ca_file != NULL ? xstrdup(ca_file) : NULL;
	/* New trust, new connections. */
	if (env->curl != NULL) {
		curl_easy_cleanup(env->curl);
		env->curl = NULL;
	}
}

long h_request_url(struct h_env *env, const char *base_url, const char *method,
		   const char *path_and_query, const char *const *headers, const void *body,
		   size_t len, struct h_response *resp)
{
	struct curl_slist *list = NULL;
	buf url = BUF_INIT;

	memset(resp, 0, sizeof(*resp));
	if (env->curl == NULL)
		env->curl = curl_easy_init();
	ck_assert(env->curl != NULL);
	CURL *c = env->curl;
	curl_easy_reset(c);

	buf_printf(&url, "%s%s", base_url, path_and_query);
	curl_easy_setopt(c, CURLOPT_URL, buf_cstr(&url));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)H_WAIT_SECONDS * 2);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, curl_header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, resp->error);
	if (env->ca_file != NULL) {
		curl_easy_setopt(c, CURLOPT_CAINFO, env->ca_file);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	}

	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (body != NULL || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body != NULL ? body : "");
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
		list = curl_slist_append(list, headers[i]);
	/* libcurl's own defaults would change what easd sees. */
	if (!header_given(headers, "Content-Type"))
		list = curl_slist_append(list, "Content-Type:");
	if (!header_given(headers, "Expect"))
		list = curl_slist_append(list, "Expect:");
	if (!header_given(headers, "Accept"))
		list = curl_slist_append(list, "Accept:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);

	CURLcode rc = curl_easy_perform(c);
	resp->curl_code = (int)rc;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	} else {
		resp->status = 0;
		if (resp->error[0] == '\0')
			str_copy(resp->error, sizeof(resp->error), curl_easy_strerror(rc));
	}
	curl_slist_free_all(list);
	buf_free(&url);
	return resp->status;
}

long h_request(struct h_env *env, const char *method, const char *path_and_query,
	       const char *const *headers, const void *body, size_t len, struct h_response *resp)
{
	return h_request_url(env, h_easd_base_url(env), method, path_and_query, headers, body, len,
			     resp);
}

const char *h_response_header(const struct h_response *resp, const char *name)
{
	for (size_t i = 0; i < resp->header_count; i++) {
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	}
	return NULL;
}

void h_response_free(struct h_response *resp)
{
	response_clear_headers(resp);
	buf_free(&resp->body);
	memset(resp, 0, sizeof(*resp));
}

char *h_basic_auth_bytes(const void *userpass, size_t len)
{
	buf b = BUF_INIT;

	buf_puts(&b, "Authorization: Basic ");
	base64_encode(&b, userpass, len);
	return (char *)buf_detach(&b, NULL);
}

char *h_basic_auth(const char *user, const char *password)
{
	buf up = BUF_INIT;

	buf_printf(&up, "%s:%s", user, password);
	char *h = h_basic_auth_bytes(up.data, up.len);
	buf_free(&up);
	return h;
}

long h_options_status(struct h_env *env, const char *user, const char *password)
{
	struct h_response r;
	char *auth = user != NULL ? h_basic_auth(user, password) : NULL;
	const char *hdrs[] = { auth, NULL };

	long status = h_request(env, "OPTIONS", H_EAS_PATH, hdrs, NULL, 0, &r);
	ck_assert_msg(status != 0, "OPTIONS as %s failed: %s", user, r.error);
	h_response_free(&r);
	free(auth);
	return status;
}

/* ---- raw HTTP ---- */

int h_raw_connect(struct h_env *env)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)h_easd_port(env, 0)) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0, "connect: %s",
		      strerror(errno));
	return fd;
}

void h_raw_send(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_msg(n > 0, "send: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

bool h_raw_send_until_answer(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		if (poll(&pf, 1, 0) > 0)
			return false;  /* the server answered (or closed) already */
		size_t piece = len < 1024 ? len : 1024;
		ssize_t n = send(fd, p, piece, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Reads more bytes from fd into b; false on EOF or error. Fails the test on timeout. */
static bool raw_fill(int fd, buf *b)
{
	char chunk[4096];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	int n = poll(&p, 1, H_WAIT_SECONDS * 1000);
	ck_assert_msg(n > 0, "no answer from easd within %d s", H_WAIT_SECONDS);
	ssize_t got = recv(fd, chunk, sizeof(chunk), 0);
	if (got <= 0)
		return false;
	buf_append(b, chunk, (size_t)got);
	return true;
}

long h_raw_read_response(int fd, struct h_response *resp)
{
	buf in = BUF_INIT;
	const char *end = NULL;

	memset(resp, 0, sizeof(*resp));
	while (in.len == 0 || (end = memmem(in.data, in.len, "\r\n\r\n", 4)) == NULL) {
		if (!raw_fill(fd, &in)) {
			buf_free(&in);
			return 0;
		}
	}
	const char *text = (const char *)in.data;
	size_t head_len = (size_t)(end - text) + 4;
	const char *line_end = memmem(text, head_len, "\r\n", 2);
	uint64_t status = 0;
	if (line_end - text >= 12 && memcmp(text, "HTTP/1.", 7) == 0)
		str_n_to_uint64(text + 9, 3, 999, &status);
	resp->status = (long)status;
	for (const char *l = line_end + 2; l < end;) {
		const char *e = memmem(l, (size_t)(end + 2 - l), "\r\n", 2);
		response_add_header_line(resp, l, (size_t)(e - l));
		l = e + 2;
	}
	const char *cl = h_response_header(resp, "Content-Length");
	uint64_t body_len = 0;
	if (cl != NULL && status >= 200)
		ck_assert(str_to_uint64(cl, 1u << 30, &body_len) == 0);
	while (in.len - head_len < body_len) {
		if (!raw_fill(fd, &in))
			break;
	}
	size_t have = in.len - head_len < body_len ? in.len - head_len : (size_t)body_len;
	buf_append(&resp->body, in.data + head_len, have);
	buf_free(&in);
	return resp->status;
}

/* ---- phone emulator ---- */

struct eas_command {
	const char *name;
	int code;
};

/* MS-ASHTTP 2.2.1.1.1.1.2. Ordered so that the commands implemented last come first:
 * h_unimplemented_command takes the first one easd does not list. */
static const struct eas_command eas_commands[] = {
	{ "ValidateCert", 22 }, { "Find", 23 }, { "ResolveRecipients", 21 },
	{ "MeetingResponse", 15 }, { "Search", 16 }, { "SmartForward", 2 }, { "SmartReply", 3 },
	{ "GetAttachment", 4 }, { "SendMail", 1 }, { "ItemOperations", 19 }, { "MoveItems", 13 },
	{ "GetItemEstimate", 14 }, { "Ping", 18 }, { "Settings", 17 }, { "FolderCreate", 10 },
	{ "FolderDelete", 11 }, { "FolderUpdate", 12 }, { "Sync", 0 }, { "FolderSync", 9 },
	{ "Provision", 20 },
};
#define EAS_COMMAND_COUNT (sizeof(eas_commands) / sizeof(eas_commands[0]))

const char *const h_eas_commands[] = {
	"ValidateCert", "Find", "ResolveRecipients", "MeetingResponse", "Search", "SmartForward",
	"SmartReply", "GetAttachment", "SendMail", "ItemOperations", "MoveItems",
	"GetItemEstimate", "Ping", "Settings", "FolderCreate", "FolderDelete", "FolderUpdate",
	"Sync", "FolderSync", "Provision", NULL
};

int h_eas_command_code(const char *name)
{
	for (size_t i = 0; i < EAS_COMMAND_COUNT; i++) {
		if (strcmp(eas_commands[i].name, name) == 0)
			return eas_commands[i].code;
	}
	return -1;
}

void h_device_init(struct h_device *dev, const char *login, const char *password)
{
	memset(dev, 0, sizeof(*dev));
	dev->login = login;
	dev->password = password;
	dev->device_id = "E2ETEST0001";
	dev->device_type = "E2EPhone";
	dev->version = "14.1";
	dev->user_agent = "E2EPhone/1.0";
	dev->locale = 0x0409;
	dev->form = H_QUERY_PLAIN;
	dev->auto_provision = true;
}

/* "14.1" -> 141 (the version byte of the base64 form). */
unsigned h_version_number(const char *version)
{
	uint64_t major = 0, minor = 0;
	const char *dot = strchr(version, '.');

	ck_assert_msg(dot != NULL && str_n_to_uint64(version, (size_t)(dot - version), 25, &major) == 0 &&
		      str_to_uint64(dot + 1, 9, &minor) == 0, "bad version %s", version);
	return (unsigned)(major * 10 + minor);
}

static void put_field(buf *out, const char *value)
{
	size_t len = strlen(value);

	ck_assert(len <= 255);
	buf_putc(out, (unsigned char)len);
	buf_append(out, value, len);
}

static void put_param(buf *out, uint8_t tag, const char *value)
{
	if (value == NULL)
		return;
	buf_putc(out, tag);
	put_field(out, value);
}

static const char *device_url_user(const struct h_device *dev)
{
	return dev->url_user != NULL ? dev->url_user : dev->login;
}

void h_device_query_bytes(const struct h_device *dev, uint8_t cmd_code,
			  const struct h_cmd_params *params, buf *out)
{
	static const struct h_cmd_params none;
	const char *user = device_url_user(dev);

	if (params == NULL)
		params = &none;
	buf_putc(out, (unsigned char)h_version_number(dev->version));
	buf_putc(out, cmd_code);
	buf_putc(out, (unsigned char)(dev->locale & 0xff));
	buf_putc(out, (unsigned char)(dev->locale >> 8));
	put_field(out, dev->device_id);
	if (dev->has_policy_key) {
		buf_putc(out, 4);
		for (int i = 0; i < 4; i++)
			buf_putc(out, (unsigned char)(dev->policy_key >> (8 * i)));
	} else {
		buf_putc(out, 0);
	}
	put_field(out, dev->device_type);
	put_param(out, 0, params->attachment_name);
	put_param(out, 1, params->collection_id);
	put_param(out, 3, params->item_id);
	put_param(out, 4, params->long_id);
	put_param(out, 6, params->occurrence);
	if (params->save_in_sent || params->accept_multipart) {
		buf_putc(out, 7);
		buf_putc(out, 1);
		buf_putc(out, (unsigned char)((params->save_in_sent ? 0x01 : 0) |
					      (params->accept_multipart ? 0x02 : 0)));
	}
	if (user != NULL && *user != '\0')
		put_param(out, 8, user);
}

static void url_encode(buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			buf_putc(out, *p);
		} else {
			buf_putc(out, '%');
			buf_putc(out, (unsigned char)hex[*p >> 4]);
			buf_putc(out, (unsigned char)hex[*p & 15]);
		}
	}
}

static void add_plain_param(buf *out, const char *name, const char *value)
{
	if (value == NULL)
		return;
	buf_printf(out, "&%s=", name);
	url_encode(out, value);
}

char *h_query_from_bytes(const void *bytes, size_t len, bool escape)
{
	buf b64 = BUF_INIT, path = BUF_INIT;

	base64_encode(&b64, bytes, len);
	buf_puts(&path, H_EAS_PATH "?");
	if (escape)
		url_encode(&path, buf_cstr(&b64));
	else
		buf_append(&path, b64.data, b64.len);
	buf_free(&b64);
	return (char *)buf_detach(&path, NULL);
}

char *h_device_query_form(const struct h_device *dev, enum h_query_form form, const char *cmd,
			  const struct h_cmd_params *params)
{
	static const struct h_cmd_params none;
	buf path = BUF_INIT;

	if (params == NULL)
		params = &none;
	if (form == H_QUERY_BASE64) {
		int code = h_eas_command_code(cmd);
		ck_assert_msg(code >= 0, "no command code for %s", cmd);
		buf bytes = BUF_INIT;
		h_device_query_bytes(dev, (uint8_t)code, params, &bytes);
		char *q = h_query_from_bytes(bytes.data, bytes.len, true);
		buf_free(&bytes);
		return q;
	}
	buf_puts(&path, H_EAS_PATH "?Cmd=");
	url_encode(&path, cmd);
	const char *user = device_url_user(dev);
	if (user != NULL && *user != '\0')
		add_plain_param(&path, "User", user);
	add_plain_param(&path, "DeviceId", dev->device_id);
	add_plain_param(&path, "DeviceType", dev->device_type);
	add_plain_param(&path, "AttachmentName", params->attachment_name);
	add_plain_param(&path, "CollectionId", params->collection_id);
	add_plain_param(&path, "ItemId", params->item_id);
	add_plain_param(&path, "LongId", params->long_id);
	add_plain_param(&path, "Occurrence", params->occurrence);
	if (params->save_in_sent)
		add_plain_param(&path, "SaveInSent", "T");
	return (char *)buf_detach(&path, NULL);
}

char *h_device_query(const struct h_device *dev, const char *cmd, const struct h_cmd_params *params)
{
	return h_device_query_form(dev, dev->form, cmd, params);
}

long h_device_post_path(struct h_env *env, const struct h_device *dev, const char *path,
			const char *const *extra_headers, const char *content_type,
			const void *body, size_t len, struct h_response *resp)
{
	const char *hdrs[32];
	char *owned[8];
	size_t n = 0, o = 0;

	if (dev->login != NULL)
		hdrs[n++] = owned[o++] = h_basic_auth(dev->login, dev->password);
	if (dev->user_agent != NULL) {
		buf b = BUF_INIT;
		buf_printf(&b, "User-Agent: %s", dev->user_agent);
		hdrs[n++] = owned[o++] = (char *)buf_detach(&b, NULL);
	}
	if (dev->form == H_QUERY_PLAIN && dev->version != NULL) {
		buf b = BUF_INIT;
		buf_printf(&b, "MS-ASProtocolVersion: %s", dev->version);
		hdrs[n++] = owned[o++] = (char *)buf_detach(&b, NULL);
	}
	if (dev->form == H_QUERY_PLAIN && dev->has_policy_key) {
		buf b = BUF_INIT;
		buf_printf(&b, "X-MS-PolicyKey: %u", (unsigned)dev->policy_key);
		hdrs[n++] = owned[o++] = (char *)buf_detach(&b, NULL);
	}
	if (content_type != NULL) {
		buf b = BUF_INIT;
		buf_printf(&b, "Content-Type: %s", content_type);
		hdrs[n++] = owned[o++] = (char *)buf_detach(&b, NULL);
	}
	for (size_t i = 0; extra_headers != NULL && extra_headers[i] != NULL; i++) {
		ck_assert(n < 31);
		hdrs[n++] = extra_headers[i];
	}
	hdrs[n] = NULL;
	long status = h_request(env, "POST", path, hdrs, body, len, resp);
	for (size_t i = 0; i < o; i++)
		free(owned[i]);
	return status;
}

long h_device_post(struct h_env *env, const struct h_device *dev, const char *cmd,
		   const struct h_cmd_params *params, const char *content_type, const void *body,
		   size_t len, struct h_response *resp)
{
	char *path = h_device_query(dev, cmd, params);
	long status = h_device_post_path(env, dev, path, NULL, content_type, body, len, resp);

	free(path);
	return status;
}

long h_device_options(struct h_env *env, const struct h_device *dev, struct h_response *resp)
{
	char *auth = dev->login != NULL ? h_basic_auth(dev->login, dev->password) : NULL;
	buf ua = BUF_INIT;
	const char *hdrs[3];
	size_t n = 0;

	if (auth != NULL)
		hdrs[n++] = auth;
	if (dev->user_agent != NULL) {
		buf_printf(&ua, "User-Agent: %s", dev->user_agent);
		hdrs[n++] = buf_cstr(&ua);
	}
	hdrs[n] = NULL;
	long status = h_request(env, "OPTIONS", H_EAS_PATH, hdrs, NULL, 0, resp);
	free(auth);
	buf_free(&ua);
	return status;
}

/* True when the comma-separated list holds name (spaces around items ignored). */
static bool list_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p != '\0';) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *e = p;
		while (*e != '\0' && *e != ',')
			e++;
		const char *t = e;
		while (t > p && t[-1] == ' ')
			t--;
		if ((size_t)(t - p) == n && memcmp(p, name, n) == 0)
			return true;
		p = e;
	}
	return false;
}

const char *h_unimplemented_command(struct h_env *env, const struct h_device *dev)
{
	struct h_response r;

	ck_assert_int_eq(h_device_options(env, dev, &r), 200);
	const char *list = h_response_header(&r, "MS-ASProtocolCommands");
	ck_assert_msg(list != NULL, "OPTIONS without MS-ASProtocolCommands");
	const char *found = NULL;
	for (size_t i = 0; h_eas_commands[i] != NULL && found == NULL; i++) {
		if (!list_has(list, h_eas_commands[i]))
			found = h_eas_commands[i];
	}
	h_response_free(&r);
	return found;
}

/* ---- certificates and clock ---- */

void h_make_cert(struct h_env *env, const char *key_name, const char *cert_name, const char *cn)
{
	char key[PATH_MAX], cert[PATH_MAX], tmpl[PATH_MAX];
	buf t = BUF_INIT;

	str_copy(key, sizeof(key), h_env_path(env, key_name));
	str_copy(cert, sizeof(cert), h_env_path(env, cert_name));
	/* Self-signed and marked as a CA, so that the client can trust it directly. */
	buf_printf(&t, "cn = \"%s\"\ndns_name = \"localhost\"\nip_address = \"127.0.0.1\"\n"
		   "expiration_days = 2\nca\ntls_www_server\nsigning_key\nencryption_key\n"
		   "cert_signing_key\n", cn);
	buf tname = BUF_INIT;
	buf_printf(&tname, "%s.tmpl", cert_name);
	str_copy(tmpl, sizeof(tmpl), h_env_write_file(env, buf_cstr(&tname), buf_cstr(&t)));
	buf_free(&tname);
	buf_free(&t);
	/* Keys and certificates are made aside and renamed into place, as a renewal would. */
	char key_tmp[PATH_MAX + 8], cert_tmp[PATH_MAX + 8];
	fmt(key_tmp, sizeof(key_tmp), "%s.new", key);
	fmt(cert_tmp, sizeof(cert_tmp), "%s.new", cert);
	const char *gen_key[] = { "certtool", "--generate-privkey", "--key-type", "ecdsa",
				  "--outfile", key_tmp, NULL };
	const char *gen_cert[] = { "certtool", "--generate-self-signed", "--load-privkey", key_tmp,
				   "--template", tmpl, "--outfile", cert_tmp, NULL };
	h_run_ok(gen_key);
	h_run_ok(gen_cert);
	ck_assert(rename(key_tmp, key) == 0);
	ck_assert(rename(cert_tmp, cert) == 0);
}

void h_set_clock(const char *path, int64_t now)
{
	char tmp[PATH_MAX + 8];
	FILE *f;

	fmt(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	ck_assert(f != NULL);
	fprintf(f, "%lld\n", (long long)now);
	ck_assert(fclose(f) == 0);
	ck_assert(rename(tmp, path) == 0);
}

/* ---- suite plumbing ---- */

static void env_setup(void)
{
	h_env = h_env_new();
}

static void env_teardown(void)
{
	h_env_free(&h_env);
}

TCase *h_tcase_new(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, env_setup, env_teardown);
	/* argon2id hashes take tens of milliseconds each; a test makes a few dozen. */
	tcase_set_timeout(tc, 120);
	return tc;
}

/* Prints what failed tests left behind: their name and the tail of their easd log. */
static void report_leftovers(void)
{
	DIR *d = opendir(h_root);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "t-", 2) != 0)
			continue;
		char path[PATH_MAX * 2];
		size_t len = 0;
		fmt(path, sizeof(path), "%s/%s/TEST", h_root, de->d_name);
		char *test = read_file(path, NULL);
		fmt(path, sizeof(path), "%s/%s/easd.log", h_root, de->d_name);
		char *log = read_file(path, &len);
		fprintf(stderr, "---- test %s failed; last lines of its easd log ----\n",
			test != NULL ? test : "?");
		if (log != NULL)
			print_tail(log, len > 0 ? len - 1 : 0, 40);
		else
			fprintf(stderr, "(easd was not started)\n");
		free(test);
		free(log);
	}
	closedir(d);
}

int h_main(Suite *suite)
{
	const char *tmp = getenv("TMPDIR");

	resolve_binaries();
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_ALL) != 0) {
		fprintf(stderr, "curl_global_init failed\n");
		return 1;
	}
	fmt(h_root, sizeof(h_root), "%s/easd-e2e-XXXXXX", tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(h_root) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	SRunner *sr = srunner_create(suite);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed > 0)
		report_leftovers();
	rm_rf(h_root);
	curl_global_cleanup();
	return failed == 0 ? 0 : 1;
}
