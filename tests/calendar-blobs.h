/* calendar-blobs.h: what the calendar end-to-end tests (e2e-calendar, e2e-calendar2) share:
 * EAS TimeZone blobs (MS-ASDTYPE 2.6.4) as phones send them, and readers of the phone
 * emulator's flattened calendar properties (see struct h_prop in harness.h). */
#ifndef EASD_TESTS_CALENDAR_BLOBS_H
#define EASD_TESTS_CALENDAR_BLOBS_H

#include <stdint.h>

/* A transition: month, day of week (0 Sunday), week of month (5 = last), hour; all zero
 * for a zone without daylight saving. */
struct h_tz_rule {
	int month, dow, week, hour;
};

/* The base64 blob of a zone (malloc'd): bias in minutes west of UTC, the names (up to 31
 * ASCII characters; "" leaves them empty), the transition into standard and into daylight
 * time, and the DaylightBias (StandardBias is 0). */
char *h_tz_blob(int bias, const char *std_name, struct h_tz_rule std, const char *dl_name,
		struct h_tz_rule dl, int dl_bias);

/* W. Europe (Amsterdam), Eastern (New York), AUS Eastern (Sydney) as Outlook writes them
 * (malloc'd). */
char *h_tz_amsterdam(void);
char *h_tz_new_york(void);
char *h_tz_sydney(void);

/* An EAS time in the compact form ("2026-03-02T08:00:00.000Z" -> "20260302T080000Z");
 * a rotation of static buffers: valid for a few calls. */
const char *h_cal_compact(const char *s);
/* Asserts that text contains part (printing text otherwise). */
void h_assert_has(const char *text, const char *part);
/* The line of the flattened Exceptions that names the occurrence (its ExceptionStartTime
 * or 16.x InstanceId); fails the test when there is none. Static buffer. */
const char *h_cal_exception_line(const char *exceptions, const char *original);

#endif
