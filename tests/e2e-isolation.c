/* End-to-end tests of isolation between users of different contexts (issue 5; ARCHITECTURE
 * section 5), each on 2.5, 12.1, 14.1 and 16.1: two users with the same name in two
 * contexts, with phones of the same DeviceId, never see or touch each other's folders or
 * items, whatever ServerIds, CollectionIds or SyncKeys one phone sends. Folder and item
 * ServerIds are numbered per user, so the same ids exist in both accounts: the tests aim at
 * ids that exist only in the other one. */
#include "harness.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

static const char *const versions[] = { "2.5", "12.1", "14.1", "16.1" };

/* What the store holds of mike@b.io: his folders and items, rows and data. */
static char *b_rows(void)
{
	return h_db_text(h_env_data_dir(h_env),
			 "SELECT 'f', f.server_id, f.name, f.modseq, f.deleted FROM folders f "
			 "JOIN users u ON u.id = f.user_id JOIN contexts c ON c.id = u.context_id "
			 "WHERE c.domain = 'b.io' UNION ALL "
			 "SELECT 'i', i.server_id, hex(i.data), i.modseq, i.deleted FROM items i "
			 "JOIN users u ON u.id = i.user_id JOIN contexts c ON c.id = u.context_id "
			 "WHERE c.domain = 'b.io' ORDER BY 1, 2");
}

/* One raw Sync of collection coll with key and one command (kind with ServerId sid). */
static int raw_command(struct h_device *dev, const char *coll, const char *key, uint16_t kind,
		       const char *sid, pool *p)
{
	struct wbxml_writer w;
	struct wbxml_node *root;
	const char *error;
	buf body = BUF_INIT;

	wbxml_writer_init(&w, &body, 0);
	wbxml_start(&w, WBXML_AirSync_Sync);
	wbxml_start(&w, WBXML_AirSync_Collections);
	wbxml_start(&w, WBXML_AirSync_Collection);
	if (h_version_number(dev->version) < 140)
		wbxml_elem_str(&w, WBXML_AirSync_Class, "Contacts");
	wbxml_elem_str(&w, WBXML_AirSync_SyncKey, key);
	wbxml_elem_str(&w, WBXML_AirSync_CollectionId, coll);
	wbxml_start(&w, WBXML_AirSync_Commands);
	wbxml_start(&w, kind);
	wbxml_elem_str(&w, WBXML_AirSync_ServerId, sid);
	if (kind == WBXML_AirSync_Change) {
		wbxml_start(&w, WBXML_AirSync_ApplicationData);
		wbxml_elem_str(&w, WBXML_Contacts_FileAs, "Hijacked");
		wbxml_end(&w);
	}
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	long http = h_dev_post_wbxml(h_env, dev, "Sync", body.data, body.len, p, &root);
	buf_free(&body);
	ck_assert_int_eq(http, 200);
	struct wbxml_node *reply = h_wbxml_path(root, WBXML_AirSync_Collections, WBXML_AirSync_Collection,
						WBXML_AirSync_Responses, 0);
	ck_assert_msg(reply != NULL && reply->children != NULL, "no Responses:\n%s", h_wbxml_xml(p, root));
	return h_wbxml_status(reply->children);
}

START_TEST(test_contexts_isolated)
{
	struct h_device a, b;
	struct h_sync_result r;
	struct h_folder_result fr;
	pool *p = pool_new(4096);
	long http;
	uint64_t n;

	h_add_context(h_env, "a.io", true);
	h_add_context(h_env, "b.io", false);
	h_add_user(h_env, "mike@a.io", "alpha-pw");
	h_add_user(h_env, "mike@b.io", "bravo-pw");
	h_easctl_ok(h_env, NULL, "contacts", "import", "mike@a.io",
		    h_write_vcards(h_env, "a.vcf", "Alpha", 1), NULL);
	h_easctl_ok(h_env, NULL, "contacts", "import", "mike@b.io",
		    h_write_vcards(h_env, "b.vcf", "Bravo", 5), NULL);
	h_easd_start(h_env, NULL);

	/* B's phone: its contacts, a folder of its own with a contact in it. */
	h_device_init(&b, "mike@b.io", "bravo-pw");
	b.device_id = "SAMEDEVICE1";
	b.version = versions[_i];
	h_dev_start(h_env, &b);
	const char *bc = h_dev_folder_of_type(&b, 9);
	h_dev_sync_all(h_env, &b, bc, NULL);
	ck_assert_int_eq(h_dev_count(&b, bc), 5);
	const char *secret;
	ck_assert_int_eq(h_dev_folder_create(h_env, &b, "0", "B secret", 14, &secret, &http), 1);
	char *sb = strdup(secret);
	h_dev_sync_all(h_env, &b, sb, NULL);
	h_dev_add(&b, sb, WBXML_Contacts_FileAs, "Secret contact", 0);
	h_dev_sync_all(h_env, &b, sb, NULL);
	char *b_only = strdup(h_dev_collection(&b, bc)->items[4].server_id);
	char *b_key = strdup(h_device_sync_key(&b, bc));
	char *before = b_rows();

	/* A's phone, same DeviceId: only A's folders and contact. */
	h_device_init(&a, "mike@a.io", "alpha-pw");
	a.device_id = "SAMEDEVICE1";
	a.version = versions[_i];
	h_dev_start(h_env, &a);
	ck_assert_ptr_null(h_dev_folder_named(&a, "B secret"));
	ck_assert_ptr_null(h_dev_folder(&a, sb));
	const char *ac = h_dev_folder_of_type(&a, 9);
	h_dev_sync_all(h_env, &a, ac, NULL);
	ck_assert_int_eq(h_dev_count(&a, ac), 1);
	ck_assert_ptr_nonnull(h_dev_find(&a, ac, WBXML_Contacts_FileAs, "Alpha 1"));
	ck_assert_ptr_null(h_dev_item(&a, ac, b_only));

	/* A names B's folder and B's item. */
	h_dev_sync(h_env, &a, sb, 0, &r);
	ck_assert_msg(h_sync_status(&r) == 12, "Sync of B's folder: %s", r.xml);
	h_sync_result_free(&r);
	h_device_set_sync_key(&a, sb, b_key);
	h_dev_sync(h_env, &a, sb, 0, &r);
	ck_assert_msg(h_sync_status(&r) == 12, "Sync of B's folder with B's key: %s", r.xml);
	h_sync_result_free(&r);
	const char *a_key = h_device_sync_key(&a, ac);
	ck_assert_int_eq(raw_command(&a, ac, a_key, WBXML_AirSync_Change, b_only, p), 8);
	ck_assert_int_eq(raw_command(&a, ac, a_key, WBXML_AirSync_Fetch, b_only, p), 8);
	ck_assert_int_eq(raw_command(&a, ac, a_key, WBXML_AirSync_Delete, b_only, p), 8);
	ck_assert_int_eq(h_dev_estimate(h_env, &a, sb, &n, &http), 2);
	ck_assert_int_eq(h_dev_folder_update(h_env, &a, sb, "0", "Mine now", &http), 4);
	ck_assert_int_eq(h_dev_folder_delete(h_env, &a, sb, &http), 4);
	ck_assert_int_eq(h_dev_folder_create(h_env, &a, sb, "Inside", 14, NULL, &http), 5);

	/* B's phone with A's key for its contacts: a key of another device's state. */
	h_device_set_sync_key(&b, bc, h_device_sync_key(&a, ac));
	h_dev_sync(h_env, &b, bc, 0, &r);
	ck_assert_msg(h_sync_status(&r) == 3, "B's phone with A's key: %s", r.xml);
	h_sync_result_free(&r);

	char *after = b_rows();
	ck_assert_msg(strcmp(before, after) == 0, "B's data changed:\n%s\n%s", before, after);
	h_device_set_sync_key(&b, bc, b_key);
	ck_assert_int_eq(h_dev_folder_sync(h_env, &b, &fr), 1);
	ck_assert_int_eq(fr.adds + fr.updates + fr.deletes, 0);
	h_dev_sync(h_env, &b, bc, 0, &r);
	ck_assert_msg(r.empty || (h_sync_status(&r) == 1 && r.coll[0].commands == 0),
		      "B's next Sync: %s", r.xml);
	h_sync_result_free(&r);

	/* easctl export of A has A's contact only. */
	struct h_result er;
	h_easctl(h_env, NULL, &er, "contacts", "export", "mike@a.io", NULL);
	ck_assert_msg(er.status == 0 && strstr(er.out, "Alpha 1") != NULL && strstr(er.out, "Bravo") == NULL,
		      "export of mike@a.io:\n%s", er.out);
	h_result_free(&er);
	free(before);
	free(after);
	free(b_only);
	free(b_key);
	free(sb);
	pool_free(&p);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

static Suite *isolation_suite(void)
{
	Suite *s = suite_create("e2e-isolation");
	TCase *tc = h_tcase_new("isolation");

	tcase_add_loop_test(tc, test_contexts_isolated, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(isolation_suite());
}
