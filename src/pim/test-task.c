/* test-task.c: unit tests of the Tasks class: round trip of every property including
 * Recurrence, the completion flag, version filtering, ghosting and bad values. */
#include "pim/test-pim.h"

#define T(name, value) { WBXML_Tasks_##name, value, 0 }
#define R(name, value) { WBXML_Tasks_##name, value, 1 }

static pool *pl;

static void setup(void)
{
	pl = pool_new(0);
}

static void teardown(void)
{
	pool_free(&pl);
}

static const struct tp all_task[] = {
	{ WBXML_Tasks_Categories, NULL, 0 },
	R(Category, "Home"),
	R(Category, "Errands"),
	T(Complete, "1"),
	T(DateCompleted, "2024-05-03T10:00:00.000Z"),
	T(DueDate, "2024-05-04T00:00:00.000Z"),
	T(UtcDueDate, "2024-05-03T22:00:00.000Z"),
	T(Importance, "2"),
	{ WBXML_Tasks_Recurrence, NULL, 0 },
	R(Type, "1"),
	R(Start, "2024-05-01T00:00:00.000Z"),
	R(Until, "2024-12-31T00:00:00.000Z"),
	R(Interval, "2"),
	R(DayOfWeek, "34"),
	R(Regenerate, "0"),
	R(DeadOccur, "0"),
	R(FirstDayOfWeek, "1"),
	T(ReminderSet, "1"),
	T(ReminderTime, "2024-05-03T08:00:00.000Z"),
	T(Sensitivity, "3"),
	T(StartDate, "2024-05-01T00:00:00.000Z"),
	T(UtcStartDate, "2024-04-30T22:00:00.000Z"),
	T(Subject, "Buy milk & bread"),
	T(OrdinalDate, "2024-05-01T00:00:00.000Z"),
	T(SubOrdinalDate, "5555555"),
	{ WBXML_AirSyncBase_Body, NULL, 0 },
	{ WBXML_AirSyncBase_Type, "1", 1 },
	{ WBXML_AirSyncBase_Data, "Semi-skimmed.", 1 },
};
#define N_TASK (sizeof(all_task) / sizeof(all_task[0]))

/* Drops EstimatedDataSize from an output body (it is not part of what was sent). */
static void drop_size(struct wbxml_node *out)
{
	struct wbxml_node *body = wbxml_child(out, WBXML_AirSyncBase_Body);
	ck_assert_ptr_nonnull(body);
	for (struct wbxml_node **pp = &body->children; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->tag == WBXML_AirSyncBase_EstimatedDataSize) {
			*pp = (*pp)->next;
			return;
		}
	}
	ck_abort_msg("no EstimatedDataSize");
}

START_TEST(roundtrip_161)
{
	struct wbxml_node *in = tp_appdata(pl, all_task, N_TASK);
	struct store_item item = tp_store(pl, STORE_CLASS_TASKS, in, 161, NULL, NULL);
	ck_assert_uint_eq(item.flags & STORE_ITEM_COMPLETE, STORE_ITEM_COMPLETE);
	ck_assert_ptr_null(item.uid);
	ck_assert(item.filter_start == STORE_TIME_MIN && item.filter_end == STORE_TIME_MAX);
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_TASKS, &item, 161);
	drop_size(out);
	tp_assert_same(tp_flatten(pl, out), tp_flatten(pl, in));
	/* The Recurrence keeps the client's order of children. */
	struct wbxml_node *rec = wbxml_child(out, WBXML_Tasks_Recurrence);
	ck_assert_uint_eq(rec->children->tag, WBXML_Tasks_Type);
	ck_assert_uint_eq(rec->last_child->tag, WBXML_Tasks_FirstDayOfWeek);
}
END_TEST

/* 2.5: tasks:Body in and out; 14.1-only FirstDayOfWeek and 12.0+ OrdinalDate are not sent,
 * and survive a 2.5 change. */
START_TEST(version_25)
{
	static const struct tp change25[] = {
		T(Subject, "Buy milk"), T(Complete, "0"), T(Body, "Whole milk."),
		T(BodyTruncated, "0"),
	};
	struct store_item item = tp_store(pl, STORE_CLASS_TASKS,
					  tp_appdata(pl, all_task, N_TASK), 161, NULL, NULL);
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_TASKS, &item, 25);
	ck_assert_str_eq(tp_get(out, WBXML_Tasks_Body), "Semi-skimmed.");
	ck_assert_ptr_null(wbxml_child(out, WBXML_AirSyncBase_Body));
	ck_assert_ptr_null(wbxml_child(out, WBXML_Tasks_OrdinalDate));
	ck_assert_ptr_null(wbxml_child(wbxml_child(out, WBXML_Tasks_Recurrence),
				       WBXML_Tasks_FirstDayOfWeek));
	out = tp_out_version(pl, STORE_CLASS_TASKS, &item, 121);
	ck_assert_ptr_nonnull(wbxml_child(out, WBXML_Tasks_OrdinalDate));
	ck_assert_ptr_null(wbxml_child(wbxml_child(out, WBXML_Tasks_Recurrence),
				       WBXML_Tasks_FirstDayOfWeek));

	struct store_item changed = tp_store(pl, STORE_CLASS_TASKS, tp_appdata(pl, change25, 4),
					     25, &item, NULL);
	ck_assert_uint_eq(changed.flags & STORE_ITEM_COMPLETE, 0);
	out = tp_out_version(pl, STORE_CLASS_TASKS, &changed, 161);
	ck_assert_str_eq(tp_get(out, WBXML_Tasks_Subject), "Buy milk");
	ck_assert_str_eq(tp_get(out, WBXML_Tasks_OrdinalDate), "2024-05-01T00:00:00.000Z");
	ck_assert_str_eq(tp_get(wbxml_child(out, WBXML_Tasks_Recurrence),
				WBXML_Tasks_FirstDayOfWeek), "1");
	ck_assert_str_eq(tp_get(wbxml_child(out, WBXML_AirSyncBase_Body),
				WBXML_AirSyncBase_Data), "Whole milk.");

	/* A 2.5 body the device got truncated (BodyTruncated 1) does not replace ours. */
	static const struct tp trunc25[] = { T(Body, "Whole"), T(BodyTruncated, "1") };
	struct store_item c2 = tp_store(pl, STORE_CLASS_TASKS, tp_appdata(pl, trunc25, 2), 25,
					&changed, NULL);
	out = tp_out_version(pl, STORE_CLASS_TASKS, &c2, 161);
	ck_assert_str_eq(tp_get(wbxml_child(out, WBXML_AirSyncBase_Body),
				WBXML_AirSyncBase_Data), "Whole milk.");
}
END_TEST

START_TEST(ghosting_and_clear)
{
	static const struct tp change[] = {
		T(Subject, "Renamed"), { WBXML_Tasks_Recurrence, NULL, 0 },
	};
	static const uint16_t sup_tags[] = { WBXML_Tasks_Subject, WBXML_Tasks_ReminderSet,
					     WBXML_Tasks_ReminderTime, WBXML_Tasks_Recurrence };
	struct pim_supported sup = { .declared = true, .tags = sup_tags, .count = 4 };
	struct store_item item = tp_store(pl, STORE_CLASS_TASKS,
					  tp_appdata(pl, all_task, N_TASK), 141, NULL, NULL);
	struct store_item c1 = tp_store(pl, STORE_CLASS_TASKS, tp_appdata(pl, change, 2), 141,
					&item, &sup);
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_TASKS, &c1, 141);
	ck_assert_str_eq(tp_get(out, WBXML_Tasks_Subject), "Renamed");
	ck_assert_ptr_null(wbxml_child(out, WBXML_Tasks_Recurrence)); /* <Recurrence/> */
	ck_assert_ptr_null(wbxml_child(out, WBXML_Tasks_ReminderSet)); /* listed, absent */
	ck_assert_ptr_null(wbxml_child(out, WBXML_Tasks_ReminderTime));
	ck_assert_str_eq(tp_get(out, WBXML_Tasks_Importance), "2");    /* ghosted */
	ck_assert_uint_eq(c1.flags & STORE_ITEM_COMPLETE, STORE_ITEM_COMPLETE);
}
END_TEST

/* Q-PARSE-1: "-1" in an optional number (HTC: no reminder) is "not given". */
START_TEST(minus_one_absent)
{
	static const struct tp in[] = { T(Subject, "x"), T(Importance, "-1"),
					T(ReminderSet, "-1") };
	struct store_item item = tp_store(pl, STORE_CLASS_TASKS, tp_appdata(pl, in, 3), 121, NULL,
					  NULL);
	struct wbxml_node *out = tp_out_version(pl, STORE_CLASS_TASKS, &item, 121);
	ck_assert_str_eq(tp_flatten(pl, out), "Tasks:Subject=x\n");
}
END_TEST

START_TEST(bad_values)
{
	static const struct tp complete2[] = { T(Complete, "2") };
	const char *e = tp_store_fails(pl, STORE_CLASS_TASKS, tp_appdata(pl, complete2, 1), 141);
	ck_assert_ptr_nonnull(strstr(e, "Complete"));
	static const struct tp complete_x[] = { T(Complete, "yes") };
	tp_store_fails(pl, STORE_CLASS_TASKS, tp_appdata(pl, complete_x, 1), 141);
	static const struct tp due[] = { T(DueDate, "2024-02-30T25:00:00.000Z") };
	e = tp_store_fails(pl, STORE_CLASS_TASKS, tp_appdata(pl, due, 1), 141);
	ck_assert_ptr_nonnull(strstr(e, "DueDate"));
	static const struct tp importance[] = { T(Importance, "3") };
	tp_store_fails(pl, STORE_CLASS_TASKS, tp_appdata(pl, importance, 1), 141);
	static const struct tp sensitivity[] = { T(Sensitivity, " 1") };
	tp_store_fails(pl, STORE_CLASS_TASKS, tp_appdata(pl, sensitivity, 1), 141);
	static const struct tp rec_no_type[] = { { WBXML_Tasks_Recurrence, NULL, 0 },
						 R(Interval, "1") };
	e = tp_store_fails(pl, STORE_CLASS_TASKS, tp_appdata(pl, rec_no_type, 2), 141);
	ck_assert_ptr_nonnull(strstr(e, "Type"));
	static const struct tp rec_bad[] = { { WBXML_Tasks_Recurrence, NULL, 0 }, R(Type, "1"),
					     R(MonthOfYear, "13") };
	tp_store_fails(pl, STORE_CLASS_TASKS, tp_appdata(pl, rec_bad, 3), 141);
	static const struct tp rec_until[] = { { WBXML_Tasks_Recurrence, NULL, 0 }, R(Type, "0"),
					       R(Until, "soon") };
	tp_store_fails(pl, STORE_CLASS_TASKS, tp_appdata(pl, rec_until, 3), 141);
	static const struct tp rec_text[] = { T(Recurrence, "weekly") };
	tp_store_fails(pl, STORE_CLASS_TASKS, tp_appdata(pl, rec_text, 1), 141);
	static const struct tp subj_child[] = { { WBXML_Tasks_Subject, NULL, 0 },
						R(Category, "x") };
	tp_store_fails(pl, STORE_CLASS_TASKS, tp_appdata(pl, subj_child, 2), 141);
	static const struct tp huge[] = { T(Importance, "99999999999999999999999") };
	tp_store_fails(pl, STORE_CLASS_TASKS, tp_appdata(pl, huge, 1), 141);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pim-task");
	TCase *tc = tcase_create("task");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, roundtrip_161);
	tcase_add_test(tc, version_25);
	tcase_add_test(tc, ghosting_and_clear);
	tcase_add_test(tc, minus_one_absent);
	tcase_add_test(tc, bad_values);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
