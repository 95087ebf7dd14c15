/* test-store-env.h: the fixture the store unit tests share (header-only, for src/store/test-*.c:
 * each test is its own binary, so there is no shared .c to link). One temporary base directory
 * per run, removed by the parent process (tcase_add_unchecked_fixture(tc, base_setup,
 * base_teardown)); data directories below it; a store opened there, with context ox.io and
 * user mike. Define TEST_STORE_ENV_NAME (e.g. "folder") before the include: the base directory
 * is easd-test-NAME-XXXXXX, so a left-over one says which test made it. */
#ifndef EASD_TEST_STORE_ENV_H
#define EASD_TEST_STORE_ENV_H

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/pool.h"
#include "store/store.h"

#ifndef TEST_STORE_ENV_NAME
#error "define TEST_STORE_ENV_NAME before including store/test-store-env.h"
#endif

#define HASH "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$fakehashfortests"

static char base_dir[256];

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static inline void base_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(base_dir, sizeof(base_dir), "%s/easd-test-" TEST_STORE_ENV_NAME "-XXXXXX",
		 tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(base_dir) == NULL)
		ck_abort_msg("mkdtemp: %s", strerror(errno));
}

static inline void base_teardown(void)
{
	nftw(base_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh data directory path (not yet created) under the base directory; the next call
 * overwrites it. */
static inline const char *new_dir(const char *name)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", base_dir, name);
	return path;
}

static inline struct store *open_ok(const char *dir)
{
	struct store *store = NULL;
	const char *error = NULL;
	enum store_result ret = store_open(dir, &store, &error);
	ck_assert_msg(ret == STORE_OK, "store_open(%s): %s", dir, error);
	ck_assert_ptr_nonnull(store);
	return store;
}

static inline int64_t user_id(struct store *store, const char *domain, const char *name)
{
	pool *p = pool_new(0);
	struct store_user u;
	const char *error = NULL;
	ck_assert_msg(store_user_get(store, p, domain, name, &u, &error) == STORE_OK, "%s", error);
	pool_free(&p);
	return u.id;
}

static inline int64_t add_user(struct store *store, const char *domain, const char *name)
{
	const char *error = NULL;
	ck_assert_msg(store_user_add(store, domain, name, HASH, NULL, NULL, &error) == STORE_OK,
		      "%s", error);
	return user_id(store, domain, name);
}

/* A store in the fresh data directory NAME with context ox.io and user "mike" (*uid_r). */
static inline struct store *open_with_user(const char *name, int64_t *uid_r)
{
	struct store *store = open_ok(new_dir(name));
	const char *error = NULL;
	ck_assert_int_eq(store_context_add(store, "ox.io", &error), STORE_OK);
	*uid_r = add_user(store, "ox.io", "mike");
	return store;
}

/* Test case `name` of s, under the base directory (made once per run by base_setup), each test
 * allowed `timeout` seconds. */
static inline TCase *store_tcase(Suite *s, const char *name, double timeout)
{
	TCase *tc = tcase_create(name);
	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_set_timeout(tc, timeout);
	suite_add_tcase(s, tc);
	return tc;
}

/* Runs the suite's tests; the exit status for main (0: all passed). */
static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* The row id of device_id of user, registered (store_device_touch) first. */
static inline int64_t device_row(struct store *store, pool *p, int64_t user,
				 const char *device_id)
{
	struct store_device *devs;
	size_t n;
	const char *error = NULL;

	ck_assert_int_eq(store_device_touch(store, user, device_id, "Phone", "UA/1", 1000,
					    &error), STORE_OK);
	ck_assert_int_eq(store_device_list(store, p, user, &devs, &n, &error), STORE_OK);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(devs[i].device_id, device_id) == 0)
			return devs[i].id;
	}
	ck_abort_msg("device %s not found", device_id);
	return 0;
}

#endif
