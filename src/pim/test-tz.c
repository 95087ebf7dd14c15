/* test-tz.c: unit tests of time zones (tz.c): the 172-byte blob read and written exactly
 * (SYSTEMTIME field order, Q-CAL-7), blobs of the clients' common zones mapped to IANA zones
 * and back byte for byte, matching by rules when the names are empty or custom, zones
 * without daylight saving (UTC-10, UTC+13), DST edges and hostile blobs.
 *
 * The client blobs are built here byte by byte, independently of pim_tz_blob_encode, in the
 * shapes the clients use: Outlook and Gmail for Android write the Windows display names
 * (Q-CAL-7), AOSP-based clients leave the names empty, others write a custom label such as
 * "Customized Time Zone" or a zero DaylightBias for zones without DST. */
#include "pim/tz.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A transition rule: month, day of week, week (5 = last), hour. */
struct rule {
	uint16_t month, dow, week, hour;
};

static void w16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
}

static void w32(unsigned char *p, int32_t v)
{
	uint32_t u = (uint32_t)v;

	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)((u >> (8 * i)) & 0xff);
}

static void wname(unsigned char *p, const char *name)
{
	for (size_t i = 0; name != NULL && name[i] != '\0' && i < 31; i++)
		w16(p + 2 * i, (unsigned char)name[i]);
}

/* SYSTEMTIME at p: year 0, month, day of week, day (week), hour, 0, 0, 0. */
static void wrule(unsigned char *p, const struct rule *r)
{
	w16(p + 2, r->month);
	w16(p + 4, r->dow);
	w16(p + 6, r->week);
	w16(p + 8, r->hour);
}

static void mkblob(unsigned char out[PIM_TZ_BLOB_SIZE], int32_t bias, const char *std,
		   struct rule sd, const char *dlt, struct rule dd, int32_t dbias)
{
	memset(out, 0, PIM_TZ_BLOB_SIZE);
	w32(out, bias);
	wname(out + 4, std);
	wrule(out + 68, &sd);
	w32(out + 84, 0);
	wname(out + 88, dlt);
	wrule(out + 152, &dd);
	w32(out + 168, dbias);
}

static const struct rule NONE = { 0, 0, 0, 0 };

struct client_zone {
	const char *iana;         /* what the blob must map to */
	const char *windows_std, *windows_dlt;
	int32_t bias;
	struct rule sd, dd;
	int32_t dbias;
	const char *by_rules;     /* what it maps to without names, when not iana (same rules) */
};

/* The common zones of the issue, with their Windows names and current rules. */
static const struct client_zone zones[] = {
	{ "Europe/Berlin", "W. Europe Standard Time", "W. Europe Daylight Time", -60,
	  { 10, 0, 5, 3 }, { 3, 0, 5, 2 }, -60, NULL },
	{ "America/New_York", "Eastern Standard Time", "Eastern Daylight Time", 300,
	  { 11, 0, 1, 2 }, { 3, 0, 2, 2 }, -60, NULL },
	{ "Australia/Sydney", "AUS Eastern Standard Time", "AUS Eastern Daylight Time", -600,
	  { 4, 0, 1, 3 }, { 10, 0, 1, 2 }, -60, NULL },
	{ "Europe/London", "GMT Standard Time", "GMT Daylight Time", 0,
	  { 10, 0, 5, 2 }, { 3, 0, 5, 1 }, -60, NULL },
	{ "Etc/UTC", "Coordinated Universal Time", "Coordinated Universal Time", 0,
	  { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, 0, NULL },
	{ "Asia/Tokyo", "Tokyo Standard Time", "Tokyo Daylight Time", -540,
	  { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, -60, NULL },
	{ "Asia/Kolkata", "India Standard Time", "India Daylight Time", -330,
	  { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, -60, NULL },
	{ "Pacific/Honolulu", "Hawaiian Standard Time", "Hawaiian Daylight Time", 600,
	  { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, -60, NULL },
	{ "Pacific/Tongatapu", "Tonga Standard Time", "Tonga Daylight Time", -780,
	  { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, -60, NULL },
	{ "Pacific/Kiritimati", "Line Islands Standard Time", "Line Islands Daylight Time", -840,
	  { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, -60, NULL },
	{ "Australia/Perth", "W. Australia Standard Time", "W. Australia Daylight Time", -480,
	  { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, -60, "Asia/Shanghai" },
	{ "Pacific/Auckland", "New Zealand Standard Time", "New Zealand Daylight Time", -720,
	  { 4, 0, 1, 3 }, { 9, 0, 5, 2 }, -60, NULL },
};

#define N_ZONES (sizeof(zones) / sizeof(zones[0]))

/* The year whose rules the tables hold: pim_tz_from_blob matches against the rules of the
 * current year, and these zones' rules have been stable for years. */
#define YEAR 2026

static struct pim_tz_blob decode(const unsigned char *bytes)
{
	struct pim_tz_blob b;
	const char *error = NULL;

	ck_assert_msg(pim_tz_blob_decode(bytes, PIM_TZ_BLOB_SIZE, &b, &error) == 0, "%s", error);
	return b;
}

START_TEST(systemtime_order)
{
	unsigned char raw[PIM_TZ_BLOB_SIZE], again[PIM_TZ_BLOB_SIZE];
	struct pim_tz_blob b;

	/* Sydney: StandardDate April, Sunday (0), first (1), 03:00 */
	mkblob(raw, -600, "AUS Eastern Standard Time", (struct rule){ 4, 0, 1, 3 },
	       "AUS Eastern Daylight Time", (struct rule){ 10, 0, 1, 2 }, -60);
	raw[68 + 12] = 7;     /* second */
	raw[68 + 14] = 0x2c;  /* milliseconds 300 */
	raw[68 + 15] = 0x01;
	b = decode(raw);
	ck_assert_int_eq(b.bias, -600);
	ck_assert_int_eq(b.standard_date.year, 0);
	ck_assert_int_eq(b.standard_date.month, 4);
	ck_assert_int_eq(b.standard_date.day_of_week, 0);
	ck_assert_int_eq(b.standard_date.day, 1);
	ck_assert_int_eq(b.standard_date.hour, 3);
	ck_assert_int_eq(b.standard_date.second, 7);
	ck_assert_int_eq(b.standard_date.milliseconds, 300);
	ck_assert_int_eq(b.daylight_date.month, 10);
	ck_assert_int_eq(b.daylight_bias, -60);
	ck_assert_int_eq(b.standard_name[0], 'A');
	ck_assert_int_eq(b.daylight_name[24], 'e');
	pim_tz_blob_encode(&b, again);
	ck_assert_mem_eq(raw, again, PIM_TZ_BLOB_SIZE);

	/* Egypt: last (5) Thursday (4): day of week and week are told apart */
	mkblob(raw, -120, "", (struct rule){ 10, 4, 5, 23 }, "", (struct rule){ 4, 5, 5, 0 }, -60);
	b = decode(raw);
	ck_assert_int_eq(b.standard_date.day_of_week, 4);
	ck_assert_int_eq(b.standard_date.day, 5);
	ck_assert_int_eq(b.daylight_date.day_of_week, 5);

	/* an absolute date (year != 0): day is the day of the month */
	memset(raw, 0, sizeof(raw));
	w16(raw + 68, 2024);
	w16(raw + 70, 10);
	w16(raw + 74, 27);
	w16(raw + 76, 3);
	w16(raw + 152, 2024);
	w16(raw + 154, 3);
	w16(raw + 158, 31);
	w16(raw + 160, 2);
	w32(raw, -60);
	w32(raw + 168, -60);
	b = decode(raw);
	ck_assert_int_eq(b.standard_date.day, 27);
	/* ... read as the rule "last Sunday of October": a W. Europe zone */
	ck_assert_str_eq(pim_tz_from_blob(&b), "Europe/Berlin");
}
END_TEST

/* A client that wrote the Windows names: the right zone, and the zone's blob is the same
 * bytes (Outlook, Gmail for Android). */
START_TEST(windows_names_roundtrip)
{
	for (size_t i = 0; i < N_ZONES; i++) {
		const struct client_zone *z = &zones[i];
		unsigned char raw[PIM_TZ_BLOB_SIZE], out[PIM_TZ_BLOB_SIZE];
		struct pim_tz_blob b, back;
		const char *iana;

		mkblob(raw, z->bias, z->windows_std, z->sd, z->windows_dlt, z->dd, z->dbias);
		b = decode(raw);
		iana = pim_tz_from_blob(&b);
		ck_assert_msg(iana != NULL && strcmp(iana, z->iana) == 0, "%s -> %s",
			      z->windows_std, iana != NULL ? iana : "NULL");
		ck_assert_int_eq(pim_tz_to_blob(iana, YEAR, &back), 0);
		pim_tz_blob_encode(&back, out);
		ck_assert_msg(memcmp(raw, out, PIM_TZ_BLOB_SIZE) == 0, "%s: blob differs", iana);
	}
	/* the zones people name: Amsterdam and Berlin share the W. Europe blob */
	unsigned char ams[PIM_TZ_BLOB_SIZE], ber[PIM_TZ_BLOB_SIZE];
	struct pim_tz_blob b;
	ck_assert_int_eq(pim_tz_to_blob("Europe/Amsterdam", YEAR, &b), 0);
	pim_tz_blob_encode(&b, ams);
	ck_assert_int_eq(pim_tz_to_blob("Europe/Berlin", YEAR, &b), 0);
	pim_tz_blob_encode(&b, ber);
	ck_assert_mem_eq(ams, ber, PIM_TZ_BLOB_SIZE);
	ck_assert_int_eq(pim_tz_to_blob("Asia/Calcutta", YEAR, &b), 0);
	ck_assert_int_eq(b.bias, -330);
}
END_TEST

/* Empty names (AOSP-based clients) and custom labels: matched by bias plus rules, and the
 * zone's blob has the same rules. */
START_TEST(rules_without_names)
{
	static const char *const labels[] = { NULL, "Customized Time Zone" };

	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; i < N_ZONES; i++) {
			const struct client_zone *z = &zones[i];
			unsigned char raw[PIM_TZ_BLOB_SIZE], out[PIM_TZ_BLOB_SIZE];
			struct pim_tz_blob b, back;
			const char *iana;
			const char *want = z->by_rules != NULL ? z->by_rules : z->iana;
			/* a custom client writes DaylightBias 0 for zones without DST */
			int32_t dbias = l == 1 && z->sd.month == 0 ? 0 : z->dbias;

			mkblob(raw, z->bias, labels[l], z->sd, labels[l], z->dd, dbias);
			b = decode(raw);
			iana = pim_tz_from_blob(&b);
			ck_assert_msg(iana != NULL && strcmp(iana, want) == 0, "%s: %s",
				      want, iana != NULL ? iana : "NULL");
			ck_assert_int_eq(pim_tz_to_blob(iana, YEAR, &back), 0);
			memset(back.standard_name, 0, sizeof(back.standard_name));
			memset(back.daylight_name, 0, sizeof(back.daylight_name));
			back.daylight_bias = dbias;
			if (labels[l] != NULL) {
				memcpy(back.standard_name, b.standard_name, sizeof(b.standard_name));
				memcpy(back.daylight_name, b.daylight_name, sizeof(b.daylight_name));
			}
			pim_tz_blob_encode(&back, out);
			ck_assert_msg(memcmp(raw, out, PIM_TZ_BLOB_SIZE) == 0, "%s rules differ",
				      z->iana);
		}
	}
}
END_TEST

START_TEST(quirks_q_cal_7)
{
	unsigned char raw[PIM_TZ_BLOB_SIZE];
	struct pim_tz_blob b;

	/* TbSync: no transition dates but a DaylightBias: no DST, a UTC+1 zone without DST */
	mkblob(raw, -60, NULL, NONE, NULL, NONE, -60);
	b = decode(raw);
	ck_assert_str_eq(pim_tz_from_blob(&b), "Africa/Lagos");
	/* Gmail for Android names Perth: never Antarctica/Casey or another +8 zone */
	mkblob(raw, -480, "W. Australia Standard Time", NONE, "W. Australia Daylight Time", NONE,
	       -60);
	b = decode(raw);
	ck_assert_str_eq(pim_tz_from_blob(&b), "Australia/Perth");
	/* a name with offsets that contradict it is not trusted: the rules decide */
	mkblob(raw, 300, "W. Europe Standard Time", (struct rule){ 11, 0, 1, 2 },
	       "W. Europe Daylight Time", (struct rule){ 3, 0, 2, 2 }, -60);
	b = decode(raw);
	ck_assert_str_eq(pim_tz_from_blob(&b), "America/New_York");
	/* US rules before 2007 (April / October) named Eastern: New York by name... */
	mkblob(raw, 300, "Eastern Standard Time", (struct rule){ 10, 0, 5, 2 },
	       "Eastern Daylight Time", (struct rule){ 4, 0, 1, 2 }, -60);
	b = decode(raw);
	ck_assert_str_eq(pim_tz_from_blob(&b), "America/New_York");
	/* ... and without names by the season of its daylight saving */
	mkblob(raw, 300, NULL, (struct rule){ 10, 0, 5, 2 }, NULL, (struct rule){ 4, 0, 1, 2 },
	       -60);
	b = decode(raw);
	ck_assert_str_eq(pim_tz_from_blob(&b), "America/New_York");
	/* Sydney's rules shifted to the northern season are not Sydney */
	mkblob(raw, -600, NULL, (struct rule){ 10, 0, 1, 3 }, NULL, (struct rule){ 4, 0, 1, 2 },
	       -60);
	b = decode(raw);
	ck_assert_ptr_null(pim_tz_from_blob(&b));
	/* an IANA name in the blob */
	mkblob(raw, 0, "Europe/Lisbon", (struct rule){ 10, 0, 5, 2 }, "Europe/Lisbon",
	       (struct rule){ 3, 0, 5, 1 }, -60);
	b = decode(raw);
	ck_assert_str_eq(pim_tz_from_blob(&b), "Europe/London");
	/* a whole-hour offset without DST the table lacks: a fixed zone */
	mkblob(raw, 120, NULL, NONE, NULL, NONE, 0);
	b = decode(raw);
	ck_assert_str_eq(pim_tz_from_blob(&b), "Etc/GMT+2");
	/* UTC-10 from a custom label */
	mkblob(raw, 600, "Customized Time Zone", NONE, "Customized Time Zone", NONE, 0);
	b = decode(raw);
	ck_assert_str_eq(pim_tz_from_blob(&b), "Pacific/Honolulu");
	/* a half-hour offset nobody uses without DST: nothing */
	mkblob(raw, 90, NULL, NONE, NULL, NONE, 0);
	b = decode(raw);
	ck_assert_ptr_null(pim_tz_from_blob(&b));
}
END_TEST

START_TEST(to_blob_zones)
{
	struct pim_tz_blob b;

	/* a zone without a Windows name: empty names, its rules */
	ck_assert_int_eq(pim_tz_to_blob("America/Adak", YEAR, &b), 0);
	ck_assert_int_eq(b.bias, 600);
	ck_assert_int_eq(b.daylight_date.month, 3);
	ck_assert_int_eq(pim_tz_to_blob("Antarctica/Troll", YEAR, &b), 0);
	ck_assert_int_eq(b.standard_name[0], 0);
	/* unknown zone, silly year */
	ck_assert_int_eq(pim_tz_to_blob("Mars/Olympus_Mons", YEAR, &b), -1);
	ck_assert_int_eq(pim_tz_to_blob("Europe/Berlin", 0, &b), -1);
	/* the southern hemisphere: standard time starts before daylight time in the year */
	ck_assert_int_eq(pim_tz_to_blob("America/Santiago", YEAR, &b), 0);
	ck_assert_int_eq(b.bias, 240);
	ck_assert_uint_lt(b.standard_date.month, b.daylight_date.month);
	/* every zone the table maps to has rules in libical's data */
	static const char *const sample[] = { "Europe/Kiev", "Asia/Yangon", "Asia/Kathmandu",
		"America/Argentina/Buenos_Aires", "America/Nuuk", "Etc/GMT-13", "Etc/GMT+12",
		"America/Indiana/Indianapolis", "Asia/Bishkek", "America/St_Johns" };
	for (size_t i = 0; i < sizeof(sample) / sizeof(sample[0]); i++)
		ck_assert_msg(pim_tz_to_blob(sample[i], YEAR, &b) == 0, "%s", sample[i]);
}
END_TEST

START_TEST(dst_edges)
{
	int64_t t = 0;
	int y, mo, d, h, mi, s;

	/* Amsterdam, 2024-03-31: 01:59 CET = 00:59Z, 03:00 CEST = 01:00Z */
	ck_assert_int_eq(pim_tz_local_to_utc("Europe/Amsterdam", 2024, 3, 31, 1, 59, 0, &t), 0);
	ck_assert_int_eq(t, 1711846740);
	ck_assert_int_eq(pim_tz_local_to_utc("Europe/Amsterdam", 2024, 3, 31, 3, 0, 0, &t), 0);
	ck_assert_int_eq(t, 1711846800);
	/* 2024-10-27: 00:59Z is 02:59 CEST, 01:00Z is 02:00 CET */
	ck_assert_int_eq(pim_tz_utc_to_local("Europe/Amsterdam", 1729990740, &y, &mo, &d, &h, &mi,
					     &s), 0);
	ck_assert(h == 2 && mi == 59 && d == 27);
	ck_assert_int_eq(pim_tz_utc_to_local("Europe/Amsterdam", 1729990800, &y, &mo, &d, &h, &mi,
					     &s), 0);
	ck_assert(h == 2 && mi == 0 && d == 27);
	/* New York 2024-03-10 01:59 EST = 06:59Z, 03:00 EDT = 07:00Z */
	ck_assert_int_eq(pim_tz_local_to_utc("America/New_York", 2024, 3, 10, 1, 59, 0, &t), 0);
	ck_assert_int_eq(t, 1710053940);
	ck_assert_int_eq(pim_tz_local_to_utc("America/New_York", 2024, 3, 10, 3, 0, 0, &t), 0);
	ck_assert_int_eq(t, 1710054000);
	/* Sydney: 2024-04-07 02:59:59 AEDT = 15:59:59Z on the 6th, then 02:00 AEST */
	ck_assert_int_eq(pim_tz_utc_to_local("Australia/Sydney", 1712419199, &y, &mo, &d, &h, &mi,
					     &s), 0);
	ck_assert(d == 7 && h == 2 && mi == 59);
	ck_assert_int_eq(pim_tz_utc_to_local("Australia/Sydney", 1712419200, &y, &mo, &d, &h, &mi,
					     &s), 0);
	ck_assert(d == 7 && h == 2 && mi == 0);
	/* 2024-10-06 02:00 AEST = 16:00Z on the 5th becomes 03:00 AEDT */
	ck_assert_int_eq(pim_tz_utc_to_local("Australia/Sydney", 1728144000, &y, &mo, &d, &h, &mi,
					     &s), 0);
	ck_assert(d == 6 && h == 3 && mi == 0);
	/* UTC-10 and UTC+13 midnight */
	ck_assert_int_eq(pim_tz_local_to_utc("Pacific/Honolulu", 2024, 6, 1, 0, 0, 0, &t), 0);
	ck_assert_int_eq(t, 1717236000);
	ck_assert_int_eq(pim_tz_local_to_utc("Pacific/Tongatapu", 2024, 6, 1, 0, 0, 0, &t), 0);
	ck_assert_int_eq(t, 1717153200);
	/* far future: summer time in July 9000 (through a proxy year, not libical's expansion
	 * of 7,000 years of transitions), winter time in January, and back */
	ck_assert_int_eq(pim_tz_local_to_utc("Europe/Amsterdam", 9000, 7, 1, 12, 0, 0, &t), 0);
	ck_assert_int_eq(t, (pim_tz_days_from_civil(9000, 7, 1) * 86400) + 10 * 3600);
	ck_assert_int_eq(pim_tz_utc_to_local("Europe/Amsterdam", t, &y, &mo, &d, &h, &mi, &s), 0);
	ck_assert(y == 9000 && mo == 7 && d == 1 && h == 12);
	ck_assert_int_eq(pim_tz_local_to_utc("Australia/Sydney", 9999, 1, 1, 12, 0, 0, &t), 0);
	ck_assert_int_eq(t, (pim_tz_days_from_civil(9999, 1, 1) * 86400) + 1 * 3600);
	/* the last Sunday of March 2100 (a century year that is not leap) is the change */
	ck_assert_int_eq(pim_tz_local_to_utc("Europe/Amsterdam", 2100, 3, 28, 1, 0, 0, &t), 0);
	ck_assert_int_eq(t, (pim_tz_days_from_civil(2100, 3, 28) * 86400));
	ck_assert_int_eq(pim_tz_local_to_utc("Europe/Amsterdam", 2100, 3, 28, 4, 0, 0, &t), 0);
	ck_assert_int_eq(t, (pim_tz_days_from_civil(2100, 3, 28) * 86400) + 2 * 3600);
	/* bad input */
	ck_assert_int_eq(pim_tz_utc_to_local("UTC", INT64_MAX, &y, &mo, &d, &h, &mi, &s), -1);
	ck_assert_int_eq(pim_tz_local_to_utc("Mars/Olympus_Mons", 2024, 6, 1, 0, 0, 0, &t), -1);
	ck_assert_int_eq(pim_tz_local_to_utc("UTC", 2023, 2, 29, 0, 0, 0, &t), -1);
	ck_assert_int_eq(pim_tz_local_to_utc("UTC", 2024, 13, 1, 0, 0, 0, &t), -1);
	ck_assert_int_eq(pim_tz_utc_to_local("Mars/Olympus_Mons", 0, &y, &mo, &d, &h, &mi, &s), -1);
}
END_TEST

/* A blob's own rules give the offsets libical gives for its zone, every 3 hours over four
 * years, DST edges included. */
static void blob_agrees(const struct client_zone *z)
{
	unsigned char raw[PIM_TZ_BLOB_SIZE];
	struct pim_tz_blob b;
	const struct pim_tz_zone *zone = pim_tz_zone_get(z->iana);
	int64_t from = pim_tz_days_from_civil(2024, 1, 1) * 86400;
	int64_t to = pim_tz_days_from_civil(2028, 1, 1) * 86400;

	ck_assert_ptr_nonnull(zone);
	mkblob(raw, z->bias, NULL, z->sd, NULL, z->dd, z->dbias);
	b = decode(raw);
	for (int64_t t = from; t < to; t += 3 * 3600)
		ck_assert_msg(pim_tz_blob_offset(&b, t) == pim_tz_zone_offset(zone, t),
			      "%s at %lld", z->iana, (long long)t);
	/* and at the exact changes of 2025 */
	for (int64_t t = pim_tz_days_from_civil(2025, 1, 1) * 86400;
	     t < pim_tz_days_from_civil(2026, 1, 1) * 86400; t += 900)
		ck_assert_msg(pim_tz_blob_offset(&b, t) == pim_tz_zone_offset(zone, t),
			      "%s at %lld", z->iana, (long long)t);
}

START_TEST(blob_rules)
{
	for (size_t i = 0; i < N_ZONES; i++)
		blob_agrees(&zones[i]);

	/* local -> UTC by the W. Europe blob: a skipped hour in standard time, a repeated one
	 * in daylight time, ordinary times both sides */
	unsigned char raw[PIM_TZ_BLOB_SIZE];
	mkblob(raw, zones[0].bias, NULL, zones[0].sd, NULL, zones[0].dd, zones[0].dbias);
	struct pim_tz_blob b = decode(raw);
	int64_t mar31 = pim_tz_days_from_civil(2024, 3, 31) * 86400;
	int64_t oct27 = pim_tz_days_from_civil(2024, 10, 27) * 86400;
	ck_assert_int_eq(pim_tz_blob_to_utc(&b, mar31 + 2 * 3600 + 1800), mar31 + 3600 + 1800);
	ck_assert_int_eq(pim_tz_blob_to_utc(&b, mar31 + 9 * 3600), mar31 + 7 * 3600);
	ck_assert_int_eq(pim_tz_blob_to_utc(&b, oct27 + 2 * 3600 + 1800), oct27 + 1800);
	ck_assert_int_eq(pim_tz_blob_to_utc(&b, oct27 + 9 * 3600), oct27 + 8 * 3600);
	/* an absolute-date blob behaves as its rule */
	memset(raw, 0, sizeof(raw));
	w32(raw, -60);
	w16(raw + 68, 2024);
	w16(raw + 70, 10);
	w16(raw + 74, 27);
	w16(raw + 76, 3);
	w16(raw + 152, 2024);
	w16(raw + 154, 3);
	w16(raw + 158, 31);
	w16(raw + 160, 2);
	w32(raw + 168, -60);
	b = decode(raw);
	ck_assert_int_eq(pim_tz_blob_offset(&b, pim_tz_days_from_civil(2026, 7, 1) * 86400), 7200);
	ck_assert_int_eq(pim_tz_blob_offset(&b, pim_tz_days_from_civil(2026, 12, 1) * 86400), 3600);
}
END_TEST

/* Decoding fails with an error and leaves the output alone. */
static void hostile(const unsigned char *raw, size_t len)
{
	struct pim_tz_blob b;
	const char *error = NULL;

	memset(&b, 0x5a, sizeof(b));
	ck_assert_int_eq(pim_tz_blob_decode(raw, len, &b, &error), -1);
	ck_assert_ptr_nonnull(error);
	ck_assert_int_eq(b.bias, 0x5a5a5a5a);
}

START_TEST(hostile_blobs)
{
	unsigned char raw[PIM_TZ_BLOB_SIZE + 1], good[PIM_TZ_BLOB_SIZE];

	mkblob(good, -60, "W. Europe Standard Time", (struct rule){ 10, 0, 5, 3 },
	       "W. Europe Daylight Time", (struct rule){ 3, 0, 5, 2 }, -60);
	memcpy(raw, good, PIM_TZ_BLOB_SIZE);
	raw[PIM_TZ_BLOB_SIZE] = 0;
	hostile(raw, 0);
	hostile(raw, PIM_TZ_BLOB_SIZE - 1);
	hostile(raw, PIM_TZ_BLOB_SIZE + 1);

	/* month 13, week 6, day of week 7, hour 24, minute 60 in either date */
	static const size_t date_offsets[] = { 68, 152 };
	for (size_t k = 0; k < 2; k++) {
		size_t o = date_offsets[k];
		static const struct { size_t field; unsigned value; } bad[] = {
			{ 2, 13 }, { 6, 6 }, { 6, 0 }, { 4, 7 }, { 8, 24 }, { 10, 60 },
			{ 12, 60 }, { 14, 1000 },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			memcpy(raw, good, PIM_TZ_BLOB_SIZE);
			w16(raw + o + bad[i].field, bad[i].value);
			hostile(raw, PIM_TZ_BLOB_SIZE);
		}
		/* an absolute date that does not exist: 2023-02-29 */
		memcpy(raw, good, PIM_TZ_BLOB_SIZE);
		w16(raw + o, 2023);
		w16(raw + o + 2, 2);
		w16(raw + o + 6, 29);
		hostile(raw, PIM_TZ_BLOB_SIZE);
	}
	/* biases beyond a day */
	static const size_t bias_offsets[] = { 0, 84, 168 };
	for (size_t k = 0; k < 3; k++) {
		memcpy(raw, good, PIM_TZ_BLOB_SIZE);
		w32(raw + bias_offsets[k], 1441);
		hostile(raw, PIM_TZ_BLOB_SIZE);
		w32(raw + bias_offsets[k], INT32_MIN);
		hostile(raw, PIM_TZ_BLOB_SIZE);
	}
	/* names are free text: non-ASCII names decode and match by rules */
	memcpy(raw, good, PIM_TZ_BLOB_SIZE);
	w16(raw + 4, 0x00e9);
	w16(raw + 88, 0xffff);
	struct pim_tz_blob b = decode(raw);
	ck_assert_str_eq(pim_tz_from_blob(&b), "Europe/Berlin");
	/* a name without its NUL (32 units) */
	for (size_t i = 0; i < 32; i++)
		w16(raw + 4 + 2 * i, 'A');
	b = decode(raw);
	ck_assert_str_eq(pim_tz_from_blob(&b), "Europe/Berlin");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pim-tz");
	TCase *tc = tcase_create("tz");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, systemtime_order);
	tcase_add_test(tc, windows_names_roundtrip);
	tcase_add_test(tc, rules_without_names);
	tcase_add_test(tc, quirks_q_cal_7);
	tcase_add_test(tc, to_blob_zones);
	tcase_add_test(tc, dst_edges);
	tcase_add_test(tc, hostile_blobs);
	tcase_add_test(tc, blob_rules);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
