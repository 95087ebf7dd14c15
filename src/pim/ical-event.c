/* ical-event.c: iCalendar VEVENT import and export of appointments through libical, and
 * the reading of an appointment's times (export, free/busy). See ical-event.h. */
#include "pim/ical-event.h"

#include "pim/ical-common.h"
#include "pim/pim-private.h"
#include "pim/tz.h"

#include "lib/base64.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <libical/ical.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ICAL_EVENT_MAX_EXCEPTIONS 1000

/* ---- Times ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
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

int pim_eas_time_to_utc(const char *s, int64_t *utc_r)
{
	struct pim_date d;

	if (s == NULL || pim_date_parse(s, &d) < 0 || d.year < 1601 || d.year > 9999)
		return -1;
	*utc_r = days_from_civil(d.year, d.month, d.day) * 86400 + d.hour * 3600 +
		 d.minute * 60 + d.second;
	return 0;
}

const char *pim_eas_time_format(pool *p, int64_t utc)
{
	int64_t days = utc >= 0 ? utc / 86400 : -((-utc + 86399) / 86400);
	int64_t rest = utc - days * 86400;
	int y, m, d;

	civil_from_days(days, &y, &m, &d);
	return pool_printf(p, "%04d%02d%02dT%02d%02d%02dZ", y, m, d, (int)(rest / 3600),
			   (int)(rest / 60 % 60), (int)(rest % 60));
}

/* The libical zone of an IANA name ("UTC" and NULL: UTC); NULL for an unknown name. */
static icaltimezone *ical_zone(const char *name)
{
	if (name == NULL || *name == '\0' || strcmp(name, "UTC") == 0 ||
	    strcmp(name, "Etc/UTC") == 0)
		return icaltimezone_get_utc_timezone();
	return icaltimezone_get_builtin_timezone(name);
}

/* The static IANA name of a libical builtin zone matching name or one of its '/'-suffixes
 * ("/freeassociation.sourceforge.net/Europe/Amsterdam"), or NULL. */
static const char *iana_name(const char *name)
{
	for (const char *s = name; s != NULL && *s != '\0';) {
		if (strcmp(s, "UTC") == 0 || strcmp(s, "Etc/UTC") == 0 || strcmp(s, "GMT") == 0)
			return "UTC";
		icaltimezone *z = strchr(s, '/') != NULL ? icaltimezone_get_builtin_timezone(s) : NULL;
		/* Loading the zone replaces its location string: load it before taking it. */
		if (z != NULL && icaltimezone_get_component(z) != NULL &&
		    icaltimezone_get_location(z) != NULL)
			return icaltimezone_get_location(z);
		s = strchr(s, '/');
		if (s != NULL)
			s++;
	}
	return NULL;
}

/* UTC seconds of t: a zoned time in its zone, a floating time or date in zone. */
static int64_t ical_to_utc(struct icaltimetype t, icaltimezone *zone)
{
	icaltimezone *z = t.zone != NULL ? (icaltimezone *)t.zone : zone;

	t.is_date = 0;
	if (z == NULL)
		z = icaltimezone_get_utc_timezone();
	return (int64_t)icaltime_as_timet_with_zone(t, z);
}

/* A UTC instant as a floating local time of zone (is_date: the local date). */
static struct icaltimetype ical_local(int64_t utc, icaltimezone *zone, bool is_date)
{
	struct icaltimetype t = icaltime_from_timet_with_zone((time_t)utc, 0, zone);

	t.zone = NULL;
	if (is_date) {
		t.is_date = 1;
		t.hour = t.minute = t.second = 0;
	}
	return t;
}

/* ---- Reading an appointment ---- */

static bool node_uint(const struct wbxml_node *parent, uint16_t tag, uint64_t max,
		      uint64_t *value_r)
{
	const char *s = parent != NULL ? wbxml_child_str(parent, tag) : NULL;
	return s != NULL && str_to_uint64(s, max, value_r) == 0;
}

/* Blobs seen last and their zones: matching a blob's rules against the zone table is most
 * of the cost of free/busy, and a calendar uses few zones (per thread: easd's are many). */
#define ZONE_CACHE_SIZE 8
#define ZONE_CACHE_KEY 240
static _Thread_local struct {
	char b64[ZONE_CACHE_KEY];
	const char *zone;
	bool has_blob;
	struct pim_tz_blob blob;
} zone_cache[ZONE_CACHE_SIZE];
static _Thread_local unsigned zone_cache_next;

/* The IANA zone of a stored Timezone (base64 blob); "UTC" when it matches none, and then
 * the decoded blob in *blob_r with *has_blob_r set (its own rules expand the series). */
static const char *blob_zone(const char *b64, struct pim_tz_blob *blob_r, bool *has_blob_r)
{
	buf raw = BUF_INIT;
	struct pim_tz_blob blob;
	const char *error, *zone = NULL;
	size_t len = b64 != NULL ? strlen(b64) : 0;
	bool decoded = false;

	*has_blob_r = false;
	if (b64 == NULL)
		return "UTC";
	for (size_t i = 0; len < ZONE_CACHE_KEY && i < ZONE_CACHE_SIZE; i++) {
		if (zone_cache[i].zone != NULL && strcmp(zone_cache[i].b64, b64) == 0) {
			*has_blob_r = zone_cache[i].has_blob;
			*blob_r = zone_cache[i].blob;
			return zone_cache[i].zone;
		}
	}
	if (base64_decode(&raw, b64, len, &error) == 0 &&
	    pim_tz_blob_decode(raw.data, raw.len, &blob, &error) == 0) {
		decoded = true;
		zone = pim_tz_from_blob(&blob);
	}
	buf_free(&raw);
	zone = zone != NULL && iana_name(zone) != NULL ? iana_name(zone) : NULL;
	if (zone == NULL && decoded) {
		*has_blob_r = true;
		*blob_r = blob;
	}
	if (zone == NULL)
		zone = "UTC";
	if (len < ZONE_CACHE_KEY) {
		unsigned slot = zone_cache_next++ % ZONE_CACHE_SIZE;
		memcpy(zone_cache[slot].b64, b64, len + 1);
		zone_cache[slot].zone = zone;
		zone_cache[slot].has_blob = *has_blob_r;
		if (*has_blob_r)
			zone_cache[slot].blob = *blob_r;
	}
	return zone;
}

static void recur_read(const struct wbxml_node *rec, struct pim_recur *r)
{
	uint64_t v;

	memset(r, 0, sizeof(*r));
	if (node_uint(rec, WBXML_Calendar_Type, 6, &v))
		r->type = (enum pim_recur_type)v;
	if (node_uint(rec, WBXML_Calendar_Interval, 999, &v))
		r->interval = (uint32_t)v;
	if (node_uint(rec, WBXML_Calendar_Occurrences, 999, &v))
		r->occurrences = (uint32_t)v;
	r->has_until = pim_eas_time_to_utc(wbxml_child_str(rec, WBXML_Calendar_Until),
					   &r->until_utc) == 0;
	if (node_uint(rec, WBXML_Calendar_DayOfWeek, 127, &v))
		r->day_of_week = (uint8_t)v;
	if (node_uint(rec, WBXML_Calendar_WeekOfMonth, 5, &v))
		r->week_of_month = (uint8_t)v;
	if (node_uint(rec, WBXML_Calendar_DayOfMonth, 31, &v))
		r->day_of_month = (uint8_t)v;
	if (node_uint(rec, WBXML_Calendar_MonthOfYear, 12, &v))
		r->month_of_year = (uint8_t)v;
	if (node_uint(rec, WBXML_Calendar_FirstDayOfWeek, 6, &v)) {
		r->has_first_day_of_week = true;
		r->first_day_of_week = (uint8_t)v;
	}
	if (node_uint(rec, WBXML_Calendar_CalendarType, 23, &v))
		r->calendar_type = (uint8_t)v;
	if (node_uint(rec, WBXML_Calendar_IsLeapMonth, 1, &v))
		r->is_leap_month = v == 1;
	/* MS-ASCAL 2.2.2.25: no Interval (or 0, as phones send) means 1, as calendar.c reads
	 * it; without this a series stored without Interval had no free/busy. */
	if (r->interval == 0)
		r->interval = 1;
}

int pim_event_read(pool *p, const struct wbxml_node *ad, struct pim_event_info *info,
		   const char **error_r)
{
	uint64_t v;

	memset(info, 0, sizeof(*info));
	if (pim_eas_time_to_utc(wbxml_child_str(ad, WBXML_Calendar_StartTime),
				&info->start_utc) < 0) {
		*error_r = "appointment without a readable StartTime";
		return -1;
	}
	if (pim_eas_time_to_utc(wbxml_child_str(ad, WBXML_Calendar_EndTime), &info->end_utc) < 0 ||
	    info->end_utc < info->start_utc)
		info->end_utc = info->start_utc;
	/* The zone an import stored with the blob (Amsterdam, not the blob's Berlin). */
	const char *stored = pim_calendar_stored_zone(ad);
	info->zone = stored != NULL && iana_name(stored) != NULL ?
		     iana_name(stored) :
		     blob_zone(wbxml_child_str(ad, WBXML_Calendar_Timezone), &info->blob,
			       &info->has_blob);
	info->all_day = node_uint(ad, WBXML_Calendar_AllDayEvent, 1, &v) && v == 1;
	info->busy_status = node_uint(ad, WBXML_Calendar_BusyStatus, 4, &v) ? (unsigned)v : 2;
	const struct wbxml_node *rec = wbxml_child(ad, WBXML_Calendar_Recurrence);
	if (rec != NULL) {
		info->recurring = true;
		recur_read(rec, &info->recur);
	}
	const struct wbxml_node *exs = wbxml_child(ad, WBXML_Calendar_Exceptions);
	size_t n = 0;
	for (const struct wbxml_node *e = exs != NULL ? exs->children : NULL; e != NULL;
	     e = e->next)
		n++;
	if (n > 0) {
		info->exceptions = pool_calloc(p, n, sizeof(*info->exceptions));
		info->exception_nodes = pool_calloc(p, n, sizeof(*info->exception_nodes));
	}
	for (const struct wbxml_node *e = exs != NULL ? exs->children : NULL; e != NULL;
	     e = e->next) {
		struct pim_recur_exception *x = &info->exceptions[info->exception_count];
		if (e->tag != WBXML_Calendar_Exception ||
		    pim_eas_time_to_utc(wbxml_child_str(e, WBXML_Calendar_ExceptionStartTime),
					&x->original_start_utc) < 0)
			continue;
		x->deleted = node_uint(e, WBXML_Calendar_Deleted, 1, &v) && v == 1;
		if (pim_eas_time_to_utc(wbxml_child_str(e, WBXML_Calendar_StartTime),
					&x->start_utc) < 0)
			x->start_utc = x->original_start_utc;
		if (pim_eas_time_to_utc(wbxml_child_str(e, WBXML_Calendar_EndTime),
					&x->end_utc) < 0 || x->end_utc < x->start_utc)
			x->end_utc = x->start_utc + (info->end_utc - info->start_utc);
		info->exception_nodes[info->exception_count++] = e;
	}
	return 0;
}

/* ---- Import ---- */

struct event {
	pool *p;
	struct wbxml_node *ad;
	unsigned dropped;
	const char *default_zone;       /* X-WR-TIMEZONE or "UTC" */
	const char *zone;               /* the event's IANA zone */
	icaltimezone *izone;
	bool floating;                  /* DTSTART is a date or a time without zone */
	bool all_day;
	int64_t start_utc, end_utc;
	struct pim_recur recur;
	bool recurring;
	struct wbxml_node *exceptions;  /* calendar:Exceptions, NULL until one */
	const char *uid;
	int64_t filter_start, filter_end;
};

static void ev_set(pool *p, struct wbxml_node *parent, uint16_t tag, const char *value)
{
	pim_ical_set(p, parent, tag, value);
}

/* RRULE into an EAS recurrence (start: the local start); -1 with *error_r when EAS cannot
 * express it. */
static int rrule_to_recur(pool *p, const struct icalrecurrencetype *r, struct icaltimetype start,
			  icaltimezone *zone, struct pim_recur *out, const char **error_r)
{
	unsigned days;
	int week, month_day, month;

	memset(out, 0, sizeof(*out));
	if (r->by_second[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    pim_ical_rrule_parts(r, &days, &week, &month_day, &month) < 0)
		goto unsupported;
	switch (r->freq) {
	case ICAL_DAILY_RECURRENCE:
		if (days != 0 || month_day != 0 || month != 0)
			goto unsupported;
		out->type = PIM_RECUR_DAILY;
		break;
	case ICAL_WEEKLY_RECURRENCE:
		if (week != 0 || month_day != 0 || month != 0)
			goto unsupported;
		out->type = PIM_RECUR_WEEKLY;
		break;
	case ICAL_MONTHLY_RECURRENCE:
		if (month != 0 || (week != 0 && month_day != 0))
			goto unsupported;
		out->type = week != 0 ? PIM_RECUR_MONTHLY_NTH : PIM_RECUR_MONTHLY;
		break;
	case ICAL_YEARLY_RECURRENCE:
		if (week != 0 && month_day != 0)
			goto unsupported;
		out->type = week != 0 ? PIM_RECUR_YEARLY_NTH : PIM_RECUR_YEARLY;
		break;
	default:
		goto unsupported;
	}
	if ((out->type == PIM_RECUR_MONTHLY_NTH || out->type == PIM_RECUR_YEARLY_NTH) && days == 0)
		goto unsupported;
	if ((out->type == PIM_RECUR_MONTHLY || out->type == PIM_RECUR_YEARLY) && days != 0)
		goto unsupported;
	if (out->type == PIM_RECUR_WEEKLY && days == 0)
		days = pim_ical_day_bit(
			(enum icalrecurrencetype_weekday)icaltime_day_of_week(start));
	if ((out->type == PIM_RECUR_MONTHLY || out->type == PIM_RECUR_YEARLY) && month_day == 0)
		month_day = start.day;
	if ((out->type == PIM_RECUR_YEARLY || out->type == PIM_RECUR_YEARLY_NTH) && month == 0)
		month = start.month;
	if (r->interval > 999 || r->interval < 1 || r->count > PIM_RECUR_MAX_OCCURRENCES ||
	    r->count < 0) {
		*error_r = pool_printf(p, "RRULE INTERVAL %d / COUNT %d out of EAS's range 1-999",
				       r->interval, r->count);
		return -1;
	}
	out->interval = (uint32_t)r->interval;
	out->occurrences = (uint32_t)r->count;
	if (!icaltime_is_null_time(r->until)) {
		if (!icaltime_is_valid_time(r->until)) {
			*error_r = "RRULE UNTIL is not a valid time";
			return -1;
		}
		out->has_until = true;
		out->until_utc = ical_to_utc(r->until, icaltime_is_utc(r->until) ?
					     icaltimezone_get_utc_timezone() : zone);
	}
	if (days != 0 && out->type != PIM_RECUR_DAILY && out->type != PIM_RECUR_MONTHLY &&
	    out->type != PIM_RECUR_YEARLY)
		out->day_of_week = (uint8_t)days;
	out->week_of_month = (uint8_t)week;
	if (out->type == PIM_RECUR_MONTHLY || out->type == PIM_RECUR_YEARLY)
		out->day_of_month = (uint8_t)month_day;
	if (out->type == PIM_RECUR_YEARLY || out->type == PIM_RECUR_YEARLY_NTH)
		out->month_of_year = (uint8_t)month;
	/* WKST matters for weekly rules with an interval (libical cannot tell a default). */
	if (out->type == PIM_RECUR_WEEKLY && out->interval > 1) {
		out->has_first_day_of_week = true;
		out->first_day_of_week = (uint8_t)(r->week_start - ICAL_SUNDAY_WEEKDAY);
	}
	return 0;
unsupported:;
	char *s = icalrecurrencetype_as_string_r((struct icalrecurrencetype *)r);
	*error_r = pool_printf(p, "RRULE %.200s cannot be expressed in EAS",
			       s != NULL ? s : "?");
	free(s);
	return -1;
}

static void recur_nodes(pool *p, const struct pim_recur *r, struct wbxml_node *ad)
{
	struct wbxml_node *rec = pim_node_new(p, WBXML_Calendar_Recurrence, NULL);

	pim_node_append(rec, pim_node_new(p, WBXML_Calendar_Type,
					  pool_printf(p, "%d", (int)r->type)));
	if (r->has_until)
		pim_node_append(rec, pim_node_new(p, WBXML_Calendar_Until,
						  pim_eas_time_format(p, r->until_utc)));
	if (r->occurrences > 0)
		pim_node_append(rec, pim_node_new(p, WBXML_Calendar_Occurrences,
						  pool_printf(p, "%u", r->occurrences)));
	pim_node_append(rec, pim_node_new(p, WBXML_Calendar_Interval,
					  pool_printf(p, "%u", r->interval > 0 ? r->interval : 1)));
	if (r->day_of_week != 0)
		pim_node_append(rec, pim_node_new(p, WBXML_Calendar_DayOfWeek,
						  pool_printf(p, "%u", r->day_of_week)));
	if (r->day_of_month != 0)
		pim_node_append(rec, pim_node_new(p, WBXML_Calendar_DayOfMonth,
						  pool_printf(p, "%u", r->day_of_month)));
	if (r->week_of_month != 0)
		pim_node_append(rec, pim_node_new(p, WBXML_Calendar_WeekOfMonth,
						  pool_printf(p, "%u", r->week_of_month)));
	if (r->month_of_year != 0)
		pim_node_append(rec, pim_node_new(p, WBXML_Calendar_MonthOfYear,
						  pool_printf(p, "%u", r->month_of_year)));
	if (r->has_first_day_of_week)
		pim_node_append(rec, pim_node_new(p, WBXML_Calendar_FirstDayOfWeek,
						  pool_printf(p, "%u", r->first_day_of_week)));
	pim_node_append(ad, rec);
}

/* The event's zone from its DTSTART: a known TZID's IANA zone, UTC for UTC times, the
 * calendar's zone for floating times and dates. An unknown TZID (a custom VTIMEZONE
 * without an IANA name) keeps the times right (libical converts them with the file's
 * VTIMEZONE) but falls back to the calendar's zone for the rules: counted as dropped. */
static void event_zone(struct event *ev, icalproperty *dtstart, struct icaltimetype t)
{
	const char *zone = NULL;

	if (t.is_date || (t.zone == NULL && icalproperty_get_first_parameter(
				  dtstart, ICAL_TZID_PARAMETER) == NULL)) {
		zone = ev->default_zone;
		ev->floating = true;
	} else if (icaltime_is_utc(t)) {
		zone = "UTC";
	} else {
		icalparameter *tzid = icalproperty_get_first_parameter(dtstart, ICAL_TZID_PARAMETER);
		if (t.zone != NULL)
			zone = iana_name(icaltimezone_get_location((icaltimezone *)t.zone));
		if (zone == NULL && t.zone != NULL)
			zone = iana_name(icaltimezone_get_tzid((icaltimezone *)t.zone));
		if (zone == NULL && tzid != NULL)
			zone = iana_name(icalparameter_get_tzid(tzid));
		if (zone == NULL) {
			ev->dropped++;
			zone = ev->default_zone;
		}
	}
	ev->zone = zone;
	ev->izone = ical_zone(zone);
}

/* A date-time property's time with its zone resolved: libical leaves zone NULL for a TZID
 * without a VTIMEZONE in the file; such a TZID is looked up among the builtin zones. */
static struct icaltimetype prop_time(icalproperty *prop, struct icaltimetype t)
{
	if (t.zone == NULL && !t.is_date && prop != NULL) {
		icalparameter *tzid = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);
		const char *name = tzid != NULL ? iana_name(icalparameter_get_tzid(tzid)) : NULL;
		if (name != NULL)
			t.zone = ical_zone(name);
	}
	return t;
}

static int add_timezone(struct event *ev, int year, const char **error_r)
{
	struct pim_tz_blob blob;
	unsigned char raw[PIM_TZ_BLOB_SIZE];
	buf b64 = BUF_INIT;

	if (pim_tz_to_blob(ev->zone, year, &blob) < 0) {
		if (strcmp(ev->zone, "UTC") != 0) {
			*error_r = pool_printf(ev->p, "time zone %s has no EAS form", ev->zone);
			return -1;
		}
		memset(&blob, 0, sizeof(blob));
	}
	pim_tz_blob_encode(&blob, raw);
	base64_encode(&b64, raw, sizeof(raw));
	ev_set(ev->p, ev->ad, WBXML_Calendar_Timezone, pool_strdup(ev->p, buf_cstr(&b64)));
	buf_free(&b64);
	return 0;
}

/* "mailto:a@b" -> "a@b". */
static const char *cal_address(pool *p, const char *v)
{
	if (v == NULL)
		return NULL;
	if (strncasecmp(v, "mailto:", 7) == 0)
		v += 7;
	return *v != '\0' && utf8_valid(v, strlen(v), NULL) ? pool_strdup(p, v) : NULL;
}

static const char *param_cn(pool *p, icalproperty *prop)
{
	icalparameter *cn = icalproperty_get_first_parameter(prop, ICAL_CN_PARAMETER);
	const char *v = cn != NULL ? icalparameter_get_cn(cn) : NULL;
	return v != NULL && *v != '\0' && utf8_valid(v, strlen(v), NULL) ? pool_strdup(p, v) :
	       NULL;
}

static void add_attendee(struct event *ev, struct wbxml_node **list, icalproperty *prop)
{
	pool *p = ev->p;
	const char *email = cal_address(p, icalproperty_get_attendee(prop));

	if (email == NULL) {
		ev->dropped++;
		return;
	}
	struct wbxml_node *a = pim_node_new(p, WBXML_Calendar_Attendee, NULL);
	pim_node_append(a, pim_node_new(p, WBXML_Calendar_Email, email));
	const char *name = param_cn(p, prop);
	pim_node_append(a, pim_node_new(p, WBXML_Calendar_Name, name != NULL ? name : email));
	icalparameter *ps = icalproperty_get_first_parameter(prop, ICAL_PARTSTAT_PARAMETER);
	if (ps != NULL) {
		const char *st = NULL;
		switch (icalparameter_get_partstat(ps)) {
		case ICAL_PARTSTAT_NEEDSACTION: st = "5"; break;
		case ICAL_PARTSTAT_ACCEPTED: st = "3"; break;
		case ICAL_PARTSTAT_DECLINED: st = "4"; break;
		case ICAL_PARTSTAT_TENTATIVE: st = "2"; break;
		default: st = "0"; break;
		}
		pim_node_append(a, pim_node_new(p, WBXML_Calendar_AttendeeStatus, st));
	}
	icalparameter *cu = icalproperty_get_first_parameter(prop, ICAL_CUTYPE_PARAMETER);
	icalparameter *role = icalproperty_get_first_parameter(prop, ICAL_ROLE_PARAMETER);
	const char *type = NULL;
	if (cu != NULL && (icalparameter_get_cutype(cu) == ICAL_CUTYPE_RESOURCE ||
			   icalparameter_get_cutype(cu) == ICAL_CUTYPE_ROOM))
		type = "3";
	else if (role != NULL)
		type = icalparameter_get_role(role) == ICAL_ROLE_OPTPARTICIPANT ||
		       icalparameter_get_role(role) == ICAL_ROLE_NONPARTICIPANT ? "2" : "1";
	if (type != NULL)
		pim_node_append(a, pim_node_new(p, WBXML_Calendar_AttendeeType, type));
	if (*list == NULL) {
		*list = pim_node_new(p, WBXML_Calendar_Attendees, NULL);
		pim_node_append(ev->ad, *list);
	}
	pim_node_append(*list, a);
}

/* BusyStatus from X-MICROSOFT-CDO-BUSYSTATUS, else TRANSP; NULL when neither. */
static const char *busy_status(icalcomponent *c)
{
	for (icalproperty *x = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); x != NULL;
	     x = icalcomponent_get_next_property(c, ICAL_X_PROPERTY)) {
		const char *name = icalproperty_get_x_name(x), *v = icalproperty_get_x(x);
		if (name == NULL || v == NULL || !str_eq_nocase(name, "X-MICROSOFT-CDO-BUSYSTATUS"))
			continue;
		static const char *const names[] = { "FREE", "TENTATIVE", "BUSY", "OOF",
						      "WORKINGELSEWHERE" };
		for (size_t i = 0; i < 5; i++) {
			if (str_eq_nocase(v, names[i]))
				return (const char *[]){ "0", "1", "2", "3", "4" }[i];
		}
	}
	icalproperty *tr = icalcomponent_get_first_property(c, ICAL_TRANSP_PROPERTY);
	if (tr != NULL) {
		enum icalproperty_transp t = icalproperty_get_transp(tr);
		if (t == ICAL_TRANSP_TRANSPARENT || t == ICAL_TRANSP_TRANSPARENTNOCONFLICT)
			return "0";
		return "2";
	}
	return NULL;
}

/* Minutes before the start of the first VALARM's trigger; NULL for none (or after it). */
static const char *reminder(struct event *ev, icalcomponent *c, int64_t start_utc,
			    int64_t end_utc)
{
	icalcomponent *alarm = icalcomponent_get_first_component(c, ICAL_VALARM_COMPONENT);
	icalproperty *trig = alarm != NULL ?
			     icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY) : NULL;
	if (trig == NULL)
		return NULL;
	struct icaltriggertype tr = icalproperty_get_trigger(trig);
	int64_t when;
	if (!icaltime_is_null_time(tr.time)) {
		when = ical_to_utc(tr.time, icaltimezone_get_utc_timezone());
	} else {
		icalparameter *rel = icalproperty_get_first_parameter(trig, ICAL_RELATED_PARAMETER);
		bool end = rel != NULL && icalparameter_get_related(rel) == ICAL_RELATED_END;
		when = (end ? end_utc : start_utc) + icaldurationtype_as_int(tr.duration);
	}
	if (when > start_utc || start_utc - when > 4LL * 7 * 86400 * 52) {
		ev->dropped++;
		return NULL;
	}
	return pool_printf(ev->p, "%lld", (long long)((start_utc - when) / 60));
}

/* X-EAS-<name> properties of the EAS fields without an iCalendar counterpart. */
static const struct {
	const char *name;
	uint16_t tag;
} x_eas[] = {
	{ "X-EAS-MEETINGSTATUS", WBXML_Calendar_MeetingStatus },
	{ "X-EAS-RESPONSEREQUESTED", WBXML_Calendar_ResponseRequested },
	{ "X-EAS-RESPONSETYPE", WBXML_Calendar_ResponseType },
	{ "X-EAS-DISALLOWNEWTIMEPROPOSAL", WBXML_Calendar_DisallowNewTimeProposal },
	{ "X-EAS-APPOINTMENTREPLYTIME", WBXML_Calendar_AppointmentReplyTime },
	{ "X-EAS-ONLINEMEETINGCONFLINK", WBXML_Calendar_OnlineMeetingConfLink },
	{ "X-EAS-ONLINEMEETINGEXTERNALLINK", WBXML_Calendar_OnlineMeetingExternalLink },
};

/* The properties an exception and its series share: summary, location, description,
 * class, busy status, reminder, categories. */
static int map_common(struct event *ev, icalcomponent *c, struct wbxml_node *parent,
		      int64_t start_utc, int64_t end_utc, const char **error_r)
{
	pool *p = ev->p;
	icalproperty *prop;
	const char *text;

	if ((prop = icalcomponent_get_first_property(c, ICAL_SUMMARY_PROPERTY)) != NULL) {
		if (pim_ical_text(p, icalproperty_get_summary(prop), "SUMMARY", &text, error_r) < 0)
			return -1;
		ev_set(p, parent, WBXML_Calendar_Subject, text);
	}
	if ((prop = icalcomponent_get_first_property(c, ICAL_LOCATION_PROPERTY)) != NULL) {
		if (pim_ical_text(p, icalproperty_get_location(prop), "LOCATION", &text,
				  error_r) < 0)
			return -1;
		if (text != NULL && *text != '\0') {
			struct wbxml_node *loc = pim_node_new(p, WBXML_AirSyncBase_Location, NULL);
			pim_node_append(loc, pim_node_new(p, WBXML_AirSyncBase_DisplayName, text));
			pim_node_append(parent, loc);
		}
	}
	if ((prop = icalcomponent_get_first_property(c, ICAL_DESCRIPTION_PROPERTY)) != NULL) {
		if (pim_ical_text(p, icalproperty_get_description(prop), "DESCRIPTION", &text,
				  error_r) < 0)
			return -1;
		if (text != NULL && *text != '\0') {
			struct wbxml_node *body = pim_node_new(p, WBXML_AirSyncBase_Body, NULL);
			pim_node_append(body, pim_node_new(p, WBXML_AirSyncBase_Type, "1"));
			pim_node_append(body, pim_node_new(p, WBXML_AirSyncBase_Data, text));
			pim_node_append(parent, body);
		}
	}
	if ((prop = icalcomponent_get_first_property(c, ICAL_CLASS_PROPERTY)) != NULL) {
		enum icalproperty_class cls = icalproperty_get_class(prop);
		ev_set(p, parent, WBXML_Calendar_Sensitivity, cls == ICAL_CLASS_PRIVATE ? "2" :
		       cls == ICAL_CLASS_CONFIDENTIAL ? "3" : cls == ICAL_CLASS_PUBLIC ? "0" : NULL);
	}
	ev_set(p, parent, WBXML_Calendar_BusyStatus, busy_status(c));
	ev_set(p, parent, WBXML_Calendar_Reminder, reminder(ev, c, start_utc, end_utc));
	struct wbxml_node *cats = NULL;
	for (prop = icalcomponent_get_first_property(c, ICAL_CATEGORIES_PROPERTY); prop != NULL;
	     prop = icalcomponent_get_next_property(c, ICAL_CATEGORIES_PROPERTY)) {
		if (pim_ical_text(p, icalproperty_get_categories(prop), "CATEGORIES", &text,
				  error_r) < 0)
			return -1;
		pim_ical_add_categories(p, parent, &cats, WBXML_Calendar_Categories,
					WBXML_Calendar_Category, text);
	}
	return 0;
}

/* DTSTART and DTEND/DURATION of a component as UTC seconds in the event's zone. */
static int map_times(struct event *ev, icalcomponent *c, int64_t *start_r, int64_t *end_r,
		     bool *is_date_r, const char **error_r)
{
	icalproperty *ps = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
	if (ps == NULL) {
		*error_r = "VEVENT without DTSTART";
		return -1;
	}
	struct icaltimetype start = prop_time(ps, icalcomponent_get_dtstart(c));
	if (icaltime_is_null_time(start) || !icaltime_is_valid_time(start) || start.year < 1601 ||
	    start.year > 4000) {
		*error_r = "DTSTART is not a valid date";
		return -1;
	}
	icalproperty *pe = icalcomponent_get_first_property(c, ICAL_DTEND_PROPERTY);
	struct icaltimetype end = prop_time(pe, icalcomponent_get_dtend(c));
	*is_date_r = start.is_date;
	*start_r = ical_to_utc(start, ev->izone);
	if (icaltime_is_null_time(end) || !icaltime_is_valid_time(end))
		*end_r = *start_r + (start.is_date ? 86400 : 0);
	else if (start.is_date && end.is_date)
		*end_r = *start_r + (days_from_civil(end.year, end.month, end.day) -
				     days_from_civil(start.year, start.month, start.day)) * 86400;
	else
		*end_r = ical_to_utc(end, ev->izone);
	if (start.is_date && *end_r > *start_r) {
		/* All-day: local midnight to local midnight (DST days are 23 or 25 hours). */
		struct icaltimetype e = start;
		e.is_date = 0;
		icaltime_adjust(&e, (int)((*end_r - *start_r) / 86400), 0, 0, 0);
		*end_r = ical_to_utc(e, ev->izone);
	}
	if (*end_r < *start_r) {
		*error_r = "DTEND is before DTSTART";
		return -1;
	}
	return 0;
}

/* The series of an event (after map_event) for recur.h. */
static void event_series(const struct event *ev, struct pim_recur_series *s)
{
	memset(s, 0, sizeof(*s));
	s->recur = &ev->recur;
	s->zone = ev->zone;
	s->start_utc = ev->start_utc;
	s->duration_s = ev->end_utc - ev->start_utc;
	s->all_day = ev->all_day;
}

/* The exception of the occurrence (ExceptionStartTime compact), or NULL. */
static struct wbxml_node *find_exception(const struct event *ev, const char *original)
{
	for (struct wbxml_node *o = ev->exceptions != NULL ? ev->exceptions->children : NULL;
	     o != NULL; o = o->next) {
		const char *v = wbxml_child_str(o, WBXML_Calendar_ExceptionStartTime);
		if (v != NULL && strcmp(v, original) == 0)
			return o;
	}
	return NULL;
}

/* Maps one series (or single) VEVENT. -1 with *error_r for content that cannot be imported. */
static int map_event(struct event *ev, icalcomponent *c, const char **error_r)
{
	pool *p = ev->p;
	icalproperty *prop;
	bool is_date;

	prop = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);
	if (prop != NULL) {
		*error_r = pool_printf(p, "%.200s", icalproperty_get_xlicerror(prop));
		return -1;
	}
	icalproperty *ps = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
	if (ps == NULL) {
		*error_r = "VEVENT without DTSTART";
		return -1;
	}
	struct icaltimetype start = prop_time(ps, icalcomponent_get_dtstart(c));
	/* X-EAS-TZID: the zone of an exported all-day or floating event. */
	for (prop = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); prop != NULL;
	     prop = icalcomponent_get_next_property(c, ICAL_X_PROPERTY)) {
		const char *name = icalproperty_get_x_name(prop), *v = icalproperty_get_x(prop);
		if (name != NULL && v != NULL && str_eq_nocase(name, "X-EAS-TZID") &&
		    iana_name(v) != NULL)
			ev->default_zone = iana_name(v);
	}
	event_zone(ev, ps, start);
	if (map_times(ev, c, &ev->start_utc, &ev->end_utc, &is_date, error_r) < 0)
		return -1;
	ev->all_day = is_date;
	if (add_timezone(ev, start.year, error_r) < 0)
		return -1;
	ev_set(p, ev->ad, WBXML_Calendar_StartTime, pim_eas_time_format(p, ev->start_utc));
	ev_set(p, ev->ad, WBXML_Calendar_EndTime, pim_eas_time_format(p, ev->end_utc));
	ev_set(p, ev->ad, WBXML_Calendar_AllDayEvent, is_date ? "1" : "0");
	if (map_common(ev, c, ev->ad, ev->start_utc, ev->end_utc, error_r) < 0)
		return -1;
	if ((prop = icalcomponent_get_first_property(c, ICAL_UID_PROPERTY)) != NULL) {
		const char *uid;
		if (pim_ical_text(p, icalproperty_get_uid(prop), "UID", &uid, error_r) < 0)
			return -1;
		if (uid != NULL && strlen(uid) > 300) {
			*error_r = "UID longer than 300 bytes";
			return -1;
		}
		ev_set(p, ev->ad, WBXML_Calendar_UID, uid);
		ev->uid = uid != NULL && *uid != '\0' ? uid : NULL;
	}
	if ((prop = icalcomponent_get_first_property(c, ICAL_DTSTAMP_PROPERTY)) != NULL) {
		struct icaltimetype st = icalproperty_get_dtstamp(prop);
		if (icaltime_is_valid_time(st) && !icaltime_is_null_time(st))
			ev_set(p, ev->ad, WBXML_Calendar_DtStamp,
			       pim_eas_time_format(p, ical_to_utc(st, ev->izone)));
	}
	bool meeting = false;
	if ((prop = icalcomponent_get_first_property(c, ICAL_ORGANIZER_PROPERTY)) != NULL) {
		const char *email = cal_address(p, icalproperty_get_organizer(prop));
		ev_set(p, ev->ad, WBXML_Calendar_OrganizerEmail, email);
		ev_set(p, ev->ad, WBXML_Calendar_OrganizerName, param_cn(p, prop));
	}
	struct wbxml_node *attendees = NULL;
	for (prop = icalcomponent_get_first_property(c, ICAL_ATTENDEE_PROPERTY); prop != NULL;
	     prop = icalcomponent_get_next_property(c, ICAL_ATTENDEE_PROPERTY)) {
		add_attendee(ev, &attendees, prop);
		meeting = true;
	}
	prop = icalcomponent_get_first_property(c, ICAL_STATUS_PROPERTY);
	bool cancelled = prop != NULL && icalproperty_get_status(prop) == ICAL_STATUS_CANCELLED;
	ev_set(p, ev->ad, WBXML_Calendar_MeetingStatus, cancelled ? "5" : meeting ? "1" : "0");
	for (prop = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); prop != NULL;
	     prop = icalcomponent_get_next_property(c, ICAL_X_PROPERTY)) {
		const char *name = icalproperty_get_x_name(prop), *v = icalproperty_get_x(prop);
		for (size_t i = 0; name != NULL && v != NULL && i < sizeof(x_eas) / sizeof(x_eas[0]);
		     i++) {
			if (str_eq_nocase(name, x_eas[i].name) && utf8_valid(v, strlen(v), NULL))
				ev_set(p, ev->ad, x_eas[i].tag, pool_strdup(p, v));
		}
	}
	if (icalcomponent_get_first_property(c, ICAL_RDATE_PROPERTY) != NULL) {
		*error_r = "RDATE cannot be expressed in EAS";
		return -1;
	}
	if ((prop = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY)) != NULL) {
		if (icalcomponent_get_next_property(c, ICAL_RRULE_PROPERTY) != NULL) {
			*error_r = "several RRULEs cannot be expressed in EAS";
			return -1;
		}
		struct icalrecurrencetype r = icalproperty_get_rrule(prop);
		struct icaltimetype local = start.zone != NULL && !start.is_date ?
			icaltime_convert_to_zone(start, ev->izone) : start;
		if (r.freq == ICAL_NO_RECURRENCE) {
			*error_r = "RRULE without a valid FREQ";
			return -1;
		}
		if (rrule_to_recur(p, &r, local, ev->izone, &ev->recur, error_r) < 0)
			return -1;
		if (pim_recur_validate(&ev->recur, error_r) < 0) {
			*error_r = pool_printf(p, "RRULE: %s", *error_r);
			return -1;
		}
		ev->recurring = true;
		recur_nodes(p, &ev->recur, ev->ad);
	}
	for (prop = icalcomponent_get_first_property(c, ICAL_EXDATE_PROPERTY); prop != NULL;
	     prop = icalcomponent_get_next_property(c, ICAL_EXDATE_PROPERTY)) {
		if (!ev->recurring) {
			ev->dropped++;
			break;
		}
		struct icaltimetype x = prop_time(prop, icalproperty_get_exdate(prop));
		if (icaltime_is_null_time(x) || !icaltime_is_valid_time(x)) {
			*error_r = "EXDATE is not a valid date";
			return -1;
		}
		if (x.is_date && !is_date) {
			/* A date EXDATE of a timed series: the occurrence on that date. */
			x.is_date = 0;
			x.hour = start.hour;
			x.minute = start.minute;
			x.second = start.second;
		}
		int64_t when = ical_to_utc(x, ev->izone), found;
		/* An EXDATE that is no occurrence (left over from an edit of the series) or
		 * repeats another deletes nothing: it is dropped, not an error. */
		struct pim_recur_series series;
		const char *why;
		event_series(ev, &series);
		if (pim_recur_find_occurrence(&series, when, false, &found, &why) < 0 ||
		    find_exception(ev, pim_eas_time_format(p, found)) != NULL) {
			ev->dropped++;
			continue;
		}
		struct wbxml_node *e = pim_node_new(p, WBXML_Calendar_Exception, NULL);
		pim_node_append(e, pim_node_new(p, WBXML_Calendar_Deleted, "1"));
		pim_node_append(e, pim_node_new(p, WBXML_Calendar_ExceptionStartTime,
						pim_eas_time_format(p, found)));
		if (ev->exceptions == NULL) {
			ev->exceptions = pim_node_new(p, WBXML_Calendar_Exceptions, NULL);
			pim_node_append(ev->ad, ev->exceptions);
		}
		pim_node_append(ev->exceptions, e);
	}
	return 0;
}

/* The properties an exception takes from its series when it lacks them (MS-ASCAL
 * Exception), in groups of tags that hold one property (Location, Body: two forms). */
static const uint16_t inherited_groups[][2] = {
	{ WBXML_Calendar_Subject, 0 },
	{ WBXML_AirSyncBase_Location, WBXML_Calendar_Location },
	{ WBXML_AirSyncBase_Body, WBXML_Calendar_Body },
	{ WBXML_Calendar_Sensitivity, 0 },
	{ WBXML_Calendar_BusyStatus, 0 },
	{ WBXML_Calendar_Categories, 0 },
	{ WBXML_Calendar_Reminder, 0 },
};
#define INHERITED_GROUPS (sizeof(inherited_groups) / sizeof(inherited_groups[0]))

/* The child of parent holding group g's property, or NULL. */
static const struct wbxml_node *group_child(const struct wbxml_node *parent, size_t g)
{
	const struct wbxml_node *n = wbxml_child(parent, inherited_groups[g][0]);
	if (n == NULL && inherited_groups[g][1] != 0)
		n = wbxml_child(parent, inherited_groups[g][1]);
	return n;
}

/* The occurrence an override without its series replaces, and whether it cancels it. */
static void orphan_occurrence(struct event *ev, icalcomponent *c, struct pim_vevent *out)
{
	icalproperty *rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
	struct icaltimetype orig = prop_time(rid, icalproperty_get_recurrenceid(rid));
	icalproperty *st = icalcomponent_get_first_property(c, ICAL_STATUS_PROPERTY);

	if (icaltime_is_null_time(orig) || !icaltime_is_valid_time(orig)) {
		out->error = pool_printf(ev->p, "line %zu: RECURRENCE-ID is not a valid date",
					 out->line);
		return;
	}
	out->recurrence_id_utc = ical_to_utc(orig, ev->izone);
	out->cancelled = st != NULL && icalproperty_get_status(st) == ICAL_STATUS_CANCELLED;
	/* A date (or a time without zone) was read in the file's zone; it means the series'
	 * zone, which only the importer knows (pim_vevent_attach). */
	out->recurrence_id_floating = orig.is_date ||
		(orig.zone == NULL && !icaltime_is_utc(orig) &&
		 icalproperty_get_first_parameter(rid, ICAL_TZID_PARAMETER) == NULL);
	out->times_floating = ev->floating;
	out->file_zone = ev->default_zone;
}

/* t, a wall-clock time read in zone from, as the same wall-clock time in zone to, or by
 * the rules of to_blob when it is not NULL (a TimeZone no IANA zone matches). */
static int64_t rezone(int64_t t, const char *from, const char *to,
		      const struct pim_tz_blob *to_blob)
{
	int y, mo, d, h, mi, sec;
	int64_t out;

	if (pim_tz_utc_to_local(from, t, &y, &mo, &d, &h, &mi, &sec) < 0)
		return t;
	if (to_blob != NULL)
		return pim_tz_blob_to_utc(to_blob, pim_tz_days_from_civil(y, (unsigned)mo,
									   (unsigned)d) * 86400 +
						     h * 3600 + mi * 60 + sec);
	if (pim_tz_local_to_utc(to, y, mo, d, h, mi, sec, &out) < 0)
		return t;
	return out;
}

/* The zone of a stored appointment: the imported IANA zone, else its blob's; "UTC" with
 * *has_blob_r set and the blob when no IANA zone matches its blob. */
static const char *series_zone(const struct wbxml_node *ad, struct pim_tz_blob *blob_r,
			       bool *has_blob_r)
{
	const char *stored = pim_calendar_stored_zone(ad);

	*has_blob_r = false;
	if (stored != NULL && iana_name(stored) != NULL)
		return iana_name(stored);
	return blob_zone(wbxml_child_str(ad, WBXML_Calendar_Timezone), blob_r, has_blob_r);
}

bool pim_vevent_can_attach(pool *p, const struct store_item *series)
{
	struct wbxml_node *root;
	const char *error;

	return pim_item_decode(p, series, &root, &error) == 0 &&
	       wbxml_child(root, WBXML_Calendar_Recurrence) != NULL;
}

int pim_vevent_attach(pool *p, const struct pim_vevent *ev, const struct store_item *series,
		      struct store_item *out_r, const char **error_r)
{
	const struct pim_class_ops *ops = pim_class(STORE_CLASS_CALENDAR);
	struct wbxml_node *root;
	int64_t rid = ev->recurrence_id_utc;

	if (pim_item_decode(p, series, &root, error_r) < 0)
		return -1;
	if (wbxml_child(root, WBXML_Calendar_Recurrence) == NULL) {
		*error_r = "the appointment of that UID does not recur";
		return -1;
	}
	struct pim_tz_blob blob;
	bool has_blob;
	const char *zone = series_zone(root, &blob, &has_blob);
	const struct pim_tz_blob *to_blob = has_blob ? &blob : NULL;
	const char *file_zone = ev->file_zone != NULL ? ev->file_zone : "UTC";
	bool shift = has_blob || strcmp(zone, file_zone) != 0;
	if (shift && ev->recurrence_id_floating)
		rid = rezone(rid, file_zone, zone, to_blob);
	struct pim_in_options in = {
		.version = 141, /* times are UTC instants, also those of all-day series */
		.instance_id = pim_eas_time_format(p, rid),
		.delete_instance = ev->cancelled,
	};
	const struct wbxml_node *appdata = ev->cancelled ? NULL : ev->appdata;
	if (appdata != NULL && shift && ev->times_floating) {
		/* Dates and floating times of the override: the series' zone's. */
		struct wbxml_node *copy = pim_node_copy(p, appdata);
		wbxml_foreach_child(copy, c) {
			int64_t t;
			if ((c->tag == WBXML_Calendar_StartTime || c->tag == WBXML_Calendar_EndTime) &&
			    pim_eas_time_to_utc(wbxml_node_str(c), &t) == 0) {
				const char *v = pim_eas_time_format(p, rezone(t, file_zone, zone,
									      to_blob));
				c->value = (const unsigned char *)v;
				c->value_len = strlen(v);
			}
		}
		appdata = copy;
	}
	return ops->from_eas_opt(p, appdata, &in, series, NULL, out_r, error_r);
}

/* Adds a RECURRENCE-ID component as a modified exception of ev. */
static int map_override(struct event *ev, icalcomponent *c, const char **error_r)
{
	pool *p = ev->p;
	icalproperty *rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
	struct icaltimetype orig = prop_time(rid, icalproperty_get_recurrenceid(rid));
	int64_t orig_utc, start_utc, end_utc;
	bool is_date;

	if (icaltime_is_null_time(orig) || !icaltime_is_valid_time(orig)) {
		*error_r = "RECURRENCE-ID is not a valid date";
		return -1;
	}
	orig_utc = ical_to_utc(orig, ev->izone);
	struct pim_recur_series s;
	int64_t found;
	event_series(ev, &s);
	if (pim_recur_find_occurrence(&s, orig_utc, false, &found, error_r) < 0) {
		*error_r = pool_printf(p, "RECURRENCE-ID %s is no occurrence of the series (%s)",
				       pim_eas_time_format(p, orig_utc), *error_r);
		return -1;
	}
	const char *original = pim_eas_time_format(p, found);
	struct wbxml_node *old = find_exception(ev, original);
	icalproperty *st = icalcomponent_get_first_property(c, ICAL_STATUS_PROPERTY);
	if (st != NULL && icalproperty_get_status(st) == ICAL_STATUS_CANCELLED) {
		/* A cancelled occurrence (as Google writes them): a deleted exception. */
		if (old == NULL) {
			struct wbxml_node *e = pim_node_new(p, WBXML_Calendar_Exception, NULL);
			pim_node_append(e, pim_node_new(p, WBXML_Calendar_Deleted, "1"));
			pim_node_append(e, pim_node_new(p, WBXML_Calendar_ExceptionStartTime,
							original));
			if (ev->exceptions == NULL) {
				ev->exceptions = pim_node_new(p, WBXML_Calendar_Exceptions, NULL);
				pim_node_append(ev->ad, ev->exceptions);
			}
			pim_node_append(ev->exceptions, e);
		}
		return 0;
	}
	if (old != NULL) {
		*error_r = wbxml_child(old, WBXML_Calendar_Deleted) != NULL ?
			   "RECURRENCE-ID of an occurrence its EXDATE deletes" :
			   "two exceptions of the same occurrence";
		return -1;
	}
	if (map_times(ev, c, &start_utc, &end_utc, &is_date, error_r) < 0)
		return -1;
	struct wbxml_node *e = pim_node_new(p, WBXML_Calendar_Exception, NULL);
	pim_node_append(e, pim_node_new(p, WBXML_Calendar_ExceptionStartTime, original));
	pim_node_append(e, pim_node_new(p, WBXML_Calendar_StartTime,
					pim_eas_time_format(p, start_utc)));
	pim_node_append(e, pim_node_new(p, WBXML_Calendar_EndTime,
					pim_eas_time_format(p, end_utc)));
	if (is_date != ev->all_day)
		pim_node_append(e, pim_node_new(p, WBXML_Calendar_AllDayEvent, is_date ? "1" : "0"));
	if (map_common(ev, c, e, start_utc, end_utc, error_r) < 0)
		return -1;
	/* An override repeats what it shares with the series (RFC 5545 3.8.4.4, and so does
	 * our export): the exception keeps only what differs, as EAS exceptions do. */
	for (size_t g = 0; g < INHERITED_GROUPS; g++) {
		const struct wbxml_node *mine = group_child(e, g);
		const struct wbxml_node *series = group_child(ev->ad, g);
		if (mine != NULL && series != NULL && pim_node_equal(mine, series))
			pim_node_remove(e, mine);
	}
	if (ev->exceptions == NULL) {
		ev->exceptions = pim_node_new(p, WBXML_Calendar_Exceptions, NULL);
		pim_node_append(ev->ad, ev->exceptions);
	}
	pim_node_append(ev->exceptions, e);
	if (end_utc > ev->filter_end && ev->filter_end != INT64_MAX)
		ev->filter_end = end_utc;
	if (start_utc < ev->filter_start)
		ev->filter_start = start_utc;
	return 0;
}

/* The item's filter span: first start .. end of the last occurrence. */
static int event_span(struct event *ev, const char **error_r)
{
	ev->filter_start = ev->start_utc;
	ev->filter_end = ev->end_utc;
	if (!ev->recurring)
		return 0;
	struct pim_recur_series s;
	event_series(ev, &s);
	return pim_recur_last_end(&s, &ev->filter_end, error_r);
}

/* X-WR-TIMEZONE of the calendar when it names a known zone, else "UTC". */
static const char *calendar_zone(icalcomponent *root)
{
	for (icalproperty *x = icalcomponent_get_first_property(root, ICAL_X_PROPERTY); x != NULL;
	     x = icalcomponent_get_next_property(root, ICAL_X_PROPERTY)) {
		const char *name = icalproperty_get_x_name(x), *v = icalproperty_get_x(x);
		if (name != NULL && v != NULL && str_eq_nocase(name, "X-WR-TIMEZONE") &&
		    iana_name(v) != NULL)
			return iana_name(v);
	}
	return "UTC";
}

int pim_vevent_parse(pool *p, const char *text, size_t len, size_t max_input, size_t max_events,
		     struct pim_vevent **events_r, size_t *count_r, const char **error_r)
{
	size_t begins, *lines;
	icalcomponent *root;

	*events_r = NULL;
	*count_r = 0;
	if (pim_ical_parse_input(p, text, len, max_input, max_events, "VEVENT", false, &lines,
				 &begins, &root, error_r) < 0)
		return -1;
	if (root == NULL)
		return 0;
	const char *deflt = calendar_zone(root);
	size_t n = 0;
	icalcomponent **comps = pool_calloc(p, begins + 1, sizeof(*comps));
	size_t *comp_lines = pool_calloc(p, begins + 1, sizeof(*comp_lines));
	for (icalcomponent *c = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT);
	     c != NULL && n < begins; c = icalcomponent_get_next_component(root,
									   ICAL_VEVENT_COMPONENT)) {
		comp_lines[n] = lines[n];
		comps[n++] = c;
	}
	struct pim_vevent *events = pool_calloc(p, n + 1, sizeof(*events));
	struct event *evs = pool_calloc(p, n + 1, sizeof(*evs));
	size_t count = 0;
	/* Series and single events first, then the exceptions onto their series by UID. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			icalcomponent *c = comps[i];
			bool is_override = icalcomponent_get_first_property(
				c, ICAL_RECURRENCEID_PROPERTY) != NULL;
			const char *uid = icalcomponent_get_uid(c);
			const char *why = NULL;
			if (pass == 1 && is_override && uid != NULL) {
				size_t j;
				for (j = 0; j < count; j++) {
					if (evs[j].uid != NULL && evs[j].recurring &&
					    strcmp(evs[j].uid, uid) == 0)
						break;
				}
				if (j < count) {
					if (events[j].error == NULL &&
					    map_override(&evs[j], c, &why) < 0)
						events[j].error = pool_printf(
							p, "line %zu: %s", comp_lines[i], why);
					continue;
				}
			}
			if ((pass == 0) == is_override)
				continue;
			/* An exception without its series in the file: a single event. */
			struct event *ev = &evs[count];
			ev->p = p;
			ev->default_zone = deflt;
			ev->ad = pim_node_new(p, WBXML_AirSync_ApplicationData, NULL);
			if (is_override)
				ev->dropped++;
			events[count].orphan_override = is_override;
			events[count].line = comp_lines[i];
			if (map_event(ev, c, &why) < 0 || event_span(ev, &why) < 0)
				events[count].error = pool_printf(p, "line %zu: %s", comp_lines[i],
								  why);
			if (is_override && events[count].error == NULL)
				orphan_occurrence(ev, c, &events[count]);
			count++;
		}
	}
	for (size_t i = 0; i < count; i++) {
		if (events[i].error == NULL) {
			events[i].appdata = evs[i].ad;
			events[i].uid = evs[i].uid;
			events[i].filter_start = evs[i].filter_start;
			events[i].filter_end = evs[i].filter_end;
			events[i].zone = evs[i].zone;
		}
		events[i].dropped = evs[i].dropped;
	}
	icalcomponent_free(root);
	*events_r = events;
	*count_r = count;
	return 0;
}

/* ---- Export ---- */

void pim_vevent_write_begin(struct pim_vevent_writer *wr, buf *out)
{
	memset(wr, 0, sizeof(*wr));
	buf_puts(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easd//calendar export//EN\r\n");
}

void pim_vevent_write_end(struct pim_vevent_writer *wr, buf *out)
{
	for (size_t i = 0; i < wr->zone_count; i++) {
		icaltimezone *z = ical_zone(wr->zones[i]);
		icalcomponent *vtz = z != NULL ? icaltimezone_get_component(z) : NULL;
		if (vtz == NULL)
			continue;
		icalcomponent *clone = icalcomponent_new_clone(vtz);
		/* libical's zones carry their whole history (Amsterdam since 1835): only the
		 * rules from a year before the earliest event are written. */
		if (wr->any)
			icaltimezone_truncate_vtimezone(
				clone, icaltime_from_timet_with_zone((time_t)(wr->earliest - 366 * 86400),
								     0, icaltimezone_get_utc_timezone()),
				icaltime_null_time(), 0);
		icalproperty *tzid = icalcomponent_get_first_property(clone, ICAL_TZID_PROPERTY);
		if (tzid != NULL)
			icalproperty_set_tzid(tzid, wr->zones[i]);
		char *s = icalcomponent_as_ical_string_r(clone);
		buf_puts(out, s);
		free(s);
		icalcomponent_free(clone);
	}
	buf_puts(out, "END:VCALENDAR\r\n");
}

/* A time property in the event's zone: TZID=zone local time, Z for UTC, VALUE=DATE for
 * all-day events. */
static icalproperty *time_prop(icalproperty *(*make)(struct icaltimetype), int64_t utc,
			       const char *zone, bool all_day)
{
	icaltimezone *z = ical_zone(zone);
	bool is_utc = strcmp(zone, "UTC") == 0;
	struct icaltimetype t = ical_local(utc, z, all_day);

	if (is_utc && !all_day)
		t.zone = icaltimezone_get_utc_timezone();
	icalproperty *prop = make(t);
	if (!is_utc && !all_day)
		icalproperty_add_parameter(prop, icalparameter_new_tzid(zone));
	return prop;
}

static icalrecurrencetype_weekday weekday(int d)
{
	return (icalrecurrencetype_weekday)(ICAL_SUNDAY_WEEKDAY + d);
}

static void add_rrule(icalcomponent *c, const struct pim_event_info *info)
{
	const struct pim_recur *rc = &info->recur;
	struct icalrecurrencetype r;
	size_t n = 0;

	icalrecurrencetype_clear(&r);
	switch (rc->type) {
	case PIM_RECUR_DAILY: r.freq = ICAL_DAILY_RECURRENCE; break;
	case PIM_RECUR_WEEKLY: r.freq = ICAL_WEEKLY_RECURRENCE; break;
	case PIM_RECUR_MONTHLY: case PIM_RECUR_MONTHLY_NTH: r.freq = ICAL_MONTHLY_RECURRENCE; break;
	case PIM_RECUR_YEARLY: case PIM_RECUR_YEARLY_NTH: r.freq = ICAL_YEARLY_RECURRENCE; break;
	default: return;
	}
	r.interval = (short)(rc->interval > 0 ? rc->interval : 1);
	if (rc->occurrences > 0)
		r.count = (int)rc->occurrences;
	else if (rc->has_until)
		r.until = info->all_day ?
			  ical_local(rc->until_utc, ical_zone(info->zone), true) :
			  icaltime_from_timet_with_zone((time_t)rc->until_utc, 0,
							icaltimezone_get_utc_timezone());
	int pos = rc->week_of_month == PIM_RECUR_LAST_WEEK ? -1 : rc->week_of_month;
	bool nth = rc->type == PIM_RECUR_MONTHLY_NTH || rc->type == PIM_RECUR_YEARLY_NTH;
	for (int d = 0; d < 7 && rc->day_of_week != 0; d++) {
		if ((rc->day_of_week & (1u << d)) == 0)
			continue;
		/* Several days with a position: BYDAY list with BYSETPOS ("the last weekday"). */
		r.by_day[n++] = (short)(d + 1);
	}
	if (n > 0)
		r.by_day[n] = ICAL_RECURRENCE_ARRAY_MAX;
	if (nth && n == 1) {
		int code = (int)weekday(__builtin_ctz(rc->day_of_week)) + 8 * (pos < 0 ? -pos : pos);
		r.by_day[0] = (short)(pos < 0 ? -code : code);
	} else if (nth && n > 1) {
		r.by_set_pos[0] = (short)pos;
		r.by_set_pos[1] = ICAL_RECURRENCE_ARRAY_MAX;
	}
	if (rc->day_of_month != 0 && !nth) {
		r.by_month_day[0] = rc->day_of_month;
		r.by_month_day[1] = ICAL_RECURRENCE_ARRAY_MAX;
	}
	if (rc->month_of_year != 0) {
		r.by_month[0] = rc->month_of_year;
		r.by_month[1] = ICAL_RECURRENCE_ARRAY_MAX;
	}
	if (rc->has_first_day_of_week)
		r.week_start = weekday(rc->first_day_of_week);
	icalcomponent_add_property(c, icalproperty_new_rrule(r));
}

/* The text of a stored Location: airsyncbase:Location DisplayName or calendar:Location. */
static const char *location_text(const struct wbxml_node *parent)
{
	const struct wbxml_node *loc = wbxml_child(parent, WBXML_AirSyncBase_Location);
	const char *s = loc != NULL ? wbxml_child_str(loc, WBXML_AirSyncBase_DisplayName) : NULL;
	return s != NULL ? s : wbxml_child_str(parent, WBXML_Calendar_Location);
}

/* The properties an exception and its series share (see map_common). */
static void write_common(icalcomponent *c, const struct wbxml_node *node, int64_t start_utc)
{
	const char *s;
	uint64_t v;

	if ((s = wbxml_child_str(node, WBXML_Calendar_Subject)) != NULL)
		icalcomponent_add_property(c, icalproperty_new_summary(s));
	if ((s = location_text(node)) != NULL)
		icalcomponent_add_property(c, icalproperty_new_location(s));
	const struct wbxml_node *body = wbxml_child(node, WBXML_AirSyncBase_Body);
	const char *type = body != NULL ? wbxml_child_str(body, WBXML_AirSyncBase_Type) : NULL;
	const char *data = body != NULL ? wbxml_child_str(body, WBXML_AirSyncBase_Data) : NULL;
	if (data == NULL)
		data = wbxml_child_str(node, WBXML_Calendar_Body);
	if (data != NULL) {
		buf text = BUF_INIT;
		if (type != NULL && strcmp(type, "2") == 0)
			pim_html_to_text(&text, data, strlen(data));
		else
			buf_puts(&text, data);
		icalcomponent_add_property(c, icalproperty_new_description(buf_cstr(&text)));
		buf_free(&text);
	}
	if (node_uint(node, WBXML_Calendar_Sensitivity, 3, &v))
		icalcomponent_add_property(c, icalproperty_new_class(
			v == 0 ? ICAL_CLASS_PUBLIC : v == 3 ? ICAL_CLASS_CONFIDENTIAL :
			ICAL_CLASS_PRIVATE));
	if (node_uint(node, WBXML_Calendar_BusyStatus, 4, &v)) {
		static const char *const names[] = { "FREE", "TENTATIVE", "BUSY", "OOF",
						      "WORKINGELSEWHERE" };
		icalcomponent_add_property(c, icalproperty_new_transp(
			v == 0 ? ICAL_TRANSP_TRANSPARENT : ICAL_TRANSP_OPAQUE));
		pim_ical_add_x(c, "X-MICROSOFT-CDO-BUSYSTATUS", names[v]);
	}
	const struct wbxml_node *cats = wbxml_child(node, WBXML_Calendar_Categories);
	for (const struct wbxml_node *k = cats != NULL ? cats->children : NULL; k != NULL;
	     k = k->next) {
		if ((s = wbxml_node_str(k)) != NULL && *s != '\0')
			icalcomponent_add_property(c, icalproperty_new_categories(s));
	}
	if (node_uint(node, WBXML_Calendar_Reminder, 4000000, &v)) {
		icalcomponent *alarm = icalcomponent_new(ICAL_VALARM_COMPONENT);
		struct icaltriggertype tr = { .time = icaltime_null_time(),
					      .duration = icaldurationtype_from_int(-(int)v * 60) };
		icalcomponent_add_property(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY));
		icalcomponent_add_property(alarm, icalproperty_new_trigger(tr));
		icalcomponent_add_property(alarm, icalproperty_new_description("Reminder"));
		icalcomponent_add_component(c, alarm);
	}
	(void)start_utc;
}

static void write_people(pool *p, icalcomponent *c, const struct wbxml_node *ad)
{
	const char *s;
	uint64_t v;

	if ((s = wbxml_child_str(ad, WBXML_Calendar_OrganizerEmail)) != NULL) {
		icalproperty *o = icalproperty_new_organizer(pool_printf(p, "mailto:%s", s));
		if ((s = wbxml_child_str(ad, WBXML_Calendar_OrganizerName)) != NULL)
			icalproperty_add_parameter(o, icalparameter_new_cn(s));
		icalcomponent_add_property(c, o);
	}
	const struct wbxml_node *list = wbxml_child(ad, WBXML_Calendar_Attendees);
	for (const struct wbxml_node *a = list != NULL ? list->children : NULL; a != NULL;
	     a = a->next) {
		const char *email = wbxml_child_str(a, WBXML_Calendar_Email);
		if (a->tag != WBXML_Calendar_Attendee || email == NULL)
			continue;
		icalproperty *at = icalproperty_new_attendee(pool_printf(p, "mailto:%s", email));
		if ((s = wbxml_child_str(a, WBXML_Calendar_Name)) != NULL && strcmp(s, email) != 0)
			icalproperty_add_parameter(at, icalparameter_new_cn(s));
		if (node_uint(a, WBXML_Calendar_AttendeeStatus, 5, &v)) {
			static const icalparameter_partstat st[] = {
				ICAL_PARTSTAT_NONE, ICAL_PARTSTAT_NONE, ICAL_PARTSTAT_TENTATIVE,
				ICAL_PARTSTAT_ACCEPTED, ICAL_PARTSTAT_DECLINED,
				ICAL_PARTSTAT_NEEDSACTION,
			};
			if (st[v] != ICAL_PARTSTAT_NONE)
				icalproperty_add_parameter(at, icalparameter_new_partstat(st[v]));
			else
				icalproperty_add_parameter(at, icalparameter_new_partstat(
					ICAL_PARTSTAT_X));
		}
		if (node_uint(a, WBXML_Calendar_AttendeeType, 3, &v) && v >= 1) {
			if (v == 3)
				icalproperty_add_parameter(at, icalparameter_new_cutype(
					ICAL_CUTYPE_RESOURCE));
			else
				icalproperty_add_parameter(at, icalparameter_new_role(
					v == 2 ? ICAL_ROLE_OPTPARTICIPANT : ICAL_ROLE_REQPARTICIPANT));
		}
		icalcomponent_add_property(c, at);
	}
}

static void writer_zone(struct pim_vevent_writer *wr, const char *zone)
{
	if (strcmp(zone, "UTC") == 0)
		return;
	for (size_t i = 0; i < wr->zone_count; i++) {
		if (strcmp(wr->zones[i], zone) == 0)
			return;
	}
	if (wr->zone_count < sizeof(wr->zones) / sizeof(wr->zones[0]))
		wr->zones[wr->zone_count++] = zone;
}

void pim_vevent_write(struct pim_vevent_writer *wr, buf *out, pool *p,
		      const struct wbxml_node *ad, const char *uid)
{
	struct pim_event_info info;
	const char *s, *error;
	int64_t stamp;

	icalerror_set_errors_are_fatal(0);
	if (pim_event_read(p, ad, &info, &error) < 0)
		return;
	writer_zone(wr, info.zone);
	if (!wr->any || info.start_utc < wr->earliest)
		wr->earliest = info.start_utc;
	wr->any = true;
	if ((s = wbxml_child_str(ad, WBXML_Calendar_UID)) != NULL && *s != '\0')
		uid = s;
	if (pim_eas_time_to_utc(wbxml_child_str(ad, WBXML_Calendar_DtStamp), &stamp) < 0)
		stamp = (int64_t)time(NULL);
	struct icaltimetype dtstamp = icaltime_from_timet_with_zone(
		(time_t)stamp, 0, icaltimezone_get_utc_timezone());

	icalcomponent *c = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	icalcomponent_add_property(c, icalproperty_new_uid(uid));
	icalcomponent_add_property(c, icalproperty_new_dtstamp(dtstamp));
	icalcomponent_add_property(c, time_prop(icalproperty_new_dtstart, info.start_utc,
						info.zone, info.all_day));
	icalcomponent_add_property(c, time_prop(icalproperty_new_dtend, info.end_utc, info.zone,
						info.all_day));
	if (info.all_day && strcmp(info.zone, "UTC") != 0)
		pim_ical_add_x(c, "X-EAS-TZID", info.zone);
	write_common(c, ad, info.start_utc);
	write_people(p, c, ad);
	s = wbxml_child_str(ad, WBXML_Calendar_MeetingStatus);
	if (s != NULL && (strcmp(s, "5") == 0 || strcmp(s, "7") == 0))
		icalcomponent_add_property(c, icalproperty_new_status(ICAL_STATUS_CANCELLED));
	bool meeting = wbxml_child(ad, WBXML_Calendar_Attendees) != NULL;
	for (size_t i = 0; i < sizeof(x_eas) / sizeof(x_eas[0]); i++) {
		if ((s = wbxml_child_str(ad, x_eas[i].tag)) == NULL || *s == '\0')
			continue;
		/* MeetingStatus only when import would not derive it. */
		if (x_eas[i].tag == WBXML_Calendar_MeetingStatus &&
		    (strcmp(s, meeting ? "1" : "0") == 0 || strcmp(s, "5") == 0))
			continue;
		pim_ical_add_x(c, x_eas[i].name, s);
	}
	if (info.recurring)
		add_rrule(c, &info);
	for (size_t i = 0; i < info.exception_count; i++) {
		if (!info.exceptions[i].deleted)
			continue;
		icalcomponent_add_property(c, time_prop(icalproperty_new_exdate,
							info.exceptions[i].original_start_utc,
							info.zone, info.all_day));
	}
	pim_ical_emit(out, c);
	for (size_t i = 0; i < info.exception_count && info.recurring; i++) {
		const struct pim_recur_exception *x = &info.exceptions[i];
		const struct wbxml_node *e = info.exception_nodes[i];
		uint64_t v;
		if (x->deleted)
			continue;
		bool all_day = node_uint(e, WBXML_Calendar_AllDayEvent, 1, &v) ? v == 1 :
			       info.all_day;
		c = icalcomponent_new(ICAL_VEVENT_COMPONENT);
		icalcomponent_add_property(c, icalproperty_new_uid(uid));
		icalcomponent_add_property(c, icalproperty_new_dtstamp(dtstamp));
		icalcomponent_add_property(c, time_prop(icalproperty_new_recurrenceid,
							x->original_start_utc, info.zone,
							info.all_day));
		icalcomponent_add_property(c, time_prop(icalproperty_new_dtstart, x->start_utc,
							info.zone, all_day));
		icalcomponent_add_property(c, time_prop(icalproperty_new_dtend, x->end_utc,
							info.zone, all_day));
		/* An override replaces the whole occurrence (RFC 5545 3.8.4.4): it carries
		 * the series' properties the exception does not change. */
		struct wbxml_node *full = pim_node_new(p, WBXML_Calendar_Exception, NULL);
		for (const struct wbxml_node *k = e->children; k != NULL; k = k->next) {
			struct wbxml_node *copy = pool_new_type(p, struct wbxml_node);
			*copy = *k;
			pim_node_append(full, copy);
		}
		for (size_t g = 0; g < INHERITED_GROUPS; g++) {
			const struct wbxml_node *from = group_child(ad, g);
			if (group_child(e, g) != NULL || from == NULL)
				continue;
			struct wbxml_node *copy = pool_new_type(p, struct wbxml_node);
			*copy = *from;
			pim_node_append(full, copy);
		}
		write_common(c, full, x->start_utc);
		pim_ical_emit(out, c);
	}
}

/* ---- Storing ---- */

static int node_tag_cmp(const void *a, const void *b)
{
	const struct wbxml_node *const *x = a, *const *y = b;
	return (*x)->tag < (*y)->tag ? -1 : (*x)->tag > (*y)->tag ? 1 : 0;
}

int pim_vevent_encode(pool *p, const struct pim_vevent *ev, struct store_item *out_r,
		      const char **error_r)
{
	memset(out_r, 0, sizeof(*out_r));
	if (pim_class(STORE_CLASS_CALENDAR) != NULL)
		return pim_calendar_encode_import(p, ev->appdata, ev->zone, out_r, error_r);

	/* No calendar converter linked in: item.c's canonical form (top-level properties
	 * sorted by tag) with the metadata of the import. */
	size_t n = 0;
	for (const struct wbxml_node *c = ev->appdata->children; c != NULL; c = c->next)
		n++;
	const struct wbxml_node **v = pool_calloc(p, n + 1, sizeof(*v));
	n = 0;
	for (const struct wbxml_node *c = ev->appdata->children; c != NULL; c = c->next)
		v[n++] = c;
	qsort(v, n, sizeof(*v), node_tag_cmp);
	struct wbxml_writer w;
	buf b = BUF_INIT;
	wbxml_writer_init(&w, &b, 0);
	wbxml_start(&w, WBXML_AirSync_ApplicationData);
	for (size_t i = 0; i < n; i++)
		pim_write_node(&w, v[i], 0);
	wbxml_end(&w);
	if (wbxml_writer_finish(&w, error_r) < 0) {
		buf_free(&b);
		return -1;
	}
	out_r->data = pool_memdup(p, b.data, b.len);
	out_r->data_len = b.len;
	buf_free(&b);
	out_r->uid = ev->uid;
	out_r->filter_start = ev->filter_start;
	out_r->filter_end = ev->filter_end;
	return 0;
}
