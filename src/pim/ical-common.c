/* ical-common.c: helpers of the iCalendar converters (ical.c, ical-event.c). See
 * ical-common.h. */
#include "pim/ical-common.h"

#include "pim/pim-private.h"

#include "lib/utf8.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Line numbers of the lines starting with begin (case-insensitive), in order; up to max + 1
 * are kept, all are counted. */
static size_t *begin_lines(pool *p, const char *text, size_t len, const char *begin, size_t max,
			   size_t *count_r)
{
	size_t *lines = pool_calloc(p, max + 1, sizeof(*lines));
	size_t count = 0, line = 1, blen = strlen(begin);

	for (size_t i = 0; i < len; i++) {
		if ((i == 0 || text[i - 1] == '\n') && len - i >= blen &&
		    strncasecmp(text + i, begin, blen) == 0) {
			if (count <= max)
				lines[count] = line;
			count++;
		}
		if (text[i] == '\n')
			line++;
	}
	*count_r = count;
	return lines;
}

int pim_ical_parse_input(pool *p, const char *text, size_t len, size_t max_input,
			 size_t max_comps, const char *comp, bool bare_ok, size_t **lines_r,
			 size_t *begins_r, icalcomponent **root_r, const char **error_r)
{
	const char *begin = pool_printf(p, "BEGIN:%s", comp);
	size_t begins, blen = strlen(begin);

	*root_r = NULL;
	if (len > max_input) {
		*error_r = pool_printf(p, "input of %zu bytes exceeds the limit of %zu", len,
				       max_input);
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		*error_r = "NUL byte in the input";
		return -1;
	}
	size_t *lines = begin_lines(p, text, len, begin, max_comps, &begins);
	if (begins > max_comps) {
		*error_r = pool_printf(p, "line %zu: more than %zu %ss", lines[max_comps],
				       max_comps, comp);
		return -1;
	}
	*lines_r = lines;
	*begins_r = begins;
	/* Only iCalendar: libical would take any text as a component of unknown name. */
	size_t skip = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	while (skip < len && strchr(" \t\r\n", text[skip]) != NULL)
		skip++;
	if (skip == len)
		return 0;
	/* The text may end anywhere: compared only when 15 bytes are left (begin is no longer). */
	if (len - skip < 15 || (strncasecmp(text + skip, "BEGIN:VCALENDAR", 15) != 0 &&
				(!bare_ok || strncasecmp(text + skip, begin, blen) != 0))) {
		*error_r = "line 1: not iCalendar (no BEGIN:VCALENDAR)";
		return -1;
	}
	icalerror_set_errors_are_fatal(0);
	char *copy = pool_strndup(p, text + skip, len - skip);
	*root_r = icalparser_parse_string(copy);
	return 0;
}

void pim_ical_set(pool *p, struct wbxml_node *parent, uint16_t tag, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	struct wbxml_node *old = wbxml_child(parent, tag);
	if (old != NULL) {
		old->value = (const unsigned char *)value;
		old->value_len = strlen(value);
		return;
	}
	pim_node_append(parent, pim_node_new(p, tag, value));
}

int pim_ical_text(pool *p, const char *v, const char *what, const char **text_r,
		  const char **error_r)
{
	*text_r = NULL;
	if (v == NULL)
		return 0;
	if (!utf8_valid(v, strlen(v), NULL)) {
		*error_r = pool_printf(p, "%s is not UTF-8", what);
		return -1;
	}
	*text_r = pool_strdup(p, v);
	return 0;
}

void pim_ical_add_categories(pool *p, struct wbxml_node *parent, struct wbxml_node **list,
			     uint16_t list_tag, uint16_t item_tag, const char *value)
{
	for (const char *s = value; s != NULL && *s != '\0';) {
		const char *comma = strchr(s, ',');
		size_t n = comma != NULL ? (size_t)(comma - s) : strlen(s);
		while (n > 0 && *s == ' ') {
			s++;
			n--;
		}
		if (n > 0) {
			if (*list == NULL) {
				*list = pim_node_new(p, list_tag, NULL);
				pim_node_append(parent, *list);
			}
			pim_node_append(*list, pim_node_new(p, item_tag, pool_strndup(p, s, n)));
		}
		s = comma != NULL ? comma + 1 : NULL;
	}
}

unsigned pim_ical_day_bit(enum icalrecurrencetype_weekday day)
{
	return day >= ICAL_SUNDAY_WEEKDAY && day <= ICAL_SATURDAY_WEEKDAY ?
	       1u << (day - ICAL_SUNDAY_WEEKDAY) : 0;
}

int pim_ical_rrule_parts(const struct icalrecurrencetype *r, unsigned *days_r, int *week_r,
			 int *month_day_r, int *month_r)
{
	unsigned days = 0;
	int week = 0;

	for (int i = 0; i < ICAL_BY_DAY_SIZE && r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
		int pos = icalrecurrencetype_day_position(r->by_day[i]);
		days |= pim_ical_day_bit(icalrecurrencetype_day_day_of_week(r->by_day[i]));
		if (pos != 0) {
			if (week != 0 && week != pos)
				return -1;
			week = pos;
		}
	}
	if (r->by_set_pos[0] != ICAL_RECURRENCE_ARRAY_MAX) {
		if (week != 0 || r->by_set_pos[1] != ICAL_RECURRENCE_ARRAY_MAX)
			return -1;
		week = r->by_set_pos[0];
	}
	if (week == -1)
		week = 5;  /* EAS: 5 is the last week (PIM_RECUR_LAST_WEEK) */
	if (week < 0 || week > 5 || r->by_month_day[1] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r->by_month[1] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r->by_hour[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r->by_minute[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r->by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r->by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX)
		return -1;
	int month_day = r->by_month_day[0] != ICAL_RECURRENCE_ARRAY_MAX ? r->by_month_day[0] : 0;
	if (month_day < 0)
		return -1;
	*days_r = days;
	*week_r = week;
	*month_day_r = month_day;
	*month_r = r->by_month[0] != ICAL_RECURRENCE_ARRAY_MAX ? r->by_month[0] : 0;
	return 0;
}

void pim_ical_add_x(icalcomponent *c, const char *name, const char *value)
{
	icalproperty *x = icalproperty_new_x(value);
	icalproperty_set_x_name(x, name);
	icalcomponent_add_property(c, x);
}

void pim_ical_emit(buf *out, icalcomponent *c)
{
	char *ics = icalcomponent_as_ical_string_r(c);
	buf_puts(out, ics);
	free(ics);
	icalcomponent_free(c);
}
