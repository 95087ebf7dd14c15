/* recur.c: EAS recurrences: validation and expansion in a zone. See recur.h.
 *
 * Expansion works on local calendar days (days since 1970-01-01 in the series' zone): each
 * period of the pattern (a day, a week, a month or a year, times Interval) yields its dates,
 * and each date becomes an instant through libical at the series' local time of day, so the
 * wall-clock time holds across daylight-saving changes. Without Occurrences the walk starts
 * at the period of the window (a series started 20 years ago costs what a new one costs);
 * with Occurrences it starts at the series start, bounded by the 999 occurrences. */
#include "pim/recur.h"

#include "pim/tz.h"

#include <string.h>

#define DAY 86400
/* Instants easd expands: years 1 to 9999 (the range of EAS and iCalendar dates). */
#define MIN_TIME INT64_C(-62135596800)
#define MAX_TIME INT64_C(253402300799)
/* Consecutive periods without a date after which a walk gives up (a daily pattern whose
 * weekday mask never meets its Interval); patterns that pass validation never get there. */
#define MAX_EMPTY_PERIODS 1000

static const char *const weekday_error = "Recurrence: DayOfWeek is required for this Type";

int pim_recur_validate(const struct pim_recur *r, const char **error_r)
{
	switch (r->type) {
	case PIM_RECUR_DAILY:
	case PIM_RECUR_WEEKLY:
	case PIM_RECUR_MONTHLY:
	case PIM_RECUR_MONTHLY_NTH:
	case PIM_RECUR_YEARLY:
	case PIM_RECUR_YEARLY_NTH:
		break;
	default:
		*error_r = "Recurrence: unknown Type";
		return -1;
	}
	if (r->interval == 0 || r->interval > 999) {
		*error_r = "Recurrence: Interval must be 1-999";
		return -1;
	}
	if (r->occurrences > PIM_RECUR_MAX_OCCURRENCES) {
		*error_r = "Recurrence: Occurrences beyond 999";
		return -1;
	}
	if (r->day_of_week > PIM_RECUR_ALL_DAYS || r->week_of_month > PIM_RECUR_LAST_WEEK ||
	    r->day_of_month > 31 || r->month_of_year > 12 ||
	    (r->has_first_day_of_week && r->first_day_of_week > 6)) {
		*error_r = "Recurrence: a field is out of range";
		return -1;
	}
	switch (r->type) {
	case PIM_RECUR_DAILY:
		break;
	case PIM_RECUR_WEEKLY:
		if (r->day_of_week == 0) {
			*error_r = weekday_error;
			return -1;
		}
		break;
	case PIM_RECUR_MONTHLY:
		if (r->day_of_month == 0) {
			*error_r = "Recurrence: monthly without DayOfMonth";
			return -1;
		}
		break;
	case PIM_RECUR_YEARLY:
		if (r->month_of_year == 0 || r->day_of_month == 0) {
			*error_r = "Recurrence: yearly without MonthOfYear and DayOfMonth";
			return -1;
		}
		/* February 29 is possible (leap years), February 30 or April 31 never */
		if (r->day_of_month > pim_tz_month_days(2000, r->month_of_year)) {
			*error_r = "Recurrence: DayOfMonth does not exist in MonthOfYear";
			return -1;
		}
		break;
	case PIM_RECUR_YEARLY_NTH:
		if (r->month_of_year == 0) {
			*error_r = "Recurrence: yearly without MonthOfYear";
			return -1;
		}
		/* fall through */
	case PIM_RECUR_MONTHLY_NTH:
		if (r->day_of_week == 0) {
			*error_r = weekday_error;
			return -1;
		}
		if (r->week_of_month == 0) {
			*error_r = "Recurrence: WeekOfMonth is required for this Type";
			return -1;
		}
		break;
	}
	return 0;
}

/* ---- Calendar arithmetic ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* 0 Sunday .. 6 Saturday (1970-01-01 was a Thursday). */
static unsigned weekday(int64_t day)
{
	return (unsigned)(((day % 7) + 11) % 7);
}

/* The week-th (1-4, 5 = last) day of month whose weekday is in mask. */
static int64_t nth_day(int year, unsigned month, uint8_t mask, unsigned week)
{
	int64_t first = pim_tz_days_from_civil(year, month, 1);
	unsigned n = pim_tz_month_days(year, month);
	unsigned seen = 0;

	if (week >= PIM_RECUR_LAST_WEEK) {
		for (int64_t d = first + n - 1; d >= first; d--) {
			if (mask & (1u << weekday(d)))
				return d;
		}
		return INT64_MIN;
	}
	for (int64_t d = first; d < first + n; d++) {
		if ((mask & (1u << weekday(d))) && ++seen == week)
			return d;
	}
	return INT64_MIN;
}

/* DayOfMonth in a month that has fewer days falls on its last day (as Exchange and
 * Outlook do: "day 31 of every month", "February 29 every year"). */
static int64_t clamped_day(int year, unsigned month, unsigned dom)
{
	unsigned n = pim_tz_month_days(year, month);

	return pim_tz_days_from_civil(year, month, dom > n ? n : dom);
}

/* ---- The walk ---- */

struct walker {
	const struct pim_recur_series *s;
	const struct pim_recur *r;
	const struct pim_tz_zone *zone;
	const struct pim_tz_blob *blob;  /* instead of zone when set */
	int64_t d0;                  /* local day of the series start */
	int y0;
	unsigned m0;
	int tod;                     /* seconds after local midnight */
	int64_t all_day_days;        /* all-day: length in days */
	int64_t until;               /* Until, clamped to years 1-9999 */
	int64_t until_day;           /* last local day allowed by an Until given as a date */
};

static int64_t local_to_utc(const struct walker *w, int64_t day, int tod)
{
	if (w->blob != NULL)
		return pim_tz_blob_to_utc(w->blob, day * DAY + tod);
	return pim_tz_zone_to_utc(w->zone, day * DAY + tod);
}

/* Local day and seconds after midnight of a UTC instant. */
static void utc_to_local(const struct walker *w, int64_t t, int64_t *day_r, int *tod_r)
{
	int64_t local = t + (w->blob != NULL ? pim_tz_blob_offset(w->blob, t) :
					       pim_tz_zone_offset(w->zone, t));

	*day_r = floor_div(local, DAY);
	*tod_r = (int)(local - *day_r * DAY);
}

static int walker_init(struct walker *w, const struct pim_recur_series *s, const char **error_r)
{
	const struct pim_recur *r = s->recur;
	unsigned d;

	memset(w, 0, sizeof(*w));
	if (r == NULL || pim_recur_validate(r, error_r) < 0) {
		if (r == NULL)
			*error_r = "Recurrence: missing";
		return -1;
	}
	if (s->duration_s < 0 || s->duration_s > MAX_TIME - MIN_TIME) {
		*error_r = "Recurrence: the series ends before it starts";
		return -1;
	}
	if (s->start_utc < MIN_TIME || s->start_utc > MAX_TIME) {
		*error_r = "Recurrence: start out of range";
		return -1;
	}
	w->s = s;
	w->r = r;
	w->blob = s->zone == NULL ? s->blob : NULL;
	w->zone = pim_tz_zone_get(s->zone);
	if (w->zone == NULL) {
		*error_r = "Recurrence: unknown time zone";
		return -1;
	}
	utc_to_local(w, s->start_utc, &w->d0, &w->tod);
	if (s->all_day) {
		w->tod = 0;
		w->all_day_days = (s->duration_s + DAY / 2) / DAY;
		if (w->all_day_days < 1)
			w->all_day_days = 1;   /* zero-length all-day events last their day (Q-CAL-5) */
	}
	pim_tz_civil_from_days(w->d0, &w->y0, &w->m0, &d);

	/* Until as a date: clients write the last day at midnight UTC or at local midnight,
	 * meaning "up to and including that day" */
	w->until_day = INT64_MIN;
	if (r->has_until) {
		int64_t lday;
		int ltod;

		w->until = r->until_utc < MIN_TIME ? MIN_TIME :
			   r->until_utc > MAX_TIME ? MAX_TIME : r->until_utc;
		utc_to_local(w, w->until, &lday, &ltod);
		if (ltod == 0)
			w->until_day = lday;
		if (w->until % DAY == 0 && w->until / DAY > w->until_day)
			w->until_day = w->until / DAY;
		if (s->all_day && lday > w->until_day)
			w->until_day = lday;
	}
	return 0;
}

/* The local days of period k of the pattern, ascending, into days[] (at most 7). */
static size_t period_days(const struct walker *w, int64_t k, int64_t days[7])
{
	const struct pim_recur *r = w->r;
	int64_t step = (int64_t)r->interval * k;
	size_t n = 0;

	switch (r->type) {
	case PIM_RECUR_DAILY: {
		int64_t d = w->d0 + step;

		if (r->day_of_week == 0 || (r->day_of_week & (1u << weekday(d))))
			days[n++] = d;
		break;
	}
	case PIM_RECUR_WEEKLY: {
		unsigned fdow = r->has_first_day_of_week ? r->first_day_of_week : 0;
		int64_t ws = w->d0 - (int64_t)((weekday(w->d0) + 7 - fdow) % 7) + 7 * step;

		for (int64_t d = ws; d < ws + 7; d++) {
			if (r->day_of_week & (1u << weekday(d)))
				days[n++] = d;
		}
		break;
	}
	case PIM_RECUR_MONTHLY:
	case PIM_RECUR_MONTHLY_NTH: {
		int64_t mi = (int64_t)w->y0 * 12 + (w->m0 - 1) + step;
		int y = (int)floor_div(mi, 12);
		unsigned m = (unsigned)(mi - (int64_t)y * 12) + 1;
		int64_t d = r->type == PIM_RECUR_MONTHLY ? clamped_day(y, m, r->day_of_month) :
			    nth_day(y, m, r->day_of_week, r->week_of_month);

		if (d != INT64_MIN)
			days[n++] = d;
		break;
	}
	case PIM_RECUR_YEARLY:
	case PIM_RECUR_YEARLY_NTH: {
		int y = w->y0 + (int)step;
		int64_t d = r->type == PIM_RECUR_YEARLY ?
			    clamped_day(y, r->month_of_year, r->day_of_month) :
			    nth_day(y, r->month_of_year, r->day_of_week, r->week_of_month);

		if (d != INT64_MIN)
			days[n++] = d;
		break;
	}
	}
	return n;
}

/* The first period that can hold a date on or after local day `day` (0 at the latest
 * the series' first period). */
static int64_t period_at(const struct walker *w, int64_t day)
{
	const struct pim_recur *r = w->r;
	int64_t k = 0;

	if (day <= w->d0)
		return 0;
	switch (r->type) {
	case PIM_RECUR_DAILY:
		k = (day - w->d0) / r->interval;
		break;
	case PIM_RECUR_WEEKLY:
		k = (day - w->d0) / (7 * (int64_t)r->interval) - 1;
		break;
	case PIM_RECUR_MONTHLY:
	case PIM_RECUR_MONTHLY_NTH: {
		int y;
		unsigned m, d;

		pim_tz_civil_from_days(day, &y, &m, &d);
		k = (((int64_t)y * 12 + m) - ((int64_t)w->y0 * 12 + w->m0)) / r->interval - 1;
		break;
	}
	case PIM_RECUR_YEARLY:
	case PIM_RECUR_YEARLY_NTH: {
		int y;
		unsigned m, d;

		pim_tz_civil_from_days(day, &y, &m, &d);
		k = (y - w->y0) / (int64_t)r->interval - 1;
		break;
	}
	}
	return k < 0 ? 0 : k;
}

/* Called for each occurrence of the pattern (no exceptions applied) with its local day;
 * returns non-zero to stop the walk. */
typedef int walk_fn(const struct walker *w, int64_t day, int64_t start, void *context);

/* Walks the occurrences from period k_start on, in order, up to the end of the series
 * (Occurrences, Until) or until fn stops it. Occurrences forces the walk to start at the
 * first period, since the count runs from the series start. */
static void walk(const struct walker *w, int64_t k_start, walk_fn *fn, void *context)
{
	const struct pim_recur *r = w->r;
	uint32_t count = 0;
	unsigned empty = 0;

	if (r->occurrences != 0)
		k_start = 0;
	for (int64_t k = k_start; empty < MAX_EMPTY_PERIODS; k++) {
		int64_t days[7];
		size_t n = period_days(w, k, days);
		bool any = false;

		for (size_t i = 0; i < n; i++) {
			int64_t start;

			if (days[i] < w->d0)
				continue;
			/* a year beyond 9999 ends every walk (and keeps the arithmetic finite) */
			if (days[i] > 2932896)
				return;
			any = true;
			start = local_to_utc(w, days[i], w->tod);
			if (r->occurrences != 0 && ++count > r->occurrences)
				return;
			if (r->has_until && start > w->until && days[i] > w->until_day)
				return;
			if (fn(w, days[i], start, context) != 0)
				return;
		}
		empty = any ? 0 : empty + 1;
	}
}

static int64_t occurrence_end(const struct walker *w, int64_t day, int64_t start)
{
	if (w->s->all_day)
		return local_to_utc(w, day + w->all_day_days, 0);
	return start + w->s->duration_s;
}

static bool overlaps(int64_t start, int64_t end, int64_t from, int64_t to)
{
	if (start >= to)
		return false;
	return end > from || (end == start && start >= from);
}

/* ---- Expansion ---- */

struct expand_ctx {
	int64_t from, to;
	size_t max_count;
	pim_recur_callback *cb;
	void *context;
	int64_t calls;
	bool stopped;
};

static bool is_excepted(const struct pim_recur_series *s, int64_t start)
{
	for (size_t i = 0; i < s->exception_count; i++) {
		if (s->exceptions[i].original_start_utc == start)
			return true;
	}
	return false;
}

static bool emit(struct expand_ctx *c, const struct pim_occurrence *occ)
{
	c->calls++;
	if (c->cb(occ, c->context) != 0 || (c->max_count != 0 && (size_t)c->calls >= c->max_count))
		c->stopped = true;
	return !c->stopped;
}

static int expand_step(const struct walker *w, int64_t day, int64_t start, void *context)
{
	struct expand_ctx *c = context;
	struct pim_occurrence occ;

	if (start >= c->to)
		return 1;
	occ.start_utc = start;
	occ.end_utc = occurrence_end(w, day, start);
	occ.original_start_utc = start;
	occ.is_exception = false;
	if (!overlaps(occ.start_utc, occ.end_utc, c->from, c->to) || is_excepted(w->s, start))
		return 0;
	return emit(c, &occ) ? 0 : 1;
}

/* The walk's first period for a window starting at from_utc: the longest an occurrence can
 * last before it, plus two days for the zone's offset. */
static int64_t window_period(const struct walker *w, int64_t from_utc)
{
	int64_t span = w->s->all_day ? (w->all_day_days + 1) * DAY : w->s->duration_s;

	if (from_utc < MIN_TIME + span)
		return 0;
	if (from_utc > MAX_TIME)
		from_utc = MAX_TIME;
	return period_at(w, floor_div(from_utc - span, DAY) - 2);
}

int64_t pim_recur_expand(const struct pim_recur_series *s, int64_t from_utc, int64_t to_utc,
			 size_t max_count, pim_recur_callback *cb, void *context,
			 const char **error_r)
{
	struct walker w;
	struct expand_ctx c;

	if (walker_init(&w, s, error_r) < 0)
		return -1;
	memset(&c, 0, sizeof(c));
	c.from = from_utc;
	c.to = to_utc;
	c.max_count = max_count;
	c.cb = cb;
	c.context = context;
	if (from_utc >= to_utc)
		return 0;
	walk(&w, window_period(&w, from_utc), expand_step, &c);

	/* moved occurrences: at their own times, whatever the window held their originals */
	for (size_t i = 0; i < s->exception_count && !c.stopped; i++) {
		const struct pim_recur_exception *e = &s->exceptions[i];
		struct pim_occurrence occ;

		if (e->deleted || !overlaps(e->start_utc, e->end_utc, from_utc, to_utc))
			continue;
		occ.start_utc = e->start_utc;
		occ.end_utc = e->end_utc;
		occ.original_start_utc = e->original_start_utc;
		occ.is_exception = true;
		emit(&c, &occ);
	}
	return c.calls;
}

struct array_ctx {
	struct pim_occurrence *occ;
	size_t count;
};

static int array_step(const struct pim_occurrence *occ, void *context)
{
	struct array_ctx *a = context;

	a->occ[a->count++] = *occ;
	return 0;
}

int pim_recur_expand_array(const struct pim_recur_series *s, int64_t from_utc, int64_t to_utc,
			   struct pim_occurrence *occ_r, size_t max_count, size_t *count_r,
			   const char **error_r)
{
	struct array_ctx a = { occ_r, 0 };

	*count_r = 0;
	if (max_count == 0)
		return 0;
	if (pim_recur_expand(s, from_utc, to_utc, max_count, array_step, &a, error_r) < 0)
		return -1;
	*count_r = a.count;
	return 0;
}

/* ---- The series' end ---- */

struct last_ctx {
	int64_t last_day, last_start;
	bool found;
};

static int last_step(const struct walker *w, int64_t day, int64_t start, void *context)
{
	struct last_ctx *l = context;

	(void)w;
	l->last_day = day;
	l->last_start = start;
	l->found = true;
	return 0;
}

int pim_recur_last_end(const struct pim_recur_series *s, int64_t *end_r, const char **error_r)
{
	struct walker w;
	struct last_ctx l;
	int64_t end;

	if (walker_init(&w, s, error_r) < 0)
		return -1;
	if (s->recur->occurrences == 0 && !s->recur->has_until) {
		*end_r = INT64_MAX;
		return 0;
	}
	memset(&l, 0, sizeof(l));
	if (s->recur->occurrences != 0) {
		walk(&w, 0, last_step, &l);
	} else {
		/* the walk stops at Until by itself: start it a few periods before, further
		 * back while those periods hold no occurrence (sparse daily masks) */
		int64_t uday = w.until_day != INT64_MIN ? w.until_day :
			       floor_div(w.until, DAY) + 1;
		int64_t k_until = period_at(&w, uday);

		for (int64_t back = 2;; back *= 8) {
			int64_t k = k_until > back ? k_until - back : 0;

			walk(&w, k, last_step, &l);
			if (l.found || k == 0)
				break;
		}
	}
	end = s->start_utc + s->duration_s;
	if (s->all_day)
		end = local_to_utc(&w, w.d0 + w.all_day_days, 0);
	if (l.found) {
		int64_t e = occurrence_end(&w, l.last_day, l.last_start);

		if (e > end)
			end = e;
	}
	for (size_t i = 0; i < s->exception_count; i++) {
		if (!s->exceptions[i].deleted && s->exceptions[i].end_utc > end)
			end = s->exceptions[i].end_utc;
	}
	*end_r = end;
	return 0;
}

/* ---- Occurrence lookup ---- */

struct find_ctx {
	int64_t day_lo, day_hi;     /* local days accepted, inclusive */
	int64_t t;
	bool exact_only;
	bool found;
	int64_t start;
};

static int find_step(const struct walker *w, int64_t day, int64_t start, void *context)
{
	struct find_ctx *f = context;

	(void)w;
	if (start == f->t || (!f->exact_only && day >= f->day_lo && day <= f->day_hi)) {
		f->found = true;
		f->start = start;
		return 1;
	}
	return day > f->day_hi ? 1 : 0;
}

int pim_recur_find_occurrence(const struct pim_recur_series *s, int64_t t, bool same_local_date,
			      int64_t *occurrence_start_utc_r, const char **error_r)
{
	struct walker w;
	struct find_ctx f;
	int tod;

	if (walker_init(&w, s, error_r) < 0)
		return -1;
	memset(&f, 0, sizeof(f));
	f.t = t;
	if (t < MIN_TIME + 2 * DAY || t > MAX_TIME - 2 * DAY) {
		*error_r = "not an occurrence of the series";
		return -1;
	}
	utc_to_local(&w, t, &f.day_lo, &tod);
	f.day_hi = f.day_lo;
	f.exact_only = true;
	walk(&w, period_at(&w, f.day_lo - 2), find_step, &f);
	if (!f.found && same_local_date) {
		/* Q-CAL-6: the same local date, or the date the instant has in UTC (an
		 * all-day exception sent at midnight UTC, or off by the zone's offset) */
		int64_t utc_day = floor_div(t, DAY);

		f.exact_only = false;
		walk(&w, period_at(&w, f.day_lo - 2), find_step, &f);
		if (!f.found && utc_day != f.day_lo) {
			f.day_lo = f.day_hi = utc_day;
			walk(&w, period_at(&w, utc_day - 2), find_step, &f);
		}
	}
	if (!f.found) {
		*error_r = "not an occurrence of the series";
		return -1;
	}
	*occurrence_start_utc_r = f.start;
	return 0;
}
