/* bench-calendar: the cost of calendars in easd (issue 6, "Performance"), over loopback:
 *
 * (a) `easctl calendar import` of a generated calendar of 5,000 appointments (20 % of them
 *     recurring series: daily, weekly, monthly and yearly, in Europe/Amsterdam,
 *     America/New_York, Australia/Sydney and UTC, each series with a deleted and a moved
 *     occurrence; spread over two years back and one ahead);
 * (b) the initial Sync of one phone (14.1, WindowSize 100) under FilterType 5 (one month):
 *     the server time of the whole walk (the sum of the per-request times seen by the client,
 *     and the sum of easd's ms= from its request log), the number of requests and Adds, and
 *     easd's peak RSS (VmHWM of /proc/PID/status, reset by /proc/PID/clear_refs after the
 *     login so that argon2id's 64 MiB are left out) during the walk; a fresh easd per run;
 * (c) free/busy of the user for the 30 days from now: pim_freebusy called directly on the
 *     store (easd stopped), time per query.
 * Every figure is the median of several runs (default 5), each bounded.
 *
 * It starts its own easd (found next to itself: dirname(argv[0])/../easd, as `make bench`
 * builds it) on 127.0.0.1:0 with a fresh data directory and removes everything at the end.
 *
 * Usage: bench-calendar [--runs N] [--events N] */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define BENCH_NAME "bench-calendar"
#include "bench-common.h"

#include "pim/freebusy.h"
#include "store/store.h"

#define USER "cal@bench.test"
#define MAX_RUNS 50

/* ---- the calendar ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((rng >> 33) % n);
}

static const char *ical_local(char *out, size_t size, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%Y%m%dT%H%M00", &tm);
	return out;
}

/* Writes the calendar: events spread over [now - 2 years, now + 1 year], every fifth a
 * series with a deleted and a moved occurrence; returns the number of series. */
static unsigned write_calendar(const char *path, unsigned count, time_t now)
{
	static const char *const zones[] = { "Europe/Amsterdam", "America/New_York",
					     "Australia/Sydney", "UTC" };
	static const char *const rules[] = { "FREQ=WEEKLY", "FREQ=DAILY;INTERVAL=2",
					     "FREQ=MONTHLY", "FREQ=WEEKLY;BYDAY=MO,WE,FR",
					     "FREQ=WEEKLY;COUNT=30", "FREQ=YEARLY" };
	FILE *f = fopen(path, "w");
	unsigned series = 0;
	char s[32], e[32], x[32];

	if (f == NULL)
		die("cannot write %s", path);
	fprintf(f, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n");
	time_t day0 = now - (now % 86400) - 730 * 86400;
	for (unsigned i = 0; i < count; i++) {
		bool recurring = i % 5 == 0;
		const char *zone = zones[rnd(4)];
		/* Local wall-clock times (the zone's), whole half hours between 07:00 and 19:00. */
		time_t start = day0 + (time_t)rnd(recurring ? 700 : 1095) * 86400 +
			       (7 * 3600 + (time_t)rnd(24) * 1800);
		time_t end = start + 1800 * (1 + (time_t)rnd(4));
		bool utc = strcmp(zone, "UTC") == 0;
		fprintf(f, "BEGIN:VEVENT\r\nUID:bench-%u@bench.test\r\nDTSTAMP:20260101T000000Z\r\n",
			i);
		if (utc)
			fprintf(f, "DTSTART:%sZ\r\nDTEND:%sZ\r\n", ical_local(s, sizeof(s), start),
				ical_local(e, sizeof(e), end));
		else
			fprintf(f, "DTSTART;TZID=%s:%s\r\nDTEND;TZID=%s:%s\r\n", zone,
				ical_local(s, sizeof(s), start), zone, ical_local(e, sizeof(e), end));
		fprintf(f, "SUMMARY:Appointment %u\r\nLOCATION:Room %u\r\n"
			"DESCRIPTION:Bench appointment number %u with a short agenda.\r\n"
			"X-MICROSOFT-CDO-BUSYSTATUS:%s\r\n", i, rnd(50), i,
			rnd(10) == 0 ? "TENTATIVE" : rnd(20) == 0 ? "OOF" : "BUSY");
		if (recurring) {
			unsigned rule = rnd(6);
			fprintf(f, "RRULE:%s\r\n", rules[rule]);
			/* The second occurrence deleted (a daily-every-2 series: day 2, weekly
			 * on Monday/Wednesday/Friday: not always; use the rule's own second). */
			time_t step = rule == 0 || rule == 4 ? 7 * 86400 : rule == 1 ? 2 * 86400 : 0;
			if (step != 0) {
				if (utc)
					fprintf(f, "EXDATE:%sZ\r\n", ical_local(x, sizeof(x), start + step));
				else
					fprintf(f, "EXDATE;TZID=%s:%s\r\n", zone,
						ical_local(x, sizeof(x), start + step));
			}
			fprintf(f, "END:VEVENT\r\n");
			if (step != 0) {
				/* The third occurrence moved two hours later. */
				time_t orig = start + 2 * step;
				fprintf(f, "BEGIN:VEVENT\r\nUID:bench-%u@bench.test\r\n"
					"DTSTAMP:20260101T000000Z\r\n", i);
				if (utc)
					fprintf(f, "RECURRENCE-ID:%sZ\r\nDTSTART:%sZ\r\n"
						"DTEND:%sZ\r\n", ical_local(x, sizeof(x), orig),
						ical_local(s, sizeof(s), orig + 7200),
						ical_local(e, sizeof(e), orig + 7200 + (end - start)));
				else
					fprintf(f, "RECURRENCE-ID;TZID=%s:%s\r\nDTSTART;TZID=%s:%s\r\n"
						"DTEND;TZID=%s:%s\r\n", zone, ical_local(x, sizeof(x), orig),
						zone, ical_local(s, sizeof(s), orig + 7200), zone,
						ical_local(e, sizeof(e), orig + 7200 + (end - start)));
				fprintf(f, "SUMMARY:Appointment %u (moved)\r\nEND:VEVENT\r\n", i);
			}
			series++;
		} else {
			fprintf(f, "END:VEVENT\r\n");
		}
	}
	fprintf(f, "END:VCALENDAR\r\n");
	if (fclose(f) != 0)
		die("cannot write %s", path);
	return series;
}

static unsigned parse_count(const char *s, unsigned min, unsigned max)
{
	uint64_t v;

	if (s == NULL || str_to_uint64(s, max, &v) < 0 || v < min) {
		fprintf(stderr, "usage: bench-calendar [--runs 1-%d] [--events 100-100000]\n",
			MAX_RUNS);
		exit(2);
	}
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	unsigned runs = 5, events = 5000;
	char path[PATH_MAX + 32];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = parse_count(argv[++i], 1, MAX_RUNS);
		else if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
			events = parse_count(argv[++i], 100, 100000);
		else
			parse_count(NULL, 0, 0);
	}
	find_binaries(argv[0]);

	signal(SIGPIPE, SIG_IGN);
	make_data_root("easd-bench-cal");
	easctl(NULL, "context", "add", "bench.test", NULL);
	easctl(PASSWORD "\n", "user", "add", USER, "--password-stdin", NULL);
	time_t now = time(NULL);
	snprintf(path, sizeof(path), "%s/calendar.ics", data_root);
	unsigned series = write_calendar(path, events, now);

	/* (a) */
	double t0 = now_seconds();
	easctl(NULL, "calendar", "import", USER, path, NULL);
	double import_s = now_seconds() - t0;
	printf("easd calendars over loopback, protocol %s; medians of %u runs\n", VERSION, runs);
	printf("(a) easctl calendar import of %u appointments (%u series with exceptions): %.2f s\n\n",
	       events, series, import_s);

	/* (b) */
	if (curl_global_init(CURL_GLOBAL_ALL) != 0)
		die("curl_global_init");
	double client[MAX_RUNS], logms[MAX_RUNS], reqs[MAX_RUNS], adds[MAX_RUNS];
	double hwm0[MAX_RUNS], hwm[MAX_RUNS];
	for (unsigned r = 0; r < runs; r++) {
		struct phone ph;
		struct walk walk;
		char device[32];

		start_easd(NULL);
		snprintf(device, sizeof(device), "calbench%u", r);
		phone_init(&ph, USER, device);
		phone_provision(&ph);
		phone_folder_sync_type(&ph, "8");
		ph.filter_type = 5;
		hwm0[r] = (double)easd_status_kib("VmHWM:");
		if (!easd_reset_hwm())
			die("cannot reset easd's VmHWM (/proc/%d/clear_refs)", (int)easd_pid);
		size_t mark = log_mark();
		phone_walk(&ph, 100, &walk);
		hwm[r] = (double)easd_status_kib("VmHWM:");
		unsigned sum = 0;
		size_t n;
		double deadline = now_seconds() + 5;
		while ((n = log_count_of(mark, device, "Sync", &sum)) < walk.requests &&
		       now_seconds() < deadline) {
			struct timespec ts = { 0, 2 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		client[r] = walk.client_seconds * 1e3;
		logms[r] = n == walk.requests ? (double)sum : -1.0;
		reqs[r] = walk.requests;
		adds[r] = walk.adds;
		phone_free(&ph);
		stop_easd();
	}
	printf("(b) initial Sync of the calendar, FilterType 5 (one month), WindowSize 100, "
	       "a fresh easd per run\n");
	printf("%9s %9s %12s %10s %14s %14s\n", "requests", "adds", "client ms", "easd ms",
	       "VmHWM login", "VmHWM sync");
	printf("%9.0f %9.0f %12.1f %10.0f %10.1f MiB %10.1f MiB\n\n", median(reqs, runs),
	       median(adds, runs), median(client, runs), median(logms, runs),
	       median(hwm0, runs) / 1024, median(hwm, runs) / 1024);

	/* (c) */
	struct store *store;
	const char *error;
	pool *p = pool_new(0);
	struct store_user user;
	if (store_open(data_dir, &store, &error) != STORE_OK)
		die("store_open: %s", error);
	if (store_user_get(store, p, "bench.test", "cal", &user, &error) != STORE_OK)
		die("store_user_get: %s", error);
	double fb[MAX_RUNS];
	size_t spans = 0, skipped = 0;
	unsigned fb_runs = runs < 5 ? 5 : runs;
	for (unsigned r = 0; r < fb_runs && r < MAX_RUNS; r++) {
		pool *q = pool_new(0);
		struct pim_busy *busy;
		double t = now_seconds();
		if (pim_freebusy(store, q, user.id, (int64_t)now, (int64_t)now + 30 * 86400, &busy,
				 &spans, &skipped, &error) < 0)
			die("pim_freebusy: %s", error);
		fb[r] = (now_seconds() - t) * 1e3;
		pool_free(&q);
	}
	printf("(c) free/busy of the user for 30 days (pim_freebusy on the store): %.2f ms per "
	       "query (median of %u), %zu busy spans, %zu unreadable\n",
	       median(fb, fb_runs < MAX_RUNS ? fb_runs : MAX_RUNS), fb_runs, spans, skipped);
	store_close(&store);
	pool_free(&p);

	free(log_recs);
	curl_global_cleanup();
	remove_data_root();
	return 0;
}
