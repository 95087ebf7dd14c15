/* Tests of issue 5 that the current code fails because it differs from the specification
 * (kept out of the build until it is fixed; move this file to tests/ then). Each test says
 * what is expected and why.
 *
 * - test_add_without_appdata: MS-ASCMD 2.2.3.11 (ApplicationData is required, 1...1, in a
 *   Sync Add). easd treats a missing ApplicationData like an empty one (sync-engine.c, the
 *   `&empty` fallback of the Add) and stores an empty contact with Status 1. Q-PARSE-1 asks
 *   for tolerance of an *empty* <ApplicationData/> (Nexus 5), not of a missing one. Expected:
 *   the Add is refused (Status 6 in its Responses entry, or 4), nothing is written. */
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

static Suite *pending_suite(void)
{
	Suite *s = suite_create("e2e-sync-pending");
	TCase *tc = h_tcase_new("pending");

	tcase_add_loop_test(tc, test_add_without_appdata, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(pending_suite());
}
