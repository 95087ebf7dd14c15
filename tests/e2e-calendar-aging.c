/* End-to-end test of SoftDelete when an appointment ages out of a calendar's FilterType
 * window as time passes (issue 6 point 5, MS-ASCMD 2.2.3.172), on 2.5, 12.1, 14.1 and 16.1,
 * against a running easd whose clock the test moves (EASD_FAKE_CLOCK): a phone syncs with
 * FilterType 4 (two weeks) and holds an event that ended 3 days ago, an endless weekly
 * series that started years ago and a future event; 12 days later, with nothing written on
 * the server, GetItemEstimate says 1, the next Sync SoftDeletes the past event only, and the
 * Sync after it is quiet. A second phone with FilterType 0 keeps everything. */
#include "harness.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define LOGIN "mike@ox.io"
#define PASSWORD "Mike-pw-1"
#define DAY 86400
/* 2026-03-16T10:00:00Z: a Monday. */
#define T0 ((int64_t)1773655200)

static const char *const versions[] = { "2.5", "12.1", "14.1", "16.1" };

static const char *ical_utc(char *out, size_t size, int64_t when)
{
	time_t t = (time_t)when;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%Y%m%dT%H%M%SZ", &tm);
	return out;
}

static void phone(struct h_device *dev, const char *device_id, const char *version)
{
	h_device_init(dev, LOGIN, PASSWORD);
	dev->device_id = device_id;
	dev->version = version;
	h_dev_start(h_env, dev);
}

/* A Sync of the calendar; asserts HTTP 200 and Status 1; res freed by the caller. */
static void sync_ok(struct h_device *dev, const char *cal, struct h_sync_result *res)
{
	long http = h_dev_sync(h_env, dev, cal, 0, res);
	ck_assert_int_eq(http, 200);
	ck_assert_msg(res->empty || h_sync_status(res) == 1, "Status %d:\n%s",
		      h_sync_status(res), res->xml);
}

START_TEST(test_event_ages_out)
{
	struct h_device a, b;
	char s1[32], e1[32], s2[32], e2[32];
	char clock[4096], clock_env[4200];
	buf ics = BUF_INIT;

	/* h_env_path's buffer is reused by later calls: a copy. */
	snprintf(clock, sizeof(clock), "%s", h_env_path(h_env, "clock"));
	snprintf(clock_env, sizeof(clock_env), "EASD_FAKE_CLOCK=%s", clock);
	h_set_clock(clock, T0);
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	buf_printf(&ics, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\n"
		   "BEGIN:VEVENT\r\nUID:weekly@e2e\r\nDTSTAMP:20200101T000000Z\r\n"
		   "DTSTART;TZID=Europe/Amsterdam:20200106T090000\r\n"
		   "DTEND;TZID=Europe/Amsterdam:20200106T100000\r\n"
		   "RRULE:FREQ=WEEKLY\r\nSUMMARY:Weekly\r\nEND:VEVENT\r\n"
		   "BEGIN:VEVENT\r\nUID:past@e2e\r\nDTSTAMP:20200101T000000Z\r\n"
		   "DTSTART:%s\r\nDTEND:%s\r\nSUMMARY:Three days ago\r\nEND:VEVENT\r\n"
		   "BEGIN:VEVENT\r\nUID:future@e2e\r\nDTSTAMP:20200101T000000Z\r\n"
		   "DTSTART:%s\r\nDTEND:%s\r\nSUMMARY:Future\r\nEND:VEVENT\r\n"
		   "END:VCALENDAR\r\n",
		   ical_utc(s1, sizeof(s1), T0 - 3 * DAY),
		   ical_utc(e1, sizeof(e1), T0 - 3 * DAY + 3600),
		   ical_utc(s2, sizeof(s2), T0 + 30 * DAY),
		   ical_utc(e2, sizeof(e2), T0 + 30 * DAY + 3600));
	h_easctl_ok(h_env, NULL, "calendar", "import", LOGIN,
		    h_env_write_file(h_env, "f.ics", buf_cstr(&ics)), NULL);
	buf_free(&ics);
	const char *envs[] = { clock_env, NULL };
	h_easd_start(h_env, &(struct h_opts){ .env = envs });

	phone(&a, "PHONEA0001", versions[_i]);
	phone(&b, "PHONEB0001", versions[_i]);
	const char *cal = h_dev_folder_of_type(&a, 8);
	ck_assert_ptr_nonnull(cal);
	h_dev_collection(&a, cal)->filter_type = 4;
	h_dev_collection(&b, cal)->filter_type = 0;
	h_dev_sync_all(h_env, &a, cal, NULL);
	h_dev_sync_all(h_env, &b, cal, NULL);
	ck_assert_int_eq(h_dev_count(&a, cal), 3);
	ck_assert_int_eq(h_dev_count(&b, cal), 3);
	struct h_item *past = h_dev_find(&a, cal, WBXML_Calendar_Subject, "Three days ago");
	ck_assert_ptr_nonnull(past);
	char past_id[64];
	snprintf(past_id, sizeof(past_id), "%s", past->server_id);

	/* Twelve days later: nothing was written, the event has left the two weeks. */
	h_set_clock(clock, T0 + 12 * DAY);
	uint64_t estimate = 99;
	long http = 0;
	ck_assert_int_eq(h_dev_estimate(h_env, &a, cal, &estimate, &http), 1);
	ck_assert_int_eq(http, 200);
	ck_assert_uint_eq(estimate, 1);
	struct h_sync_result res;
	sync_ok(&a, cal, &res);
	ck_assert_msg(!res.empty && res.coll_count == 1, "%s", res.xml);
	ck_assert_msg(res.coll[0].soft_deletes == 1 && res.coll[0].commands == 1 &&
			      res.coll[0].unknown == 0 && !res.coll[0].more_available,
		      "want one SoftDelete:\n%s", res.xml);
	ck_assert_ptr_nonnull(strstr(res.xml, past_id));
	h_sync_result_free(&res);
	ck_assert_ptr_null(h_dev_find(&a, cal, WBXML_Calendar_Subject, "Three days ago"));
	ck_assert_ptr_nonnull(h_dev_find(&a, cal, WBXML_Calendar_Subject, "Weekly"));
	ck_assert_ptr_nonnull(h_dev_find(&a, cal, WBXML_Calendar_Subject, "Future"));
	ck_assert_int_eq(h_dev_count(&a, cal), 2);

	/* The Sync after it is quiet, and so is the estimate. */
	ck_assert_int_eq(h_dev_estimate(h_env, &a, cal, &estimate, &http), 1);
	ck_assert_uint_eq(estimate, 0);
	sync_ok(&a, cal, &res);
	ck_assert_msg(res.empty || (res.coll_count == 1 && res.coll[0].commands == 0 &&
				    !res.coll[0].more_available),
		      "want a quiet answer:\n%s", res.xml);
	h_sync_result_free(&res);
	ck_assert_int_eq(h_dev_count(&a, cal), 2);

	/* FilterType 0 keeps everything, however old. */
	sync_ok(&b, cal, &res);
	ck_assert_msg(res.empty || res.coll[0].commands == 0, "%s", res.xml);
	h_sync_result_free(&res);
	ck_assert_int_eq(h_dev_count(&b, cal), 3);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

static Suite *aging_suite(void)
{
	Suite *s = suite_create("e2e-calendar-aging");
	TCase *tc = h_tcase_new("aging");

	tcase_add_loop_test(tc, test_event_ages_out, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(aging_suite());
}
