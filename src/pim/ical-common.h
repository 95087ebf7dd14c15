/* ical-common.h: what the iCalendar converters share (ical.c: VTODO tasks, ical-event.c:
 * VEVENT appointments): the checks of an input file before libical parses it, building
 * ApplicationData from properties, writing properties. Not used outside pim/. */
#ifndef EASD_PIM_ICAL_COMMON_H
#define EASD_PIM_ICAL_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libical/ical.h>

#include "lib/buf.h"
#include "lib/pool.h"
#include "wbxml/wbxml.h"

/* ---- Import ---- */

/* Checks an iCalendar input and parses it with libical. comp names the component the caller
 * imports ("VTODO"): *lines_r gets the line numbers of its BEGIN lines (libical does not report
 * lines) and *begins_r their count. The text must start (after a UTF-8 BOM and white space)
 * with BEGIN:VCALENDAR, or with BEGIN:<comp> when bare_ok. *root_r is NULL (and 0 returned)
 * when there is nothing to parse or libical finds nothing; the caller frees it. -1 with
 * *error_r when the file as a whole is unusable (over max_input bytes or max_comps
 * components, a NUL byte, not iCalendar). */
int pim_ical_parse_input(pool *p, const char *text, size_t len, size_t max_input,
			 size_t max_comps, const char *comp, bool bare_ok, size_t **lines_r,
			 size_t *begins_r, icalcomponent **root_r, const char **error_r);

/* Sets the child tag of parent to value (replacing an existing one); nothing for NULL or "". */
void pim_ical_set(pool *p, struct wbxml_node *parent, uint16_t tag, const char *value);

/* A text property's value (NULL for none) copied into the pool; -1 when it is not UTF-8. */
int pim_ical_text(pool *p, const char *v, const char *what, const char **text_r,
		  const char **error_r);

/* Appends the comma-separated CATEGORIES value to the list (list_tag, created under parent
 * on first use, *list NULL until then) as item_tag entries. */
void pim_ical_add_categories(pool *p, struct wbxml_node *parent, struct wbxml_node **list,
			     uint16_t list_tag, uint16_t item_tag, const char *value);

/* EAS DayOfWeek bits: Sunday 1, Monday 2, ... Saturday 64. */
unsigned pim_ical_day_bit(enum icalrecurrencetype_weekday day);

/* The BYDAY, BYSETPOS, BYMONTHDAY and BYMONTH parts of an RRULE as EAS says them: the
 * DayOfWeek bits, the week of the month (1-4, 5 the last, 0 none), the day of the month and the
 * month (0 none). -1 when EAS cannot (BYDAY with several positions or position and BYSETPOS,
 * several BYMONTHDAYs or BYMONTHs, a negative BYMONTHDAY, BYHOUR, BYMINUTE, BYYEARDAY,
 * BYWEEKNO). BYSECOND is the caller's. */
int pim_ical_rrule_parts(const struct icalrecurrencetype *r, unsigned *days_r, int *week_r,
			 int *month_day_r, int *month_r);

/* ---- Export ---- */

/* Adds the X- property name:value to c. */
void pim_ical_add_x(icalcomponent *c, const char *name, const char *value);

/* Writes c as iCalendar text to out and frees it. */
void pim_ical_emit(buf *out, icalcomponent *c);

#endif
