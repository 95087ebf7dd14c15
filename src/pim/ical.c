/* ical.c: iCalendar VTODO import and export of tasks through libical. See ical.h. */
#include "pim/ical.h"

#include "pim/ical-common.h"
#include "pim/pim-private.h"

#include "lib/str.h"

#include <libical/ical.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- Times ---- */

/* An icaltime as an EAS date: utc converts to UTC (zoned times; floating and date values
 * are taken as they are), otherwise the wall-clock time is kept. */
static const char *eas_time(pool *p, struct icaltimetype t, bool utc)
{
	struct pim_date d;

	if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t))
		return NULL;
	if (utc && !icaltime_is_date(t) && t.zone != NULL &&
	    t.zone != icaltimezone_get_utc_timezone())
		t = icaltime_convert_to_zone(t, icaltimezone_get_utc_timezone());
	memset(&d, 0, sizeof(d));
	d.year = t.year;
	d.month = t.month;
	d.day = t.day;
	if (!icaltime_is_date(t)) {
		d.hour = t.hour;
		d.minute = t.minute;
		d.second = t.second;
	}
	if (d.year < 1 || d.year > 9999)
		return NULL;
	return pim_date_format(p, &d);
}

/* An EAS date as a UTC icaltime (EAS dates carry Z even for local times). */
static struct icaltimetype ical_time(const char *eas, bool *ok_r)
{
	struct pim_date d;
	struct icaltimetype t = icaltime_null_time();

	*ok_r = eas != NULL && pim_date_parse(eas, &d) == 0;
	if (!*ok_r)
		return t;
	t.year = d.year;
	t.month = d.month;
	t.day = d.day;
	t.hour = d.hour;
	t.minute = d.minute;
	t.second = d.second;
	t.zone = icaltimezone_get_utc_timezone();
	return t;
}

/* ---- Import ---- */

struct task {
	pool *p;
	struct wbxml_node *ad;
	unsigned dropped;
	const char *uid;
};

static void task_set(struct task *t, uint16_t tag, const char *value)
{
	pim_ical_set(t->p, t->ad, tag, value);
}

/* RRULE into a Recurrence; false when EAS cannot express it. */
static bool map_rrule(struct task *t, const struct icalrecurrencetype *r,
		      struct icaltimetype start)
{
	unsigned days;
	int week, month_day, month, type;
	pool *p = t->p;

	if (pim_ical_rrule_parts(r, &days, &week, &month_day, &month) < 0)
		return false;
	switch (r->freq) {
	case ICAL_DAILY_RECURRENCE: type = 0; break;
	case ICAL_WEEKLY_RECURRENCE: type = 1; break;
	case ICAL_MONTHLY_RECURRENCE: type = week != 0 ? 3 : 2; break;
	case ICAL_YEARLY_RECURRENCE: type = week != 0 ? 6 : 5; break;
	default: return false;
	}
	if ((type == 3 || type == 6) && days == 0)
		return false;
	if (type == 1 && days == 0 && !icaltime_is_null_time(start))
		days = pim_ical_day_bit(
			(enum icalrecurrencetype_weekday)icaltime_day_of_week(start));
	if (type == 2 && month_day == 0 && !icaltime_is_null_time(start))
		month_day = start.day;
	if ((type == 5 || type == 6) && month == 0 && !icaltime_is_null_time(start))
		month = start.month;
	if (type == 5 && month_day == 0 && !icaltime_is_null_time(start))
		month_day = start.day;
	if (r->interval > 999 || r->count > 999)
		return false;

	struct wbxml_node *rec = pim_node_new(p, WBXML_Tasks_Recurrence, NULL);
	pim_node_append(rec, pim_node_new(p, WBXML_Tasks_Type, pool_printf(p, "%d", type)));
	/* Start: the task's local start (EAS recurrences count in local time). */
	const char *st = wbxml_child_str(t->ad, WBXML_Tasks_StartDate);
	if (st == NULL)
		st = wbxml_child_str(t->ad, WBXML_Tasks_DueDate);
	if (st != NULL)
		pim_node_append(rec, pim_node_new(p, WBXML_Tasks_Start, st));
	const char *until = eas_time(p, r->until, true);
	if (until != NULL)
		pim_node_append(rec, pim_node_new(p, WBXML_Tasks_Until, until));
	if (r->count > 0)
		pim_node_append(rec, pim_node_new(p, WBXML_Tasks_Occurrences,
						  pool_printf(p, "%d", r->count)));
	if (r->interval > 1)
		pim_node_append(rec, pim_node_new(p, WBXML_Tasks_Interval,
						  pool_printf(p, "%d", r->interval)));
	if (month_day > 0 && (type == 2 || type == 5))
		pim_node_append(rec, pim_node_new(p, WBXML_Tasks_DayOfMonth,
						  pool_printf(p, "%d", month_day)));
	if (days != 0 && type != 0 && type != 2 && type != 5)
		pim_node_append(rec, pim_node_new(p, WBXML_Tasks_DayOfWeek,
						  pool_printf(p, "%u", days)));
	if (week != 0)
		pim_node_append(rec, pim_node_new(p, WBXML_Tasks_WeekOfMonth,
						  pool_printf(p, "%d", week)));
	if (month != 0 && (type == 5 || type == 6))
		pim_node_append(rec, pim_node_new(p, WBXML_Tasks_MonthOfYear,
						  pool_printf(p, "%d", month)));
	pim_node_append(t->ad, rec);
	return true;
}

/* The first VALARM's trigger as ReminderTime. */
static void map_alarm(struct task *t, icalcomponent *todo, struct icaltimetype start,
		      struct icaltimetype due)
{
	icalcomponent *alarm = icalcomponent_get_first_component(todo, ICAL_VALARM_COMPONENT);
	icalproperty *trig = alarm != NULL ?
			     icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY) : NULL;
	if (trig == NULL)
		return;
	struct icaltriggertype tr = icalproperty_get_trigger(trig);
	struct icaltimetype when = tr.time;
	if (icaltime_is_null_time(when)) {
		icalparameter *rel = icalproperty_get_first_parameter(trig, ICAL_RELATED_PARAMETER);
		bool end = rel != NULL && icalparameter_get_related(rel) == ICAL_RELATED_END;
		struct icaltimetype base = end ? due : start;
		if (icaltime_is_null_time(base))
			base = end ? start : due;
		if (icaltime_is_null_time(base)) {
			t->dropped++;
			return;
		}
		when = icaltime_add(base, tr.duration);
	}
	const char *s = eas_time(t->p, when, true);
	if (s == NULL) {
		t->dropped++;
		return;
	}
	task_set(t, WBXML_Tasks_ReminderSet, "1");
	task_set(t, WBXML_Tasks_ReminderTime, s);
}

/* Maps one VTODO. -1 with *error_r for content that cannot be imported. */
static int map_todo(struct task *t, icalcomponent *todo, const char **error_r)
{
	icalproperty *prop;
	const char *text;
	struct wbxml_node *cats = NULL;

	prop = icalcomponent_get_first_property(todo, ICAL_XLICERROR_PROPERTY);
	if (prop != NULL) {
		*error_r = pool_printf(t->p, "%.200s", icalproperty_get_xlicerror(prop));
		return -1;
	}
	prop = icalcomponent_get_first_property(todo, ICAL_UID_PROPERTY);
	if (prop != NULL) {
		/* The task's identity: a re-import of the same UID updates the task. */
		if (pim_ical_text(t->p, icalproperty_get_uid(prop), "UID", &text, error_r) < 0)
			return -1;
		size_t ulen = text != NULL ? strlen(text) : 0;
		if (ulen > STORE_ITEM_UID_MAX) {
			*error_r = pool_printf(t->p, "UID of %zu bytes (at most %u)", ulen,
					       STORE_ITEM_UID_MAX);
			return -1;
		}
		t->uid = ulen > 0 ? text : NULL;
	}
	prop = icalcomponent_get_first_property(todo, ICAL_SUMMARY_PROPERTY);
	if (prop != NULL) {
		if (pim_ical_text(t->p, icalproperty_get_summary(prop), "SUMMARY", &text,
				  error_r) < 0)
			return -1;
		task_set(t, WBXML_Tasks_Subject, text);
	}
	struct icaltimetype start = icalcomponent_get_dtstart(todo);
	struct icaltimetype due = icalcomponent_get_due(todo);
	task_set(t, WBXML_Tasks_StartDate, eas_time(t->p, start, false));
	task_set(t, WBXML_Tasks_UtcStartDate, eas_time(t->p, start, true));
	task_set(t, WBXML_Tasks_DueDate, eas_time(t->p, due, false));
	task_set(t, WBXML_Tasks_UtcDueDate, eas_time(t->p, due, true));

	bool complete = false;
	prop = icalcomponent_get_first_property(todo, ICAL_STATUS_PROPERTY);
	if (prop != NULL && icalproperty_get_status(prop) == ICAL_STATUS_COMPLETED)
		complete = true;
	prop = icalcomponent_get_first_property(todo, ICAL_COMPLETED_PROPERTY);
	if (prop != NULL) {
		const char *done = eas_time(t->p, icalproperty_get_completed(prop), true);
		if (done != NULL) {
			complete = true;
			task_set(t, WBXML_Tasks_DateCompleted, done);
		}
	}
	task_set(t, WBXML_Tasks_Complete, complete ? "1" : "0");

	prop = icalcomponent_get_first_property(todo, ICAL_PRIORITY_PROPERTY);
	if (prop != NULL) {
		int prio = icalproperty_get_priority(prop);
		if (prio >= 1 && prio <= 9)
			task_set(t, WBXML_Tasks_Importance, prio <= 4 ? "2" : prio == 5 ? "1" : "0");
	}
	prop = icalcomponent_get_first_property(todo, ICAL_CLASS_PROPERTY);
	if (prop != NULL) {
		enum icalproperty_class cls = icalproperty_get_class(prop);
		task_set(t, WBXML_Tasks_Sensitivity, cls == ICAL_CLASS_PRIVATE ? "2" :
			 cls == ICAL_CLASS_CONFIDENTIAL ? "3" : cls == ICAL_CLASS_PUBLIC ? "0" : NULL);
	}
	for (prop = icalcomponent_get_first_property(todo, ICAL_CATEGORIES_PROPERTY); prop != NULL;
	     prop = icalcomponent_get_next_property(todo, ICAL_CATEGORIES_PROPERTY)) {
		if (pim_ical_text(t->p, icalproperty_get_categories(prop), "CATEGORIES", &text,
				  error_r) < 0)
			return -1;
		pim_ical_add_categories(t->p, t->ad, &cats, WBXML_Tasks_Categories,
					WBXML_Tasks_Category, text);
	}
	map_alarm(t, todo, start, due);
	/* X-EAS-StartDate / X-EAS-DueDate: the local dates of an exported task. */
	for (prop = icalcomponent_get_first_property(todo, ICAL_X_PROPERTY); prop != NULL;
	     prop = icalcomponent_get_next_property(todo, ICAL_X_PROPERTY)) {
		const char *name = icalproperty_get_x_name(prop);
		const char *v = icalproperty_get_x(prop);
		struct pim_date d;
		if (name == NULL || v == NULL || pim_date_parse(v, &d) < 0)
			continue;
		if (str_eq_nocase(name, "X-EAS-DueDate"))
			task_set(t, WBXML_Tasks_DueDate, pool_strdup(t->p, v));
		else if (str_eq_nocase(name, "X-EAS-StartDate"))
			task_set(t, WBXML_Tasks_StartDate, pool_strdup(t->p, v));
	}
	prop = icalcomponent_get_first_property(todo, ICAL_RRULE_PROPERTY);
	if (prop != NULL) {
		struct icalrecurrencetype r = icalproperty_get_rrule(prop);
		if (!map_rrule(t, &r, icaltime_is_null_time(start) ? due : start))
			t->dropped++;
	}
	prop = icalcomponent_get_first_property(todo, ICAL_DESCRIPTION_PROPERTY);
	if (prop != NULL) {
		if (pim_ical_text(t->p, icalproperty_get_description(prop), "DESCRIPTION", &text,
				  error_r) < 0)
			return -1;
		if (text != NULL && *text != '\0') {
			struct wbxml_node *body = pim_node_new(t->p, WBXML_AirSyncBase_Body, NULL);
			pim_node_append(body, pim_node_new(t->p, WBXML_AirSyncBase_Type, "1"));
			pim_node_append(body, pim_node_new(t->p, WBXML_AirSyncBase_Data, text));
			pim_node_append(t->ad, body);
		}
	}
	return 0;
}

int pim_vtodo_parse(pool *p, const char *text, size_t len, size_t max_input, size_t max_todos,
		    struct pim_vtodo **todos_r, size_t *count_r, const char **error_r)
{
	size_t begins, *lines;
	icalcomponent *root;

	if (pim_ical_parse_input(p, text, len, max_input, max_todos, "VTODO", true, &lines,
				 &begins, &root, error_r) < 0)
		return -1;
	if (root == NULL) {
		*todos_r = NULL;
		*count_r = 0;
		return 0;
	}
	struct pim_vtodo *todos = pool_calloc(p, begins + 1, sizeof(*todos));
	size_t count = 0;
	icalcomponent *todo = icalcomponent_isa(root) == ICAL_VTODO_COMPONENT ? root :
			      icalcomponent_get_first_component(root, ICAL_VTODO_COMPONENT);
	while (todo != NULL && count < begins) {
		struct task t = { .p = p };
		const char *why;
		t.ad = pim_node_new(p, WBXML_AirSync_ApplicationData, NULL);
		todos[count].line = lines[count];
		if (map_todo(&t, todo, &why) < 0)
			todos[count].error = pool_printf(p, "line %zu: %s", lines[count], why);
		else
			todos[count].appdata = t.ad;
		todos[count].dropped = t.dropped;
		todos[count].uid = todos[count].error == NULL ? t.uid : NULL;
		count++;
		todo = todo == root ? NULL :
		       icalcomponent_get_next_component(root, ICAL_VTODO_COMPONENT);
	}
	icalcomponent_free(root);
	*todos_r = todos;
	*count_r = count;
	return 0;
}

/* ---- Export ---- */

void pim_vtodo_write_begin(buf *out)
{
	buf_puts(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//easd//tasks export//EN\r\n");
}

void pim_vtodo_write_end(buf *out)
{
	buf_puts(out, "END:VCALENDAR\r\n");
}

static void add_time(icalcomponent *todo, icalproperty *(*make)(struct icaltimetype),
		     const char *eas)
{
	bool ok;
	struct icaltimetype t = ical_time(eas, &ok);
	if (ok)
		icalcomponent_add_property(todo, make(t));
}

static void add_rrule(icalcomponent *todo, const struct wbxml_node *rec)
{
	struct icalrecurrencetype r;
	uint64_t type = 0, v;
	const char *s;

	icalrecurrencetype_clear(&r);
	if ((s = wbxml_child_str(rec, WBXML_Tasks_Type)) == NULL || str_to_uint64(s, 6, &type) < 0)
		return;
	static const icalrecurrencetype_frequency freq[] = {
		ICAL_DAILY_RECURRENCE, ICAL_WEEKLY_RECURRENCE, ICAL_MONTHLY_RECURRENCE,
		ICAL_MONTHLY_RECURRENCE, ICAL_NO_RECURRENCE, ICAL_YEARLY_RECURRENCE,
		ICAL_YEARLY_RECURRENCE,
	};
	r.freq = freq[type];
	if (r.freq == ICAL_NO_RECURRENCE)
		return;
	if ((s = wbxml_child_str(rec, WBXML_Tasks_Interval)) != NULL &&
	    str_to_uint64(s, 999, &v) == 0 && v > 0)
		r.interval = (short)v;
	if ((s = wbxml_child_str(rec, WBXML_Tasks_Occurrences)) != NULL &&
	    str_to_uint64(s, 999, &v) == 0 && v > 0)
		r.count = (int)v;
	bool ok;
	struct icaltimetype until = ical_time(wbxml_child_str(rec, WBXML_Tasks_Until), &ok);
	if (ok && r.count == 0)
		r.until = until;
	uint64_t week = 0;
	if ((s = wbxml_child_str(rec, WBXML_Tasks_WeekOfMonth)) != NULL)
		(void)str_to_uint64(s, 5, &week);
	int pos = week == 5 ? -1 : (int)week;
	size_t n = 0;
	if ((s = wbxml_child_str(rec, WBXML_Tasks_DayOfWeek)) != NULL &&
	    str_to_uint64(s, 127, &v) == 0) {
		for (int d = 0; d < 7; d++) {
			if ((v & (1u << d)) == 0)
				continue;
			/* libical's encoding: weekday + 8 * position (sign on the whole). */
			short code = (short)((d + 1) + 8 * (pos < 0 ? -pos : pos));
			r.by_day[n++] = pos < 0 ? (short)-code : code;
		}
		r.by_day[n] = ICAL_RECURRENCE_ARRAY_MAX;
	}
	if ((s = wbxml_child_str(rec, WBXML_Tasks_DayOfMonth)) != NULL &&
	    str_to_uint64(s, 31, &v) == 0) {
		r.by_month_day[0] = (short)v;
		r.by_month_day[1] = ICAL_RECURRENCE_ARRAY_MAX;
	}
	if ((s = wbxml_child_str(rec, WBXML_Tasks_MonthOfYear)) != NULL &&
	    str_to_uint64(s, 12, &v) == 0) {
		r.by_month[0] = (short)v;
		r.by_month[1] = ICAL_RECURRENCE_ARRAY_MAX;
	}
	icalcomponent_add_property(todo, icalproperty_new_rrule(r));
}

void pim_vtodo_write(buf *out, pool *p, const struct wbxml_node *ad, const char *uid)
{
	icalcomponent *todo = icalcomponent_new(ICAL_VTODO_COMPONENT);
	const char *s;
	uint64_t v;

	icalerror_set_errors_are_fatal(0);
	if (uid != NULL && *uid != '\0')
		icalcomponent_add_property(todo, icalproperty_new_uid(uid));
	icalcomponent_add_property(todo, icalproperty_new_dtstamp(
		icaltime_from_timet_with_zone(time(NULL), 0, icaltimezone_get_utc_timezone())));
	if ((s = wbxml_child_str(ad, WBXML_Tasks_Subject)) != NULL)
		icalcomponent_add_property(todo, icalproperty_new_summary(s));
	const char *utc_start = wbxml_child_str(ad, WBXML_Tasks_UtcStartDate);
	const char *start = wbxml_child_str(ad, WBXML_Tasks_StartDate);
	add_time(todo, icalproperty_new_dtstart, utc_start != NULL ? utc_start : start);
	if (utc_start != NULL && start != NULL && strcmp(start, utc_start) != 0)
		pim_ical_add_x(todo, "X-EAS-StartDate", start);
	const char *utc_due = wbxml_child_str(ad, WBXML_Tasks_UtcDueDate);
	const char *due = wbxml_child_str(ad, WBXML_Tasks_DueDate);
	add_time(todo, icalproperty_new_due, utc_due != NULL ? utc_due : due);
	if (utc_due != NULL && due != NULL && strcmp(due, utc_due) != 0)
		pim_ical_add_x(todo, "X-EAS-DueDate", due);
	s = wbxml_child_str(ad, WBXML_Tasks_Complete);
	bool complete = s != NULL && strcmp(s, "1") == 0;
	icalcomponent_add_property(todo, icalproperty_new_status(complete ? ICAL_STATUS_COMPLETED :
								 ICAL_STATUS_NEEDSACTION));
	if (complete)
		add_time(todo, icalproperty_new_completed,
			 wbxml_child_str(ad, WBXML_Tasks_DateCompleted));
	if ((s = wbxml_child_str(ad, WBXML_Tasks_Importance)) != NULL &&
	    str_to_uint64(s, 2, &v) == 0)
		icalcomponent_add_property(todo, icalproperty_new_priority(v == 2 ? 1 :
									    v == 1 ? 5 : 9));
	if ((s = wbxml_child_str(ad, WBXML_Tasks_Sensitivity)) != NULL &&
	    str_to_uint64(s, 3, &v) == 0)
		icalcomponent_add_property(todo, icalproperty_new_class(
			v == 0 ? ICAL_CLASS_PUBLIC : v == 3 ? ICAL_CLASS_CONFIDENTIAL :
			ICAL_CLASS_PRIVATE));
	const struct wbxml_node *cats = wbxml_child(ad, WBXML_Tasks_Categories);
	for (const struct wbxml_node *c = cats != NULL ? cats->children : NULL; c != NULL;
	     c = c->next) {
		if ((s = wbxml_node_str(c)) != NULL && *s != '\0')
			icalcomponent_add_property(todo, icalproperty_new_categories(s));
	}
	const struct wbxml_node *rec = wbxml_child(ad, WBXML_Tasks_Recurrence);
	if (rec != NULL)
		add_rrule(todo, rec);
	const struct wbxml_node *body = wbxml_child(ad, WBXML_AirSyncBase_Body);
	const char *type = body != NULL ? wbxml_child_str(body, WBXML_AirSyncBase_Type) : NULL;
	const char *data = body != NULL ? wbxml_child_str(body, WBXML_AirSyncBase_Data) : NULL;
	if (data != NULL && type != NULL && (strcmp(type, "1") == 0 || strcmp(type, "2") == 0)) {
		buf text = BUF_INIT;
		if (strcmp(type, "2") == 0)
			pim_html_to_text(&text, data, strlen(data));
		else
			buf_puts(&text, data);
		icalcomponent_add_property(todo, icalproperty_new_description(buf_cstr(&text)));
		buf_free(&text);
	}
	s = wbxml_child_str(ad, WBXML_Tasks_ReminderSet);
	bool ok;
	struct icaltimetype when = ical_time(wbxml_child_str(ad, WBXML_Tasks_ReminderTime), &ok);
	if (s != NULL && strcmp(s, "1") == 0 && ok) {
		icalcomponent *alarm = icalcomponent_new(ICAL_VALARM_COMPONENT);
		struct icaltriggertype tr = { .time = when,
					      .duration = icaldurationtype_null_duration() };
		icalcomponent_add_property(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY));
		icalcomponent_add_property(alarm, icalproperty_new_trigger(tr));
		icalcomponent_add_property(alarm, icalproperty_new_description("Reminder"));
		icalcomponent_add_component(todo, alarm);
	}
	pim_ical_emit(out, todo);
	(void)p;
}
