/* End-to-end test of free/busy (issue 6 point 7), on 2.5, 12.1, 14.1 and 16.1: a phone
 * makes appointments over Sync (a weekly 09:00 Amsterdam series across the spring DST
 * change with a deleted and a moved occurrence, overlapping tentative and busy meetings,
 * a free one), and `easctl calendar freebusy` (pim_freebusy, the store query that
 * ResolveRecipients Availability will use) gives the merged busy spans and the
 * MergedFreeBusy digits a phone would get. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#define LOGIN "mike@ox.io"
#define PASSWORD "Mike-pw-1"

static const char *const versions[] = { "2.5", "12.1", "14.1", "16.1" };

/* W. Europe Standard Time (MS-ASDTYPE 2.6.4): bias -60, DST from the last Sunday of March
 * 02:00 to the last Sunday of October 03:00, with its Windows names. */
static const char amsterdam_blob[] =
	"xP///1cALgAgAEUAdQByAG8AcABlACAAUwB0AGEAbgBkAGEAcgBkACAAVABpAG0AZQAAAAAAAAAAAAAAAAAA"
	"AAAAAAAAAAoAAAAFAAMAAAAAAAAAAAAAAFcALgAgAEUAdQByAG8AcABlACAARABhAHkAbABpAGcAaAB0ACAA"
	"VABpAG0AZQAAAAAAAAAAAAAAAAAAAAAAAAAAAAMAAAAFAAIAAAAAAAAAxP///w==";

static void assert_has(const char *text, const char *part)
{
	ck_assert_msg(text != NULL && strstr(text, part) != NULL, "'%s' not in:\n%s", part,
		      text != NULL ? text : "(none)");
}

START_TEST(test_freebusy_of_phone_appointments)
{
	const char *v = versions[_i];
	bool v16 = strcmp(v, "16.1") == 0;
	struct h_device a;

	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	h_easd_start(h_env, NULL);
	h_device_init(&a, LOGIN, PASSWORD);
	a.device_id = "FBPHONE001";
	a.version = v;
	h_dev_start(h_env, &a);
	const char *cal = h_dev_folder_of_type(&a, 8);
	ck_assert_ptr_nonnull(cal);
	h_dev_sync_all(h_env, &a, cal, NULL);

	/* Mondays 09:00-10:00 Amsterdam from 23 March 2026 (CET, 08:00 UTC); from 30 March
	 * it is CEST (07:00 UTC). 6 April deleted; 13 April moved to 12:00-13:00 UTC. */
	const char *exceptions = v16 ?
		"Deleted=1\tAirSyncBase:InstanceId=20260406T070000Z\n"
		"AirSyncBase:InstanceId=20260413T070000Z\t"
		"StartTime=20260413T120000Z\tEndTime=20260413T130000Z" :
		"Deleted=1\tExceptionStartTime=20260406T070000Z\n"
		"ExceptionStartTime=20260413T070000Z\t"
		"StartTime=20260413T120000Z\tEndTime=20260413T130000Z";
	h_dev_add(&a, cal, WBXML_Calendar_Timezone, amsterdam_blob,
		  WBXML_Calendar_StartTime, "20260323T080000Z",
		  WBXML_Calendar_EndTime, "20260323T090000Z",
		  WBXML_Calendar_Subject, "Weekly", WBXML_Calendar_BusyStatus, "2",
		  WBXML_Calendar_Recurrence, "Type=1\nInterval=1\nDayOfWeek=2\nOccurrences=4",
		  WBXML_Calendar_Exceptions, exceptions, 0);
	h_dev_add(&a, cal, WBXML_Calendar_Timezone, amsterdam_blob,
		  WBXML_Calendar_StartTime, "20260324T100000Z",
		  WBXML_Calendar_EndTime, "20260324T110000Z",
		  WBXML_Calendar_Subject, "Maybe", WBXML_Calendar_BusyStatus, "1", 0);
	h_dev_add(&a, cal, WBXML_Calendar_Timezone, amsterdam_blob,
		  WBXML_Calendar_StartTime, "20260324T103000Z",
		  WBXML_Calendar_EndTime, "20260324T120000Z",
		  WBXML_Calendar_Subject, "Review", WBXML_Calendar_BusyStatus, "2", 0);
	h_dev_add(&a, cal, WBXML_Calendar_Timezone, amsterdam_blob,
		  WBXML_Calendar_StartTime, "20260325T100000Z",
		  WBXML_Calendar_EndTime, "20260325T110000Z",
		  WBXML_Calendar_Subject, "Free lunch", WBXML_Calendar_BusyStatus, "0", 0);
	h_dev_sync_all(h_env, &a, cal, NULL);
	ck_assert_int_eq(h_dev_count(&a, cal), 4);

	struct h_result r;
	ck_assert_int_eq(h_easctl(h_env, NULL, &r, "calendar", "freebusy", LOGIN, "2026-03-23",
				  "2026-04-20", NULL), 0);
	const char *expected =
		"2026-03-23 08:00  2026-03-23 09:00  busy\n"
		"2026-03-24 10:00  2026-03-24 10:30  tentative\n"
		"2026-03-24 10:30  2026-03-24 12:00  busy\n"
		"2026-03-30 07:00  2026-03-30 08:00  busy\n"
		"2026-04-13 12:00  2026-04-13 13:00  busy\n"
		"MergedFreeBusy";
	assert_has(r.out, expected);
	ck_assert_ptr_null(strstr(r.out, "2026-04-06"));
	ck_assert_ptr_null(strstr(r.out, "2026-03-25"));
	h_result_free(&r);

	/* One day: 30-minute digits, 10:00 tentative, 10:30-12:00 busy. */
	ck_assert_int_eq(h_easctl(h_env, NULL, &r, "calendar", "freebusy", LOGIN,
				  "20260324T000000Z", "2026-03-25T00:00Z", NULL), 0);
	char digits[49];
	memset(digits, '0', 48);
	digits[48] = '\0';
	memcpy(digits + 20, "1222", 4);
	char line[128];
	snprintf(line, sizeof(line), "MergedFreeBusy (30 min from 2026-03-24 00:00 UTC): %s\n",
		 digits);
	assert_has(r.out, line);
	h_result_free(&r);
	h_device_free(&a);
}
END_TEST

/* Bad arguments: usage errors (exit 2) and an unknown user (exit 1), nothing printed on
 * standard output. */
START_TEST(test_freebusy_bad_arguments)
{
	static const char *const bad[][2] = {
		{ "2026-02-30", "2026-03-01" },          /* no such date */
		{ "2026-03-02", "2026-03-01" },          /* end before start */
		{ "2026-01-01", "2027-01-03" },          /* more than 366 days */
		{ "2026-03-01T25:00Z", "2026-03-02" },   /* no such hour */
		{ "20260301T000000", "2026-03-02" },     /* compact without Z */
		{ "2026-3-1", "2026-03-02" },
		{ "", "2026-03-02" },
	};
	struct h_result r;

	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(h_easctl(h_env, NULL, &r, "calendar", "freebusy", LOGIN, bad[i][0],
					  bad[i][1], NULL), 2);
		ck_assert_str_eq(r.out, "");
		assert_has(r.err, "easctl: ");
		h_result_free(&r);
	}
	ck_assert_int_eq(h_easctl(h_env, NULL, &r, "calendar", "freebusy", "bob@ox.io",
				  "2026-03-01", "2026-03-02", NULL), 1);
	assert_has(r.err, "no user 'bob@ox.io'");
	h_result_free(&r);
	ck_assert_int_eq(h_easctl(h_env, NULL, &r, "calendar", "freebusy", LOGIN, "2026-03-01",
				  NULL), 2);
	h_result_free(&r);
}
END_TEST

static Suite *freebusy_suite(void)
{
	Suite *s = suite_create("e2e-freebusy");
	TCase *tc = h_tcase_new("freebusy");

	tcase_add_loop_test(tc, test_freebusy_of_phone_appointments, 0, 4);
	tcase_add_test(tc, test_freebusy_bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(freebusy_suite());
}
