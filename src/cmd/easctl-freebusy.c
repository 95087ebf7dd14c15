/* easctl calendar freebusy: a user's free/busy over a time range, from pim_freebusy (the
 * store query that ResolveRecipients Availability will answer with), so that an
 * administrator can see what a colleague's phone would be told and the tests can check the
 * computation against a running server's data. */
#include "cmd/easctl.h"

#include "pim/freebusy.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* MS-ASCMD 2.2.3.113 MergedFreeBusy: one digit per 30 minutes. */
#define MERGED_INTERVAL_S (30 * 60)

static const char *const status_names[] = { "free", "tentative", "busy", "oof", "no-data" };

/* Reads n decimal digits at s into *v; false unless all are digits. */
static bool digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* Parses "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM[:SS]Z" or the Compact DateTime
 * "YYYYMMDDTHHMMSSZ" into unix seconds; -1 when it is none of them or not a real time. */
static int parse_utc_time(const char *s, int64_t *t_r)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;
	size_t len = strlen(s);

	if (len == 16 && s[8] == 'T' && s[15] == 'Z') {
		if (!digits(s, 4, &y) || !digits(s + 4, 2, &mo) || !digits(s + 6, 2, &d) ||
		    !digits(s + 9, 2, &h) || !digits(s + 11, 2, &mi) || !digits(s + 13, 2, &sec))
			return -1;
	} else if (len >= 10 && s[4] == '-' && s[7] == '-') {
		if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d))
			return -1;
		if (len > 10) {
			const char *p = s + 10;
			if (!(len == 17 || len == 20) || p[0] != 'T' || p[3] != ':' ||
			    s[len - 1] != 'Z' || !digits(p + 1, 2, &h) || !digits(p + 4, 2, &mi))
				return -1;
			if (len == 20 && (p[6] != ':' || !digits(p + 7, 2, &sec)))
				return -1;
		}
	} else {
		return -1;
	}
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1601 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || sec > 59)
		return -1;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi, .tm_sec = sec };
	*t_r = (int64_t)timegm(&tm);
	return 0;
}

int easctl_calendar_freebusy(struct easctl *ctl, const struct easctl_args *args)
{
	const char *domain, *name, *error;
	struct store_user user;
	int64_t from, to;

	if (parse_utc_time(args->pos[1], &from) < 0 ||
	    parse_utc_time(args->pos[2], &to) < 0) {
		easctl_error("START and END are dates (2026-11-25), UTC times "
			     "(2026-11-25T09:00Z) or Compact DateTimes (20261125T090000Z)");
		return EASCTL_EXIT_USAGE;
	}
	if (to <= from || to - from > PIM_FB_MAX_WINDOW) {
		easctl_error("END must be after START and at most %lld days later",
			     PIM_FB_MAX_WINDOW / 86400);
		return EASCTL_EXIT_USAGE;
	}
	if (easctl_parse_login(ctl, args->pos[0], &domain, &name) < 0)
		return EASCTL_EXIT_USAGE;
	struct store *store = easctl_store(ctl);
	if (store == NULL)
		return EASCTL_EXIT_FAIL;
	enum store_result r = store_user_get(store, ctl->pool, domain, name, &user, &error);
	if (r != STORE_OK) {
		easctl_error("%s", r == STORE_NOT_FOUND ?
			     pool_printf(ctl->pool, "no user '%s'", args->pos[0]) : error);
		return EASCTL_EXIT_FAIL;
	}

	struct pim_busy *busy;
	size_t count, skipped = 0;
	if (pim_freebusy(store, ctl->pool, user.id, from, to, &busy, &count, &skipped,
			 &error) < 0) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	struct easctl_table t;
	easctl_table_init(&t, ctl->pool, 3, "START (UTC)", "END (UTC)", "STATUS");
	for (size_t i = 0; i < count; i++)
		easctl_table_row(&t, easctl_format_time(ctl->pool, busy[i].start_utc),
				 easctl_format_time(ctl->pool, busy[i].end_utc),
				 status_names[busy[i].status]);
	easctl_table_print(&t);
	const char *merged = pim_freebusy_merged(ctl->pool, busy, count, from, to,
						 MERGED_INTERVAL_S);
	printf("MergedFreeBusy (30 min from %s UTC): %s\n", easctl_format_time(ctl->pool, from),
	       merged != NULL ? merged : "");
	if (skipped > 0)
		easctl_error("%zu appointment%s could not be read and %s left out", skipped,
			     skipped == 1 ? "" : "s", skipped == 1 ? "was" : "were");
	return EASCTL_EXIT_OK;
}
