/* ical.h: tasks as iCalendar VTODO (RFC 5545, parsed and written with libical) for
 * `easctl tasks import|export`.
 *
 * Mapping: SUMMARY Subject; DESCRIPTION Body; DTSTART StartDate/UtcStartDate; DUE
 * DueDate/UtcDueDate (wall time / UTC; X-EAS-StartDate and X-EAS-DueDate keep a local date
 * that differs from the UTC one); COMPLETED DateCompleted; STATUS:COMPLETED Complete 1;
 * PRIORITY 1-4 Importance 2 (high), 5 1, 6-9 0; CLASS PUBLIC 0, PRIVATE 2 (Personal, 1, is
 * written as PRIVATE), CONFIDENTIAL 3; CATEGORIES Categories; the first VALARM's TRIGGER
 * ReminderSet/ReminderTime (a relative trigger counts from DTSTART, or DUE with
 * RELATED=END); RRULE Recurrence where EAS can say it (DAILY, WEEKLY, MONTHLY by day or by
 * n-th weekday, YEARLY likewise; INTERVAL, COUNT, UNTIL); others are dropped and counted.
 * UID is the task's identity (EAS tasks have none): an import keeps it as the item's uid so
 * that a re-import of the same VTODO updates the task, and export writes it back. */
#ifndef EASD_PIM_ICAL_H
#define EASD_PIM_ICAL_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/pool.h"
#include "wbxml/wbxml.h"

struct pim_vtodo {
	size_t line;                 /* the line of its BEGIN:VTODO (1-based) */
	struct wbxml_node *appdata;  /* the task; NULL when error is set */
	const char *error;           /* "line 12: ..." */
	unsigned dropped;            /* parts that EAS cannot carry (an RRULE, ...) */
	const char *uid;             /* its UID (1-STORE_ITEM_UID_MAX bytes), NULL when none */
};

/* Parses an iCalendar file (its VTODOs; other components are ignored). -1 with *error_r
 * when the file as a whole is unusable (over max_input bytes or max_todos VTODOs, a NUL
 * byte, not iCalendar). */
int pim_vtodo_parse(pool *p, const char *text, size_t len, size_t max_input, size_t max_todos,
		    struct pim_vtodo **todos_r, size_t *count_r, const char **error_r);

/* Writing: begin (VCALENDAR header), one VTODO per stored task (uid: the task's stable UID,
 * the one its import stored or one made from its ServerId; NULL or "": no UID), end. */
void pim_vtodo_write_begin(buf *out);
void pim_vtodo_write(buf *out, pool *p, const struct wbxml_node *appdata, const char *uid);
void pim_vtodo_write_end(buf *out);

#endif
