/* End-to-end tests of appointments (issue 6), each on 2.5, 12.1, 14.1 and 16.1: every
 * property of an appointment made on one phone reaches a phone of the next version (a
 * weekly series with a deleted and a moved occurrence, attendees, the TimeZone blob byte
 * for byte); `easctl calendar import` reaches the phones and `easctl calendar export` gives
 * the series back at 09:00 local across the DST changes of Europe/Amsterdam,
 * America/New_York and Australia/Sydney; a phone with FilterType 5 (one month) gets an old
 * series that still recurs and not an old single appointment; a malformed TimeZone blob, a
 * Recurrence with an impossible combination and an exception outside its series are
 * refused with Status 6 and write nothing. */
#include "harness.h"
#include "calendar-blobs.h"
#include "db.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOGIN "mike@ox.io"
#define PASSWORD "Mike-pw-1"

static const char *const versions[] = { "2.5", "12.1", "14.1", "16.1" };

/* ---- helpers ---- */

static void phone(struct h_device *dev, const char *device_id, const char *version)
{
	h_device_init(dev, LOGIN, PASSWORD);
	dev->device_id = device_id;
	dev->version = version;
	h_dev_start(h_env, dev);
}

static void setup_user(void)
{
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
}

static bool v16(const char *version)
{
	return strcmp(version, "16.1") == 0;
}

/* ---- device -> server -> second device ---- */

START_TEST(test_round_trip)
{
	const char *va = versions[_i], *vb = versions[(_i + 1) % 4];
	struct h_device a, b;
	char *tz = h_tz_amsterdam();

	setup_user();
	h_easd_start(h_env, NULL);
	phone(&a, "PHONEA0001", va);
	phone(&b, "PHONEB0002", vb);
	const char *cal = h_dev_folder_of_type(&a, 8);
	ck_assert_ptr_nonnull(cal);
	h_dev_sync_all(h_env, &a, cal, NULL);
	h_dev_sync_all(h_env, &b, cal, NULL);

	bool a12 = strcmp(va, "2.5") != 0;
	bool a14 = strcmp(va, "14.1") == 0 || v16(va);
	bool b14 = strcmp(vb, "14.1") == 0 || v16(vb);
	const char *attendees = a12 ?
		"Email=bob@ox.io\tName=Bob\tAttendeeStatus=3\tAttendeeType=1\n"
		"Email=cy@ox.io\tName=Cy\tAttendeeStatus=2\tAttendeeType=2" :
		"Email=bob@ox.io\tName=Bob\nEmail=cy@ox.io\tName=Cy";
	const char *exceptions = v16(va) ?
		"Deleted=1\tAirSyncBase:InstanceId=20260309T080000Z\n"
		"AirSyncBase:InstanceId=20260316T080000Z\tSubject=Planning (moved)\t"
		"StartTime=20260316T130000Z\tEndTime=20260316T140000Z" :
		"Deleted=1\tExceptionStartTime=20260309T080000Z\n"
		"ExceptionStartTime=20260316T080000Z\tSubject=Planning (moved)\t"
		"StartTime=20260316T130000Z\tEndTime=20260316T140000Z";
	h_dev_add(&a, cal, WBXML_Calendar_Timezone, tz,
		  WBXML_Calendar_StartTime, "20260302T080000Z",
		  WBXML_Calendar_EndTime, "20260302T093000Z",
		  WBXML_Calendar_AllDayEvent, "0",
		  WBXML_Calendar_Subject, "Planning",
		  v16(va) ? WBXML_AirSyncBase_Location : WBXML_Calendar_Location,
		  v16(va) ? "DisplayName=Room 4" : "Room 4",
		  WBXML_AirSyncBase_Body, "Agenda: budget",
		  WBXML_Calendar_Categories, "Work\nBudget",
		  WBXML_Calendar_BusyStatus, "3",
		  WBXML_Calendar_Sensitivity, "2",
		  WBXML_Calendar_Reminder, "15",
		  WBXML_Calendar_MeetingStatus, "1",
		  WBXML_Calendar_OrganizerName, "Ann Org",
		  WBXML_Calendar_OrganizerEmail, "ann@ox.io",
		  WBXML_Calendar_DtStamp, "20260101T120000Z",
		  v16(va) ? WBXML_Calendar_ClientUid : WBXML_Calendar_UID, "rt-1@e2e",
		  WBXML_Calendar_Attendees, attendees,
		  WBXML_Calendar_Recurrence, "Type=1\nOccurrences=10\nInterval=1\nDayOfWeek=2",
		  WBXML_Calendar_Exceptions, exceptions,
		  /* 14.1+ only: the list ends here for older phones. */
		  a14 ? WBXML_Calendar_DisallowNewTimeProposal : 0, "1",
		  WBXML_Calendar_ResponseRequested, "1",
		  WBXML_Calendar_ResponseType, "1",
		  WBXML_Calendar_AppointmentReplyTime, "20260101T130000Z",
		  WBXML_Calendar_OnlineMeetingConfLink, "https://meet.ox.io/conf/1",
		  WBXML_Calendar_OnlineMeetingExternalLink, "https://meet.ox.io/join/1", 0);
	h_dev_sync_all(h_env, &a, cal, NULL);
	h_dev_sync_all(h_env, &b, cal, NULL);
	ck_assert_int_eq(h_dev_count(&b, cal), 1);
	struct h_item *it = h_dev_find(&b, cal, WBXML_Calendar_Subject, "Planning");
	ck_assert_ptr_nonnull(it);

	ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_Timezone), tz);
	ck_assert_str_eq(h_cal_compact(h_item_prop(it, WBXML_Calendar_StartTime)), "20260302T080000Z");
	ck_assert_str_eq(h_cal_compact(h_item_prop(it, WBXML_Calendar_EndTime)), "20260302T093000Z");
	ck_assert_str_eq(h_item_prop(it, WBXML_AirSyncBase_Body), "Agenda: budget");
	ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_Categories), "Work\nBudget");
	ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_BusyStatus), "3");
	ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_Sensitivity), "2");
	ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_Reminder), "15");
	ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_OrganizerName), "Ann Org");
	ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_OrganizerEmail), "ann@ox.io");
	ck_assert_str_eq(h_cal_compact(h_item_prop(it, WBXML_Calendar_DtStamp)), "20260101T120000Z");
	if (v16(vb))
		ck_assert_str_eq(h_item_prop(it, WBXML_AirSyncBase_Location), "DisplayName=Room 4");
	else
		ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_Location), "Room 4");
	if (!v16(vb))
		ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_UID), "rt-1@e2e");
	if (a14 && b14) {
		ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_DisallowNewTimeProposal), "1");
		ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_ResponseRequested), "1");
		ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_ResponseType), "1");
		ck_assert_str_eq(h_cal_compact(h_item_prop(it, WBXML_Calendar_AppointmentReplyTime)),
				 "20260101T130000Z");
		ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_OnlineMeetingConfLink),
				 "https://meet.ox.io/conf/1");
		ck_assert_str_eq(h_item_prop(it, WBXML_Calendar_OnlineMeetingExternalLink),
				 "https://meet.ox.io/join/1");
	} else {
		/* Not on the wire for a phone that lacks them. */
		ck_assert_ptr_null(h_item_prop(it, WBXML_Calendar_ResponseType));
	}
	const char *rec = h_item_prop(it, WBXML_Calendar_Recurrence);
	h_assert_has(rec, "Type=1");
	h_assert_has(rec, "DayOfWeek=2");
	h_assert_has(rec, "Occurrences=10");
	const char *att = h_item_prop(it, WBXML_Calendar_Attendees);
	h_assert_has(att, "Email=bob@ox.io\tName=Bob");
	h_assert_has(att, "Email=cy@ox.io\tName=Cy");
	if (a12 && strcmp(vb, "2.5") != 0) {
		h_assert_has(att, "AttendeeStatus=3\tAttendeeType=1");
		h_assert_has(att, "AttendeeStatus=2\tAttendeeType=2");
	}
	const char *ex = h_item_prop(it, WBXML_Calendar_Exceptions);
	h_assert_has(h_cal_exception_line(ex, "20260309T080000Z"), "Deleted=1");
	const char *moved = h_cal_exception_line(ex, "20260316T080000Z");
	h_assert_has(moved, "Subject=Planning (moved)");
	h_assert_has(moved, "StartTime=20260316T130000Z");

	/* And through iCalendar: export, import for another user, which a phone then gets. */
	struct h_result r;
	ck_assert_int_eq(h_easctl(h_env, NULL, &r, "calendar", "export", LOGIN, NULL), 0);
	h_assert_has(r.out, "SUMMARY:Planning\r\n");
	h_assert_has(r.out, ":20260302T090000\r\n");
	h_assert_has(r.out, "RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=MO\r\n");
	h_assert_has(r.out, ":20260309T090000\r\n");          /* EXDATE */
	h_assert_has(r.out, "SUMMARY:Planning (moved)\r\n");
	h_assert_has(r.out, "ATTENDEE;CN=Bob");
	h_assert_has(r.out, "X-MICROSOFT-CDO-BUSYSTATUS:OOF\r\n");
	const char *file = h_env_write_file(h_env, "rt.ics", r.out);
	h_result_free(&r);
	h_add_user(h_env, "ann@ox.io", PASSWORD);
	h_easctl_ok(h_env, NULL, "calendar", "import", "ann@ox.io", file, NULL);
	struct h_device c;
	h_device_init(&c, "ann@ox.io", PASSWORD);
	c.device_id = "PHONEC0003";
	c.version = vb;
	h_dev_start(h_env, &c);
	const char *ccal = h_dev_folder_of_type(&c, 8);
	h_dev_sync_all(h_env, &c, ccal, NULL);
	struct h_item *ci = h_dev_find(&c, ccal, WBXML_Calendar_Subject, "Planning");
	ck_assert_ptr_nonnull(ci);
	ck_assert_str_eq(h_cal_compact(h_item_prop(ci, WBXML_Calendar_StartTime)), "20260302T080000Z");
	ck_assert_str_eq(h_item_prop(ci, WBXML_Calendar_Categories), "Work\nBudget");
	ck_assert_str_eq(h_item_prop(ci, WBXML_Calendar_Reminder), "15");
	h_assert_has(h_item_prop(ci, WBXML_Calendar_Recurrence), "DayOfWeek=2");
	h_assert_has(h_cal_exception_line(h_item_prop(ci, WBXML_Calendar_Exceptions), "20260316T080000Z"),
		   "StartTime=20260316T130000Z");

	h_dev_assert_unique(&b, cal);
	free(tz);
	h_device_free(&a);
	h_device_free(&b);
	h_device_free(&c);
}
END_TEST

/* ---- iCalendar import reaches the phones; DST series keep 09:00 local on export ---- */

static const char import_ics[] =
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\n"
	"BEGIN:VEVENT\r\nUID:ny@e2e\r\nDTSTAMP:20260101T000000Z\r\n"
	"DTSTART;TZID=America/New_York:20260302T090000\r\n"
	"DTEND;TZID=America/New_York:20260302T100000\r\n"
	"RRULE:FREQ=WEEKLY;COUNT=10\r\nSUMMARY:NY weekly\r\nLOCATION:Office\r\n"
	"ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:bob@ox.io\r\n"
	"ORGANIZER;CN=Mike:mailto:mike@ox.io\r\nCATEGORIES:Team\r\n"
	"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n"
	"END:VEVENT\r\n"
	"BEGIN:VEVENT\r\nUID:day@e2e\r\nDTSTAMP:20260101T000000Z\r\n"
	"DTSTART;VALUE=DATE:20260501\r\nSUMMARY:Day off\r\nTRANSP:TRANSPARENT\r\n"
	"END:VEVENT\r\n"
	"END:VCALENDAR\r\n";

START_TEST(test_import_reaches_phones)
{
	struct h_device a;

	setup_user();
	h_easctl_ok(h_env, NULL, "calendar", "import", LOGIN,
		    h_env_write_file(h_env, "i.ics", import_ics), NULL);
	h_easd_start(h_env, NULL);
	phone(&a, "PHONEA0001", versions[_i]);
	const char *cal = h_dev_folder_of_type(&a, 8);
	h_dev_sync_all(h_env, &a, cal, NULL);
	ck_assert_int_eq(h_dev_count(&a, cal), 2);
	struct h_item *ny = h_dev_find(&a, cal, WBXML_Calendar_Subject, "NY weekly");
	ck_assert_ptr_nonnull(ny);
	ck_assert_str_eq(h_cal_compact(h_item_prop(ny, WBXML_Calendar_StartTime)), "20260302T140000Z");
	ck_assert_str_eq(h_item_prop(ny, WBXML_Calendar_Reminder), "10");
	ck_assert_str_eq(h_item_prop(ny, WBXML_Calendar_Categories), "Team");
	ck_assert_str_eq(h_item_prop(ny, WBXML_Calendar_OrganizerEmail), "mike@ox.io");
	h_assert_has(h_item_prop(ny, WBXML_Calendar_Attendees), "Email=bob@ox.io");
	h_assert_has(h_item_prop(ny, WBXML_Calendar_Recurrence), "DayOfWeek=2");
	if (v16(versions[_i]))
		ck_assert_str_eq(h_item_prop(ny, WBXML_AirSyncBase_Location), "DisplayName=Office");
	else
		ck_assert_str_eq(h_item_prop(ny, WBXML_Calendar_Location), "Office");
	ck_assert_ptr_nonnull(h_item_prop(ny, WBXML_Calendar_Timezone));
	struct h_item *day = h_dev_find(&a, cal, WBXML_Calendar_Subject, "Day off");
	ck_assert_ptr_nonnull(day);
	ck_assert_str_eq(h_item_prop(day, WBXML_Calendar_AllDayEvent), "1");
	ck_assert_str_eq(h_item_prop(day, WBXML_Calendar_BusyStatus), "0");
	h_device_free(&a);
}
END_TEST

/* A phone in each zone makes a weekly 09:00 series whose 10 weeks cross a DST change; the
 * export says 09:00 in the zone with a weekly rule (so every occurrence is 09:00 local). */
START_TEST(test_dst_series_export)
{
	static const struct {
		char *(*blob)(void);
		const char *start_utc, *zone_prefix, *local;
	} zones[] = {
		{ h_tz_amsterdam, "20260316T080000Z", "TZID=Europe/", ":20260316T090000\r\n" },
		{ h_tz_new_york, "20260302T140000Z", "TZID=America/New_York", ":20260302T090000\r\n" },
		{ h_tz_sydney, "20260329T220000Z", "TZID=Australia/Sydney", ":20260330T090000\r\n" },
	};
	struct h_device a, b;

	setup_user();
	h_easd_start(h_env, NULL);
	phone(&a, "PHONEA0001", versions[_i]);
	phone(&b, "PHONEB0002", versions[(_i + 2) % 4]);
	const char *cal = h_dev_folder_of_type(&a, 8);
	h_dev_sync_all(h_env, &a, cal, NULL);
	for (size_t z = 0; z < 3; z++) {
		char *tz = zones[z].blob();
		char subject[32];
		snprintf(subject, sizeof(subject), "Weekly %zu", z);
		/* One hour, on the start's weekday (Monday local). */
		int64_t end_h = (zones[z].start_utc[9] - '0') * 10 + (zones[z].start_utc[10] - '0') + 1;
		char end[32];
		memcpy(end, zones[z].start_utc, 9);
		snprintf(end + 9, sizeof(end) - 9, "%02d0000Z", (int)end_h);
		h_dev_add(&a, cal, WBXML_Calendar_Timezone, tz,
			  WBXML_Calendar_StartTime, zones[z].start_utc,
			  WBXML_Calendar_EndTime, end,
			  WBXML_Calendar_Subject, subject,
			  WBXML_Calendar_Recurrence,
			  "Type=1\nOccurrences=10\nInterval=1\nDayOfWeek=2", 0);
		free(tz);
	}
	h_dev_sync_all(h_env, &a, cal, NULL);
	h_dev_sync_all(h_env, &b, cal, NULL);
	ck_assert_int_eq(h_dev_count(&b, cal), 3);

	struct h_result r;
	ck_assert_int_eq(h_easctl(h_env, NULL, &r, "calendar", "export", LOGIN, NULL), 0);
	for (size_t z = 0; z < 3; z++) {
		char subject[48];
		snprintf(subject, sizeof(subject), "SUMMARY:Weekly %zu\r\n", z);
		const char *ev = strstr(r.out, subject);
		ck_assert_ptr_nonnull(ev);
		const char *begin = ev;
		while (begin > r.out && strncmp(begin, "BEGIN:VEVENT", 12) != 0)
			begin--;
		const char *endev = strstr(ev, "END:VEVENT");
		char one[2048];
		snprintf(one, sizeof(one), "%.*s", (int)(endev - begin), begin);
		h_assert_has(one, zones[z].zone_prefix);
		h_assert_has(one, zones[z].local);
		h_assert_has(one, "RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=MO\r\n");
	}
	h_result_free(&r);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

/* ---- FilterType 5 with an old series that still recurs ---- */

static const char *ical_utc(char *out, size_t size, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%Y%m%dT%H%M%SZ", &tm);
	return out;
}

START_TEST(test_filter_window)
{
	struct h_device a;
	char s1[32], e1[32], s2[32], e2[32];
	time_t now = time(NULL);
	buf ics = BUF_INIT;

	setup_user();
	buf_printf(&ics, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\n"
		   "BEGIN:VEVENT\r\nUID:old-series@e2e\r\nDTSTAMP:20150101T000000Z\r\n"
		   "DTSTART;TZID=Europe/Amsterdam:20150105T090000\r\n"
		   "DTEND;TZID=Europe/Amsterdam:20150105T100000\r\n"
		   "RRULE:FREQ=WEEKLY\r\nSUMMARY:Old series\r\nEND:VEVENT\r\n"
		   "BEGIN:VEVENT\r\nUID:old-single@e2e\r\nDTSTAMP:20150101T000000Z\r\n"
		   "DTSTART:20150105T090000Z\r\nDTEND:20150105T100000Z\r\n"
		   "SUMMARY:Old single\r\nEND:VEVENT\r\n"
		   "BEGIN:VEVENT\r\nUID:ended@e2e\r\nDTSTAMP:20150101T000000Z\r\n"
		   "DTSTART:20150105T090000Z\r\nDTEND:20150105T100000Z\r\n"
		   "RRULE:FREQ=DAILY;COUNT=30\r\nSUMMARY:Ended series\r\nEND:VEVENT\r\n"
		   "BEGIN:VEVENT\r\nUID:recent@e2e\r\nDTSTAMP:20150101T000000Z\r\n"
		   "DTSTART:%s\r\nDTEND:%s\r\nSUMMARY:Recent\r\nEND:VEVENT\r\n"
		   "BEGIN:VEVENT\r\nUID:future@e2e\r\nDTSTAMP:20150101T000000Z\r\n"
		   "DTSTART:%s\r\nDTEND:%s\r\nSUMMARY:Future\r\nEND:VEVENT\r\n"
		   "END:VCALENDAR\r\n",
		   ical_utc(s1, sizeof(s1), now - 3 * 86400),
		   ical_utc(e1, sizeof(e1), now - 3 * 86400 + 3600),
		   ical_utc(s2, sizeof(s2), now + 60 * 86400),
		   ical_utc(e2, sizeof(e2), now + 60 * 86400 + 3600));
	h_easctl_ok(h_env, NULL, "calendar", "import", LOGIN,
		    h_env_write_file(h_env, "f.ics", buf_cstr(&ics)), NULL);
	buf_free(&ics);
	h_easd_start(h_env, NULL);
	phone(&a, "PHONEA0001", versions[_i]);
	const char *cal = h_dev_folder_of_type(&a, 8);
	h_dev_collection(&a, cal)->filter_type = 5;
	h_dev_sync_all(h_env, &a, cal, NULL);
	ck_assert_ptr_nonnull(h_dev_find(&a, cal, WBXML_Calendar_Subject, "Old series"));
	ck_assert_ptr_nonnull(h_dev_find(&a, cal, WBXML_Calendar_Subject, "Recent"));
	ck_assert_ptr_nonnull(h_dev_find(&a, cal, WBXML_Calendar_Subject, "Future"));
	ck_assert_ptr_null(h_dev_find(&a, cal, WBXML_Calendar_Subject, "Old single"));
	ck_assert_ptr_null(h_dev_find(&a, cal, WBXML_Calendar_Subject, "Ended series"));
	ck_assert_int_eq(h_dev_count(&a, cal), 3);
	h_device_free(&a);
}
END_TEST

/* ---- refused input: Status 6, nothing written ---- */

static const char *const skip_state[] = { "devices", "sync_requests", "sync_states",
					  "sync_view", "sync_client_ids", NULL };

START_TEST(test_bad_input_status_6)
{
	struct h_device a;
	char *tz = h_tz_new_york();

	setup_user();
	h_easd_start(h_env, NULL);
	phone(&a, "PHONEA0001", versions[_i]);
	const char *cal = h_dev_folder_of_type(&a, 8);
	h_dev_sync_all(h_env, &a, cal, NULL);
	const char *ex = v16(versions[_i]) ? "AirSyncBase:InstanceId=20260303T140000Z\tSubject=X" :
			 "ExceptionStartTime=20260303T140000Z\tSubject=X";
	static const char bad_blob[] = "AAAAAAAA";
	const struct {
		const char *what, *tz, *rec, *exc;
	} cases[] = {
		{ "malformed TimeZone blob", bad_blob, NULL, NULL },
		{ "weekly without DayOfWeek", tz, "Type=1\nInterval=1", NULL },
		{ "Type 4", tz, "Type=4\nInterval=1", NULL },
		{ "monthly on day 0 of week 9", tz, "Type=3\nInterval=1\nWeekOfMonth=9\nDayOfWeek=2",
		  NULL },
		/* A Tuesday: the series is on Mondays. */
		{ "exception outside the series", tz, "Type=1\nInterval=1\nDayOfWeek=2", ex },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *before = h_db_snapshot(h_env_data_dir(h_env), skip_state);
		const char *cid = h_dev_add(&a, cal, WBXML_Calendar_Timezone, cases[i].tz,
					    WBXML_Calendar_StartTime, "20260302T140000Z",
					    WBXML_Calendar_EndTime, "20260302T150000Z",
					    WBXML_Calendar_Subject, cases[i].what,
					    cases[i].rec != NULL ? WBXML_Calendar_Recurrence : 0,
					    cases[i].rec,
					    cases[i].exc != NULL ? WBXML_Calendar_Exceptions : 0,
					    cases[i].exc, 0);
		struct h_sync_result res;
		long http = h_dev_sync(h_env, &a, cal, 0, &res);
		ck_assert_int_eq(http, 200);
		const struct h_cmd_response *resp = h_sync_response(&res, H_CMD_ADD, cid);
		ck_assert_msg(resp != NULL && resp->status == 6, "%s (%s): want Status 6:\n%s",
			      cases[i].what, versions[_i], res.xml);
		h_sync_result_free(&res);
		char *after = h_db_snapshot(h_env_data_dir(h_env), skip_state);
		ck_assert_msg(strcmp(before, after) == 0, "%s wrote:\n%s\n%s", cases[i].what,
			      before, after);
		free(before);
		free(after);
		h_dev_reset_collection(&a, cal);
		h_dev_sync_all(h_env, &a, cal, NULL);
		ck_assert_int_eq(h_dev_count(&a, cal), 0);
	}
	free(tz);
	h_device_free(&a);
}
END_TEST

static Suite *calendar_suite(void)
{
	Suite *s = suite_create("e2e-calendar");
	TCase *tc = h_tcase_new("calendar");

	tcase_add_loop_test(tc, test_round_trip, 0, 4);
	tcase_add_loop_test(tc, test_import_reaches_phones, 0, 4);
	tcase_add_loop_test(tc, test_dst_series_export, 0, 4);
	tcase_add_loop_test(tc, test_filter_window, 0, 4);
	tcase_add_loop_test(tc, test_bad_input_status_6, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(calendar_suite());
}
