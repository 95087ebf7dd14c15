/* Unit tests of filter window aging in the Sync state store (store-sync.h, issue 6 point 5):
 * store_sync_view_aged and its count (range bounds, view levels, tombstones, other states,
 * order and limit), the window bounds of a state through save, confirm, discard and reset,
 * and migration 5 on a database that has states of version 4. */
#include <check.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pool.h"
#include "store/store.h"
#include "store/store-folder.h"
#include "store/store-sync.h"
#include "store/store-testing.h"

#define TEST_STORE_ENV_NAME "aging"
#include "store/test-store-env.h"

struct fixture {
	struct store *store;
	pool *p;
	int64_t user, dev_a, dev_b;
	struct store_folder cal;
};

static void fixture_open(struct fixture *f, const char *name)
{
	const char *error = NULL;

	memset(f, 0, sizeof(*f));
	f->p = pool_new(0);
	f->store = open_with_user(name, &f->user);
	f->dev_a = device_row(f->store, f->p, f->user, "DEVA");
	f->dev_b = device_row(f->store, f->p, f->user, "DEVB");
	ck_assert_int_eq(store_folder_get_default(f->store, f->p, f->user, STORE_FOLDER_CALENDAR,
						  &f->cal, &error), STORE_OK);
}

static void fixture_close(struct fixture *f)
{
	store_close(&f->store);
	pool_free(&f->p);
}

static struct store_sync_state reset(struct fixture *f, int64_t device)
{
	struct store_sync_state st;
	const char *error = NULL;
	ck_assert_msg(store_sync_state_reset(f->store, f->p, device, f->cal.id, 2000, NULL, 0,
					     NULL, 0, &st, &error) == STORE_OK, "%s", error);
	return st;
}

/* A calendar item whose time range ends at end. */
static struct store_item item_ending(struct fixture *f, int64_t end)
{
	struct store_item in, out;
	const char *error = NULL;

	memset(&in, 0, sizeof(in));
	in.data = (const unsigned char *)"x";
	in.data_len = 1;
	in.filter_start = end == STORE_TIME_MAX ? 0 : end - 10;
	in.filter_end = end;
	ck_assert_msg(store_item_add(f->store, f->p, f->user, f->cal.server_id, &in, 0, &out,
				     &error) == STORE_OK, "%s", error);
	return out;
}

static void set_pending(struct fixture *f, int64_t state, int64_t item, int64_t modseq)
{
	const char *error = NULL;
	ck_assert_msg(store_sync_view_set_pending(f->store, state, item, modseq, &error) ==
		      STORE_OK, "%s", error);
}

/* Confirms the pending view of *st (pending key set first). */
static void confirm(struct fixture *f, struct store_sync_state *st)
{
	const char *error = NULL;
	st->pending_key = st->synckey + 1;
	ck_assert_int_eq(store_sync_state_save(f->store, st, &error), STORE_OK);
	ck_assert_msg(store_sync_confirm(f->store, st, &error) == STORE_OK, "%s", error);
}

/* The ids store_sync_view_aged returns, as a string "id id ...". */
static const char *aged(struct fixture *f, int64_t state, int64_t from, int64_t to,
			enum store_sync_level level, size_t limit)
{
	struct store_item *items;
	size_t n;
	const char *error = NULL;
	char *out = pool_alloc(f->p, 256);
	size_t len = 0;

	ck_assert_msg(store_sync_view_aged(f->store, f->p, state, f->cal.id, from, to, level, limit,
					   &items, &n, &error) == STORE_OK, "%s", error);
	ck_assert_uint_le(n, limit);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		ck_assert(!items[i].deleted);
		ck_assert_ptr_null(items[i].data); /* metadata only */
		ck_assert_int_eq(items[i].folder_id, f->cal.id);
		len += (size_t)snprintf(out + len, 256 - len, "%s%lld", i > 0 ? " " : "",
					(long long)items[i].id);
	}
	uint64_t count = 0;
	ck_assert_int_eq(store_sync_view_aged_count(f->store, state, f->cal.id, from, to, level,
						    limit, &count, &error), STORE_OK);
	ck_assert_uint_eq(count, n);
	return out;
}

/* "a b c d" of the ids up to the first negative one. */
static const char *ids4(struct fixture *f, int64_t a, int64_t b, int64_t c, int64_t d)
{
	const int64_t v[] = { a, b, c, d };
	char *s = pool_alloc(f->p, 128);
	size_t len = 0;

	s[0] = '\0';
	for (size_t i = 0; i < 4 && v[i] >= 0; i++)
		len += (size_t)snprintf(s + len, 128 - len, "%s%lld", i > 0 ? " " : "",
					(long long)v[i]);
	return s;
}

static const char *ids(struct fixture *f, int64_t a, int64_t b, int64_t c)
{
	return ids4(f, a, b, c, -1);
}

/* from <= filter_end < to; held items only, live ones only, in (filter_end, id) order. */
START_TEST(test_aged_bounds_and_order)
{
	struct fixture f;
	const char *error = NULL;

	fixture_open(&f, "bounds");
	struct store_sync_state st = reset(&f, f.dev_a);
	struct store_item a = item_ending(&f, 1000);
	struct store_item b = item_ending(&f, 2000);
	struct store_item c = item_ending(&f, 1500);
	struct store_item tie = item_ending(&f, 1000);
	struct store_item endless = item_ending(&f, STORE_TIME_MAX);
	struct store_item gone = item_ending(&f, 1200);
	struct store_item unheld = item_ending(&f, 1100);
	struct store_item *all[] = { &a, &b, &c, &tie, &endless, &gone };
	for (size_t i = 0; i < 6; i++)
		set_pending(&f, st.id, all[i]->id, all[i]->modseq);
	confirm(&f, &st);
	int64_t tomb;
	ck_assert_int_eq(store_item_delete(f.store, f.user, gone.server_id, 0, &tomb, &error),
			 STORE_OK);
	(void)unheld;

	/* [1000, 2000): a and tie (same end, id order), c; b ends at the bound: not yet. */
	ck_assert_str_eq(aged(&f, st.id, 1000, 2000, STORE_SYNC_UNTOUCHED, 10),
			 ids(&f, a.id, tie.id, c.id));
	ck_assert_str_eq(aged(&f, st.id, 1000, 2001, STORE_SYNC_UNTOUCHED, 10),
			 ids4(&f, a.id, tie.id, c.id, b.id));
	ck_assert_str_eq(aged(&f, st.id, 1001, 2001, STORE_SYNC_UNTOUCHED, 10),
			 ids(&f, c.id, b.id, -1));
	ck_assert_str_eq(aged(&f, st.id, 0, 1000, STORE_SYNC_UNTOUCHED, 10), "");
	ck_assert_str_eq(aged(&f, st.id, 2000, 2000, STORE_SYNC_UNTOUCHED, 10), "");
	/* The limit cuts in order. */
	ck_assert_str_eq(aged(&f, st.id, 0, 3000, STORE_SYNC_UNTOUCHED, 2),
			 ids(&f, a.id, tie.id, -1));
	ck_assert_str_eq(aged(&f, st.id, 0, 3000, STORE_SYNC_UNTOUCHED, 0), "");
	/* An endless series never ages; the whole range finds it only at STORE_TIME_MAX. */
	ck_assert_str_eq(aged(&f, st.id, 3000, STORE_TIME_MAX, STORE_SYNC_UNTOUCHED, 10), "");
	/* Another device's state holds nothing. */
	struct store_sync_state other = reset(&f, f.dev_b);
	ck_assert_str_eq(aged(&f, other.id, 0, 3000, STORE_SYNC_UNTOUCHED, 10), "");
	fixture_close(&f);
}
END_TEST

/* The three levels: untouched by the pending response, at N, at N+1. */
START_TEST(test_aged_levels)
{
	struct fixture f;

	fixture_open(&f, "levels");
	struct store_sync_state st = reset(&f, f.dev_a);
	struct store_item a = item_ending(&f, 1000);
	struct store_item b = item_ending(&f, 1100);
	struct store_item c = item_ending(&f, 1200);
	struct store_item d = item_ending(&f, 1300);
	set_pending(&f, st.id, a.id, a.modseq);
	set_pending(&f, st.id, b.id, b.modseq);
	set_pending(&f, st.id, c.id, c.modseq);
	confirm(&f, &st);
	/* The pending response removes b, sends c again and adds d. */
	set_pending(&f, st.id, b.id, 0);
	set_pending(&f, st.id, c.id, c.modseq);
	set_pending(&f, st.id, d.id, d.modseq);

	ck_assert_str_eq(aged(&f, st.id, 0, 5000, STORE_SYNC_UNTOUCHED, 10), ids(&f, a.id, -1, -1));
	ck_assert_str_eq(aged(&f, st.id, 0, 5000, STORE_SYNC_AT_CONFIRMED, 10),
			 ids(&f, a.id, b.id, c.id));
	ck_assert_str_eq(aged(&f, st.id, 0, 5000, STORE_SYNC_AT_PENDING, 10),
			 ids(&f, a.id, c.id, d.id));

	/* Confirmed: b is gone from the view, d held. */
	confirm(&f, &st);
	ck_assert_str_eq(aged(&f, st.id, 0, 5000, STORE_SYNC_UNTOUCHED, 10),
			 ids(&f, a.id, c.id, d.id));

	/* Bad input: an unknown level. */
	struct store_item *items;
	size_t n;
	uint64_t count;
	const char *error = NULL;
	ck_assert_int_eq(store_sync_view_aged(f.store, f.p, st.id, f.cal.id, 0, 5000,
					      (enum store_sync_level)7, 10, &items, &n, &error),
			 STORE_INVALID);
	ck_assert_ptr_nonnull(error);
	ck_assert_int_eq(store_sync_view_aged_count(f.store, st.id, f.cal.id, 0, 5000,
						    (enum store_sync_level)7, 10, &count, &error),
			 STORE_INVALID);
	/* Counting stops at the limit. */
	ck_assert_int_eq(store_sync_view_aged_count(f.store, st.id, f.cal.id, 0, 5000,
						    STORE_SYNC_UNTOUCHED, 1, &count, &error),
			 STORE_OK);
	ck_assert_uint_eq(count, 1);
	fixture_close(&f);
}
END_TEST

/* window_checked/pending_window_checked move like modseq/pending_modseq. */
START_TEST(test_window_bounds_follow_the_keys)
{
	struct fixture f;
	const char *error = NULL;
	struct store_sync_state got;

	fixture_open(&f, "bounds-keys");
	struct store_sync_state st = reset(&f, f.dev_a);
	ck_assert_int_eq(st.window_checked, 0);
	ck_assert_int_eq(st.pending_window_checked, 0);

	st.window_checked = 500;
	ck_assert_int_eq(store_sync_state_save(f.store, &st, &error), STORE_OK);
	ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_a, f.cal.id, &got, &error),
			 STORE_OK);
	ck_assert_int_eq(got.window_checked, 500);

	/* A response that aged up to 800: confirmed, the bound moves. */
	st.pending_key = 2;
	st.pending_window_checked = 800;
	ck_assert_int_eq(store_sync_state_save(f.store, &st, &error), STORE_OK);
	ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_a, f.cal.id, &got, &error),
			 STORE_OK);
	ck_assert_int_eq(got.pending_window_checked, 800);
	ck_assert_int_eq(store_sync_confirm(f.store, &got, &error), STORE_OK);
	ck_assert_int_eq(got.window_checked, 800);
	ck_assert_int_eq(got.pending_window_checked, 0);
	ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_a, f.cal.id, &st, &error),
			 STORE_OK);
	ck_assert_uint_eq(st.synckey, 2);
	ck_assert_int_eq(st.window_checked, 800);
	ck_assert_int_eq(st.pending_window_checked, 0);

	/* A lost response that aged up to 900: the retry discards it, the bound stays. */
	st.pending_key = 3;
	st.pending_window_checked = 900;
	ck_assert_int_eq(store_sync_state_save(f.store, &st, &error), STORE_OK);
	ck_assert_int_eq(store_sync_discard(f.store, &st, &error), STORE_OK);
	ck_assert_int_eq(st.window_checked, 800);
	ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_a, f.cal.id, &got, &error),
			 STORE_OK);
	ck_assert_int_eq(got.window_checked, 800);
	ck_assert_int_eq(got.pending_window_checked, 0);
	ck_assert_uint_eq(got.pending_key, 0);

	/* SyncKey 0 starts from 0. */
	st = reset(&f, f.dev_a);
	ck_assert_int_eq(st.window_checked, 0);
	ck_assert_int_eq(st.pending_window_checked, 0);
	fixture_close(&f);
}
END_TEST

/* Runs sql on the database file of dir. */
static void raw_exec(const char *dir, const char *sql)
{
	char path[600];
	sqlite3 *db;
	char *msg = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, STORE_DB_FILE);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg != NULL ? msg : "?");
	sqlite3_close(db);
}

/* A database of version 4 with a sync state and its view migrates to 5: the state keeps its
 * keys, modseqs and view, its window bounds start at 0; the aged query works on it. */
START_TEST(test_migration_4_to_5_keeps_states)
{
	char dir[512];
	struct store *store = NULL;
	int from = -1, to = -1;
	const char *error = NULL;

	snprintf(dir, sizeof(dir), "%s", new_dir("v4"));
	ck_assert_int_eq(store_open_unmigrated(dir, &store, &error), STORE_OK);
	ck_assert_uint_ge(store_migration_count, 5);
	ck_assert_int_eq(store_test_migrate_with(store, store_migrations, 4, &from, &to, &error),
			 STORE_OK);
	ck_assert_int_eq(to, 4);
	store_close(&store);
	raw_exec(dir,
		 "INSERT INTO contexts (id, domain, is_default, created) VALUES (1, 'ox.io', 1, 1);"
		 "INSERT INTO users (id, context_id, name, password_hash, created, modseq)"
		 " VALUES (1, 1, 'mike', 'x', 1, 20);"
		 "INSERT INTO devices (id, user_id, device_id, first_seen, last_seen)"
		 " VALUES (1, 1, 'DEVA', 1, 1);"
		 "INSERT INTO folders (id, user_id, server_id, parent_server_id, name, type, modseq,"
		 " items_modseq, item_seq, item_count) VALUES (1, 1, '7', '0', 'Calendar', 8, 1,"
		 " 12, 1, 1);"
		 "INSERT INTO items (id, user_id, folder_id, server_id, modseq, filter_start,"
		 " filter_end, data) VALUES (5, 1, 1, '7:1', 12, 100, 200, x'00');"
		 "INSERT INTO sync_states (id, device_id, folder_id, synckey, pending_key, modseq,"
		 " pending_modseq, created) VALUES (3, 1, 1, 7, 8, 12, 12, 1);"
		 "INSERT INTO sync_view (state_id, item_id, modseq) VALUES (3, 5, 12);");

	store = open_ok(dir);
	pool *p = pool_new(0);
	struct store_sync_state st;
	ck_assert_int_eq(store_sync_state_get(store, p, 1, 1, &st, &error), STORE_OK);
	ck_assert_int_eq(st.id, 3);
	ck_assert_uint_eq(st.synckey, 7);
	ck_assert_uint_eq(st.pending_key, 8);
	ck_assert_int_eq(st.modseq, 12);
	ck_assert_int_eq(st.window_checked, 0);
	ck_assert_int_eq(st.pending_window_checked, 0);
	int64_t held = 0;
	ck_assert_int_eq(store_sync_view_held(store, 3, 5, &held, &error), STORE_OK);
	ck_assert_int_eq(held, 12);
	struct store_item *items;
	size_t n;
	ck_assert_int_eq(store_sync_view_aged(store, p, 3, 1, 0, 1000, STORE_SYNC_UNTOUCHED, 10,
					      &items, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(items[0].server_id, "7:1");
	ck_assert_int_eq(store_sync_confirm(store, &st, &error), STORE_OK);
	ck_assert_uint_eq(st.synckey, 8);
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* A failing step leaves the aged query's result and the state as they were. */
START_TEST(test_aged_faults)
{
	struct fixture f;
	const char *error = NULL;
	struct store_item *items;
	size_t n;
	uint64_t count;

	fixture_open(&f, "faults");
	struct store_sync_state st = reset(&f, f.dev_a);
	struct store_item a = item_ending(&f, 1000);
	set_pending(&f, st.id, a.id, a.modseq);
	confirm(&f, &st);
	store_test_fail_after(f.store, 1);
	ck_assert_int_eq(store_sync_view_aged(f.store, f.p, st.id, f.cal.id, 0, 5000,
					      STORE_SYNC_UNTOUCHED, 10, &items, &n, &error),
			 STORE_ERROR);
	ck_assert_ptr_nonnull(error);
	ck_assert_uint_eq(n, 0);
	store_test_fail_after(f.store, 1);
	ck_assert_int_eq(store_sync_view_aged_count(f.store, st.id, f.cal.id, 0, 5000,
						    STORE_SYNC_UNTOUCHED, 10, &count, &error),
			 STORE_ERROR);
	ck_assert_str_eq(aged(&f, st.id, 0, 5000, STORE_SYNC_UNTOUCHED, 10),
			 ids(&f, a.id, -1, -1));
	fixture_close(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store-aging");
	TCase *tc = store_tcase(s, "aging", 30);

	tcase_add_test(tc, test_aged_bounds_and_order);
	tcase_add_test(tc, test_aged_levels);
	tcase_add_test(tc, test_window_bounds_follow_the_keys);
	tcase_add_test(tc, test_migration_4_to_5_keeps_states);
	tcase_add_test(tc, test_aged_faults);
	return run_suite(s);
}
