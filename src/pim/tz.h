/* tz.h: time zones of appointments (issue 6). EAS carries a zone as the base64 of a
 * TIME_ZONE_INFORMATION structure (MS-ASDTYPE 2.6.4, 172 bytes, little-endian): Bias,
 * StandardName (32 UTF-16 units), StandardDate (SYSTEMTIME), StandardBias, DaylightName,
 * DaylightDate, DaylightBias. easd's stored form keeps the exact blob a client sent, so that
 * it goes back to clients byte for byte (issue 6), and the IANA zone (libical's built-in zone
 * data) that recurrences are expanded with: the one an import named, kept next to the blob
 * (calendar.c), else the one pim_tz_from_blob finds; a blob it maps to no zone expands by
 * its own rules (pim_tz_blob_offset/_to_utc). */
#ifndef EASD_PIM_TZ_H
#define EASD_PIM_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PIM_TZ_BLOB_SIZE 172

/* SYSTEMTIME of a transition rule: month 1-12, day_of_week 0 (Sunday)-6, day = week of the
 * month 1-5 (5 = last) in the "day-in-month" format (year 0), hour, minute. */
struct pim_systemtime {
	uint16_t year, month, day_of_week, day, hour, minute, second, milliseconds;
};

struct pim_tz_blob {
	int32_t bias;                  /* minutes: UTC = local + bias */
	uint16_t standard_name[32];
	struct pim_systemtime standard_date;  /* month 0: no daylight saving */
	int32_t standard_bias;
	uint16_t daylight_name[32];
	struct pim_systemtime daylight_date;
	int32_t daylight_bias;
};

/* Decodes the 172 bytes (after base64). Returns 0, or -1 with *error_r (blob_r untouched)
 * for a wrong length or impossible fields (month > 12, day 0 or > 5 in a rule (year 0) or
 * not in the month for an absolute date (year != 0), day_of_week > 6, hour > 23, minute or
 * second > 59, ms > 999, a bias beyond +-24 h); a malformed blob is the client's error
 * (Sync Status 6). Names are not checked (free UTF-16 text, NUL not required). Every
 * blob that decodes encodes back to the same 172 bytes. */
int pim_tz_blob_decode(const void *data, size_t len, struct pim_tz_blob *blob_r,
		       const char **error_r);
void pim_tz_blob_encode(const struct pim_tz_blob *blob, unsigned char out[PIM_TZ_BLOB_SIZE]);

/* The IANA zone ("Europe/Berlin") a blob means: its names (Windows key or display names,
 * or an IANA name) through a table of ~115 Windows zones first, accepted when the offsets
 * and the presence of DST agree; then bias plus transition rules against the table's zones
 * as of the current year (exact rules, then same transition months, then DST in the same
 * season; never bias alone, Q-CAL-7), the table's first zone of equal rules winning (the
 * canonical CLDR zone: W. Europe -> Europe/Berlin); a blob without transition dates is a
 * zone without daylight saving; one the table lacks with a whole-hour offset gives
 * "Etc/GMT+N". Returns a static string, or NULL when nothing matches (a DST blob with
 * unknown rules, or a fractional offset: the caller keeps the blob, or a fixed offset). */
const char *pim_tz_from_blob(const struct pim_tz_blob *blob);

/* Computes the rules of the Windows zone table (about 0.1 s, once per process; the first
 * pim_tz_from_blob does it otherwise). Optional: for the daemon's start-up. */
void pim_tz_init(void);

/* The blob of an IANA zone as of the given year's rules (for items created on the server:
 * imports). Windows names where the zone has one (else empty names, Q-CAL-7). 0 or -1. */
int pim_tz_to_blob(const char *iana, int year, struct pim_tz_blob *blob_r);

/* UTC seconds of a local wall-clock time in an IANA zone (gaps and repeats resolved as
 * iCalendar does), and back. 0 or -1 for an unknown zone. */
int pim_tz_local_to_utc(const char *iana, int year, int month, int day, int hour, int minute,
			int second, int64_t *utc_r);
int pim_tz_utc_to_local(const char *iana, int64_t utc, int *year_r, int *month_r, int *day_r,
			int *hour_r, int *minute_r, int *second_r);

/* A zone resolved once for many conversions (recurrence expansion): NULL for an unknown
 * name; NULL, "" and "UTC" give UTC. Static (libical's built-in zones live as long as the
 * process). Times far in the future (after 2096) are converted through a year of the same
 * calendar before 2097 (rules no longer change by then) so that hostile dates cost nothing. */
struct pim_tz_zone;
const struct pim_tz_zone *pim_tz_zone_get(const char *iana);
/* Offset (seconds east of UTC) in force at a UTC instant. */
int pim_tz_zone_offset(const struct pim_tz_zone *zone, int64_t utc);
/* UTC of a local wall-clock time given as seconds since 1970-01-01 00:00 local (gaps and
 * repeats as libical resolves them). */
int64_t pim_tz_zone_to_utc(const struct pim_tz_zone *zone, int64_t local);

/* Conversions by a blob's own rules (Windows semantics: the same rules every year), for
 * blobs pim_tz_from_blob maps to no zone: the offset (seconds east) at a UTC instant, and
 * the UTC of local wall-clock seconds since 1970 (a repeated hour in daylight time, a
 * skipped one in standard time). The blob must have decoded. */
int pim_tz_blob_offset(const struct pim_tz_blob *blob, int64_t utc);
int64_t pim_tz_blob_to_utc(const struct pim_tz_blob *blob, int64_t local);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (for recur.c and the
 * converters: plain calendar arithmetic without a zone). */
int64_t pim_tz_days_from_civil(int64_t year, unsigned month, unsigned day);
void pim_tz_civil_from_days(int64_t days, int *year_r, unsigned *month_r, unsigned *day_r);
/* Days in a month (1-12) of a year. */
unsigned pim_tz_month_days(int year, unsigned month);

#endif
