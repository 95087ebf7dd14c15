/* tz.c: EAS TimeZone blobs <-> IANA zones, local <-> UTC through libical. See tz.h. */
#include "pim/tz.h"

#include <libical/ical.h>
#include <string.h>

/* ---- Blob ---- */

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static int32_t get32(const unsigned char *p)
{
	return (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
			 ((uint32_t)p[3] << 24));
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, int32_t v)
{
	uint32_t u = (uint32_t)v;

	p[0] = (unsigned char)(u & 0xff);
	p[1] = (unsigned char)((u >> 8) & 0xff);
	p[2] = (unsigned char)((u >> 16) & 0xff);
	p[3] = (unsigned char)(u >> 24);
}

/* SYSTEMTIME: wYear, wMonth, wDayOfWeek, wDay, wHour, wMinute, wSecond, wMilliseconds
 * (the Windows order: day of week before day, Q-CAL-7). */
static void get_systemtime(const unsigned char *p, struct pim_systemtime *st)
{
	st->year = get16(p);
	st->month = get16(p + 2);
	st->day_of_week = get16(p + 4);
	st->day = get16(p + 6);
	st->hour = get16(p + 8);
	st->minute = get16(p + 10);
	st->second = get16(p + 12);
	st->milliseconds = get16(p + 14);
}

static void put_systemtime(unsigned char *p, const struct pim_systemtime *st)
{
	put16(p, st->year);
	put16(p + 2, st->month);
	put16(p + 4, st->day_of_week);
	put16(p + 6, st->day);
	put16(p + 8, st->hour);
	put16(p + 10, st->minute);
	put16(p + 12, st->second);
	put16(p + 14, st->milliseconds);
}

static bool leap_year(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(unsigned y, unsigned m)
{
	static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

/* A transition date: month 0 (none), or a day-in-month rule (year 0, day 1-5) or an
 * absolute date (year != 0, day of that month). */
static int check_systemtime(const struct pim_systemtime *st, const char **error_r)
{
	if (st->month == 0)
		return 0;
	if (st->month > 12) {
		*error_r = "TimeZone: transition month beyond 12";
		return -1;
	}
	if (st->day_of_week > 6) {
		*error_r = "TimeZone: transition day of week beyond 6";
		return -1;
	}
	if (st->year == 0 ? st->day < 1 || st->day > 5 :
	    st->year > 9999 || st->day < 1 || st->day > month_days(st->year, st->month)) {
		*error_r = "TimeZone: transition day out of range";
		return -1;
	}
	/* 24:00 is not a SYSTEMTIME; Windows writes 23:59:59.999 for "end of day" */
	if (st->hour > 23 || st->minute > 59 || st->second > 59 || st->milliseconds > 999) {
		*error_r = "TimeZone: transition time out of range";
		return -1;
	}
	return 0;
}

#define MAX_BIAS (24 * 60)

int pim_tz_blob_decode(const void *data, size_t len, struct pim_tz_blob *blob_r,
		       const char **error_r)
{
	const unsigned char *p = data;
	struct pim_tz_blob b;

	if (len != PIM_TZ_BLOB_SIZE) {
		*error_r = "TimeZone: blob is not 172 bytes";
		return -1;
	}
	memset(&b, 0, sizeof(b));
	b.bias = get32(p);
	for (size_t i = 0; i < 32; i++)
		b.standard_name[i] = get16(p + 4 + 2 * i);
	get_systemtime(p + 68, &b.standard_date);
	b.standard_bias = get32(p + 84);
	for (size_t i = 0; i < 32; i++)
		b.daylight_name[i] = get16(p + 88 + 2 * i);
	get_systemtime(p + 152, &b.daylight_date);
	b.daylight_bias = get32(p + 168);

	if (b.bias < -MAX_BIAS || b.bias > MAX_BIAS || b.standard_bias < -MAX_BIAS ||
	    b.standard_bias > MAX_BIAS || b.daylight_bias < -MAX_BIAS ||
	    b.daylight_bias > MAX_BIAS) {
		*error_r = "TimeZone: bias beyond 24 hours";
		return -1;
	}
	if (check_systemtime(&b.standard_date, error_r) < 0 ||
	    check_systemtime(&b.daylight_date, error_r) < 0)
		return -1;
	*blob_r = b;
	return 0;
}

void pim_tz_blob_encode(const struct pim_tz_blob *blob, unsigned char out[PIM_TZ_BLOB_SIZE])
{
	put32(out, blob->bias);
	for (size_t i = 0; i < 32; i++)
		put16(out + 4 + 2 * i, blob->standard_name[i]);
	put_systemtime(out + 68, &blob->standard_date);
	put32(out + 84, blob->standard_bias);
	for (size_t i = 0; i < 32; i++)
		put16(out + 88 + 2 * i, blob->daylight_name[i]);
	put_systemtime(out + 152, &blob->daylight_date);
	put32(out + 168, blob->daylight_bias);
}

/* ---- Zones ---- */

const char *pim_tz_from_blob(const struct pim_tz_blob *blob)
{
	(void)blob;
	return NULL;
}

int pim_tz_to_blob(const char *iana, int year, struct pim_tz_blob *blob_r)
{
	(void)iana;
	(void)year;
	memset(blob_r, 0, sizeof(*blob_r));
	return -1;
}

/* ---- Conversions ---- */

static icaltimezone *zone_of(const char *iana)
{
	if (iana == NULL || *iana == '\0' || strcmp(iana, "UTC") == 0 ||
	    strcmp(iana, "Etc/UTC") == 0)
		return icaltimezone_get_utc_timezone();
	return icaltimezone_get_builtin_timezone(iana);
}

int pim_tz_local_to_utc(const char *iana, int year, int month, int day, int hour, int minute,
			int second, int64_t *utc_r)
{
	icaltimezone *z = zone_of(iana);
	struct icaltimetype t = icaltime_null_time();

	if (z == NULL || year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 ||
	    day > (int)month_days((unsigned)year, (unsigned)month) || hour < 0 || hour > 23 ||
	    minute < 0 || minute > 59 || second < 0 || second > 60)
		return -1;
	t.year = year;
	t.month = month;
	t.day = day;
	t.hour = hour;
	t.minute = minute;
	t.second = second;
	t.zone = z;
	*utc_r = (int64_t)icaltime_as_timet_with_zone(t, z);
	return 0;
}

int pim_tz_utc_to_local(const char *iana, int64_t utc, int *year_r, int *month_r, int *day_r,
			int *hour_r, int *minute_r, int *second_r)
{
	icaltimezone *z = zone_of(iana);
	struct icaltimetype t;

	if (z == NULL)
		return -1;
	t = icaltime_from_timet_with_zone((time_t)utc, 0, z);
	*year_r = t.year;
	*month_r = t.month;
	*day_r = t.day;
	*hour_r = t.hour;
	*minute_r = t.minute;
	*second_r = t.second;
	return 0;
}
