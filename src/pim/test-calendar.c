/* test-calendar.c: unit tests of the Calendar class (calendar.c): round trip of every
 * property on 2.5, 12.1, 14.1 and 16.1, the TimeZone blob byte for byte, all-day events in
 * UTC-10 and UTC+13 (Q-CAL-5), exceptions from <= 14.1 and through 16.x InstanceId combined
 * with series edits, UIDs (Q-CAL-4), the organizer and attendee statuses (Q-CAL-3), Outlook's
 * recurring all-day items (Q-CAL-5), bodies of 2.5 and 12.0+ in exceptions, blobs no IANA
 * zone matches, and refused input (stored Recurrence values out of range included). */
#include "pim/test-pim.h"

#include "lib/base64.h"
#include "pim/tz.h"

#include <time.h>

#define C(name, value) { WBXML_Calendar_##name, value, 0 }
#define C1(name, value) { WBXML_Calendar_##name, value, 1 }
#define C2(name, value) { WBXML_Calendar_##name, value, 2 }
#define C3(name, value) { WBXML_Calendar_##name, value, 3 }

static pool *pl;

static void setup(void)
{
	pl = pool_new(0);
}

static void teardown(void)
{
	pool_free(&pl);
}

/* The base64 blob of a zone: bias in minutes (UTC = local + bias), and for a zone with
 * daylight saving its rules (last Sunday of March 02:00 / October 03:00, EU style). */
static const char *blob_b64(int32_t bias, bool eu_dst, const char *std_name)
{
	return tp_tz_blob(pl, bias, eu_dst, std_name);
}

static const char *amsterdam(void)
{
	return blob_b64(-60, true, "W. Europe Standard Time");
}

/* A weekly Monday series at 09:00 Amsterdam from 2026-03-02 (08:00Z; 07:00Z after the
 * change of 2026-03-29) to the end of the year, with a deleted and a moved exception. */
#define SERIES_14(tz)                                                                  \
	C(Timezone, tz), C(AllDayEvent, "0"), { WBXML_Calendar_Attendees, NULL, 0 },       \
	{ WBXML_Calendar_Attendee, NULL, 1 }, C2(Email, "bob@example.com"),                \
	C2(Name, "Bob"), C2(AttendeeStatus, "3"), C2(AttendeeType, "1"),                   \
	{ WBXML_Calendar_Attendee, NULL, 1 }, C2(Email, "room@example.com"),               \
	C2(Name, "Room 4"), C2(AttendeeStatus, "0"), C2(AttendeeType, "3"),                \
	C(BusyStatus, "2"), { WBXML_Calendar_Categories, NULL, 0 },                       \
	C1(Category, "Work"), C1(Category, "Team"), C(DtStamp, "20260220T101500Z"),         \
	C(EndTime, "20260302T090000Z"), C(MeetingStatus, "1"),                             \
	C(OrganizerEmail, "alice@example.com"), C(OrganizerName, "Alice"),                \
	{ WBXML_Calendar_Recurrence, NULL, 0 }, C1(Type, "1"), C1(Interval, "1"),          \
	C1(DayOfWeek, "2"), C1(Until, "20261228T080000Z"), C1(FirstDayOfWeek, "1"),        \
	C(Reminder, "15"), C(Sensitivity, "0"), C(Subject, "Weekly sync"),                 \
	C(StartTime, "20260302T080000Z"), C(DisallowNewTimeProposal, "0"),                 \
	C(ResponseRequested, "1"), C(AppointmentReplyTime, "20260221T120000Z"),            \
	C(ResponseType, "1"), C(OnlineMeetingConfLink, "sip:conf@example.com"),           \
	C(OnlineMeetingExternalLink, "https://meet.example.com/x")

static const struct tp *series_14(size_t *n_r)
{
	const struct tp v[] = {
		SERIES_14(amsterdam()),
		C(Location, "Room 4"),
		C(UID, "040000008200E00074C5B7101A82E00800000000AB"),
		{ WBXML_Calendar_Exceptions, NULL, 0 },
		{ WBXML_Calendar_Exception, NULL, 1 }, C2(Deleted, "1"),
		C2(ExceptionStartTime, "20260309T080000Z"),
		{ WBXML_Calendar_Exception, NULL, 1 },
		C2(ExceptionStartTime, "20260406T070000Z"), C2(StartTime, "20260407T070000Z"),
		C2(EndTime, "20260407T080000Z"), C2(Subject, "Moved sync"),
		C2(Location, "Room 5"),
		{ WBXML_AirSyncBase_Body, NULL, 0 },
		{ WBXML_AirSyncBase_Type, "1", 1 },
		{ WBXML_AirSyncBase_Data, "Agenda: everything.", 1 },
	};
	struct tp *out = pool_calloc(pl, sizeof(v) / sizeof(v[0]), sizeof(*out));
	memcpy(out, v, sizeof(v));
	*n_r = sizeof(v) / sizeof(v[0]);
	return out;
}

/* The entries of v that a device of version has (containers with their children); the
 * body as 2.5 sends it on 2.5. */
static const struct tp *for_version(const struct tp *v, size_t n, int version, size_t *n_r)
{
	struct tp *out = pool_calloc(pl, n + 1, sizeof(*out));
	unsigned vbit = wbxml_version_bit((unsigned)version);
	size_t k = 0;
	int skip_below = -1;

	for (size_t i = 0; i < n; i++) {
		if (skip_below >= 0 && v[i].depth > skip_below)
			continue;
		skip_below = -1;
		if (version == 25 && v[i].tag == WBXML_AirSyncBase_Body) {
			out[k++] = (struct tp){ WBXML_Calendar_Body, v[i + 2].value, 0 };
			skip_below = 0;
			continue;
		}
		if ((wbxml_tag_versions(v[i].tag) & vbit) == 0) {
			skip_below = v[i].depth;
			continue;
		}
		out[k++] = v[i];
	}
	*n_r = k;
	return out;
}

/* Drops EstimatedDataSize from an output body (computed on output). */
static void drop_size(struct wbxml_node *out)
{
	struct wbxml_node *body = wbxml_child(out, WBXML_AirSyncBase_Body);
	if (body == NULL)
		return;
	for (struct wbxml_node **pp = &body->children; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->tag == WBXML_AirSyncBase_EstimatedDataSize) {
			*pp = (*pp)->next;
			return;
		}
	}
}

static int64_t utc(int y, int mo, int d, int h)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h };
	return (int64_t)timegm(&tm);
}

static void roundtrip(int version)
{
	size_t n, vn;
	const struct tp *all = series_14(&n);
	const struct tp *v = for_version(all, n, version, &vn);
	struct wbxml_node *in = tp_appdata(pl, v, vn);
	struct store_item item = tp_store(pl, STORE_CLASS_CALENDAR, in, version, NULL, NULL);

	ck_assert_str_eq(item.uid, "040000008200E00074C5B7101A82E00800000000AB");
	ck_assert_int_eq(item.filter_start, utc(2026, 3, 2, 8));
	/* The end of the last occurrence: Monday 2026-12-28 10:00 CET. */
	ck_assert_int_eq(item.filter_end, utc(2026, 12, 28, 9));
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item, version);
	drop_size(out);
	tp_assert_same(tp_flatten(pl, out), tp_flatten(pl, in));
	/* The blob comes back byte for byte. */
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_Timezone), amsterdam());
}

START_TEST(roundtrip_25)
{
	roundtrip(25);
}
END_TEST

START_TEST(roundtrip_121)
{
	roundtrip(121);
}
END_TEST

START_TEST(roundtrip_141)
{
	roundtrip(141);
}
END_TEST

/* 16.1: ClientUid (becomes the UID), airsyncbase:Location, exceptions with InstanceId. */
START_TEST(roundtrip_161)
{
	const struct tp v[] = {
		SERIES_14(amsterdam()),
		C(ClientUid, "6D0B35F1C8D94B2A9E8A0C7B5E4D3F21"),
		{ WBXML_AirSyncBase_Location, NULL, 0 },
		{ WBXML_AirSyncBase_DisplayName, "Room 4", 1 },
		{ WBXML_AirSyncBase_City, "Amsterdam", 1 },
		{ WBXML_AirSyncBase_Latitude, "52.37", 1 },
		{ WBXML_Calendar_Exceptions, NULL, 0 },
		{ WBXML_Calendar_Exception, NULL, 1 }, C2(Deleted, "1"),
		{ WBXML_AirSyncBase_InstanceId, "20260309T080000Z", 2 },
		{ WBXML_Calendar_Exception, NULL, 1 },
		{ WBXML_AirSyncBase_InstanceId, "20260406T070000Z", 2 },
		C2(Subject, "Moved sync"),
		{ WBXML_AirSyncBase_Body, NULL, 0 },
		{ WBXML_AirSyncBase_Type, "1", 1 },
		{ WBXML_AirSyncBase_Data, "Agenda, 16.1", 1 },
	};
	struct wbxml_node *in = tp_appdata(pl, v, sizeof(v) / sizeof(v[0]));
	struct store_item item = tp_store(pl, STORE_CLASS_CALENDAR, in, 161, NULL, NULL);

	ck_assert_str_eq(item.uid, "6D0B35F1C8D94B2A9E8A0C7B5E4D3F21");
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item, 161);
	drop_size(out);
	/* The same set plus the UID. */
	struct wbxml_node *uid = pim_node_new(pl, WBXML_Calendar_UID,
					      "6D0B35F1C8D94B2A9E8A0C7B5E4D3F21");
	pim_node_append(in, uid);
	tp_assert_same(tp_flatten(pl, out), tp_flatten(pl, in));

	/* The same item on 14.1: calendar:Location from DisplayName, ExceptionStartTime. */
	out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item, 141);
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_Location), "Room 4");
	ck_assert_ptr_null(wbxml_child(out, WBXML_AirSyncBase_Location));
	ck_assert_ptr_null(wbxml_child(out, WBXML_Calendar_ClientUid));
	struct wbxml_node *exs = wbxml_child(out, WBXML_Calendar_Exceptions);
	ck_assert_ptr_nonnull(exs);
	ck_assert_str_eq(tp_get(exs->children, WBXML_Calendar_ExceptionStartTime),
			 "20260309T080000Z");
	ck_assert_str_eq(tp_get(exs->children->next, WBXML_Calendar_Subject), "Moved sync");
	ck_assert_ptr_null(wbxml_child(exs->children, WBXML_AirSyncBase_InstanceId));
}
END_TEST

/* Every recurrence type is stored and returned as sent. */
START_TEST(recurrence_types)
{
	static const struct {
		const char *type, *dow, *dom, *wom, *moy, *interval, *occ;
	} cases[] = {
		{ "0", NULL, NULL, NULL, NULL, "2", "10" },
		{ "1", "62", NULL, NULL, NULL, "1", NULL },
		{ "2", NULL, "15", NULL, NULL, "1", "12" },
		{ "3", "4", NULL, "5", NULL, "1", NULL },
		{ "5", NULL, "2", NULL, "3", "1", NULL },
		{ "6", "2", NULL, "5", "3", "1", "4" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tp v[16];
		size_t n = 0;
		v[n++] = (struct tp)C(StartTime, "20260302T080000Z");
		v[n++] = (struct tp)C(EndTime, "20260302T090000Z");
		v[n++] = (struct tp){ WBXML_Calendar_Recurrence, NULL, 0 };
		v[n++] = (struct tp)C1(Type, cases[i].type);
		if (cases[i].interval != NULL)
			v[n++] = (struct tp)C1(Interval, cases[i].interval);
		if (cases[i].occ != NULL)
			v[n++] = (struct tp)C1(Occurrences, cases[i].occ);
		if (cases[i].dow != NULL)
			v[n++] = (struct tp)C1(DayOfWeek, cases[i].dow);
		if (cases[i].dom != NULL)
			v[n++] = (struct tp)C1(DayOfMonth, cases[i].dom);
		if (cases[i].wom != NULL)
			v[n++] = (struct tp)C1(WeekOfMonth, cases[i].wom);
		if (cases[i].moy != NULL)
			v[n++] = (struct tp)C1(MonthOfYear, cases[i].moy);
		v[n++] = (struct tp)C1(CalendarType, "1");
		v[n++] = (struct tp)C1(IsLeapMonth, "0");
		v[n++] = (struct tp)C(Subject, "r");
		for (int version = 141; version <= 161; version += 20) {
			struct wbxml_node *in = tp_appdata(pl, v, n);
			struct store_item item = tp_store(pl, STORE_CLASS_CALENDAR, in, version,
							  NULL, NULL);
			struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item,
								version);
			struct wbxml_node *ms = wbxml_child(out, WBXML_Calendar_MeetingStatus);
			ck_assert_str_eq(wbxml_node_str(ms), "0"); /* Q-CAL-3: always a number */
			/* MS-ASCAL 2.2.2.46: a new 16.x item without ClientUid gets a UID. */
			struct wbxml_node *uid = wbxml_child(out, WBXML_Calendar_UID);
			if (version >= 160) {
				ck_assert_ptr_nonnull(uid);
				ck_assert_uint_eq(strlen(wbxml_node_str(uid)), 32);
				ck_assert_uint_eq(strspn(wbxml_node_str(uid), "0123456789ABCDEF"),
						  32);
				ck_assert_str_eq(item.uid, wbxml_node_str(uid));
				pim_node_append(in, pim_node_new(pl, WBXML_Calendar_UID,
								 item.uid));
			} else {
				ck_assert_ptr_null(uid);
			}
			pim_node_append(in, pim_node_new(pl, WBXML_Calendar_MeetingStatus, "0"));
			tp_assert_same(tp_flatten(pl, out), tp_flatten(pl, in));
		}
	}
}
END_TEST

/* All-day events on the right date in UTC-10 and UTC+13: <= 14.1 carries the UTC instant of
 * local midnight, 16.x the date with no time component and no TimeZone (MS-ASCAL 2.2.2.1,
 * Q-CAL-5). */
static void all_day(int32_t bias, const char *start_utc, const char *end_utc)
{
	const char *tz = blob_b64(bias, false, "Custom");
	const struct tp v14[] = { C(Timezone, tz), C(AllDayEvent, "1"),
				  C(StartTime, start_utc), C(EndTime, end_utc),
				  C(Subject, "Holiday") };
	struct store_item item = tp_store(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, v14, 5), 141,
					  NULL, NULL);
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item, 141);
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_StartTime), start_utc);
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_EndTime), end_utc);
	out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item, 161);
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_StartTime), "20261125T000000Z");
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_EndTime), "20261126T000000Z");
	ck_assert_ptr_null(tp_get(out, WBXML_Calendar_Timezone));

	/* From a 16.1 device, with or without Z: the dates in the item's zone, the same
	 * instants (a client that sends a TimeZone anyway). */
	for (int z = 0; z < 2; z++) {
		const struct tp v16[] = { C(Timezone, tz), C(AllDayEvent, "1"),
					  C(StartTime, z ? "20261125T000000Z" : "20261125T000000"),
					  C(EndTime, z ? "20261126T000000Z" : "20261126T000000"),
					  C(Subject, "Holiday") };
		struct store_item item16 = tp_store(pl, STORE_CLASS_CALENDAR,
						    tp_appdata(pl, v16, 5), 161, NULL, NULL);
		ck_assert_int_eq(item16.filter_start, item.filter_start);
		ck_assert_int_eq(item16.filter_end, item.filter_end);
		out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item16, 141);
		ck_assert_str_eq(tp_get(out, WBXML_Calendar_StartTime), start_utc);
		ck_assert_str_eq(tp_get(out, WBXML_Calendar_EndTime), end_utc);
	}
	/* A 16.1 Change of the dates (no TimeZone, as MS-ASCAL 2.2.2.1 says) keeps the date
	 * in the zone the item has for the 14.1 device. */
	const struct tp c16[] = { C(AllDayEvent, "1"), C(StartTime, "20261127T000000Z"),
				  C(EndTime, "20261128T000000Z"), C(Subject, "Holiday") };
	struct pim_supported sup = { 0 };
	struct store_item changed = tp_store(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, c16, 4),
					     161, &item, &sup);
	out = tp_out_version(pl, STORE_CLASS_CALENDAR, &changed, 161);
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_StartTime), "20261127T000000Z");
	out = tp_out_version(pl, STORE_CLASS_CALENDAR, &changed, 141);
	const char *tz_out = tp_get(out, WBXML_Calendar_Timezone);
	ck_assert_ptr_nonnull(tz_out);
	if (strcmp(tz_out, tz) == 0)
		ck_assert_int_eq(changed.filter_start, item.filter_start + 2 * 86400);
	else
		ck_assert_str_eq(tp_get(out, WBXML_Calendar_StartTime), "20261127T000000Z");

	/* Q-CAL-5: a zero-length all-day event lasts one day. */
	const struct tp v0[] = { C(Timezone, tz), C(AllDayEvent, "1"),
				 C(StartTime, start_utc), C(EndTime, start_utc) };
	struct store_item item0 = tp_store(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, v0, 4), 141,
					   NULL, NULL);
	out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item0, 141);
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_EndTime), end_utc);
}

START_TEST(all_day_utc_minus_10)
{
	all_day(600, "20261125T100000Z", "20261126T100000Z");
}
END_TEST

START_TEST(all_day_utc_plus_13)
{
	all_day(-780, "20261124T110000Z", "20261125T110000Z");
}
END_TEST

/* A 16.1 all-day event without a TimeZone (MS-ASCAL 2.2.2.1) is that date: midnight UTC,
 * and a 14.1 device is told the zone is UTC so that it shows the same date. */
START_TEST(all_day_16_without_zone)
{
	const struct tp v16[] = { C(AllDayEvent, "1"), C(StartTime, "20261225T000000Z"),
				  C(EndTime, "20261226T000000Z"), C(Subject, "Christmas") };
	struct wbxml_node *in = tp_appdata(pl, v16, 4);
	struct wbxml_node *rec = pim_node_new(pl, WBXML_Calendar_Recurrence, NULL);
	pim_node_append(rec, pim_node_new(pl, WBXML_Calendar_Type, "5"));
	pim_node_append(rec, pim_node_new(pl, WBXML_Calendar_DayOfMonth, "25"));
	pim_node_append(rec, pim_node_new(pl, WBXML_Calendar_MonthOfYear, "12"));
	pim_node_append(rec, pim_node_new(pl, WBXML_Calendar_Until, "20301225T000000Z"));
	pim_node_append(in, rec);
	struct store_item item = tp_store(pl, STORE_CLASS_CALENDAR, in, 161, NULL, NULL);
	ck_assert_int_eq(item.filter_start, 1798156800); /* 2026-12-25 00:00 UTC */
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item, 141);
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_StartTime), "20261225T000000Z");
	const char *tz = tp_get(out, WBXML_Calendar_Timezone);
	ck_assert_ptr_nonnull(tz);
	struct wbxml_node *orec = wbxml_child(out, WBXML_Calendar_Recurrence);
	ck_assert_str_eq(wbxml_child_str(orec, WBXML_Calendar_Until), "20301225T000000Z");
	out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item, 161);
	ck_assert_ptr_null(tp_get(out, WBXML_Calendar_Timezone));
	orec = wbxml_child(out, WBXML_Calendar_Recurrence);
	ck_assert_str_eq(wbxml_child_str(orec, WBXML_Calendar_Until), "20301225T000000Z");
	/* Not all-day: no TimeZone is invented. */
	const struct tp timed[] = { C(StartTime, "20261225T090000Z"),
				    C(EndTime, "20261225T100000Z"), C(Subject, "t") };
	struct store_item t = tp_store(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, timed, 3), 161,
				       NULL, NULL);
	ck_assert_ptr_null(tp_get(tp_out_version(pl, STORE_CLASS_CALENDAR, &t, 141),
				  WBXML_Calendar_Timezone));
}
END_TEST

/* 14.1 device A keeps a series; 16.1 device B changes and deletes occurrences with
 * InstanceId; A edits the series without Exceptions: everything survives. */
/* A 14.1 device's series Change with its Exceptions list, made on a version it had not seen
 * (stale): the exceptions another device made since are kept beside its own; a device that
 * had seen them and leaves them out removes them. */
START_TEST(stale_exception_list)
{
	const struct pim_class_ops *ops = pim_class(STORE_CLASS_CALENDAR);
	size_t n;
	const struct tp *all = series_14(&n);
	struct store_item item = tp_store(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, all, n), 141,
					  NULL, NULL);
	const struct tp change[] = {
		SERIES_14(amsterdam()),
		C(Location, "Room 9"),
		{ WBXML_Calendar_Exceptions, NULL, 0 },
		{ WBXML_Calendar_Exception, NULL, 1 },
		C2(ExceptionStartTime, "20260413T070000Z"), C2(Subject, "A's own"),
	};
	size_t cn = sizeof(change) / sizeof(change[0]);
	const char *error = NULL;

	for (int stale = 0; stale < 2; stale++) {
		struct pim_in_options in = { .version = 141, .stale = stale == 1 };
		struct store_item out_item;
		ck_assert_msg(ops->from_eas_opt(pl, tp_appdata(pl, change, cn), &in, &item, NULL,
						&out_item, &error) == 0, "%s", error);
		struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &out_item, 141);
		ck_assert_str_eq(tp_get(out, WBXML_Calendar_Location), "Room 9");
		const char *flat = tp_flatten(pl, wbxml_child(out, WBXML_Calendar_Exceptions));
		ck_assert_ptr_nonnull(strstr(flat, "Subject=A's own"));
		ck_assert((strstr(flat, "ExceptionStartTime=20260309T080000Z") != NULL) == stale);
		ck_assert((strstr(flat, "Subject=Moved sync") != NULL) == stale);
	}
}
END_TEST

START_TEST(exceptions_combined)
{
	const struct pim_class_ops *ops = pim_class(STORE_CLASS_CALENDAR);
	size_t n;
	const struct tp *all = series_14(&n);
	struct store_item item = tp_store(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, all, n), 141,
					  NULL, NULL);
	struct pim_in_options in = { .version = 161, .instance_id = "20260413T070000Z" };
	const struct tp occ[] = { C(Subject, "Retitled"), C(StartTime, "20260413T080000Z"),
				  C(EndTime, "20260413T090000Z") };
	struct store_item changed, deleted, edited;
	const char *error = NULL;

	ck_assert_ptr_nonnull(ops->from_eas_opt);
	ck_assert_int_eq(ops->from_eas_opt(pl, tp_appdata(pl, occ, 3), &in, &item, NULL,
					   &changed, &error), 0);
	in.instance_id = "20260420T070000Z";
	in.delete_instance = true;
	ck_assert_int_eq(ops->from_eas_opt(pl, NULL, &in, &changed, NULL, &deleted, &error), 0);
	/* A series edit from the 14.1 device, without Exceptions. */
	const struct tp edit[] = { C(Subject, "Weekly sync (new name)") };
	edited = tp_store(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, edit, 1), 141, &deleted,
			  NULL);

	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &edited, 141);
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_Subject), "Weekly sync (new name)");
	const char *flat = tp_flatten(pl, wbxml_child(out, WBXML_Calendar_Exceptions));
	ck_assert_ptr_nonnull(strstr(flat, "ExceptionStartTime=20260309T080000Z"));
	ck_assert_ptr_nonnull(strstr(flat, "Subject=Moved sync"));
	ck_assert_ptr_nonnull(strstr(flat, "Subject=Retitled"));
	ck_assert_ptr_nonnull(strstr(flat, "ExceptionStartTime=20260413T070000Z"));
	ck_assert_ptr_nonnull(strstr(flat, "ExceptionStartTime=20260420T070000Z"));
	int deleted_count = 0;
	for (const struct wbxml_node *ex = wbxml_child(out, WBXML_Calendar_Exceptions)->children;
	     ex != NULL; ex = ex->next) {
		const char *d = tp_get(ex, WBXML_Calendar_Deleted);
		deleted_count += d != NULL && strcmp(d, "1") == 0;
	}
	ck_assert_int_eq(deleted_count, 2);

	/* 16.1 gets InstanceId, and a 16.1 series edit with a Supported list naming Exceptions
	 * still keeps them (16.x never sends Exceptions with the series). */
	static const uint16_t sup_tags[] = { WBXML_Calendar_Subject, WBXML_Calendar_Exceptions };
	struct pim_supported sup = { .declared = true, .tags = sup_tags, .count = 2 };
	struct store_item edited16 = tp_store(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, edit, 1),
					      161, &edited, &sup);
	out = tp_out_version(pl, STORE_CLASS_CALENDAR, &edited16, 161);
	flat = tp_flatten(pl, wbxml_child(out, WBXML_Calendar_Exceptions));
	ck_assert_ptr_nonnull(strstr(flat, "AirSyncBase:InstanceId=20260413T070000Z"));
	ck_assert_ptr_null(strstr(flat, "ExceptionStartTime"));

	/* A 14.1 client that declares Exceptions and sends none removes them (ghosting). */
	struct store_item cleared = tp_store(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, edit, 1),
					     141, &edited, &sup);
	out = tp_out_version(pl, STORE_CLASS_CALENDAR, &cleared, 141);
	ck_assert_ptr_null(wbxml_child(out, WBXML_Calendar_Exceptions));

	/* InstanceId on an item that does not recur, or that is not a date: refused. */
	const struct tp single[] = { C(StartTime, "20260302T080000Z"),
				     C(EndTime, "20260302T090000Z") };
	struct store_item one = tp_store(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, single, 2), 161,
					 NULL, NULL);
	in.delete_instance = false;
	in.instance_id = "20260302T080000Z";
	ck_assert_int_eq(ops->from_eas_opt(pl, tp_appdata(pl, occ, 3), &in, &one, NULL,
					   &changed, &error), -1);
	in.instance_id = "soon";
	ck_assert_int_eq(ops->from_eas_opt(pl, tp_appdata(pl, occ, 3), &in, &item, NULL,
					   &changed, &error), -1);
}
END_TEST

/* filter_end: an endless series stays in every window; Q-CAL-6: an exception a few hours
 * off the occurrence is matched on the local date and keeps the series' time. */
START_TEST(series_metadata)
{
	const struct tp endless[] = { C(Timezone, amsterdam()), C(StartTime, "20200106T080000Z"),
				      C(EndTime, "20200106T090000Z"),
				      { WBXML_Calendar_Recurrence, NULL, 0 }, C1(Type, "1"),
				      C1(DayOfWeek, "2") };
	struct store_item item = tp_store(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, endless, 6),
					  141, NULL, NULL);
	ck_assert_int_eq(item.filter_start, utc(2020, 1, 6, 8));
	ck_assert(item.filter_end == STORE_TIME_MAX);
	const struct tp off[] = { C(Timezone, amsterdam()), C(StartTime, "20260302T080000Z"),
				  C(EndTime, "20260302T090000Z"),
				  { WBXML_Calendar_Recurrence, NULL, 0 }, C1(Type, "1"),
				  C1(DayOfWeek, "2"), C1(Occurrences, "10"),
				  { WBXML_Calendar_Exceptions, NULL, 0 },
				  { WBXML_Calendar_Exception, NULL, 1 }, C2(Deleted, "1"),
				  C2(ExceptionStartTime, "20260316T000000Z") };
	item = tp_store(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, off, 11), 141, NULL, NULL);
	/* Ten Mondays: the last on 2026-05-04 at 09:00 CEST. */
	ck_assert_int_eq(item.filter_end, utc(2026, 5, 4, 8));
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item, 141);
	struct wbxml_node *exs = wbxml_child(out, WBXML_Calendar_Exceptions);
	ck_assert_ptr_nonnull(exs);
	ck_assert_str_eq(tp_get(exs->children, WBXML_Calendar_ExceptionStartTime),
			 "20260316T080000Z");
}
END_TEST

/* Q-CAL-4: an iOS ClientUid ends with a NUL (sent as opaque data): stripped. */
START_TEST(client_uid_nul)
{
	struct wbxml_writer w;
	buf b = BUF_INIT;
	const char *error;
	static const char uid[] = "0123456789ABCDEF0123456789ABCDEF";

	wbxml_writer_init(&w, &b, 0);
	wbxml_start(&w, WBXML_AirSync_ApplicationData);
	wbxml_elem_opaque(&w, WBXML_Calendar_ClientUid, uid, sizeof(uid)); /* with the NUL */
	wbxml_elem_str(&w, WBXML_Calendar_StartTime, "20261125T090000Z");
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	struct wbxml_node *in = tp_decode(pl, &b);
	buf_free(&b);
	struct store_item item = tp_store(pl, STORE_CLASS_CALENDAR, in, 161, NULL, NULL);
	ck_assert_str_eq(item.uid, uid);
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item, 161);
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_ClientUid), uid);
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_UID), uid);
}
END_TEST

/* Q-CAL-3: "I organize" without an organizer gets the account owner; Q-PARSE-1: an empty
 * Attendees is accepted. */
START_TEST(organizer_owner)
{
	const struct pim_class_ops *ops = pim_class(STORE_CLASS_CALENDAR);
	const struct tp v[] = { C(MeetingStatus, "1"), C(StartTime, "20261125T090000Z"),
				C(EndTime, "20261125T100000Z"), C(Attendees, NULL) };
	struct pim_in_options in = { .version = 141, .owner_email = "k2@example.com",
				     .owner_name = "K Two" };
	struct store_item item;
	const char *error = NULL;

	ck_assert_int_eq(ops->from_eas_opt(pl, tp_appdata(pl, v, 4), &in, NULL, NULL, &item,
					   &error), 0);
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item, 141);
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_OrganizerEmail), "k2@example.com");
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_OrganizerName), "K Two");
	ck_assert_ptr_null(wbxml_child(out, WBXML_Calendar_Attendees));
	/* A received meeting (3) keeps no organizer of ours. */
	const struct tp r[] = { C(MeetingStatus, "3"), C(StartTime, "20261125T090000Z") };
	ck_assert_int_eq(ops->from_eas_opt(pl, tp_appdata(pl, r, 2), &in, NULL, NULL, &item,
					   &error), 0);
	out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item, 141);
	ck_assert_ptr_null(wbxml_child(out, WBXML_Calendar_OrganizerEmail));
}
END_TEST

/* Input that cannot be stored: Status 6 by the caller, nothing written. */
START_TEST(refused)
{
	const struct tp bad_blob[] = { C(Timezone, "AAAA"), C(StartTime, "20261125T090000Z") };
	tp_store_fails(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, bad_blob, 2), 141);
	const struct tp not_b64[] = { C(Timezone, "!!not base64!!") };
	tp_store_fails(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, not_b64, 1), 141);
	const struct tp bad_date[] = { C(StartTime, "tomorrow") };
	tp_store_fails(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, bad_date, 1), 141);
	const struct tp backwards[] = { C(StartTime, "20261125T090000Z"),
					C(EndTime, "20261125T080000Z") };
	tp_store_fails(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, backwards, 2), 141);
	const struct tp bad_type[] = { C(StartTime, "20261125T090000Z"),
				       { WBXML_Calendar_Recurrence, NULL, 0 }, C1(Type, "9") };
	tp_store_fails(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, bad_type, 3), 141);
	const struct tp no_type[] = { C(StartTime, "20261125T090000Z"),
				      { WBXML_Calendar_Recurrence, NULL, 0 },
				      C1(Interval, "2") };
	tp_store_fails(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, no_type, 3), 141);
	const struct tp ex_no_recur[] = { C(StartTime, "20261125T090000Z"),
					  { WBXML_Calendar_Exceptions, NULL, 0 },
					  { WBXML_Calendar_Exception, NULL, 1 },
					  C2(ExceptionStartTime, "20261125T090000Z"),
					  C2(Deleted, "1") };
	tp_store_fails(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, ex_no_recur, 5), 141);
	const struct tp ex_no_start[] = { C(StartTime, "20261125T090000Z"),
					  { WBXML_Calendar_Recurrence, NULL, 0 }, C1(Type, "0"),
					  { WBXML_Calendar_Exceptions, NULL, 0 },
					  { WBXML_Calendar_Exception, NULL, 1 },
					  C2(Deleted, "1") };
	tp_store_fails(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, ex_no_start, 6), 141);
	const struct tp bad_att[] = { C(StartTime, "20261125T090000Z"),
				      { WBXML_Calendar_Attendees, NULL, 0 },
				      { WBXML_Calendar_Attendee, NULL, 1 },
				      C2(Email, "x@example.com"), C2(AttendeeType, "7") };
	tp_store_fails(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, bad_att, 5), 141);
	const struct tp att_other[] = { { WBXML_Calendar_Attendees, NULL, 0 },
					C1(Email, "x@example.com") };
	tp_store_fails(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, att_other, 2), 141);
	/* Impossible recurrences (pim_recur_validate). */
	const struct tp feb30[] = { C(StartTime, "20260302T080000Z"),
				    { WBXML_Calendar_Recurrence, NULL, 0 }, C1(Type, "5"),
				    C1(MonthOfYear, "2"), C1(DayOfMonth, "30") };
	tp_store_fails(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, feb30, 5), 141);
	const struct tp monthly_nothing[] = { C(StartTime, "20260302T080000Z"),
					      { WBXML_Calendar_Recurrence, NULL, 0 },
					      C1(Type, "2") };
	tp_store_fails(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, monthly_nothing, 3), 141);
	/* Exceptions outside the series: a Tuesday of a Monday series, after Until. */
	for (int k = 0; k < 2; k++) {
		const struct tp outside[] = {
			C(Timezone, amsterdam()), C(StartTime, "20260302T080000Z"),
			C(EndTime, "20260302T090000Z"), { WBXML_Calendar_Recurrence, NULL, 0 },
			C1(Type, "1"), C1(DayOfWeek, "2"), C1(Until, "20261228T080000Z"),
			{ WBXML_Calendar_Exceptions, NULL, 0 },
			{ WBXML_Calendar_Exception, NULL, 1 }, C2(Deleted, "1"),
			C2(ExceptionStartTime, k == 0 ? "20260310T080000Z" : "20270104T080000Z"),
		};
		tp_store_fails(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, outside, 11), 141);
	}
	const struct tp busy[] = { C(BusyStatus, "9") };
	tp_store_fails(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, busy, 1), 141);
}
END_TEST

/* A stored form written directly (not through from_eas): rows the converter did not just
 * check, e.g. written by an older easd. */
static struct store_item raw_stored(const struct tp *props, size_t count)
{
	buf b = BUF_INIT;
	struct store_item item;

	tp_encode(props, count, &b);
	memset(&item, 0, sizeof(item));
	item.data = pool_memdup(pl, b.data, b.len);
	item.data_len = b.len;
	buf_free(&b);
	return item;
}

/* recur_read checks the full value before narrowing it: DayOfWeek 258 (2 as a byte) or
 * FirstDayOfWeek 262 in a stored series refuse a Change and an InstanceId Change (Status 6,
 * nothing written) instead of passing as Monday / Saturday. */
START_TEST(recur_values_bounded)
{
	const struct pim_class_ops *ops = pim_class(STORE_CLASS_CALENDAR);
	/* As bytes these would be 2 (Monday) and 6 (Saturday): valid. */
	static const char *const bad[][2] = { { "258", NULL }, { "2", "262" },
					      { "4294967298", NULL } };
	const char *error = NULL;
	struct store_item out;

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct tp v[8];
		size_t n = 0;
		v[n++] = (struct tp)C(Timezone, amsterdam());
		v[n++] = (struct tp)C(EndTime, "20260302T090000Z");
		v[n++] = (struct tp){ WBXML_Calendar_Recurrence, NULL, 0 };
		v[n++] = (struct tp)C1(Type, "1");
		v[n++] = (struct tp)C1(DayOfWeek, bad[k][0]);
		if (bad[k][1] != NULL)
			v[n++] = (struct tp)C1(FirstDayOfWeek, bad[k][1]);
		v[n++] = (struct tp)C(StartTime, "20260302T080000Z");
		struct store_item stored = raw_stored(v, n);
		/* A client Add of the same is refused too (item.c's range check). */
		tp_store_fails(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, v, n), 141);

		const struct tp edit[] = { C(Subject, "x") };
		memset(&out, 0, sizeof(out));
		ck_assert_int_eq(ops->from_eas(pl, tp_appdata(pl, edit, 1), 141, &stored, NULL,
					       &out, &error), -1);
		ck_assert_ptr_null(out.data);
		ck_assert_ptr_nonnull(strstr(error, bad[k][1] != NULL ? "262" : bad[k][0]));
		struct pim_in_options in = { .version = 161, .instance_id = "20260309T080000Z",
					     .delete_instance = true };
		ck_assert_int_eq(ops->from_eas_opt(pl, NULL, &in, &stored, NULL, &out, &error), -1);
		ck_assert_ptr_null(out.data);
	}
}
END_TEST

/* A blob that no IANA zone matches (UTC+01:30 with EU daylight saving) expands by its own
 * rules (recur.h: zone NULL, blob), not in UTC: ten Mondays at 09:00 local end on
 * 2026-05-04 at 10:00 local = 07:30Z (UTC+02:30 then). */
START_TEST(unmapped_blob_series)
{
	const char *tz = blob_b64(-90, true, "Custom");
	struct pim_tz_blob blob;
	buf raw = BUF_INIT;
	const char *error;

	ck_assert_int_eq(base64_decode(&raw, tz, strlen(tz), &error), 0);
	ck_assert_int_eq(pim_tz_blob_decode(raw.data, raw.len, &blob, &error), 0);
	buf_free(&raw);
	ck_assert_ptr_null(pim_tz_from_blob(&blob)); /* the premise */
	const struct tp v[] = { C(Timezone, tz), C(StartTime, "20260302T073000Z"),
				C(EndTime, "20260302T083000Z"),
				{ WBXML_Calendar_Recurrence, NULL, 0 }, C1(Type, "1"),
				C1(DayOfWeek, "2"), C1(Occurrences, "10"),
				{ WBXML_Calendar_Exceptions, NULL, 0 },
				{ WBXML_Calendar_Exception, NULL, 1 }, C2(Deleted, "1"),
				C2(ExceptionStartTime, "20260504T063000Z") };
	struct store_item item = tp_store(pl, STORE_CLASS_CALENDAR,
					  tp_appdata(pl, v, sizeof(v) / sizeof(v[0])), 141, NULL,
					  NULL);
	ck_assert_int_eq(item.filter_start, utc(2026, 3, 2, 7) + 1800);
	ck_assert_int_eq(item.filter_end, utc(2026, 5, 4, 7) + 1800);
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item, 141);
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_Timezone), tz);
	struct wbxml_node *exs = wbxml_child(out, WBXML_Calendar_Exceptions);
	ck_assert_ptr_nonnull(exs);
	ck_assert_str_eq(tp_get(exs->children, WBXML_Calendar_ExceptionStartTime),
			 "20260504T063000Z");
}
END_TEST

/* Q-CAL-5 on input: Outlook desktop's recurring all-day item (local midnight to local
 * midnight in its zone, AllDayEvent absent or 0) is stored as all-day; timed, shorter,
 * non-recurring or zoneless items are not; a zero-length all-day exception lasts a day. */
START_TEST(outlook_all_day)
{
	static const struct {
		const char *start, *end, *all_day;
		bool recurring, zone, expect;
	} cases[] = {
		/* Monday 2 March 2026 00:00-24:00 Amsterdam (CET, UTC+1). */
		{ "20260301T230000Z", "20260302T230000Z", NULL, true, true, true },
		{ "20260301T230000Z", "20260302T230000Z", "0", true, true, true },
		/* Two days. */
		{ "20260301T230000Z", "20260303T230000Z", NULL, true, true, true },
		/* Sunday 29 March, the 23-hour day of the spring change: still a whole day. */
		{ "20260328T230000Z", "20260329T220000Z", NULL, true, true, true },
		/* Not recurring: left alone (Outlook sets AllDayEvent on single items). */
		{ "20260301T230000Z", "20260302T230000Z", NULL, false, true, false },
		/* 01:00 to 01:00 local: not midnight. */
		{ "20260302T000000Z", "20260303T000000Z", NULL, true, true, false },
		/* Midnight to noon. */
		{ "20260301T230000Z", "20260302T110000Z", NULL, true, true, false },
		/* No Timezone: local midnight unknown. */
		{ "20260302T000000Z", "20260303T000000Z", NULL, true, false, false },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct tp v[10];
		size_t n = 0;
		if (cases[k].zone)
			v[n++] = (struct tp)C(Timezone, amsterdam());
		if (cases[k].all_day != NULL)
			v[n++] = (struct tp)C(AllDayEvent, cases[k].all_day);
		v[n++] = (struct tp)C(StartTime, cases[k].start);
		v[n++] = (struct tp)C(EndTime, cases[k].end);
		if (cases[k].recurring) {
			v[n++] = (struct tp){ WBXML_Calendar_Recurrence, NULL, 0 };
			v[n++] = (struct tp)C1(Type, "0");
			v[n++] = (struct tp)C1(Interval, "7");
		}
		struct store_item item = tp_store(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, v, n),
						  141, NULL, NULL);
		struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item, 141);
		const char *ad = tp_get(out, WBXML_Calendar_AllDayEvent);
		ck_assert_msg((ad != NULL && strcmp(ad, "1") == 0) == cases[k].expect,
			      "case %zu: AllDayEvent %s", k, ad != NULL ? ad : "(none)");
		/* The times themselves are kept. */
		ck_assert_str_eq(tp_get(out, WBXML_Calendar_StartTime), cases[k].start);
		ck_assert_str_eq(tp_get(out, WBXML_Calendar_EndTime), cases[k].end);
		if (k == 0) {
			/* 16.1 then gets the dates of an all-day item, no TimeZone. */
			out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item, 161);
			ck_assert_str_eq(tp_get(out, WBXML_Calendar_StartTime), "20260302T000000Z");
			ck_assert_str_eq(tp_get(out, WBXML_Calendar_EndTime), "20260303T000000Z");
			ck_assert_ptr_null(tp_get(out, WBXML_Calendar_Timezone));
		}
	}

	/* A yearly all-day series (Nokia: zero length) and a zero-length all-day exception. */
	const struct tp y[] = { C(Timezone, amsterdam()), C(AllDayEvent, "1"),
				C(StartTime, "20260301T230000Z"), C(EndTime, "20260301T230000Z"),
				{ WBXML_Calendar_Recurrence, NULL, 0 }, C1(Type, "5"),
				C1(DayOfMonth, "2"), C1(MonthOfYear, "3"),
				{ WBXML_Calendar_Exceptions, NULL, 0 },
				{ WBXML_Calendar_Exception, NULL, 1 },
				C2(ExceptionStartTime, "20270301T230000Z"),
				C2(StartTime, "20270302T230000Z"), C2(EndTime, "20270302T230000Z"),
				C2(Subject, "a day later") };
	struct store_item item = tp_store(pl, STORE_CLASS_CALENDAR,
					  tp_appdata(pl, y, sizeof(y) / sizeof(y[0])), 141, NULL,
					  NULL);
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item, 141);
	ck_assert_str_eq(tp_get(out, WBXML_Calendar_EndTime), "20260302T230000Z");
	struct wbxml_node *exs = wbxml_child(out, WBXML_Calendar_Exceptions);
	ck_assert_ptr_nonnull(exs);
	ck_assert_str_eq(tp_get(exs->children, WBXML_Calendar_EndTime), "20270303T230000Z");
}
END_TEST

/* Q-CAL-3 on output: attendee statuses only on the organizer's copy. MeetingStatus decides
 * (the owner's address is not among the output options): received 3, 7, 11, 15 go out
 * without AttendeeStatus (series and exceptions), the organizer's 1, 5, 9, 13 with it. */
START_TEST(attendee_status_organizer_only)
{
	static const struct {
		const char *ms;
		bool statuses;
	} cases[] = { { "1", true }, { "3", false }, { "5", true }, { "7", false },
		      { "9", true }, { "11", false }, { "13", true }, { "15", false },
		      { NULL, true } };
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct tp v[24];
		size_t n = 0;
		v[n++] = (struct tp){ WBXML_Calendar_Attendees, NULL, 0 };
		v[n++] = (struct tp){ WBXML_Calendar_Attendee, NULL, 1 };
		v[n++] = (struct tp)C2(Email, "bob@example.com");
		v[n++] = (struct tp)C2(Name, "Bob");
		v[n++] = (struct tp)C2(AttendeeStatus, "3");
		v[n++] = (struct tp)C2(AttendeeType, "1");
		v[n++] = (struct tp)C(EndTime, "20260302T090000Z");
		v[n++] = (struct tp){ WBXML_Calendar_Exceptions, NULL, 0 };
		v[n++] = (struct tp){ WBXML_Calendar_Exception, NULL, 1 };
		v[n++] = (struct tp)C2(ExceptionStartTime, "20260309T080000Z");
		v[n++] = (struct tp)C2(Subject, "moved");
		v[n++] = (struct tp){ WBXML_Calendar_Attendees, NULL, 2 };
		v[n++] = (struct tp){ WBXML_Calendar_Attendee, NULL, 3 };
		v[n++] = (struct tp){ WBXML_Calendar_Email, "cy@example.com", 4 };
		v[n++] = (struct tp){ WBXML_Calendar_AttendeeStatus, "4", 4 };
		if (cases[k].ms != NULL)
			v[n++] = (struct tp)C(MeetingStatus, cases[k].ms);
		v[n++] = (struct tp)C(OrganizerEmail, "alice@example.com");
		v[n++] = (struct tp){ WBXML_Calendar_Recurrence, NULL, 0 };
		v[n++] = (struct tp)C1(Type, "1");
		v[n++] = (struct tp)C1(DayOfWeek, "2");
		v[n++] = (struct tp)C(StartTime, "20260302T080000Z");
		struct store_item item = tp_store(pl, STORE_CLASS_CALENDAR, tp_appdata(pl, v, n),
						  141, NULL, NULL);
		for (int version = 121; version <= 161; version += 20) {
			struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &item,
								version);
			const char *flat = tp_flatten(pl, out);
			ck_assert_ptr_nonnull(strstr(flat, "Attendee/Calendar:Email=bob@example.com"));
			ck_assert_ptr_nonnull(strstr(flat, "Attendee/Calendar:AttendeeType=1"));
			ck_assert_ptr_nonnull(strstr(flat, "Attendee/Calendar:Email=cy@example.com"));
			bool has = strstr(flat, "AttendeeStatus=3") != NULL;
			bool ex_has = strstr(flat, "AttendeeStatus=4") != NULL;
			ck_assert_msg(has == cases[k].statuses && ex_has == cases[k].statuses,
				      "MeetingStatus %s on %d: %s", cases[k].ms ? cases[k].ms : "-",
				      version, flat);
		}
		/* Stored as sent: an organizer's later copy still has them. */
		struct wbxml_node *ad;
		const char *error;
		ck_assert_int_eq(pim_item_decode(pl, &item, &ad, &error), 0);
		ck_assert_ptr_nonnull(strstr(tp_flatten(pl, ad), "AttendeeStatus=3"));
	}
}
END_TEST

/* The body text of an item or exception as a device got it: airsyncbase:Body's Data on
 * 12.0+ (and no calendar:Body), calendar:Body on 2.5 (and no airsyncbase:Body). */
static void assert_body(const struct wbxml_node *n, int version, const char *text)
{
	if (version == 25) {
		ck_assert_ptr_null(wbxml_child(n, WBXML_AirSyncBase_Body));
		ck_assert_ptr_nonnull(wbxml_child(n, WBXML_Calendar_Body));
		ck_assert_str_eq(tp_get(n, WBXML_Calendar_Body), text);
	} else {
		ck_assert_ptr_null(wbxml_child(n, WBXML_Calendar_Body));
		const struct wbxml_node *b = wbxml_child(n, WBXML_AirSyncBase_Body);
		ck_assert_ptr_nonnull(b);
		ck_assert_str_eq(tp_get(b, WBXML_AirSyncBase_Data), text);
	}
}

/* 2.5 clients send calendar:Body (top level and inside Exception, with BodyTruncated);
 * 12.0+ send airsyncbase:Body: every device gets its own form, whichever was stored, at
 * the top level and in exceptions; rows with a stored calendar:Body too. */
START_TEST(bodies_every_version)
{
	static const int versions[] = { 25, 121, 141, 161 };
	const struct tp v25[] = { C(Timezone, amsterdam()), C(Body, "Series text"),
				  C(BodyTruncated, "0"), C(EndTime, "20260302T090000Z"),
				  { WBXML_Calendar_Exceptions, NULL, 0 },
				  { WBXML_Calendar_Exception, NULL, 1 },
				  C2(ExceptionStartTime, "20260309T080000Z"),
				  C2(Subject, "moved"), C2(Body, "Exception text"),
				  C2(BodyTruncated, "0"),
				  { WBXML_Calendar_Recurrence, NULL, 0 }, C1(Type, "1"),
				  C1(DayOfWeek, "2"), C(StartTime, "20260302T080000Z") };
	const struct tp v14[] = { C(Timezone, amsterdam()), C(EndTime, "20260302T090000Z"),
				  { WBXML_Calendar_Exceptions, NULL, 0 },
				  { WBXML_Calendar_Exception, NULL, 1 },
				  C2(ExceptionStartTime, "20260309T080000Z"),
				  C2(Subject, "moved"),
				  { WBXML_AirSyncBase_Body, NULL, 2 },
				  { WBXML_AirSyncBase_Type, "1", 3 },
				  { WBXML_AirSyncBase_EstimatedDataSize, "14", 3 },
				  { WBXML_AirSyncBase_Data, "Exception text", 3 },
				  { WBXML_Calendar_Recurrence, NULL, 0 }, C1(Type, "1"),
				  C1(DayOfWeek, "2"), C(StartTime, "20260302T080000Z"),
				  { WBXML_AirSyncBase_Body, NULL, 0 },
				  { WBXML_AirSyncBase_Type, "1", 1 },
				  { WBXML_AirSyncBase_Data, "Series text", 1 } };
	/* An older row: calendar:Body kept inside the Exception as a 2.5 client sent it. */
	const struct tp old[] = { C(Timezone, amsterdam()), C(EndTime, "20260302T090000Z"),
				  { WBXML_Calendar_Exceptions, NULL, 0 },
				  { WBXML_Calendar_Exception, NULL, 1 },
				  C2(ExceptionStartTime, "20260309T080000Z"),
				  C2(Body, "Exception text"),
				  { WBXML_Calendar_Recurrence, NULL, 0 }, C1(Type, "1"),
				  C1(DayOfWeek, "2"), C(StartTime, "20260302T080000Z"),
				  { WBXML_AirSyncBase_Body, NULL, 0 },
				  { WBXML_AirSyncBase_Type, "1", 1 },
				  { WBXML_AirSyncBase_Data, "Series text", 1 } };
	struct store_item items[3];
	items[0] = tp_store(pl, STORE_CLASS_CALENDAR,
			    tp_appdata(pl, v25, sizeof(v25) / sizeof(v25[0])), 25, NULL, NULL);
	items[1] = tp_store(pl, STORE_CLASS_CALENDAR,
			    tp_appdata(pl, v14, sizeof(v14) / sizeof(v14[0])), 141, NULL, NULL);
	items[2] = raw_stored(old, sizeof(old) / sizeof(old[0]));
	for (size_t i = 0; i < 3; i++) {
		for (size_t k = 0; k < sizeof(versions) / sizeof(versions[0]); k++) {
			struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &items[i],
								versions[k]);
			assert_body(out, versions[k], "Series text");
			struct wbxml_node *exs = wbxml_child(out, WBXML_Calendar_Exceptions);
			ck_assert_ptr_nonnull(exs);
			assert_body(exs->children, versions[k], "Exception text");
			ck_assert_ptr_null(wbxml_child(exs->children,
						       WBXML_Calendar_BodyTruncated));
		}
	}
	/* The stored exception holds the canonical body only. */
	struct wbxml_node *ad;
	const char *error;
	ck_assert_int_eq(pim_item_decode(pl, &items[0], &ad, &error), 0);
	const char *flat = tp_flatten(pl, wbxml_child(ad, WBXML_Calendar_Exceptions));
	ck_assert_ptr_nonnull(strstr(flat, "Exception/AirSyncBase:Body/AirSyncBase:Data="
					   "Exception text"));
	ck_assert_ptr_null(strstr(flat, "Calendar:Body"));
	ck_assert_ptr_null(strstr(flat, "EstimatedDataSize"));
	ck_assert_int_eq(pim_item_decode(pl, &items[1], &ad, &error), 0);
	flat = tp_flatten(pl, wbxml_child(ad, WBXML_Calendar_Exceptions));
	ck_assert_ptr_null(strstr(flat, "EstimatedDataSize"));
	/* A 2.5 Change of the series with its exception's body kept. */
	struct store_item changed = tp_store(pl, STORE_CLASS_CALENDAR,
					     tp_appdata(pl, v25, sizeof(v25) / sizeof(v25[0])),
					     25, &items[1], NULL);
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_CALENDAR, &changed, 161);
	assert_body(wbxml_child(out, WBXML_Calendar_Exceptions)->children, 161,
		    "Exception text");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pim-calendar");
	TCase *tc = tcase_create("calendar");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, roundtrip_25);
	tcase_add_test(tc, roundtrip_121);
	tcase_add_test(tc, roundtrip_141);
	tcase_add_test(tc, roundtrip_161);
	tcase_add_test(tc, recurrence_types);
	tcase_add_test(tc, all_day_utc_minus_10);
	tcase_add_test(tc, all_day_utc_plus_13);
	tcase_add_test(tc, all_day_16_without_zone);
	tcase_add_test(tc, exceptions_combined);
	tcase_add_test(tc, stale_exception_list);
	tcase_add_test(tc, series_metadata);
	tcase_add_test(tc, client_uid_nul);
	tcase_add_test(tc, organizer_owner);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, recur_values_bounded);
	tcase_add_test(tc, unmapped_blob_series);
	tcase_add_test(tc, outlook_all_day);
	tcase_add_test(tc, attendee_status_organizer_only);
	tcase_add_test(tc, bodies_every_version);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
