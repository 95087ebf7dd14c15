/* test-freebusy.c: unit tests of free/busy on a real store: overlapping appointments merge
 * with the precedence OOF > busy > tentative, free ones and cancelled meetings are ignored,
 * recurring series are expanded in their zone (DST-correct) with deleted and moved
 * exceptions, only the user's calendar folders count, and the MergedFreeBusy string. */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/pool.h"
#include "pim/freebusy.h"
#include "pim/ical-event.h"
#include "store/store.h"
#include "store/store-folder.h"
#include "pim/test-pim.h"

#define HASH "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$fakehashfortests"
#define CAL_BEGIN "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
#define CAL_END "END:VCALENDAR\r\n"

static char dir[256];
static struct store *store;
static pool *pl;
static int64_t mike, ann;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int64_t add_user(const char *name)
{
	struct store_user u;
	const char *error = NULL;
	ck_assert_msg(store_user_add(store, "ox.io", name, HASH, NULL, NULL, &error) == STORE_OK,
		      "%s", error);
	ck_assert_int_eq(store_user_get(store, pl, "ox.io", name, &u, &error), STORE_OK);
	return u.id;
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR"), *error = NULL;
	snprintf(dir, sizeof(dir), "%s/easd-test-freebusy-XXXXXX",
		 tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		ck_abort_msg("mkdtemp: %s", strerror(errno));
	ck_assert_msg(store_open(dir, &store, &error) == STORE_OK, "%s", error);
	ck_assert_int_eq(store_context_add(store, "ox.io", &error), STORE_OK);
	pl = pool_new(0);
	mike = add_user("mike");
	ann = add_user("ann");
}

static void teardown(void)
{
	store_close(&store);
	pool_free(&pl);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Imports the VEVENTs of text into the user's folder of type (default Calendar). */
static void import_into(int64_t user, int type, const char *text)
{
	struct pim_vevent *ev;
	size_t count;
	const char *error = NULL;
	struct store_folder folder;

	ck_assert_int_eq(store_folder_get_default(store, pl, user, type, &folder, &error),
			 STORE_OK);
	ck_assert_int_eq(pim_vevent_parse(pl, text, strlen(text), 1 << 20, 100, &ev, &count,
					  &error), 0);
	for (size_t i = 0; i < count; i++) {
		struct store_item item, added;
		ck_assert_msg(ev[i].error == NULL, "%s", ev[i].error);
		ck_assert_int_eq(pim_vevent_encode(pl, &ev[i], &item, &error), 0);
		ck_assert_msg(store_item_add(store, pl, user, folder.server_id, &item, 0, &added,
					     &error) == STORE_OK, "%s", error);
	}
}

static void import(const char *text)
{
	import_into(mike, STORE_FOLDER_CALENDAR, text);
}

static int64_t t(const char *eas)
{
	int64_t v;
	ck_assert_int_eq(pim_eas_time_to_utc(eas, &v), 0);
	return v;
}

/* The spans as "start-end:status" lines in EAS compact times. */
static const char *spans(int64_t user, const char *from, const char *to)
{
	struct pim_busy *busy;
	size_t count, skipped;
	const char *error = NULL;
	ck_assert_msg(pim_freebusy(store, pl, user, t(from), t(to), &busy, &count, &skipped,
				   &error) == 0, "%s", error);
	ck_assert_uint_eq(skipped, 0);
	char *s = pool_strdup(pl, "");
	for (size_t i = 0; i < count; i++)
		s = pool_printf(pl, "%s%s-%s:%d\n", s, pim_eas_time_format(pl, busy[i].start_utc),
				pim_eas_time_format(pl, busy[i].end_utc), (int)busy[i].status);
	return s;
}

static const char *event(const char *uid, const char *start, const char *end,
			 const char *busy)
{
	return pool_printf(pl, "BEGIN:VEVENT\r\nUID:%s\r\nDTSTART:%s\r\nDTEND:%s\r\n"
			   "X-MICROSOFT-CDO-BUSYSTATUS:%s\r\nEND:VEVENT\r\n", uid, start, end, busy);
}

START_TEST(overlaps_and_precedence)
{
	import(pool_printf(pl, CAL_BEGIN "%s%s%s%s%s%s%s" CAL_END,
		event("a", "20260601T090000Z", "20260601T100000Z", "BUSY"),
		event("b", "20260601T093000Z", "20260601T110000Z", "TENTATIVE"),
		event("c", "20260601T103000Z", "20260601T120000Z", "OOF"),
		event("d", "20260601T130000Z", "20260601T140000Z", "FREE"),
		event("e", "20260601T140000Z", "20260601T150000Z", "BUSY"),
		event("f", "20260601T150000Z", "20260601T160000Z", "BUSY"),
		event("g", "20260601T170000Z", "20260601T180000Z", "WORKINGELSEWHERE")));
	ck_assert_str_eq(spans(mike, "20260601T000000Z", "20260602T000000Z"),
			 "20260601T090000Z-20260601T100000Z:2\n"
			 "20260601T100000Z-20260601T103000Z:1\n"
			 "20260601T103000Z-20260601T120000Z:3\n"
			 "20260601T140000Z-20260601T160000Z:2\n"
			 "20260601T170000Z-20260601T180000Z:1\n");
	/* Clipped to the window; ann sees none of mike's. */
	ck_assert_str_eq(spans(mike, "20260601T093000Z", "20260601T103000Z"),
			 "20260601T093000Z-20260601T100000Z:2\n"
			 "20260601T100000Z-20260601T103000Z:1\n");
	ck_assert_str_eq(spans(ann, "20260601T000000Z", "20260602T000000Z"), "");

	/* MergedFreeBusy in 30-minute intervals from 08:00: the strongest status of each. */
	struct pim_busy *busy;
	size_t count;
	const char *error;
	ck_assert_int_eq(pim_freebusy(store, pl, mike, t("20260601T080000Z"),
				      t("20260601T180000Z"), &busy, &count, NULL, &error), 0);
	ck_assert_str_eq(pim_freebusy_merged(pl, busy, count, t("20260601T080000Z"),
					     t("20260601T180000Z"), 1800),
			 "00221333000022220011");
	ck_assert_ptr_null(pim_freebusy_merged(pl, busy, count, 10, 10, 1800));
	ck_assert_int_eq(pim_freebusy(store, pl, mike, 0, 400LL * 86400, &busy, &count, NULL,
				      &error), -1);
}
END_TEST

/* A series whose TimeZone blob no IANA zone matches (UTC+1:30 with EU daylight-saving
 * dates) is expanded by the blob's own rules, not in UTC: 09:00 local is 07:30 UTC before
 * 29 March 2026 and 06:30 after. */
START_TEST(unmapped_blob_series)
{
	const char *error = NULL;
	/* The blob of test-calendar's unmapped_blob_series, which checks that it maps to none. */
	const char *tz = tp_tz_blob(pl, -90, true, "Custom");
	const struct tp v[] = {
		{ WBXML_Calendar_Timezone, tz, 0 },
		{ WBXML_Calendar_StartTime, "20260323T073000Z", 0 },
		{ WBXML_Calendar_EndTime, "20260323T083000Z", 0 },
		{ WBXML_Calendar_BusyStatus, "2", 0 },
		{ WBXML_Calendar_Recurrence, NULL, 0 }, { WBXML_Calendar_Type, "1", 1 },
		{ WBXML_Calendar_DayOfWeek, "2", 1 }, { WBXML_Calendar_Occurrences, "3", 1 },
	};
	struct store_item item = tp_store(pl, STORE_CLASS_CALENDAR,
					  tp_appdata(pl, v, sizeof(v) / sizeof(v[0])), 141, NULL,
					  NULL), added;
	struct store_folder folder;
	ck_assert_int_eq(store_folder_get_default(store, pl, mike, STORE_FOLDER_CALENDAR, &folder,
						  &error), STORE_OK);
	ck_assert_msg(store_item_add(store, pl, mike, folder.server_id, &item, 0, &added,
				     &error) == STORE_OK, "%s", error);
	ck_assert_str_eq(spans(mike, "20260323T000000Z", "20260410T000000Z"),
			 "20260323T073000Z-20260323T083000Z:2\n"
			 "20260330T063000Z-20260330T073000Z:2\n"
			 "20260406T063000Z-20260406T073000Z:2\n");
}
END_TEST

/* A cancelled meeting (MeetingStatus 5, 7, 13, 15: MS-ASCAL 2.2.2.28) takes no time; other
 * meeting states do. */
START_TEST(cancelled_meetings)
{
	static const char *const ms[] = { "5", "7", "13", "15", "1", "3", "0", "9", "11" };
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		int day = (int)i + 1;
		import(pool_printf(pl, CAL_BEGIN "BEGIN:VEVENT\r\nUID:m%zu\r\n"
				   "DTSTART:202607%02dT090000Z\r\nDTEND:202607%02dT100000Z\r\n"
				   "X-EAS-MeetingStatus:%s\r\nEND:VEVENT\r\n" CAL_END,
				   i, day, day, ms[i]));
	}
	ck_assert_str_eq(spans(mike, "20260701T000000Z", "20260711T000000Z"),
			 "20260705T090000Z-20260705T100000Z:2\n"
			 "20260706T090000Z-20260706T100000Z:2\n"
			 "20260707T090000Z-20260707T100000Z:2\n"
			 "20260708T090000Z-20260708T100000Z:2\n"
			 "20260709T090000Z-20260709T100000Z:2\n");
}
END_TEST

/* A weekly 09:00 series in Amsterdam is at 08:00 UTC before 29 March 2026, 07:00 after;
 * a deleted occurrence is gone, a moved one is at its new time with its own status. */
START_TEST(recurring_dst_and_exceptions)
{
	import(CAL_BEGIN
	       "BEGIN:VEVENT\r\nUID:w@t\r\nDTSTART;TZID=Europe/Amsterdam:20260309T090000\r\n"
	       "DTEND;TZID=Europe/Amsterdam:20260309T100000\r\nRRULE:FREQ=WEEKLY\r\n"
	       "EXDATE;TZID=Europe/Amsterdam:20260323T090000\r\nEND:VEVENT\r\n"
	       "BEGIN:VEVENT\r\nUID:w@t\r\nRECURRENCE-ID;TZID=Europe/Amsterdam:20260406T090000\r\n"
	       "DTSTART;TZID=Europe/Amsterdam:20260406T150000\r\n"
	       "DTEND;TZID=Europe/Amsterdam:20260406T153000\r\n"
	       "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE\r\nEND:VEVENT\r\n" CAL_END);
	ck_assert_str_eq(spans(mike, "20260310T000000Z", "20260415T000000Z"),
			 "20260316T080000Z-20260316T090000Z:2\n"
			 "20260330T070000Z-20260330T080000Z:2\n"
			 "20260406T130000Z-20260406T133000Z:1\n"
			 "20260413T070000Z-20260413T080000Z:2\n");
	/* A series that started years ago still shows; one in another user's calendar not. */
	import_into(ann, STORE_FOLDER_CALENDAR, CAL_BEGIN
		    "BEGIN:VEVENT\r\nUID:old@t\r\nDTSTART;TZID=America/New_York:20100104T090000\r\n"
		    "DURATION:PT30M\r\nRRULE:FREQ=DAILY;INTERVAL=7\r\nEND:VEVENT\r\n" CAL_END);
	ck_assert_str_eq(spans(ann, "20260301T000000Z", "20260316T000000Z"),
			 "20260302T140000Z-20260302T143000Z:2\n"
			 "20260309T130000Z-20260309T133000Z:2\n");
}
END_TEST

/* Only calendar folders count: the same event in the Tasks folder would be ignored (it
 * cannot be stored there as a task either, so a second calendar folder is used). */
START_TEST(calendar_folders_only)
{
	struct store_folder extra;
	const char *error = NULL;
	ck_assert_int_eq(store_folder_create(store, pl, mike, "0", "Team", 13, 0, &extra, &error),
			 STORE_OK);
	import(pool_printf(pl, CAL_BEGIN "%s" CAL_END,
			   event("x", "20260601T090000Z", "20260601T100000Z", "BUSY")));
	struct pim_vevent *ev;
	size_t count;
	const char *text = pool_printf(pl, CAL_BEGIN "%s" CAL_END,
				       event("y", "20260601T110000Z", "20260601T120000Z", "OOF"));
	ck_assert_int_eq(pim_vevent_parse(pl, text, strlen(text), 1 << 20, 10, &ev, &count,
					  &error), 0);
	struct store_item item, added;
	ck_assert_int_eq(pim_vevent_encode(pl, &ev[0], &item, &error), 0);
	ck_assert_int_eq(store_item_add(store, pl, mike, extra.server_id, &item, 0, &added,
					&error), STORE_OK);
	ck_assert_str_eq(spans(mike, "20260601T000000Z", "20260602T000000Z"),
			 "20260601T090000Z-20260601T100000Z:2\n"
			 "20260601T110000Z-20260601T120000Z:3\n");
	/* The second folder deleted: its appointment no longer counts. */
	ck_assert_int_eq(store_folder_delete(store, mike, extra.server_id, 0, &error), STORE_OK);
	ck_assert_str_eq(spans(mike, "20260601T000000Z", "20260602T000000Z"),
			 "20260601T090000Z-20260601T100000Z:2\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("freebusy");
	TCase *tc = tcase_create("freebusy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, overlaps_and_precedence);
	tcase_add_test(tc, cancelled_meetings);
	tcase_add_test(tc, unmapped_blob_series);
	tcase_add_test(tc, recurring_dst_and_exceptions);
	tcase_add_test(tc, calendar_folders_only);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
