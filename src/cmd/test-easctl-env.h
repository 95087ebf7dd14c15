/* test-easctl-env.h: running the easctl binary from a unit test (header-only, for
 * src/cmd/test-easctl-*.c: each test is its own binary, so there is no shared .c to link).
 * The easctl is the one of the same build directory ($EASD_BUILD/easctl, else next to the
 * test's directory); each test gets a fresh data directory `dir`, which is also the working
 * directory of the commands, so files written there can be passed by name. Define
 * TEST_EASCTL_REDIRECT (e.g. " >out 2>err") before the include to append a redirection to
 * every command. */
#ifndef EASD_TEST_EASCTL_ENV_H
#define EASD_TEST_EASCTL_ENV_H

#include <check.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef TEST_EASCTL_REDIRECT
#define TEST_EASCTL_REDIRECT ""
#endif

static char easctl[4096];
static char dir[64];

/* Runs "easctl --data DIR ARGS" in DIR through the shell (for redirections); its exit
 * status. */
static inline int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int run(const char *fmt, ...)
{
	char args[2048], cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd %s && %s --data %s %s" TEST_EASCTL_REDIRECT, dir, easctl,
		 dir, args);
	int status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static inline void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* The file's text (up to 64 KiB), valid until the next call. */
static inline char *read_file(const char *name)
{
	char path[256];
	static char text[1 << 16];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* Creates the fresh data directory /tmp/easd-test-NAME-XXXXXX in `dir`. */
static inline void make_dir(const char *name)
{
	snprintf(dir, sizeof(dir), "/tmp/easd-test-%s-XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static inline void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Finds the easctl binary (see above) into `easctl` as an absolute path; -1 with a message on
 * stderr if there is none. */
static inline int find_easctl(int argc, char **argv, const char *test_name)
{
	const char *build = getenv("EASD_BUILD");
	if (build != NULL) {
		snprintf(easctl, sizeof(easctl), "%s/easctl", build);
	} else {
		char self[2048];
		snprintf(self, sizeof(self), "%s", argc > 0 ? argv[0] : ".");
		snprintf(easctl, sizeof(easctl), "%s/../easctl", dirname(self));
	}
	char *abs = realpath(easctl, NULL);
	if (abs == NULL) {
		fprintf(stderr, "%s: no easctl at %s (build it first)\n", test_name, easctl);
		return -1;
	}
	snprintf(easctl, sizeof(easctl), "%s", abs);
	free(abs);
	return 0;
}

/* Runs the suite's tests; the exit status for main (0: all passed). */
static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

#endif
