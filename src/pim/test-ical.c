/* test-ical.c: unit tests of VTODO import and export (libical): the mapping of every
 * property, time zones, alarms, recurrence, export + import round trips, bad input. */
#include "pim/test-pim.h"
#include "pim/ical.h"

static pool *pl;

static void setup(void)
{
	pl = pool_new(0);
}

static void teardown(void)
{
	pool_free(&pl);
}

static struct pim_vtodo *parse_ok(const char *text, size_t *count_r)
{
	struct pim_vtodo *todos = NULL;
	const char *error = NULL;

	if (pim_vtodo_parse(pl, text, strlen(text), 1 << 20, 100, &todos, count_r, &error) < 0)
		ck_abort_msg("parse: %s", error);
	return todos;
}

START_TEST(parse_vtodo)
{
	static const char text[] =
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
		"BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"
		"BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\n"
		"TZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
		"BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\n"
		"TZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
		"END:VTIMEZONE\r\n"
		"BEGIN:VTODO\r\nUID:1@test\r\nDTSTAMP:20240501T000000Z\r\n"
		"SUMMARY:Buy milk\\, bread\r\n"
		"DESCRIPTION:Semi-skimmed.\\nTwo litres.\r\n"
		"DTSTART;TZID=Europe/Berlin:20240501T090000\r\n"
		"DUE;TZID=Europe/Berlin:20240504T000000\r\n"
		"PRIORITY:1\r\nCLASS:CONFIDENTIAL\r\nCATEGORIES:Home,Errands\r\n"
		"STATUS:NEEDS-ACTION\r\n"
		"RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;COUNT=10\r\n"
		"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER;RELATED=END:-PT1H\r\n"
		"DESCRIPTION:x\r\nEND:VALARM\r\n"
		"END:VTODO\r\n"
		"BEGIN:VTODO\r\nUID:2@test\r\nSUMMARY:Done\r\nCOMPLETED:20240502T100000Z\r\n"
		"PRIORITY:9\r\nRRULE:FREQ=HOURLY\r\nEND:VTODO\r\n"
		"END:VCALENDAR\r\n";
	size_t count;
	struct pim_vtodo *todos = parse_ok(text, &count);
	ck_assert_uint_eq(count, 2);
	ck_assert_ptr_null(todos[0].error);
	ck_assert_uint_eq(todos[0].line, 19);
	const struct wbxml_node *ad = todos[0].appdata;
	ck_assert_str_eq(tp_get(ad, WBXML_Tasks_Subject), "Buy milk, bread");
	ck_assert_str_eq(tp_get(ad, WBXML_Tasks_StartDate), "2024-05-01T09:00:00.000Z");
	ck_assert_str_eq(tp_get(ad, WBXML_Tasks_UtcStartDate), "2024-05-01T07:00:00.000Z");
	ck_assert_str_eq(tp_get(ad, WBXML_Tasks_DueDate), "2024-05-04T00:00:00.000Z");
	ck_assert_str_eq(tp_get(ad, WBXML_Tasks_UtcDueDate), "2024-05-03T22:00:00.000Z");
	ck_assert_str_eq(tp_get(ad, WBXML_Tasks_Importance), "2");
	ck_assert_str_eq(tp_get(ad, WBXML_Tasks_Sensitivity), "3");
	ck_assert_str_eq(tp_get(ad, WBXML_Tasks_Complete), "0");
	ck_assert_str_eq(tp_get(ad, WBXML_Tasks_ReminderSet), "1");
	ck_assert_str_eq(tp_get(ad, WBXML_Tasks_ReminderTime), "2024-05-03T21:00:00.000Z");
	const struct wbxml_node *cats = wbxml_child(ad, WBXML_Tasks_Categories);
	ck_assert_str_eq(wbxml_node_str(cats->children), "Home");
	ck_assert_str_eq(wbxml_node_str(cats->last_child), "Errands");
	const struct wbxml_node *rec = wbxml_child(ad, WBXML_Tasks_Recurrence);
	ck_assert_str_eq(tp_get(rec, WBXML_Tasks_Type), "1");
	ck_assert_str_eq(tp_get(rec, WBXML_Tasks_Interval), "2");
	ck_assert_str_eq(tp_get(rec, WBXML_Tasks_Occurrences), "10");
	ck_assert_str_eq(tp_get(rec, WBXML_Tasks_DayOfWeek), "34"); /* Monday 2 + Friday 32 */
	ck_assert_str_eq(tp_get(wbxml_child(ad, WBXML_AirSyncBase_Body), WBXML_AirSyncBase_Data),
			 "Semi-skimmed.\nTwo litres.");
	/* It stores as a task. */
	struct store_item item = tp_store(pl, STORE_CLASS_TASKS, ad, 161, NULL, NULL);
	ck_assert_uint_eq(item.flags & STORE_ITEM_COMPLETE, 0);

	ad = todos[1].appdata;
	ck_assert_str_eq(tp_get(ad, WBXML_Tasks_Complete), "1");
	ck_assert_str_eq(tp_get(ad, WBXML_Tasks_DateCompleted), "2024-05-02T10:00:00.000Z");
	ck_assert_str_eq(tp_get(ad, WBXML_Tasks_Importance), "0");
	ck_assert_ptr_null(wbxml_child(ad, WBXML_Tasks_Recurrence)); /* HOURLY: not in EAS */
	ck_assert_uint_eq(todos[1].dropped, 1);
	item = tp_store(pl, STORE_CLASS_TASKS, ad, 161, NULL, NULL);
	ck_assert_uint_eq(item.flags & STORE_ITEM_COMPLETE, STORE_ITEM_COMPLETE);
}
END_TEST

/* A task exported and imported again is the same task. */
START_TEST(export_import_roundtrip)
{
	static const struct tp in[] = {
		{ WBXML_Tasks_Categories, NULL, 0 },
		{ WBXML_Tasks_Category, "Home", 1 },
		{ WBXML_Tasks_Category, "Errands", 1 },
		{ WBXML_Tasks_Complete, "1", 0 },
		{ WBXML_Tasks_DateCompleted, "2024-05-03T10:00:00.000Z", 0 },
		{ WBXML_Tasks_DueDate, "2024-05-04T00:00:00.000Z", 0 },
		{ WBXML_Tasks_UtcDueDate, "2024-05-03T22:00:00.000Z", 0 },
		{ WBXML_Tasks_Importance, "2", 0 },
		{ WBXML_Tasks_Recurrence, NULL, 0 },
		{ WBXML_Tasks_Type, "3", 1 },
		{ WBXML_Tasks_Start, "2024-05-01T00:00:00.000Z", 1 },
		{ WBXML_Tasks_Occurrences, "5", 1 },
		{ WBXML_Tasks_Interval, "2", 1 },
		{ WBXML_Tasks_DayOfWeek, "8", 1 },
		{ WBXML_Tasks_WeekOfMonth, "5", 1 },
		{ WBXML_Tasks_ReminderSet, "1", 0 },
		{ WBXML_Tasks_ReminderTime, "2024-05-03T08:00:00.000Z", 0 },
		{ WBXML_Tasks_Sensitivity, "2", 0 },
		{ WBXML_Tasks_StartDate, "2024-05-01T00:00:00.000Z", 0 },
		{ WBXML_Tasks_UtcStartDate, "2024-04-30T22:00:00.000Z", 0 },
		{ WBXML_Tasks_Subject, "Pay rent; then, relax", 0 },
		{ WBXML_AirSyncBase_Body, NULL, 0 },
		{ WBXML_AirSyncBase_Type, "1", 1 },
		{ WBXML_AirSyncBase_Data, "Line 1\nLine 2, with \\ and ;", 1 },
	};
	struct store_item item = tp_store(pl, STORE_CLASS_TASKS,
					  tp_appdata(pl, in, sizeof(in) / sizeof(in[0])), 161,
					  NULL, NULL);
	struct wbxml_node *stored;
	const char *error;
	ck_assert_int_eq(pim_item_decode(pl, &item, &stored, &error), 0);
	buf out = BUF_INIT;
	pim_vtodo_write_begin(&out);
	pim_vtodo_write(&out, pl, stored, "9:1@easd");
	pim_vtodo_write(&out, pl, stored, "9:2@easd");
	pim_vtodo_write_end(&out);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "UID:9:1@easd"));
	size_t count;
	struct pim_vtodo *todos = parse_ok(buf_cstr(&out), &count);
	ck_assert_uint_eq(count, 2);
	ck_assert_ptr_null(todos[1].error);
	struct store_item again = tp_store(pl, STORE_CLASS_TASKS, todos[1].appdata, 161, NULL,
					   NULL);
	struct wbxml_node *back;
	ck_assert_int_eq(pim_item_decode(pl, &again, &back, &error), 0);
	tp_assert_same(tp_flatten(pl, back), tp_flatten(pl, stored));
	buf_free(&out);
}
END_TEST

/* A VTODO's UID is read (unescaped), written back by pim_vtodo_write and parsed again the
 * same; none gives NULL; one longer than the store takes fails that VTODO only. */
START_TEST(uid_roundtrip)
{
	size_t count;
	struct pim_vtodo *todos = parse_ok("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\n"
					   "UID:a\\,b@x\r\nSUMMARY:Jo\r\nEND:VTODO\r\n"
					   "BEGIN:VTODO\r\nSUMMARY:No uid\r\nEND:VTODO\r\n"
					   "END:VCALENDAR\r\n", &count);
	ck_assert_uint_eq(count, 2);
	ck_assert_ptr_null(todos[0].error);
	ck_assert_str_eq(todos[0].uid, "a,b@x");
	ck_assert_ptr_null(todos[1].uid);

	buf out = BUF_INIT;
	pim_vtodo_write_begin(&out);
	pim_vtodo_write(&out, pl, todos[0].appdata, todos[0].uid);
	pim_vtodo_write(&out, pl, todos[1].appdata, NULL);
	pim_vtodo_write_end(&out);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out), "\r\nUID:a\\,b@x\r\n"));
	ck_assert_ptr_null(strstr(strstr(buf_cstr(&out), "SUMMARY:No uid"), "UID"));
	size_t n;
	struct pim_vtodo *again = parse_ok(buf_cstr(&out), &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(again[0].uid, "a,b@x");
	ck_assert_str_eq(wbxml_child_str(again[0].appdata, WBXML_Tasks_Subject), "Jo");
	ck_assert_ptr_null(again[1].uid);
	buf_free(&out);

	buf big = BUF_INIT;
	buf_puts(&big, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:");
	for (size_t i = 0; i <= STORE_ITEM_UID_MAX; i++)
		buf_putc(&big, 'u');
	buf_puts(&big, "\r\nSUMMARY:Long\r\nEND:VTODO\r\nBEGIN:VTODO\r\nUID:ok@x\r\n"
		 "SUMMARY:Ok\r\nEND:VTODO\r\nEND:VCALENDAR\r\n");
	todos = parse_ok(buf_cstr(&big), &count);
	ck_assert_uint_eq(count, 2);
	ck_assert_ptr_nonnull(todos[0].error);
	ck_assert_ptr_nonnull(strstr(todos[0].error, "UID"));
	ck_assert_ptr_null(todos[0].uid);
	ck_assert_ptr_null(todos[1].error);
	ck_assert_str_eq(todos[1].uid, "ok@x");
	buf_free(&big);
}
END_TEST

/* The uid an import stored survives a phone's Change (EAS tasks carry none), so that a
 * later re-import of the VTODO still finds the task. */
START_TEST(uid_survives_change)
{
	static const struct tp first[] = { { WBXML_Tasks_Subject, "Pay rent", 0 } };
	static const struct tp change[] = { { WBXML_Tasks_Subject, "Pay the rent", 0 },
					    { WBXML_Tasks_Complete, "1", 0 } };
	struct store_item old = tp_store(pl, STORE_CLASS_TASKS, tp_appdata(pl, first, 1), 161,
					 NULL, NULL);
	ck_assert_ptr_null(old.uid);
	old.uid = "rent-1@example.com";
	struct store_item changed = tp_store(pl, STORE_CLASS_TASKS, tp_appdata(pl, change, 2), 25,
					     &old, NULL);
	ck_assert_ptr_nonnull(changed.uid);
	ck_assert_str_eq(changed.uid, "rent-1@example.com");
	struct wbxml_node *ad;
	const char *error;
	ck_assert_int_eq(pim_item_decode(pl, &changed, &ad, &error), 0);
	ck_assert_str_eq(wbxml_child_str(ad, WBXML_Tasks_Subject), "Pay the rent");
}
END_TEST

START_TEST(bad_input)
{
	struct pim_vtodo *todos;
	size_t count;
	const char *error;
	static const char nul[] = "BEGIN:VCALENDAR\n\0END:VCALENDAR\n";
	ck_assert_int_eq(pim_vtodo_parse(pl, nul, sizeof(nul) - 1, 1 << 20, 10, &todos, &count,
					 &error), -1);
	static const char many[] = "BEGIN:VCALENDAR\nBEGIN:VTODO\nEND:VTODO\nBEGIN:VTODO\n"
				   "END:VTODO\nEND:VCALENDAR\n";
	ck_assert_int_eq(pim_vtodo_parse(pl, many, strlen(many), 1 << 20, 1, &todos, &count,
					 &error), -1);
	ck_assert_str_eq(error, "line 4: more than 1 VTODOs");
	ck_assert_int_eq(pim_vtodo_parse(pl, many, strlen(many), 10, 10, &todos, &count, &error),
			 -1);
	ck_assert_int_eq(pim_vtodo_parse(pl, "hello\n", 6, 100, 10, &todos, &count, &error), -1);
	static const char vcard[] = "BEGIN:VCARD\nFN:x\nEND:VCARD\n";
	ck_assert_int_eq(pim_vtodo_parse(pl, vcard, strlen(vcard), 100, 10, &todos, &count, &error),
			 -1);
	ck_assert_str_eq(error, "line 1: not iCalendar (no BEGIN:VCALENDAR)");
	/* A bad value fails its VTODO with the line. */
	static const char bad[] = "BEGIN:VCALENDAR\nBEGIN:VTODO\nSUMMARY:ok\nEND:VTODO\n"
				  "BEGIN:VTODO\nDUE:tomorrow\nEND:VTODO\nEND:VCALENDAR\n";
	todos = parse_ok(bad, &count);
	ck_assert_uint_eq(count, 2);
	ck_assert_ptr_null(todos[0].error);
	ck_assert_ptr_nonnull(todos[1].error);
	ck_assert_ptr_nonnull(strstr(todos[1].error, "line 5: "));
	/* Empty input: no tasks. */
	todos = parse_ok("", &count);
	ck_assert_uint_eq(count, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pim-ical");
	TCase *tc = tcase_create("ical");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, parse_vtodo);
	tcase_add_test(tc, export_import_roundtrip);
	tcase_add_test(tc, uid_roundtrip);
	tcase_add_test(tc, uid_survives_change);
	tcase_add_test(tc, bad_input);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
