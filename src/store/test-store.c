/* Unit tests of the store (store.h) on its SQLite implementation. */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/pool.h"
#include "store/store.h"
#include "store/store-folder.h"
#include "store/store-testing.h"

#define TEST_STORE_ENV_NAME "store"
#include "store/test-store-env.h"

/* Every context, user and device as text: equal dumps mean an unchanged database. */
static void dump(struct store *store, buf *out)
{
	pool *p = pool_new(0);
	struct store_context *ctxs;
	struct store_user *users;
	size_t nctx, nusers;
	const char *error;

	buf_truncate(out, 0);
	ck_assert_int_eq(store_context_list(store, p, &ctxs, &nctx, &error), STORE_OK);
	for (size_t i = 0; i < nctx; i++)
		buf_printf(out, "C %s %d %lld\n", ctxs[i].domain, ctxs[i].is_default,
			   (long long)ctxs[i].user_count);
	ck_assert_int_eq(store_user_list(store, p, NULL, &users, &nusers, &error), STORE_OK);
	for (size_t i = 0; i < nusers; i++) {
		struct store_device *devs;
		size_t ndev;
		buf_printf(out, "U %s@%s %s %s %s %d\n", users[i].name, users[i].domain,
			   users[i].display_name, users[i].email, users[i].password_hash,
			   users[i].disabled);
		ck_assert_int_eq(store_device_list(store, p, users[i].id, &devs, &ndev, &error),
				 STORE_OK);
		for (size_t j = 0; j < ndev; j++)
			buf_printf(out, "D %s %s %s %lld %lld\n", devs[j].device_id,
				   devs[j].device_type, devs[j].user_agent,
				   (long long)devs[j].first_seen, (long long)devs[j].last_seen);
	}
	pool_free(&p);
}

static size_t device_count(struct store *store, int64_t uid)
{
	pool *p = pool_new(0);
	struct store_device *devs;
	size_t n;
	const char *error;
	ck_assert_int_eq(store_device_list(store, p, uid, &devs, &n, &error), STORE_OK);
	pool_free(&p);
	return n;
}

/* ---- Opening and migrations ---- */

START_TEST(test_open_creates_migrates_and_reopens)
{
	const char *dir = new_dir("fresh");
	char path[600];
	struct stat st;
	int from = -1, to = -1;
	const char *error;

	struct store *store = open_ok(dir);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_FILE);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(store_migrate(store, &from, &to, &error), STORE_OK);
	ck_assert_int_eq(from, store_schema_version());
	ck_assert_int_eq(to, store_schema_version());
	ck_assert_int_eq(store_context_add(store, "ox.io", &error), STORE_OK);
	store_close(&store);
	ck_assert_ptr_null(store);
	store_close(&store); /* NULL is allowed */

	/* Re-opening is a no-op for the schema and keeps the data. */
	store = open_ok(dir);
	ck_assert_int_eq(store_migrate(store, &from, &to, &error), STORE_OK);
	ck_assert_int_eq(from, to);
	pool *p = pool_new(0);
	struct store_context ctx;
	ck_assert_int_eq(store_context_get(store, p, "ox.io", &ctx, &error), STORE_OK);
	pool_free(&p);
	store_close(&store);

	/* The file is in WAL mode with one schema_version row per step. */
	sqlite3 *db;
	sqlite3_stmt *stmt;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_finalize(stmt);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT COUNT(*), MAX(version) FROM schema_version",
					    -1, &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(stmt, 0), store_schema_version());
	ck_assert_int_eq(sqlite3_column_int(stmt, 1), store_schema_version());
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_migrate_unmigrated_store)
{
	const char *dir = new_dir("unmigrated");
	struct store *store = NULL;
	int from = -1, to = -1;
	const char *error = NULL;

	ck_assert_int_eq(store_open_unmigrated(dir, &store, &error), STORE_OK);
	ck_assert_int_eq(store_migrate(store, &from, &to, &error), STORE_OK);
	ck_assert_int_eq(from, 0);
	ck_assert_int_eq(to, store_schema_version());
	ck_assert_int_eq(store_migrate(store, &from, &to, &error), STORE_OK);
	ck_assert_int_eq(from, store_schema_version());
	ck_assert_int_eq(to, store_schema_version());
	store_close(&store);
}
END_TEST

/* A later step that fails half-way leaves the database at the previous version, with none
 * of the step's statements applied; fixed, it applies; a newer database is refused. */
START_TEST(test_migration_step_is_atomic)
{
	static const char *const bad_sql[] = { "CREATE TABLE later (id INTEGER PRIMARY KEY)",
					       "CREATE TABLE broken (", NULL };
	static const char *const good_sql[] = { "CREATE TABLE later (id INTEGER PRIMARY KEY)",
						"INSERT INTO later (id) VALUES (7)", NULL };
	const char *dir = new_dir("steps");
	struct store *store = open_ok(dir);
	int v = store_schema_version(), from, to;
	const char *error = NULL;

	struct store_migration steps[8];
	ck_assert_uint_lt(store_migration_count, 7);
	memcpy(steps, store_migrations, store_migration_count * sizeof(steps[0]));
	steps[store_migration_count] = (struct store_migration){ v + 1, "test step", bad_sql };
	ck_assert_int_eq(store_test_migrate_with(store, steps, store_migration_count + 1, &from,
						 &to, &error), STORE_ERROR);
	ck_assert_ptr_nonnull(strstr(error, "schema migration"));
	ck_assert_int_eq(store_migrate(store, &from, &to, &error), STORE_OK);
	ck_assert_int_eq(from, v); /* still the old version */

	steps[store_migration_count].sql = good_sql;
	ck_assert_int_eq(store_test_migrate_with(store, steps, store_migration_count + 1, &from,
						 &to, &error), STORE_OK);
	ck_assert_int_eq(from, v);
	ck_assert_int_eq(to, v + 1);
	/* Re-running is a no-op (the INSERT would fail on a second run). */
	ck_assert_int_eq(store_test_migrate_with(store, steps, store_migration_count + 1, &from,
						 &to, &error), STORE_OK);
	ck_assert_int_eq(from, v + 1);
	ck_assert_int_eq(to, v + 1);
	store_close(&store);

	/* This build does not know version v + 1. */
	struct store *newer = NULL;
	error = NULL;
	ck_assert_int_eq(store_open(dir, &newer, &error), STORE_ERROR);
	ck_assert_ptr_null(newer);
	ck_assert_ptr_nonnull(strstr(error, "newer"));
	ck_assert_int_eq(store_open_unmigrated(dir, &newer, &error), STORE_ERROR);
}
END_TEST

/* Open failures report a message and leave nothing behind. */
START_TEST(test_open_failures)
{
	struct store *store = NULL;
	const char *error = NULL;
	char path[600];
	struct stat st;

	/* The data directory is a file. */
	const char *file = new_dir("a-file");
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(store_open(file, &store, &error), STORE_ERROR);
	ck_assert_ptr_null(store);
	ck_assert_ptr_nonnull(strstr(error, "not a directory"));

	/* Its parent does not exist: nothing is created. */
	const char *deep = new_dir("missing/data");
	error = NULL;
	ck_assert_int_eq(store_open(deep, &store, &error), STORE_ERROR);
	ck_assert_ptr_nonnull(error);
	ck_assert_int_eq(stat(new_dir("missing"), &st), -1);

	/* The database file is not a database: refused, and left as it was. */
	const char *dir = new_dir("garbage");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_FILE);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	static const char junk[] = "this is not an SQLite database, but it is long enough to "
				   "have a header of one hundred bytes............................";
	ck_assert_int_eq(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	error = NULL;
	ck_assert_int_eq(store_open(dir, &store, &error), STORE_ERROR);
	ck_assert_ptr_nonnull(strstr(error, "not a database"));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)sizeof(junk));

	/* A read-only data directory (only meaningful when not root): nothing partial. */
	if (geteuid() != 0) {
		const char *ro = new_dir("read-only");
		ck_assert_int_eq(mkdir(ro, 0500), 0);
		error = NULL;
		ck_assert_int_eq(store_open(ro, &store, &error), STORE_ERROR);
		ck_assert_ptr_nonnull(error);
		snprintf(path, sizeof(path), "%s/%s", ro, STORE_DB_FILE);
		ck_assert_int_eq(stat(path, &st), -1);
		chmod(ro, 0700);
	}
}
END_TEST

/* ---- Contexts ---- */

START_TEST(test_contexts_crud_and_case)
{
	struct store *store = open_ok(new_dir("contexts"));
	pool *p = pool_new(0);
	struct store_context ctx, *list;
	size_t n;
	const char *error;

	ck_assert_int_eq(store_context_add(store, "ox.io", &error), STORE_OK);
	ck_assert_int_eq(store_context_add(store, "Example.TEST", &error), STORE_OK);
	ck_assert_int_eq(store_context_add(store, "b-c.example", &error), STORE_OK);
	/* Domains are case-insensitive: the same domain in other case exists already. */
	ck_assert_int_eq(store_context_add(store, "OX.io", &error), STORE_EXISTS);
	ck_assert_ptr_nonnull(strstr(error, "already exists"));
	ck_assert_int_eq(store_context_get(store, p, "EXAMPLE.test", &ctx, &error), STORE_OK);
	ck_assert_str_eq(ctx.domain, "example.test"); /* stored lower case */
	ck_assert_int_eq(ctx.user_count, 0);

	ck_assert_int_eq(store_context_list(store, p, &list, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0].domain, "b-c.example"); /* ordered by domain */
	ck_assert_str_eq(list[1].domain, "example.test");
	ck_assert_str_eq(list[2].domain, "ox.io");

	ck_assert_int_eq(store_context_remove(store, "Example.Test", &error), STORE_OK);
	ck_assert_int_eq(store_context_get(store, p, "example.test", &ctx, &error), STORE_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(error, "no context"));
	ck_assert_int_eq(store_context_remove(store, "example.test", &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_context_remove_if_empty(store, "nowhere.test", &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_context_remove_if_empty(store, "b-c.example", &error), STORE_OK);
	ck_assert_int_eq(store_context_list(store, p, &list, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 1);

	/* Many contexts: the list grows past its first block. */
	for (int i = 0; i < 40; i++) {
		char d[32];
		snprintf(d, sizeof(d), "d%02d.test", i);
		ck_assert_int_eq(store_context_add(store, d, &error), STORE_OK);
	}
	ck_assert_int_eq(store_context_list(store, p, &list, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 41);
	ck_assert_str_eq(list[39].domain, "d39.test");
	pool_free(&p);
	store_close(&store);
}
END_TEST

START_TEST(test_default_context)
{
	struct store *store = open_ok(new_dir("default"));
	pool *p = pool_new(0);
	struct store_context ctx;
	const char *domain = NULL, *error;

	ck_assert_int_eq(store_context_get_default(store, p, &domain, &error), STORE_NOT_FOUND);
	/* The first context becomes the default; later ones do not. */
	ck_assert_int_eq(store_context_add(store, "first.test", &error), STORE_OK);
	ck_assert_int_eq(store_context_add(store, "second.test", &error), STORE_OK);
	ck_assert_int_eq(store_context_get_default(store, p, &domain, &error), STORE_OK);
	ck_assert_str_eq(domain, "first.test");
	ck_assert_int_eq(store_context_get(store, p, "second.test", &ctx, &error), STORE_OK);
	ck_assert(!ctx.is_default);

	ck_assert_int_eq(store_context_set_default(store, "SECOND.test", &error), STORE_OK);
	ck_assert_int_eq(store_context_get_default(store, p, &domain, &error), STORE_OK);
	ck_assert_str_eq(domain, "second.test");
	ck_assert_int_eq(store_context_get(store, p, "first.test", &ctx, &error), STORE_OK);
	ck_assert(!ctx.is_default);
	/* Setting it again is fine; an unknown domain changes nothing. */
	ck_assert_int_eq(store_context_set_default(store, "second.test", &error), STORE_OK);
	ck_assert_int_eq(store_context_set_default(store, "third.test", &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_context_get_default(store, p, &domain, &error), STORE_OK);
	ck_assert_str_eq(domain, "second.test");

	/* Plain user names use the default context. */
	ck_assert_int_eq(store_user_add(store, NULL, "mike", HASH, NULL, NULL, &error), STORE_OK);
	struct store_user u;
	ck_assert_int_eq(store_user_get(store, p, "second.test", "mike", &u, &error), STORE_OK);
	ck_assert_str_eq(u.domain, "second.test");

	/* NULL names no context here (it means the default only for users). */
	ck_assert_int_eq(store_context_remove(store, NULL, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_context_get(store, p, NULL, &ctx, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_context_set_default(store, NULL, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_context_get_default(store, p, &domain, &error), STORE_OK);
	ck_assert_str_eq(domain, "second.test");

	/* Removing the default leaves none; the next context added becomes it. */
	ck_assert_int_eq(store_context_remove(store, "second.test", &error), STORE_OK);
	ck_assert_int_eq(store_context_get_default(store, p, &domain, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_user_get(store, p, NULL, "mike", &u, &error), STORE_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(error, "default"));
	ck_assert_int_eq(store_user_add(store, NULL, "mike", HASH, NULL, NULL, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_context_add(store, "third.test", &error), STORE_OK);
	ck_assert_int_eq(store_context_get_default(store, p, &domain, &error), STORE_OK);
	ck_assert_str_eq(domain, "third.test");
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* ---- Names ---- */

START_TEST(test_invalid_names)
{
	static const char *const bad_domains[] = {
		"", ".ox.io", "ox.io.", "-ox.io", "ox.io-", "ox..io", "ox io", "ox_io.test",
		"ox.io/x", "ox@io", "müller.de", "a\nb",
	};
	static const char *const bad_users[] = {
		"", "a@b", "a\\b", "a/b", "a:b", "a b", "a\tb", "a\x7f", "\xff\xfe",
		"12345678901234567890123456789012345678901234567890123456789012345", /* 65 */
	};
	struct store *store = open_ok(new_dir("names"));
	pool *p = pool_new(0);
	struct store_user u;
	struct store_context ctx;
	const char *error;

	for (size_t i = 0; i < sizeof(bad_domains) / sizeof(bad_domains[0]); i++) {
		error = NULL;
		ck_assert_msg(store_context_add(store, bad_domains[i], &error) == STORE_INVALID,
			      "domain '%s'", bad_domains[i]);
		ck_assert_ptr_nonnull(strstr(error, "invalid domain"));
		ck_assert_int_eq(store_context_get(store, p, bad_domains[i], &ctx, &error),
				 STORE_NOT_FOUND);
	}
	/* Limits: a 63-character label, a 253-character domain. */
	char label[80], longest[320];
	memset(label, 'a', 63);
	label[63] = '\0';
	snprintf(longest, sizeof(longest), "%s.%s.%s.%.61s", label, label, label, label);
	ck_assert_uint_eq(strlen(longest), 253);
	ck_assert_int_eq(store_context_add(store, longest, &error), STORE_OK);
	char too_long[330];
	snprintf(too_long, sizeof(too_long), "%s.x", longest);
	ck_assert_int_eq(store_context_add(store, too_long, &error), STORE_INVALID);
	label[63] = 'a';
	label[64] = '\0';
	ck_assert_int_eq(store_context_add(store, label, &error), STORE_INVALID);

	ck_assert_int_eq(store_context_add(store, "xn--mller-kva.de", &error), STORE_OK);
	for (size_t i = 0; i < sizeof(bad_users) / sizeof(bad_users[0]); i++) {
		error = NULL;
		ck_assert_msg(store_user_add(store, "xn--mller-kva.de", bad_users[i], HASH, NULL,
					     NULL, &error) == STORE_INVALID,
			      "user '%s'", bad_users[i]);
		ck_assert_ptr_nonnull(strstr(error, "invalid user name"));
		ck_assert_int_eq(store_user_get(store, p, "xn--mller-kva.de", bad_users[i], &u,
						&error), STORE_NOT_FOUND);
		ck_assert_int_eq(store_user_remove(store, "xn--mller-kva.de", bad_users[i], &error),
				 STORE_NOT_FOUND);
	}
	/* UTF-8 user names and the longest one are fine. */
	ck_assert_int_eq(store_user_add(store, "xn--mller-kva.de", "jürgen", HASH, "Jürgen M.",
					NULL, &error), STORE_OK);
	ck_assert_int_eq(store_user_add(store, "xn--mller-kva.de", bad_users[9] + 1, HASH, NULL,
					NULL, &error), STORE_OK);
	/* Other fields. */
	ck_assert_int_eq(store_user_add(store, "xn--mller-kva.de", "x", "", NULL, NULL, &error),
			 STORE_INVALID);
	ck_assert_int_eq(store_user_add(store, "xn--mller-kva.de", "x", HASH, "bad\nname", NULL,
					&error), STORE_INVALID);
	ck_assert_int_eq(store_user_add(store, "xn--mller-kva.de", "x", HASH, NULL, "no-at",
					&error), STORE_INVALID);
	ck_assert_int_eq(store_user_add(store, "xn--mller-kva.de", "x", HASH, NULL, "a@b@c",
					&error), STORE_INVALID);
	ck_assert_int_eq(store_user_set_password(store, "xn--mller-kva.de", "jürgen", "", &error),
			 STORE_INVALID);
	ck_assert_int_eq(store_user_get(store, p, "xn--mller-kva.de", "x", &u, &error),
			 STORE_NOT_FOUND);
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* ---- Users ---- */

START_TEST(test_users_crud_and_case)
{
	struct store *store = open_ok(new_dir("users"));
	pool *p = pool_new(0);
	struct store_user u, *list;
	size_t n;
	const char *error;

	ck_assert_int_eq(store_context_add(store, "ox.io", &error), STORE_OK);
	ck_assert_int_eq(store_context_add(store, "example.test", &error), STORE_OK);
	ck_assert_int_eq(store_user_add(store, "ox.io", "mike", HASH, "Mike M.", NULL, &error),
			 STORE_OK);
	/* User names are case-sensitive: "Mike" is another user. */
	ck_assert_int_eq(store_user_add(store, "OX.IO", "Mike", "other-hash", "", "mm@else.where",
					&error), STORE_OK);
	ck_assert_int_eq(store_user_add(store, "ox.io", "mike", HASH, NULL, NULL, &error),
			 STORE_EXISTS);
	ck_assert_ptr_nonnull(strstr(error, "already exists"));
	/* The same name in another context is another user. */
	ck_assert_int_eq(store_user_add(store, "example.test", "mike", HASH, NULL, NULL, &error),
			 STORE_OK);
	ck_assert_int_eq(store_user_add(store, "nowhere.test", "mike", HASH, NULL, NULL, &error),
			 STORE_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(error, "no context"));

	ck_assert_int_eq(store_user_get(store, p, "Ox.Io", "mike", &u, &error), STORE_OK);
	ck_assert_str_eq(u.name, "mike");
	ck_assert_str_eq(u.domain, "ox.io");
	ck_assert_str_eq(u.display_name, "Mike M.");
	ck_assert_str_eq(u.email, "mike@ox.io"); /* default address */
	ck_assert_str_eq(u.password_hash, HASH);
	ck_assert(!u.disabled);
	ck_assert_int_gt(u.created, 0);
	int64_t mike_id = u.id;
	ck_assert_int_eq(store_user_get(store, p, "ox.io", "Mike", &u, &error), STORE_OK);
	ck_assert_int_ne(u.id, mike_id);
	ck_assert_str_eq(u.email, "mm@else.where");
	ck_assert_int_eq(store_user_get(store, p, "ox.io", "MIKE", &u, &error), STORE_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(error, "no user"));

	/* Password and disabled flag. */
	ck_assert_int_eq(store_user_set_password(store, "ox.io", "mike", "new-hash", &error),
			 STORE_OK);
	ck_assert_int_eq(store_user_set_disabled(store, "ox.io", "mike", true, &error), STORE_OK);
	ck_assert_int_eq(store_user_get(store, p, "ox.io", "mike", &u, &error), STORE_OK);
	ck_assert_str_eq(u.password_hash, "new-hash");
	ck_assert(u.disabled);
	ck_assert_int_eq(store_user_set_disabled(store, "ox.io", "mike", true, &error), STORE_OK);
	ck_assert_int_eq(store_user_set_disabled(store, "ox.io", "mike", false, &error), STORE_OK);
	ck_assert_int_eq(store_user_get(store, p, "ox.io", "mike", &u, &error), STORE_OK);
	ck_assert(!u.disabled);
	ck_assert_int_eq(store_user_set_password(store, "ox.io", "MIKE", "x", &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_user_set_disabled(store, "nowhere.test", "mike", true, &error),
			 STORE_NOT_FOUND);

	/* Lists: per context ordered by name (bytewise), all ordered by domain then name. */
	ck_assert_int_eq(store_user_list(store, p, "ox.io", &list, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].name, "Mike");
	ck_assert_str_eq(list[1].name, "mike");
	ck_assert_int_eq(store_user_list(store, p, NULL, &list, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0].domain, "example.test");
	ck_assert_str_eq(list[2].domain, "ox.io");
	ck_assert_int_eq(store_user_list(store, p, "nowhere.test", &list, &n, &error),
			 STORE_NOT_FOUND);
	struct store_context ctx;
	ck_assert_int_eq(store_context_get(store, p, "ox.io", &ctx, &error), STORE_OK);
	ck_assert_int_eq(ctx.user_count, 2);

	/* Removal. */
	ck_assert_int_eq(store_user_remove(store, "ox.io", "Mike", &error), STORE_OK);
	ck_assert_int_eq(store_user_remove(store, "ox.io", "Mike", &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_user_get(store, p, "ox.io", "Mike", &u, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_user_get(store, p, "ox.io", "mike", &u, &error), STORE_OK);

	/* Ids are never reused, even for the highest one removed. */
	ck_assert_int_eq(store_user_remove(store, "example.test", "mike", &error), STORE_OK);
	ck_assert_int_eq(store_user_add(store, "example.test", "new", HASH, NULL, NULL, &error),
			 STORE_OK);
	ck_assert_int_eq(store_user_get(store, p, "example.test", "new", &u, &error), STORE_OK);
	ck_assert_int_gt(u.id, mike_id + 2);
	pool_free(&p);
	store_close(&store);
}
END_TEST

START_TEST(test_cascade_deletes)
{
	struct store *store = open_ok(new_dir("cascade"));
	pool *p = pool_new(0);
	struct store_context ctx;
	struct store_user u;
	const char *error;

	ck_assert_int_eq(store_context_add(store, "ox.io", &error), STORE_OK);
	ck_assert_int_eq(store_context_add(store, "keep.test", &error), STORE_OK);
	ck_assert_int_eq(store_user_add(store, "ox.io", "a", HASH, NULL, NULL, &error), STORE_OK);
	ck_assert_int_eq(store_user_add(store, "ox.io", "b", HASH, NULL, NULL, &error), STORE_OK);
	ck_assert_int_eq(store_user_add(store, "keep.test", "a", HASH, NULL, NULL, &error), STORE_OK);
	int64_t a = user_id(store, "ox.io", "a"), b = user_id(store, "ox.io", "b");
	int64_t keep = user_id(store, "keep.test", "a");
	ck_assert_int_eq(store_device_touch(store, a, "DEV1", "iPhone", "UA", 100, &error), STORE_OK);
	ck_assert_int_eq(store_device_touch(store, a, "DEV2", "iPhone", "UA", 100, &error), STORE_OK);
	ck_assert_int_eq(store_device_touch(store, b, "DEV1", "Android", "UA", 100, &error), STORE_OK);
	ck_assert_int_eq(store_device_touch(store, keep, "DEV1", "WP8", "UA", 100, &error), STORE_OK);

	/* A user's removal takes their devices, and nobody else's. */
	ck_assert_int_eq(store_user_remove(store, "ox.io", "a", &error), STORE_OK);
	ck_assert_uint_eq(device_count(store, a), 0);
	ck_assert_uint_eq(device_count(store, b), 1);
	ck_assert_uint_eq(device_count(store, keep), 1);

	/* A context with users is removed only by store_context_remove. */
	buf before = BUF_INIT, after = BUF_INIT;
	dump(store, &before);
	ck_assert_int_eq(store_context_remove_if_empty(store, "ox.io", &error), STORE_INVALID);
	ck_assert_ptr_nonnull(strstr(error, "1 user"));
	dump(store, &after);
	ck_assert_str_eq(buf_cstr(&before), buf_cstr(&after));
	ck_assert_int_eq(store_context_remove(store, "ox.io", &error), STORE_OK);
	ck_assert_uint_eq(device_count(store, b), 0);
	ck_assert_int_eq(store_user_get(store, p, "ox.io", "b", &u, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_context_get(store, p, "keep.test", &ctx, &error), STORE_OK);
	ck_assert_int_eq(ctx.user_count, 1);
	ck_assert_uint_eq(device_count(store, keep), 1);
	buf_free(&before);
	buf_free(&after);
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* ---- Devices ---- */

START_TEST(test_device_touch_keeps_last_user_agent)
{
	struct store *store = open_ok(new_dir("devices"));
	pool *p = pool_new(0);
	struct store_device *devs;
	size_t n;
	const char *error;

	ck_assert_int_eq(store_context_add(store, "ox.io", &error), STORE_OK);
	ck_assert_int_eq(store_user_add(store, "ox.io", "mike", HASH, NULL, NULL, &error), STORE_OK);
	int64_t uid = user_id(store, "ox.io", "mike");

	ck_assert_int_eq(store_device_touch(store, uid, "WP81", "WP8", "MSFT-WP/8.10.14219", 1000,
					    &error), STORE_OK);
	/* Q-HTTP-1: base64-query POSTs without User-Agent keep the one seen before. */
	ck_assert_int_eq(store_device_touch(store, uid, "WP81", NULL, NULL, 1010, &error), STORE_OK);
	ck_assert_int_eq(store_device_touch(store, uid, "WP81", "", "", 1020, &error), STORE_OK);
	ck_assert_int_eq(store_device_list(store, p, uid, &devs, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(devs[0].device_id, "WP81");
	ck_assert_str_eq(devs[0].device_type, "WP8");
	ck_assert_str_eq(devs[0].user_agent, "MSFT-WP/8.10.14219");
	ck_assert_int_eq(devs[0].first_seen, 1000);
	ck_assert_int_eq(devs[0].last_seen, 1000); /* nothing worth a write within a minute */
	ck_assert_int_eq(devs[0].user_id, uid);
	/* A new one replaces it at once. */
	ck_assert_int_eq(store_device_touch(store, uid, "WP81", "WindowsMail", "MSFT-WP/10.0", 1030,
					    &error), STORE_OK);
	ck_assert_int_eq(store_device_list(store, p, uid, &devs, &n, &error), STORE_OK);
	ck_assert_str_eq(devs[0].device_type, "WindowsMail");
	ck_assert_str_eq(devs[0].user_agent, "MSFT-WP/10.0");
	ck_assert_int_eq(devs[0].first_seen, 1000);
	ck_assert_int_eq(devs[0].last_seen, 1030);
	/* last_seen moves once the resolution has passed, and never backwards. */
	ck_assert_int_eq(store_device_touch(store, uid, "WP81", NULL, "MSFT-WP/10.0",
					    1030 + STORE_DEVICE_SEEN_RESOLUTION - 1, &error), STORE_OK);
	ck_assert_int_eq(store_device_list(store, p, uid, &devs, &n, &error), STORE_OK);
	ck_assert_int_eq(devs[0].last_seen, 1030);
	ck_assert_int_eq(store_device_touch(store, uid, "WP81", NULL, NULL,
					    1030 + STORE_DEVICE_SEEN_RESOLUTION, &error), STORE_OK);
	ck_assert_int_eq(store_device_list(store, p, uid, &devs, &n, &error), STORE_OK);
	ck_assert_int_eq(devs[0].last_seen, 1030 + STORE_DEVICE_SEEN_RESOLUTION);
	ck_assert_int_eq(store_device_touch(store, uid, "WP81", NULL, "older clock", 500, &error),
			 STORE_OK);
	ck_assert_int_eq(store_device_list(store, p, uid, &devs, &n, &error), STORE_OK);
	ck_assert_int_eq(devs[0].last_seen, 1030 + STORE_DEVICE_SEEN_RESOLUTION);
	ck_assert_str_eq(devs[0].user_agent, "older clock");
	ck_assert_int_eq(devs[0].first_seen, 1000);

	/* Device ids are case-sensitive and ordered; hostile agents are cleaned, not refused. */
	char agent[1000];
	memset(agent, 'x', sizeof(agent) - 1);
	agent[sizeof(agent) - 1] = '\0';
	ck_assert_int_eq(store_device_touch(store, uid, "wp81", "Phone\x01", agent, 1040, &error),
			 STORE_OK);
	ck_assert_int_eq(store_device_touch(store, uid, "Appl123", "iPhone", "Bad\xff\nUA", 1050,
					    &error), STORE_OK);
	ck_assert_int_eq(store_device_list(store, p, uid, &devs, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(devs[0].device_id, "Appl123");
	ck_assert_str_eq(devs[0].user_agent, "Bad\xef\xbf\xbd?UA");
	ck_assert_str_eq(devs[1].device_id, "WP81");
	ck_assert_str_eq(devs[2].device_id, "wp81");
	ck_assert_str_eq(devs[2].device_type, "Phone?");
	ck_assert_uint_eq(strlen(devs[2].user_agent), 256);

	/* Bad ids and unknown users. */
	char long_id[200];
	memset(long_id, 'A', 129);
	long_id[129] = '\0';
	static const char *const bad_ids[] = { "", "a b", "a\nb", "\xc3\xa9" };
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++)
		ck_assert_int_eq(store_device_touch(store, uid, bad_ids[i], "t", "u", 1, &error),
				 STORE_INVALID);
	ck_assert_int_eq(store_device_touch(store, uid, long_id, "t", "u", 1, &error), STORE_INVALID);
	long_id[128] = '\0';
	ck_assert_int_eq(store_device_touch(store, uid, long_id, "t", "u", 1, &error), STORE_OK);
	ck_assert_int_eq(store_device_touch(store, uid + 1000, "X", "t", "u", 1, &error),
			 STORE_NOT_FOUND);
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* ---- Several handles ---- */

/* Two handles on one file, and a third connection holding the write lock: readers go on
 * (WAL), a writer waits for the busy timeout and then fails cleanly, and succeeds after. */
START_TEST(test_two_handles_share_the_file)
{
	const char *dir = new_dir("shared");
	struct store *a = open_ok(dir), *b = open_ok(dir);
	pool *p = pool_new(0);
	struct store_context ctx, *list;
	size_t n;
	const char *error;
	char path[600];

	ck_assert_int_eq(store_context_add(a, "ox.io", &error), STORE_OK);
	ck_assert_int_eq(store_context_get(b, p, "ox.io", &ctx, &error), STORE_OK);
	ck_assert(ctx.is_default);
	ck_assert_int_eq(store_user_add(b, "ox.io", "mike", HASH, NULL, NULL, &error), STORE_OK);
	ck_assert_int_eq(store_context_get(a, p, "ox.io", &ctx, &error), STORE_OK);
	ck_assert_int_eq(ctx.user_count, 1);

	sqlite3 *raw;
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_FILE);
	ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(raw, "BEGIN IMMEDIATE; INSERT INTO contexts (domain, "
				      "is_default, created) VALUES ('raw.test', 0, 1)", NULL, NULL,
				      NULL), SQLITE_OK);
	/* Readers are not blocked and do not see the uncommitted row. */
	ck_assert_int_eq(store_context_list(b, p, &list, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 1);
	/* A writer gives up after its busy timeout, with a message, and writes nothing. */
	store_test_set_busy_timeout(b, 20);
	ck_assert_int_eq(store_context_add(b, "late.test", &error), STORE_ERROR);
	ck_assert_ptr_nonnull(strstr(error, "busy"));
	ck_assert_int_eq(store_user_set_disabled(b, "ox.io", "mike", true, &error), STORE_ERROR);
	ck_assert_int_eq(sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);

	ck_assert_int_eq(store_context_add(b, "late.test", &error), STORE_OK);
	ck_assert_int_eq(store_context_list(a, p, &list, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[1].domain, "ox.io");
	ck_assert_str_eq(list[2].domain, "raw.test");
	struct store_user u;
	ck_assert_int_eq(store_user_get(a, p, "ox.io", "mike", &u, &error), STORE_OK);
	ck_assert(!u.disabled);
	pool_free(&p);
	store_close(&a);
	store_close(&b);
}
END_TEST

#define THREADS 4
#define USERS_PER_THREAD 25

struct thread_arg {
	const char *dir;
	int index;
	int failures;
};

static void *add_users_thread(void *context)
{
	struct thread_arg *arg = context;
	struct store *store = NULL;
	const char *error;

	if (store_open(arg->dir, &store, &error) != STORE_OK) {
		arg->failures = USERS_PER_THREAD;
		return NULL;
	}
	for (int i = 0; i < USERS_PER_THREAD; i++) {
		char name[32];
		snprintf(name, sizeof(name), "t%d-u%02d", arg->index, i);
		if (store_user_add(store, "ox.io", name, HASH, NULL, NULL, &error) != STORE_OK)
			arg->failures++;
	}
	store_close(&store);
	return NULL;
}

/* One handle per thread writing at once: the busy timeout queues the writers. */
START_TEST(test_threads_with_own_handles)
{
	const char *dir = new_dir("threads");
	struct store *store = open_ok(dir);
	pthread_t threads[THREADS];
	struct thread_arg args[THREADS];
	const char *error;

	ck_assert_int_eq(store_context_add(store, "ox.io", &error), STORE_OK);
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct thread_arg){ dir, i, 0 };
		ck_assert_int_eq(pthread_create(&threads[i], NULL, add_users_thread, &args[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		ck_assert_int_eq(args[i].failures, 0);
	}
	pool *p = pool_new(0);
	struct store_user *list;
	size_t n;
	ck_assert_int_eq(store_user_list(store, p, "ox.io", &list, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, THREADS * USERS_PER_THREAD);
	ck_assert_str_eq(list[0].name, "t0-u00");
	ck_assert_str_eq(list[n - 1].name, "t3-u24");
	pool_free(&p);
	store_close(&store);
}
END_TEST

struct open_arg {
	const char *dir;
	pthread_barrier_t *barrier;
	enum store_result result;
	int version;
	char error[512];
};

static void *open_thread(void *context)
{
	struct open_arg *arg = context;
	struct store *store = NULL;
	const char *error;
	int from;

	pthread_barrier_wait(arg->barrier);
	arg->result = store_open(arg->dir, &store, &error);
	if (arg->result == STORE_OK)
		arg->result = store_migrate(store, &from, &arg->version, &error);
	if (arg->result != STORE_OK)
		snprintf(arg->error, sizeof(arg->error), "%s", error);
	store_close(&store);
	return NULL;
}

/* Several openers of one fresh directory at once (easd and easctl starting together): all
 * succeed, one of them migrates, the others find nothing left to do. */
START_TEST(test_concurrent_first_open)
{
	const char *dir = new_dir("racing");
	pthread_t threads[THREADS];
	struct open_arg args[THREADS];
	pthread_barrier_t barrier;

	ck_assert_int_eq(pthread_barrier_init(&barrier, NULL, THREADS), 0);
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct open_arg){ dir, &barrier, STORE_ERROR, -1, "" };
		ck_assert_int_eq(pthread_create(&threads[i], NULL, open_thread, &args[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		ck_assert_msg(args[i].result == STORE_OK, "thread %d: %s", i, args[i].error);
		ck_assert_int_eq(args[i].version, store_schema_version());
	}
	pthread_barrier_destroy(&barrier);
}
END_TEST

/* ---- Fault injection ---- */

/* In this order: each runs on what the ones before left. */
enum op { OP_CONTEXT_ADD, OP_SET_DEFAULT, OP_USER_ADD, OP_USER_PASSWD, OP_USER_DISABLE,
	  OP_DEVICE_TOUCH, OP_USER_REMOVE, OP_CONTEXT_REMOVE, OP_COUNT };

static enum store_result run_op(struct store *store, enum op op, const char **error_r)
{
	switch (op) {
	case OP_CONTEXT_ADD:
		return store_context_add(store, "new.test", error_r);
	case OP_CONTEXT_REMOVE:
		return store_context_remove(store, "ox.io", error_r);
	case OP_SET_DEFAULT:
		return store_context_set_default(store, "other.test", error_r);
	case OP_USER_ADD:
		return store_user_add(store, NULL, "new", HASH, "New", NULL, error_r);
	case OP_USER_PASSWD:
		return store_user_set_password(store, "ox.io", "mike", "changed", error_r);
	case OP_USER_DISABLE:
		return store_user_set_disabled(store, "ox.io", "mike", true, error_r);
	case OP_USER_REMOVE:
		return store_user_remove(store, "ox.io", "mike", error_r);
	case OP_DEVICE_TOUCH:
		return store_device_touch(store, 1, "NEWDEV", "t", "u", 5, error_r);
	case OP_COUNT:
		break;
	}
	ck_abort();
	return STORE_ERROR;
}

/* Every write fails at every one of its database steps in turn: each failure is
 * STORE_ERROR with a message and leaves the database exactly as it was; without a fault
 * the write then succeeds and changes it. */
START_TEST(test_fault_injection_leaves_no_partial_writes)
{
	struct store *store = open_ok(new_dir("faults"));
	buf before = BUF_INIT, after = BUF_INIT;
	const char *error;

	ck_assert_int_eq(store_context_add(store, "ox.io", &error), STORE_OK);
	ck_assert_int_eq(store_context_add(store, "other.test", &error), STORE_OK);
	ck_assert_int_eq(store_user_add(store, "ox.io", "mike", HASH, NULL, NULL, &error), STORE_OK);
	ck_assert_int_eq(user_id(store, "ox.io", "mike"), 1);
	ck_assert_int_eq(store_device_touch(store, 1, "DEV", "iPhone", "UA", 1, &error), STORE_OK);

	for (enum op op = 0; op < OP_COUNT; op++) {
		unsigned faults = 0;
		dump(store, &before);
		for (unsigned n = 1;; n++) {
			store_test_fail_after(store, n);
			error = NULL;
			enum store_result ret = run_op(store, op, &error);
			if (store_test_fault_pending(store)) {
				/* The write needs fewer than n steps: it ran clean. */
				store_test_fail_after(store, 0);
				ck_assert_msg(ret == STORE_OK, "op %d: %s", op, error);
				break;
			}
			faults++;
			ck_assert_msg(ret == STORE_ERROR, "op %d step %u: %d", op, n, ret);
			ck_assert_ptr_nonnull(error);
			ck_assert_ptr_nonnull(strstr(error, "I/O"));
			dump(store, &after);
			ck_assert_str_eq(buf_cstr(&before), buf_cstr(&after));
			ck_assert_uint_lt(n, 50);
		}
		/* Transactions fail at BEGIN, their statements and COMMIT; a device touch is a
		 * look-up and one statement. */
		ck_assert_uint_ge(faults, op == OP_DEVICE_TOUCH ? 2 : 3);
		dump(store, &after);
		ck_assert_msg(strcmp(buf_cstr(&before), buf_cstr(&after)) != 0, "op %d", op);
	}
	buf_free(&before);
	buf_free(&after);
	store_close(&store);
}
END_TEST

/* The schema objects of the database file at path and its schema version (0: none). */
static int schema_objects(const char *path, int *version_r)
{
	sqlite3 *raw;
	sqlite3_stmt *stmt;
	int count;

	ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(raw, "SELECT COUNT(*), COUNT(CASE WHEN name ="
					    " 'schema_version' THEN 1 END) FROM sqlite_master",
					    -1, &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	count = sqlite3_column_int(stmt, 0);
	bool has_versions = sqlite3_column_int(stmt, 1) > 0;
	sqlite3_finalize(stmt);
	*version_r = 0;
	if (has_versions) {
		ck_assert_int_eq(sqlite3_prepare_v2(raw, "SELECT COALESCE(MAX(version), 0) FROM"
						    " schema_version", -1, &stmt, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
		*version_r = sqlite3_column_int(stmt, 0);
		sqlite3_finalize(stmt);
	}
	sqlite3_close(raw);
	return count;
}

/* A migration that fails at any database step leaves the database exactly at the version
 * of the last whole step (the same objects as a database migrated that far), and the next
 * migration completes it. */
START_TEST(test_fault_injection_in_migration)
{
	int objects_at[16], from, to, version;
	const char *error;
	char name[64], path[600];

	/* The objects of a database at each version. */
	ck_assert_uint_lt(store_migration_count, 16);
	objects_at[0] = 0;
	for (size_t v = 1; v <= store_migration_count; v++) {
		struct store *store = NULL;
		snprintf(name, sizeof(name), "migration-ref-%zu", v);
		const char *dir = new_dir(name);
		snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_FILE);
		ck_assert_int_eq(store_open_unmigrated(dir, &store, &error), STORE_OK);
		ck_assert_int_eq(store_test_migrate_with(store, store_migrations, v, &from, &to,
							 &error), STORE_OK);
		store_close(&store);
		objects_at[v] = schema_objects(path, &version);
		ck_assert_int_eq(version, (int)v);
	}
	for (unsigned n = 1;; n++) {
		struct store *store = NULL;
		snprintf(name, sizeof(name), "migration-faults-%u", n);
		const char *dir = new_dir(name);
		snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_FILE);
		ck_assert_int_eq(store_open_unmigrated(dir, &store, &error), STORE_OK);
		store_test_fail_after(store, n);
		enum store_result ret = store_migrate(store, &from, &to, &error);
		if (store_test_fault_pending(store)) {
			store_test_fail_after(store, 0);
			ck_assert_int_eq(ret, STORE_OK);
			ck_assert_int_eq(to, store_schema_version());
			store_close(&store);
			ck_assert_uint_gt(n, 2 * store_migration_count);
			break;
		}
		ck_assert_int_eq(ret, STORE_ERROR);
		int objects = schema_objects(path, &version);
		ck_assert_int_lt(version, store_schema_version());
		ck_assert_int_eq(objects, objects_at[version]);
		ck_assert_int_eq(store_migrate(store, &from, &to, &error), STORE_OK);
		ck_assert_int_eq(from, version);
		ck_assert_int_eq(to, store_schema_version());
		store_close(&store);
		ck_assert_uint_lt(n, 200);
	}
}
END_TEST

/* Nested transactions (store-folder.h): store functions join the caller's transaction, an
 * inner begin/rollback undoes only the inner work, a failing write undoes only its own
 * statements, and nothing is visible to another handle before the outer commit. */
START_TEST(test_nested_transactions)
{
	const char *dir = new_dir("nested");
	struct store *store = open_ok(dir), *other = open_ok(dir);
	pool *p = pool_new(0);
	struct store_context ctx;
	const char *error = NULL;

	ck_assert_int_eq(store_commit(store, &error), STORE_ERROR); /* none open */
	store_rollback(store); /* none open: a no-op */
	ck_assert_int_eq(store_begin(store, &error), STORE_OK);
	ck_assert_int_eq(store_context_add(store, "a.test", &error), STORE_OK);
	/* A failing write inside: only its own statements go. */
	ck_assert_int_eq(store_context_add(store, "a.test", &error), STORE_EXISTS);
	ck_assert_int_eq(store_begin(store, &error), STORE_OK);
	ck_assert_int_eq(store_context_add(store, "b.test", &error), STORE_OK);
	store_rollback(store);
	ck_assert_int_eq(store_begin(store, &error), STORE_OK);
	ck_assert_int_eq(store_context_add(store, "c.test", &error), STORE_OK);
	ck_assert_int_eq(store_commit(store, &error), STORE_OK);
	/* Uncommitted: the other handle sees nothing yet (and the writer its own work). */
	ck_assert_int_eq(store_context_get(other, p, "a.test", &ctx, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_context_get(store, p, "c.test", &ctx, &error), STORE_OK);
	ck_assert_int_eq(store_commit(store, &error), STORE_OK);
	ck_assert_int_eq(store_context_get(other, p, "a.test", &ctx, &error), STORE_OK);
	ck_assert_int_eq(store_context_get(other, p, "b.test", &ctx, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_context_get(other, p, "c.test", &ctx, &error), STORE_OK);

	/* An outer rollback undoes the committed inner level too. */
	ck_assert_int_eq(store_begin(store, &error), STORE_OK);
	ck_assert_int_eq(store_begin(store, &error), STORE_OK);
	ck_assert_int_eq(store_context_add(store, "d.test", &error), STORE_OK);
	ck_assert_int_eq(store_commit(store, &error), STORE_OK);
	store_rollback(store);
	ck_assert_int_eq(store_context_get(store, p, "d.test", &ctx, &error), STORE_NOT_FOUND);

	/* A commit that fails rolls everything back and ends the transaction. */
	ck_assert_int_eq(store_begin(store, &error), STORE_OK);
	ck_assert_int_eq(store_context_add(store, "e.test", &error), STORE_OK);
	store_test_fail_after(store, 1);
	ck_assert_int_eq(store_commit(store, &error), STORE_ERROR);
	ck_assert_int_eq(store_context_get(store, p, "e.test", &ctx, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_context_add(store, "e.test", &error), STORE_OK);
	pool_free(&p);
	store_close(&other);
	store_close(&store);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = store_tcase(s, "core", 30);
	tcase_add_test(tc, test_open_creates_migrates_and_reopens);
	tcase_add_test(tc, test_migrate_unmigrated_store);
	tcase_add_test(tc, test_migration_step_is_atomic);
	tcase_add_test(tc, test_open_failures);
	tcase_add_test(tc, test_contexts_crud_and_case);
	tcase_add_test(tc, test_default_context);
	tcase_add_test(tc, test_invalid_names);
	tcase_add_test(tc, test_users_crud_and_case);
	tcase_add_test(tc, test_cascade_deletes);
	tcase_add_test(tc, test_device_touch_keeps_last_user_agent);
	tcase_add_test(tc, test_two_handles_share_the_file);
	tcase_add_test(tc, test_threads_with_own_handles);
	tcase_add_test(tc, test_concurrent_first_open);
	tcase_add_test(tc, test_fault_injection_leaves_no_partial_writes);
	tcase_add_test(tc, test_fault_injection_in_migration);
	tcase_add_test(tc, test_nested_transactions);
	return run_suite(s);
}
