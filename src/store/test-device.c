/* Unit tests of device records, provisioning and wipe state, hierarchy sync state and context
 * policies (store-device.h) on the SQLite store. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/pool.h"
#include "store/store.h"
#include "store/store-device.h"
#include "store/store-testing.h"

#define TEST_STORE_ENV_NAME "device"
#include "store/test-store-env.h"

/* A store in a fresh directory with context ox.io, user mike (*uid_r) and device
 * "PHONE1" (*row_r). */
static struct store *open_with_device(const char *name, int64_t *uid_r, int64_t *row_r)
{
	struct store *store = open_with_user(name, uid_r);
	struct store_device_record rec;
	const char *error = NULL;
	pool *p = pool_new(0);

	ck_assert_int_eq(store_device_touch(store, *uid_r, "PHONE1", "iPhone", "Apple-iPhone/1",
					    1000, &error), STORE_OK);
	ck_assert_int_eq(store_device_get(store, p, *uid_r, "PHONE1", &rec, &error), STORE_OK);
	*row_r = rec.dev.id;
	pool_free(&p);
	return store;
}

static struct store_device_record get_record(struct store *store, pool *p, int64_t uid,
					     const char *device_id)
{
	struct store_device_record rec;
	const char *error = NULL;
	ck_assert_msg(store_device_get(store, p, uid, device_id, &rec, &error) == STORE_OK, "%s",
		      error);
	return rec;
}

START_TEST(test_record_defaults)
{
	int64_t uid, row;
	struct store *store = open_with_device("defaults", &uid, &row);
	pool *p = pool_new(0);
	struct store_device_record rec = get_record(store, p, uid, "PHONE1");
	const char *error;

	ck_assert_int_eq(rec.dev.id, row);
	ck_assert_str_eq(rec.dev.device_type, "iPhone");
	ck_assert_str_eq(rec.dev.user_agent, "Apple-iPhone/1");
	ck_assert_int_eq(rec.dev.first_seen, 1000);
	ck_assert_str_eq(rec.info.model, "");
	ck_assert_int_eq(rec.protocol_version, 0);
	ck_assert_uint_eq(rec.policy_key, 0);
	ck_assert_int_eq(rec.wipe_state, STORE_WIPE_NONE);
	ck_assert(!rec.has_hierarchy_state);
	ck_assert_int_eq(store_device_get(store, p, uid, "OTHER", &rec, &error), STORE_NOT_FOUND);
	/* Another user's device is not found by this user. */
	ck_assert_int_eq(store_device_get(store, p, uid + 1, "PHONE1", &rec, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_device_set_version(store, row, 161, &error), STORE_OK);
	ck_assert_int_eq(get_record(store, p, uid, "PHONE1").protocol_version, 161);
	ck_assert_int_eq(store_device_set_version(store, row + 100, 161, &error), STORE_NOT_FOUND);
	pool_free(&p);
	store_close(&store);
}
END_TEST

START_TEST(test_device_info)
{
	int64_t uid, row;
	struct store *store = open_with_device("info", &uid, &row);
	pool *p = pool_new(0);
	const char *error;
	char long_name[600];

	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	struct store_device_info info = { .model = "iPhone15,2", .imei = "3560", .os = "iOS 17.1",
					  .os_language = "de", .friendly_name = "Mike\x01s phone",
					  .user_agent = long_name };
	ck_assert_int_eq(store_device_set_info(store, row, &info, &error), STORE_OK);
	struct store_device_record rec = get_record(store, p, uid, "PHONE1");
	ck_assert_str_eq(rec.info.model, "iPhone15,2");
	ck_assert_str_eq(rec.info.os, "iOS 17.1");
	ck_assert_str_eq(rec.info.friendly_name, "Mike?s phone"); /* control character */
	ck_assert_uint_eq(strlen(rec.info.user_agent), STORE_DEVICE_INFO_MAX);
	ck_assert_str_eq(rec.info.phone_number, "");
	/* NULL keeps the stored value. */
	struct store_device_info more = { .phone_number = "+49 1", .mobile_operator = "O2" };
	ck_assert_int_eq(store_device_set_info(store, row, &more, &error), STORE_OK);
	rec = get_record(store, p, uid, "PHONE1");
	ck_assert_str_eq(rec.info.model, "iPhone15,2");
	ck_assert_str_eq(rec.info.phone_number, "+49 1");
	ck_assert_str_eq(rec.info.mobile_operator, "O2");
	ck_assert_int_eq(store_device_set_info(store, row + 7, &more, &error), STORE_NOT_FOUND);
	pool_free(&p);
	store_close(&store);
}
END_TEST

START_TEST(test_policy_keys)
{
	int64_t uid, row;
	struct store *store = open_with_device("keys", &uid, &row);
	pool *p = pool_new(0);
	const char *error;

	ck_assert_int_eq(store_device_policy_offered(store, row, 0xdeadbeef, &error), STORE_OK);
	struct store_device_record rec = get_record(store, p, uid, "PHONE1");
	ck_assert_uint_eq(rec.policy_key_temp, 0xdeadbeef);
	ck_assert_uint_eq(rec.policy_key, 0);
	ck_assert_int_eq(store_device_policy_acknowledged(store, row, 0xfffffffe,
							  0x8000000000000001ull, 2, 5000, &error),
			 STORE_OK);
	rec = get_record(store, p, uid, "PHONE1");
	ck_assert_uint_eq(rec.policy_key, 0xfffffffe);   /* full 32 bits survive */
	ck_assert_uint_eq(rec.policy_key_temp, 0xdeadbeef);
	ck_assert(rec.policy_hash == 0x8000000000000001ull); /* full 64 bits survive */
	ck_assert_int_eq(rec.policy_status, 2);
	ck_assert_int_eq(rec.provisioned, 5000);
	/* A new handshake resets the final key. */
	ck_assert_int_eq(store_device_policy_offered(store, row, 7, &error), STORE_OK);
	rec = get_record(store, p, uid, "PHONE1");
	ck_assert_uint_eq(rec.policy_key, 0);
	ck_assert_uint_eq(rec.policy_key_temp, 7);
	pool_free(&p);
	store_close(&store);
}
END_TEST

START_TEST(test_wipe)
{
	int64_t uid, row;
	struct store *store = open_with_device("wipe", &uid, &row);
	pool *p = pool_new(0);
	const char *error;

	/* No wipe requested: an acknowledgement changes nothing. */
	ck_assert_int_eq(store_device_wipe_acknowledged(store, row, 1, 10, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(get_record(store, p, uid, "PHONE1").wipe_state, STORE_WIPE_NONE);

	ck_assert_int_eq(store_device_wipe_request(store, row, false, 100, &error), STORE_OK);
	struct store_device_record rec = get_record(store, p, uid, "PHONE1");
	ck_assert_int_eq(rec.wipe_state, STORE_WIPE_REQUESTED);
	ck_assert_int_eq(rec.wipe_requested, 100);
	ck_assert_int_eq(store_device_wipe_acknowledged(store, row, 1, 200, &error), STORE_OK);
	rec = get_record(store, p, uid, "PHONE1");
	ck_assert_int_eq(rec.wipe_state, STORE_WIPE_DONE);
	ck_assert_int_eq(rec.wipe_acknowledged, 200);
	ck_assert_int_eq(rec.wipe_ack_status, 1);
	/* Done is done: a second acknowledgement changes nothing. */
	ck_assert_int_eq(store_device_wipe_acknowledged(store, row, 2, 300, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(get_record(store, p, uid, "PHONE1").wipe_acknowledged, 200);

	ck_assert_int_eq(store_device_wipe_request(store, row, true, 400, &error), STORE_OK);
	rec = get_record(store, p, uid, "PHONE1");
	ck_assert_int_eq(rec.wipe_state, STORE_WIPE_ACCOUNT_REQUESTED);
	ck_assert_int_eq(rec.wipe_acknowledged, 0);
	ck_assert_int_eq(store_device_wipe_acknowledged(store, row, 2, 500, &error), STORE_OK);
	rec = get_record(store, p, uid, "PHONE1");
	ck_assert_int_eq(rec.wipe_state, STORE_WIPE_ACCOUNT_DONE);
	ck_assert_int_eq(rec.wipe_ack_status, 2);
	ck_assert_int_eq(store_device_wipe_request(store, row + 9, true, 1, &error),
			 STORE_NOT_FOUND);
	pool_free(&p);
	store_close(&store);
}
END_TEST

/* The view as "sid:modseq:pending" entries sorted, for comparisons. */
static const char *view_text(struct store *store, pool *p, int64_t row)
{
	struct store_hierarchy_entry *e;
	size_t n;
	const char *error;
	buf out = BUF_INIT;

	ck_assert_int_eq(store_hierarchy_view(store, p, row, &e, &n, &error), STORE_OK);
	/* Sort by server id (small n). */
	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n; j++) {
			if (strcmp(e[j].server_id, e[i].server_id) < 0) {
				struct store_hierarchy_entry t = e[i];
				e[i] = e[j];
				e[j] = t;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		buf_printf(&out, "%s%s:%lld:%lld", i > 0 ? " " : "", e[i].server_id,
			   (long long)e[i].modseq, (long long)e[i].pending_modseq);
	const char *text = pool_strdup(p, buf_cstr(&out));
	buf_free(&out);
	return text;
}

START_TEST(test_hierarchy_state)
{
	int64_t uid, row;
	struct store *store = open_with_device("hier", &uid, &row);
	pool *p = pool_new(0);
	struct store_hierarchy_state st;
	const char *error;

	ck_assert_int_eq(store_hierarchy_get(store, p, row, &st, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_hierarchy_set_pending(store, row, 1, 0, NULL, NULL, &error),
			 STORE_NOT_FOUND);
	ck_assert_int_eq(store_hierarchy_reset(store, row, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_get(store, p, row, &st, &error), STORE_OK);
	ck_assert_int_eq(st.synckey, 0);
	ck_assert_int_eq(st.pending_key, 0);
	ck_assert_int_eq(st.last_key, 0);
	ck_assert(get_record(store, p, uid, "PHONE1").has_hierarchy_state);

	/* Key 1 pending with two adds; confirm. */
	ck_assert_int_eq(store_hierarchy_view_pending(store, row, "1", 3, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_view_pending(store, row, "2", 4, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_set_pending(store, row, 1, 10, NULL, NULL, &error),
			 STORE_OK);
	ck_assert_str_eq(view_text(store, p, row), "1:-1:3 2:-1:4");
	ck_assert_int_eq(store_hierarchy_confirm(store, row, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_get(store, p, row, &st, &error), STORE_OK);
	ck_assert_int_eq(st.synckey, 1);
	ck_assert_int_eq(st.modseq, 10);
	ck_assert_int_eq(st.pending_key, 0);
	ck_assert_int_eq(st.last_key, 1);
	ck_assert_str_eq(view_text(store, p, row), "1:3:-2 2:4:-2");
	/* Confirming with nothing pending changes nothing. */
	ck_assert_int_eq(store_hierarchy_confirm(store, row, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_get(store, p, row, &st, &error), STORE_OK);
	ck_assert_int_eq(st.synckey, 1);

	/* Key 2 pending: an add, an update, a delete and a retry memo; discard drops them. */
	ck_assert_int_eq(store_hierarchy_view_pending(store, row, "3", 11, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_view_pending(store, row, "1", 12, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_view_pending(store, row, "2", STORE_VIEW_PENDING_DELETE,
						      &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_set_pending(store, row, 2, 12, "C\x1f" "0\x1fx", "3",
						     &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_get(store, p, row, &st, &error), STORE_OK);
	ck_assert_int_eq(st.pending_key, 2);
	ck_assert_str_eq(st.pending_op, "C\x1f" "0\x1fx");
	ck_assert_str_eq(st.pending_result, "3");
	ck_assert_int_eq(store_hierarchy_discard(store, row, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_get(store, p, row, &st, &error), STORE_OK);
	ck_assert_int_eq(st.pending_key, 0);
	ck_assert_ptr_null(st.pending_op);
	ck_assert_int_eq(st.last_key, 2); /* keys never repeat */
	ck_assert_str_eq(view_text(store, p, row), "1:3:-2 2:4:-2");

	/* The same changes as key 3, confirmed this time. */
	ck_assert_int_eq(store_hierarchy_view_pending(store, row, "3", 11, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_view_pending(store, row, "1", 12, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_view_pending(store, row, "2", STORE_VIEW_PENDING_DELETE,
						      &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_set_pending(store, row, 3, 12, NULL, NULL, &error),
			 STORE_OK);
	ck_assert_int_eq(store_hierarchy_confirm(store, row, &error), STORE_OK);
	ck_assert_str_eq(view_text(store, p, row), "1:12:-2 3:11:-2");
	ck_assert_int_eq(store_hierarchy_view_pending(store, row, "9", -5, &error), STORE_INVALID);

	/* set_modseq, then a reset keeps last_key and empties the view. */
	ck_assert_int_eq(store_hierarchy_set_modseq(store, row, 20, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_get(store, p, row, &st, &error), STORE_OK);
	ck_assert_int_eq(st.modseq, 20);
	ck_assert_int_eq(store_hierarchy_reset(store, row, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_get(store, p, row, &st, &error), STORE_OK);
	ck_assert_int_eq(st.synckey, 0);
	ck_assert_int_eq(st.modseq, 0);
	ck_assert_int_eq(st.last_key, 3);
	ck_assert_str_eq(view_text(store, p, row), "");

	/* Drop: every key refused, the record says so. */
	ck_assert_int_eq(store_hierarchy_view_pending(store, row, "1", 5, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_drop(store, row, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_get(store, p, row, &st, &error), STORE_OK);
	ck_assert_int_eq(st.synckey, -1);
	ck_assert_int_eq(st.last_key, 3);
	ck_assert_str_eq(view_text(store, p, row), "");
	ck_assert(!get_record(store, p, uid, "PHONE1").has_hierarchy_state);
	pool_free(&p);
	store_close(&store);
}
END_TEST

START_TEST(test_remove_and_cascades)
{
	int64_t uid, row;
	struct store *store = open_with_device("remove", &uid, &row);
	pool *p = pool_new(0);
	struct store_device_record *recs;
	struct store_hierarchy_state st;
	size_t n;
	const char *error;

	ck_assert_int_eq(store_device_touch(store, uid, "APPLE2", "", NULL, 1001, &error), STORE_OK);
	ck_assert_int_eq(store_device_records(store, p, uid, &recs, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(recs[0].dev.device_id, "APPLE2");
	ck_assert_str_eq(recs[1].dev.device_id, "PHONE1");
	ck_assert_int_eq(store_hierarchy_reset(store, row, &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_view_pending(store, row, "1", 5, &error), STORE_OK);
	ck_assert_int_eq(store_device_remove(store, row, &error), STORE_OK);
	ck_assert_int_eq(store_device_remove(store, row, &error), STORE_NOT_FOUND);
	ck_assert_int_eq(store_hierarchy_get(store, p, row, &st, &error), STORE_NOT_FOUND);
	ck_assert_str_eq(view_text(store, p, row), "");
	ck_assert_int_eq(store_device_records(store, p, uid, &recs, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 1);
	/* The device comes back as a new one at its next request. */
	ck_assert_int_eq(store_device_touch(store, uid, "PHONE1", "", NULL, 2000, &error), STORE_OK);
	struct store_device_record rec = get_record(store, p, uid, "PHONE1");
	ck_assert_int_ne(rec.dev.id, row);
	ck_assert_int_eq(rec.dev.first_seen, 2000);
	/* Removing the user takes the devices and their state. */
	ck_assert_int_eq(store_hierarchy_reset(store, rec.dev.id, &error), STORE_OK);
	ck_assert_int_eq(store_user_remove(store, "ox.io", "mike", &error), STORE_OK);
	ck_assert_int_eq(store_hierarchy_get(store, p, rec.dev.id, &st, &error), STORE_NOT_FOUND);
	pool_free(&p);
	store_close(&store);
}
END_TEST

START_TEST(test_policies)
{
	int64_t uid, row;
	struct store *store = open_with_device("policies", &uid, &row);
	pool *p = pool_new(0);
	struct store_context ctx;
	struct store_policy_value *v;
	size_t n;
	const char *error;

	ck_assert_int_eq(store_context_get(store, p, "ox.io", &ctx, &error), STORE_OK);
	ck_assert_int_eq(store_policy_get(store, p, ctx.id, &v, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 0);
	struct store_policy_value set1[] = { { "b_key", "1" }, { "a_key", "x y" } };
	ck_assert_int_eq(store_policy_set(store, ctx.id, set1, 2, &error), STORE_OK);
	struct store_policy_value set2[] = { { "b_key", "7" } };
	ck_assert_int_eq(store_policy_set(store, ctx.id, set2, 1, &error), STORE_OK);
	ck_assert_int_eq(store_policy_get(store, p, ctx.id, &v, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].name, "a_key");
	ck_assert_str_eq(v[0].value, "x y");
	ck_assert_str_eq(v[1].name, "b_key");
	ck_assert_str_eq(v[1].value, "7");

	/* Bad input writes nothing, not even the good values before it. */
	struct store_policy_value bad[][2] = {
		{ { "c_key", "1" }, { "", "1" } },
		{ { "c_key", "1" }, { "d_key", "" } },
		{ { "c_key", "1" }, { "d_key", "a\nb" } },
		{ { "c_key", "1" }, { "d_key", "\xff" } },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(store_policy_set(store, ctx.id, bad[i], 2, &error), STORE_INVALID);
	ck_assert_int_eq(store_policy_set(store, ctx.id + 50, set2, 1, &error), STORE_NOT_FOUND);
	/* A failing write in the middle undoes the whole set. */
	struct store_policy_value set3[] = { { "c_key", "1" }, { "d_key", "2" } };
	store_test_fail_after(store, 4);
	ck_assert_int_eq(store_policy_set(store, ctx.id, set3, 2, &error), STORE_ERROR);
	store_test_fail_after(store, 0);
	ck_assert_int_eq(store_policy_get(store, p, ctx.id, &v, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 2);

	/* Contexts do not share policies, and removing one removes its policies. */
	ck_assert_int_eq(store_context_add(store, "other.io", &error), STORE_OK);
	struct store_context other;
	ck_assert_int_eq(store_context_get(store, p, "other.io", &other, &error), STORE_OK);
	ck_assert_int_eq(store_policy_get(store, p, other.id, &v, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(store_policy_set(store, other.id, set2, 1, &error), STORE_OK);
	ck_assert_int_eq(store_context_remove(store, "other.io", &error), STORE_OK);
	ck_assert_int_eq(store_policy_get(store, p, other.id, &v, &n, &error), STORE_OK);
	ck_assert_uint_eq(n, 0);
	pool_free(&p);
	store_close(&store);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store-device");
	TCase *tc = store_tcase(s, "core", 60);
	tcase_add_test(tc, test_record_defaults);
	tcase_add_test(tc, test_device_info);
	tcase_add_test(tc, test_policy_keys);
	tcase_add_test(tc, test_wipe);
	tcase_add_test(tc, test_hierarchy_state);
	tcase_add_test(tc, test_remove_and_cascades);
	tcase_add_test(tc, test_policies);
	return run_suite(s);
}
