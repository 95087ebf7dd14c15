/* recur.h: recurrences of appointments (issue 6): the EAS Recurrence of MS-ASCAL 2.2.2.38,
 * its validation and its expansion into occurrences in an IANA zone (wall-clock time kept
 * across daylight-saving changes), with deleted and moved exceptions. Used by the calendar
 * converter (filter_start/end of an item: FilterType membership), by free/busy and by the
 * iCalendar import/export. All instants are UTC seconds since 1970 (time_t-like, int64). */
#ifndef EASD_PIM_RECUR_H
#define EASD_PIM_RECUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Recurrence Type values (MS-ASCAL 2.2.2.41; 4 does not exist). */
enum pim_recur_type {
	PIM_RECUR_DAILY = 0,
	PIM_RECUR_WEEKLY = 1,
	PIM_RECUR_MONTHLY = 2,        /* on DayOfMonth */
	PIM_RECUR_MONTHLY_NTH = 3,    /* on the WeekOfMonth-th DayOfWeek */
	PIM_RECUR_YEARLY = 5,         /* on DayOfMonth of MonthOfYear */
	PIM_RECUR_YEARLY_NTH = 6,     /* on the WeekOfMonth-th DayOfWeek of MonthOfYear */
};

/* DayOfWeek mask bits (MS-ASCAL 2.2.2.18): bit i = weekday i, 0 Sunday .. 6 Saturday.
 * 62 = weekdays, 65 = weekend days, 127 = any day (with Type 3/6: "the nth day"). */
#define PIM_RECUR_SUNDAY    0x01
#define PIM_RECUR_MONDAY    0x02
#define PIM_RECUR_TUESDAY   0x04
#define PIM_RECUR_WEDNESDAY 0x08
#define PIM_RECUR_THURSDAY  0x10
#define PIM_RECUR_FRIDAY    0x20
#define PIM_RECUR_SATURDAY  0x40
#define PIM_RECUR_ALL_DAYS  0x7f

/* WeekOfMonth 5 means the last one in the month. */
#define PIM_RECUR_LAST_WEEK 5

/* The maximum Occurrences easd accepts (MS-ASCAL: Occurrences is at most 999). */
#define PIM_RECUR_MAX_OCCURRENCES 999

/* One EAS Recurrence. Zero means "not given" for the numeric fields except type, interval
 * (1-999: the converter puts 1 when the client leaves Interval out; 0 is invalid) and
 * first_day_of_week (has_first_day_of_week). */
struct pim_recur {
	enum pim_recur_type type;
	uint32_t interval;            /* 1: every period; 0 is invalid */
	uint32_t occurrences;         /* 0: not limited by a count */
	bool has_until;
	int64_t until_utc;            /* Until (inclusive: an occurrence starting at it counts) */
	uint8_t day_of_week;          /* mask, see above */
	uint8_t week_of_month;        /* 1-5, 5 = last */
	uint8_t day_of_month;         /* 1-31 */
	uint8_t month_of_year;        /* 1-12 */
	bool has_first_day_of_week;
	uint8_t first_day_of_week;    /* 14.1+: 0 Sunday .. 6 Saturday (weekly Interval > 1) */
	uint8_t calendar_type;        /* 14.0+: 0 default, 1 Gregorian, ... (kept, not expanded) */
	bool is_leap_month;           /* 14.0+: lunar calendars (kept, not expanded) */
};

/* An exception of a series (Exceptions of MS-ASCAL, or a 16.x InstanceId). */
struct pim_recur_exception {
	int64_t original_start_utc;   /* the occurrence it replaces (ExceptionStartTime/InstanceId) */
	bool deleted;                 /* Deleted 1: the occurrence does not happen */
	int64_t start_utc, end_utc;   /* !deleted: the occurrence's own (moved) start and end */
};

struct pim_tz_blob;

/* A recurring appointment: what expansion needs. zone NULL or "" means UTC, unless blob is
 * given: a zone NULL with a blob expands by the blob's own rules (an EAS TimeZone that
 * pim_tz_from_blob maps to no IANA zone; the blob must have decoded). For an all-day
 * series start_utc is local midnight in zone of the first day and occurrences start at local
 * midnight of their dates, lasting duration_s rounded to whole days. */
struct pim_recur_series {
	const struct pim_recur *recur;
	const char *zone;             /* IANA name; an unknown name is an error */
	const struct pim_tz_blob *blob;  /* with zone NULL: the client's TimeZone */
	int64_t start_utc;            /* StartTime of the series (its first occurrence) */
	int64_t duration_s;           /* EndTime - StartTime, >= 0 */
	bool all_day;
	const struct pim_recur_exception *exceptions;
	size_t exception_count;
};

/* One occurrence handed to the expansion callback. */
struct pim_occurrence {
	int64_t start_utc, end_utc;
	int64_t original_start_utc;   /* == start_utc unless moved by an exception */
	bool is_exception;            /* a moved (modified) occurrence of the exceptions list */
};

/* Called for each occurrence: first the pattern's occurrences in time order (deleted and
 * moved ones left out), then the moved exceptions that overlap the window, in the order of
 * the exceptions list. Return 0 to go on, non-zero to stop. */
typedef int pim_recur_callback(const struct pim_occurrence *occ, void *context);

/* Checks a Recurrence for impossible combinations: unknown Type, Interval 0 or > 999,
 * Occurrences > 999, fields out of range, weekly/nth without DayOfWeek, nth without
 * WeekOfMonth, monthly without DayOfMonth, yearly without MonthOfYear (and DayOfMonth for
 * Type 5), a DayOfMonth the month never has (February 30, April 31; February 29 is fine).
 * Occurrences with Until is accepted (whichever ends first wins). Returns 0, or -1 with *error_r (the converter answers the
 * class's Status 6 and writes nothing). */
int pim_recur_validate(const struct pim_recur *r, const char **error_r);

/* Calls cb for every occurrence of the series that overlaps [from_utc, to_utc) (start <
 * to_utc and end > from_utc; a zero-length occurrence counts when from_utc <= start <
 * to_utc), deleted exceptions skipped, at most max_count calls (0: no limit). Jumps to the
 * window: cost depends on the window, not the age of the series (except with Occurrences,
 * which bounds the work by itself). Exceptions match occurrences by exact original start
 * (normalise them with pim_recur_find_occurrence when storing). A DayOfMonth the month
 * lacks falls on its last day (Exchange: "day 31" monthly, February 29 yearly). With an
 * open end (to_utc INT64_MAX) on an endless series, pass a max_count. Returns the number of calls made, or -1 with *error_r
 * (invalid recurrence, unknown zone). */
int64_t pim_recur_expand(const struct pim_recur_series *s, int64_t from_utc, int64_t to_utc,
			 size_t max_count, pim_recur_callback *cb, void *context,
			 const char **error_r);

/* Same into an array: up to max_count occurrences in *occ_r[0..*count_r). 0 or -1. */
int pim_recur_expand_array(const struct pim_recur_series *s, int64_t from_utc, int64_t to_utc,
			   struct pim_occurrence *occ_r, size_t max_count, size_t *count_r,
			   const char **error_r);

/* The end of the last occurrence of the series (moved exceptions included), INT64_MAX when
 * it never ends: the item's filter_end. A deleted last occurrence is still counted (the
 * item then stays in a window a little longer, never shorter). 0 or -1 with *error_r. */
int pim_recur_last_end(const struct pim_recur_series *s, int64_t *end_r, const char **error_r);

/* Whether t is the start of an occurrence of the series (exceptions ignored). With
 * same_local_date, a t that is not one matches the occurrence on the same local date in
 * the series' zone (Q-CAL-6: ExceptionStartTime off by the UTC offset, or all-day vs timed).
 * Returns 0 with *occurrence_start_utc_r, or -1 with *error_r ("not an occurrence"). */
int pim_recur_find_occurrence(const struct pim_recur_series *s, int64_t t, bool same_local_date,
			      int64_t *occurrence_start_utc_r, const char **error_r);

#endif
