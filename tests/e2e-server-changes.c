/* End-to-end tests of changes made on the server (issue 5: "two devices of one user converge
 * on adds, changes and deletes made on each and on the server"), each on 2.5, 12.1, 14.1 and
 * 16.1: `easctl contacts import` of a card whose UID is known updates that contact (both
 * phones get a Change, not a second contact; the same card again changes nothing),
 * `easctl contacts|tasks delete` by UID or ServerId gives both phones a Delete, and a
 * phone's change shows in `easctl contacts export` under the same UID, whose re-import is
 * no change. */
#include "harness.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOGIN "mike@ox.io"
#define USER "mike"
#define PASSWORD "Mike-pw-1"

static const char *const versions[] = { "2.5", "12.1", "14.1", "16.1" };

static void start_server(void)
{
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	h_easd_start(h_env, NULL);
}

/* A provisioned phone of mike with its folder list. */
static void phone(struct h_device *dev, const char *device_id, const char *version)
{
	h_device_init(dev, LOGIN, PASSWORD);
	dev->device_id = device_id;
	dev->version = version;
	if (strcmp(version, "2.5") != 0)
		dev->form = H_QUERY_BASE64;
	h_dev_start(h_env, dev);
}

static const char *folder_of(const struct h_device *dev, int type)
{
	const char *id = h_dev_folder_of_type(dev, type);

	ck_assert_msg(id != NULL, "%s has no folder of type %d", dev->device_id, type);
	return id;
}

/* Live items of mike in his default folder of a type, in the database. */
static int64_t stored(int type)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id "
		 "JOIN users u ON u.id = f.user_id WHERE u.name = '" USER "' AND f.type = %d "
		 "AND i.deleted = 0", type);
	return h_db_int(h_env_data_dir(h_env), sql);
}

/* Runs easctl with text as standard input, asserts its exit status and that standard
 * output holds want (NULL: anything); returns standard output (malloc'd). */
static char *easctl_expect(int status, const char *text, const char *want, const char *a1,
			   const char *a2, const char *a3, const char *a4, const char *a5)
{
	struct h_result r;

	h_easctl(h_env, text, &r, a1, a2, a3, a4, a5, NULL);
	ck_assert_msg(r.status == status, "easctl %s %s %s: exit %d, not %d\n%s%s", a1, a2,
		      a4 != NULL ? a4 : "", r.status, status, r.out, r.err);
	ck_assert_msg(want == NULL || strstr(r.out, want) != NULL,
		      "easctl %s %s: '%s' not in\n%s%s", a1, a2, want, r.out, r.err);
	char *out = strdup(r.out);
	h_result_free(&r);
	return out;
}

/* Syncs the phone until it has everything; asserts what the server sent. */
static void sync_expect(struct h_device *dev, const char *coll, unsigned adds, unsigned changes,
			unsigned deletes)
{
	struct h_sync_all all;

	h_dev_sync_all(h_env, dev, coll, &all);
	ck_assert_msg(all.adds == adds && all.changes == changes && all.deletes == deletes,
		      "%s (%s): %u adds, %u changes, %u deletes; expected %u, %u, %u",
		      dev->device_id, dev->version, all.adds, all.changes, all.deletes, adds,
		      changes, deletes);
	h_dev_assert_unique(dev, coll);
}

#define CARDS_WITH_UID \
	"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:ann-1@e2e\r\nN:One;Ann;;;\r\nFN:Ann One\r\n" \
	"TITLE:Clerk\r\nEND:VCARD\r\n" \
	"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bob-2@e2e\r\nN:Two;Bob;;;\r\nFN:Bob Two\r\n" \
	"END:VCARD\r\n"

/* Ann and Bob with a UID, Cy without one. */
static const char cards_v1[] = CARDS_WITH_UID
	"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Three;Cy;;;\r\nFN:Cy Three\r\nEND:VCARD\r\n";

/* Ann's title changed; Bob the same; no third card. */
static const char cards_v2[] =
	"BEGIN:VCARD\r\nVERSION:4.0\r\nUID:ann-1@e2e\r\nN:One;Ann;;;\r\nFN:Ann One\r\n"
	"TITLE:Boss\r\nEND:VCARD\r\n"
	"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bob-2@e2e\r\nN:Two;Bob;;;\r\nFN:Bob Two\r\n"
	"END:VCARD\r\n";

START_TEST(test_server_changes_contacts)
{
	struct h_device a, b;
	const char *va = versions[_i], *vb = versions[(_i + 2) % 4];

	start_server();
	free(easctl_expect(0, cards_v1, "added 3, updated 0, unchanged 0", "contacts", "import",
			   LOGIN, NULL, NULL));
	phone(&a, "SRVCHGA001", va);
	phone(&b, "SRVCHGB002", vb);
	const char *ca = folder_of(&a, 9), *cb = folder_of(&b, 9);
	sync_expect(&a, ca, 3, 0, 0);
	sync_expect(&b, cb, 3, 0, 0);

	/* The same cards again: nothing to do, nothing sent (a card without a UID, such as
	 * Cy's, cannot be recognised and would be added again). */
	free(easctl_expect(0, CARDS_WITH_UID, "added 0, updated 0, unchanged 2", "contacts",
			   "import", LOGIN, NULL, NULL));
	sync_expect(&a, ca, 0, 0, 0);

	/* Ann changed on the server: one Change on each phone, no second Ann. */
	free(easctl_expect(0, cards_v2, "added 0, updated 1, unchanged 1", "contacts", "import",
			   LOGIN, NULL, NULL));
	sync_expect(&a, ca, 0, 1, 0);
	sync_expect(&b, cb, 0, 1, 0);
	ck_assert_int_eq(h_dev_count(&a, ca), 3);
	ck_assert_int_eq(h_dev_count(&b, cb), 3);
	ck_assert_int_eq(h_dev_count_with(&b, cb, WBXML_Contacts_FirstName, "Ann"), 1);
	struct h_item *ann = h_dev_find(&b, cb, WBXML_Contacts_FirstName, "Ann");
	ck_assert_str_eq(h_item_prop(ann, WBXML_Contacts_JobTitle), "Boss");
	char *ann_id = strdup(ann->server_id);
	ck_assert_int_eq(stored(9), 3);

	/* Deleted on the server, by UID and by ServerId; an unknown one is named, exit 1. */
	struct h_item *cy = h_dev_find(&a, ca, WBXML_Contacts_FirstName, "Cy");
	ck_assert_ptr_nonnull(cy);
	char *cy_id = strdup(cy->server_id);
	struct h_result r;
	h_easctl(h_env, NULL, &r, "contacts", "delete", LOGIN, "bob-2@e2e", cy_id, "nobody@e2e",
		 NULL);
	ck_assert_msg(r.status == 1 && strstr(r.out, "deleted 2 contacts") != NULL &&
		      strstr(r.err, "'nobody@e2e'") != NULL, "delete: %d\n%s%s", r.status, r.out,
		      r.err);
	h_result_free(&r);
	sync_expect(&a, ca, 0, 0, 2);
	sync_expect(&b, cb, 0, 0, 2);
	ck_assert_ptr_null(h_dev_item(&a, ca, cy_id));
	ck_assert_ptr_null(h_dev_find(&b, cb, WBXML_Contacts_FirstName, "Bob"));
	ck_assert_int_eq(h_dev_count(&a, ca), 1);
	ck_assert_int_eq(stored(9), 1);
	/* Already gone: named, exit 1, nothing sent. */
	free(easctl_expect(1, NULL, "deleted 0 contacts", "contacts", "delete", LOGIN, cy_id,
			   NULL));
	sync_expect(&a, ca, 0, 0, 0);

	/* A phone changes Ann: the export shows it under her UID, and the exported file
	 * imports as no change at all. */
	h_dev_change(&a, ca, ann_id, WBXML_Contacts_JobTitle, "Director", 0);
	sync_expect(&a, ca, 0, 0, 0);
	sync_expect(&b, cb, 0, 1, 0);
	ck_assert_str_eq(h_item_prop(h_dev_item(&b, cb, ann_id), WBXML_Contacts_JobTitle),
			 "Director");
	char *vcf = easctl_expect(0, NULL, "UID:ann-1@e2e\r\n", "contacts", "export", LOGIN,
				  NULL, NULL);
	ck_assert_ptr_nonnull(strstr(vcf, "TITLE:Director\r\n"));
	ck_assert_ptr_null(strstr(strstr(vcf, "BEGIN:VCARD") + 1, "BEGIN:VCARD"));
	free(easctl_expect(0, vcf, "added 0, updated 0, unchanged 1", "contacts", "import",
			   LOGIN, NULL, NULL));
	free(vcf);

	/* A contact made on a phone has no UID: export names it easd-<ServerId>-<login>, and
	 * that name finds it again (import updates it, delete deletes it). */
	h_dev_add(&b, cb, WBXML_Contacts_FirstName, "Dee", WBXML_Contacts_LastName, "Doe",
		  WBXML_Contacts_FileAs, "Doe, Dee", 0);
	sync_expect(&b, cb, 0, 0, 0);
	sync_expect(&a, ca, 1, 0, 0);
	char *dee_id = strdup(h_dev_find(&a, ca, WBXML_Contacts_FirstName, "Dee")->server_id);
	char uid[256];
	snprintf(uid, sizeof(uid), "UID:easd-%s-" LOGIN "\r\n", dee_id);
	vcf = easctl_expect(0, NULL, uid, "contacts", "export", LOGIN, NULL, NULL);
	char *edited = malloc(strlen(vcf) + 32);
	char *at = strstr(vcf, "TITLE:Director");
	ck_assert_ptr_nonnull(at);
	snprintf(edited, strlen(vcf) + 32, "%.*sTITLE:Chair%s", (int)(at - vcf), vcf,
		 at + strlen("TITLE:Director"));
	free(easctl_expect(0, edited, "added 0, updated 1, unchanged 1", "contacts", "import",
			   LOGIN, NULL, NULL));
	sync_expect(&a, ca, 0, 1, 0);
	sync_expect(&b, cb, 0, 1, 0);
	ck_assert_int_eq(stored(9), 2);
	snprintf(uid, sizeof(uid), "easd-%s-" LOGIN, dee_id);
	free(easctl_expect(0, NULL, "deleted 1 contacts", "contacts", "delete", LOGIN, uid,
			   NULL));
	sync_expect(&a, ca, 0, 0, 1);
	sync_expect(&b, cb, 0, 0, 1);
	ck_assert_ptr_null(h_dev_item(&b, cb, dee_id));
	ck_assert_int_eq(h_dev_count(&b, cb), 1);
	ck_assert_int_eq(stored(9), 1);

	free(edited);
	free(vcf);
	free(dee_id);
	free(cy_id);
	free(ann_id);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

static const char todos[] =
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\n"
	"BEGIN:VTODO\r\nUID:t1@e2e\r\nSUMMARY:Pay rent\r\nEND:VTODO\r\n"
	"BEGIN:VTODO\r\nUID:t2@e2e\r\nSUMMARY:Call Ann\r\nEND:VTODO\r\n"
	"END:VCALENDAR\r\n";

/* `easctl tasks delete` by ServerId: both phones get the Delete; a contact's ServerId is
 * not a task. */
START_TEST(test_server_deletes_tasks)
{
	struct h_device a, b;

	start_server();
	free(easctl_expect(0, todos, "imported 2 tasks", "tasks", "import", LOGIN, NULL, NULL));
	free(easctl_expect(0, cards_v2, "added 2", "contacts", "import", LOGIN, NULL, NULL));
	phone(&a, "SRVTSKA001", versions[_i]);
	phone(&b, "SRVTSKB002", versions[(_i + 1) % 4]);
	const char *ta = folder_of(&a, 7), *tb = folder_of(&b, 7), *ca = folder_of(&a, 9);
	sync_expect(&a, ta, 2, 0, 0);
	sync_expect(&b, tb, 2, 0, 0);
	sync_expect(&a, ca, 2, 0, 0);
	char *rent = strdup(h_dev_find(&a, ta, WBXML_Tasks_Subject, "Pay rent")->server_id);
	char *ann = strdup(h_dev_find(&a, ca, WBXML_Contacts_FirstName, "Ann")->server_id);

	struct h_result r;
	h_easctl(h_env, NULL, &r, "tasks", "delete", LOGIN, ann, NULL);
	ck_assert_msg(r.status == 1 && strstr(r.err, ann) != NULL, "%s%s", r.out, r.err);
	h_result_free(&r);
	free(easctl_expect(0, NULL, "deleted 1 tasks", "tasks", "delete", LOGIN, rent, NULL));
	sync_expect(&a, ta, 0, 0, 1);
	sync_expect(&b, tb, 0, 0, 1);
	sync_expect(&a, ca, 0, 0, 0);
	ck_assert_ptr_null(h_dev_item(&b, tb, rent));
	ck_assert_ptr_nonnull(h_dev_find(&b, tb, WBXML_Tasks_Subject, "Call Ann"));
	ck_assert_int_eq(stored(7), 1);
	ck_assert_int_eq(stored(9), 2);

	free(rent);
	free(ann);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

START_TEST(test_delete_usage)
{
	struct h_result r;

	start_server();
	h_easctl(h_env, NULL, &r, "contacts", "delete", "--help", NULL);
	ck_assert_msg(r.status == 0 && strstr(r.out, "UID|SERVERID") != NULL, "%s%s", r.out,
		      r.err);
	h_result_free(&r);
	h_easctl(h_env, NULL, &r, "contacts", "delete", LOGIN, NULL);
	ck_assert_int_ne(r.status, 0);
	h_result_free(&r);
	h_easctl(h_env, NULL, &r, "tasks", "delete", "nobody@ox.io", "7:1", NULL);
	ck_assert_msg(r.status == 1 && strstr(r.err, "nobody@ox.io") != NULL, "%s", r.err);
	h_result_free(&r);
}
END_TEST

static Suite *server_changes_suite(void)
{
	Suite *s = suite_create("e2e-server-changes");
	TCase *tc = h_tcase_new("server-changes");

	tcase_add_loop_test(tc, test_server_changes_contacts, 0, 4);
	tcase_add_loop_test(tc, test_server_deletes_tasks, 0, 4);
	tcase_add_test(tc, test_delete_usage);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(server_changes_suite());
}
