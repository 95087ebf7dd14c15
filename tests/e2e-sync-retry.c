/* e2e-sync-retry: Sync behaviours the specification fixes and easd once got wrong (they
 * were kept in tests/pending until sync-engine.c was fixed). Each test says what is expected
 * and why.
 *
 * - test_add_without_appdata: MS-ASCMD 2.2.3.11 (ApplicationData is required, 1...1, in a
 *   Sync Add). easd once treated a missing ApplicationData like an empty one and stored an
 *   empty contact with Status 1. Q-PARSE-1 asks
 *   for tolerance of an *empty* <ApplicationData/> (Nexus 5), not of a missing one. Expected:
 *   the Add is refused (Status 6 in its Responses entry, or 4), nothing is written.
 * - test_retry_changes_deletes: the retry rule (issue 5 point 4, Q-SYNC-1: "a client that
 *   sends SyncKey N again gets an equivalent response") for Change and Delete. A phone
 *   sends Change(X) and Delete(Y) with key N, loses the answer (which had neither
 *   Responses nor Commands), sends the same request with N again. easd once answered the
 *   retry with Response Change X Status 7 plus X as a server Change (the phone's own first
 *   write taken for another writer's) and Response Delete Y Status 8. Expected: the same answer as the lost one
 *   (Status 1 or no Responses entry, nothing sent back), as the ClientId memory does for
 *   Adds.
 * - test_filter_narrowed: MS-ASCMD 2.2.3.172 (SoftDelete: "deletes an object from the client
 *   when it falls outside the FilterType results") and issue 5 point 4 ("FilterType ... with
 *   SoftDelete when an item leaves the window"). A phone that synced the tasks without a
 *   filter, then sends FilterType 8 (incomplete tasks) with its key, must get a SoftDelete
 *   for each completed task it holds. easd once answered Status 1 with no command (the
 *   rescan of a changed filter skipped items held at their modseq before the filter). */
#include "harness.h"
#include "db.h"

#include <stdlib.h>
#include <string.h>

#define LOGIN "mike@ox.io"
#define PASSWORD "Mike-pw-1"

static const char *const versions[] = { "2.5", "12.1", "14.1", "16.1" };

START_TEST(test_add_without_appdata)
{
	static const char *const skip[] = { "devices", "sync_requests", NULL };
	struct h_device a;
	struct h_sync_result r;
	struct wbxml_writer w;
	struct wbxml_node *root;
	const char *error;
	buf body = BUF_INIT;
	pool *p = pool_new(1024);

	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	h_easd_start(h_env, NULL);
	h_device_init(&a, LOGIN, PASSWORD);
	a.version = versions[_i];
	h_dev_start(h_env, &a);
	const char *c = h_dev_folder_of_type(&a, 9);
	h_dev_sync_all(h_env, &a, c, NULL);
	h_dev_sync(h_env, &a, c, 0, &r);   /* nothing pending any more */
	h_sync_result_free(&r);

	wbxml_writer_init(&w, &body, 0);
	wbxml_start(&w, WBXML_AirSync_Sync);
	wbxml_start(&w, WBXML_AirSync_Collections);
	wbxml_start(&w, WBXML_AirSync_Collection);
	if (h_version_number(a.version) < 140)
		wbxml_elem_str(&w, WBXML_AirSync_Class, "Contacts");
	wbxml_elem_str(&w, WBXML_AirSync_SyncKey, h_device_sync_key(&a, c));
	wbxml_elem_str(&w, WBXML_AirSync_CollectionId, c);
	wbxml_start(&w, WBXML_AirSync_Commands);
	wbxml_start(&w, WBXML_AirSync_Add);
	wbxml_elem_str(&w, WBXML_AirSync_ClientId, "c1");
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);

	char *before = h_db_snapshot(h_env_data_dir(h_env), skip);
	ck_assert_int_eq(h_dev_post_wbxml(h_env, &a, "Sync", body.data, body.len, p, &root), 200);
	struct wbxml_node *add = h_wbxml_path(root, WBXML_AirSync_Collections, WBXML_AirSync_Collection,
					      WBXML_AirSync_Responses, WBXML_AirSync_Add, 0);
	int st = h_wbxml_status(add);
	ck_assert_msg(st == 6 || st == 4 || h_wbxml_status(root) == 4,
		      "Add without ApplicationData (%s): Status %d\n%s", a.version, st,
		      h_wbxml_xml(p, root));
	char *after = h_db_snapshot(h_env_data_dir(h_env), skip);
	ck_assert_msg(strcmp(before, after) == 0, "Add without ApplicationData wrote:\n%s\n%s", before,
		      after);
	free(before);
	free(after);
	buf_free(&body);
	pool_free(&p);
	h_device_free(&a);
}
END_TEST

/* See the top of the file. */
START_TEST(test_retry_changes_deletes)
{
	struct h_device a, b;
	struct h_sync_result lost, retry, r;

	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	h_easctl_ok(h_env, NULL, "contacts", "import", LOGIN, h_write_vcards(h_env, "b.vcf", "Base", 3),
		    NULL);
	h_easd_start(h_env, NULL);
	h_device_init(&a, LOGIN, PASSWORD);
	a.device_id = "PHONEA0001";
	a.version = versions[_i];
	h_dev_start(h_env, &a);
	h_device_init(&b, LOGIN, PASSWORD);
	b.device_id = "PHONEB0002";
	b.version = versions[_i];
	h_dev_start(h_env, &b);
	const char *c = h_dev_folder_of_type(&a, 9);
	h_dev_sync_all(h_env, &a, c, NULL);
	h_dev_sync_all(h_env, &b, c, NULL);
	char *x = strdup(h_dev_find(&a, c, WBXML_Contacts_FileAs, "Base 1")->server_id);
	char *y = strdup(h_dev_find(&a, c, WBXML_Contacts_FileAs, "Base 2")->server_id);

	h_dev_change(&a, c, x, WBXML_Contacts_JobTitle, "Retried", 0);
	h_dev_delete(&a, c, y);
	h_dev_sync(h_env, &a, c, H_SYNC_LOSE, &lost);
	h_dev_sync(h_env, &a, c, 0, &retry);
	ck_assert_msg(strcmp(lost.summary, retry.summary) == 0,
		      "the retried answer differs (%s):\nlost:\n%sretry:\n%s", a.version, lost.summary,
		      retry.summary);
	h_sync_result_free(&lost);
	h_sync_result_free(&retry);
	h_dev_sync(h_env, &a, c, 0, &r);
	ck_assert(r.empty || r.coll[0].commands == 0);
	h_sync_result_free(&r);
	ck_assert_str_eq(h_item_prop(h_dev_item(&a, c, x), WBXML_Contacts_JobTitle), "Retried");
	h_dev_sync(h_env, &b, c, 0, &r);
	ck_assert_int_eq(r.coll[0].changes, 1);
	ck_assert_int_eq(r.coll[0].deletes, 1);
	h_sync_result_free(&r);
	free(x);
	free(y);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

static const char tasks_ics[] =
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//tasks//EN\r\n"
	"BEGIN:VTODO\r\nUID:open-1@e2e\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Open one\r\n"
	"STATUS:NEEDS-ACTION\r\nEND:VTODO\r\n"
	"BEGIN:VTODO\r\nUID:done-1@e2e\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Done one\r\n"
	"STATUS:COMPLETED\r\nCOMPLETED:20260102T100000Z\r\nEND:VTODO\r\n"
	"END:VCALENDAR\r\n";

/* See the top of the file. */
START_TEST(test_filter_narrowed)
{
	struct h_device a;
	struct h_sync_all all;

	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	h_easctl_ok(h_env, NULL, "tasks", "import", LOGIN, h_env_write_file(h_env, "t.ics", tasks_ics),
		    NULL);
	h_easd_start(h_env, NULL);
	h_device_init(&a, LOGIN, PASSWORD);
	a.version = versions[_i];
	h_dev_start(h_env, &a);
	const char *t = h_dev_folder_of_type(&a, 7);
	h_dev_sync_all(h_env, &a, t, NULL);
	ck_assert_int_eq(h_dev_count(&a, t), 2);
	h_dev_collection(&a, t)->filter_type = 8;
	h_dev_sync_all(h_env, &a, t, &all);
	ck_assert_msg(all.soft_deletes == 1 && h_dev_count(&a, t) == 1,
		      "FilterType 8 after none (%s): %u SoftDeletes, %zu tasks held", a.version,
		      all.soft_deletes, h_dev_count(&a, t));
	ck_assert_ptr_nonnull(h_dev_find(&a, t, WBXML_Tasks_Subject, "Open one"));
	h_device_free(&a);
}
END_TEST

static Suite *retry_suite(void)
{
	Suite *s = suite_create("e2e-sync-retry");
	TCase *tc = h_tcase_new("retry");

	tcase_add_loop_test(tc, test_add_without_appdata, 0, 4);
	tcase_add_loop_test(tc, test_retry_changes_deletes, 0, 4);
	tcase_add_loop_test(tc, test_filter_narrowed, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(retry_suite());
}
