/* Unit tests of GetItemEstimate (cmd-getitemestimate.c): both request forms (2.5-12.1 and
 * 14.0+), estimates that match what Sync then sends (filters, the device's own writes), the
 * statuses 2/3/4 and the Q-SYNC-9 switch. */
#include "eas/test-sync.h"

#include "store/store-testing.h"

/* One collection in the form of the version: Class/FilterType/SyncKey (2.5-12.1) or
 * SyncKey/Options (14.0+). filter -1: none. */
static struct wbxml_node *estimate(struct ts *t, const struct ts_device *dev, const char *key,
				   const char *id, const char *cls, int filter)
{
	struct ts_req r;

	ts_begin(&r);
	wbxml_start(&r.w, WBXML_GetItemEstimate_GetItemEstimate);
	wbxml_start(&r.w, WBXML_GetItemEstimate_Collections);
	wbxml_start(&r.w, WBXML_GetItemEstimate_Collection);
	if (dev->version < 140) {
		if (cls != NULL)
			wbxml_elem_str(&r.w, WBXML_GetItemEstimate_Class, cls);
		wbxml_elem_str(&r.w, WBXML_GetItemEstimate_CollectionId, id);
		if (filter >= 0)
			wbxml_elem_uint(&r.w, WBXML_AirSync_FilterType, (uint64_t)filter);
		wbxml_elem_str(&r.w, WBXML_AirSync_SyncKey, key);
	} else {
		wbxml_elem_str(&r.w, WBXML_AirSync_SyncKey, key);
		wbxml_elem_str(&r.w, WBXML_GetItemEstimate_CollectionId, id);
		if (filter >= 0 || cls != NULL) {
			wbxml_start(&r.w, WBXML_AirSync_Options);
			if (cls != NULL)
				wbxml_elem_str(&r.w, WBXML_AirSync_Class, cls);
			if (filter >= 0)
				wbxml_elem_uint(&r.w, WBXML_AirSync_FilterType, (uint64_t)filter);
			wbxml_end(&r.w);
		}
	}
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	struct wbxml_node *root = ts_send(t, eas_cmd_getitemestimate, dev, &r);
	ck_assert_ptr_nonnull(root);
	ck_assert_uint_eq(root->tag, WBXML_GetItemEstimate_GetItemEstimate);
	struct wbxml_node *resp = wbxml_child(root, WBXML_GetItemEstimate_Response);
	ck_assert_ptr_nonnull(resp);
	return resp;
}

static int est_status(struct wbxml_node *resp)
{
	return ts_int(resp, WBXML_GetItemEstimate_Status);
}

static int est_value(struct wbxml_node *resp)
{
	ck_assert_int_eq(est_status(resp), 1);
	return ts_int(wbxml_child(resp, WBXML_GetItemEstimate_Collection),
		      WBXML_GetItemEstimate_Estimate);
}

START_TEST(test_estimate_matches_sync)
{
	static const int versions[] = { 25, 120, 121, 140, 141, 160, 161 };

	for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
		struct ts t;
		ts_open(&t, versions[v]);
		for (int i = 0; i < 5; i++)
			ts_server_contact(&t, "Est", "Imate");
		const char *key = ts_key(&t, ts_coll(ts_sync(&t, &t.a, "0", t.contacts.server_id,
							    0), t.contacts.server_id));
		struct wbxml_node *resp = estimate(&t, &t.a, key, t.contacts.server_id,
						   "Contacts", 0);
		ck_assert_int_eq(est_value(resp), 5);
		/* Class only in the response of the versions that have it. */
		struct wbxml_node *coll = wbxml_child(resp, WBXML_GetItemEstimate_Collection);
		ck_assert_str_eq(wbxml_child_str(coll, WBXML_GetItemEstimate_CollectionId),
				 t.contacts.server_id);
		ck_assert_int_eq(wbxml_child(coll, WBXML_GetItemEstimate_Class) != NULL,
				 versions[v] < 140);
		/* The pending key after a window of 2 counts what is left; the confirmed
		 * one what it had. */
		const char *next = ts_key(&t, ts_coll(ts_sync(&t, &t.a, key, t.contacts.server_id,
							     2), t.contacts.server_id));
		ck_assert_int_eq(est_value(estimate(&t, &t.a, next, t.contacts.server_id, NULL,
						    -1)), 3);
		ck_assert_int_eq(est_value(estimate(&t, &t.a, key, t.contacts.server_id, NULL,
						    -1)), 5);
		ts_close(&t);
	}
}
END_TEST

/* Tasks with FilterType 8 count the incomplete ones; the device's own Adds are not
 * counted (Sync will not send them back, Q-SYNC-8). */
START_TEST(test_estimate_filter_and_own_writes)
{
	struct ts t;
	struct ts_req r;

	ts_open(&t, 141);
	ts_server_task(&t, "Open 1", false);
	ts_server_task(&t, "Open 2", false);
	ts_server_task(&t, "Done", true);
	const char *key = ts_key(&t, ts_coll(ts_sync(&t, &t.a, "0", t.tasks.server_id, 0),
					     t.tasks.server_id));
	ck_assert_int_eq(est_value(estimate(&t, &t.a, key, t.tasks.server_id, "Tasks", 8)), 2);
	ck_assert_int_eq(est_value(estimate(&t, &t.a, key, t.tasks.server_id, "Tasks", 0)), 3);
	/* The SMS options of an Inbox are not the collection's (Q-PARSE-2). */
	ck_assert_int_eq(est_value(estimate(&t, &t.a, key, t.tasks.server_id, "SMS", 8)), 3);

	struct wbxml_node *c = ts_coll(ts_sync(&t, &t.a, key, t.tasks.server_id, 0),
				       t.tasks.server_id);
	key = ts_key(&t, c);
	ck_assert_int_eq(est_value(estimate(&t, &t.a, key, t.tasks.server_id, NULL, -1)), 0);
	ts_sync_begin(&r);
	ts_collection(&r, key, t.tasks.server_id);
	wbxml_start(&r.w, WBXML_AirSync_Commands);
	wbxml_start(&r.w, WBXML_AirSync_Add);
	wbxml_elem_str(&r.w, WBXML_AirSync_ClientId, "t1");
	wbxml_start(&r.w, WBXML_AirSync_ApplicationData);
	wbxml_elem_str(&r.w, WBXML_Tasks_Subject, "Mine");
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	key = ts_key(&t, ts_coll(ts_send(&t, eas_cmd_sync, &t.a, &r), t.tasks.server_id));
	ck_assert_int_eq(est_value(estimate(&t, &t.a, key, t.tasks.server_id, NULL, -1)), 0);
	/* Device B has never synced: not primed. */
	sync_quirk_test_set_estimate_tolerant(0);
	ck_assert_int_eq(est_status(estimate(&t, &t.b, "0", t.tasks.server_id, NULL, -1)), 3);
	ts_close(&t);
}
END_TEST

/* Statuses: 2 for an unknown collection (both modes); key 0 and a stale key: 3 and 4 in
 * the strict mode, 1 with Estimate 1 in the tolerant one (Q-SYNC-9, the default). */
START_TEST(test_estimate_statuses)
{
	static const int versions[] = { 121, 141 };

	for (size_t v = 0; v < 2; v++) {
		struct ts t;
		ts_open(&t, versions[v]);
		const char *id = t.contacts.server_id;
		ck_assert_int_eq(est_status(estimate(&t, &t.a, "{1}1", "4711", NULL, -1)), 2);
		ck_assert_int_eq(est_value(estimate(&t, &t.a, "0", id, NULL, -1)), 1);
		const char *key = ts_key(&t, ts_coll(ts_sync(&t, &t.a, "0", id, 0), id));
		ck_assert_int_eq(est_value(estimate(&t, &t.a, "{999}1", id, NULL, -1)), 1);

		sync_quirk_test_set_estimate_tolerant(0);
		ck_assert_int_eq(est_status(estimate(&t, &t.a, "0", id, NULL, -1)), 3);
		ck_assert_int_eq(est_status(estimate(&t, &t.a, "{999}1", id, NULL, -1)), 4);
		ck_assert_int_eq(est_status(estimate(&t, &t.a, "garbage", id, NULL, -1)), 4);
		ck_assert_int_eq(est_status(estimate(&t, &t.a, "{1}1", "4711", NULL, -1)), 2);
		struct wbxml_node *resp = estimate(&t, &t.a, "{999}1", id, NULL, -1);
		ck_assert_ptr_null(wbxml_child(wbxml_child(resp, WBXML_GetItemEstimate_Collection),
					       WBXML_GetItemEstimate_Estimate));
		ck_assert_int_eq(est_value(estimate(&t, &t.a, key, id, NULL, -1)), 0);
		sync_quirk_test_set_estimate_tolerant(-1);
		ts_close(&t);
	}
}
END_TEST

/* Malformed requests: not WBXML or no Collections is HTTP 400; a Collection without
 * CollectionId gets Status 2 and the others are answered. */
START_TEST(test_estimate_bad_requests)
{
	struct ts t;
	struct ts_req r;
	buf junk = BUF_INIT;

	ts_open(&t, 141);
	buf_puts(&junk, "nope");
	ck_assert_ptr_null(ts_run(&t, eas_cmd_getitemestimate, &t.a, &junk));
	ck_assert_uint_eq(t.http, 400);
	buf_free(&junk);
	ts_begin(&r);
	wbxml_start(&r.w, WBXML_GetItemEstimate_GetItemEstimate);
	wbxml_end(&r.w);
	ck_assert_ptr_null(ts_send(&t, eas_cmd_getitemestimate, &t.a, &r));
	ck_assert_uint_eq(t.http, 400);

	ts_begin(&r);
	wbxml_start(&r.w, WBXML_GetItemEstimate_GetItemEstimate);
	wbxml_start(&r.w, WBXML_GetItemEstimate_Collections);
	wbxml_start(&r.w, WBXML_GetItemEstimate_Collection);
	wbxml_elem_str(&r.w, WBXML_AirSync_SyncKey, "0");
	wbxml_end(&r.w);
	wbxml_start(&r.w, WBXML_GetItemEstimate_Collection);
	wbxml_elem_str(&r.w, WBXML_AirSync_SyncKey, "0");
	wbxml_elem_str(&r.w, WBXML_GetItemEstimate_CollectionId, t.contacts.server_id);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	struct wbxml_node *root = ts_send(&t, eas_cmd_getitemestimate, &t.a, &r);
	struct wbxml_node *first = wbxml_child(root, WBXML_GetItemEstimate_Response);
	ck_assert_int_eq(est_status(first), 2);
	ck_assert_int_eq(est_status(wbxml_next_same(first)), 1);
	ts_close(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sync-estimate");
	TCase *tc = tcase_create("estimate");

	tcase_add_unchecked_fixture(tc, ts_base_setup, ts_base_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_estimate_matches_sync);
	tcase_add_test(tc, test_estimate_filter_and_own_writes);
	tcase_add_test(tc, test_estimate_statuses);
	tcase_add_test(tc, test_estimate_bad_requests);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
