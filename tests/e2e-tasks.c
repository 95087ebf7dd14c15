/* End-to-end tests of tasks over Sync (issue 5, points 4 and 6), each on 2.5, 12.1, 14.1 and
 * 16.1: tasks imported with `easctl tasks import` (iCalendar VTODO) reach the phones; a
 * phone with FilterType 8 (incomplete tasks only) holds only open tasks, gets a SoftDelete
 * when another phone completes one and an Add when one is reopened; a phone's task with its
 * properties (body, categories, importance, dates) reaches the other phone; a VTODO's UID
 * makes a re-import update its task (no duplicate, the phones get a Change), also for the
 * UID export gives a task that a phone created. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#define LOGIN "mike@ox.io"
#define PASSWORD "Mike-pw-1"

static const char *const versions[] = { "2.5", "12.1", "14.1", "16.1" };

static const char tasks_ics[] =
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//tasks//EN\r\n"
	"BEGIN:VTODO\r\nUID:open-1@e2e\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Open one\r\n"
	"STATUS:NEEDS-ACTION\r\nDUE;VALUE=DATE:20260301\r\nEND:VTODO\r\n"
	"BEGIN:VTODO\r\nUID:done-1@e2e\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Done one\r\n"
	"STATUS:COMPLETED\r\nCOMPLETED:20260102T100000Z\r\nEND:VTODO\r\n"
	"END:VCALENDAR\r\n";

static void phone(struct h_device *dev, const char *device_id, const char *version)
{
	h_device_init(dev, LOGIN, PASSWORD);
	dev->device_id = device_id;
	dev->version = version;
	h_dev_start(h_env, dev);
}

static unsigned soft_deletes(struct h_device *dev, const char *coll)
{
	struct h_sync_all all;

	h_dev_sync_all(h_env, dev, coll, &all);
	return all.soft_deletes;
}

START_TEST(test_tasks_filter_and_round_trip)
{
	struct h_device a, b;
	struct h_sync_all all;

	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	h_easctl_ok(h_env, NULL, "tasks", "import", LOGIN, h_env_write_file(h_env, "t.ics", tasks_ics),
		    NULL);
	h_easd_start(h_env, NULL);
	phone(&a, "PHONEA0001", versions[_i]);
	phone(&b, "PHONEB0002", versions[(_i + 1) % 4]);
	const char *t = h_dev_folder_of_type(&a, 7);
	ck_assert_ptr_nonnull(t);
	h_dev_collection(&a, t)->filter_type = 8;

	h_dev_sync_all(h_env, &a, t, NULL);
	h_dev_sync_all(h_env, &b, t, NULL);
	ck_assert_int_eq(h_dev_count(&a, t), 1);
	ck_assert_int_eq(h_dev_count(&b, t), 2);
	struct h_item *open = h_dev_find(&b, t, WBXML_Tasks_Subject, "Open one");
	struct h_item *done = h_dev_find(&b, t, WBXML_Tasks_Subject, "Done one");
	ck_assert(open != NULL && done != NULL);
	ck_assert_str_eq(h_item_prop(open, WBXML_Tasks_Complete), "0");
	ck_assert_str_eq(h_item_prop(done, WBXML_Tasks_Complete), "1");
	ck_assert_ptr_nonnull(h_dev_find(&a, t, WBXML_Tasks_Subject, "Open one"));
	char *open_id = strdup(open->server_id), *done_id = strdup(done->server_id);

	/* B completes the open task: it leaves A's window (SoftDelete). */
	h_dev_change(&b, t, open_id, WBXML_Tasks_Complete, "1", WBXML_Tasks_DateCompleted,
		     "2026-02-01T09:00:00.000Z", 0);
	h_dev_sync_all(h_env, &b, t, NULL);
	ck_assert_int_eq(soft_deletes(&a, t), 1);
	ck_assert_int_eq(h_dev_count(&a, t), 0);

	/* B reopens the done one: it enters A's window (Add). */
	h_dev_change(&b, t, done_id, WBXML_Tasks_Complete, "0", WBXML_Tasks_DateCompleted, "", 0);
	h_dev_sync_all(h_env, &b, t, NULL);
	h_dev_sync_all(h_env, &a, t, &all);
	ck_assert_int_eq(all.adds, 1);
	ck_assert_ptr_nonnull(h_dev_item(&a, t, done_id));

	/* A's own task with its properties reaches B. */
	h_dev_add(&a, t, WBXML_Tasks_Subject, "Call the plumber", WBXML_Tasks_Complete, "0",
		  WBXML_Tasks_Importance, "2", WBXML_Tasks_Categories, "Home\nUrgent",
		  WBXML_Tasks_UtcDueDate, "2026-03-05T17:00:00.000Z",
		  WBXML_Tasks_DueDate, "2026-03-05T18:00:00.000Z",
		  WBXML_AirSyncBase_Body, "Kitchen sink leaks", 0);
	h_dev_sync_all(h_env, &a, t, NULL);
	ck_assert_int_eq(h_dev_count(&a, t), 2);
	h_dev_sync_all(h_env, &b, t, NULL);
	struct h_item *call = h_dev_find(&b, t, WBXML_Tasks_Subject, "Call the plumber");
	ck_assert_ptr_nonnull(call);
	ck_assert_str_eq(h_item_prop(call, WBXML_Tasks_Importance), "2");
	ck_assert_str_eq(h_item_prop(call, WBXML_Tasks_Categories), "Home\nUrgent");
	ck_assert_str_eq(h_item_prop(call, WBXML_Tasks_UtcDueDate), "2026-03-05T17:00:00.000Z");
	ck_assert_str_eq(h_item_prop(call, WBXML_AirSyncBase_Body), "Kitchen sink leaks");
	ck_assert_int_eq(h_dev_count(&b, t), 3);
	/* A phone that narrows its filter later: tests/pending/e2e-sync-pending.c. */
	h_dev_assert_unique(&a, t);
	h_dev_assert_unique(&b, t);
	free(open_id);
	free(done_id);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

/* Runs easctl with text on standard input; asserts its exit status 0 and that want is in its
 * output; returns the output (free it). */
static char *easctl_out(const char *text, const char *want, const char *a1, const char *a2)
{
	struct h_result r;

	h_easctl(h_env, text, &r, "tasks", a1, LOGIN, a2, NULL);
	ck_assert_msg(r.status == 0 && (want == NULL || strstr(r.out, want) != NULL),
		      "easctl tasks %s: exit %d, '%s' not in\n%s%s", a1, r.status,
		      want != NULL ? want : "", r.out, r.err);
	char *out = strdup(r.out);
	h_result_free(&r);
	return out;
}

/* Syncs the phone to the end; asserts the Adds and Changes it got and no duplicates. */
static void sync_expect(struct h_device *dev, const char *coll, unsigned adds, unsigned changes)
{
	struct h_sync_all all;

	h_dev_sync_all(h_env, dev, coll, &all);
	ck_assert_msg(all.adds == adds && all.changes == changes && all.deletes == 0,
		      "%s (%s): %u adds, %u changes, %u deletes; expected %u, %u, 0",
		      dev->device_id, dev->version, all.adds, all.changes, all.deletes, adds,
		      changes);
	h_dev_assert_unique(dev, coll);
}

/* Replaces the first `from` in s (which must hold it) by `to`; returns a new string. */
static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	ck_assert_msg(at != NULL, "'%s' not in\n%s", from, s);
	size_t head = (size_t)(at - s), n = strlen(s) - strlen(from) + strlen(to);
	char *out = malloc(n + 1);
	ck_assert_ptr_nonnull(out);
	memcpy(out, s, head);
	memcpy(out + head, to, strlen(to));
	memcpy(out + head + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
	return out;
}

START_TEST(test_tasks_reimport_by_uid)
{
	struct h_device a;

	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	free(easctl_out(tasks_ics, "imported 2 tasks", "import", NULL));
	h_easd_start(h_env, NULL);
	phone(&a, "PHONEA0001", versions[_i]);
	const char *t = h_dev_folder_of_type(&a, 7);
	ck_assert_ptr_nonnull(t);
	sync_expect(&a, t, 2, 0);
	char *open_id = strdup(h_dev_find(&a, t, WBXML_Tasks_Subject, "Open one")->server_id);

	/* The same file again: both known and identical, nothing written, nothing sent. */
	free(easctl_out(tasks_ics, ": added 0, updated 0, unchanged 2", "import", NULL));
	sync_expect(&a, t, 0, 0);
	ck_assert_int_eq(h_dev_count(&a, t), 2);

	/* A changed SUMMARY: that task is updated in place and the phone gets a Change. */
	char *edited = replace(tasks_ics, "SUMMARY:Open one", "SUMMARY:Open one, edited");
	free(easctl_out(edited, ": added 0, updated 1, unchanged 1", "import", NULL));
	sync_expect(&a, t, 0, 1);
	ck_assert_int_eq(h_dev_count(&a, t), 2);
	struct h_item *it = h_dev_item(&a, t, open_id);
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(h_item_prop(it, WBXML_Tasks_Subject), "Open one, edited");

	/* A phone's task: export gives it easd-SERVERID-LOGIN, which a re-import recognises. */
	h_dev_add(&a, t, WBXML_Tasks_Subject, "From the phone", WBXML_Tasks_Complete, "0", 0);
	sync_expect(&a, t, 0, 0);
	char *phone_id = strdup(h_dev_find(&a, t, WBXML_Tasks_Subject, "From the phone")->server_id);
	char *exported = easctl_out(NULL, "UID:open-1@e2e", "export", NULL);
	char phone_uid[128];
	snprintf(phone_uid, sizeof(phone_uid), "UID:easd-%s-%s", phone_id, LOGIN);
	ck_assert_msg(strstr(exported, phone_uid) != NULL, "'%s' not in\n%s", phone_uid, exported);
	ck_assert_ptr_nonnull(strstr(exported, "UID:done-1@e2e"));
	free(easctl_out(exported, ": added 0, ", "import", NULL));
	char *renamed = replace(exported, "SUMMARY:From the phone", "SUMMARY:From the server");
	free(easctl_out(renamed, ": added 0, updated ", "import", NULL));
	sync_expect(&a, t, 0, 1);
	ck_assert_int_eq(h_dev_count(&a, t), 3);
	it = h_dev_item(&a, t, phone_id);
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(h_item_prop(it, WBXML_Tasks_Subject), "From the server");
	/* The uid it now has is the one export gave it: the next export writes it again. */
	char *again = easctl_out(NULL, phone_uid, "export", NULL);
	/* An imported UID also names its task for `tasks delete`. */
	free(easctl_out(NULL, "deleted 1 tasks", "delete", "done-1@e2e"));
	struct h_sync_all all;
	h_dev_sync_all(h_env, &a, t, &all);
	ck_assert_uint_eq(all.deletes, 1);
	ck_assert_ptr_null(h_dev_find(&a, t, WBXML_Tasks_Subject, "Done one"));
	ck_assert_int_eq(h_dev_count(&a, t), 2);

	free(again);
	free(renamed);
	free(exported);
	free(phone_id);
	free(edited);
	free(open_id);
	h_device_free(&a);
}
END_TEST

static Suite *tasks_suite(void)
{
	Suite *s = suite_create("e2e-tasks");
	TCase *tc = h_tcase_new("tasks");

	tcase_add_loop_test(tc, test_tasks_filter_and_round_trip, 0, 4);
	tcase_add_loop_test(tc, test_tasks_reimport_by_uid, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(tasks_suite());
}
