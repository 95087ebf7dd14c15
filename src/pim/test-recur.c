/* test-recur.c: unit tests of recurrence expansion (recur.c): every Type with MS-ASCAL-style
 * examples, wall-clock time across DST in Europe/Amsterdam, America/New_York and
 * Australia/Sydney, all-day series in UTC-10 and UTC+13, Until vs Occurrences, the last
 * weekday of a month, February 29 yearly, exceptions, the series' last end, the window jump
 * and validation errors. */
#include "pim/recur.h"
#include "pim/tz.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXOCC 64

/* UTC of a local wall-clock time (must succeed). */
static int64_t at(const char *zone, int y, int mo, int d, int h, int mi)
{
	int64_t t = 0;

	ck_assert_int_eq(pim_tz_local_to_utc(zone, y, mo, d, h, mi, 0, &t), 0);
	return t;
}

static struct pim_recur recur(enum pim_recur_type type, uint32_t interval)
{
	struct pim_recur r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.interval = interval;
	return r;
}

static struct pim_recur_series series(const struct pim_recur *r, const char *zone,
				      int64_t start, int64_t duration)
{
	struct pim_recur_series s;

	memset(&s, 0, sizeof(s));
	s.recur = r;
	s.zone = zone;
	s.start_utc = start;
	s.duration_s = duration;
	return s;
}

static size_t expand(const struct pim_recur_series *s, int64_t from, int64_t to,
		     struct pim_occurrence occ[MAXOCC])
{
	const char *error = NULL;
	size_t n = 0;

	ck_assert_msg(pim_recur_expand_array(s, from, to, occ, MAXOCC, &n, &error) == 0, "%s",
		      error);
	return n;
}

/* Checks that occurrence i starts at local y-mo-d h:mi in zone. */
static void check_local(const struct pim_occurrence *occ, const char *zone, int y, int mo,
			int d, int h, int mi)
{
	int ly, lmo, ld, lh, lmi, ls;

	ck_assert_int_eq(pim_tz_utc_to_local(zone, occ->start_utc, &ly, &lmo, &ld, &lh, &lmi, &ls),
			 0);
	ck_assert_msg(ly == y && lmo == mo && ld == d && lh == h && lmi == mi,
		      "got %04d-%02d-%02d %02d:%02d, want %04d-%02d-%02d %02d:%02d", ly, lmo, ld,
		      lh, lmi, y, mo, d, h, mi);
}

/* Local dates (y, m, d triples) of all occurrences, in order. */
static void check_dates(const struct pim_occurrence *occ, size_t n, const char *zone,
			const int *ymd, size_t count)
{
	ck_assert_uint_eq(n, count);
	for (size_t i = 0; i < n; i++) {
		int ly, lmo, ld, lh, lmi, ls;

		pim_tz_utc_to_local(zone, occ[i].start_utc, &ly, &lmo, &ld, &lh, &lmi, &ls);
		ck_assert_msg(ly == ymd[3 * i] && lmo == ymd[3 * i + 1] && ld == ymd[3 * i + 2],
			      "occurrence %zu: got %04d-%02d-%02d want %04d-%02d-%02d", i, ly, lmo,
			      ld, ymd[3 * i], ymd[3 * i + 1], ymd[3 * i + 2]);
	}
}

#define ALL_FROM INT64_C(-62135596800)
#define ALL_TO INT64_C(253402300799)

START_TEST(type0_daily)
{
	struct pim_recur r = recur(PIM_RECUR_DAILY, 2);
	struct pim_occurrence occ[MAXOCC];

	r.occurrences = 5;
	struct pim_recur_series s = series(&r, "UTC", at("UTC", 2024, 5, 1, 9, 0), 3600);
	size_t n = expand(&s, ALL_FROM, ALL_TO, occ);
	static const int want[] = { 2024, 5, 1, 2024, 5, 3, 2024, 5, 5, 2024, 5, 7, 2024, 5, 9 };

	check_dates(occ, n, "UTC", want, 5);
	ck_assert_int_eq(occ[0].end_utc - occ[0].start_utc, 3600);
	ck_assert(!occ[0].is_exception);
	ck_assert_int_eq(occ[0].original_start_utc, occ[0].start_utc);

	/* daily on weekdays only (DayOfWeek 62): Friday, then Monday */
	struct pim_recur wd = recur(PIM_RECUR_DAILY, 1);
	wd.day_of_week = 62;
	wd.occurrences = 3;
	s = series(&wd, "UTC", at("UTC", 2024, 5, 3, 9, 0), 3600);
	n = expand(&s, ALL_FROM, ALL_TO, occ);
	static const int want2[] = { 2024, 5, 3, 2024, 5, 6, 2024, 5, 7 };
	check_dates(occ, n, "UTC", want2, 3);
}
END_TEST

START_TEST(type1_weekly)
{
	/* every Monday and Wednesday from Monday 2024-01-01, six times */
	struct pim_recur r = recur(PIM_RECUR_WEEKLY, 1);
	struct pim_occurrence occ[MAXOCC];

	r.day_of_week = PIM_RECUR_MONDAY | PIM_RECUR_WEDNESDAY;
	r.occurrences = 6;
	struct pim_recur_series s = series(&r, "Europe/Amsterdam",
					   at("Europe/Amsterdam", 2024, 1, 1, 10, 0), 1800);
	size_t n = expand(&s, ALL_FROM, ALL_TO, occ);
	static const int want[] = { 2024, 1, 1, 2024, 1, 3, 2024, 1, 8, 2024, 1, 10,
				    2024, 1, 15, 2024, 1, 17 };
	check_dates(occ, n, "Europe/Amsterdam", want, 6);
}
END_TEST

START_TEST(type1_first_day_of_week)
{
	/* every other week on Sunday and Monday from Sunday 2024-01-07: the week boundary
	 * (FirstDayOfWeek, 14.1) decides which Sunday pairs with which Monday */
	struct pim_recur r = recur(PIM_RECUR_WEEKLY, 2);
	struct pim_occurrence occ[MAXOCC];

	r.day_of_week = PIM_RECUR_SUNDAY | PIM_RECUR_MONDAY;
	r.occurrences = 4;
	struct pim_recur_series s = series(&r, "UTC", at("UTC", 2024, 1, 7, 9, 0), 3600);
	size_t n = expand(&s, ALL_FROM, ALL_TO, occ);
	static const int sunday_weeks[] = { 2024, 1, 7, 2024, 1, 8, 2024, 1, 21, 2024, 1, 22 };
	check_dates(occ, n, "UTC", sunday_weeks, 4);

	r.has_first_day_of_week = true;
	r.first_day_of_week = 1;
	n = expand(&s, ALL_FROM, ALL_TO, occ);
	static const int monday_weeks[] = { 2024, 1, 7, 2024, 1, 15, 2024, 1, 21, 2024, 1, 29 };
	check_dates(occ, n, "UTC", monday_weeks, 4);
}
END_TEST

START_TEST(type2_monthly_day31)
{
	/* day 31 of every month: the last day in shorter months (Exchange), leap February */
	struct pim_recur r = recur(PIM_RECUR_MONTHLY, 1);
	struct pim_occurrence occ[MAXOCC];

	r.day_of_month = 31;
	r.occurrences = 5;
	struct pim_recur_series s = series(&r, "America/New_York",
					   at("America/New_York", 2024, 1, 31, 14, 0), 3600);
	size_t n = expand(&s, ALL_FROM, ALL_TO, occ);
	static const int want[] = { 2024, 1, 31, 2024, 2, 29, 2024, 3, 31, 2024, 4, 30,
				    2024, 5, 31 };
	check_dates(occ, n, "America/New_York", want, 5);
	for (size_t i = 0; i < n; i++)
		check_local(&occ[i], "America/New_York", want[3 * i], want[3 * i + 1],
			    want[3 * i + 2], 14, 0);

	/* every 3 months on the 15th */
	struct pim_recur q = recur(PIM_RECUR_MONTHLY, 3);
	q.day_of_month = 15;
	q.occurrences = 3;
	s = series(&q, "UTC", at("UTC", 2024, 11, 15, 8, 0), 600);
	n = expand(&s, ALL_FROM, ALL_TO, occ);
	static const int want2[] = { 2024, 11, 15, 2025, 2, 15, 2025, 5, 15 };
	check_dates(occ, n, "UTC", want2, 3);
}
END_TEST

START_TEST(type3_monthly_nth)
{
	struct pim_occurrence occ[MAXOCC];
	size_t n;

	/* second Tuesday of every month */
	struct pim_recur r = recur(PIM_RECUR_MONTHLY_NTH, 1);
	r.day_of_week = PIM_RECUR_TUESDAY;
	r.week_of_month = 2;
	r.occurrences = 3;
	struct pim_recur_series s = series(&r, "UTC", at("UTC", 2024, 1, 9, 9, 0), 3600);
	n = expand(&s, ALL_FROM, ALL_TO, occ);
	static const int tue[] = { 2024, 1, 9, 2024, 2, 13, 2024, 3, 12 };
	check_dates(occ, n, "UTC", tue, 3);

	/* last Friday (WeekOfMonth 5) */
	r.day_of_week = PIM_RECUR_FRIDAY;
	r.week_of_month = PIM_RECUR_LAST_WEEK;
	r.occurrences = 4;
	s = series(&r, "UTC", at("UTC", 2024, 1, 26, 9, 0), 3600);
	n = expand(&s, ALL_FROM, ALL_TO, occ);
	static const int fri[] = { 2024, 1, 26, 2024, 2, 23, 2024, 3, 29, 2024, 4, 26 };
	check_dates(occ, n, "UTC", fri, 4);

	/* the last day of the month (DayOfWeek 127, WeekOfMonth 5) */
	r.day_of_week = PIM_RECUR_ALL_DAYS;
	s = series(&r, "UTC", at("UTC", 2024, 1, 31, 9, 0), 3600);
	n = expand(&s, ALL_FROM, ALL_TO, occ);
	static const int last[] = { 2024, 1, 31, 2024, 2, 29, 2024, 3, 31, 2024, 4, 30 };
	check_dates(occ, n, "UTC", last, 4);

	/* the first weekday (DayOfWeek 62, WeekOfMonth 1): June 2024 starts on a Saturday */
	r.day_of_week = 62;
	r.week_of_month = 1;
	r.occurrences = 3;
	s = series(&r, "UTC", at("UTC", 2024, 5, 1, 9, 0), 3600);
	n = expand(&s, ALL_FROM, ALL_TO, occ);
	static const int first_wd[] = { 2024, 5, 1, 2024, 6, 3, 2024, 7, 1 };
	check_dates(occ, n, "UTC", first_wd, 3);
}
END_TEST

START_TEST(type5_yearly_feb29)
{
	struct pim_recur r = recur(PIM_RECUR_YEARLY, 1);
	struct pim_occurrence occ[MAXOCC];

	r.month_of_year = 2;
	r.day_of_month = 29;
	r.occurrences = 5;
	struct pim_recur_series s = series(&r, "Europe/Amsterdam",
					   at("Europe/Amsterdam", 2024, 2, 29, 0, 0), 86400);
	s.all_day = true;
	size_t n = expand(&s, ALL_FROM, ALL_TO, occ);
	static const int want[] = { 2024, 2, 29, 2025, 2, 28, 2026, 2, 28, 2027, 2, 28,
				    2028, 2, 29 };
	check_dates(occ, n, "Europe/Amsterdam", want, 5);

	/* a birthday every year on May 3 */
	struct pim_recur b = recur(PIM_RECUR_YEARLY, 1);
	b.month_of_year = 5;
	b.day_of_month = 3;
	s = series(&b, "UTC", at("UTC", 1990, 5, 3, 0, 0), 86400);
	s.all_day = true;
	n = expand(&s, at("UTC", 2030, 1, 1, 0, 0), at("UTC", 2032, 1, 1, 0, 0), occ);
	static const int bday[] = { 2030, 5, 3, 2031, 5, 3 };
	check_dates(occ, n, "UTC", bday, 2);
}
END_TEST

START_TEST(type6_yearly_nth)
{
	/* the fourth Thursday of November */
	struct pim_recur r = recur(PIM_RECUR_YEARLY_NTH, 1);
	struct pim_occurrence occ[MAXOCC];

	r.month_of_year = 11;
	r.day_of_week = PIM_RECUR_THURSDAY;
	r.week_of_month = 4;
	r.occurrences = 3;
	struct pim_recur_series s = series(&r, "America/New_York",
					   at("America/New_York", 2024, 11, 28, 12, 0), 7200);
	size_t n = expand(&s, ALL_FROM, ALL_TO, occ);
	static const int want[] = { 2024, 11, 28, 2025, 11, 27, 2026, 11, 26 };
	check_dates(occ, n, "America/New_York", want, 3);

	/* the last Sunday of March, every 2 years */
	r.interval = 2;
	r.month_of_year = 3;
	r.day_of_week = PIM_RECUR_SUNDAY;
	r.week_of_month = PIM_RECUR_LAST_WEEK;
	s = series(&r, "UTC", at("UTC", 2024, 3, 31, 12, 0), 7200);
	n = expand(&s, ALL_FROM, ALL_TO, occ);
	static const int want2[] = { 2024, 3, 31, 2026, 3, 29, 2028, 3, 26 };
	check_dates(occ, n, "UTC", want2, 3);
}
END_TEST

/* A weekly 09:00 series in zone over both of a year's DST changes stays at 09:00 local,
 * and its UTC time moves by the hour. */
static void weekly_0900(const char *zone, int y, int mo, int d, unsigned weeks)
{
	struct pim_recur r = recur(PIM_RECUR_WEEKLY, 1);
	struct pim_occurrence occ[MAXOCC];
	int64_t start = at(zone, y, mo, d, 9, 0);
	const char *error = NULL;
	int64_t wday_utc_min = INT64_MAX, wday_utc_max = INT64_MIN;
	int64_t day0 = 0;

	/* the weekday of the start date */
	int64_t days = pim_tz_days_from_civil(y, (unsigned)mo, (unsigned)d);
	r.day_of_week = (uint8_t)(1u << (((days % 7) + 11) % 7));
	struct pim_recur_series s = series(&r, zone, start, 3600);
	size_t n = 0;

	ck_assert_int_eq(pim_recur_expand_array(&s, start, start + (int64_t)weeks * 7 * 86400 - 7200,
						occ, MAXOCC, &n, &error), 0);
	ck_assert_uint_eq(n, weeks);
	for (size_t i = 0; i < n; i++) {
		int ly, lmo, ld, lh, lmi, ls;
		int64_t utc_tod;

		pim_tz_utc_to_local(zone, occ[i].start_utc, &ly, &lmo, &ld, &lh, &lmi, &ls);
		ck_assert_msg(lh == 9 && lmi == 0, "%s week %zu at %02d:%02d", zone, i, lh, lmi);
		ck_assert_int_eq(pim_tz_days_from_civil(ly, (unsigned)lmo, (unsigned)ld),
				 days + 7 * (int64_t)i);
		utc_tod = occ[i].start_utc % 86400;
		if (i == 0)
			day0 = utc_tod;
		if (utc_tod < wday_utc_min)
			wday_utc_min = utc_tod;
		if (utc_tod > wday_utc_max)
			wday_utc_max = utc_tod;
	}
	/* the UTC time of day did change (the series crossed a DST change) */
	ck_assert_int_eq(wday_utc_max - wday_utc_min, 3600);
	(void)day0;
}

START_TEST(dst_keeps_wall_clock)
{
	/* spring and autumn changes of 2024 and 2025 */
	weekly_0900("Europe/Amsterdam", 2024, 3, 4, 8);       /* March 31 */
	weekly_0900("Europe/Amsterdam", 2024, 10, 7, 8);      /* October 27 */
	weekly_0900("America/New_York", 2024, 2, 26, 4);      /* March 10 */
	weekly_0900("America/New_York", 2025, 10, 20, 4);     /* November 2 */
	weekly_0900("Australia/Sydney", 2024, 3, 18, 6);      /* April 7: standard time */
	weekly_0900("Australia/Sydney", 2024, 9, 16, 6);      /* October 6: daylight time */

	/* the exact instants around the Amsterdam change: 08:00Z before, 07:00Z after */
	struct pim_recur r = recur(PIM_RECUR_DAILY, 1);
	struct pim_occurrence occ[MAXOCC];
	struct pim_recur_series s = series(&r, "Europe/Amsterdam",
					   at("Europe/Amsterdam", 2024, 3, 30, 9, 0), 3600);
	size_t n = expand(&s, at("UTC", 2024, 3, 30, 0, 0), at("UTC", 2024, 4, 1, 0, 0), occ);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(occ[0].start_utc, at("UTC", 2024, 3, 30, 8, 0));
	ck_assert_int_eq(occ[1].start_utc, at("UTC", 2024, 3, 31, 7, 0));
}
END_TEST

START_TEST(blob_zone)
{
	/* a client zone with rules the table lacks (US rules before 2007: first Sunday of April
	 * to last Sunday of October): expanded by the blob's own rules, still 09:00 local */
	struct pim_tz_blob b;
	struct pim_recur r = recur(PIM_RECUR_WEEKLY, 1);
	struct pim_occurrence occ[MAXOCC];

	memset(&b, 0, sizeof(b));
	b.bias = 300;
	b.standard_date = (struct pim_systemtime){ 0, 10, 0, 5, 2, 0, 0, 0 };
	b.daylight_date = (struct pim_systemtime){ 0, 4, 0, 1, 2, 0, 0, 0 };
	b.daylight_bias = -60;
	r.day_of_week = PIM_RECUR_MONDAY;
	/* Monday 2024-03-25 09:00 EST = 14:00Z */
	int64_t start = at("UTC", 2024, 3, 25, 14, 0);
	struct pim_recur_series s = series(&r, NULL, start, 3600);
	s.blob = &b;
	size_t n = expand(&s, start, start + 3 * 7 * 86400 - 7200, occ);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(occ[0].start_utc, at("UTC", 2024, 3, 25, 14, 0));
	ck_assert_int_eq(occ[1].start_utc, at("UTC", 2024, 4, 1, 14, 0));   /* still EST */
	ck_assert_int_eq(occ[2].start_utc, at("UTC", 2024, 4, 8, 13, 0));   /* EDT */
	/* a zone name wins over the blob */
	s.zone = "UTC";
	n = expand(&s, start, start + 3 * 7 * 86400 - 7200, occ);
	ck_assert_int_eq(occ[2].start_utc, at("UTC", 2024, 4, 8, 14, 0));
}
END_TEST

START_TEST(all_day_far_zones)
{
	/* an all-day weekly series in UTC-10 and UTC+13: local midnight to local midnight */
	static const char *const zones[] = { "Pacific/Honolulu", "Pacific/Tongatapu",
					     "Pacific/Kiritimati", "Australia/Sydney" };

	for (size_t z = 0; z < 4; z++) {
		struct pim_recur r = recur(PIM_RECUR_WEEKLY, 1);
		struct pim_occurrence occ[MAXOCC];

		r.day_of_week = PIM_RECUR_FRIDAY;
		r.occurrences = 30;
		struct pim_recur_series s = series(&r, zones[z], at(zones[z], 2024, 1, 5, 0, 0),
						   86400);
		s.all_day = true;
		size_t n = expand(&s, ALL_FROM, ALL_TO, occ);
		ck_assert_uint_eq(n, 30);
		for (size_t i = 0; i < n; i++) {
			int ly, lmo, ld, lh, lmi, ls;

			pim_tz_utc_to_local(zones[z], occ[i].start_utc, &ly, &lmo, &ld, &lh, &lmi,
					    &ls);
			ck_assert_int_eq(lh, 0);
			ck_assert_int_eq(pim_tz_days_from_civil(ly, (unsigned)lmo, (unsigned)ld),
					 pim_tz_days_from_civil(2024, 1, 5) + 7 * (int64_t)i);
			pim_tz_utc_to_local(zones[z], occ[i].end_utc, &ly, &lmo, &ld, &lh, &lmi,
					    &ls);
			ck_assert_int_eq(lh, 0);
			ck_assert_int_eq(pim_tz_days_from_civil(ly, (unsigned)lmo, (unsigned)ld),
					 pim_tz_days_from_civil(2024, 1, 6) + 7 * (int64_t)i);
		}
	}

	/* a zero-length all-day event still lasts its day (Q-CAL-5) */
	struct pim_recur r = recur(PIM_RECUR_DAILY, 1);
	struct pim_occurrence occ[MAXOCC];
	r.occurrences = 1;
	struct pim_recur_series s = series(&r, "Pacific/Honolulu",
					   at("Pacific/Honolulu", 2024, 6, 1, 0, 0), 0);
	s.all_day = true;
	ck_assert_uint_eq(expand(&s, ALL_FROM, ALL_TO, occ), 1);
	ck_assert_int_eq(occ[0].end_utc - occ[0].start_utc, 86400);
}
END_TEST

START_TEST(until_and_occurrences)
{
	struct pim_recur r = recur(PIM_RECUR_DAILY, 1);
	struct pim_occurrence occ[MAXOCC];
	struct pim_recur_series s = series(&r, "Europe/Amsterdam",
					   at("Europe/Amsterdam", 2024, 1, 1, 9, 0), 3600);

	/* Until at an occurrence's start includes it */
	r.has_until = true;
	r.until_utc = at("Europe/Amsterdam", 2024, 1, 5, 9, 0);
	ck_assert_uint_eq(expand(&s, ALL_FROM, ALL_TO, occ), 5);
	/* one second earlier excludes it */
	r.until_utc--;
	ck_assert_uint_eq(expand(&s, ALL_FROM, ALL_TO, occ), 4);
	/* Until as a date (midnight UTC of the last day) includes that day */
	r.until_utc = at("UTC", 2024, 1, 5, 0, 0);
	ck_assert_uint_eq(expand(&s, ALL_FROM, ALL_TO, occ), 5);
	/* ... and so does local midnight of the last day */
	r.until_utc = at("Europe/Amsterdam", 2024, 1, 5, 0, 0);
	ck_assert_uint_eq(expand(&s, ALL_FROM, ALL_TO, occ), 5);
	/* both given: whichever ends first */
	r.occurrences = 3;
	ck_assert_uint_eq(expand(&s, ALL_FROM, ALL_TO, occ), 3);
	r.occurrences = 10;
	ck_assert_uint_eq(expand(&s, ALL_FROM, ALL_TO, occ), 5);
	/* Occurrences count from the series start even when the window starts later */
	r.has_until = false;
	ck_assert_uint_eq(expand(&s, at("UTC", 2024, 1, 8, 0, 0), ALL_TO, occ), 3);
	check_local(&occ[2], "Europe/Amsterdam", 2024, 1, 10, 9, 0);

	/* an all-day series whose Until is local midnight of the last day */
	struct pim_recur a = recur(PIM_RECUR_DAILY, 1);
	a.has_until = true;
	a.until_utc = at("Pacific/Honolulu", 2024, 1, 3, 0, 0);
	s = series(&a, "Pacific/Honolulu", at("Pacific/Honolulu", 2024, 1, 1, 0, 0), 86400);
	s.all_day = true;
	ck_assert_uint_eq(expand(&s, ALL_FROM, ALL_TO, occ), 3);
	/* ... or midnight UTC of it */
	a.until_utc = at("UTC", 2024, 1, 3, 0, 0);
	ck_assert_uint_eq(expand(&s, ALL_FROM, ALL_TO, occ), 3);
}
END_TEST

START_TEST(window_jump)
{
	/* a daily series from 2004 seen through a window in 2024: the 30 days of the window,
	 * each at 09:00 local */
	struct pim_recur r = recur(PIM_RECUR_DAILY, 1);
	struct pim_occurrence occ[MAXOCC];
	struct pim_recur_series s = series(&r, "Europe/Amsterdam",
					   at("Europe/Amsterdam", 2004, 2, 10, 9, 0), 3600);
	size_t n = expand(&s, at("UTC", 2024, 6, 1, 0, 0), at("UTC", 2024, 7, 1, 0, 0), occ);

	ck_assert_uint_eq(n, 30);
	check_local(&occ[0], "Europe/Amsterdam", 2024, 6, 1, 9, 0);
	check_local(&occ[29], "Europe/Amsterdam", 2024, 6, 30, 9, 0);

	/* occurrences that started before the window and overlap it count: those of May 30
	 * and 31 (two days long) and June 1 */
	s.duration_s = 2 * 86400;
	n = expand(&s, at("UTC", 2024, 6, 1, 0, 0), at("UTC", 2024, 6, 2, 0, 0), occ);
	ck_assert_uint_eq(n, 3);
	check_local(&occ[0], "Europe/Amsterdam", 2024, 5, 30, 9, 0);

	/* every 3 weeks on Tuesday since 2001 */
	struct pim_recur w = recur(PIM_RECUR_WEEKLY, 3);
	w.day_of_week = PIM_RECUR_TUESDAY;
	s = series(&w, "America/New_York", at("America/New_York", 2001, 1, 2, 9, 0), 3600);
	n = expand(&s, at("UTC", 2024, 1, 1, 0, 0), at("UTC", 2024, 3, 1, 0, 0), occ);
	ck_assert_uint_ge(n, 2);
	for (size_t i = 0; i < n; i++) {
		int ly, lmo, ld, lh, lmi, ls;

		pim_tz_utc_to_local("America/New_York", occ[i].start_utc, &ly, &lmo, &ld, &lh,
				    &lmi, &ls);
		int64_t day = pim_tz_days_from_civil(ly, (unsigned)lmo, (unsigned)ld);
		ck_assert_int_eq((day - pim_tz_days_from_civil(2001, 1, 2)) % 21, 0);
		ck_assert_int_eq(lh, 9);
	}

	/* a window in the year 8000 (hostile or not): cheap, and still 09:00 local */
	n = expand(&s, at("UTC", 8000, 7, 1, 0, 0), at("UTC", 8000, 8, 1, 0, 0), occ);
	ck_assert_uint_ge(n, 1);
	for (size_t i = 0; i < n; i++) {
		int ly, lmo, ld, lh, lmi, ls;

		ck_assert_int_eq(pim_tz_utc_to_local("America/New_York", occ[i].start_utc, &ly,
						     &lmo, &ld, &lh, &lmi, &ls), 0);
		ck_assert(ly == 8000 && lmo == 7 && lh == 9 && lmi == 0);
		int64_t day = pim_tz_days_from_civil(ly, (unsigned)lmo, (unsigned)ld);
		ck_assert_int_eq((day - pim_tz_days_from_civil(2001, 1, 2)) % 21, 0);
	}

	/* max_count stops an endless expansion */
	size_t cnt = 0;
	const char *error = NULL;
	ck_assert_int_eq(pim_recur_expand_array(&s, ALL_FROM, ALL_TO, occ, 7, &cnt, &error), 0);
	ck_assert_uint_eq(cnt, 7);
	check_local(&occ[0], "America/New_York", 2001, 1, 2, 9, 0);
}
END_TEST

START_TEST(exceptions)
{
	struct pim_recur r = recur(PIM_RECUR_WEEKLY, 1);
	struct pim_occurrence occ[MAXOCC];
	struct pim_recur_exception ex[2];

	r.day_of_week = PIM_RECUR_MONDAY;
	r.occurrences = 4;
	struct pim_recur_series s = series(&r, "Europe/Amsterdam",
					   at("Europe/Amsterdam", 2024, 3, 18, 9, 0), 3600);
	memset(ex, 0, sizeof(ex));
	/* the 2nd (March 25) deleted, the 4th (April 8) moved to Tuesday 14:00 */
	ex[0].original_start_utc = at("Europe/Amsterdam", 2024, 3, 25, 9, 0);
	ex[0].deleted = true;
	ex[1].original_start_utc = at("Europe/Amsterdam", 2024, 4, 8, 9, 0);
	ex[1].start_utc = at("Europe/Amsterdam", 2024, 4, 9, 14, 0);
	ex[1].end_utc = ex[1].start_utc + 1800;
	s.exceptions = ex;
	s.exception_count = 2;

	size_t n = expand(&s, ALL_FROM, ALL_TO, occ);
	ck_assert_uint_eq(n, 3);
	check_local(&occ[0], "Europe/Amsterdam", 2024, 3, 18, 9, 0);
	check_local(&occ[1], "Europe/Amsterdam", 2024, 4, 1, 9, 0);
	ck_assert(!occ[1].is_exception);
	check_local(&occ[2], "Europe/Amsterdam", 2024, 4, 9, 14, 0);
	ck_assert(occ[2].is_exception);
	ck_assert_int_eq(occ[2].original_start_utc, ex[1].original_start_utc);
	ck_assert_int_eq(occ[2].end_utc - occ[2].start_utc, 1800);

	/* a window that holds only the moved occurrence's new time */
	n = expand(&s, at("UTC", 2024, 4, 9, 0, 0), at("UTC", 2024, 4, 10, 0, 0), occ);
	ck_assert_uint_eq(n, 1);
	ck_assert(occ[0].is_exception);
	/* a window that holds only its original time: nothing */
	n = expand(&s, at("UTC", 2024, 4, 8, 0, 0), at("UTC", 2024, 4, 9, 0, 0), occ);
	ck_assert_uint_eq(n, 0);
	/* a moved occurrence after the series' last one extends its end */
	int64_t end = 0;
	const char *error = NULL;
	ck_assert_int_eq(pim_recur_last_end(&s, &end, &error), 0);
	ck_assert_int_eq(end, ex[1].end_utc);
}
END_TEST

START_TEST(last_end)
{
	struct pim_recur r = recur(PIM_RECUR_WEEKLY, 1);
	const char *error = NULL;
	int64_t end = 0;

	r.day_of_week = PIM_RECUR_MONDAY | PIM_RECUR_THURSDAY;
	struct pim_recur_series s = series(&r, "Europe/Amsterdam",
					   at("Europe/Amsterdam", 2020, 1, 6, 9, 0), 3600);
	/* endless */
	ck_assert_int_eq(pim_recur_last_end(&s, &end, &error), 0);
	ck_assert_int_eq(end, INT64_MAX);
	/* 10 occurrences: the 10th is Thursday 2020-02-06 */
	r.occurrences = 10;
	ck_assert_int_eq(pim_recur_last_end(&s, &end, &error), 0);
	ck_assert_int_eq(end, at("Europe/Amsterdam", 2020, 2, 6, 10, 0));
	/* Until years later, on a Sunday: the Thursday before (summer time) */
	r.occurrences = 0;
	r.has_until = true;
	r.until_utc = at("Europe/Amsterdam", 2031, 6, 15, 12, 0);
	ck_assert_int_eq(pim_recur_last_end(&s, &end, &error), 0);
	ck_assert_int_eq(end, at("Europe/Amsterdam", 2031, 6, 12, 10, 0));
	/* a daily series on Mondays only (a sparse mask) with Until: the Monday before */
	struct pim_recur m = recur(PIM_RECUR_DAILY, 1);
	m.day_of_week = PIM_RECUR_MONDAY;
	m.has_until = true;
	m.until_utc = at("Europe/Amsterdam", 2031, 6, 15, 12, 0);
	struct pim_recur_series ms = series(&m, "Europe/Amsterdam",
					    at("Europe/Amsterdam", 2004, 1, 5, 9, 0), 3600);
	ck_assert_int_eq(pim_recur_last_end(&ms, &end, &error), 0);
	ck_assert_int_eq(end, at("Europe/Amsterdam", 2031, 6, 9, 10, 0));
	/* Until before the first occurrence: the series' own end */
	r.until_utc = at("Europe/Amsterdam", 2019, 1, 1, 0, 0);
	ck_assert_int_eq(pim_recur_last_end(&s, &end, &error), 0);
	ck_assert_int_eq(end, at("Europe/Amsterdam", 2020, 1, 6, 10, 0));

	/* an all-day yearly series with Occurrences: the end of its last day */
	struct pim_recur y = recur(PIM_RECUR_YEARLY, 1);
	y.month_of_year = 12;
	y.day_of_month = 25;
	y.occurrences = 3;
	s = series(&y, "Pacific/Tongatapu", at("Pacific/Tongatapu", 2024, 12, 25, 0, 0), 86400);
	s.all_day = true;
	ck_assert_int_eq(pim_recur_last_end(&s, &end, &error), 0);
	ck_assert_int_eq(end, at("Pacific/Tongatapu", 2026, 12, 26, 0, 0));
}
END_TEST

START_TEST(find_occurrence)
{
	struct pim_recur r = recur(PIM_RECUR_WEEKLY, 1);
	const char *error = NULL;
	int64_t t = 0;

	r.day_of_week = PIM_RECUR_MONDAY;
	struct pim_recur_series s = series(&r, "Europe/Amsterdam",
					   at("Europe/Amsterdam", 2010, 1, 4, 9, 0), 3600);
	int64_t occ = at("Europe/Amsterdam", 2024, 7, 1, 9, 0);

	ck_assert_int_eq(pim_recur_find_occurrence(&s, occ, false, &t, &error), 0);
	ck_assert_int_eq(t, occ);
	/* off by the zone's offset (09:00 taken as UTC): only with same_local_date (Q-CAL-6) */
	int64_t off = at("UTC", 2024, 7, 1, 9, 0);
	ck_assert_int_eq(pim_recur_find_occurrence(&s, off, false, &t, &error), -1);
	ck_assert_ptr_nonnull(error);
	ck_assert_int_eq(pim_recur_find_occurrence(&s, off, true, &t, &error), 0);
	ck_assert_int_eq(t, occ);
	/* an all-day exception at midnight UTC of the date */
	ck_assert_int_eq(pim_recur_find_occurrence(&s, at("UTC", 2024, 7, 1, 0, 0), true, &t,
						   &error), 0);
	ck_assert_int_eq(t, occ);
	/* a Tuesday is not an occurrence, nor a date before the series */
	ck_assert_int_eq(pim_recur_find_occurrence(&s, at("Europe/Amsterdam", 2024, 7, 2, 9, 0),
						   true, &t, &error), -1);
	ck_assert_int_eq(pim_recur_find_occurrence(&s, at("Europe/Amsterdam", 2009, 12, 28, 9, 0),
						   true, &t, &error), -1);
	/* nor one after Occurrences ran out */
	r.occurrences = 2;
	ck_assert_int_eq(pim_recur_find_occurrence(&s, at("Europe/Amsterdam", 2010, 1, 18, 9, 0),
						   true, &t, &error), -1);
	ck_assert_int_eq(pim_recur_find_occurrence(&s, at("Europe/Amsterdam", 2010, 1, 11, 9, 0),
						   true, &t, &error), 0);
}
END_TEST

/* Validation fails with an error text. */
static void invalid(const struct pim_recur *r)
{
	const char *error = NULL;
	struct pim_recur_series s = series(r, "UTC", 0, 3600);
	struct pim_occurrence occ[1];
	size_t n = 0;
	int64_t end = 0;

	ck_assert_int_eq(pim_recur_validate(r, &error), -1);
	ck_assert_ptr_nonnull(error);
	error = NULL;
	ck_assert_int_eq(pim_recur_expand_array(&s, ALL_FROM, ALL_TO, occ, 1, &n, &error), -1);
	ck_assert_ptr_nonnull(error);
	ck_assert_int_eq(pim_recur_last_end(&s, &end, &error), -1);
}

START_TEST(validation)
{
	struct pim_recur r;
	const char *error = NULL;

	r = recur(4, 1);
	invalid(&r);
	r = recur(PIM_RECUR_DAILY, 0);          /* Interval 0 */
	invalid(&r);
	r = recur(PIM_RECUR_DAILY, 1000);
	invalid(&r);
	r = recur(PIM_RECUR_WEEKLY, 1);         /* weekly without DayOfWeek */
	invalid(&r);
	r.day_of_week = 128;
	invalid(&r);
	r = recur(PIM_RECUR_MONTHLY, 1);        /* monthly without DayOfMonth */
	invalid(&r);
	r.day_of_month = 32;
	invalid(&r);
	r = recur(PIM_RECUR_MONTHLY_NTH, 1);
	r.day_of_week = PIM_RECUR_MONDAY;       /* no WeekOfMonth */
	invalid(&r);
	r.week_of_month = 6;
	invalid(&r);
	r = recur(PIM_RECUR_YEARLY, 1);
	r.month_of_year = 2;
	r.day_of_month = 31;                    /* February 31 */
	invalid(&r);
	r.day_of_month = 30;
	invalid(&r);
	r.month_of_year = 4;
	r.day_of_month = 31;
	invalid(&r);
	r.month_of_year = 13;
	r.day_of_month = 1;
	invalid(&r);
	r = recur(PIM_RECUR_YEARLY_NTH, 1);
	r.day_of_week = PIM_RECUR_MONDAY;
	r.week_of_month = 1;                    /* no MonthOfYear */
	invalid(&r);
	r = recur(PIM_RECUR_DAILY, 1);
	r.occurrences = 1000;
	invalid(&r);
	r = recur(PIM_RECUR_WEEKLY, 2);
	r.day_of_week = PIM_RECUR_MONDAY;
	r.has_first_day_of_week = true;
	r.first_day_of_week = 7;
	invalid(&r);

	/* valid ones */
	r.first_day_of_week = 1;
	ck_assert_int_eq(pim_recur_validate(&r, &error), 0);
	r = recur(PIM_RECUR_YEARLY, 1);
	r.month_of_year = 2;
	r.day_of_month = 29;
	ck_assert_int_eq(pim_recur_validate(&r, &error), 0);
	r = recur(PIM_RECUR_DAILY, 1);
	r.occurrences = 5;
	r.has_until = true;
	r.until_utc = 86400;
	ck_assert_int_eq(pim_recur_validate(&r, &error), 0);

	/* an unknown zone, a negative duration, a start beyond year 9999 */
	r = recur(PIM_RECUR_DAILY, 1);
	struct pim_recur_series s = series(&r, "Mars/Olympus_Mons", 0, 3600);
	struct pim_occurrence occ[1];
	size_t n = 0;
	ck_assert_int_eq(pim_recur_expand_array(&s, ALL_FROM, ALL_TO, occ, 1, &n, &error), -1);
	s = series(&r, "UTC", 0, -1);
	ck_assert_int_eq(pim_recur_expand_array(&s, ALL_FROM, ALL_TO, occ, 1, &n, &error), -1);
	s = series(&r, "UTC", INT64_MAX - 10, 60);
	ck_assert_int_eq(pim_recur_expand_array(&s, ALL_FROM, ALL_TO, occ, 1, &n, &error), -1);
	/* extreme windows and Until do not overflow */
	s = series(&r, "UTC", 0, 60);
	r.has_until = true;
	r.until_utc = INT64_MAX;
	ck_assert_int_eq(pim_recur_expand_array(&s, INT64_MIN, INT64_MAX, occ, 1, &n, &error), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(pim_recur_expand_array(&s, INT64_MAX - 5, INT64_MAX, occ, 1, &n, &error),
			 0);
	ck_assert_uint_eq(n, 0);
	r.until_utc = INT64_MIN;
	ck_assert_int_eq(pim_recur_expand_array(&s, INT64_MIN, INT64_MAX, occ, 1, &n, &error), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pim-recur");
	TCase *tc = tcase_create("recur");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, type0_daily);
	tcase_add_test(tc, type1_weekly);
	tcase_add_test(tc, type1_first_day_of_week);
	tcase_add_test(tc, type2_monthly_day31);
	tcase_add_test(tc, type3_monthly_nth);
	tcase_add_test(tc, type5_yearly_feb29);
	tcase_add_test(tc, type6_yearly_nth);
	tcase_add_test(tc, dst_keeps_wall_clock);
	tcase_add_test(tc, all_day_far_zones);
	tcase_add_test(tc, blob_zone);
	tcase_add_test(tc, until_and_occurrences);
	tcase_add_test(tc, window_jump);
	tcase_add_test(tc, exceptions);
	tcase_add_test(tc, last_end);
	tcase_add_test(tc, find_occurrence);
	tcase_add_test(tc, validation);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
