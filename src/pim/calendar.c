/* calendar.c: the Calendar class (MS-ASCAL) for 2.5-16.1 over the generic engine of item.c.
 *
 * The stored form is item.c's canonical ApplicationData with these calendar rules:
 * - StartTime, EndTime, DtStamp, AppointmentReplyTime, Recurrence/Until and the times of
 *   Exceptions are Compact DateTime in UTC ("20261125T090000Z"), whatever form the client
 *   used (16.x all-day local dates are turned into UTC with the item's TimeZone blob);
 * - Timezone is the client's base64 blob exactly as sent (MS-ASDTYPE 2.6.4), returned byte
 *   for byte; it is checked with pim_tz_blob_decode;
 * - the IANA zone, when the server knows it (an iCalendar import with TZID Europe/Amsterdam,
 *   which a blob cannot tell from Europe/Berlin), is a property of easd's own: tag
 *   CAL_TAG_ZONE on code page 254, a page MS-ASWBXML never defines (it has 0-25), so no
 *   client version has it: calendar_to_eas never sends it (not in calendar_props, and the
 *   version filter of every device writer drops a tag no version has), and input_prepare
 *   removes it from whatever a client sends (a client cannot set it). It is valid only
 *   with the blob it came with: a Change whose Timezone blob differs from the stored one
 *   (or clears it) drops it, and the zone follows the new blob (pim_tz_from_blob); a
 *   Change with the same blob keeps it. When present it is the series' zone of expansion
 *   and the TZID of an export (pim_calendar_stored_zone); items without it use the zone
 *   pim_tz_from_blob finds, or the blob's own rules when it finds none;
 * - Exceptions are kept in the <= 14.1 shape: each Exception has ExceptionStartTime (the
 *   original start of the occurrence, UTC); a 16.x Exception's airsyncbase:InstanceId and a
 *   16.x per-instance Change/Delete (InstanceId beside the ServerId) become that form, and
 *   16.x devices get InstanceId back (MS-ASAIRS 2.2.2.26); an Exception's body is the
 *   canonical airsyncbase:Body like the item's (a 2.5 calendar:Body becomes one);
 * - AllDayEvent is 1 on a recurring item from local midnight to local midnight of its
 *   Timezone even when the client left it out (Q-CAL-5, Outlook desktop); zero-length
 *   all-day items and exceptions last one day;
 * - UID is always there when the client gave UID or ClientUid (16.x ClientUid becomes the
 *   UID of a new item); the store's uid metadata is the UID (Q-CAL-4 look-ups).
 * The metadata: uid, filter_start = first start, filter_end = end of the last occurrence
 * (pim_recur_last_end; STORE_TIME_MAX for an endless series).
 * Output: the device's version's forms (16.x local all-day dates, Location, Body, InstanceId)
 * and Q-CAL-3: MeetingStatus always, attendee statuses only on the organizer's copy. */
#include "pim/pim-private.h"

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/utf8.h"
#include "pim/ical-event.h"
#include "pim/recur.h"
#include "pim/tz.h"

#include <string.h>
#include <sys/random.h>

#define TEXT(name) { .tag = WBXML_Calendar_##name, .kind = PIM_TEXT }
#define DATE(name) { .tag = WBXML_Calendar_##name, .kind = PIM_DATE }
#define NUM(name, lo, hi) { .tag = WBXML_Calendar_##name, .kind = PIM_UINT, .min = (lo), .max = (hi) }

/* Recurrence children (MS-ASCAL 2.2.2.38); the combinations are pim_recur_validate's. */
static const struct pim_prop_def recurrence_props[] = {
	NUM(Type, 0, 6),
	DATE(Until),
	NUM(Occurrences, 0, PIM_RECUR_MAX_OCCURRENCES),
	NUM(Interval, 0, 999),
	NUM(DayOfWeek, 0, 127),
	NUM(DayOfMonth, 1, 31),
	NUM(WeekOfMonth, 1, 5),
	NUM(MonthOfYear, 1, 12),
	NUM(CalendarType, 0, 23),
	NUM(IsLeapMonth, 0, 1),
	NUM(FirstDayOfWeek, 0, 6),
};

static const struct pim_prop_def calendar_props[] = {
	TEXT(Timezone),
	NUM(AllDayEvent, 0, 1),
	/* Attendees and Exceptions are kept as sent by the engine and checked here. */
	{ .tag = WBXML_Calendar_Attendees, .kind = PIM_CONTAINER },
	{ .tag = WBXML_Calendar_Body, .kind = PIM_BODY25 },
	{ .tag = WBXML_Calendar_BodyTruncated, .kind = PIM_IGNORE },
	NUM(BusyStatus, 0, 4),
	{ .tag = WBXML_Calendar_Categories, .kind = PIM_LIST, .child = WBXML_Calendar_Category },
	DATE(DtStamp),
	DATE(EndTime),
	{ .tag = WBXML_Calendar_Exceptions, .kind = PIM_CONTAINER },
	TEXT(Location),
	NUM(MeetingStatus, 0, 15),
	TEXT(OrganizerEmail),
	TEXT(OrganizerName),
	{ .tag = WBXML_Calendar_Recurrence, .kind = PIM_CONTAINER, .sub = recurrence_props,
	  .sub_count = sizeof(recurrence_props) / sizeof(recurrence_props[0]),
	  .required = WBXML_Calendar_Type },
	NUM(Reminder, 0, UINT32_MAX),
	NUM(Sensitivity, 0, 3),
	TEXT(Subject),
	DATE(StartTime),
	TEXT(UID),
	NUM(DisallowNewTimeProposal, 0, 1),
	NUM(ResponseRequested, 0, 1),
	DATE(AppointmentReplyTime),
	NUM(ResponseType, 0, 5),
	TEXT(OnlineMeetingConfLink),
	TEXT(OnlineMeetingExternalLink),
	TEXT(ClientUid),
	{ .tag = WBXML_AirSyncBase_Body, .kind = PIM_BODY },
	{ .tag = WBXML_AirSyncBase_NativeBodyType, .kind = PIM_UINT, .min = 1, .max = 4 },
	{ .tag = WBXML_AirSyncBase_Location, .kind = PIM_CONTAINER },
};

#define CAL_PROP_COUNT (sizeof(calendar_props) / sizeof(calendar_props[0]))

/* easd's private code page of the stored form (see the head comment): its only tag is the
 * IANA zone. */
#define CAL_PRIVATE_PAGE 254
#define CAL_TAG_ZONE WBXML_TAG(CAL_PRIVATE_PAGE, 0x05)

const struct pim_class_def pim_calendar_def = {
	.name = "calendar",
	.props = calendar_props,
	.prop_count = CAL_PROP_COUNT,
	.body25 = WBXML_Calendar_Body,
	/* Calendar 2.5 has no BodySize: the body is sent whole to 2.5 (see write_body). */
	.bodysize25 = WBXML_Calendar_BodyTruncated,
	.bodytruncated25 = WBXML_Calendar_BodyTruncated,
	.finish = NULL, /* the calendar checks the merged tree itself (cal_finish) */
};

/* The properties an Exception may carry (MS-ASCAL 2.2.2.21) besides ExceptionStartTime. */
static const uint16_t exception_tags[] = {
	WBXML_Calendar_Deleted, WBXML_Calendar_Subject, WBXML_Calendar_StartTime,
	WBXML_Calendar_EndTime, WBXML_Calendar_Location, WBXML_AirSyncBase_Location,
	WBXML_Calendar_Body, WBXML_Calendar_BodyTruncated, WBXML_AirSyncBase_Body,
	WBXML_Calendar_Categories,
	WBXML_Calendar_Sensitivity, WBXML_Calendar_BusyStatus, WBXML_Calendar_AllDayEvent,
	WBXML_Calendar_Reminder, WBXML_Calendar_DtStamp, WBXML_Calendar_MeetingStatus,
	WBXML_Calendar_Attendees, WBXML_Calendar_AppointmentReplyTime,
	WBXML_Calendar_ResponseType, WBXML_Calendar_OnlineMeetingConfLink,
	WBXML_Calendar_OnlineMeetingExternalLink,
};

static bool exception_tag(uint16_t tag)
{
	for (size_t i = 0; i < sizeof(exception_tags) / sizeof(exception_tags[0]); i++) {
		if (exception_tags[i] == tag)
			return true;
	}
	return false;
}

static const struct pim_prop_def *cal_def_find(uint16_t tag)
{
	for (size_t i = 0; i < CAL_PROP_COUNT; i++) {
		if (calendar_props[i].tag == tag)
			return &calendar_props[i];
	}
	return NULL;
}

/* ---- Time ---- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y_r, int *m_r, int *d_r)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y_r = (int)(yoe + era * 400 + (m <= 2));
	*m_r = m;
	*d_r = d;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void split_time(int64_t t, int *y, int *mo, int *d, int *h, int *mi, int *s)
{
	int64_t days = floor_div(t, 86400);
	int64_t rest = t - days * 86400;

	civil_from_days(days, y, mo, d);
	*h = (int)(rest / 3600);
	*mi = (int)(rest / 60 % 60);
	*s = (int)(rest % 60);
}

/* "20261125T090000Z" */
static const char *compact_utc(pool *p, int64_t t)
{
	int y, mo, d, h, mi, s;

	split_time(t, &y, &mo, &d, &h, &mi, &s);
	return pool_printf(p, "%04d%02d%02dT%02d%02d%02dZ", y, mo, d, h, mi, s);
}

/* The day of month of a blob transition rule in year (the nth weekday, 5 = last). */
static int64_t transition_local(const struct pim_systemtime *st, int year)
{
	int day;

	if (st->year != 0) {
		day = st->day;
	} else {
		static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		int dim = mdays[st->month - 1];
		if (st->month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
			dim = 29;
		int64_t first = days_from_civil(year, st->month, 1);
		int wd_first = (int)((first % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
		day = 1 + (st->day_of_week - wd_first + 7) % 7 + (st->day - 1) * 7;
		while (day > dim)
			day -= 7;
	}
	return days_from_civil(year, st->month, day) * 86400 + st->hour * 3600 +
	       st->minute * 60 + st->second;
}

/* Whether local time l (seconds, as if UTC) is in daylight saving time by the blob. */
static bool blob_is_dst(const struct pim_tz_blob *b, int64_t l)
{
	int y, mo, d, h, mi, s;

	if (b->standard_date.month == 0 || b->daylight_date.month == 0)
		return false; /* Q-CAL-7: no transition dates, no DST */
	split_time(l, &y, &mo, &d, &h, &mi, &s);
	int64_t ds = transition_local(&b->daylight_date, y);
	int64_t ss = transition_local(&b->standard_date, y);
	if (ds < ss)
		return l >= ds && l < ss;
	return l >= ds || l < ss; /* southern hemisphere */
}

static int64_t blob_local_to_utc(const struct pim_tz_blob *b, int64_t l)
{
	int32_t extra = blob_is_dst(b, l) ? b->daylight_bias : b->standard_bias;
	return l + ((int64_t)b->bias + extra) * 60;
}

static int64_t blob_utc_to_local(const struct pim_tz_blob *b, int64_t u)
{
	int64_t ls = u - ((int64_t)b->bias + b->standard_bias) * 60;
	if (!blob_is_dst(b, ls))
		return ls;
	int64_t ld = u - ((int64_t)b->bias + b->daylight_bias) * 60;
	return blob_is_dst(b, ld) ? ld : ls;
}

/* The item's time zone: its blob (decoded) and IANA name, when it has one. */
struct cal_zone {
	bool has_blob;
	struct pim_tz_blob blob;
	const char *iana;   /* NULL: expansion in UTC */
};

/* A date value as UTC seconds: times with Z are UTC, others (16.x all-day local dates,
 * a date alone) are local in the item's zone. */
static int date_to_utc(pool *p, const struct wbxml_node *node, const struct cal_zone *zone,
		       int64_t *t_r, const char **error_r)
{
	const char *text = wbxml_node_str(node);
	struct pim_date d;

	if (text == NULL || pim_date_parse(text, &d) < 0) {
		*error_r = pool_printf(p, "%s: '%.40s' is not a date", wbxml_tag_name(node->tag),
				       text != NULL ? text : "");
		return -1;
	}
	int64_t t = days_from_civil(d.year, d.month, d.day) * 86400 + d.hour * 3600 +
		    d.minute * 60 + d.second;
	if (!d.utc && zone->has_blob)
		t = blob_local_to_utc(&zone->blob, t);
	*t_r = t;
	return 0;
}

static int zone_read(pool *p, const struct wbxml_node *root, struct cal_zone *zone_r,
		     const char **error_r)
{
	const struct wbxml_node *tz = wbxml_child(root, WBXML_Calendar_Timezone);
	const char *text = tz != NULL ? wbxml_node_str(tz) : NULL;
	const char *error;
	buf raw = BUF_INIT;

	memset(zone_r, 0, sizeof(*zone_r));
	if (text == NULL || *text == '\0')
		return 0;
	/* Phones break long base64 lines; the blob itself is kept exactly as sent. */
	buf clean = BUF_INIT;
	for (const char *s = text; *s != '\0'; s++) {
		if (*s != '\r' && *s != '\n' && *s != ' ')
			buf_append(&clean, s, 1);
	}
	int ret = base64_decode(&raw, clean.len > 0 ? (const char *)clean.data : "", clean.len,
				&error);
	buf_free(&clean);
	if (ret == 0 && pim_tz_blob_decode(raw.data, raw.len, &zone_r->blob, &error) < 0)
		ret = -1;
	buf_free(&raw);
	if (ret < 0) {
		*error_r = pool_printf(p, "Timezone: %s", error);
		return -1;
	}
	zone_r->has_blob = true;
	/* The zone the server stored with this blob (an import), else the blob's. */
	const char *stored = wbxml_child_str(root, CAL_TAG_ZONE);
	if (stored != NULL && *stored != '\0' && pim_tz_zone_get(stored) != NULL)
		zone_r->iana = stored;
	else
		zone_r->iana = pim_tz_from_blob(&zone_r->blob);
	return 0;
}

/* The 172 bytes of a Timezone text (base64, line breaks allowed); false when it is absent
 * or does not decode. */
static bool blob_raw(const char *text, unsigned char out[PIM_TZ_BLOB_SIZE])
{
	buf raw = BUF_INIT, clean = BUF_INIT;
	struct pim_tz_blob blob;
	const char *error;
	bool ok = false;

	if (text == NULL)
		return false;
	for (const char *s = text; *s != '\0'; s++) {
		if (*s != '\r' && *s != '\n' && *s != ' ')
			buf_append(&clean, s, 1);
	}
	if (clean.len > 0 &&
	    base64_decode(&raw, (const char *)clean.data, clean.len, &error) == 0 &&
	    pim_tz_blob_decode(raw.data, raw.len, &blob, &error) == 0) {
		pim_tz_blob_encode(&blob, out);
		ok = true;
	}
	buf_free(&raw);
	buf_free(&clean);
	return ok;
}

const char *pim_calendar_stored_zone(const struct wbxml_node *appdata)
{
	const char *zone = wbxml_child_str(appdata, CAL_TAG_ZONE);
	return zone != NULL && *zone != '\0' ? zone : NULL;
}

/* ---- Tree editing ---- */

static struct wbxml_node *node_copy(pool *p, const struct wbxml_node *n)
{
	struct wbxml_node *c = pool_new_type(p, struct wbxml_node);

	*c = *n;
	c->next = NULL;
	c->parent = NULL;
	return c;
}

static void node_set_str(struct wbxml_node *n, const char *value)
{
	n->value_kind = WBXML_VALUE_STRING;
	n->value = (const unsigned char *)value;
	n->value_len = strlen(value);
	n->has_content = true;
	n->children = n->last_child = NULL;
}

/* Inserts child among the top-level properties keeping them sorted by tag. */
static void node_insert_sorted(struct wbxml_node *parent, struct wbxml_node *child)
{
	struct wbxml_node *prev = NULL, *c = parent->children;

	while (c != NULL && c->tag <= child->tag) {
		prev = c;
		c = c->next;
	}
	child->parent = parent;
	child->next = c;
	if (prev == NULL)
		parent->children = child;
	else
		prev->next = child;
	if (c == NULL)
		parent->last_child = child;
	parent->has_content = true;
}

/* Sets (or adds) the text child tag of parent. */
static void child_set(pool *p, struct wbxml_node *parent, uint16_t tag, const char *value,
		      bool sorted)
{
	struct wbxml_node *c = wbxml_child(parent, tag);

	if (c != NULL) {
		node_set_str(c, value);
		return;
	}
	c = pim_node_new(p, tag, value);
	if (sorted)
		node_insert_sorted(parent, c);
	else
		pim_node_append(parent, c);
}

/* ---- Checks of the merged item ---- */

static int check_uint(pool *p, const struct wbxml_node *n, uint64_t lo, uint64_t hi,
		      const char **error_r)
{
	const char *text = wbxml_node_str(n);
	uint64_t v;

	if (text == NULL || str_to_uint64(text, hi, &v) < 0 || v < lo) {
		*error_r = pool_printf(p, "%s: '%.20s' is not a number in %llu..%llu",
				       wbxml_tag_name(n->tag), text != NULL ? text : "",
				       (unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	return 0;
}

/* Attendees: Attendee elements with Email, Name, AttendeeStatus 0-5, AttendeeType 1-3
 * (MS-ASCAL 2.2.2.3-2.2.2.6). */
static int check_attendees(pool *p, const struct wbxml_node *attendees, const char **error_r)
{
	wbxml_foreach_child(attendees, a) {
		if (a->tag != WBXML_Calendar_Attendee) {
			*error_r = "Attendees holds something else than Attendee";
			return -1;
		}
		wbxml_foreach_child(a, c) {
			if (c->children != NULL) {
				*error_r = "Attendee has nested elements";
				return -1;
			}
			if (c->tag == WBXML_Calendar_AttendeeStatus &&
			    check_uint(p, c, 0, 5, error_r) < 0)
				return -1;
			if (c->tag == WBXML_Calendar_AttendeeType &&
			    check_uint(p, c, 1, 3, error_r) < 0)
				return -1;
		}
	}
	return 0;
}

/* Reads the stored (merged) Recurrence into r. Every known numeric child is checked against
 * its full range before it is narrowed (a DayOfWeek of 256 must not become 0 and pass): a
 * stored Recurrence is not always one item.c has just checked (a series of an InstanceId
 * Change, rows of older versions). -1 with *error_r: the client's Status 6, nothing written. */
static int recur_read(pool *p, const struct wbxml_node *rn, const struct cal_zone *zone,
		      struct pim_recur *r, const char **error_r)
{
	uint64_t v;

	memset(r, 0, sizeof(*r));
	wbxml_foreach_child(rn, c) {
		if (c->tag == WBXML_Calendar_Until) {
			if (date_to_utc(p, c, zone, &r->until_utc, error_r) < 0)
				return -1;
			r->has_until = true;
			continue;
		}
		const struct pim_prop_def *d = NULL;
		for (size_t i = 0; i < sizeof(recurrence_props) / sizeof(recurrence_props[0]); i++) {
			if (recurrence_props[i].tag == c->tag)
				d = &recurrence_props[i];
		}
		if (d == NULL || d->kind != PIM_UINT)
			continue; /* unknown children are kept, not interpreted */
		if (check_uint(p, c, d->min, d->max, error_r) < 0)
			return -1;
		(void)str_to_uint64(wbxml_node_str(c), d->max, &v);
		switch (c->tag) {
		case WBXML_Calendar_Type: r->type = (enum pim_recur_type)v; break;
		case WBXML_Calendar_Interval: r->interval = (uint32_t)v; break;
		case WBXML_Calendar_Occurrences: r->occurrences = (uint32_t)v; break;
		case WBXML_Calendar_DayOfWeek: r->day_of_week = (uint8_t)v; break;
		case WBXML_Calendar_WeekOfMonth: r->week_of_month = (uint8_t)v; break;
		case WBXML_Calendar_DayOfMonth: r->day_of_month = (uint8_t)v; break;
		case WBXML_Calendar_MonthOfYear: r->month_of_year = (uint8_t)v; break;
		case WBXML_Calendar_CalendarType: r->calendar_type = (uint8_t)v; break;
		case WBXML_Calendar_IsLeapMonth: r->is_leap_month = v == 1; break;
		case WBXML_Calendar_FirstDayOfWeek:
			r->has_first_day_of_week = true;
			r->first_day_of_week = (uint8_t)v;
			break;
		default: break;
		}
	}
	/* MS-ASCAL 2.2.2.25: Interval defaults to 1; phones send 0 for the same (task.c). */
	if (r->interval == 0)
		r->interval = 1;
	return pim_recur_validate(r, error_r);
}

/* Turns the date child tag of parent into compact UTC; *t_r its value (unchanged when
 * absent). Returns 1 when present, 0 when absent, -1 on error. */
static int normalise_date(pool *p, struct wbxml_node *parent, uint16_t tag,
			  const struct cal_zone *zone, int64_t *t_r, const char **error_r)
{
	struct wbxml_node *n = wbxml_child(parent, tag);
	int64_t t;

	if (n == NULL)
		return 0;
	if (date_to_utc(p, n, zone, &t, error_r) < 0)
		return -1;
	node_set_str(n, compact_utc(p, t));
	if (t_r != NULL)
		*t_r = t;
	return 1;
}

/* MS-ASCAL 2.2.2.1: a 16.x client sends the dates of an all-day item with no time component
 * (and no TimeZone): "20261125T000000Z" means 25 November wherever the device is. The value
 * becomes local midnight of that date ("20261125T000000", no Z), which cal_finish turns
 * into UTC in the item's zone (the stored blob, else UTC), so that a 14.1 device in another
 * zone still gets the same date. */
static void date_local(pool *p, struct wbxml_node *n)
{
	struct pim_date d;
	const char *text = n != NULL ? wbxml_node_str(n) : NULL;

	if (text == NULL || pim_date_parse(text, &d) < 0)
		return; /* cal_finish refuses it with its message */
	node_set_str(n, pool_printf(p, "%04d%02d%02dT000000", d.year, d.month, d.day));
}

/* date_local() for the dates of parent that the client sent in src. */
static void dates_local(pool *p, struct wbxml_node *parent, const struct wbxml_node *src)
{
	static const uint16_t tags[] = { WBXML_Calendar_StartTime, WBXML_Calendar_EndTime };

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		if (wbxml_child(src, tags[i]) != NULL)
			date_local(p, wbxml_child(parent, tags[i]));
	}
	const struct wbxml_node *src_rec = wbxml_child(src, WBXML_Calendar_Recurrence);
	struct wbxml_node *rec = wbxml_child(parent, WBXML_Calendar_Recurrence);
	if (src_rec != NULL && rec != NULL && wbxml_child(src_rec, WBXML_Calendar_Until) != NULL)
		date_local(p, wbxml_child(rec, WBXML_Calendar_Until));
}

/* Q-CAL-5: an all-day item that ends where it starts lasts one day. */
static void repair_all_day(pool *p, struct wbxml_node *parent, bool all_day, int64_t start,
			   int64_t *end)
{
	if (all_day && *end <= start) {
		*end = start + 86400;
		child_set(p, parent, WBXML_Calendar_EndTime, compact_utc(p, *end), parent->parent == NULL);
	}
}

static bool is_all_day(const struct wbxml_node *n, bool dflt)
{
	const char *v = wbxml_child_str(n, WBXML_Calendar_AllDayEvent);
	return v != NULL ? strcmp(v, "1") == 0 : dflt;
}

/* Q-CAL-3: MeetingStatus values meaning "the user organizes" (MS-ASCAL 2.2.2.29). */
static bool meeting_is_organizer(const char *ms)
{
	return ms != NULL && (strcmp(ms, "1") == 0 || strcmp(ms, "5") == 0 ||
			      strcmp(ms, "9") == 0 || strcmp(ms, "13") == 0);
}

/* Q-CAL-3: MeetingStatus values of an attendee's copy, "received from someone else"
 * (MS-ASCAL 2.2.2.28 MeetingStatus: 3, 7 canceled and received, 11 and 15 the same as 3
 * and 7; 5 and 13 are the organizer's canceled meeting). */
static bool meeting_is_received(const char *ms)
{
	return ms != NULL && (strcmp(ms, "3") == 0 || strcmp(ms, "7") == 0 ||
			      strcmp(ms, "11") == 0 || strcmp(ms, "15") == 0);
}

struct cal_ctx {
	pool *p;
	const struct pim_in_options *in;
	struct wbxml_node *root;
	struct cal_zone zone;
	bool has_recur;
	struct pim_recur recur;
	int64_t start, end;
	bool all_day;
	struct pim_recur_series series;
};

/* Q-CAL-5: a recurring item that starts and ends at local midnight of its Timezone (by the
 * blob's rules, as the client computed them) and lasts at least a day of local time (a
 * day with a DST change has 23 or 25 hours) is an all-day item whatever AllDayEvent says
 * (Outlook desktop). Without a Timezone local midnight is unknown: left as it is. */
static bool outlook_all_day(const struct cal_ctx *ctx)
{
	if (!ctx->zone.has_blob)
		return false;
	int64_t ls = blob_utc_to_local(&ctx->zone.blob, ctx->start);
	int64_t le = blob_utc_to_local(&ctx->zone.blob, ctx->end);
	return floor_div(ls, 86400) * 86400 == ls && floor_div(le, 86400) * 86400 == le &&
	       le - ls >= 86400;
}

/* The series of the item for recur.c (exceptions not included). */
static void ctx_series(struct cal_ctx *ctx)
{
	memset(&ctx->series, 0, sizeof(ctx->series));
	ctx->series.recur = &ctx->recur;
	ctx->series.zone = ctx->zone.iana;
	/* A blob no IANA zone matches (recur.h): expanded by its own rules, not in UTC. */
	if (ctx->zone.iana == NULL && ctx->zone.has_blob)
		ctx->series.blob = &ctx->zone.blob;
	ctx->series.start_utc = ctx->start;
	ctx->series.duration_s = ctx->end - ctx->start;
	ctx->series.all_day = ctx->all_day;
}

/* The canonical body (airsyncbase:Body with Type and Data only, pim.h) of a 2.5
 * calendar:Body text, or NULL for an empty one. */
static struct wbxml_node *body_from_text(pool *p, const char *text)
{
	if (text == NULL || *text == '\0')
		return NULL;
	struct wbxml_node *body = pim_node_new(p, WBXML_AirSyncBase_Body, NULL);
	pim_node_append(body, pim_node_new(p, WBXML_AirSyncBase_Type, "1"));
	pim_node_append(body, pim_node_new(p, WBXML_AirSyncBase_Data, text));
	return body;
}

/* An Exception's body in the stored form's shape, as item.c does for the item's own: a
 * 2.5 client's calendar:Body becomes airsyncbase:Body (so that 12.0+ devices get it, and
 * 2.5 devices get calendar:Body back from write_body), calendar:BodyTruncated is dropped
 * (2.5 calendar bodies are sent whole), an airsyncbase:Body keeps Type and Data only. An
 * airsyncbase:Body wins over a calendar:Body sent with it. */
static void exception_body_normalise(pool *p, struct wbxml_node *ex)
{
	struct wbxml_node *cb = wbxml_child(ex, WBXML_Calendar_Body);
	struct wbxml_node *ab = wbxml_child(ex, WBXML_AirSyncBase_Body);
	struct wbxml_node *bt;

	while ((bt = wbxml_child(ex, WBXML_Calendar_BodyTruncated)) != NULL)
		pim_node_remove(ex, bt);
	if (cb != NULL) {
		pim_node_remove(ex, cb);
		if (ab == NULL && cb->children == NULL) {
			struct wbxml_node *body = body_from_text(p, wbxml_node_str(cb));
			if (body != NULL)
				pim_node_append(ex, body);
		}
	}
	if (ab != NULL) {
		struct wbxml_node *c = ab->children, *next;
		ab->children = ab->last_child = NULL;
		for (; c != NULL; c = next) {
			next = c->next;
			if (c->tag == WBXML_AirSyncBase_Type || c->tag == WBXML_AirSyncBase_Data)
				pim_node_append(ab, c);
		}
		if (wbxml_child_str(ab, WBXML_AirSyncBase_Data) == NULL ||
		    *wbxml_child_str(ab, WBXML_AirSyncBase_Data) == '\0')
			pim_node_remove(ex, ab);
	}
}

/* Checks one Exception and normalises its times; *orig_r its ExceptionStartTime (the
 * matching occurrence's start, Q-CAL-6). */
static int check_exception(struct cal_ctx *ctx, struct wbxml_node *ex, int64_t *orig_r,
			   struct pim_recur_exception *out, const char **error_r)
{
	pool *p = ctx->p;
	int64_t t, occ, s = 0, e = 0;
	int r;

	wbxml_foreach_child(ex, c) {
		if (c->tag != WBXML_Calendar_ExceptionStartTime && !exception_tag(c->tag)) {
			*error_r = pool_printf(p, "Exception holds %s",
					       wbxml_tag_name(c->tag) != NULL ?
					       wbxml_tag_name(c->tag) : "an unknown element");
			return -1;
		}
		const struct pim_prop_def *d = cal_def_find(c->tag);
		if (c->tag == WBXML_Calendar_Deleted &&
		    check_uint(p, c, 0, 1, error_r) < 0)
			return -1;
		if (d != NULL && d->kind == PIM_UINT && check_uint(p, c, d->min, d->max, error_r) < 0)
			return -1;
		if (c->tag == WBXML_Calendar_Attendees && check_attendees(p, c, error_r) < 0)
			return -1;
	}
	exception_body_normalise(p, ex);
	r = normalise_date(p, ex, WBXML_Calendar_ExceptionStartTime, &ctx->zone, &t, error_r);
	if (r < 0)
		return -1;
	if (r == 0) {
		*error_r = "Exception without ExceptionStartTime";
		return -1;
	}
	if (pim_recur_find_occurrence(&ctx->series, t, true, &occ, error_r) < 0) {
		*error_r = pool_printf(p, "Exception at %s is outside the series: %s",
				       compact_utc(p, t), *error_r);
		return -1;
	}
	child_set(p, ex, WBXML_Calendar_ExceptionStartTime, compact_utc(p, occ), false);
	if (normalise_date(p, ex, WBXML_Calendar_DtStamp, &ctx->zone, NULL, error_r) < 0 ||
	    normalise_date(p, ex, WBXML_Calendar_AppointmentReplyTime, &ctx->zone, NULL,
			   error_r) < 0)
		return -1;
	if ((r = normalise_date(p, ex, WBXML_Calendar_StartTime, &ctx->zone, &s, error_r)) < 0)
		return -1;
	if (r == 0)
		s = occ;
	if ((r = normalise_date(p, ex, WBXML_Calendar_EndTime, &ctx->zone, &e, error_r)) < 0)
		return -1;
	if (r == 0)
		e = s + (ctx->end - ctx->start);
	else if (e == s) /* Q-CAL-5, per occurrence: a zero-length all-day exception */
		repair_all_day(p, ex, is_all_day(ex, ctx->all_day), s, &e);
	if (e < s) {
		*error_r = "Exception ends before it starts";
		return -1;
	}
	const char *del = wbxml_child_str(ex, WBXML_Calendar_Deleted);
	memset(out, 0, sizeof(*out));
	out->original_start_utc = occ;
	out->deleted = del != NULL && strcmp(del, "1") == 0;
	out->start_utc = s;
	out->end_utc = e;
	*orig_r = occ;
	return 0;
}

/* Checks and normalises the merged item and computes its metadata. */
static int cal_finish(struct cal_ctx *ctx, struct store_item *out, const char **error_r)
{
	pool *p = ctx->p;
	struct wbxml_node *root = ctx->root;
	struct wbxml_node *n;
	int r;

	if (zone_read(p, root, &ctx->zone, error_r) < 0)
		return -1;
	ctx->all_day = is_all_day(root, false);
	if (normalise_date(p, root, WBXML_Calendar_DtStamp, &ctx->zone, NULL, error_r) < 0 ||
	    normalise_date(p, root, WBXML_Calendar_AppointmentReplyTime, &ctx->zone, NULL,
			   error_r) < 0)
		return -1;
	if ((r = normalise_date(p, root, WBXML_Calendar_StartTime, &ctx->zone, &ctx->start,
				error_r)) < 0)
		return -1;
	bool has_start = r == 1;
	if ((r = normalise_date(p, root, WBXML_Calendar_EndTime, &ctx->zone, &ctx->end,
				error_r)) < 0)
		return -1;
	bool has_end = r == 1;
	if (has_start && !has_end) {
		ctx->end = ctx->start;
		has_end = true;
	}
	if (!has_start && has_end)
		ctx->start = ctx->end;
	if (has_start || has_end) {
		if (ctx->end < ctx->start) {
			*error_r = "EndTime is before StartTime";
			return -1;
		}
		repair_all_day(p, root, ctx->all_day, ctx->start, &ctx->end);
	}
	if ((n = wbxml_child(root, WBXML_Calendar_Attendees)) != NULL &&
	    check_attendees(p, n, error_r) < 0)
		return -1;

	/* Q-CAL-3: "I organize" without an organizer: the account owner. */
	if (meeting_is_organizer(wbxml_child_str(root, WBXML_Calendar_MeetingStatus)) &&
	    wbxml_child(root, WBXML_Calendar_OrganizerEmail) == NULL &&
	    ctx->in->owner_email != NULL && *ctx->in->owner_email != '\0') {
		child_set(p, root, WBXML_Calendar_OrganizerEmail, ctx->in->owner_email, true);
		if (wbxml_child(root, WBXML_Calendar_OrganizerName) == NULL &&
		    ctx->in->owner_name != NULL && *ctx->in->owner_name != '\0')
			child_set(p, root, WBXML_Calendar_OrganizerName, ctx->in->owner_name,
				  true);
	}
	/* Q-CAL-4: the UID of a 16.x item is its ClientUid until it has one. */
	const char *uid = wbxml_child_str(root, WBXML_Calendar_UID);
	const char *cuid = wbxml_child_str(root, WBXML_Calendar_ClientUid);
	if ((uid == NULL || *uid == '\0') && cuid != NULL && *cuid != '\0') {
		child_set(p, root, WBXML_Calendar_UID, cuid, true);
		uid = cuid;
	}
	out->uid = uid != NULL && *uid != '\0' ? uid : NULL;

	out->filter_start = has_start ? ctx->start : STORE_TIME_MIN;
	out->filter_end = has_end ? ctx->end : STORE_TIME_MAX;
	struct wbxml_node *rn = wbxml_child(root, WBXML_Calendar_Recurrence);
	struct wbxml_node *exs = wbxml_child(root, WBXML_Calendar_Exceptions);
	if (rn != NULL) {
		if (!has_start) {
			*error_r = "Recurrence without StartTime";
			return -1;
		}
		if (recur_read(p, rn, &ctx->zone, &ctx->recur, error_r) < 0)
			return -1;
		struct wbxml_node *until = wbxml_child(rn, WBXML_Calendar_Until);
		if (until != NULL)
			node_set_str(until, compact_utc(p, ctx->recur.until_utc));
		ctx->has_recur = true;
	}
	/* Q-CAL-5: Outlook desktop leaves AllDayEvent out (or 0) on recurring all-day items. */
	if (ctx->has_recur && !ctx->all_day && outlook_all_day(ctx)) {
		child_set(p, root, WBXML_Calendar_AllDayEvent, "1", true);
		ctx->all_day = true;
	}
	ctx_series(ctx);
	size_t ex_count = 0;
	struct pim_recur_exception *exv = NULL;
	if (exs != NULL) {
		if (!ctx->has_recur) {
			*error_r = "Exceptions without Recurrence";
			return -1;
		}
		size_t cap = 0;
		wbxml_foreach_child(exs, c)
			cap++;
		exv = pool_calloc(p, cap + 1, sizeof(*exv));
		struct wbxml_node *c = exs->children;
		while (c != NULL) {
			struct wbxml_node *next = c->next;
			int64_t orig;
			if (c->tag != WBXML_Calendar_Exception) {
				*error_r = "Exceptions holds something else than Exception";
				return -1;
			}
			if (check_exception(ctx, c, &orig, &exv[ex_count], error_r) < 0)
				return -1;
			/* Two exceptions of one occurrence: the later one wins. */
			for (size_t i = 0; i < ex_count; i++) {
				if (exv[i].original_start_utc != orig)
					continue;
				exv[i] = exv[ex_count];
				for (struct wbxml_node *o = exs->children; o != c; o = o->next) {
					const char *os = wbxml_child_str(
						o, WBXML_Calendar_ExceptionStartTime);
					if (os != NULL &&
					    strcmp(os, compact_utc(p, orig)) == 0) {
						pim_node_remove(exs, o);
						break;
					}
				}
				ex_count--;
				break;
			}
			ex_count++;
			c = next;
		}
		if (exs->children == NULL)
			pim_node_remove(root, exs);
	}
	if (ctx->has_recur) {
		int64_t last;
		ctx->series.exceptions = exv;
		ctx->series.exception_count = ex_count;
		if (pim_recur_last_end(&ctx->series, &last, error_r) < 0)
			return -1;
		out->filter_end = last;
	}
	return 0;
}

static int tree_encode(pool *p, const struct wbxml_node *root, struct store_item *out,
		       const char **error_r)
{
	buf b = BUF_INIT;

	if (wbxml_encode_tree(root, &b, 0, error_r) < 0) {
		buf_free(&b);
		return -1;
	}
	out->data = pool_memdup(p, b.data, b.len);
	out->data_len = b.len;
	buf_free(&b);
	return 0;
}

/* ---- Input ---- */

/* A UID as a client sent it, normalised: OPAQUE accepted, NULs and surrounding blanks
 * stripped (Q-CAL-4: iOS ClientUid ends with a NUL). NULL when nothing is left. */
static const char *uid_text(pool *p, const struct wbxml_node *n)
{
	const char *s = (const char *)n->value;
	size_t len = n->value_kind == WBXML_VALUE_NONE ? 0 : n->value_len;
	size_t start = 0;

	while (len > 0 && (s[len - 1] == '\0' || s[len - 1] == ' ' || s[len - 1] == '\t' ||
			   s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	while (start < len && (s[start] == ' ' || s[start] == '\t'))
		start++;
	if (start == len || memchr(s + start, '\0', len - start) != NULL ||
	    !utf8_valid(s + start, len - start, NULL))
		return NULL;
	return pool_strndup(p, s + start, len - start);
}

/* A new UID: 32 random hex digits, as Exchange's are. */
static const char *new_uid(pool *p)
{
	unsigned char r[16];
	char hex[33];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		i_panic("getrandom failed");
	for (size_t i = 0; i < sizeof(r); i++) {
		hex[2 * i] = "0123456789ABCDEF"[r[i] >> 4];
		hex[2 * i + 1] = "0123456789ABCDEF"[r[i] & 15];
	}
	hex[32] = '\0';
	return pool_strdup(p, hex);
}

/* A 16.x Exception: airsyncbase:InstanceId is its ExceptionStartTime. */
static struct wbxml_node *exception_in(pool *p, const struct wbxml_node *ex)
{
	struct wbxml_node *out = node_copy(p, ex);

	out->children = out->last_child = NULL;
	wbxml_foreach_child(ex, c) {
		struct wbxml_node *cc = node_copy(p, c);
		if (c->tag == WBXML_AirSyncBase_InstanceId)
			cc->tag = WBXML_Calendar_ExceptionStartTime;
		pim_node_append(out, cc);
	}
	return out;
}

/* The client's ApplicationData with the calendar's input rules applied. */
static struct wbxml_node *input_prepare(pool *p, const struct wbxml_node *appdata)
{
	struct wbxml_node *out = pim_node_new(p, WBXML_AirSync_ApplicationData, NULL);

	out->value_kind = appdata->value_kind;
	out->value = appdata->value;
	out->value_len = appdata->value_len;
	wbxml_foreach_child(appdata, c) {
		if (WBXML_TAG_PAGE(c->tag) == CAL_PRIVATE_PAGE)
			continue; /* easd's own properties: never from a client */
		struct wbxml_node *cc = node_copy(p, c);
		if ((c->tag == WBXML_Calendar_UID || c->tag == WBXML_Calendar_ClientUid) &&
		    c->children == NULL) {
			const char *uid = uid_text(p, c);
			cc = pim_node_new(p, c->tag, uid);
		} else if (c->tag == WBXML_Calendar_Exceptions) {
			cc->children = cc->last_child = NULL;
			wbxml_foreach_child(c, ex)
				pim_node_append(cc, exception_in(p, ex));
			if (cc->children == NULL)
				cc->has_content = false;
		}
		pim_node_append(out, cc);
	}
	return out;
}

static int cal_complete(pool *p, const struct pim_in_options *in, struct wbxml_node *root,
			struct store_item *out_r, const char **error_r)
{
	struct cal_ctx ctx;
	struct store_item out;

	memset(&ctx, 0, sizeof(ctx));
	memset(&out, 0, sizeof(out));
	ctx.p = p;
	ctx.in = in;
	ctx.root = root;
	if (cal_finish(&ctx, &out, error_r) < 0) {
		*error_r = pool_printf(p, "calendar: %s", *error_r);
		return -1;
	}
	if (tree_encode(p, root, &out, error_r) < 0)
		return -1;
	*out_r = out;
	return 0;
}

/* A 16.x Change or Delete of one occurrence (InstanceId beside the ServerId): the series
 * receives (or updates) the Exception of that occurrence. */
static int instance_change(pool *p, const struct wbxml_node *appdata,
			   const struct pim_in_options *in, const struct store_item *old,
			   struct store_item *out_r, const char **error_r)
{
	struct wbxml_node *root, *exs, *ex = NULL;
	struct cal_ctx ctx;
	struct pim_date d;
	int64_t t, occ;

	if (old == NULL) {
		*error_r = "calendar: InstanceId without a series";
		return -1;
	}
	if (pim_item_decode(p, old, &root, error_r) < 0)
		return -1;
	if (pim_date_parse(in->instance_id, &d) < 0 || !d.has_time) {
		*error_r = pool_printf(p, "calendar: InstanceId '%.40s' is not a date",
				       in->instance_id);
		return -1;
	}
	/* The occurrence must exist in the stored series. */
	memset(&ctx, 0, sizeof(ctx));
	ctx.p = p;
	ctx.in = in;
	ctx.root = root;
	if (zone_read(p, root, &ctx.zone, error_r) < 0)
		return -1;
	struct wbxml_node *rn = wbxml_child(root, WBXML_Calendar_Recurrence);
	const struct wbxml_node *sn = wbxml_child(root, WBXML_Calendar_StartTime);
	const struct wbxml_node *en = wbxml_child(root, WBXML_Calendar_EndTime);
	if (rn == NULL || sn == NULL) {
		*error_r = "calendar: InstanceId of an item that does not recur";
		return -1;
	}
	if (date_to_utc(p, sn, &ctx.zone, &ctx.start, error_r) < 0 ||
	    recur_read(p, rn, &ctx.zone, &ctx.recur, error_r) < 0)
		return -1;
	ctx.end = ctx.start;
	if (en != NULL && date_to_utc(p, en, &ctx.zone, &ctx.end, error_r) < 0)
		return -1;
	ctx.all_day = is_all_day(root, false);
	ctx_series(&ctx);
	t = days_from_civil(d.year, d.month, d.day) * 86400 + d.hour * 3600 + d.minute * 60 +
	    d.second;
	if (pim_recur_find_occurrence(&ctx.series, t, true, &occ, error_r) < 0) {
		*error_r = pool_printf(p, "calendar: InstanceId %s is not an occurrence: %s",
				       in->instance_id, *error_r);
		return -1;
	}
	const char *occ_text = compact_utc(p, occ);

	exs = wbxml_child(root, WBXML_Calendar_Exceptions);
	if (exs == NULL) {
		exs = pim_node_new(p, WBXML_Calendar_Exceptions, NULL);
		node_insert_sorted(root, exs);
	}
	wbxml_foreach_child(exs, c) {
		const char *s = wbxml_child_str(c, WBXML_Calendar_ExceptionStartTime);
		if (s != NULL && strcmp(s, occ_text) == 0)
			ex = c;
	}
	if (ex == NULL) {
		ex = pim_node_new(p, WBXML_Calendar_Exception, NULL);
		pim_node_append(ex, pim_node_new(p, WBXML_Calendar_ExceptionStartTime, occ_text));
		pim_node_append(exs, ex);
	}
	if (in->delete_instance) {
		ex->children = ex->last_child = NULL;
		pim_node_append(ex, pim_node_new(p, WBXML_Calendar_Deleted, "1"));
		pim_node_append(ex, pim_node_new(p, WBXML_Calendar_ExceptionStartTime, occ_text));
	} else if (appdata != NULL) {
		wbxml_foreach_child(appdata, c) {
			if (!exception_tag(c->tag) || c->tag == WBXML_Calendar_Deleted)
				continue; /* series properties cannot differ per occurrence */
			struct wbxml_node *cc = node_copy(p, c);
			if (c->tag == WBXML_AirSyncBase_Body) {
				/* Only Type and Data are stored (pim.h). */
				cc->children = cc->last_child = NULL;
				wbxml_foreach_child(c, b) {
					if (b->tag == WBXML_AirSyncBase_Type ||
					    b->tag == WBXML_AirSyncBase_Data)
						pim_node_append(cc, node_copy(p, b));
				}
			}
			struct wbxml_node *prev = wbxml_child(ex, c->tag);
			if (prev != NULL)
				pim_node_remove(ex, prev);
			bool empty = cc->children == NULL &&
				     (cc->value_kind == WBXML_VALUE_NONE || cc->value_len == 0);
			if (!empty)
				pim_node_append(ex, cc);
		}
		if (in->version >= 160 && is_all_day(ex, ctx.all_day))
			dates_local(p, ex, appdata);
	}
	return cal_complete(p, in, root, out_r, error_r);
}

/* An Add or Change; server_zone: the IANA zone the server (an import) gives the item's
 * Timezone, NULL for clients. */
/* The UTC instant of an exception's ExceptionStartTime; false when it has none. */
static bool exception_original(pool *p, const struct wbxml_node *ex, int64_t *t_r)
{
	const struct wbxml_node *n = wbxml_child(ex, WBXML_Calendar_ExceptionStartTime);
	const struct cal_zone utc = { .has_blob = false };
	const char *error;

	return n != NULL && date_to_utc(p, n, &utc, t_r, &error) == 0;
}

/* A <= 14.1 device's Change with its Exceptions list, made on a version of the series it
 * had not seen: the exceptions another device made since are not in its list, and the list
 * would delete them (issue 6: a series edited on one device and an occurrence on another
 * both survive). The stored exceptions of occurrences the list does not name are kept,
 * unless the device moved the series (StartTime, EndTime or Recurrence differ), which
 * drops its exceptions as in 16.x (MS-ASCAL 2.2.2.22). */
static int keep_unseen_exceptions(pool *p, struct wbxml_node *root, const struct store_item *old,
				  const char **error_r)
{
	static const uint16_t timing[] = { WBXML_Calendar_StartTime, WBXML_Calendar_EndTime,
					   WBXML_Calendar_Recurrence };
	struct wbxml_node *old_root;

	if (pim_item_decode(p, old, &old_root, error_r) < 0)
		return -1;
	struct wbxml_node *old_exs = wbxml_child(old_root, WBXML_Calendar_Exceptions);
	if (old_exs == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(timing) / sizeof(timing[0]); i++) {
		if (!pim_node_equal(wbxml_child(root, timing[i]), wbxml_child(old_root, timing[i])))
			return 0;
	}
	struct wbxml_node *exs = wbxml_child(root, WBXML_Calendar_Exceptions);
	if (exs == NULL) {
		exs = pim_node_new(p, WBXML_Calendar_Exceptions, NULL);
		node_insert_sorted(root, exs);
	}
	struct wbxml_node *o = old_exs->children;
	while (o != NULL) {
		struct wbxml_node *next = o->next;
		int64_t t, u;
		bool named = false;
		if (exception_original(p, o, &t)) {
			wbxml_foreach_child(exs, e)
				named = named || (exception_original(p, e, &u) && u == t);
			if (!named) {
				/* Moved over from the decoded old tree, which is not used again. */
				pim_node_remove(old_exs, o);
				o->next = NULL;
				pim_node_append(exs, o);
			}
		}
		o = next;
	}
	return 0;
}

static int calendar_convert(pool *p, const struct wbxml_node *appdata,
			    const struct pim_in_options *in, const struct store_item *old,
			    const struct pim_supported *supported, const char *server_zone,
			    struct store_item *out_r, const char **error_r)
{
	struct store_item merged;
	struct wbxml_node *root;
	struct pim_supported sup;
	uint16_t *tags = NULL;

	if (in->instance_id != NULL)
		return instance_change(p, appdata, in, old, out_r, error_r);
	/* 16.x clients change occurrences with InstanceId, never by sending Exceptions with
	 * the series: their Supported cannot remove the stored exceptions (a series edited
	 * on one device and an occurrence on another both survive). */
	if (supported != NULL) {
		sup = *supported;
		if (in->version >= 160 && supported->count > 0) {
			tags = pool_calloc(p, supported->count, sizeof(*tags));
			sup.count = 0;
			for (size_t i = 0; i < supported->count; i++) {
				if (supported->tags[i] != WBXML_Calendar_Exceptions)
					tags[sup.count++] = supported->tags[i];
			}
			sup.tags = tags;
		}
		supported = &sup;
	}
	if (appdata != NULL)
		appdata = input_prepare(p, appdata);
	if (pim_item_from_eas(&pim_calendar_def, p, appdata, in->version, old, supported,
			      &merged, error_r) < 0)
		return -1;
	if (pim_item_decode(p, &merged, &root, error_r) < 0)
		return -1;
	/* A client that sets one form of Location replaces the other form. */
	if (appdata != NULL) {
		struct wbxml_node *cl = wbxml_child(root, WBXML_Calendar_Location);
		struct wbxml_node *al = wbxml_child(root, WBXML_AirSyncBase_Location);
		if (cl != NULL && al != NULL) {
			if (wbxml_child(appdata, WBXML_Calendar_Location) != NULL)
				pim_node_remove(root, al);
			else
				pim_node_remove(root, cl);
		}
		if (in->version >= 160 && is_all_day(root, false))
			dates_local(p, root, appdata);
	}
	if (in->stale && old != NULL && appdata != NULL &&
	    wbxml_child(appdata, WBXML_Calendar_Exceptions) != NULL &&
	    keep_unseen_exceptions(p, root, old, error_r) < 0)
		return -1;
	/* The stored IANA zone stays only with the blob it was stored with. */
	struct wbxml_node *zn = wbxml_child(root, CAL_TAG_ZONE);
	if (zn != NULL) {
		struct wbxml_node *old_root;
		unsigned char a[PIM_TZ_BLOB_SIZE], b[PIM_TZ_BLOB_SIZE];
		bool same = old != NULL && pim_item_decode(p, old, &old_root, error_r) == 0 &&
			    blob_raw(wbxml_child_str(old_root, WBXML_Calendar_Timezone), a) &&
			    blob_raw(wbxml_child_str(root, WBXML_Calendar_Timezone), b) &&
			    memcmp(a, b, sizeof(a)) == 0;
		if (!same)
			pim_node_remove(root, zn);
	}
	if (server_zone != NULL && *server_zone != '\0' &&
	    pim_tz_zone_get(server_zone) != NULL &&
	    wbxml_child(root, WBXML_Calendar_Timezone) != NULL) {
		if (zn != NULL)
			pim_node_remove(root, zn);
		child_set(p, root, CAL_TAG_ZONE, server_zone, true);
	}
	/* MS-ASCAL 2.2.2.46: a 16.x client never sends UID; the server makes one for a new
	 * item (its ClientUid when it has one, cal_finish) and returns it in the Add's
	 * response. */
	if (old == NULL && in->version >= 160 && wbxml_child(root, WBXML_Calendar_UID) == NULL &&
	    wbxml_child(root, WBXML_Calendar_ClientUid) == NULL)
		child_set(p, root, WBXML_Calendar_UID, new_uid(p), true);
	return cal_complete(p, in, root, out_r, error_r);
}

static int calendar_from_eas_opt(pool *p, const struct wbxml_node *appdata,
				 const struct pim_in_options *in, const struct store_item *old,
				 const struct pim_supported *supported, struct store_item *out_r,
				 const char **error_r)
{
	return calendar_convert(p, appdata, in, old, supported, NULL, out_r, error_r);
}

int pim_calendar_encode_import(pool *p, const struct wbxml_node *appdata, const char *zone,
			       struct store_item *out_r, const char **error_r)
{
	struct pim_in_options in = { .version = 161 };

	return calendar_convert(p, appdata, &in, NULL, NULL, zone, out_r, error_r);
}

static int calendar_from_eas(pool *p, const struct wbxml_node *appdata, int version,
			     const struct store_item *old, const struct pim_supported *supported,
			     struct store_item *out_r, const char **error_r)
{
	struct pim_in_options in = { .version = version };

	return calendar_from_eas_opt(p, appdata, &in, old, supported, out_r, error_r);
}

/* ---- Output ---- */

struct cal_out {
	pool *p;
	const struct pim_out_options *opt;
	unsigned vbit;
	struct cal_zone zone;
};

/* A stored UTC time as the device gets it: 16.x all-day items carry the date with no time
 * component, "20261125T000000Z" (MS-ASCAL 2.2.2.1: read as that date whatever the device's
 * zone; Compact DateTime, MS-ASDTYPE 2.7.2, always ends in Z; Q-CAL-5), the date being the
 * one in the item's zone; everything else compact UTC. */
static void write_time(struct cal_out *o, struct wbxml_writer *w, const struct wbxml_node *n,
		       bool all_day)
{
	int64_t t;
	const char *error;

	if (o->opt->version >= 160 && all_day &&
	    (n->tag == WBXML_Calendar_StartTime || n->tag == WBXML_Calendar_EndTime) &&
	    date_to_utc(o->p, n, &o->zone, &t, &error) == 0) {
		int y, mo, d, h, mi, s;
		if (o->zone.has_blob)
			t = blob_utc_to_local(&o->zone.blob, t);
		split_time(t, &y, &mo, &d, &h, &mi, &s);
		wbxml_elem_str(w, n->tag, pool_printf(o->p, "%04d%02d%02dT000000Z", y, mo, d));
		return;
	}
	pim_write_node(w, n, o->vbit);
}

/* Location in the device's form: calendar:Location text up to 14.1, the airsyncbase:Location
 * structure from 16.0 (its DisplayName is the text). */
static void write_location(struct cal_out *o, struct wbxml_writer *w,
			   const struct wbxml_node *cal, const struct wbxml_node *asb)
{
	if (o->opt->version >= 160) {
		if (asb != NULL) {
			pim_write_node(w, asb, o->vbit);
		} else if (cal != NULL) {
			wbxml_start(w, WBXML_AirSyncBase_Location);
			wbxml_elem_str(w, WBXML_AirSyncBase_DisplayName, wbxml_node_str(cal));
			wbxml_end(w);
		}
		return;
	}
	const char *text = cal != NULL ? wbxml_node_str(cal) :
			   asb != NULL ? wbxml_child_str(asb, WBXML_AirSyncBase_DisplayName) :
					 NULL;
	if (text != NULL && *text != '\0')
		wbxml_elem_str(w, WBXML_Calendar_Location, text);
}

/* The body: airsyncbase:Body from 12.0, calendar:Body on 2.5 (sent whole: the Calendar
 * page of 2.5 has no BodySize to tell a truncated body). */
static void write_body(struct cal_out *o, struct wbxml_writer *w, const struct wbxml_node *body)
{
	struct pim_out_options opt = *o->opt;

	if (opt.version == 25) {
		opt.truncation_25 = 0;
		opt.truncation_25_all = false;
	}
	pim_body_write(o->p, w, body, &opt, &pim_calendar_def);
}

/* Attendees; on an attendee's copy without AttendeeStatus (Q-CAL-3: statuses only on the
 * organizer's copy; iOS shows an accepted meeting right only when its own record has none). */
static void write_attendees(struct cal_out *o, struct wbxml_writer *w,
			    const struct wbxml_node *attendees, bool statuses)
{
	if (statuses) {
		pim_write_node(w, attendees, o->vbit);
		return;
	}
	wbxml_start(w, WBXML_Calendar_Attendees);
	wbxml_foreach_child(attendees, a) {
		if (a->tag != WBXML_Calendar_Attendee) {
			pim_write_node(w, a, o->vbit);
			continue;
		}
		wbxml_start(w, WBXML_Calendar_Attendee);
		wbxml_foreach_child(a, c) {
			if (c->tag != WBXML_Calendar_AttendeeStatus)
				pim_write_node(w, c, o->vbit);
		}
		wbxml_end(w);
	}
	wbxml_end(w);
}

/* The Recurrence of a 16.x all-day series: Until is a date like StartTime (MS-ASCAL
 * 2.2.2.1: "no time component"). */
static void write_recurrence(struct cal_out *o, struct wbxml_writer *w,
			     const struct wbxml_node *rec)
{
	wbxml_start(w, WBXML_Calendar_Recurrence);
	wbxml_foreach_child(rec, c) {
		if (c->tag == WBXML_Calendar_Until)
			write_time(o, w, c, true);
		else
			pim_write_node(w, c, o->vbit);
	}
	wbxml_end(w);
}

/* The TimeZone of UTC (bias 0, no daylight saving, empty names: Q-CAL-7), base64. */
static const char *utc_blob(pool *p)
{
	struct pim_tz_blob blob;
	unsigned char raw[PIM_TZ_BLOB_SIZE];
	buf b64 = BUF_INIT;

	memset(&blob, 0, sizeof(blob));
	pim_tz_blob_encode(&blob, raw);
	base64_encode(&b64, raw, sizeof(raw));
	const char *text = pool_strdup(p, buf_cstr(&b64));
	buf_free(&b64);
	return text;
}

static void write_exception(struct cal_out *o, struct wbxml_writer *w,
			    const struct wbxml_node *ex, bool series_all_day,
			    const char *series_meeting_status)
{
	bool all_day = is_all_day(ex, series_all_day);
	/* An Exception without MeetingStatus has the series' (MS-ASCAL 2.2.2.28). */
	const char *ms = wbxml_child_str(ex, WBXML_Calendar_MeetingStatus);
	bool received = meeting_is_received(ms != NULL ? ms : series_meeting_status);
	struct wbxml_node *body;

	wbxml_start(w, WBXML_Calendar_Exception);
	wbxml_foreach_child(ex, c) {
		switch (c->tag) {
		case WBXML_Calendar_ExceptionStartTime:
			/* 16.x: InstanceId (MS-ASAIRS 2.2.2.26) in place of ExceptionStartTime. */
			if (o->opt->version >= 160)
				wbxml_elem_str(w, WBXML_AirSyncBase_InstanceId, wbxml_node_str(c));
			else
				pim_write_node(w, c, o->vbit);
			break;
		case WBXML_Calendar_StartTime:
		case WBXML_Calendar_EndTime:
			write_time(o, w, c, all_day);
			break;
		case WBXML_Calendar_Location:
			write_location(o, w, c, NULL);
			break;
		case WBXML_AirSyncBase_Location:
			write_location(o, w, NULL, c);
			break;
		case WBXML_AirSyncBase_Body:
			write_body(o, w, c);
			break;
		case WBXML_Calendar_Body:
			/* Rows stored before exception bodies were normalised. */
			if (wbxml_child(ex, WBXML_AirSyncBase_Body) == NULL &&
			    (body = body_from_text(o->p, wbxml_node_str(c))) != NULL)
				write_body(o, w, body);
			break;
		case WBXML_Calendar_BodyTruncated:
			break;
		case WBXML_Calendar_Attendees:
			write_attendees(o, w, c, !received);
			break;
		default:
			pim_write_node(w, c, o->vbit);
			break;
		}
	}
	wbxml_end(w);
}

static int calendar_to_eas(pool *p, const struct store_item *item,
			   const struct pim_out_options *opt, struct wbxml_writer *w,
			   const char **error_r)
{
	struct cal_out o = { .p = p, .opt = opt };
	struct wbxml_node *root;
	bool meeting_status = false;

	o.vbit = wbxml_version_bit((unsigned)opt->version);
	if (o.vbit == 0) {
		*error_r = pool_printf(p, "unknown protocol version %d", opt->version);
		return -1;
	}
	if (pim_item_decode(p, item, &root, error_r) < 0)
		return -1;
	if (zone_read(p, root, &o.zone, error_r) < 0)
		memset(&o.zone, 0, sizeof(o.zone)); /* stored before the check existed */
	bool all_day = is_all_day(root, false);
	/* Q-CAL-3: an attendee's copy goes out without attendee statuses. The owner's address
	 * is not among the output options, so "attendee's copy" is what MeetingStatus says
	 * (received); an organizer's copy (1, 5, 9, 13) and a plain appointment keep them. */
	const char *ms = wbxml_child_str(root, WBXML_Calendar_MeetingStatus);
	bool received = meeting_is_received(ms);
	const struct wbxml_node *cal_loc = wbxml_child(root, WBXML_Calendar_Location);
	const struct wbxml_node *asb_loc = wbxml_child(root, WBXML_AirSyncBase_Location);
	bool date_only = opt->version >= 160 && all_day;
	/* An all-day item without a zone (made by a 16.x device, MS-ASCAL 2.2.2.1) is stored
	 * at midnight UTC: an older device is told so, else it would put the day in its own
	 * zone and show it a day early west of Greenwich. */
	if (opt->version < 160 && all_day && wbxml_child(root, WBXML_Calendar_Timezone) == NULL)
		wbxml_elem_str(w, WBXML_Calendar_Timezone, utc_blob(p));
	wbxml_foreach_child(root, c) {
		switch (c->tag) {
		case WBXML_Calendar_Timezone:
			/* MS-ASCAL 2.2.2.1: no TimeZone with a 16.x all-day item. */
			if (!date_only)
				pim_write_node(w, c, o.vbit);
			break;
		case WBXML_Calendar_Recurrence:
			if (date_only)
				write_recurrence(&o, w, c);
			else
				pim_write_node(w, c, o.vbit);
			break;
		case WBXML_AirSyncBase_Body:
			write_body(&o, w, c);
			break;
		case WBXML_Calendar_Body: {
			/* item.c stores a 2.5 body as airsyncbase:Body; a calendar:Body here is
			 * from a row stored otherwise: the same rule. */
			struct wbxml_node *body = body_from_text(p, wbxml_node_str(c));
			if (wbxml_child(root, WBXML_AirSyncBase_Body) == NULL && body != NULL)
				write_body(&o, w, body);
			break;
		}
		case WBXML_Calendar_BodyTruncated:
			break;
		case WBXML_Calendar_StartTime:
		case WBXML_Calendar_EndTime:
			write_time(&o, w, c, all_day);
			break;
		case WBXML_Calendar_Location:
			write_location(&o, w, cal_loc, asb_loc);
			break;
		case WBXML_AirSyncBase_Location:
			if (cal_loc == NULL)
				write_location(&o, w, NULL, asb_loc);
			break;
		case WBXML_Calendar_Exceptions:
			wbxml_start(w, WBXML_Calendar_Exceptions);
			wbxml_foreach_child(c, ex)
				write_exception(&o, w, ex, all_day, ms);
			wbxml_end(w);
			break;
		case WBXML_Calendar_MeetingStatus:
			meeting_status = true;
			pim_write_node(w, c, o.vbit);
			break;
		case WBXML_Calendar_Attendees:
			write_attendees(&o, w, c, !received);
			break;
		default:
			/* Unknown tags stay stored but are never sent (item.c). */
			if (cal_def_find(c->tag) != NULL)
				pim_write_node(w, c, o.vbit);
			break;
		}
	}
	/* Q-CAL-3: MeetingStatus always, as a number (iOS needs 0, not nothing). */
	if (!meeting_status)
		wbxml_elem_str(w, WBXML_Calendar_MeetingStatus, "0");
	return 0;
}

const struct pim_class_ops pim_calendar_ops = {
	.cls = STORE_CLASS_CALENDAR,
	.from_eas = calendar_from_eas,
	.to_eas = calendar_to_eas,
	.from_eas_opt = calendar_from_eas_opt,
};
