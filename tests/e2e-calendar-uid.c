/* End-to-end tests of appointment UIDs, on 2.5, 12.1, 14.1 and 16.1: a 16.x phone never
 * sends UID (MS-ASCAL 2.2.2.46); the server makes it (the ClientUid, else 32 random hex
 * digits) and returns it in the ApplicationData of the Add's response; older phones send
 * their own UID and get no ApplicationData back. Every phone and the export see the same
 * UID. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#define LOGIN "mike@ox.io"
#define PASSWORD "Mike-pw-1"

static const char *const versions[] = { "2.5", "12.1", "14.1", "16.1" };

static void phone(struct h_device *dev, const char *device_id, const char *version)
{
	h_device_init(dev, LOGIN, PASSWORD);
	dev->device_id = device_id;
	dev->version = version;
	h_dev_start(h_env, dev);
}

static void assert_has(const char *text, const char *part)
{
	ck_assert_msg(text != NULL && strstr(text, part) != NULL, "'%s' not in:\n%s", part,
		      text != NULL ? text : "(none)");
}

/* The UID of the Add response that follows the ClientId cid in xml, or NULL. */
static char *response_uid(const char *xml, const char *cid)
{
	char needle[128];
	snprintf(needle, sizeof(needle), "<ClientId>%s</ClientId>", cid);
	const char *at = strstr(xml, needle);
	ck_assert_ptr_nonnull(at);
	const char *end = strstr(at, "</Add>");
	const char *uid = strstr(at, "<Calendar:UID>");
	if (uid == NULL || (end != NULL && uid > end))
		return NULL;
	uid += strlen("<Calendar:UID>");
	return strndup(uid, strcspn(uid, "<"));
}

START_TEST(test_add_response_uid)
{
	const char *v = versions[_i];
	bool v16 = strcmp(v, "16.1") == 0;
	struct h_device a, b;

	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	h_easd_start(h_env, NULL);
	phone(&a, "UIDPHONEA1", v);
	phone(&b, "UIDPHONEB2", "16.1");
	const char *cal = h_dev_folder_of_type(&a, 8);
	ck_assert_ptr_nonnull(cal);
	h_dev_sync_all(h_env, &a, cal, NULL);
	h_dev_sync_all(h_env, &b, cal, NULL);

	const char *with = h_dev_add(&a, cal, WBXML_Calendar_StartTime, "20261202T090000Z",
				     WBXML_Calendar_EndTime, "20261202T100000Z",
				     WBXML_Calendar_Subject, "Given",
				     v16 ? WBXML_Calendar_ClientUid : WBXML_Calendar_UID,
				     "given-uid-1@e2e", 0);
	const char *without = h_dev_add(&a, cal, WBXML_Calendar_StartTime, "20261203T090000Z",
					WBXML_Calendar_EndTime, "20261203T100000Z",
					WBXML_Calendar_Subject, "Bare", 0);
	struct h_sync_result res;
	ck_assert_int_eq(h_dev_sync(h_env, &a, cal, 0, &res), 200);
	char *uid_with = response_uid(res.xml, with);
	char *uid_without = response_uid(res.xml, without);
	if (v16) {
		ck_assert_ptr_nonnull(uid_with);
		ck_assert_str_eq(uid_with, "given-uid-1@e2e");
		ck_assert_ptr_nonnull(uid_without);
		ck_assert_uint_eq(strlen(uid_without), 32);
		ck_assert_uint_eq(strspn(uid_without, "0123456789ABCDEF"), 32);
	} else {
		/* Older versions: Add responses carry no ApplicationData. */
		ck_assert_msg(uid_with == NULL && uid_without == NULL, "%s", res.xml);
	}
	h_sync_result_free(&res);

	/* The 16.1 phone gets the same UIDs. */
	h_dev_sync_all(h_env, &b, cal, NULL);
	struct h_item *it = h_dev_find(&b, cal, WBXML_Calendar_Subject, "Given");
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_UID), "given-uid-1@e2e");
	it = h_dev_find(&b, cal, WBXML_Calendar_Subject, "Bare");
	ck_assert_ptr_nonnull(it);
	if (v16)
		ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_UID), uid_without);

	/* The export names them by the same UIDs. */
	struct h_result r;
	ck_assert_int_eq(h_easctl(h_env, NULL, &r, "calendar", "export", LOGIN, NULL), 0);
	assert_has(r.out, "UID:given-uid-1@e2e\r\n");
	if (v16) {
		char line[64];
		snprintf(line, sizeof(line), "UID:%s\r\n", uid_without);
		assert_has(r.out, line);
	}
	h_result_free(&r);

	h_dev_assert_unique(&b, cal);

	free(uid_with);
	free(uid_without);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

static Suite *uid_suite(void)
{
	Suite *s = suite_create("e2e-calendar-uid");
	TCase *tc = h_tcase_new("calendar-uid");

	tcase_add_loop_test(tc, test_add_response_uid, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(uid_suite());
}
