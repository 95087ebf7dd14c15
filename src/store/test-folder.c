/* Unit tests of folders, items and the change log (store-folder.h) on the SQLite store. */
#include <check.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/pool.h"
#include "store/store.h"
#include "store/store-folder.h"
#include "store/store-testing.h"
/* For the tests of the private helpers (statement cache, aborted transactions). */
#include "store/store-sqlite-private.h"

#define TEST_STORE_ENV_NAME "folder"
#include "store/test-store-env.h"

static struct store_folder get_folder(struct store *store, pool *p, int64_t uid, const char *sid)
{
	struct store_folder f;
	const char *error = NULL;
	ck_assert_msg(store_folder_get(store, p, uid, sid, &f, &error) == STORE_OK, "%s: %s", sid,
		      error);
	return f;
}

static struct store_folder get_default(struct store *store, pool *p, int64_t uid, int type)
{
	struct store_folder f;
	const char *error = NULL;
	ck_assert_msg(store_folder_get_default(store, p, uid, type, &f, &error) == STORE_OK,
		      "type %d: %s", type, error);
	return f;
}

static struct store_folder create_folder(struct store *store, pool *p, int64_t uid,
					 const char *parent, const char *name, int type)
{
	struct store_folder f;
	const char *error = NULL;
	ck_assert_msg(store_folder_create(store, p, uid, parent, name, type, 0, &f, &error) ==
		      STORE_OK, "%s: %s", name, error);
	return f;
}

static struct store_item item_in(const char *data, const char *uid)
{
	struct store_item in = { 0 };
	in.data = (const unsigned char *)data;
	in.data_len = data == NULL ? 0 : strlen(data);
	in.uid = uid;
	in.filter_start = STORE_TIME_MIN;
	in.filter_end = STORE_TIME_MAX;
	return in;
}

static struct store_item add_item(struct store *store, pool *p, int64_t uid, const char *fsid,
				  const char *data, int64_t origin)
{
	struct store_item in = item_in(data, NULL), out;
	const char *error = NULL;
	ck_assert_msg(store_item_add(store, p, uid, fsid, &in, origin, &out, &error) == STORE_OK,
		      "%s", error);
	return out;
}

static int64_t user_modseq(struct store *store, int64_t uid)
{
	int64_t m;
	const char *error = NULL;
	ck_assert_int_eq(store_user_modseq(store, uid, &m, &error), STORE_OK);
	return m;
}

static int64_t items_modseq(struct store *store, int64_t folder_id)
{
	int64_t m;
	const char *error = NULL;
	ck_assert_int_eq(store_folder_items_modseq(store, folder_id, &m, &error), STORE_OK);
	return m;
}

static int64_t hierarchy_modseq(struct store *store, int64_t uid)
{
	int64_t m;
	const char *error = NULL;
	ck_assert_int_eq(store_hierarchy_modseq(store, uid, &m, &error), STORE_OK);
	return m;
}

static uint64_t item_count(struct store *store, int64_t folder_id)
{
	uint64_t n;
	const char *error = NULL;
	ck_assert_int_eq(store_folder_item_count(store, folder_id, &n, &error), STORE_OK);
	return n;
}

/* Runs sql on the database file of dir through a connection of its own (committed state
 * only) and appends every row as text to out. */
static void raw_query(const char *dir, const char *sql, buf *out)
{
	char path[600];
	sqlite3 *raw;
	sqlite3_stmt *stmt;

	snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_FILE);
	ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(raw, sql, -1, &stmt, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(raw));
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(stmt); i++) {
			const unsigned char *t = sqlite3_column_text(stmt, i);
			buf_printf(out, "%s|", t == NULL ? "NULL" : (const char *)t);
		}
		buf_putc(out, '\n');
	}
	sqlite3_finalize(stmt);
	sqlite3_close(raw);
}

static int64_t raw_count(const char *dir, const char *sql)
{
	buf out = BUF_INIT;
	raw_query(dir, sql, &out);
	int64_t n = strtoll(buf_cstr(&out), NULL, 10);
	buf_free(&out);
	return n;
}

/* Every row of every table the store writes: equal dumps mean an unchanged database. */
static void dump_all(const char *dir, buf *out)
{
	buf_truncate(out, 0);
	raw_query(dir, "SELECT * FROM users ORDER BY id", out);
	raw_query(dir, "SELECT * FROM folders ORDER BY id", out);
	raw_query(dir, "SELECT id, user_id, folder_id, server_id, modseq, deleted, origin_device,"
		       " uid, filter_start, filter_end, flags, hex(data) FROM items ORDER BY id",
		  out);
}

/* ---- Default folders ---- */

static const struct {
	const char *name;
	int type;
} expected_defaults[] = {
	{ "Inbox", 2 }, { "Drafts", 3 }, { "Deleted Items", 4 }, { "Sent Items", 5 },
	{ "Outbox", 6 }, { "Junk E-mail", 12 }, { "Calendar", 8 }, { "Contacts", 9 },
	{ "Tasks", 7 }, { "Notes", 10 },
};

/* The user's live folders are exactly the ten defaults, at the top, modseqs 1-10. */
static void check_defaults(struct store *store, int64_t uid)
{
	pool *p = pool_new(0);
	struct store_folder *list;
	size_t n;
	const char *error = NULL;

	ck_assert_int_eq(store_folder_list(store, p, uid, 0, &list, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 10);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(list[i].name, expected_defaults[i].name);
		ck_assert_int_eq(list[i].type, expected_defaults[i].type);
		ck_assert_str_eq(list[i].parent_server_id, "0");
		ck_assert(list[i].is_default);
		ck_assert(!list[i].deleted);
		ck_assert_int_eq(list[i].user_id, uid);
		ck_assert_int_eq(list[i].modseq, (int64_t)i + 1);
		ck_assert_int_eq(list[i].items_modseq, 0);
		struct store_folder d = get_default(store, p, uid, list[i].type);
		ck_assert_int_eq(d.id, list[i].id);
		struct store_folder byid;
		ck_assert_int_eq(store_folder_get_by_id(store, p, uid, list[i].id, &byid, &error),
				 STORE_OK);
		ck_assert_str_eq(byid.server_id, list[i].server_id);
	}
	ck_assert_int_eq(user_modseq(store, uid), 10);
	ck_assert_int_eq(hierarchy_modseq(store, uid), 10);
	pool_free(&p);
}

START_TEST(test_defaults_after_user_add)
{
	int64_t uid;
	struct store *store = open_with_user("defaults", &uid);
	pool *p = pool_new(0);
	struct store_folder f;
	const char *error = NULL;

	check_defaults(store, uid);
	ck_assert_str_eq(get_default(store, p, uid, STORE_FOLDER_INBOX).server_id, "1");
	/* No default of the user types except Junk E-mail (12), no Journal. */
	ck_assert_int_eq(store_folder_get_default(store, p, uid, STORE_FOLDER_JOURNAL, &f, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_folder_get_default(store, p, uid, STORE_FOLDER_USER_CONTACTS, &f,
						  &error), STORE_NOT_FOUND);
	/* Twice is refused and changes nothing; an unknown user is not found. */
	ck_assert_int_eq(store_folders_create_defaults(store, uid, &error), STORE_EXISTS);
	ck_assert_int_eq(user_modseq(store, uid), 10);
	ck_assert_int_eq(store_folders_create_defaults(store, 999, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_folder_get(store, p, uid, "0", &f, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_folder_get(store, p, uid, "11", &f, &error), STORE_NOT_FOUND);
	/* The first user folder continues the numbering. */
	f = create_folder(store, p, uid, "0", "Mine", STORE_FOLDER_USER_CONTACTS);
	ck_assert_str_eq(f.server_id, "11");
	ck_assert_int_eq(f.modseq, 11);
	/* The type helpers. */
	ck_assert_int_eq(store_folder_type_class(STORE_FOLDER_CONTACTS), STORE_CLASS_CONTACTS);
	ck_assert_int_eq(store_folder_type_class(STORE_FOLDER_USER_TASKS), STORE_CLASS_TASKS);
	ck_assert_int_eq(store_folder_type_class(STORE_FOLDER_USER_MAIL), STORE_CLASS_EMAIL);
	ck_assert_int_eq(store_folder_type_class(STORE_FOLDER_CALENDAR), STORE_CLASS_CALENDAR);
	ck_assert_int_eq(store_folder_type_class(STORE_FOLDER_USER_NOTES), STORE_CLASS_NOTES);
	ck_assert_int_eq(store_folder_type_class(STORE_FOLDER_GENERIC), STORE_CLASS_NONE);
	ck_assert_int_eq(store_folder_type_class(STORE_FOLDER_RECIPIENT_CACHE), STORE_CLASS_NONE);
	ck_assert(store_folder_type_is_default(STORE_FOLDER_INBOX));
	ck_assert(!store_folder_type_is_default(STORE_FOLDER_USER_MAIL));
	ck_assert_str_eq(store_class_name(STORE_CLASS_CONTACTS), "Contacts");
	ck_assert_str_eq(store_class_name(STORE_CLASS_EMAIL), "Email");
	ck_assert_ptr_null(store_class_name(STORE_CLASS_NONE));
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* A database of schema version 1 with users gets their default folders from migration 2;
 * users added afterwards get them from store_user_add. */
START_TEST(test_defaults_after_migrating_an_old_database)
{
	const char *dir = new_dir("old");
	struct store *store = NULL;
	int from, to;
	const char *error = NULL;

	ck_assert_int_eq(store_open_unmigrated(dir, &store, &error), STORE_OK);
	ck_assert_int_eq(store_test_migrate_with(store, store_migrations, 1, &from, &to, &error),
			 STORE_OK);
	ck_assert_int_eq(to, 1);
	store_close(&store);
	char path[600];
	sqlite3 *raw;
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_FILE);
	ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(raw,
		"INSERT INTO contexts (domain, is_default, created) VALUES ('ox.io', 1, 1);"
		"INSERT INTO users (context_id, name, email, password_hash, created)"
		" VALUES (1, 'old1', 'old1@ox.io', 'h', 1), (1, 'old2', 'old2@ox.io', 'h', 1);",
		NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);

	store = open_ok(dir);
	check_defaults(store, 1);
	check_defaults(store, 2);
	int64_t fresh = add_user(store, "ox.io", "new");
	check_defaults(store, fresh);
	pool *p = pool_new(0);
	ck_assert_str_eq(create_folder(store, p, 1, "0", "After", 12).server_id, "11");
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* ---- Folders ---- */

START_TEST(test_folder_create_errors)
{
	int64_t uid;
	struct store *store = open_with_user("create", &uid);
	pool *p = pool_new(0);
	struct store_folder f, a;
	const char *error = NULL;
	char long_name[258];

	memset(long_name, 'x', 257);
	long_name[257] = '\0';
	static const char *const bad_names[] = { "", "tab\there", "del\x7f", "bad\xff utf8",
						 "\xc3", NULL };
	for (size_t i = 0; bad_names[i] != NULL; i++) {
		error = NULL;
		ck_assert_int_eq(store_folder_create(store, p, uid, "0", bad_names[i], 12, 0, &f,
						     &error), STORE_INVALID);
		ck_assert_ptr_nonnull(error);
	}
	ck_assert_int_eq(store_folder_create(store, p, uid, "0", long_name, 12, 0, &f, &error),
			 STORE_INVALID);
	long_name[256] = '\0'; /* 256 bytes is fine */
	a = create_folder(store, p, uid, "0", long_name, 12);
	ck_assert_str_eq(a.name, long_name);
	ck_assert_int_eq(store_folder_create(store, p, uid, "0", NULL, 12, 0, &f, &error),
			 STORE_INVALID);
	/* Only generic and the user types can be created. */
	static const int bad_types[] = { 0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 18, 19, 20, -1 };
	for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++)
		ck_assert_int_eq(store_folder_create(store, p, uid, "0", "T", bad_types[i], 0, &f,
						     &error), STORE_INVALID);
	for (int type = 12; type <= 17; type++) {
		char name[16];
		snprintf(name, sizeof(name), "T%d", type);
		ck_assert_int_eq(create_folder(store, p, uid, "0", name, type).type, type);
	}
	ck_assert_int_eq(create_folder(store, p, uid, "0", "Generic", 1).type, 1);
	ck_assert_int_eq(store_folder_create(store, p, uid, "0", "O", 12, -1, &f, &error),
			 STORE_INVALID);
	/* Parents: unknown, top, a default folder, a user folder. */
	ck_assert_int_eq(store_folder_create(store, p, uid, "999", "Sub", 12, 0, &f, &error),
			 STORE_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(error, "parent"));
	ck_assert_int_eq(store_folder_create(store, p, uid, "", "Sub", 12, 0, &f, &error),
			 STORE_NOT_FOUND);
	struct store_folder under_inbox = create_folder(store, p, uid, "1", "Sub", 12);
	ck_assert_str_eq(under_inbox.parent_server_id, "1");
	struct store_folder under_user = create_folder(store, p, uid, under_inbox.server_id, "Sub",
						       12);
	ck_assert_str_eq(under_user.parent_server_id, under_inbox.server_id);
	/* Names are unique among live siblings only. */
	ck_assert_int_eq(store_folder_create(store, p, uid, "1", "Sub", 14, 0, &f, &error),
			 STORE_EXISTS);
	ck_assert_ptr_nonnull(strstr(error, "exists"));
	ck_assert_int_eq(store_folder_create(store, p, uid, "0", "Inbox", 12, 0, &f, &error),
			 STORE_EXISTS);
	ck_assert_int_eq(create_folder(store, p, uid, "0", "inbox", 12).type, 12); /* exact */
	/* A deleted parent is gone; a deleted name is free again, under a new ServerId. */
	ck_assert_int_eq(store_folder_delete(store, uid, under_inbox.server_id, 0, &error),
			 STORE_OK);
	ck_assert_int_eq(store_folder_create(store, p, uid, under_inbox.server_id, "X", 12, 0, &f,
					     &error), STORE_NOT_FOUND);
	f = create_folder(store, p, uid, "1", "Sub", 12);
	ck_assert_str_ne(f.server_id, under_inbox.server_id);
	ck_assert_str_ne(f.server_id, under_user.server_id);
	/* An unknown user. */
	ck_assert_int_eq(store_folder_create(store, p, 999, "0", "Nobody", 12, 0, &f, &error),
			 STORE_NOT_FOUND);
	/* ServerIds are distinct decimal numbers. */
	struct store_folder *list;
	size_t n;
	ck_assert_int_eq(store_folder_list(store, p, uid, -1, &list, &n, &error), STORE_OK);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(strspn(list[i].server_id, "0123456789"),
				  strlen(list[i].server_id));
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(list[i].server_id, list[j].server_id);
	}
	pool_free(&p);
	store_close(&store);
}
END_TEST

START_TEST(test_folder_update)
{
	int64_t uid;
	struct store *store = open_with_user("update", &uid);
	pool *p = pool_new(0);
	struct store_folder f, a, b, c, out;
	const char *error = NULL;

	a = create_folder(store, p, uid, "0", "A", 12);
	b = create_folder(store, p, uid, a.server_id, "B", 12);
	c = create_folder(store, p, uid, b.server_id, "C", 12);
	create_folder(store, p, uid, "0", "Taken", 12);

	/* Rename. */
	ck_assert_int_eq(store_folder_update(store, p, uid, a.server_id, NULL, "A2", 7, &out,
					     &error), STORE_OK);
	ck_assert_str_eq(out.name, "A2");
	ck_assert_str_eq(out.parent_server_id, "0");
	ck_assert_str_eq(out.server_id, a.server_id);
	ck_assert_int_eq(out.modseq, user_modseq(store, uid));
	ck_assert_int_gt(out.modseq, c.modseq);
	f = get_folder(store, p, uid, a.server_id);
	ck_assert_str_eq(f.name, "A2");
	ck_assert_int_eq(f.modseq, out.modseq);
	/* Move (same name), then move and rename at once, then back to the top. */
	ck_assert_int_eq(store_folder_update(store, p, uid, c.server_id, a.server_id, NULL, 0, &out,
					     &error), STORE_OK);
	ck_assert_str_eq(out.name, "C");
	ck_assert_str_eq(get_folder(store, p, uid, c.server_id).parent_server_id, a.server_id);
	ck_assert_int_eq(store_folder_update(store, p, uid, c.server_id, "1", "C2", 0, &out,
					     &error), STORE_OK);
	f = get_folder(store, p, uid, c.server_id);
	ck_assert_str_eq(f.parent_server_id, "1");
	ck_assert_str_eq(f.name, "C2");
	ck_assert_int_eq(store_folder_update(store, p, uid, c.server_id, "0", NULL, 0, &out,
					     &error), STORE_OK);
	ck_assert_str_eq(get_folder(store, p, uid, c.server_id).parent_server_id, "0");
	/* Same name and parent: still a write with a new modseq. */
	int64_t before = user_modseq(store, uid);
	ck_assert_int_eq(store_folder_update(store, p, uid, c.server_id, NULL, NULL, 0, &out,
					     &error), STORE_OK);
	ck_assert_int_eq(out.modseq, before + 1);

	/* Errors, each changing nothing. */
	before = user_modseq(store, uid);
	for (size_t i = 0; i < 10; i++) {
		struct store_folder d = get_default(store, p, uid, expected_defaults[i].type);
		ck_assert_int_eq(store_folder_update(store, p, uid, d.server_id, NULL, "X", 0, &out,
						     &error), STORE_FORBIDDEN);
		ck_assert_int_eq(store_folder_update(store, p, uid, d.server_id, a.server_id, NULL,
						     0, &out, &error), STORE_FORBIDDEN);
	}
	ck_assert_int_eq(store_folder_update(store, p, uid, "999", NULL, "X", 0, &out, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_folder_update(store, p, uid, b.server_id, "999", NULL, 0, &out,
					     &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_folder_update(store, p, uid, a.server_id, a.server_id, NULL, 0, &out,
					     &error), STORE_INVALID);
	ck_assert_int_eq(store_folder_update(store, p, uid, a.server_id, b.server_id, NULL, 0, &out,
					     &error), STORE_INVALID);
	ck_assert_ptr_nonnull(strstr(error, "below itself"));
	/* A grandchild. */
	struct store_folder d = create_folder(store, p, uid, b.server_id, "D", 12);
	before = user_modseq(store, uid);
	ck_assert_int_eq(store_folder_update(store, p, uid, a.server_id, d.server_id, NULL, 0, &out,
					     &error), STORE_INVALID);
	ck_assert_int_eq(store_folder_update(store, p, uid, a.server_id, NULL, "Taken", 0, &out,
					     &error), STORE_EXISTS);
	ck_assert_int_eq(store_folder_update(store, p, uid, a.server_id, NULL, "", 0, &out,
					     &error), STORE_INVALID);
	ck_assert_int_eq(store_folder_update(store, p, uid, a.server_id, NULL, "x\ny", 0, &out,
					     &error), STORE_INVALID);
	ck_assert_int_eq(store_folder_update(store, p, uid, a.server_id, NULL, "X", -2, &out,
					     &error), STORE_INVALID);
	ck_assert_int_eq(user_modseq(store, uid), before);
	f = get_folder(store, p, uid, a.server_id);
	ck_assert_str_eq(f.name, "A2");
	ck_assert_str_eq(f.parent_server_id, "0");
	/* A deleted folder cannot be changed or be a parent. */
	ck_assert_int_eq(store_folder_delete(store, uid, d.server_id, 0, &error), STORE_OK);
	ck_assert_int_eq(store_folder_update(store, p, uid, d.server_id, NULL, "X", 0, &out,
					     &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_folder_update(store, p, uid, c.server_id, d.server_id, NULL, 0, &out,
					     &error), STORE_NOT_FOUND);
	/* Moving to a sibling of the same name is refused. */
	create_folder(store, p, uid, a.server_id, "C2", 12);
	ck_assert_int_eq(store_folder_update(store, p, uid, c.server_id, a.server_id, "C2", 0, &out,
					     &error), STORE_EXISTS);
	pool_free(&p);
	store_close(&store);
}
END_TEST

START_TEST(test_folder_delete_subtree)
{
	int64_t uid;
	struct store *store = open_with_user("delete", &uid);
	pool *p = pool_new(0);
	struct store_folder a, b, c, other, out;
	struct store_item it;
	const char *error = NULL;

	a = create_folder(store, p, uid, "0", "A", 14);
	b = create_folder(store, p, uid, a.server_id, "B", 14);
	c = create_folder(store, p, uid, b.server_id, "C", 14);
	other = create_folder(store, p, uid, "0", "Other", 14);
	struct store_item ia = add_item(store, p, uid, a.server_id, "a1", 0);
	add_item(store, p, uid, a.server_id, "a2", 0);
	struct store_item ic = add_item(store, p, uid, c.server_id, "c1", 0);
	struct store_item io = add_item(store, p, uid, other.server_id, "o1", 0);
	ck_assert_int_eq(store_item_delete(store, uid, ia.server_id, 0, NULL, &error), STORE_OK);
	int64_t before = user_modseq(store, uid);

	/* Errors first. */
	for (size_t i = 0; i < 10; i++) {
		struct store_folder d = get_default(store, p, uid, expected_defaults[i].type);
		ck_assert_int_eq(store_folder_delete(store, uid, d.server_id, 0, &error),
				 STORE_FORBIDDEN);
	}
	ck_assert_int_eq(store_folder_delete(store, uid, "999", 0, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_folder_delete(store, uid, "0", 0, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_folder_delete(store, uid, a.server_id, -1, &error), STORE_INVALID);
	ck_assert_int_eq(user_modseq(store, uid), before);

	ck_assert_int_eq(store_folder_delete(store, uid, a.server_id, 42, &error), STORE_OK);
	/* One live item of A, one of C, and three folders: five new modseqs. */
	ck_assert_int_eq(user_modseq(store, uid), before + 5);
	ck_assert_int_eq(hierarchy_modseq(store, uid), before + 5);
	ck_assert_int_eq(store_folder_delete(store, uid, a.server_id, 0, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_folder_get(store, p, uid, b.server_id, &out, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_item_get(store, p, uid, ic.server_id, true, &it, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_item_get(store, p, uid, io.server_id, true, &it, &error), STORE_OK);

	/* Live list: not there; changed list: tombstones, deepest first, distinct modseqs. */
	struct store_folder *list;
	size_t n;
	ck_assert_int_eq(store_folder_list(store, p, uid, 0, &list, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 11);
	for (size_t i = 0; i < n; i++)
		ck_assert(!list[i].deleted);
	ck_assert_int_eq(store_folder_list(store, p, uid, before, &list, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0].server_id, c.server_id);
	ck_assert_str_eq(list[1].server_id, b.server_id);
	ck_assert_str_eq(list[2].server_id, a.server_id);
	for (size_t i = 0; i < n; i++) {
		ck_assert(list[i].deleted);
		ck_assert(i == 0 || list[i].modseq > list[i - 1].modseq);
	}
	ck_assert_int_eq(store_folder_get_by_id(store, p, uid, a.id, &out, &error), STORE_OK);
	ck_assert(out.deleted);
	/* Items: tombstones without data, with the origin, visible in the changed list. */
	struct store_item *items;
	ck_assert_int_eq(store_items_changed(store, p, c.id, 0, 0, true, &items, &n, &error),
			 STORE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert(items[0].deleted);
	ck_assert_ptr_null(items[0].data);
	ck_assert_int_eq(items[0].origin_device, 42);
	ck_assert_int_gt(items[0].modseq, before);
	ck_assert_int_eq(items_modseq(store, c.id), items[0].modseq);
	ck_assert_int_eq(store_items_changed(store, p, a.id, before, 0, true, &items, &n, &error),
			 STORE_OK);
	ck_assert_uint_eq(n, 1); /* a2; a1 was a tombstone already */
	ck_assert_int_eq(store_items_changed(store, p, a.id, 0, 0, true, &items, &n, &error),
			 STORE_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(store_items_list(store, p, a.id, 0, 0, true, &items, &n, &error),
			 STORE_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(item_count(store, a.id), 0);
	ck_assert_uint_eq(item_count(store, other.id), 1);
	/* Deleting the top of the subtree leaves the other folders alone; a deleted
	 * subfolder's name is free. */
	ck_assert_str_eq(get_folder(store, p, uid, other.server_id).name, "Other");
	ck_assert_int_eq(create_folder(store, p, uid, "0", "A", 14).deleted, false);
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* ---- Items and modseqs ---- */

START_TEST(test_items_crud)
{
	int64_t uid;
	struct store *store = open_with_user("items", &uid);
	pool *p = pool_new(0);
	const char *error = NULL;
	struct store_folder contacts = get_default(store, p, uid, STORE_FOLDER_CONTACTS);
	struct store_item in = { 0 }, out, got;
	static const unsigned char bytes[] = { 0x03, 0x01, 0x00, 0xff, 0x00, 0x6a };

	in.data = bytes;
	in.data_len = sizeof(bytes);
	in.uid = "uid-1";
	in.filter_start = 100;
	in.filter_end = 200;
	in.flags = STORE_ITEM_COMPLETE;
	ck_assert_int_eq(store_item_add(store, p, uid, contacts.server_id, &in, 5, &out, &error),
			 STORE_OK);
	char want[32];
	snprintf(want, sizeof(want), "%s:1", contacts.server_id);
	ck_assert_str_eq(out.server_id, want);
	ck_assert_int_eq(out.folder_id, contacts.id);
	ck_assert_int_eq(out.user_id, uid);
	ck_assert_int_eq(out.modseq, 11);
	ck_assert_int_eq(out.origin_device, 5);
	ck_assert_uint_eq(out.data_len, sizeof(bytes));
	ck_assert_mem_eq(out.data, bytes, sizeof(bytes));
	ck_assert_ptr_ne(out.data, bytes);
	ck_assert_int_eq(items_modseq(store, contacts.id), 11);
	ck_assert_uint_eq(item_count(store, contacts.id), 1);

	ck_assert_int_eq(store_item_get(store, p, uid, out.server_id, true, &got, &error), STORE_OK);
	ck_assert_int_eq(got.id, out.id);
	ck_assert_uint_eq(got.data_len, sizeof(bytes));
	ck_assert_mem_eq(got.data, bytes, sizeof(bytes));
	ck_assert_str_eq(got.uid, "uid-1");
	ck_assert_int_eq(got.filter_start, 100);
	ck_assert_int_eq(got.filter_end, 200);
	ck_assert_uint_eq(got.flags, STORE_ITEM_COMPLETE);
	ck_assert_int_eq(got.origin_device, 5);
	ck_assert(!got.deleted);
	ck_assert_int_eq(store_item_get(store, p, uid, out.server_id, false, &got, &error), STORE_OK);
	ck_assert_ptr_null(got.data);
	ck_assert_uint_eq(got.data_len, 0);

	/* Update: new data, no uid, no flags; a new modseq, same ServerId and folder. */
	struct store_item up = item_in("", NULL);
	ck_assert_int_eq(store_item_update(store, p, uid, out.server_id, &up, 0, &got, &error),
			 STORE_OK);
	ck_assert_int_eq(got.modseq, 12);
	ck_assert_str_eq(got.server_id, out.server_id);
	ck_assert_int_eq(got.folder_id, contacts.id);
	ck_assert_int_eq(store_item_get(store, p, uid, out.server_id, true, &got, &error), STORE_OK);
	ck_assert_ptr_nonnull(got.data); /* empty, not a tombstone */
	ck_assert_uint_eq(got.data_len, 0);
	ck_assert_ptr_null(got.uid);
	ck_assert_uint_eq(got.flags, 0);
	ck_assert_int_eq(got.filter_start, STORE_TIME_MIN);
	ck_assert_int_eq(got.filter_end, STORE_TIME_MAX);
	ck_assert_int_eq(got.origin_device, 0);
	ck_assert_int_eq(items_modseq(store, contacts.id), 12);
	ck_assert_uint_eq(item_count(store, contacts.id), 1);

	/* Delete: a tombstone; never found, changed, deleted again or updated. */
	int64_t m = 0;
	ck_assert_int_eq(store_item_delete(store, uid, out.server_id, 3, &m, &error), STORE_OK);
	ck_assert_int_eq(m, 13);
	ck_assert_int_eq(items_modseq(store, contacts.id), 13);
	ck_assert_uint_eq(item_count(store, contacts.id), 0);
	ck_assert_int_eq(store_item_get(store, p, uid, out.server_id, true, &got, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_item_delete(store, uid, out.server_id, 0, NULL, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_item_update(store, p, uid, out.server_id, &up, 0, &got, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(user_modseq(store, uid), 13);
	/* Numbers are never reused. */
	struct store_item next = add_item(store, p, uid, contacts.server_id, "x", 0);
	snprintf(want, sizeof(want), "%s:2", contacts.server_id);
	ck_assert_str_eq(next.server_id, want);

	/* Errors. */
	struct store_item bad = item_in("x", NULL);
	ck_assert_int_eq(store_item_add(store, p, uid, "999", &bad, 0, &got, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_item_add(store, p, uid, NULL, &bad, 0, &got, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_item_add(store, p, 999, contacts.server_id, &bad, 0, &got, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_item_add(store, p, uid, contacts.server_id, &bad, -1, &got, &error),
			 STORE_INVALID);
	bad.filter_start = 10;
	bad.filter_end = 9;
	ck_assert_int_eq(store_item_add(store, p, uid, contacts.server_id, &bad, 0, &got, &error),
			 STORE_INVALID);
	bad = item_in("x", "bad\xff");
	ck_assert_int_eq(store_item_add(store, p, uid, contacts.server_id, &bad, 0, &got, &error),
			 STORE_INVALID);
	char long_uid[STORE_ITEM_UID_MAX + 2];
	memset(long_uid, 'u', sizeof(long_uid) - 1);
	long_uid[sizeof(long_uid) - 1] = '\0';
	bad = item_in("x", long_uid);
	ck_assert_int_eq(store_item_add(store, p, uid, contacts.server_id, &bad, 0, &got, &error),
			 STORE_INVALID);
	bad = item_in(NULL, NULL);
	bad.data_len = 3;
	ck_assert_int_eq(store_item_add(store, p, uid, contacts.server_id, &bad, 0, &got, &error),
			 STORE_INVALID);
	bad = item_in("x", NULL);
	bad.data_len = (size_t)STORE_ITEM_DATA_MAX + 1; /* refused before it is read */
	ck_assert_int_eq(store_item_add(store, p, uid, contacts.server_id, &bad, 0, &got, &error),
			 STORE_INVALID);
	ck_assert_int_eq(store_item_update(store, p, uid, next.server_id, &bad, 0, &got, &error),
			 STORE_INVALID);
	ck_assert_int_eq(store_item_update(store, p, uid, "999:1", &up, 0, &got, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_item_delete(store, uid, next.server_id, -1, NULL, &error),
			 STORE_INVALID);
	ck_assert_int_eq(user_modseq(store, uid), 14);
	/* NULL data with length 0 is an empty item. */
	bad = item_in(NULL, NULL);
	ck_assert_int_eq(store_item_add(store, p, uid, contacts.server_id, &bad, 0, &got, &error),
			 STORE_OK);
	ck_assert_int_eq(store_item_get(store, p, uid, got.server_id, true, &got, &error), STORE_OK);
	ck_assert_ptr_nonnull(got.data);
	ck_assert_uint_eq(got.data_len, 0);
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* Every write of a folder or item takes the next modseq of its user; folders.items_modseq
 * follows the items, the hierarchy modseq the folders only. */
START_TEST(test_modseq_strictly_increasing)
{
	int64_t uid;
	struct store *store = open_with_user("modseq", &uid);
	pool *p = pool_new(0);
	const char *error = NULL;
	struct store_folder tasks = get_default(store, p, uid, STORE_FOLDER_TASKS);
	struct store_folder contacts = get_default(store, p, uid, STORE_FOLDER_CONTACTS);
	int64_t last = user_modseq(store, uid), m;
	struct store_item out, in = item_in("d", NULL);

	for (int round = 0; round < 5; round++) {
		struct store_item a = add_item(store, p, uid, tasks.server_id, "t", 0);
		ck_assert_int_eq(a.modseq, last + 1);
		last = a.modseq;
		struct store_item b = add_item(store, p, uid, contacts.server_id, "c", 0);
		ck_assert_int_eq(b.modseq, last + 1);
		last = b.modseq;
		ck_assert_int_eq(items_modseq(store, tasks.id), a.modseq);
		ck_assert_int_eq(items_modseq(store, contacts.id), b.modseq);
		int64_t hier = hierarchy_modseq(store, uid);
		ck_assert_int_lt(hier, last);
		struct store_folder f = create_folder(store, p, uid, "0", round % 2 ? "X" : "Y", 15);
		ck_assert_int_eq(f.modseq, last + 1);
		last = f.modseq;
		ck_assert_int_eq(hierarchy_modseq(store, uid), last);
		ck_assert_int_eq(store_item_update(store, p, uid, a.server_id, &in, 0, &out, &error),
				 STORE_OK);
		ck_assert_int_eq(out.modseq, last + 1);
		last = out.modseq;
		ck_assert_int_eq(items_modseq(store, tasks.id), last);
		ck_assert_int_eq(items_modseq(store, contacts.id), b.modseq);
		ck_assert_int_eq(hierarchy_modseq(store, uid), f.modseq);
		ck_assert_int_eq(store_item_delete(store, uid, b.server_id, 0, &m, &error), STORE_OK);
		ck_assert_int_eq(m, last + 1);
		last = m;
		ck_assert_int_eq(items_modseq(store, contacts.id), last);
		ck_assert_int_eq(store_folder_delete(store, uid, f.server_id, 0, &error), STORE_OK);
		ck_assert_int_eq(hierarchy_modseq(store, uid), last + 1);
		last++;
		ck_assert_int_eq(user_modseq(store, uid), last);
	}
	/* A write that fails takes no modseq. */
	ck_assert_int_eq(store_item_update(store, p, uid, "nope", &in, 0, &out, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(user_modseq(store, uid), last);
	ck_assert_int_eq(store_user_modseq(store, 999, &m, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_hierarchy_modseq(store, 999, &m, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_folder_items_modseq(store, 999999, &m, &error), STORE_NOT_FOUND);
	uint64_t n;
	ck_assert_int_eq(store_folder_item_count(store, 999999, &n, &error), STORE_NOT_FOUND);
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* Changed lists in pages of any size give every change once, in modseq order, tombstones
 * included; the id-ordered list gives the live items once. */
START_TEST(test_list_paging)
{
	int64_t uid;
	struct store *store = open_with_user("paging", &uid);
	pool *p = pool_new(0);
	const char *error = NULL;
	struct store_folder f = create_folder(store, p, uid, "0", "Many", 14);
	struct store_item in = item_in("new", NULL), out;
	char sids[40][32];

	for (int i = 0; i < 40; i++) {
		char data[24];
		snprintf(data, sizeof(data), "item %d", i);
		struct store_item it = add_item(store, p, uid, f.server_id, data, 0);
		snprintf(sids[i], sizeof(sids[i]), "%s", it.server_id);
	}
	int64_t mid = user_modseq(store, uid);
	for (int i = 0; i < 40; i += 3)
		ck_assert_int_eq(store_item_update(store, p, uid, sids[i], &in, 0, &out, &error),
				 STORE_OK);
	for (int i = 1; i < 40; i += 5)
		ck_assert_int_eq(store_item_delete(store, uid, sids[i], 0, NULL, &error), STORE_OK);

	/* The 40 items, each once at its last modseq: 8 tombstones. */
	for (size_t limit = 1; limit <= 43; limit += 6) {
		int64_t after = 0, prev = 0;
		size_t total = 0, tombstones = 0, n;
		struct store_item *items;
		bool seen[40] = { false }, with_data = limit % 2 == 0;
		do {
			ck_assert_int_eq(store_items_changed(store, p, f.id, after, limit, with_data,
							     &items, &n, &error), STORE_OK);
			ck_assert_uint_le(n, limit);
			for (size_t i = 0; i < n; i++) {
				ck_assert_int_gt(items[i].modseq, prev);
				prev = items[i].modseq;
				int k = 0;
				while (k < 40 && strcmp(sids[k], items[i].server_id) != 0)
					k++;
				ck_assert_int_lt(k, 40);
				ck_assert(!seen[k]);
				seen[k] = true;
				ck_assert(items[i].deleted == (k % 5 == 1));
				tombstones += items[i].deleted;
				if (items[i].deleted || !with_data) {
					ck_assert_ptr_null(items[i].data);
				} else {
					char want[24];
					snprintf(want, sizeof(want), "item %d", k);
					ck_assert_str_eq((const char *)items[i].data,
							 k % 3 == 0 ? "new" : want);
				}
			}
			total += n;
			if (n > 0)
				after = items[n - 1].modseq;
		} while (n == limit);
		ck_assert_uint_eq(total, 40);
		ck_assert_uint_eq(tombstones, 8);
	}
	/* Only what changed after mid: the updated and the deleted items, each once. */
	struct store_item *items;
	size_t n, expect = 0;
	for (int i = 0; i < 40; i++)
		expect += i % 3 == 0 || i % 5 == 1;
	ck_assert_int_eq(store_items_changed(store, p, f.id, mid, 0, false, &items, &n, &error),
			 STORE_OK);
	ck_assert_uint_eq(n, expect);
	ck_assert_int_eq(store_items_changed(store, p, f.id, user_modseq(store, uid), 10, true,
					     &items, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 0);

	/* Live items in id order, in pages: the 32 left, each once. */
	for (size_t limit = 1; limit <= 40; limit += 13) {
		int64_t after = 0;
		size_t total = 0;
		do {
			ck_assert_int_eq(store_items_list(store, p, f.id, after, limit, true, &items,
							  &n, &error), STORE_OK);
			for (size_t i = 0; i < n; i++) {
				ck_assert_int_gt(items[i].id, after);
				ck_assert(!items[i].deleted);
				ck_assert_ptr_nonnull(items[i].data);
				after = items[i].id;
			}
			total += n;
		} while (n == limit);
		ck_assert_uint_eq(total, 32);
	}
	ck_assert_uint_eq(item_count(store, f.id), 32);
	pool_free(&p);
	store_close(&store);
}
END_TEST

START_TEST(test_uid_lookup)
{
	int64_t uid;
	struct store *store = open_with_user("uid", &uid);
	int64_t other_user = add_user(store, "ox.io", "other");
	pool *p = pool_new(0);
	const char *error = NULL;
	struct store_folder cal = get_default(store, p, uid, STORE_FOLDER_CALENDAR);
	struct store_folder cal2 = create_folder(store, p, uid, "0", "Cal2", 13);
	struct store_item in = item_in("event", "UID-1@example.com"), a, b, got;

	ck_assert_int_eq(store_item_add(store, p, uid, cal.server_id, &in, 0, &a, &error), STORE_OK);
	in = item_in("other event", "UID-2@example.com");
	ck_assert_int_eq(store_item_add(store, p, uid, cal.server_id, &in, 0, &b, &error), STORE_OK);
	ck_assert_int_eq(store_item_find_uid(store, p, uid, cal.id, "UID-1@example.com", &got,
					     &error), STORE_OK);
	ck_assert_str_eq(got.server_id, a.server_id);
	ck_assert_str_eq((const char *)got.data, "event");
	ck_assert_int_eq(store_item_find_uid(store, p, uid, cal.id, "UID-2@example.com", &got,
					     &error), STORE_OK);
	ck_assert_str_eq(got.server_id, b.server_id);
	/* Not in another folder, for another user, in another case, or once deleted. */
	ck_assert_int_eq(store_item_find_uid(store, p, uid, cal2.id, "UID-1@example.com", &got,
					     &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_item_find_uid(store, p, other_user, cal.id, "UID-1@example.com",
					     &got, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_item_find_uid(store, p, uid, cal.id, "uid-1@example.com", &got,
					     &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_item_find_uid(store, p, uid, cal.id, NULL, &got, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_item_delete(store, uid, a.server_id, 0, NULL, &error), STORE_OK);
	ck_assert_int_eq(store_item_find_uid(store, p, uid, cal.id, "UID-1@example.com", &got,
					     &error), STORE_NOT_FOUND);
	/* An update that changes the uid moves the look-up with it. */
	in = item_in("renamed", "UID-3@example.com");
	ck_assert_int_eq(store_item_update(store, p, uid, b.server_id, &in, 0, &got, &error),
			 STORE_OK);
	ck_assert_int_eq(store_item_find_uid(store, p, uid, cal.id, "UID-2@example.com", &got,
					     &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_item_find_uid(store, p, uid, cal.id, "UID-3@example.com", &got,
					     &error), STORE_OK);
	ck_assert_str_eq(got.server_id, b.server_id);
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* Two users have the same folder and item ServerIds; each sees and changes only their own. */
START_TEST(test_users_are_isolated)
{
	int64_t u1;
	struct store *store = open_with_user("isolation", &u1);
	int64_t u2 = add_user(store, "ox.io", "anna");
	pool *p = pool_new(0);
	const char *error = NULL;
	struct store_folder c1 = get_default(store, p, u1, STORE_FOLDER_CONTACTS);
	struct store_folder c2 = get_default(store, p, u2, STORE_FOLDER_CONTACTS);
	struct store_folder f, out;
	struct store_item got, in = item_in("changed", NULL);

	ck_assert_str_eq(c1.server_id, c2.server_id);
	ck_assert_int_ne(c1.id, c2.id);
	struct store_item i1 = add_item(store, p, u1, c1.server_id, "mine", 0);
	struct store_item i2 = add_item(store, p, u2, c2.server_id, "hers", 0);
	ck_assert_str_eq(i1.server_id, i2.server_id);
	struct store_folder f1 = create_folder(store, p, u1, "0", "Private", 14);
	ck_assert_str_eq(f1.server_id, "11");
	/* u2 has no folder 11 yet, and cannot use u1's as a parent or change it. */
	ck_assert_int_eq(store_folder_get(store, p, u2, "11", &f, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_folder_get_by_id(store, p, u2, f1.id, &f, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_folder_create(store, p, u2, "11", "Sub", 14, 0, &f, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_folder_update(store, p, u2, "11", NULL, "X", 0, &out, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_folder_delete(store, u2, "11", 0, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_item_add(store, p, u2, "11", &in, 0, &got, &error),
			 STORE_NOT_FOUND);
	struct store_folder *list;
	size_t n;
	ck_assert_int_eq(store_folder_list(store, p, u2, 0, &list, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 10);
	/* Same item ServerId: each user reaches their own. */
	ck_assert_int_eq(store_item_get(store, p, u1, i1.server_id, true, &got, &error), STORE_OK);
	ck_assert_str_eq((const char *)got.data, "mine");
	ck_assert_int_eq(store_item_get(store, p, u2, i1.server_id, true, &got, &error), STORE_OK);
	ck_assert_str_eq((const char *)got.data, "hers");
	ck_assert_int_eq(store_item_update(store, p, u2, i2.server_id, &in, 0, &got, &error),
			 STORE_OK);
	ck_assert_int_eq(store_item_get(store, p, u1, i1.server_id, true, &got, &error), STORE_OK);
	ck_assert_str_eq((const char *)got.data, "mine");
	ck_assert_int_eq(store_item_delete(store, u2, i2.server_id, 0, NULL, &error), STORE_OK);
	ck_assert_int_eq(store_item_get(store, p, u1, i1.server_id, true, &got, &error), STORE_OK);
	/* Modseqs are per user. */
	ck_assert_int_eq(user_modseq(store, u1), 12);
	ck_assert_int_eq(user_modseq(store, u2), 13);
	/* A user in another context too. */
	ck_assert_int_eq(store_context_add(store, "other.test", &error), STORE_OK);
	int64_t u3 = add_user(store, "other.test", "mike");
	ck_assert_int_eq(store_item_get(store, p, u3, i1.server_id, true, &got, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_folder_get(store, p, u3, "11", &f, &error), STORE_NOT_FOUND);
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* Removing a user (or their context) removes their folders and items, nobody else's. */
START_TEST(test_user_remove_removes_folders_and_items)
{
	const char *dir = new_dir("cascade");
	int64_t u1;
	struct store *store = open_ok(dir);
	pool *p = pool_new(0);
	const char *error = NULL;

	ck_assert_int_eq(store_context_add(store, "ox.io", &error), STORE_OK);
	u1 = add_user(store, "ox.io", "mike");
	int64_t u2 = add_user(store, "ox.io", "anna");
	for (int64_t u = u1; u <= u2; u++) {
		struct store_folder f = create_folder(store, p, u, "0", "Mine", 14);
		add_item(store, p, u, f.server_id, "x", 0);
		add_item(store, p, u, "8", "y", 0);
	}
	ck_assert_int_eq(raw_count(dir, "SELECT COUNT(*) FROM folders"), 22);
	ck_assert_int_eq(raw_count(dir, "SELECT COUNT(*) FROM items"), 4);
	ck_assert_int_eq(store_user_remove(store, "ox.io", "mike", &error), STORE_OK);
	ck_assert_int_eq(raw_count(dir, "SELECT COUNT(*) FROM folders"), 11);
	ck_assert_int_eq(raw_count(dir, "SELECT COUNT(*) FROM items"), 2);
	ck_assert_int_eq(raw_count(dir, "SELECT COUNT(*) FROM folders WHERE user_id = 1"), 0);
	ck_assert_int_eq(raw_count(dir, "SELECT COUNT(*) FROM items WHERE user_id = 1"), 0);
	struct store_folder *list;
	size_t n;
	ck_assert_int_eq(store_folder_list(store, p, u1, -1, &list, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 0);
	int64_t m;
	ck_assert_int_eq(store_user_modseq(store, u1, &m, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_context_remove(store, "ox.io", &error), STORE_OK);
	ck_assert_int_eq(raw_count(dir, "SELECT COUNT(*) FROM folders"), 0);
	ck_assert_int_eq(raw_count(dir, "SELECT COUNT(*) FROM items"), 0);
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* Nested transactions over folder and item writes: an inner rollback undoes only the inner
 * work (its modseqs are handed out again), a failing write inside a transaction undoes
 * only itself, and nothing is visible to another handle before the outer commit. */
START_TEST(test_nested_transactions)
{
	const char *dir = new_dir("nested");
	int64_t uid;
	struct store *store = open_ok(dir);
	pool *p = pool_new(0);
	const char *error = NULL;
	struct store_folder f, out;
	struct store_item got;

	ck_assert_int_eq(store_context_add(store, "ox.io", &error), STORE_OK);
	uid = add_user(store, "ox.io", "mike");
	struct store *other = open_ok(dir);

	ck_assert_int_eq(store_begin(store, &error), STORE_OK);
	struct store_folder a = create_folder(store, p, uid, "0", "A", 14);
	struct store_item kept = add_item(store, p, uid, a.server_id, "kept", 0);
	ck_assert_int_eq(store_begin(store, &error), STORE_OK);
	struct store_item dropped = add_item(store, p, uid, a.server_id, "dropped", 0);
	ck_assert_int_eq(dropped.modseq, kept.modseq + 1);
	create_folder(store, p, uid, "0", "B", 14);
	store_rollback(store);
	/* Failing writes inside the transaction. */
	ck_assert_int_eq(store_folder_create(store, p, uid, "0", "A", 14, 0, &f, &error),
			 STORE_EXISTS);
	ck_assert_int_eq(store_folder_delete(store, uid, "1", 0, &error), STORE_FORBIDDEN);
	ck_assert_int_eq(store_folder_update(store, p, uid, a.server_id, a.server_id, NULL, 0, &out,
					     &error), STORE_INVALID);
	struct store_item again = add_item(store, p, uid, a.server_id, "again", 0);
	ck_assert_int_eq(again.modseq, kept.modseq + 1); /* the rolled-back one's */
	ck_assert_str_eq(again.server_id, dropped.server_id); /* never committed */
	/* The other handle sees nothing yet (and is not blocked from reading). */
	ck_assert_int_eq(store_folder_get(other, p, uid, a.server_id, &f, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(user_modseq(other, uid), 10);
	ck_assert_int_eq(store_commit(store, &error), STORE_OK);
	ck_assert_int_eq(store_folder_get(other, p, uid, a.server_id, &f, &error), STORE_OK);
	ck_assert_int_eq(f.items_modseq, again.modseq);
	ck_assert_int_eq(store_item_get(other, p, uid, kept.server_id, true, &got, &error),
			 STORE_OK);
	ck_assert_int_eq(store_item_get(other, p, uid, again.server_id, true, &got, &error),
			 STORE_OK);
	ck_assert_str_eq((const char *)got.data, "again");
	ck_assert_int_eq(store_folder_get(other, p, uid, "13", &f, &error), STORE_NOT_FOUND);
	ck_assert_uint_eq(item_count(other, a.id), 2);
	ck_assert_int_eq(user_modseq(other, uid), again.modseq);

	/* An outer rollback undoes inner levels that committed. */
	ck_assert_int_eq(store_begin(store, &error), STORE_OK);
	ck_assert_int_eq(store_begin(store, &error), STORE_OK);
	add_item(store, p, uid, a.server_id, "gone", 0);
	ck_assert_int_eq(store_commit(store, &error), STORE_OK);
	store_rollback(store);
	ck_assert_uint_eq(item_count(store, a.id), 2);
	ck_assert_int_eq(user_modseq(store, uid), again.modseq);
	store_close(&other);
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* ---- Fault injection ---- */

enum op {
	OP_FOLDER_CREATE,
	OP_FOLDER_RENAME,
	OP_FOLDER_MOVE,
	OP_FOLDER_DELETE,
	OP_ITEM_ADD,
	OP_ITEM_UPDATE,
	OP_ITEM_DELETE,
	OP_USER_ADD,
	OP_CREATE_DEFAULTS,
	OP_COUNT
};

/* One write of each kind against the fixture of test_fault_injection. */
static enum store_result run_op(struct store *store, pool *p, int64_t uid, enum op op,
				const char **error_r)
{
	struct store_folder f;
	struct store_item it, in = item_in("changed", "u");

	switch (op) {
	case OP_FOLDER_CREATE:
		return store_folder_create(store, p, uid, "11", "New", 14, 0, &f, error_r);
	case OP_FOLDER_RENAME:
		return store_folder_update(store, p, uid, "12", NULL, "Renamed", 0, &f, error_r);
	case OP_FOLDER_MOVE:
		return store_folder_update(store, p, uid, "12", "0", NULL, 0, &f, error_r);
	case OP_FOLDER_DELETE:
		return store_folder_delete(store, uid, "11", 0, error_r);
	case OP_ITEM_ADD:
		return store_item_add(store, p, uid, "8", &in, 0, &it, error_r);
	case OP_ITEM_UPDATE:
		return store_item_update(store, p, uid, "8:1", &in, 0, &it, error_r);
	case OP_ITEM_DELETE:
		return store_item_delete(store, uid, "8:1", 0, NULL, error_r);
	case OP_USER_ADD:
		return store_user_add(store, "ox.io", "new", HASH, NULL, NULL, error_r);
	case OP_CREATE_DEFAULTS:
		/* User 2 has no folders (see fault_fixture). */
		return store_folders_create_defaults(store, 2, error_r);
	case OP_COUNT:
		break;
	}
	ck_abort();
	return STORE_ERROR;
}

/* A store in a fresh dir for test_fault_injection: user 1 with folders 11 (Top) and 12
 * (Sub, below Top), items 8:1, 11:1, 12:1, 12:2; user 2 without any folder. */
static struct store *fault_fixture(const char *dir)
{
	struct store *store = open_ok(dir);
	pool *p = pool_new(0);
	const char *error = NULL;

	ck_assert_int_eq(store_context_add(store, "ox.io", &error), STORE_OK);
	int64_t uid = add_user(store, "ox.io", "mike");
	struct store_folder top = create_folder(store, p, uid, "0", "Top", 14);
	struct store_folder sub = create_folder(store, p, uid, top.server_id, "Sub", 14);
	ck_assert_str_eq(top.server_id, "11");
	ck_assert_str_eq(sub.server_id, "12");
	ck_assert_str_eq(add_item(store, p, uid, "8", "one", 0).server_id, "8:1");
	add_item(store, p, uid, top.server_id, "two", 0);
	add_item(store, p, uid, sub.server_id, "three", 0);
	add_item(store, p, uid, sub.server_id, "four", 0);
	ck_assert_int_eq(add_user(store, "ox.io", "bare"), 2);
	char path[600];
	sqlite3 *raw;
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_FILE);
	ck_assert_int_eq(sqlite3_open(path, &raw), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(raw, "DELETE FROM folders WHERE user_id = 2", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(raw);
	pool_free(&p);
	return store;
}

/* Every write fails at every one of its database steps in turn, alone and inside an outer
 * transaction: each failure is STORE_ERROR and leaves the database exactly as it was (and,
 * inside, the outer transaction usable: its own work and a retried write commit). Without
 * a fault the write succeeds and changes the database. */
START_TEST(test_fault_injection)
{
	pool *p = pool_new(0);
	buf before = BUF_INIT, after = BUF_INIT;
	const char *error = NULL;

	for (enum op op = 0; op < OP_COUNT; op++) {
		for (int nested = 0; nested < 2; nested++) {
			char name[32];
			snprintf(name, sizeof(name), "faults-%d-%d", op, nested);
			const char *dir = new_dir(name);
			struct store *store = fault_fixture(dir);
			unsigned faults = 0;
			dump_all(dir, &before);
			for (unsigned n = 1;; n++) {
				struct store_folder marker, f;
				if (nested) {
					ck_assert_int_eq(store_begin(store, &error), STORE_OK);
					marker = create_folder(store, p, 1, "0", "Outer", 12);
				}
				store_test_fail_after(store, n);
				error = NULL;
				enum store_result ret = run_op(store, p, 1, op, &error);
				bool clean = store_test_fault_pending(store);
				store_test_fail_after(store, 0);
				if (!clean) {
					faults++;
					ck_assert_msg(ret == STORE_ERROR, "op %d step %u: %d", op,
						      n, ret);
					ck_assert_ptr_nonnull(error);
					ck_assert_msg(strstr(error, "I/O") != NULL, "%s", error);
				}
				if (nested) {
					/* The outer work survived the failure. */
					ck_assert_int_eq(store_folder_get(store, p, 1,
									  marker.server_id, &f,
									  &error), STORE_OK);
					if (clean) {
						ck_assert_int_eq(store_commit(store, &error),
								 STORE_OK);
						buf_truncate(&after, 0);
						raw_query(dir, "SELECT COUNT(*) FROM folders WHERE"
							       " name = 'Outer'", &after);
						ck_assert_str_eq(buf_cstr(&after), "1|\n");
					} else {
						store_rollback(store);
					}
				}
				if (clean) {
					ck_assert_msg(ret == STORE_OK, "op %d: %s", op, error);
					break;
				}
				dump_all(dir, &after);
				ck_assert_str_eq(buf_cstr(&before), buf_cstr(&after));
				ck_assert_uint_lt(n, 100);
			}
			ck_assert_uint_ge(faults, nested ? 2 : 3);
			dump_all(dir, &after);
			ck_assert_msg(strcmp(buf_cstr(&before), buf_cstr(&after)) != 0, "op %d", op);
			store_close(&store);
		}
	}
	buf_free(&before);
	buf_free(&after);
	pool_free(&p);
}
END_TEST

/* When SQLite ends the transaction by itself (as after some I/O or disk-full errors), the
 * writes that follow inside it and the outer commit fail instead of running outside any
 * transaction; after the caller unwinds, the handle works again. */
START_TEST(test_transaction_aborted_under_us)
{
	int64_t uid;
	struct store *store = open_with_user("aborted", &uid);
	pool *p = pool_new(0);
	const char *error = NULL;
	struct store_folder f;

	ck_assert_int_eq(store_begin(store, &error), STORE_OK);
	create_folder(store, p, uid, "0", "Lost", 14);
	ck_assert_int_eq(store_begin(store, &error), STORE_OK);
	/* What SQLite does on its own after such an error. */
	ck_assert_int_eq(sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(store_folder_create(store, p, uid, "0", "Outside", 14, 0, &f, &error),
			 STORE_ERROR);
	ck_assert_ptr_nonnull(strstr(error, "rolled back"));
	ck_assert_int_eq(store_begin(store, &error), STORE_ERROR);
	ck_assert_int_eq(store_commit(store, &error), STORE_ERROR); /* inner level */
	ck_assert_int_eq(store_commit(store, &error), STORE_ERROR); /* outer level */
	ck_assert_int_eq(store_commit(store, &error), STORE_ERROR); /* none open */
	ck_assert_int_eq(store_folder_get(store, p, uid, "11", &f, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(user_modseq(store, uid), 10);
	/* Unwound: the handle works, in and outside transactions. */
	ck_assert_int_eq(create_folder(store, p, uid, "0", "Later", 14).modseq, 11);
	ck_assert_int_eq(store_begin(store, &error), STORE_OK);
	create_folder(store, p, uid, "0", "Later2", 14);
	ck_assert_int_eq(store_commit(store, &error), STORE_OK);
	ck_assert_int_eq(user_modseq(store, uid), 12);
	/* A rollback unwinds an aborted transaction too. */
	ck_assert_int_eq(store_begin(store, &error), STORE_OK);
	ck_assert_int_eq(sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	store_rollback(store);
	ck_assert(!store_in_transaction(store));
	ck_assert_int_eq(create_folder(store, p, uid, "0", "Later3", 14).modseq, 13);
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* The statement cache keys by the text's address: it grows past its first size, keeps every
 * statement, and hands the same one back for the same text. */
START_TEST(test_statement_cache)
{
	static char texts[300][32];
	sqlite3_stmt *stmts[300];
	struct store *store = open_ok(new_dir("cache"));

	for (size_t i = 0; i < 300; i++) {
		snprintf(texts[i], sizeof(texts[i]), "SELECT %zu", i);
		stmts[i] = store_stmt(store, texts[i]);
		ck_assert_ptr_nonnull(stmts[i]);
		for (size_t j = 0; j < i; j += 37)
			ck_assert_ptr_eq(store_stmt(store, texts[j]), stmts[j]);
	}
	for (size_t i = 0; i < 300; i++) {
		ck_assert_ptr_eq(store_stmt(store, texts[i]), stmts[i]);
		ck_assert_int_eq(store_step(store, stmts[i]), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(stmts[i], 0), (int)i);
		store_stmt_done(stmts[i]);
	}
	ck_assert_uint_ge(store->stmt_cap, 600);
	/* A text that does not prepare: NULL with a message, and nothing cached. */
	static const char bad[] = "SELECT FROM nowhere";
	size_t count = store->stmt_count;
	ck_assert_ptr_null(store_stmt(store, bad));
	ck_assert_ptr_nonnull(strstr(store->error, "preparing"));
	ck_assert_uint_eq(store->stmt_count, count);
	store_close(&store);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store-folder");
	TCase *tc = store_tcase(s, "core", 60);
	tcase_add_test(tc, test_defaults_after_user_add);
	tcase_add_test(tc, test_defaults_after_migrating_an_old_database);
	tcase_add_test(tc, test_folder_create_errors);
	tcase_add_test(tc, test_folder_update);
	tcase_add_test(tc, test_folder_delete_subtree);
	tcase_add_test(tc, test_items_crud);
	tcase_add_test(tc, test_modseq_strictly_increasing);
	tcase_add_test(tc, test_list_paging);
	tcase_add_test(tc, test_uid_lookup);
	tcase_add_test(tc, test_users_are_isolated);
	tcase_add_test(tc, test_user_remove_removes_folders_and_items);
	tcase_add_test(tc, test_nested_transactions);
	tcase_add_test(tc, test_fault_injection);
	tcase_add_test(tc, test_transaction_aborted_under_us);
	tcase_add_test(tc, test_statement_cache);
	return run_suite(s);
}
