/* Unit tests of the Sync state store (store-sync.h) on SQLite: generations, confirm and
 * discard of the pending view, ClientId memory, the cached request, cascades and faults. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pool.h"
#include "store/store.h"
#include "store/store-folder.h"
#include "store/store-sync.h"
#include "store/store-testing.h"

#define TEST_STORE_ENV_NAME "sync"
#include "store/test-store-env.h"

/* A store with one user, two devices and the user's Contacts folder. */
struct fixture {
	struct store *store;
	pool *p;
	int64_t user, dev_a, dev_b;
	struct store_folder contacts, tasks;
};

static void fixture_open(struct fixture *f, const char *name)
{
	const char *error = NULL;

	memset(f, 0, sizeof(*f));
	f->p = pool_new(0);
	f->store = open_with_user(name, &f->user);
	f->dev_a = device_row(f->store, f->p, f->user, "DEVA");
	f->dev_b = device_row(f->store, f->p, f->user, "DEVB");
	ck_assert_int_eq(store_folder_get_default(f->store, f->p, f->user, STORE_FOLDER_CONTACTS,
						  &f->contacts, &error), STORE_OK);
	ck_assert_int_eq(store_folder_get_default(f->store, f->p, f->user, STORE_FOLDER_TASKS,
						  &f->tasks, &error), STORE_OK);
}

static void fixture_close(struct fixture *f)
{
	store_close(&f->store);
	pool_free(&f->p);
}

static struct store_sync_state reset(struct fixture *f, int64_t device, int64_t folder)
{
	struct store_sync_state st;
	const char *error = NULL;
	ck_assert_msg(store_sync_state_reset(f->store, f->p, device, folder, 2000, "opt", 3, NULL,
					     0, &st, &error) == STORE_OK, "%s", error);
	return st;
}

static int64_t held(struct fixture *f, int64_t state, int64_t item)
{
	int64_t m = -5;
	const char *error = NULL;
	ck_assert_int_eq(store_sync_view_held(f->store, state, item, &m, &error), STORE_OK);
	return m;
}

static void set_pending(struct fixture *f, int64_t state, int64_t item, int64_t modseq)
{
	const char *error = NULL;
	ck_assert_msg(store_sync_view_set_pending(f->store, state, item, modseq, &error) ==
		      STORE_OK, "%s", error);
}

START_TEST(test_reset_makes_a_new_generation)
{
	struct fixture f;
	struct store_sync_state st, again, got;
	const char *error = NULL;

	fixture_open(&f, "reset");
	ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_a, f.contacts.id, &got, &error),
			 STORE_NOT_FOUND);
	st = reset(&f, f.dev_a, f.contacts.id);
	ck_assert_int_gt(st.id, 0);
	ck_assert_uint_eq(st.synckey, 1);
	ck_assert_uint_eq(st.pending_key, 0);
	ck_assert_int_eq(st.modseq, 0);
	ck_assert_uint_eq(st.options_len, 3);
	ck_assert_mem_eq(st.options, "opt", 3);
	ck_assert_ptr_null(st.supported);
	ck_assert_int_eq(st.created, 2000);
	set_pending(&f, st.id, 77, 5);
	ck_assert_int_eq(store_sync_clientid_put(f.store, st.id, 1, "c1", 77, "8:1", 5, &error),
			 STORE_OK);

	/* SyncKey 0 again: a new id, and nothing of the old state is left. */
	again = reset(&f, f.dev_a, f.contacts.id);
	ck_assert_int_gt(again.id, st.id);
	ck_assert_int_eq(held(&f, st.id, 77), 0);
	ck_assert_int_eq(held(&f, again.id, 77), 0);
	const char *sid;
	int64_t iid, m;
	ck_assert_int_eq(store_sync_clientid_get(f.store, f.p, st.id, 1, "c1", &sid, &iid, &m,
						 &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_a, f.contacts.id, &got, &error),
			 STORE_OK);
	ck_assert_int_eq(got.id, again.id);

	/* States are per (device, folder). */
	struct store_sync_state other = reset(&f, f.dev_b, f.contacts.id);
	struct store_sync_state tasks = reset(&f, f.dev_a, f.tasks.id);
	ck_assert_int_ne(other.id, again.id);
	ck_assert_int_ne(tasks.id, again.id);
	ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_a, f.contacts.id, &got, &error),
			 STORE_OK);
	ck_assert_int_eq(got.id, again.id);

	/* Unknown device or folder. */
	ck_assert_int_eq(store_sync_state_reset(f.store, f.p, 9999, f.contacts.id, 1, NULL, 0,
						NULL, 0, &got, &error), STORE_NOT_FOUND);
	fixture_close(&f);
}
END_TEST

START_TEST(test_confirm_applies_the_pending_view)
{
	struct fixture f;
	const char *error = NULL;
	struct store_sync_view v;

	fixture_open(&f, "confirm");
	struct store_sync_state st = reset(&f, f.dev_a, f.contacts.id);
	/* Response 2: items 10 and 11 sent. */
	set_pending(&f, st.id, 10, 100);
	set_pending(&f, st.id, 11, 101);
	st.pending_key = 2;
	st.pending_modseq = 101;
	ck_assert_int_eq(store_sync_state_save(f.store, &st, &error), STORE_OK);
	ck_assert_int_eq(held(&f, st.id, 10), 100);
	ck_assert_int_eq(store_sync_view_get(f.store, st.id, 10, &v, &error), STORE_OK);
	ck_assert_int_eq(v.modseq, 0);
	ck_assert_int_eq(v.pending, 100);
	uint64_t count = 9;
	ck_assert_int_eq(store_sync_view_count(f.store, st.id, &count, &error), STORE_OK);
	ck_assert_uint_eq(count, 0);

	ck_assert_int_eq(store_sync_confirm(f.store, &st, &error), STORE_OK);
	ck_assert_uint_eq(st.synckey, 2);
	ck_assert_uint_eq(st.pending_key, 0);
	ck_assert_int_eq(st.modseq, 101);
	ck_assert_int_eq(store_sync_view_get(f.store, st.id, 11, &v, &error), STORE_OK);
	ck_assert_int_eq(v.modseq, 101);
	ck_assert_int_eq(v.pending, STORE_SYNC_NO_PENDING);
	ck_assert_int_eq(store_sync_view_count(f.store, st.id, &count, &error), STORE_OK);
	ck_assert_uint_eq(count, 2);

	/* Response 3: 10 changed, 11 deleted; then confirmed. */
	set_pending(&f, st.id, 10, 150);
	set_pending(&f, st.id, 11, 0);
	ck_assert_int_eq(held(&f, st.id, 11), 0);
	st.pending_key = 3;
	st.pending_modseq = 151;
	ck_assert_int_eq(store_sync_state_save(f.store, &st, &error), STORE_OK);
	ck_assert_int_eq(store_sync_confirm(f.store, &st, &error), STORE_OK);
	ck_assert_int_eq(held(&f, st.id, 10), 150);
	ck_assert_int_eq(store_sync_view_get(f.store, st.id, 11, &v, &error), STORE_NOT_FOUND);

	/* What is stored is what was confirmed. */
	struct store_sync_state got;
	ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_a, f.contacts.id, &got, &error),
			 STORE_OK);
	ck_assert_uint_eq(got.synckey, 3);
	ck_assert_uint_eq(got.pending_key, 0);
	ck_assert_int_eq(got.modseq, 151);
	/* Confirming without a pending key changes nothing. */
	ck_assert_int_eq(store_sync_confirm(f.store, &got, &error), STORE_OK);
	ck_assert_uint_eq(got.synckey, 3);
	fixture_close(&f);
}
END_TEST

START_TEST(test_discard_restores_the_confirmed_view)
{
	struct fixture f;
	const char *error = NULL;
	struct store_sync_view v;

	fixture_open(&f, "discard");
	struct store_sync_state st = reset(&f, f.dev_a, f.contacts.id);
	set_pending(&f, st.id, 10, 100);
	st.pending_key = 2;
	st.pending_modseq = 100;
	ck_assert_int_eq(store_sync_state_save(f.store, &st, &error), STORE_OK);
	ck_assert_int_eq(store_sync_confirm(f.store, &st, &error), STORE_OK);

	/* Response 3 (lost): 10 removed, 20 added. */
	set_pending(&f, st.id, 10, 0);
	set_pending(&f, st.id, 20, 200);
	st.pending_key = 3;
	st.pending_modseq = 200;
	ck_assert_int_eq(store_sync_state_save(f.store, &st, &error), STORE_OK);
	ck_assert_int_eq(store_sync_discard(f.store, &st, &error), STORE_OK);
	ck_assert_uint_eq(st.synckey, 2);
	ck_assert_uint_eq(st.pending_key, 0);
	ck_assert_int_eq(st.modseq, 100);
	ck_assert_int_eq(held(&f, st.id, 10), 100);
	ck_assert_int_eq(store_sync_view_get(f.store, st.id, 10, &v, &error), STORE_OK);
	ck_assert_int_eq(v.pending, STORE_SYNC_NO_PENDING);
	ck_assert_int_eq(store_sync_view_get(f.store, st.id, 20, &v, &error), STORE_NOT_FOUND);
	struct store_sync_state got;
	ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_a, f.contacts.id, &got, &error),
			 STORE_OK);
	ck_assert_uint_eq(got.pending_key, 0);
	ck_assert_int_eq(store_sync_view_set_pending(f.store, st.id, 1, -3, &error),
			 STORE_INVALID);
	fixture_close(&f);
}
END_TEST

START_TEST(test_clientid_memory)
{
	struct fixture f;
	const char *error = NULL, *sid = NULL;
	int64_t item = 0, modseq = 0;

	fixture_open(&f, "clientid");
	struct store_sync_state st = reset(&f, f.dev_a, f.contacts.id);
	ck_assert_int_eq(store_sync_clientid_put(f.store, st.id, 1, "42", 7, "8:7", 70, &error),
			 STORE_OK);
	ck_assert_int_eq(store_sync_clientid_get(f.store, f.p, st.id, 1, "42", &sid, &item,
						 &modseq, &error), STORE_OK);
	ck_assert_str_eq(sid, "8:7");
	ck_assert_int_eq(item, 7);
	ck_assert_int_eq(modseq, 70);
	/* Per key: the same ClientId in another request is another Add. */
	ck_assert_int_eq(store_sync_clientid_get(f.store, f.p, st.id, 2, "42", &sid, &item,
						 &modseq, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_sync_clientid_put(f.store, st.id, 2, "42", 8, "8:8", 80, &error),
			 STORE_OK);
	/* Confirming key 2 forgets key 1 (it can no longer be retried), keeps key 2. */
	st.pending_key = 2;
	ck_assert_int_eq(store_sync_state_save(f.store, &st, &error), STORE_OK);
	ck_assert_int_eq(store_sync_confirm(f.store, &st, &error), STORE_OK);
	ck_assert_int_eq(store_sync_clientid_get(f.store, f.p, st.id, 1, "42", &sid, &item,
						 &modseq, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_sync_clientid_get(f.store, f.p, st.id, 2, "42", &sid, &item,
						 &modseq, &error), STORE_OK);
	ck_assert_str_eq(sid, "8:8");
	/* Bounds. */
	char longid[STORE_SYNC_CLIENTID_MAX + 2];
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	ck_assert_int_eq(store_sync_clientid_put(f.store, st.id, 2, longid, 1, "8:1", 1, &error),
			 STORE_INVALID);
	ck_assert_int_eq(store_sync_clientid_put(f.store, st.id, 2, "", 1, "8:1", 1, &error),
			 STORE_INVALID);
	/* The key space of the Change/Delete memory is not a ClientId's. */
	ck_assert_int_eq(store_sync_clientid_put(f.store, st.id, 2, "\x01" "C8:1", 1, "8:1", 1,
						 &error), STORE_INVALID);
	fixture_close(&f);
}
END_TEST

/* The memory of Changes and Deletes (retry rule, Q-SYNC-1): per key and kind, apart from
 * the ClientIds, forgotten with its key at confirm. */
START_TEST(test_command_memory)
{
	struct fixture f;
	const char *error = NULL, *sid = NULL;
	int64_t item = 0, modseq = 0;

	fixture_open(&f, "cmdmem");
	struct store_sync_state st = reset(&f, f.dev_a, f.contacts.id);
	ck_assert_int_eq(store_sync_cmd_put(f.store, st.id, 1, STORE_SYNC_CMD_CHANGE, "8:7", 7, 70,
					    &error), STORE_OK);
	ck_assert_int_eq(store_sync_cmd_put(f.store, st.id, 1, STORE_SYNC_CMD_DELETE, "8:9", 9, 90,
					    &error), STORE_OK);
	ck_assert_int_eq(store_sync_cmd_get(f.store, st.id, 1, STORE_SYNC_CMD_CHANGE, "8:7", &item,
					    &modseq, &error), STORE_OK);
	ck_assert_int_eq(item, 7);
	ck_assert_int_eq(modseq, 70);
	ck_assert_int_eq(store_sync_cmd_get(f.store, st.id, 1, STORE_SYNC_CMD_DELETE, "8:9", &item,
					    &modseq, &error), STORE_OK);
	ck_assert_int_eq(item, 9);
	ck_assert_int_eq(modseq, 90);
	/* Another kind, another key, a ClientId equal to the ServerId: nothing. */
	ck_assert_int_eq(store_sync_cmd_get(f.store, st.id, 1, STORE_SYNC_CMD_DELETE, "8:7", &item,
					    &modseq, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_sync_cmd_get(f.store, st.id, 2, STORE_SYNC_CMD_CHANGE, "8:7", &item,
					    &modseq, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_sync_clientid_get(f.store, f.p, st.id, 1, "8:7", &sid, &item,
						 &modseq, &error), STORE_NOT_FOUND);
	/* Confirming key 2 forgets key 1. */
	st.pending_key = 2;
	ck_assert_int_eq(store_sync_state_save(f.store, &st, &error), STORE_OK);
	ck_assert_int_eq(store_sync_confirm(f.store, &st, &error), STORE_OK);
	ck_assert_int_eq(store_sync_cmd_get(f.store, st.id, 1, STORE_SYNC_CMD_CHANGE, "8:7", &item,
					    &modseq, &error), STORE_NOT_FOUND);
	fixture_close(&f);
}
END_TEST

START_TEST(test_options_and_supported)
{
	struct fixture f;
	const char *error = NULL;
	struct store_sync_state got;

	fixture_open(&f, "options");
	struct store_sync_state st = reset(&f, f.dev_a, f.contacts.id);
	ck_assert_int_eq(store_sync_state_set_options(f.store, st.id, "new", 3, "\x01\x05", 2,
						      &error), STORE_OK);
	ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_a, f.contacts.id, &got, &error),
			 STORE_OK);
	ck_assert_mem_eq(got.options, "new", 3);
	ck_assert_uint_eq(got.supported_len, 2);
	/* NULL keeps, length 0 clears. */
	ck_assert_int_eq(store_sync_state_set_options(f.store, st.id, NULL, 0, "", 0, &error),
			 STORE_OK);
	ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_a, f.contacts.id, &got, &error),
			 STORE_OK);
	ck_assert_mem_eq(got.options, "new", 3);
	ck_assert_ptr_null(got.supported);
	ck_assert_uint_eq(got.supported_len, 0);
	fixture_close(&f);
}
END_TEST

START_TEST(test_request_cache)
{
	struct fixture f;
	const char *error = NULL;
	const unsigned char *data;
	size_t len;

	fixture_open(&f, "request");
	ck_assert_int_eq(store_sync_request_get(f.store, f.p, f.dev_a, &data, &len, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_sync_request_put(f.store, f.dev_a, "abc", 3, 10, &error), STORE_OK);
	ck_assert_int_eq(store_sync_request_get(f.store, f.p, f.dev_a, &data, &len, &error),
			 STORE_OK);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(data, "abc", 3);
	/* The same bytes again write nothing: a fault on the next write step does not fire. */
	store_test_fail_after(f.store, 2);
	ck_assert_int_eq(store_sync_request_put(f.store, f.dev_a, "abc", 3, 11, &error), STORE_OK);
	ck_assert(store_test_fault_pending(f.store));
	store_test_fail_after(f.store, 0);
	ck_assert_int_eq(store_sync_request_put(f.store, f.dev_a, "abcd", 4, 12, &error),
			 STORE_OK);
	ck_assert_int_eq(store_sync_request_get(f.store, f.p, f.dev_a, &data, &len, &error),
			 STORE_OK);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(store_sync_request_get(f.store, f.p, f.dev_b, &data, &len, &error),
			 STORE_NOT_FOUND);
	fixture_close(&f);
}
END_TEST

START_TEST(test_device_reset_and_cascades)
{
	struct fixture f;
	const char *error = NULL;
	struct store_sync_state got;

	fixture_open(&f, "cascade");
	struct store_sync_state a = reset(&f, f.dev_a, f.contacts.id);
	reset(&f, f.dev_a, f.tasks.id);
	struct store_sync_state b = reset(&f, f.dev_b, f.contacts.id);
	set_pending(&f, a.id, 5, 50);
	ck_assert_int_eq(store_sync_request_put(f.store, f.dev_a, "x", 1, 1, &error), STORE_OK);

	ck_assert_int_eq(store_sync_device_reset(f.store, f.dev_a, &error), STORE_OK);
	ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_a, f.contacts.id, &got, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_a, f.tasks.id, &got, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(held(&f, a.id, 5), 0);
	const unsigned char *data;
	size_t len;
	ck_assert_int_eq(store_sync_request_get(f.store, f.p, f.dev_a, &data, &len, &error),
			 STORE_NOT_FOUND);
	/* The other device keeps its state. */
	ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_b, f.contacts.id, &got, &error),
			 STORE_OK);
	ck_assert_int_eq(got.id, b.id);

	/* Removing the user takes every state with it. */
	set_pending(&f, b.id, 6, 60);
	ck_assert_int_eq(store_user_remove(f.store, "ox.io", "mike", &error), STORE_OK);
	ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_b, f.contacts.id, &got, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(held(&f, b.id, 6), 0);
	fixture_close(&f);
}
END_TEST

/* Every step of confirm and discard failing in turn leaves the state as it was: the keys,
 * the view and the ClientId memory move together or not at all. */
START_TEST(test_faults_leave_the_state_whole)
{
	struct fixture f;
	const char *error = NULL;

	fixture_open(&f, "faults");
	struct store_sync_state st = reset(&f, f.dev_a, f.contacts.id);
	for (unsigned n = 1; n < 20; n++) {
		struct store_sync_state cur, got;
		ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_a, f.contacts.id, &cur,
						      &error), STORE_OK);
		set_pending(&f, st.id, 1000 + n, 10 * n);
		cur.pending_key = cur.synckey + 1;
		cur.pending_modseq = 10 * n;
		ck_assert_int_eq(store_sync_state_save(f.store, &cur, &error), STORE_OK);
		struct store_sync_state before = cur;

		store_test_fail_after(f.store, n);
		enum store_result r = (n % 2) == 0 ? store_sync_confirm(f.store, &cur, &error) :
						     store_sync_discard(f.store, &cur, &error);
		bool fired = !store_test_fault_pending(f.store);
		store_test_fail_after(f.store, 0);
		ck_assert_int_eq(store_sync_state_get(f.store, f.p, f.dev_a, f.contacts.id, &got,
						      &error), STORE_OK);
		if (r != STORE_OK) {
			ck_assert(fired);
			ck_assert_uint_eq(got.synckey, before.synckey);
			ck_assert_uint_eq(got.pending_key, before.pending_key);
			ck_assert_uint_eq(cur.pending_key, before.pending_key);
			ck_assert_int_eq(held(&f, st.id, 1000 + n), 10 * n);
			/* Clean up for the next round. */
			ck_assert_int_eq(store_sync_discard(f.store, &cur, &error), STORE_OK);
		} else if ((n % 2) == 0) {
			ck_assert_uint_eq(got.synckey, before.pending_key);
			ck_assert_int_eq(held(&f, st.id, 1000 + n), 10 * n);
		} else {
			ck_assert_uint_eq(got.pending_key, 0);
			ck_assert_int_eq(held(&f, st.id, 1000 + n), 0);
		}
	}
	fixture_close(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store-sync");
	TCase *tc = store_tcase(s, "sync", 60);
	tcase_add_test(tc, test_reset_makes_a_new_generation);
	tcase_add_test(tc, test_confirm_applies_the_pending_view);
	tcase_add_test(tc, test_discard_restores_the_confirmed_view);
	tcase_add_test(tc, test_clientid_memory);
	tcase_add_test(tc, test_command_memory);
	tcase_add_test(tc, test_options_and_supported);
	tcase_add_test(tc, test_request_cache);
	tcase_add_test(tc, test_device_reset_and_cascades);
	tcase_add_test(tc, test_faults_leave_the_state_whole);
	return run_suite(s);
}
