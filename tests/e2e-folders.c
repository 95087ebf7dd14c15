/* End-to-end tests of FolderSync, FolderCreate, FolderUpdate and FolderDelete (issue 5,
 * point 3), each on 2.5, 12.1, 14.1 and 16.1: the default folders from SyncKey 0,
 * incremental changes made by another phone (create, rename, move, delete of a subtree),
 * FolderSync 0 that keeps the collection states (Q-FOLD-5), lost answers repeated with the
 * same key (no second folder), and every error Status with nothing written. */
#include "harness.h"
#include "db.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

#define LOGIN "mike@ox.io"
#define PASSWORD "Mike-pw-1"

static const char *const versions[] = { "2.5", "12.1", "14.1", "16.1" };

static void start_server(void)
{
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	h_easd_start(h_env, NULL);
}

static void phone(struct h_device *dev, const char *device_id, const char *version)
{
	h_device_init(dev, LOGIN, PASSWORD);
	dev->device_id = device_id;
	dev->version = version;
	h_dev_start(h_env, dev);
}

static void folder_sync_ok(struct h_device *dev, struct h_folder_result *fr)
{
	int st = h_dev_folder_sync(h_env, dev, fr);

	ck_assert_msg(fr->http == 200 && st == 1, "%s (%s): FolderSync HTTP %ld Status %d",
		      dev->device_id, dev->version, fr->http, st);
}

static const char *create_ok(struct h_device *dev, const char *parent, const char *name, int type)
{
	const char *sid;
	long http;
	int st = h_dev_folder_create(h_env, dev, parent, name, type, &sid, &http);

	ck_assert_msg(http == 200 && st == 1, "FolderCreate %s: HTTP %ld Status %d", name, http, st);
	return sid;
}

/* Live folders of mike named name in the database. */
static int64_t stored_folders(const char *name)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM folders WHERE name = '%s' AND deleted = 0",
		 name);
	return h_db_int(h_env_data_dir(h_env), sql);
}

/* The default folders, then what another phone creates, renames, moves and deletes. */
START_TEST(test_hierarchy_changes)
{
	static const struct { const char *name; int type; } defaults[] = {
		{ "Inbox", 2 }, { "Drafts", 3 }, { "Deleted Items", 4 }, { "Sent Items", 5 },
		{ "Outbox", 6 }, { "Junk E-mail", 12 }, { "Calendar", 8 }, { "Contacts", 9 },
		{ "Tasks", 7 }, { "Notes", 10 },
	};
	struct h_device a, b;
	struct h_folder_result fr;
	bool v14 = h_version_number(versions[_i]) >= 140;

	start_server();
	phone(&a, "PHONEA0001", versions[_i]);
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		const struct h_folder *f = h_dev_folder_named(&a, defaults[i].name);
		/* Q-FOLD-2: Notes from 14.0 on. */
		if (defaults[i].type == 10 && !v14) {
			ck_assert_msg(f == NULL, "%s: Notes shown to a %s phone", a.device_id, a.version);
			continue;
		}
		ck_assert_msg(f != NULL, "%s missing from FolderSync (%s)", defaults[i].name, a.version);
		ck_assert_int_eq(f->type, defaults[i].type);
		ck_assert_str_eq(f->parent_id, "0");
	}
	ck_assert_int_eq(a.folder_count, v14 ? 10 : 9);
	folder_sync_ok(&a, &fr);
	ck_assert_int_eq(fr.adds + fr.updates + fr.deletes, 0);

	/* Another phone (another version) creates folders; its own do not come back to it. */
	phone(&b, "PHONEB0002", versions[(_i + 1) % 4]);
	const char *inbox = h_dev_folder_of_type(&b, 2);
	char *friends = strdup(create_ok(&b, "0", "Friends", 14));
	char *sub = strdup(create_ok(&b, friends, "Sub", 14));
	char *chores = strdup(create_ok(&b, "0", "Chores", 15));
	char *archive = strdup(create_ok(&b, inbox, "Archive", 12));
	folder_sync_ok(&b, &fr);
	ck_assert_int_eq(fr.adds + fr.updates + fr.deletes, 0);
	folder_sync_ok(&a, &fr);
	ck_assert_int_eq(fr.adds, 4);
	ck_assert_str_eq(h_dev_folder(&a, sub)->parent_id, friends);
	ck_assert_str_eq(h_dev_folder(&a, archive)->parent_id, inbox);
	ck_assert_int_eq(h_dev_folder(&a, chores)->type, 15);
	ck_assert_str_eq(h_dev_folder(&a, friends)->name, "Friends");

	/* Rename and move. */
	struct h_sync_result sr;
	long http;
	ck_assert_int_eq(h_dev_folder_update(h_env, &b, friends, "0", "Buddies", &http), 1);
	ck_assert_int_eq(h_dev_folder_update(h_env, &b, chores, friends, "Chores", &http), 1);
	folder_sync_ok(&a, &fr);
	ck_assert_int_eq(fr.updates, 2);
	ck_assert_int_eq(fr.adds + fr.deletes, 0);
	ck_assert_str_eq(h_dev_folder(&a, friends)->name, "Buddies");
	ck_assert_str_eq(h_dev_folder(&a, chores)->parent_id, friends);

	/* A syncs the contacts of Sub, B deletes Buddies with everything below it. */
	h_dev_sync_all(h_env, &b, sub, NULL);
	const char *in_sub = h_dev_add(&b, sub, WBXML_Contacts_FileAs, "In Sub", 0);
	h_dev_sync(h_env, &b, sub, 0, &sr);
	const struct h_cmd_response *added = h_sync_response(&sr, H_CMD_ADD, in_sub);
	ck_assert_msg(added != NULL && added->status == 1, "Add in a user folder:\n%s", sr.xml);
	h_sync_result_free(&sr);
	h_dev_sync_all(h_env, &a, sub, NULL);
	ck_assert_int_eq(h_dev_count(&a, sub), 1);
	char *sub_key = strdup(h_device_sync_key(&a, sub));
	ck_assert_int_eq(h_dev_folder_delete(h_env, &b, friends, &http), 1);
	ck_assert_ptr_null(h_dev_folder(&b, sub));
	folder_sync_ok(&a, &fr);
	ck_assert_msg(fr.deletes >= 1, "no Delete for the deleted folder");
	ck_assert_ptr_null(h_dev_folder(&a, friends));
	ck_assert_ptr_null(h_dev_folder(&a, sub));
	ck_assert_ptr_null(h_dev_folder(&a, chores));
	ck_assert_ptr_nonnull(h_dev_folder(&a, archive));
	folder_sync_ok(&b, &fr);
	ck_assert_int_eq(fr.adds + fr.updates + fr.deletes, 0);

	/* A Sync of the deleted folder: Status 12 (sync-quirks.h, Q-FOLD-4). */
	h_device_set_sync_key(&a, sub, sub_key);
	h_dev_sync(h_env, &a, sub, 0, &sr);
	ck_assert_msg(h_sync_status(&sr) == 12, "Sync of a deleted folder: Status %d\n%s",
		      h_sync_status(&sr), sr.xml);
	h_sync_result_free(&sr);

	/* FolderSync 0 rebuilds the hierarchy only: the contacts state goes on (Q-FOLD-5). */
	const char *contacts = h_dev_folder_of_type(&a, 9);
	h_dev_sync_all(h_env, &a, contacts, NULL);
	char *contacts_key = strdup(h_device_sync_key(&a, contacts));
	free(a.folder_sync_key);
	a.folder_sync_key = NULL;
	folder_sync_ok(&a, &fr);
	ck_assert_int_eq(fr.adds, (v14 ? 10 : 9) + 1);
	contacts = h_dev_folder_of_type(&a, 9);
	ck_assert_str_eq(h_device_sync_key(&a, contacts), contacts_key);
	h_dev_sync(h_env, &a, contacts, 0, &sr);
	ck_assert_msg(sr.empty || h_sync_status(&sr) == 1, "Sync after FolderSync 0: Status %d\n%s",
		      h_sync_status(&sr), sr.xml);
	h_sync_result_free(&sr);
	free(contacts_key);
	free(sub_key);
	free(friends);
	free(sub);
	free(chores);
	free(archive);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

/* Lost answers: a FolderCreate repeated with the same key gets the same ServerId and makes
 * no second folder; a FolderSync repeated gets the same changes once. */
START_TEST(test_lost_answers)
{
	struct h_device a, b;
	struct h_folder_result fr;
	long http;

	start_server();
	phone(&a, "PHONEA0001", versions[_i]);
	phone(&b, "PHONEB0002", versions[_i]);
	a.lose_folder_answer = true;
	const char *lost_sid;
	ck_assert_int_eq(h_dev_folder_create(h_env, &a, "0", "Lost", 14, &lost_sid, &http), 1);
	char *first = strdup(lost_sid);
	ck_assert_ptr_null(h_dev_folder_named(&a, "Lost"));
	const char *sid = create_ok(&a, "0", "Lost", 14);
	ck_assert_str_eq(sid, first);
	ck_assert_int_eq(stored_folders("Lost"), 1);
	folder_sync_ok(&a, &fr);
	ck_assert_int_eq(fr.adds + fr.updates + fr.deletes, 0);

	/* Lost rename and delete, repeated. */
	a.lose_folder_answer = true;
	ck_assert_int_eq(h_dev_folder_update(h_env, &a, sid, "0", "Found", &http), 1);
	ck_assert_int_eq(h_dev_folder_update(h_env, &a, sid, "0", "Found", &http), 1);
	folder_sync_ok(&a, &fr);
	ck_assert_int_eq(fr.adds + fr.updates + fr.deletes, 0);
	ck_assert_str_eq(h_dev_folder(&a, sid)->name, "Found");
	a.lose_folder_answer = true;
	ck_assert_int_eq(h_dev_folder_delete(h_env, &a, sid, &http), 1);
	ck_assert_int_eq(h_dev_folder_delete(h_env, &a, sid, &http), 1);
	ck_assert_int_eq(stored_folders("Found"), 0);

	/* A lost FolderSync: the repeat brings B's folder once. */
	create_ok(&b, "0", "From B", 15);
	a.lose_folder_answer = true;
	folder_sync_ok(&a, &fr);
	ck_assert_int_eq(fr.adds, 1);
	ck_assert_ptr_null(h_dev_folder_named(&a, "From B"));
	folder_sync_ok(&a, &fr);
	ck_assert_int_eq(fr.adds, 1);
	ck_assert_ptr_nonnull(h_dev_folder_named(&a, "From B"));
	folder_sync_ok(&a, &fr);
	ck_assert_int_eq(fr.adds + fr.updates + fr.deletes, 0);
	/* A lost FolderCreate answer followed by a FolderSync with the old key (not a retry):
	 * the folder arrives as an Add, once. */
	a.lose_folder_answer = true;
	ck_assert_int_eq(h_dev_folder_create(h_env, &a, "0", "Lost again", 14, &lost_sid, &http), 1);
	char *second = strdup(lost_sid);
	folder_sync_ok(&a, &fr);
	ck_assert_int_eq(fr.adds, 1);
	ck_assert_ptr_nonnull(h_dev_folder(&a, second));
	ck_assert_int_eq(stored_folders("Lost again"), 1);
	folder_sync_ok(&a, &fr);
	ck_assert_int_eq(fr.adds + fr.updates + fr.deletes, 0);
	free(second);
	free(first);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

/* Runs one folder command (FolderCreate/Update/Delete: the phone's own functions) expecting
 * a Status; nothing may be written and the phone's key stays. */
#define EXPECT_STATUS(want, what, call)                                                          \
	do {                                                                                     \
		char *before_ = h_db_snapshot(h_env_data_dir(h_env), skip);                     \
		char *key_ = strdup(a.folder_sync_key);                                          \
		long http_ = 0;                                                                  \
		int st_ = (call);                                                                \
		(void)http_;                                                                     \
		char *after_ = h_db_snapshot(h_env_data_dir(h_env), skip);                      \
		ck_assert_msg(st_ == (want), "%s (%s): Status %d, want %d", what, a.version, st_, \
			      want);                                                             \
		ck_assert_msg(strcmp(before_, after_) == 0, "%s wrote something:\n%s\n%s", what, \
			      before_, after_);                                                  \
		ck_assert_str_eq(a.folder_sync_key, key_);                                       \
		free(before_);                                                                   \
		free(after_);                                                                    \
		free(key_);                                                                      \
	} while (0)

/* A raw folder command body: root with (tag, text) children; text NULL ends. */
static long raw_folder(struct h_device *dev, const char *cmd, uint16_t root, int *status_r, ...)
{
	struct wbxml_writer w;
	buf body = BUF_INIT;
	const char *error;
	struct wbxml_node *answer;
	pool *p = pool_new(1024);
	va_list ap;
	int tag;

	wbxml_writer_init(&w, &body, 0);
	wbxml_start(&w, root);
	va_start(ap, status_r);
	while ((tag = va_arg(ap, int)) != 0)
		wbxml_elem_str(&w, (uint16_t)tag, va_arg(ap, const char *));
	va_end(ap);
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	long http = h_dev_post_wbxml(h_env, dev, cmd, body.data, body.len, p, &answer);
	*status_r = h_wbxml_status(answer);
	buf_free(&body);
	pool_free(&p);
	return http;
}

static int raw_status(struct h_device *dev, const char *cmd, uint16_t root, const void *body,
		      size_t len)
{
	pool *p = pool_new(1024);
	struct wbxml_node *answer;
	long http = h_dev_post_wbxml(h_env, dev, cmd, body, len, p, &answer);
	int st = h_wbxml_status(answer);

	ck_assert_msg(http == 200 && answer != NULL && answer->tag == root, "%s: HTTP %ld", cmd, http);
	pool_free(&p);
	return st;
}

/* Every error Status of the four commands, with nothing written. */
START_TEST(test_folder_errors)
{
	static const char *const skip[] = { "devices", NULL };
	static const unsigned char not_wbxml[] = "FolderSync please";
	struct h_device a;
	struct h_folder_result fr;
	int st;

	start_server();
	phone(&a, "PHONEA0001", versions[_i]);
	const char *contacts = h_dev_folder_of_type(&a, 9);
	char *x1 = strdup(create_ok(&a, "0", "X1", 14));
	char *x2 = strdup(create_ok(&a, x1, "X2", 14));
	char *good_key = strdup(a.folder_sync_key);

	/* FolderCreate */
	EXPECT_STATUS(2, "FolderCreate of an existing name",
		      h_dev_folder_create(h_env, &a, "0", "Contacts", 14, NULL, &http_));
	EXPECT_STATUS(2, "FolderCreate of an existing user folder",
		      h_dev_folder_create(h_env, &a, x1, "X2", 14, NULL, &http_));
	EXPECT_STATUS(5, "FolderCreate below a missing parent",
		      h_dev_folder_create(h_env, &a, "4242", "Orphan", 14, NULL, &http_));
	EXPECT_STATUS(10, "FolderCreate of a default type",
		      h_dev_folder_create(h_env, &a, "0", "Inbox 2", 2, NULL, &http_));
	EXPECT_STATUS(10, "FolderCreate with an empty name",
		      h_dev_folder_create(h_env, &a, "0", "", 14, NULL, &http_));
	EXPECT_STATUS(10, "FolderCreate without DisplayName",
		      (raw_folder(&a, "FolderCreate", WBXML_FolderHierarchy_FolderCreate, &st,
				  WBXML_FolderHierarchy_SyncKey, a.folder_sync_key,
				  WBXML_FolderHierarchy_ParentId, "0", WBXML_FolderHierarchy_Type, "14",
				  0), st));
	EXPECT_STATUS(10, "FolderCreate with a Type that is no number",
		      (raw_folder(&a, "FolderCreate", WBXML_FolderHierarchy_FolderCreate, &st,
				  WBXML_FolderHierarchy_SyncKey, a.folder_sync_key,
				  WBXML_FolderHierarchy_ParentId, "0", WBXML_FolderHierarchy_DisplayName,
				  "T", WBXML_FolderHierarchy_Type, "fourteen", 0), st));
	free(a.folder_sync_key);
	a.folder_sync_key = strdup("987654");
	EXPECT_STATUS(9, "FolderCreate with an unknown key",
		      h_dev_folder_create(h_env, &a, "0", "Nope", 14, NULL, &http_));
	free(a.folder_sync_key);
	a.folder_sync_key = strdup("0");
	EXPECT_STATUS(9, "FolderCreate with key 0",
		      h_dev_folder_create(h_env, &a, "0", "Nope", 14, NULL, &http_));
	free(a.folder_sync_key);
	a.folder_sync_key = strdup("garbage");
	EXPECT_STATUS(9, "FolderCreate with a key that is no number",
		      h_dev_folder_create(h_env, &a, "0", "Nope", 14, NULL, &http_));

	/* FolderUpdate */
	free(a.folder_sync_key);
	a.folder_sync_key = strdup(good_key);
	EXPECT_STATUS(2, "FolderUpdate of a default folder",
		      h_dev_folder_update(h_env, &a, contacts, "0", "People", &http_));
	EXPECT_STATUS(2, "FolderUpdate to an existing name",
		      h_dev_folder_update(h_env, &a, x1, "0", "Contacts", &http_));
	EXPECT_STATUS(4, "FolderUpdate of a missing folder",
		      h_dev_folder_update(h_env, &a, "4242", "0", "Ghost", &http_));
	EXPECT_STATUS(5, "FolderUpdate below a missing parent",
		      h_dev_folder_update(h_env, &a, x1, "4242", "X1", &http_));
	EXPECT_STATUS(10, "FolderUpdate below itself",
		      h_dev_folder_update(h_env, &a, x1, x2, "X1", &http_));
	EXPECT_STATUS(10, "FolderUpdate without ServerId",
		      (raw_folder(&a, "FolderUpdate", WBXML_FolderHierarchy_FolderUpdate, &st,
				  WBXML_FolderHierarchy_SyncKey, a.folder_sync_key,
				  WBXML_FolderHierarchy_ParentId, "0", WBXML_FolderHierarchy_DisplayName,
				  "T", 0), st));
	free(a.folder_sync_key);
	a.folder_sync_key = strdup("987654");
	EXPECT_STATUS(9, "FolderUpdate with an unknown key",
		      h_dev_folder_update(h_env, &a, x1, "0", "X9", &http_));

	/* FolderDelete */
	free(a.folder_sync_key);
	a.folder_sync_key = strdup(good_key);
	EXPECT_STATUS(3, "FolderDelete of a default folder",
		      h_dev_folder_delete(h_env, &a, contacts, &http_));
	EXPECT_STATUS(4, "FolderDelete of a missing folder",
		      h_dev_folder_delete(h_env, &a, "4242", &http_));
	EXPECT_STATUS(10, "FolderDelete without ServerId",
		      (raw_folder(&a, "FolderDelete", WBXML_FolderHierarchy_FolderDelete, &st,
				  WBXML_FolderHierarchy_SyncKey, a.folder_sync_key, 0), st));
	free(a.folder_sync_key);
	a.folder_sync_key = strdup("987654");
	EXPECT_STATUS(9, "FolderDelete with an unknown key",
		      h_dev_folder_delete(h_env, &a, x1, &http_));

	/* FolderSync */
	EXPECT_STATUS(9, "FolderSync with an unknown key", h_dev_folder_sync(h_env, &a, &fr));
	free(a.folder_sync_key);
	a.folder_sync_key = strdup(good_key);
	EXPECT_STATUS(10, "FolderSync without SyncKey",
		      (raw_folder(&a, "FolderSync", WBXML_FolderHierarchy_FolderSync, &st, 0), st));
	EXPECT_STATUS(10, "FolderSync that is not WBXML",
		      raw_status(&a, "FolderSync", WBXML_FolderHierarchy_FolderSync, not_wbxml,
				 sizeof(not_wbxml) - 1));
	EXPECT_STATUS(10, "FolderSync with a Sync body",
		      raw_status(&a, "FolderSync", WBXML_FolderHierarchy_FolderSync,
				 "\x03\x01\x6a\x00\x45\x5c\x01\x01", 8));

	/* After all that the phone goes on with its key. */
	folder_sync_ok(&a, &fr);
	ck_assert_int_eq(fr.adds + fr.updates + fr.deletes, 0);
	ck_assert_int_eq(h_dev_folder_delete(h_env, &a, x1, NULL), 1);
	ck_assert_ptr_null(h_dev_folder(&a, x2));
	free(x1);
	free(x2);
	free(good_key);
	h_device_free(&a);
}
END_TEST

static Suite *folders_suite(void)
{
	Suite *s = suite_create("e2e-folders");
	TCase *tc = h_tcase_new("folders");

	tcase_add_loop_test(tc, test_hierarchy_changes, 0, 4);
	tcase_add_loop_test(tc, test_lost_answers, 0, 4);
	tcase_add_loop_test(tc, test_folder_errors, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(folders_suite());
}
