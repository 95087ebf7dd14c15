/* task.c: the Tasks class (MS-ASTASK): the Tasks code page (9) with Recurrence, reminder,
 * completion (STORE_ITEM_COMPLETE for the "incomplete tasks only" filter), importance,
 * sensitivity, categories and the body. */
#include "pim/pim-private.h"

#include <string.h>

#define DATE(name) { .tag = WBXML_Tasks_##name, .kind = PIM_DATE }
#define NUM(name, lo, hi) { .tag = WBXML_Tasks_##name, .kind = PIM_UINT, .min = (lo), .max = (hi) }

/* Recurrence children (MS-ASTASK 2.2.2.18). Ranges are the specification's, a little wider
 * where phones are known to stray (DayOfWeek 0, Interval 0). */
static const struct pim_prop_def recurrence_props[] = {
	NUM(Type, 0, 6),
	DATE(Start),
	DATE(Until),
	NUM(Occurrences, 0, 999),
	NUM(Interval, 0, 999),
	NUM(DayOfMonth, 1, 31),
	NUM(DayOfWeek, 0, 127),
	NUM(WeekOfMonth, 1, 5),
	NUM(MonthOfYear, 1, 12),
	NUM(Regenerate, 0, 1),
	NUM(DeadOccur, 0, 1),
	NUM(CalendarType, 0, 23),
	NUM(IsLeapMonth, 0, 1),
	NUM(FirstDayOfWeek, 0, 6),
};

static const struct pim_prop_def task_props[] = {
	{ .tag = WBXML_Tasks_Body, .kind = PIM_BODY25 },
	{ .tag = WBXML_Tasks_BodySize, .kind = PIM_IGNORE },
	{ .tag = WBXML_Tasks_BodyTruncated, .kind = PIM_IGNORE },
	{ .tag = WBXML_Tasks_Categories, .kind = PIM_LIST, .child = WBXML_Tasks_Category },
	NUM(Complete, 0, 1),
	DATE(DateCompleted),
	DATE(DueDate),
	DATE(UtcDueDate),
	NUM(Importance, 0, 2),
	{ .tag = WBXML_Tasks_Recurrence, .kind = PIM_CONTAINER, .sub = recurrence_props,
	  .sub_count = sizeof(recurrence_props) / sizeof(recurrence_props[0]),
	  .required = WBXML_Tasks_Type },
	NUM(ReminderSet, 0, 1),
	DATE(ReminderTime),
	NUM(Sensitivity, 0, 3),
	DATE(StartDate),
	DATE(UtcStartDate),
	{ .tag = WBXML_Tasks_Subject, .kind = PIM_TEXT },
	DATE(OrdinalDate),
	{ .tag = WBXML_Tasks_SubOrdinalDate, .kind = PIM_TEXT },
	{ .tag = WBXML_AirSyncBase_Body, .kind = PIM_BODY },
	{ .tag = WBXML_AirSyncBase_NativeBodyType, .kind = PIM_UINT, .min = 1, .max = 4 },
};

/* Metadata: the completion flag; tasks have no time window and no uid of their own (an
 * import's VTODO UID is kept across a phone's Change by pim_item_from_eas). */
static int task_finish(pool *p, const struct pim_props *props, struct store_item *out,
		       const char **error_r)
{
	const struct wbxml_node *complete = pim_props_find(props, WBXML_Tasks_Complete);
	const char *value = complete != NULL ? wbxml_node_str(complete) : NULL;

	if (value != NULL && strcmp(value, "1") == 0)
		out->flags |= STORE_ITEM_COMPLETE;
	return 0;
}

const struct pim_class_def pim_task_def = {
	.name = "task",
	.props = task_props,
	.prop_count = sizeof(task_props) / sizeof(task_props[0]),
	.body25 = WBXML_Tasks_Body,
	.bodysize25 = WBXML_Tasks_BodySize,
	.bodytruncated25 = WBXML_Tasks_BodyTruncated,
	.finish = task_finish,
};
