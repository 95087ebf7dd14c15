/* test-ical-event.c: unit tests of VEVENT import and export (libical): every property both
 * ways, time zones across DST, all-day events, recurrences with deleted and modified
 * exceptions, export + import round trips, hostile input refused with a clear error. */
#include "pim/test-pim.h"
#include "pim/ical-event.h"
#include "pim/tz.h"

#include "lib/base64.h"

static pool *pl;

static void setup(void)
{
	pl = pool_new(0);
}

static void teardown(void)
{
	pool_free(&pl);
}

#define CAL_BEGIN "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
#define CAL_END "END:VCALENDAR\r\n"

static struct pim_vevent *parse_ok(const char *text, size_t *count_r)
{
	struct pim_vevent *events = NULL;
	const char *error = NULL;

	if (pim_vevent_parse(pl, text, strlen(text), 1 << 20, 100, &events, count_r, &error) < 0)
		ck_abort_msg("parse: %s", error);
	return events;
}

/* The one event of text, which must import without error. */
static const struct pim_vevent *one_ok(const char *text)
{
	size_t count;
	const struct pim_vevent *ev = parse_ok(text, &count);
	ck_assert_uint_eq(count, 1);
	if (ev[0].error != NULL)
		ck_abort_msg("event: %s", ev[0].error);
	return &ev[0];
}

/* The error of the one event of text. */
static const char *one_error(const char *text)
{
	size_t count;
	const struct pim_vevent *ev = parse_ok(text, &count);
	ck_assert_uint_eq(count, 1);
	ck_assert_ptr_null(ev[0].appdata);
	ck_assert_ptr_nonnull(ev[0].error);
	return ev[0].error;
}

static const char *export_one(const struct wbxml_node *ad)
{
	struct pim_vevent_writer wr;
	buf out = BUF_INIT;

	pim_vevent_write_begin(&wr, &out);
	pim_vevent_write(&wr, &out, pl, ad, "fallback-uid");
	pim_vevent_write_end(&wr, &out);
	const char *s = pool_strdup(pl, buf_cstr(&out));
	buf_free(&out);
	return s;
}

static void assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		ck_abort_msg("'%s' not in:\n%.3000s", part, text);
}

/* The IANA zone a stored Timezone blob maps back to. */
static const char *stored_zone(const struct wbxml_node *ad)
{
	struct pim_event_info info;
	const char *error;
	ck_assert_int_eq(pim_event_read(pl, ad, &info, &error), 0);
	return info.zone;
}

/* Amsterdam or a zone of the same rules (the blob names W. Europe Standard Time). */
static void assert_amsterdam(const char *zone)
{
	ck_assert_msg(strcmp(zone, "Europe/Amsterdam") == 0 || strcmp(zone, "Europe/Berlin") == 0,
		      "zone %s", zone);
}

static const char full_event[] =
	CAL_BEGIN
	"BEGIN:VEVENT\r\n"
	"UID:full-1@test\r\nDTSTAMP:20260101T120000Z\r\n"
	"SUMMARY:Planning\\, Q3\r\n"
	"DESCRIPTION:Agenda:\\n1. budget\r\n"
	"LOCATION:Room 4\r\n"
	"DTSTART;TZID=Europe/Amsterdam:20260302T090000\r\n"
	"DTEND;TZID=Europe/Amsterdam:20260302T103000\r\n"
	"ORGANIZER;CN=Ann Org:mailto:ann@ox.io\r\n"
	"ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:bob@ox.io\r\n"
	"ATTENDEE;PARTSTAT=TENTATIVE;ROLE=OPT-PARTICIPANT:mailto:cy@ox.io\r\n"
	"ATTENDEE;CN=Room;CUTYPE=ROOM;PARTSTAT=DECLINED:mailto:room@ox.io\r\n"
	"ATTENDEE;CN=Dee;PARTSTAT=NEEDS-ACTION:mailto:dee@ox.io\r\n"
	"CATEGORIES:Work,Budget\r\n"
	"CLASS:CONFIDENTIAL\r\n"
	"TRANSP:OPAQUE\r\nX-MICROSOFT-CDO-BUSYSTATUS:OOF\r\n"
	"X-EAS-RESPONSEREQUESTED:1\r\nX-EAS-DISALLOWNEWTIMEPROPOSAL:1\r\n"
	"RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260430T070000Z\r\n"
	"EXDATE;TZID=Europe/Amsterdam:20260304T090000\r\n"
	"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n"
	"END:VEVENT\r\n"
	"BEGIN:VEVENT\r\n"
	"UID:full-1@test\r\nDTSTAMP:20260101T120000Z\r\n"
	"RECURRENCE-ID;TZID=Europe/Amsterdam:20260309T090000\r\n"
	"DTSTART;TZID=Europe/Amsterdam:20260309T140000\r\n"
	"DTEND;TZID=Europe/Amsterdam:20260309T150000\r\n"
	"SUMMARY:Planning (moved)\r\nX-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE\r\n"
	"LOCATION:Room 7\r\nDESCRIPTION:Moved for the fire drill\r\n"
	"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT1H\r\nDESCRIPTION:x\r\nEND:VALARM\r\n"
	"END:VEVENT\r\n"
	CAL_END;

START_TEST(import_every_property)
{
	const struct pim_vevent *ev = one_ok(full_event);
	const struct wbxml_node *ad = ev->appdata;

	ck_assert_uint_eq(ev->line, 4);
	ck_assert_str_eq(tp_get(ad, WBXML_Calendar_Subject), "Planning, Q3");
	ck_assert_str_eq(tp_get(ad, WBXML_Calendar_UID), "full-1@test");
	ck_assert_str_eq(ev->uid, "full-1@test");
	ck_assert_str_eq(tp_get(ad, WBXML_Calendar_DtStamp), "20260101T120000Z");
	/* Amsterdam is UTC+1 on 2 March 2026. */
	ck_assert_str_eq(tp_get(ad, WBXML_Calendar_StartTime), "20260302T080000Z");
	ck_assert_str_eq(tp_get(ad, WBXML_Calendar_EndTime), "20260302T093000Z");
	ck_assert_str_eq(tp_get(ad, WBXML_Calendar_AllDayEvent), "0");
	assert_amsterdam(stored_zone(ad));
	const struct wbxml_node *loc = wbxml_child(ad, WBXML_AirSyncBase_Location);
	ck_assert_ptr_nonnull(loc);
	ck_assert_str_eq(tp_get(loc, WBXML_AirSyncBase_DisplayName), "Room 4");
	const struct wbxml_node *body = wbxml_child(ad, WBXML_AirSyncBase_Body);
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Type), "1");
	ck_assert_str_eq(tp_get(body, WBXML_AirSyncBase_Data), "Agenda:\n1. budget");
	ck_assert_str_eq(tp_get(ad, WBXML_Calendar_OrganizerEmail), "ann@ox.io");
	ck_assert_str_eq(tp_get(ad, WBXML_Calendar_OrganizerName), "Ann Org");
	ck_assert_str_eq(tp_get(ad, WBXML_Calendar_MeetingStatus), "1");
	ck_assert_str_eq(tp_get(ad, WBXML_Calendar_Sensitivity), "3");
	ck_assert_str_eq(tp_get(ad, WBXML_Calendar_BusyStatus), "3");
	ck_assert_str_eq(tp_get(ad, WBXML_Calendar_Reminder), "15");
	ck_assert_str_eq(tp_get(ad, WBXML_Calendar_ResponseRequested), "1");
	ck_assert_str_eq(tp_get(ad, WBXML_Calendar_DisallowNewTimeProposal), "1");
	const struct wbxml_node *cats = wbxml_child(ad, WBXML_Calendar_Categories);
	ck_assert_str_eq(wbxml_node_str(cats->children), "Work");
	ck_assert_str_eq(wbxml_node_str(cats->children->next), "Budget");

	const struct wbxml_node *att = wbxml_child(ad, WBXML_Calendar_Attendees)->children;
	static const char *const want[][4] = {
		{ "bob@ox.io", "Bob", "3", "1" }, { "cy@ox.io", "cy@ox.io", "2", "2" },
		{ "room@ox.io", "Room", "4", "3" }, { "dee@ox.io", "Dee", "5", NULL },
	};
	for (size_t i = 0; i < 4; i++, att = att->next) {
		ck_assert_ptr_nonnull(att);
		ck_assert_str_eq(tp_get(att, WBXML_Calendar_Email), want[i][0]);
		ck_assert_str_eq(tp_get(att, WBXML_Calendar_Name), want[i][1]);
		ck_assert_str_eq(tp_get(att, WBXML_Calendar_AttendeeStatus), want[i][2]);
		if (want[i][3] != NULL)
			ck_assert_str_eq(tp_get(att, WBXML_Calendar_AttendeeType), want[i][3]);
		else
			ck_assert_ptr_null(wbxml_child(att, WBXML_Calendar_AttendeeType));
	}
	ck_assert_ptr_null(att);

	const struct wbxml_node *rec = wbxml_child(ad, WBXML_Calendar_Recurrence);
	ck_assert_str_eq(tp_get(rec, WBXML_Calendar_Type), "1");
	ck_assert_str_eq(tp_get(rec, WBXML_Calendar_DayOfWeek), "10");  /* Monday 2 + Wed 8 */
	ck_assert_str_eq(tp_get(rec, WBXML_Calendar_Until), "20260430T070000Z");
	ck_assert_str_eq(tp_get(rec, WBXML_Calendar_Interval), "1");

	const struct wbxml_node *ex = wbxml_child(ad, WBXML_Calendar_Exceptions)->children;
	ck_assert_str_eq(tp_get(ex, WBXML_Calendar_Deleted), "1");
	ck_assert_str_eq(tp_get(ex, WBXML_Calendar_ExceptionStartTime), "20260304T080000Z");
	ex = ex->next;
	ck_assert_ptr_nonnull(ex);
	ck_assert_ptr_null(wbxml_child(ex, WBXML_Calendar_Deleted));
	ck_assert_str_eq(tp_get(ex, WBXML_Calendar_ExceptionStartTime), "20260309T080000Z");
	ck_assert_str_eq(tp_get(ex, WBXML_Calendar_StartTime), "20260309T130000Z");
	ck_assert_str_eq(tp_get(ex, WBXML_Calendar_EndTime), "20260309T140000Z");
	ck_assert_str_eq(tp_get(ex, WBXML_Calendar_Subject), "Planning (moved)");
	ck_assert_str_eq(tp_get(ex, WBXML_Calendar_BusyStatus), "1");
	ck_assert_str_eq(tp_get(ex, WBXML_Calendar_Reminder), "60");
	ck_assert_str_eq(tp_get(wbxml_child(ex, WBXML_AirSyncBase_Location),
				WBXML_AirSyncBase_DisplayName), "Room 7");
	ck_assert_str_eq(tp_get(wbxml_child(ex, WBXML_AirSyncBase_Body), WBXML_AirSyncBase_Data),
			 "Moved for the fire drill");
	ck_assert_ptr_null(ex->next);

	/* The filter span: first start .. end of the last occurrence (29 April, 09:00 CEST). */
	ck_assert_int_eq(ev->filter_start, 1772438400);
	ck_assert_int_eq(ev->filter_end, 1777451400);
}
END_TEST

START_TEST(export_every_property)
{
	const struct pim_vevent *ev = one_ok(full_event);
	const char *ics = export_one(ev->appdata);
	const char *z = stored_zone(ev->appdata);

	assert_contains(ics, "BEGIN:VCALENDAR\r\n");
	assert_contains(ics, "UID:full-1@test\r\n");
	assert_contains(ics, "DTSTAMP:20260101T120000Z\r\n");
	assert_contains(ics, pool_printf(pl, "DTSTART;TZID=%s:20260302T090000\r\n", z));
	assert_contains(ics, pool_printf(pl, "DTEND;TZID=%s:20260302T103000\r\n", z));
	assert_contains(ics, "SUMMARY:Planning\\, Q3\r\n");
	assert_contains(ics, "DESCRIPTION:Agenda:\\n1. budget\r\n");
	assert_contains(ics, "LOCATION:Room 4\r\n");
	assert_contains(ics, "ORGANIZER;CN=Ann Org:mailto:ann@ox.io\r\n");
	assert_contains(ics, "mailto:bob@ox.io\r\n");
	assert_contains(ics, "PARTSTAT=ACCEPTED");
	assert_contains(ics, "ROLE=OPT-PARTICIPANT");
	assert_contains(ics, "CUTYPE=RESOURCE");
	assert_contains(ics, "CATEGORIES:Work\r\n");
	assert_contains(ics, "CLASS:CONFIDENTIAL\r\n");
	assert_contains(ics, "X-MICROSOFT-CDO-BUSYSTATUS:OOF\r\n");
	assert_contains(ics, "TRANSP:OPAQUE\r\n");
	assert_contains(ics, "TRIGGER:-PT15M\r\n");
	assert_contains(ics, "RRULE:FREQ=WEEKLY;UNTIL=20260430T070000Z;BYDAY=MO,WE\r\n");
	assert_contains(ics, pool_printf(pl, "EXDATE;TZID=%s:20260304T090000\r\n", z));
	assert_contains(ics, pool_printf(pl, "RECURRENCE-ID;TZID=%s:20260309T090000\r\n", z));
	assert_contains(ics, pool_printf(pl, "DTSTART;TZID=%s:20260309T140000\r\n", z));
	assert_contains(ics, "X-EAS-RESPONSEREQUESTED:1\r\n");
	assert_contains(ics, "LOCATION:Room 7\r\n");
	assert_contains(ics, "DESCRIPTION:Moved for the fire drill\r\n");
	assert_contains(ics, "TRIGGER:-PT1H\r\n");
	assert_contains(ics, pool_printf(pl, "BEGIN:VTIMEZONE\r\nTZID:%s\r\n", z));
	assert_contains(ics, "END:VCALENDAR\r\n");
}
END_TEST

/* Export then import gives the same ApplicationData, for each kind of event. */
static void round_trip(const char *text)
{
	size_t count, count2;
	const struct pim_vevent *ev = parse_ok(text, &count);
	struct pim_vevent_writer wr;
	buf out = BUF_INIT;

	pim_vevent_write_begin(&wr, &out);
	for (size_t i = 0; i < count; i++) {
		ck_assert_msg(ev[i].error == NULL, "%s", ev[i].error);
		pim_vevent_write(&wr, &out, pl, ev[i].appdata, "x");
	}
	pim_vevent_write_end(&wr, &out);
	/* The VTIMEZONEs start shortly before the events (2026), not with libical's history
	 * of the zone (Amsterdam since 1835). */
	ck_assert_ptr_null(strstr(buf_cstr(&out), "\r\nDTSTART:18"));
	ck_assert_ptr_null(strstr(buf_cstr(&out), "\r\nDTSTART:19"));
	const struct pim_vevent *ev2 = parse_ok(pool_strdup(pl, buf_cstr(&out)), &count2);
	ck_assert_uint_eq(count2, count);
	for (size_t i = 0; i < count; i++) {
		ck_assert_msg(ev2[i].error == NULL, "%s\n%s", ev2[i].error, buf_cstr(&out));
		tp_assert_same(tp_flatten(pl, ev[i].appdata), tp_flatten(pl, ev2[i].appdata));
		ck_assert_int_eq(ev2[i].filter_start, ev[i].filter_start);
		ck_assert_int_eq(ev2[i].filter_end, ev[i].filter_end);
	}
	buf_free(&out);
}

START_TEST(round_trip_identical)
{
	round_trip(full_event);
	round_trip(CAL_BEGIN "X-WR-TIMEZONE:Pacific/Auckland\r\n"
		   "BEGIN:VEVENT\r\nUID:ad@t\r\nDTSTAMP:20260101T000000Z\r\n"
		   "DTSTART;VALUE=DATE:20260405\r\nDTEND;VALUE=DATE:20260407\r\n"
		   "SUMMARY:Holiday\r\nTRANSP:TRANSPARENT\r\nCLASS:PRIVATE\r\n"
		   "RRULE:FREQ=YEARLY;COUNT=3\r\nEXDATE;VALUE=DATE:20270405\r\n"
		   "END:VEVENT\r\n"
		   "BEGIN:VEVENT\r\nUID:m@t\r\nDTSTAMP:20260101T000000Z\r\n"
		   "DTSTART;TZID=America/New_York:20260110T180000\r\nDURATION:PT2H\r\n"
		   "RRULE:FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=2\r\nSUMMARY:Last Friday\r\n"
		   "END:VEVENT\r\n"
		   "BEGIN:VEVENT\r\nUID:y@t\r\nDTSTAMP:20260101T000000Z\r\n"
		   "DTSTART:20260301T100000Z\r\nDTEND:20260301T100000Z\r\n"
		   "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nSTATUS:CANCELLED\r\n"
		   "X-EAS-RESPONSETYPE:3\r\nEND:VEVENT\r\n"
		   "BEGIN:VEVENT\r\nUID:d@t\r\nDTSTAMP:20260101T000000Z\r\n"
		   "DTSTART;TZID=Australia/Sydney:20260320T073000\r\n"
		   "DTEND;TZID=Australia/Sydney:20260320T080000\r\n"
		   "RRULE:FREQ=DAILY;INTERVAL=3;COUNT=20\r\nSUMMARY:Run\r\n"
		   "END:VEVENT\r\n"
		   "BEGIN:VEVENT\r\nUID:md@t\r\nDTSTAMP:20260101T000000Z\r\n"
		   "DTSTART;TZID=Europe/Amsterdam:20260115T120000\r\n"
		   "DTEND;TZID=Europe/Amsterdam:20260115T130000\r\n"
		   "RRULE:FREQ=MONTHLY;BYMONTHDAY=15\r\nEND:VEVENT\r\n"
		   CAL_END);
}
END_TEST

/* A weekly series at 09:00 local keeps 09:00 local across both DST changes. */
START_TEST(dst_zones)
{
	static const struct {
		const char *zone, *start, *winter_utc, *summer_utc;
	} cases[] = {
		/* Amsterdam: DST from 29 March 2026 (UTC+1 -> +2). */
		{ "Europe/Amsterdam", "20260316T090000", "20260316T080000Z", "20260330T070000Z" },
		/* New York: DST from 8 March 2026 (UTC-5 -> -4). */
		{ "America/New_York", "20260302T090000", "20260302T140000Z", "20260316T130000Z" },
		/* Sydney: DST ends 5 April 2026 (UTC+11 -> +10). */
		{ "Australia/Sydney", "20260330T090000", "20260329T220000Z", "20260412T230000Z" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *text = pool_printf(pl, CAL_BEGIN
			"BEGIN:VEVENT\r\nUID:w%zu@t\r\nDTSTAMP:20260101T000000Z\r\n"
			"DTSTART;TZID=%s:%s\r\nDURATION:PT1H\r\n"
			"RRULE:FREQ=WEEKLY;COUNT=10\r\nSUMMARY:Weekly\r\nEND:VEVENT\r\n" CAL_END,
			i, cases[i].zone, cases[i].start);
		const struct pim_vevent *ev = one_ok(text);
		ck_assert_str_eq(tp_get(ev->appdata, WBXML_Calendar_StartTime), cases[i].winter_utc);
		const char *z = stored_zone(ev->appdata);
		if (i == 0)
			assert_amsterdam(z);
		else
			ck_assert_str_eq(z, cases[i].zone);
		/* The third occurrence, two weeks later, is on the other side of the change. */
		struct pim_event_info info;
		const char *error;
		ck_assert_int_eq(pim_event_read(pl, ev->appdata, &info, &error), 0);
		struct pim_recur_series s = { .recur = &info.recur, .zone = info.zone,
					      .start_utc = info.start_utc,
					      .duration_s = info.end_utc - info.start_utc };
		struct pim_occurrence occ[3];
		size_t n;
		ck_assert_int_eq(pim_recur_expand_array(&s, info.start_utc, INT64_MAX, occ, 3, &n,
							&error), 0);
		ck_assert_uint_eq(n, 3);
		ck_assert_str_eq(pim_eas_time_format(pl, occ[2].start_utc), cases[i].summer_utc);
		const char *ics = export_one(ev->appdata);
		assert_contains(ics, pool_printf(pl, "DTSTART;TZID=%s:%s\r\n", z,
						 cases[i].start));
	}
}
END_TEST

/* All-day events are local midnights of the calendar's zone, on the right date. */
START_TEST(all_day)
{
	const struct pim_vevent *ev = one_ok(CAL_BEGIN "X-WR-TIMEZONE:Pacific/Kiritimati\r\n"
		"BEGIN:VEVENT\r\nUID:a@t\r\nDTSTART;VALUE=DATE:20260501\r\nSUMMARY:May Day\r\n"
		"END:VEVENT\r\n" CAL_END);
	/* Kiritimati is UTC+14: midnight of 1 May is 10:00 UTC on 30 April. */
	ck_assert_str_eq(tp_get(ev->appdata, WBXML_Calendar_AllDayEvent), "1");
	ck_assert_str_eq(tp_get(ev->appdata, WBXML_Calendar_StartTime), "20260430T100000Z");
	ck_assert_str_eq(tp_get(ev->appdata, WBXML_Calendar_EndTime), "20260501T100000Z");
	const char *ics = export_one(ev->appdata);
	assert_contains(ics, "DTSTART;VALUE=DATE:20260501\r\n");
	assert_contains(ics, "DTEND;VALUE=DATE:20260502\r\n");

	/* Without X-WR-TIMEZONE: UTC. A day of 23 hours in Amsterdam stays one date. */
	ev = one_ok(CAL_BEGIN "BEGIN:VEVENT\r\nUID:b@t\r\nDTSTART;VALUE=DATE:20260329\r\n"
		    "DTEND;VALUE=DATE:20260330\r\nEND:VEVENT\r\n" CAL_END);
	ck_assert_str_eq(tp_get(ev->appdata, WBXML_Calendar_StartTime), "20260329T000000Z");
	ev = one_ok(CAL_BEGIN "X-WR-TIMEZONE:Europe/Amsterdam\r\n"
		    "BEGIN:VEVENT\r\nUID:c@t\r\nDTSTART;VALUE=DATE:20260329\r\n"
		    "DTEND;VALUE=DATE:20260330\r\nEND:VEVENT\r\n" CAL_END);
	ck_assert_str_eq(tp_get(ev->appdata, WBXML_Calendar_StartTime), "20260328T230000Z");
	ck_assert_str_eq(tp_get(ev->appdata, WBXML_Calendar_EndTime), "20260329T220000Z");
	assert_contains(export_one(ev->appdata), "DTEND;VALUE=DATE:20260330\r\n");
}
END_TEST

/* Each RRULE form EAS has, and what it becomes. */
START_TEST(rrule_types)
{
	static const struct {
		const char *rule, *type, *dow, *dom, *wom, *moy;
	} cases[] = {
		{ "FREQ=DAILY", "0", NULL, NULL, NULL, NULL },
		{ "FREQ=WEEKLY", "1", "16", NULL, NULL, NULL },      /* DTSTART is a Thursday */
		{ "FREQ=MONTHLY", "2", NULL, "5", NULL, NULL },
		{ "FREQ=MONTHLY;BYDAY=2TU", "3", "4", NULL, "2", NULL },
		{ "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "3", "62", NULL, "5", NULL },
		{ "FREQ=YEARLY", "5", NULL, "5", NULL, "3" },
		{ "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", "6", "16", NULL, "4", "11" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *text = pool_printf(pl, CAL_BEGIN
			"BEGIN:VEVENT\r\nUID:r%zu@t\r\nDTSTAMP:20260101T000000Z\r\n"
			"DTSTART:20260305T100000Z\r\n"
			"RRULE:%s\r\nEND:VEVENT\r\n" CAL_END, i, cases[i].rule);
		const struct pim_vevent *ev = one_ok(text);
		const struct wbxml_node *rec = wbxml_child(ev->appdata, WBXML_Calendar_Recurrence);
		ck_assert_ptr_nonnull(rec);
		ck_assert_str_eq(tp_get(rec, WBXML_Calendar_Type), cases[i].type);
		const char *want[] = { cases[i].dow, cases[i].dom, cases[i].wom, cases[i].moy };
		const uint16_t tags[] = { WBXML_Calendar_DayOfWeek, WBXML_Calendar_DayOfMonth,
					  WBXML_Calendar_WeekOfMonth, WBXML_Calendar_MonthOfYear };
		for (size_t k = 0; k < 4; k++) {
			if (want[k] == NULL)
				ck_assert_ptr_null(wbxml_child(rec, tags[k]));
			else
				ck_assert_str_eq(tp_get(rec, tags[k]), want[k]);
		}
		ck_assert_int_eq(ev->filter_end, STORE_TIME_MAX);
		round_trip(text);
	}
}
END_TEST

START_TEST(hostile)
{
	const struct {
		const char *body, *error;
	} cases[] = {
		{ "UID:1\r\nSUMMARY:no start\r\n", "VEVENT without DTSTART" },
		{ "DTSTART:20260101T100000Z\r\nRRULE:FREQ=HOURLY\r\n", "cannot be expressed in EAS" },
		{ "DTSTART:20260101T100000Z\r\nRRULE:FREQ=MONTHLY;BYMONTHDAY=-1\r\n",
		  "cannot be expressed" },
		{ "DTSTART:20260101T100000Z\r\nRRULE:FREQ=DAILY;BYHOUR=9,10\r\n",
		  "cannot be expressed" },
		{ "DTSTART:20260101T100000Z\r\nRRULE:FREQ=DAILY;COUNT=5000\r\n", "COUNT" },
		{ "DTSTART:20260101T100000Z\r\nRRULE:FREQ=DAILY\r\nRRULE:FREQ=WEEKLY\r\n",
		  "several RRULEs" },
		{ "DTSTART:20260101T100000Z\r\nRDATE:20260105T100000Z\r\n", "RDATE" },
		{ "DTSTART:20260101T100000Z\r\nRRULE:GARBAGE\r\n", "" },
		{ "DTSTART:20260101T100000Z\r\nDTEND:20251231T100000Z\r\n", "before DTSTART" },
		{ "DTSTART:99999999T999999Z\r\n", "" },
		{ "DTSTART:20260101T100000Z\r\nSUMMARY:\xff\xfe\r\n", "not UTF-8" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *text = pool_printf(pl, CAL_BEGIN "BEGIN:VEVENT\r\n%sEND:VEVENT\r\n"
					       CAL_END, cases[i].body);
		const char *error = one_error(text);
		ck_assert_msg(strncmp(error, "line 4: ", 8) == 0, "case %zu: %s", i, error);
		ck_assert_msg(strstr(error, cases[i].error) != NULL, "case %zu: %s", i, error);
	}
	/* A modified occurrence that is no occurrence of the series refuses the series. */
	const char *error = one_error(CAL_BEGIN
		"BEGIN:VEVENT\r\nUID:s@t\r\nDTSTART:20260105T100000Z\r\nRRULE:FREQ=WEEKLY\r\n"
		"END:VEVENT\r\nBEGIN:VEVENT\r\nUID:s@t\r\n"
		"RECURRENCE-ID:20260106T100000Z\r\nDTSTART:20260106T120000Z\r\nEND:VEVENT\r\n"
		CAL_END);
	ck_assert_msg(strstr(error, "line 9: RECURRENCE-ID 20260106T100000Z is no occurrence")
		      == error, "%s", error);

	/* Whole-file refusals. */
	struct pim_vevent *events;
	size_t count;
	static const char not_ical[] = "BEGIN:VCARD\r\nEND:VCARD\r\n";
	ck_assert_int_eq(pim_vevent_parse(pl, not_ical, strlen(not_ical), 1 << 20, 10, &events,
					  &count, &error), -1);
	ck_assert_str_eq(error, "line 1: not iCalendar (no BEGIN:VCALENDAR)");
	static const char nul[] = CAL_BEGIN "\0" CAL_END;
	ck_assert_int_eq(pim_vevent_parse(pl, nul, sizeof(nul) - 1, 1 << 20, 10, &events, &count,
					  &error), -1);
	ck_assert_str_eq(error, "NUL byte in the input");
	buf huge = BUF_INIT;
	buf_puts(&huge, CAL_BEGIN);
	for (int i = 0; i < 20; i++)
		buf_printf(&huge, "BEGIN:VEVENT\r\nUID:%d\r\nDTSTART:20260101T100000Z\r\n"
			   "END:VEVENT\r\n", i);
	buf_puts(&huge, CAL_END);
	ck_assert_int_eq(pim_vevent_parse(pl, buf_cstr(&huge), huge.len, 1 << 20, 10, &events,
					  &count, &error), -1);
	ck_assert_str_eq(error, "line 44: more than 10 VEVENTs");
	ck_assert_int_eq(pim_vevent_parse(pl, buf_cstr(&huge), huge.len, 100, 10, &events,
					  &count, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "exceeds the limit of 100"));
	buf_free(&huge);
}
END_TEST

/* An exception whose series is not in the file is a single event (counted as dropped);
 * a custom zone without an IANA name keeps the right times. */
START_TEST(orphans_and_custom_zones)
{
	const struct pim_vevent *ev = one_ok(CAL_BEGIN
		"BEGIN:VEVENT\r\nUID:o@t\r\nRECURRENCE-ID:20260106T100000Z\r\n"
		"DTSTART:20260106T120000Z\r\nEND:VEVENT\r\n" CAL_END);
	ck_assert_uint_eq(ev->dropped, 1);
	ck_assert(ev->orphan_override);
	ck_assert_str_eq(tp_get(ev->appdata, WBXML_Calendar_StartTime), "20260106T120000Z");

	ev = one_ok(CAL_BEGIN
		"BEGIN:VTIMEZONE\r\nTZID:My Zone\r\n"
		"BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\n"
		"TZOFFSETTO:+0300\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
		"BEGIN:VEVENT\r\nUID:z@t\r\nDTSTART;TZID=My Zone:20260106T120000\r\n"
		"END:VEVENT\r\n" CAL_END);
	ck_assert_str_eq(tp_get(ev->appdata, WBXML_Calendar_StartTime), "20260106T090000Z");
	ck_assert_uint_eq(ev->dropped, 1);
	ck_assert(!ev->orphan_override);
}
END_TEST

/* EXDATEs that are no occurrence or repeat one are dropped; a cancelled RECURRENCE-ID is a
 * deleted occurrence; two exceptions of one occurrence refuse the series. */
START_TEST(exception_edge_cases)
{
#define SERIES "BEGIN:VEVENT\r\nUID:e@t\r\nDTSTART:20260105T100000Z\r\n" \
	       "RRULE:FREQ=WEEKLY;COUNT=5\r\n"
	const struct pim_vevent *ev = one_ok(CAL_BEGIN SERIES
		"EXDATE:20260106T100000Z\r\nEXDATE:20260112T100000Z\r\n"
		"EXDATE:20260112T100000Z\r\nEND:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:e@t\r\nRECURRENCE-ID:20260119T100000Z\r\n"
		"DTSTART:20260119T100000Z\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n" CAL_END);
	ck_assert_uint_eq(ev->dropped, 2);
	const struct wbxml_node *ex = wbxml_child(ev->appdata, WBXML_Calendar_Exceptions)->children;
	ck_assert_str_eq(tp_get(ex, WBXML_Calendar_ExceptionStartTime), "20260112T100000Z");
	ck_assert_str_eq(tp_get(ex, WBXML_Calendar_Deleted), "1");
	ex = ex->next;
	ck_assert_str_eq(tp_get(ex, WBXML_Calendar_ExceptionStartTime), "20260119T100000Z");
	ck_assert_str_eq(tp_get(ex, WBXML_Calendar_Deleted), "1");
	ck_assert_ptr_null(ex->next);

	const char *error = one_error(CAL_BEGIN SERIES "EXDATE:20260112T100000Z\r\nEND:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:e@t\r\nRECURRENCE-ID:20260112T100000Z\r\n"
		"DTSTART:20260112T120000Z\r\nEND:VEVENT\r\n" CAL_END);
	ck_assert_str_eq(error, "line 10: RECURRENCE-ID of an occurrence its EXDATE deletes");
	error = one_error(CAL_BEGIN SERIES "END:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:e@t\r\nRECURRENCE-ID:20260112T100000Z\r\n"
		"DTSTART:20260112T120000Z\r\nEND:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:e@t\r\nRECURRENCE-ID:20260112T100000Z\r\n"
		"DTSTART:20260112T130000Z\r\nEND:VEVENT\r\n" CAL_END);
	ck_assert_str_eq(error, "line 14: two exceptions of the same occurrence");
#undef SERIES
}
END_TEST

/* The stored form decodes back to the imported tree. */
START_TEST(encode)
{
	const struct pim_vevent *ev = one_ok(full_event);
	struct store_item item;
	struct wbxml_node *back;
	const char *error;

	ck_assert_int_eq(pim_vevent_encode(pl, ev, &item, &error), 0);
	ck_assert_int_eq(pim_item_decode(pl, &item, &back, &error), 0);
	ck_assert_str_eq(tp_get(back, WBXML_Calendar_Subject), "Planning, Q3");
	ck_assert_str_eq(item.uid, "full-1@test");
	ck_assert_int_eq(item.filter_start, ev->filter_start);
	ck_assert_int_eq(item.filter_end, ev->filter_end);
	/* The export of the stored form is the export of the parsed tree, except that it
	 * names the imported zone where the parsed tree's blob alone names Europe/Berlin
	 * (the VTIMEZONEs at the end differ accordingly). */
	const char *a = export_one(back), *b = export_one(ev->appdata);
	const char *a_end = strstr(a, "BEGIN:VTIMEZONE"), *b_end = strstr(b, "BEGIN:VTIMEZONE");
	ck_assert_ptr_nonnull(a_end);
	ck_assert_ptr_nonnull(b_end);
	buf fixed = BUF_INIT;
	for (const char *t = b; t < b_end;) {
		if (strncmp(t, "Europe/Berlin", 13) == 0) {
			buf_puts(&fixed, "Europe/Amsterdam");
			t += 13;
		} else {
			buf_putc(&fixed, *t++);
		}
	}
	ck_assert_str_eq(pool_strndup(pl, a, (size_t)(a_end - a)), buf_cstr(&fixed));
	buf_free(&fixed);
	assert_contains(a, "BEGIN:VTIMEZONE\r\nTZID:Europe/Amsterdam\r\n");
}
END_TEST

/* The stored form of a device's Change of item (14.1, no Supported). */
static struct store_item device_change(const struct store_item *item, const struct tp *v,
				       size_t n)
{
	const struct pim_class_ops *ops = pim_class(STORE_CLASS_CALENDAR);
	struct pim_in_options in = { .version = 141 };
	struct store_item out;
	const char *error = NULL;

	if (ops->from_eas_opt(pl, tp_appdata(pl, v, n), &in, item, NULL, &out, &error) < 0)
		ck_abort_msg("change: %s", error);
	return out;
}

static const struct wbxml_node *decoded(const struct store_item *item)
{
	struct wbxml_node *ad;
	const char *error;

	ck_assert_int_eq(pim_item_decode(pl, item, &ad, &error), 0);
	return ad;
}

/* What calendar_to_eas writes, through a writer without a version filter: the converter
 * itself must leave easd's private properties (code page 254) out. */
static const struct wbxml_node *device_view(const struct store_item *item, int version)
{
	struct pim_out_options opt = { .version = version };
	struct wbxml_writer w;
	buf b = BUF_INIT;
	const char *error;

	wbxml_writer_init(&w, &b, 0);
	wbxml_start(&w, WBXML_AirSync_ApplicationData);
	ck_assert_int_eq(pim_class(STORE_CLASS_CALENDAR)->to_eas(pl, item, &opt, &w, &error), 0);
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	struct wbxml_node *root = tp_decode(pl, &b);
	buf_free(&b);
	return root;
}

static void assert_no_private(const struct wbxml_node *node)
{
	for (const struct wbxml_node *c = node->children; c != NULL; c = c->next) {
		ck_assert_uint_lt(WBXML_TAG_PAGE(c->tag), WBXML_PAGE_COUNT);
		assert_no_private(c);
	}
}

/* Issue 6, the stored form is iCalendar-grade: the IANA zone of an import is kept next to
 * the blob, so zones that share their blob with the table's canonical zone export under
 * their own name; a device's Change with the same blob keeps it, one with another blob
 * makes the zone follow the blob; no device ever sets or receives it. */
START_TEST(import_zone_kept)
{
	static const struct {
		const char *zone, *canonical, *other_blob_zone;
	} cases[] = {
		{ "Europe/Amsterdam", "Europe/Berlin", "Europe/London" },
		{ "Australia/Melbourne", "Australia/Sydney", "Asia/Tokyo" },
		{ "America/Toronto", "America/New_York", "America/Chicago" },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const char *zone = cases[k].zone;
		const char *text = pool_printf(pl, CAL_BEGIN "BEGIN:VEVENT\r\nUID:z%zu@t\r\n"
					       "DTSTAMP:20260101T000000Z\r\n"
					       "DTSTART;TZID=%s:20260302T090000\r\n"
					       "DTEND;TZID=%s:20260302T100000\r\n"
					       "RRULE:FREQ=WEEKLY;COUNT=40\r\nSUMMARY:s\r\n"
					       "END:VEVENT\r\n" CAL_END, k, zone, zone);
		const struct pim_vevent *ev = one_ok(text);
		struct store_item item;
		const char *error;

		ck_assert_str_eq(ev->zone, zone);
		/* The premise: the blob alone names the canonical zone. */
		ck_assert_str_eq(stored_zone(ev->appdata), cases[k].canonical);
		ck_assert_int_eq(pim_vevent_encode(pl, ev, &item, &error), 0);
		const struct wbxml_node *ad = decoded(&item);
		ck_assert_str_eq(stored_zone(ad), zone);
		ck_assert_str_eq(pim_calendar_stored_zone(ad), zone);
		const char *ics = export_one(ad);
		assert_contains(ics, pool_printf(pl, "DTSTART;TZID=%s:20260302T090000\r\n", zone));
		assert_contains(ics, pool_printf(pl, "BEGIN:VTIMEZONE\r\nTZID:%s\r\n", zone));
		for (int version = 25; version <= 161; version = version == 25 ? 121 : version + 20)
			assert_no_private(device_view(&item, version));

		/* A device's Change with the same blob (line-broken, as phones send it). */
		const char *blob = tp_get(ad, WBXML_Calendar_Timezone);
		size_t half = strlen(blob) / 2;
		const char *wrapped = pool_printf(pl, "%.*s\r\n%s", (int)half, blob, blob + half);
		const struct tp same[] = { { WBXML_Calendar_Timezone, wrapped, 0 },
					   { WBXML_Calendar_Subject, "renamed", 0 } };
		struct store_item kept = device_change(&item, same, 2);
		ck_assert_str_eq(stored_zone(decoded(&kept)), zone);
		/* Nor does a Change without Timezone (ghosted) lose it. */
		const struct tp subject[] = { { WBXML_Calendar_Subject, "again", 0 } };
		kept = device_change(&kept, subject, 1);
		ck_assert_str_eq(stored_zone(decoded(&kept)), zone);

		/* A client cannot set it: a zone sent on easd's page is dropped. */
		const struct tp forged[] = { { WBXML_TAG(254, 0x05), "Asia/Kolkata", 0 },
					     { WBXML_Calendar_Subject, "forged", 0 } };
		struct store_item f = device_change(&kept, forged, 2);
		ck_assert_str_eq(stored_zone(decoded(&f)), zone);

		/* Another blob: the zone follows the blob, and stays so when the old blob
		 * comes back (the import's zone is gone with its blob). */
		struct pim_tz_blob ob;
		unsigned char raw[PIM_TZ_BLOB_SIZE];
		buf b64 = BUF_INIT;
		ck_assert_int_eq(pim_tz_to_blob(cases[k].other_blob_zone, 2026, &ob), 0);
		pim_tz_blob_encode(&ob, raw);
		base64_encode(&b64, raw, sizeof(raw));
		const struct tp moved[] = { { WBXML_Calendar_Timezone,
					      pool_strdup(pl, buf_cstr(&b64)), 0 } };
		buf_free(&b64);
		struct store_item m = device_change(&kept, moved, 1);
		ck_assert_ptr_null(pim_calendar_stored_zone(decoded(&m)));
		ck_assert_str_eq(stored_zone(decoded(&m)), cases[k].other_blob_zone);
		const struct tp back[] = { { WBXML_Calendar_Timezone, blob, 0 } };
		m = device_change(&m, back, 1);
		ck_assert_str_eq(stored_zone(decoded(&m)), cases[k].canonical);
	}
	/* A client's Add with the private tag stores none. */
	const struct tp add[] = { { WBXML_TAG(254, 0x05), "Europe/Amsterdam", 0 },
				  { WBXML_Calendar_StartTime, "20260302T080000Z", 0 } };
	struct store_item a = tp_store(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, add, 2), 161,
				       NULL, NULL);
	ck_assert_ptr_null(pim_calendar_stored_zone(decoded(&a)));
}
END_TEST

/* An override replaces the whole occurrence (RFC 5545 3.8.4.4): the export writes the
 * series' properties the exception does not change (a moved occurrence without its own
 * LOCATION is not "no location"); the import keeps only what differs from the series. */
START_TEST(override_inherits)
{
	static const char text[] =
		CAL_BEGIN
		"BEGIN:VEVENT\r\nUID:inh@t\r\nDTSTAMP:20260101T000000Z\r\n"
		"DTSTART;TZID=Europe/Amsterdam:20260302T090000\r\n"
		"DTEND;TZID=Europe/Amsterdam:20260302T093000\r\n"
		"SUMMARY:Standup\r\nLOCATION:Room 9\r\nDESCRIPTION:Daily\r\n"
		"CLASS:PRIVATE\r\nCATEGORIES:Team\r\n"
		"RRULE:FREQ=WEEKLY;COUNT=10\r\nEND:VEVENT\r\n"
		"BEGIN:VEVENT\r\nUID:inh@t\r\nDTSTAMP:20260101T000000Z\r\n"
		"RECURRENCE-ID;TZID=Europe/Amsterdam:20260316T090000\r\n"
		"DTSTART;TZID=Europe/Amsterdam:20260316T140000\r\n"
		"DTEND;TZID=Europe/Amsterdam:20260316T143000\r\n"
		"SUMMARY:Standup (moved)\r\nLOCATION:Room 9\r\nEND:VEVENT\r\n"
		CAL_END;
	const struct pim_vevent *ev = one_ok(text);
	const struct wbxml_node *exs = wbxml_child(ev->appdata, WBXML_Calendar_Exceptions);
	ck_assert_ptr_nonnull(exs);
	/* The same LOCATION as the series: not repeated in the exception. */
	ck_assert_ptr_null(wbxml_child(exs->children, WBXML_AirSyncBase_Location));
	ck_assert_ptr_null(wbxml_child(exs->children, WBXML_Calendar_Location));
	ck_assert_str_eq(tp_get(exs->children, WBXML_Calendar_Subject), "Standup (moved)");

	const char *ics = export_one(ev->appdata);
	const char *ov = strstr(ics, "RECURRENCE-ID");
	ck_assert_ptr_nonnull(ov);
	const char *ov_end = strstr(ov, "END:VEVENT");
	ck_assert_ptr_nonnull(ov_end);
	const char *override = pool_strndup(pl, ov, (size_t)(ov_end - ov));
	assert_contains(override, "SUMMARY:Standup (moved)\r\n");
	assert_contains(override, "LOCATION:Room 9\r\n");
	assert_contains(override, "DESCRIPTION:Daily\r\n");
	assert_contains(override, "CLASS:PRIVATE\r\n");
	assert_contains(override, "CATEGORIES:Team\r\n");
	/* Import of the export: the same exception, nothing repeated. */
	const struct pim_vevent *back = one_ok(ics);
	tp_assert_same(tp_flatten(pl, back->appdata), tp_flatten(pl, ev->appdata));
}
END_TEST


/* An all-day series whose zone is only a blob (EU rules at UTC-5 and at
 * UTC+13, no IANA zone): a date-valued orphan override of 2026-11-09 attaches to that day,
 * local midnight in the blob's zone. */
static void blob_only_all_day(int32_t bias, const char *start, const char *end,
				     const char *occurrence)
{
	const char *blob = tp_tz_blob(pl, bias, true, "Custom");
	const struct tp props[] = {
		{ WBXML_Calendar_Timezone, blob, 0 },
		{ WBXML_Calendar_AllDayEvent, "1", 0 },
		{ WBXML_Calendar_StartTime, start, 0 },
		{ WBXML_Calendar_EndTime, end, 0 },
		{ WBXML_Calendar_Subject, "Daily", 0 },
		{ WBXML_Calendar_UID, "blob@x", 0 },
		{ WBXML_Calendar_Recurrence, NULL, 0 },
		{ WBXML_Calendar_Type, "0", 1 },
		{ WBXML_Calendar_Occurrences, "14", 1 },
	};
	struct wbxml_node *ad = tp_appdata(pl, props, sizeof(props) / sizeof(props[0]));
	struct store_item series = tp_store(pl, STORE_CLASS_CALENDAR, ad, 141, NULL, NULL);
	size_t count;
	struct pim_vevent *evs = parse_ok(CAL_BEGIN
		"BEGIN:VEVENT\r\nUID:blob@x\r\nDTSTAMP:20260101T000000Z\r\n"
		"RECURRENCE-ID;VALUE=DATE:20261109\r\nDTSTART;VALUE=DATE:20261109\r\n"
		"DTEND;VALUE=DATE:20261110\r\nSUMMARY:Changed\r\nEND:VEVENT\r\n" CAL_END, &count);
	ck_assert_uint_eq(count, 1);
	ck_assert(evs[0].orphan_override);
	struct store_item out;
	const char *error = NULL;
	ck_assert_msg(pim_vevent_attach(pl, &evs[0], &series, &out, &error) == 0, "attach: %s",
		      error);
	struct wbxml_node *root;
	ck_assert_int_eq(pim_item_decode(pl, &out, &root, &error), 0);
	struct wbxml_node *exs = wbxml_child(root, WBXML_Calendar_Exceptions);
	ck_assert_ptr_nonnull(exs);
	const char *st = wbxml_child_str(exs->children, WBXML_Calendar_ExceptionStartTime);
	const char *s2 = wbxml_child_str(exs->children, WBXML_Calendar_StartTime);
	ck_assert_str_eq(st, occurrence);
	ck_assert_msg(s2 == NULL || strcmp(s2, occurrence) == 0, "start %s", s2);
}

START_TEST(attach_blob_only_all_day)
{
	blob_only_all_day(300, "20261102T050000Z", "20261103T050000Z", "20261109T050000Z");
	blob_only_all_day(-780, "20261101T110000Z", "20261102T110000Z",
			  "20261108T110000Z");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ical-event");
	TCase *tc = tcase_create("vevent");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, import_every_property);
	tcase_add_test(tc, export_every_property);
	tcase_add_test(tc, round_trip_identical);
	tcase_add_test(tc, dst_zones);
	tcase_add_test(tc, all_day);
	tcase_add_test(tc, rrule_types);
	tcase_add_test(tc, hostile);
	tcase_add_test(tc, orphans_and_custom_zones);
	tcase_add_test(tc, exception_edge_cases);
	tcase_add_test(tc, encode);
	tcase_add_test(tc, import_zone_kept);
	tcase_add_test(tc, override_inherits);
	tcase_add_test(tc, attach_blob_only_all_day);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
