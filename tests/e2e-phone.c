/* Tests of the phone emulator itself (tests/phone.c), without easd: the requests it writes
 * for each protocol version, and how it applies answers to its view (canned answers built
 * with the WBXML writer). The issue 5 tests rely on both. */
#include "harness.h"
#include "db.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

static const char *const versions[] = { "2.5", "12.1", "14.1", "16.1" };

/* The request a phone with a queued Add writes, per version. */
START_TEST(test_sync_request_forms)
{
	struct h_device dev;
	struct h_sync_result res;
	struct wbxml_node *root;
	const char *error;
	buf req = BUF_INIT;
	pool *p = pool_new(4096);
	unsigned v = h_version_number(versions[_i]);

	h_device_init(&dev, "mike@ox.io", "pw");
	dev.version = versions[_i];
	struct h_collection *c = h_dev_collection(&dev, "9");
	c->class_name = "Contacts";
	h_device_set_sync_key(&dev, "9", "3:5");
	c->window_size = 25;
	c->conflict = 1;
	c->body_type = 1;
	const char *cid = h_dev_add(&dev, "9", WBXML_Contacts_FileAs, "Doe, Jane",
				    WBXML_AirSyncBase_Body, "Note", WBXML_Contacts_Categories, "A\nB",
				    WBXML_Contacts_Alias, "jd", 0);
	ck_assert_str_eq(cid, "c1");
	/* H_SYNC_NO_COMMANDS keeps the outbox for later. */
	h_dev_sync_canned(&dev, (const char *const[]){ "9" }, 1, H_SYNC_NO_COMMANDS, NULL, 0, &req, &res);
	h_sync_result_free(&res);
	buf_truncate(&req, 0);
	ck_assert_int_eq(h_dev_collection(&dev, "9")->outbox_count, 1);

	h_dev_sync_canned(&dev, (const char *const[]){ "9" }, 1, 0, NULL, 0, &req, &res);
	ck_assert(res.empty);
	ck_assert_int_eq(wbxml_decode(p, req.data, req.len, NULL, &root, &error), 0);
	struct wbxml_node *col = h_wbxml_path(root, WBXML_AirSync_Collections, WBXML_AirSync_Collection, 0);
	ck_assert_ptr_nonnull(col);
	ck_assert_msg((wbxml_child(col, WBXML_AirSync_Class) != NULL) == (v < 140),
		      "%s: Class in the request: %s", versions[_i], h_wbxml_xml(p, root));
	ck_assert_str_eq(wbxml_child_str(col, WBXML_AirSync_SyncKey), "3:5");
	ck_assert_str_eq(wbxml_child_str(col, WBXML_AirSync_CollectionId), "9");
	ck_assert_ptr_nonnull(wbxml_child(col, WBXML_AirSync_GetChanges));
	ck_assert_str_eq(wbxml_child_str(col, WBXML_AirSync_WindowSize), "25");
	struct wbxml_node *opt = wbxml_child(col, WBXML_AirSync_Options);
	ck_assert_str_eq(wbxml_child_str(opt, WBXML_AirSync_Conflict), "1");
	ck_assert((wbxml_child(opt, WBXML_AirSyncBase_BodyPreference) != NULL) == (v >= 120));
	struct wbxml_node *add = h_wbxml_path(col, WBXML_AirSync_Commands, WBXML_AirSync_Add, 0);
	ck_assert_str_eq(wbxml_child_str(add, WBXML_AirSync_ClientId), "c1");
	struct wbxml_node *app = wbxml_child(add, WBXML_AirSync_ApplicationData);
	ck_assert_str_eq(wbxml_child_str(app, WBXML_Contacts_FileAs), "Doe, Jane");
	if (v == 25) {
		ck_assert_str_eq(wbxml_child_str(app, WBXML_Contacts_Body), "Note");
		ck_assert_ptr_null(wbxml_child(app, WBXML_AirSyncBase_Body));
	} else {
		ck_assert_str_eq(wbxml_child_str(wbxml_child(app, WBXML_AirSyncBase_Body),
						 WBXML_AirSyncBase_Data), "Note");
	}
	struct wbxml_node *cat = h_wbxml_path(app, WBXML_Contacts_Categories, WBXML_Contacts_Category, 0);
	ck_assert_str_eq(wbxml_node_str(cat), "A");
	ck_assert_str_eq(wbxml_node_str(wbxml_next_same(cat)), "B");
	/* Alias is 14.0+: the writer leaves it out for older versions. */
	ck_assert((wbxml_child(app, WBXML_Contacts_Alias) != NULL) == (v >= 140));
	/* No answer came (empty body): the Add stays queued. */
	ck_assert_int_eq(h_dev_collection(&dev, "9")->outbox_count, 1);
	h_sync_result_free(&res);
	buf_free(&req);
	pool_free(&p);
	h_device_free(&dev);
}
END_TEST

/* A canned answer: collection 9, new key, the given commands and responses. */
static void answer(buf *out, const char *key, bool more, void (*body)(struct wbxml_writer *))
{
	struct wbxml_writer w;
	const char *error;

	buf_truncate(out, 0);
	wbxml_writer_init(&w, out, 0);
	wbxml_start(&w, WBXML_AirSync_Sync);
	wbxml_start(&w, WBXML_AirSync_Collections);
	wbxml_start(&w, WBXML_AirSync_Collection);
	wbxml_elem_str(&w, WBXML_AirSync_SyncKey, key);
	wbxml_elem_str(&w, WBXML_AirSync_CollectionId, "9");
	wbxml_elem_uint(&w, WBXML_AirSync_Status, 1);
	if (more)
		wbxml_elem_empty(&w, WBXML_AirSync_MoreAvailable);
	if (body != NULL)
		body(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
}

static void server_add(struct wbxml_writer *w, const char *sid, const char *file_as)
{
	wbxml_start(w, WBXML_AirSync_Add);
	wbxml_elem_str(w, WBXML_AirSync_ServerId, sid);
	wbxml_start(w, WBXML_AirSync_ApplicationData);
	wbxml_elem_str(w, WBXML_Contacts_FileAs, file_as);
	wbxml_start(w, WBXML_AirSyncBase_Body);
	wbxml_elem_uint(w, WBXML_AirSyncBase_Type, 1);
	wbxml_elem_str(w, WBXML_AirSyncBase_Data, "body text");
	wbxml_end(w);
	wbxml_end(w);
	wbxml_end(w);
}

static void two_adds_and_response(struct wbxml_writer *w)
{
	wbxml_start(w, WBXML_AirSync_Commands);
	server_add(w, "9:1", "One");
	server_add(w, "9:2", "Two");
	wbxml_end(w);
	wbxml_start(w, WBXML_AirSync_Responses);
	wbxml_start(w, WBXML_AirSync_Add);
	wbxml_elem_str(w, WBXML_AirSync_ClientId, "c1");
	wbxml_elem_str(w, WBXML_AirSync_ServerId, "9:3");
	wbxml_elem_uint(w, WBXML_AirSync_Status, 1);
	wbxml_end(w);
	wbxml_end(w);
}

static void change_delete(struct wbxml_writer *w)
{
	wbxml_start(w, WBXML_AirSync_Commands);
	wbxml_start(w, WBXML_AirSync_Change);
	wbxml_elem_str(w, WBXML_AirSync_ServerId, "9:1");
	wbxml_start(w, WBXML_AirSync_ApplicationData);
	wbxml_elem_str(w, WBXML_Contacts_FileAs, "One changed");
	wbxml_end(w);
	wbxml_end(w);
	wbxml_start(w, WBXML_AirSync_Delete);
	wbxml_elem_str(w, WBXML_AirSync_ServerId, "9:2");
	wbxml_end(w);
	wbxml_start(w, WBXML_AirSync_SoftDelete);
	wbxml_elem_str(w, WBXML_AirSync_ServerId, "9:77");
	wbxml_end(w);
	wbxml_end(w);
}

/* Adds, Changes, Deletes and the answer to the phone's Add reach the view; a lost answer
 * changes nothing; equivalent answers have equal summaries whatever their SyncKeys. */
START_TEST(test_sync_answer_applied)
{
	struct h_device dev;
	struct h_sync_result res, lost;
	buf req = BUF_INIT, ans = BUF_INIT;
	const char *const ids[] = { "9" };

	h_device_init(&dev, "mike@ox.io", "pw");
	h_device_set_sync_key(&dev, "9", "1");
	h_dev_add(&dev, "9", WBXML_Contacts_FileAs, "Mine", 0);

	answer(&ans, "2", true, two_adds_and_response);
	h_dev_sync_canned(&dev, ids, 1, H_SYNC_LOSE, ans.data, ans.len, &req, &lost);
	ck_assert_int_eq(lost.coll[0].adds, 2);
	ck_assert_int_eq(h_dev_count(&dev, "9"), 1);
	ck_assert_str_eq(h_device_sync_key(&dev, "9"), "1");
	ck_assert_int_eq(h_dev_collection(&dev, "9")->outbox_count, 1);

	answer(&ans, "2b", true, two_adds_and_response);
	h_dev_sync_canned(&dev, ids, 1, 0, ans.data, ans.len, &req, &res);
	ck_assert_str_eq(res.summary, lost.summary);
	ck_assert(res.coll[0].more_available);
	ck_assert_str_eq(h_device_sync_key(&dev, "9"), "2b");
	ck_assert_int_eq(h_dev_count(&dev, "9"), 3);
	ck_assert_int_eq(h_dev_collection(&dev, "9")->outbox_count, 0);
	struct h_item *mine = h_dev_item(&dev, "9", "9:3");
	ck_assert_ptr_nonnull(mine);
	ck_assert_str_eq(h_item_prop(mine, WBXML_Contacts_FileAs), "Mine");
	struct h_item *one = h_dev_item(&dev, "9", "9:1");
	ck_assert_str_eq(h_item_prop(one, WBXML_Contacts_FileAs), "One");
	ck_assert_str_eq(h_item_prop(one, WBXML_AirSyncBase_Body), "body text");
	const struct h_cmd_response *r = h_sync_response(&res, H_CMD_ADD, "c1");
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->server_id, "9:3");
	ck_assert_int_eq(r->status, 1);
	h_dev_assert_unique(&dev, "9");
	h_sync_result_free(&res);
	h_sync_result_free(&lost);

	answer(&ans, "3", false, change_delete);
	h_dev_sync_canned(&dev, ids, 1, 0, ans.data, ans.len, &req, &res);
	ck_assert_int_eq(res.coll[0].changes, 1);
	ck_assert_int_eq(res.coll[0].deletes, 1);
	ck_assert_int_eq(res.coll[0].soft_deletes, 1);
	ck_assert_int_eq(res.coll[0].unknown, 1);
	ck_assert_int_eq(h_dev_count(&dev, "9"), 2);
	ck_assert_ptr_null(h_dev_item(&dev, "9", "9:2"));
	ck_assert_str_eq(h_item_prop(h_dev_item(&dev, "9", "9:1"), WBXML_Contacts_FileAs), "One changed");
	/* The server's Change replaces the item: the body it did not send is gone. */
	ck_assert_ptr_null(h_item_prop(h_dev_item(&dev, "9", "9:1"), WBXML_AirSyncBase_Body));
	h_sync_result_free(&res);

	/* A phone's Change sends the whole item less what its Supported list leaves out. */
	static const uint16_t supported[] = { WBXML_Contacts_FileAs };
	h_dev_collection(&dev, "9")->supported = supported;
	h_dev_collection(&dev, "9")->supported_count = 1;
	h_dev_change(&dev, "9", "9:3", WBXML_Contacts_JobTitle, "Boss", 0);
	struct h_collection *c = h_dev_collection(&dev, "9");
	ck_assert_int_eq(c->outbox_count, 1);
	ck_assert_int_eq(c->outbox[0].prop_count, 1);
	ck_assert_int_eq(c->outbox[0].props[0].tag, WBXML_Contacts_FileAs);
	ck_assert_str_eq(h_item_prop(h_dev_item(&dev, "9", "9:3"), WBXML_Contacts_JobTitle), "Boss");

	/* SyncKey 0: the phone starts over with an empty view. */
	h_dev_reset_collection(&dev, "9");
	ck_assert_int_eq(h_dev_count(&dev, "9"), 0);
	answer(&ans, "7:1", false, NULL);
	h_dev_sync_canned(&dev, ids, 1, 0, ans.data, ans.len, &req, &res);
	ck_assert_str_eq(h_device_sync_key(&dev, "9"), "7:1");
	h_sync_result_free(&res);

	buf_free(&req);
	buf_free(&ans);
	h_device_free(&dev);
}
END_TEST

/* vCards for imports: count cards, each with a UID. */
START_TEST(test_vcards)
{
	const char *path = h_write_vcards(h_env, "c.vcf", "Person", 3);
	FILE *f = fopen(path, "r");
	char line[256];
	unsigned cards = 0, uids = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		cards += strncmp(line, "BEGIN:VCARD", 11) == 0;
		uids += strncmp(line, "UID:Person-", 11) == 0;
	}
	fclose(f);
	ck_assert_int_eq(cards, 3);
	ck_assert_int_eq(uids, 3);
}
END_TEST

/* The database fingerprint of tests/db.h: stable while nothing is written, different after
 * any write, blind to the tables it is told to skip. */
START_TEST(test_db_snapshot)
{
	const char *data = h_env_data_dir(h_env);
	static const char *const skip[] = { "users", NULL };

	h_add_context(h_env, "ox.io", true);
	char *a = h_db_snapshot(data, NULL);
	char *b = h_db_snapshot(data, NULL);
	ck_assert_str_eq(a, b);
	ck_assert_msg(strstr(a, "contexts=1:") != NULL, "%s", a);
	char *c = h_db_snapshot(data, skip);
	h_add_user(h_env, "mike@ox.io", "pw");
	char *d = h_db_snapshot(data, NULL);
	ck_assert_str_ne(a, d);
	ck_assert_msg(strstr(d, "users=1:") != NULL, "%s", d);
	free(a);
	free(b);
	free(c);
	free(d);
}
END_TEST

static Suite *phone_suite(void)
{
	Suite *s = suite_create("e2e-phone");
	TCase *tc = h_tcase_new("phone");

	tcase_add_loop_test(tc, test_sync_request_forms, 0, 4);
	tcase_add_test(tc, test_sync_answer_applied);
	tcase_add_test(tc, test_vcards);
	tcase_add_test(tc, test_db_snapshot);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(phone_suite());
}
