/* ical-event.h: appointments as iCalendar VEVENT (RFC 5545, parsed and written with libical)
 * for `easctl calendar import|export`, and the reading of an appointment's times from its
 * ApplicationData that export and free/busy share.
 *
 * Mapping (import and export):
 *   SUMMARY Subject; DESCRIPTION Body (plain text); LOCATION Location (airsyncbase:Location
 *   DisplayName, as a 16.1 client sends it; a stored calendar:Location is read too);
 *   DTSTART/DTEND (or DURATION) StartTime/EndTime in UTC, the TZID's IANA zone as the
 *   Timezone blob (pim_tz_to_blob); DTSTART;VALUE=DATE AllDayEvent 1 (local midnight of the
 *   calendar's zone: X-WR-TIMEZONE, else UTC); floating times are in that zone too;
 *   RRULE Recurrence (DAILY, WEEKLY, MONTHLY by day or n-th weekday, YEARLY likewise;
 *   INTERVAL, COUNT, UNTIL, WKST): a rule EAS cannot express (BYHOUR, several BYMONTHDAY,
 *   BYSETPOS lists, negative month days, RDATE, several RRULEs...) refuses the event with
 *   its line: importing its first occurrence only would silently lose the series;
 *   EXDATE deleted exceptions (one that is no occurrence, or repeats one, is dropped and
 *   counted); a VEVENT with RECURRENCE-ID and the series' UID a modified exception (its
 *   start, end, summary, location, description, class, busy status, reminder, categories;
 *   STATUS:CANCELLED makes it a deleted one; one that is no occurrence of the series, or
 *   a second one of an occurrence, refuses the series; one without its series in the file
 *   is imported as a single event, counted as dropped; what it repeats of the series is
 *   not stored in the exception, and the export writes each override whole, with the
 *   series' properties the exception does not change: RFC 5545 3.8.4.4);
 *   ORGANIZER (CN) OrganizerName/OrganizerEmail; ATTENDEE (CN, PARTSTAT NEEDS-ACTION 5,
 *   ACCEPTED 3, DECLINED 4, TENTATIVE 2, ROLE REQ-PARTICIPANT/CHAIR 1, OPT-PARTICIPANT and
 *   NON-PARTICIPANT 2, CUTYPE RESOURCE/ROOM 3) Attendees; MeetingStatus 1 when there are
 *   attendees (X-EAS-MEETINGSTATUS overrides); CATEGORIES Categories; CLASS PUBLIC 0,
 *   PRIVATE 2 (Personal 1 is written as PRIVATE), CONFIDENTIAL 3 Sensitivity;
 *   X-MICROSOFT-CDO-BUSYSTATUS (FREE 0, TENTATIVE 1, BUSY 2, OOF 3, WORKINGELSEWHERE 4),
 *   else TRANSP TRANSPARENT 0 / OPAQUE 2 BusyStatus; the first VALARM's TRIGGER (before the
 *   start) Reminder in minutes; UID UID; DTSTAMP DtStamp; X-EAS-<name> for the EAS fields
 *   without iCalendar counterpart (ResponseRequested, ResponseType, DisallowNewTimeProposal,
 *   AppointmentReplyTime, OnlineMeetingConfLink, OnlineMeetingExternalLink, MeetingStatus);
 *   X-EAS-TZID the zone of an exported all-day event.
 * The zone written on export is the IANA zone of the import (Europe/Amsterdam stays
 * Europe/Amsterdam although its blob is the one of Europe/Berlin, "W. Europe Standard
 * Time"): the stored form keeps it next to the blob (calendar.c) until a device changes the
 * blob; items without it (created by devices) export the zone pim_tz_from_blob finds for
 * their blob, "UTC" when it finds none. */
#ifndef EASD_PIM_ICAL_EVENT_H
#define EASD_PIM_ICAL_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/pool.h"
#include "pim/recur.h"
#include "pim/tz.h"
#include "store/store-folder.h"
#include "wbxml/wbxml.h"

struct pim_vevent {
	size_t line;                 /* the line of its BEGIN:VEVENT (1-based) */
	struct wbxml_node *appdata;  /* the appointment; NULL when error is set */
	const char *error;           /* "line 12: ..." */
	unsigned dropped;            /* parts that EAS cannot carry */
	const char *uid;             /* its UID, NULL for none */
	int64_t filter_start, filter_end;  /* first start .. end of the last occurrence */
	const char *zone;            /* its IANA zone (static), kept in the stored form */
	/* A RECURRENCE-ID component whose series is not in the file, made a single event: an
	 * importer must not let it replace a stored series of the same UID. */
	bool orphan_override;
	/* For an orphan override: the occurrence it replaces (its RECURRENCE-ID, UTC), and
	 * whether it cancels it (STATUS:CANCELLED), so that an importer can make it an
	 * exception of the stored series. */
	int64_t recurrence_id_utc;
	bool cancelled;
	bool recurrence_id_floating;  /* a date or zoneless time, read in file_zone */
	bool times_floating;          /* its DTSTART/DTEND too */
	const char *file_zone;        /* the file's zone (X-WR-TIMEZONE or UTC) */
};

/* The stored series with the orphan override ev (orphan_override set) as its exception, or
 * its occurrence deleted (cancelled), as a 16.x device's change of one occurrence; dates and
 * zoneless times of the override are the series' zone's. -1 with *error_r when series does
 * not recur or the RECURRENCE-ID names none of its occurrences. */
int pim_vevent_attach(pool *p, const struct pim_vevent *ev, const struct store_item *series,
		      struct store_item *out_r, const char **error_r);
/* Whether series (a stored appointment) recurs: an orphan override can be its exception. */
bool pim_vevent_can_attach(pool *p, const struct store_item *series);

/* Parses an iCalendar file (its VEVENTs; other components are ignored). -1 with *error_r
 * when the file as a whole is unusable (over max_input bytes or max_events VEVENTs, a NUL
 * byte, not iCalendar). */
int pim_vevent_parse(pool *p, const char *text, size_t len, size_t max_input, size_t max_events,
		     struct pim_vevent **events_r, size_t *count_r, const char **error_r);

/* The stored form of a parsed event (through the calendar class's converter, as an Add by a
 * 16.1 client), into *out_r from p. -1 with *error_r when the converter refuses it. */
int pim_vevent_encode(pool *p, const struct pim_vevent *ev, struct store_item *out_r,
		      const char **error_r);

/* calendar.c: the stored form of an appointment the server made (an import: a 16.1 Add)
 * whose Timezone blob was made from the IANA zone `zone`, which the stored form keeps (no
 * client ever sends or receives it); and the zone kept in a stored form (decoded), or NULL. */
int pim_calendar_encode_import(pool *p, const struct wbxml_node *appdata, const char *zone,
			       struct store_item *out_r, const char **error_r);
const char *pim_calendar_stored_zone(const struct wbxml_node *appdata);

/* Writing: begin (VCALENDAR header), one VEVENT (plus one per modified exception) per stored
 * appointment (uid: used when the item has no UID), end (the VTIMEZONEs of the zones used). */
struct pim_vevent_writer {
	const char *zones[64];       /* static IANA names written as TZID */
	size_t zone_count;
	bool any;                    /* an event was written: earliest is its first start */
	int64_t earliest;            /* UTC; the VTIMEZONEs start a year before it */
};
void pim_vevent_write_begin(struct pim_vevent_writer *wr, buf *out);
void pim_vevent_write(struct pim_vevent_writer *wr, buf *out, pool *p,
		      const struct wbxml_node *appdata, const char *uid);
void pim_vevent_write_end(struct pim_vevent_writer *wr, buf *out);

/* An appointment's timing, read from its ApplicationData. */
struct pim_event_info {
	const char *zone;            /* IANA zone of the Timezone blob; "UTC" when none matches */
	bool has_blob;               /* none matches: the blob, whose own rules expand it */
	struct pim_tz_blob blob;
	bool all_day;
	int64_t start_utc, end_utc;
	unsigned busy_status;        /* 0 free .. 4 working elsewhere; 2 when absent */
	bool recurring;
	struct pim_recur recur;
	struct pim_recur_exception *exceptions;
	const struct wbxml_node **exception_nodes;   /* the Exception element of each */
	size_t exception_count;
};
/* -1 with *error_r when StartTime is missing or a field cannot be read. */
int pim_event_read(pool *p, const struct wbxml_node *appdata, struct pim_event_info *info_r,
		   const char **error_r);

/* An EAS date/time ("20240501T080000Z" or "2024-05-01T08:00:00.000Z") as UTC seconds. */
int pim_eas_time_to_utc(const char *s, int64_t *utc_r);
/* UTC seconds as the compact EAS form of calendars, "20240501T080000Z", from the pool. */
const char *pim_eas_time_format(pool *p, int64_t utc);

#endif
