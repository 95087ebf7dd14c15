/* test-easctl-pim.c: `easctl contacts|tasks import|export` run as a child process on a fresh
 * data directory (the easctl of the same build directory: $EASD_BUILD/easctl, else next to
 * this test's directory), checked through the store: transactional imports, --skip-bad,
 * --folder, export + import into another user giving the same items, progress output. */
#include "store/store.h"
#include "store/store-folder.h"

#include "lib/pool.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/test-easctl-env.h"

/* Live items in the user's default folder of type. */
static uint64_t items_in(const char *user, int type)
{
	struct store *store = NULL;
	struct store_user u;
	struct store_folder folder;
	const char *error;
	uint64_t count = 0;
	pool *p = pool_new(0);

	ck_assert_int_eq(store_open(dir, &store, &error), STORE_OK);
	ck_assert_int_eq(store_user_get(store, p, "ox.io", user, &u, &error), STORE_OK);
	ck_assert_int_eq(store_folder_get_default(store, p, u.id, type, &folder, &error),
			 STORE_OK);
	ck_assert_int_eq(store_folder_item_count(store, folder.id, &count, &error), STORE_OK);
	store_close(&store);
	pool_free(&p);
	return count;
}

static void setup(void)
{
	make_dir("pim");
	ck_assert_int_eq(run("context add ox.io >/dev/null"), 0);
	ck_assert_int_eq(run("user add mike@ox.io --password-stdin >/dev/null <<EOF\npw\nEOF"),
			 0);
	ck_assert_int_eq(run("user add anna@ox.io --password-stdin >/dev/null <<EOF\npw\nEOF"),
			 0);
}

static void teardown(void)
{
	remove_dir();
}

static const char cards[] =
	"BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jo;;;\nFN:Jo Doe\nTEL;TYPE=CELL:+1 555 0108\n"
	"EMAIL:jo@example.com\nNOTE:hello\\, world\nCATEGORIES:A,B\nEND:VCARD\n"
	"BEGIN:VCARD\nVERSION:4.0\nFN:Ann Other\nORG:Contoso\nBDAY:19700102\nEND:VCARD\n"
	"BEGIN:VCARD\nVERSION:3.0\nFN:Third\nX-EAS-YomiLastName:Yomi\nEND:VCARD\n";

START_TEST(contacts_roundtrip)
{
	write_file("a.vcf", cards);
	ck_assert_int_eq(run("contacts import mike@ox.io a.vcf >out 2>err"), 0);
	ck_assert_ptr_nonnull(strstr(read_file("out"), "imported 3 contacts"));
	ck_assert_ptr_nonnull(strstr(read_file("err"), "imported 3/3"));
	ck_assert_uint_eq(items_in("mike", STORE_FOLDER_CONTACTS), 3);
	/* Export, import into anna: the same vCards come out again. */
	ck_assert_int_eq(run("contacts export mike@ox.io m.vcf 2>/dev/null"), 0);
	ck_assert_int_eq(run("contacts import anna@ox.io < m.vcf >/dev/null 2>&1"), 0);
	ck_assert_int_eq(run("contacts export anna@ox.io > a2.vcf 2>/dev/null"), 0);
	char *m = strdup(read_file("m.vcf"));
	ck_assert_str_eq(read_file("a2.vcf"), m);
	ck_assert_ptr_nonnull(strstr(m, "X-EAS-YomiLastName:Yomi\r\n"));
	ck_assert_ptr_nonnull(strstr(m, "CATEGORIES:A,B\r\n"));
	free(m);
	ck_assert_int_eq(run("contacts export mike@ox.io --version 4.0 > v4.vcf 2>/dev/null"), 0);
	ck_assert_ptr_nonnull(strstr(read_file("v4.vcf"), "VERSION:4.0\r\nFN:Jo Doe\r\n"));
}
END_TEST

START_TEST(contacts_transactional)
{
	write_file("bad.vcf", "BEGIN:VCARD\nFN:ok\nEND:VCARD\nBEGIN:VCARD\nFN:x\nBDAY:never\n"
		   "END:VCARD\n");
	ck_assert_int_eq(run("contacts import mike@ox.io bad.vcf >/dev/null 2>err"), 1);
	ck_assert_ptr_nonnull(strstr(read_file("err"), "bad.vcf: line 6: BDAY"));
	ck_assert_ptr_nonnull(strstr(read_file("err"), "nothing imported"));
	ck_assert_uint_eq(items_in("mike", STORE_FOLDER_CONTACTS), 0);
	ck_assert_int_eq(run("contacts import mike@ox.io bad.vcf --skip-bad >/dev/null 2>&1"), 0);
	ck_assert_uint_eq(items_in("mike", STORE_FOLDER_CONTACTS), 1);
	/* A broken file as a whole: nothing. */
	write_file("open.vcf", "BEGIN:VCARD\nFN:ok\n");
	ck_assert_int_eq(run("contacts import mike@ox.io open.vcf --skip-bad >/dev/null 2>&1"), 1);
	ck_assert_uint_eq(items_in("mike", STORE_FOLDER_CONTACTS), 1);
	/* Wrong folder kind, unknown folder, unknown user, bad option. */
	ck_assert_int_eq(run("contacts import mike@ox.io open.vcf --folder 999 >/dev/null 2>&1"), 1);
	ck_assert_int_eq(run("contacts export nobody@ox.io >/dev/null 2>&1"), 1);
	ck_assert_int_eq(run("contacts export mike@ox.io --version 2.1 >/dev/null 2>&1"), 2);
	ck_assert_int_eq(run("contacts export mike@ox.io --skip-bad >/dev/null 2>&1"), 2);
}
END_TEST

START_TEST(tasks_roundtrip)
{
	write_file("t.ics", "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n"
		   "BEGIN:VTODO\nUID:1\nSUMMARY:Milk\nDUE:20240504T100000Z\nPRIORITY:1\n"
		   "CATEGORIES:Home\nRRULE:FREQ=DAILY;COUNT=3\nEND:VTODO\n"
		   "BEGIN:VTODO\nUID:2\nSUMMARY:Done\nSTATUS:COMPLETED\n"
		   "COMPLETED:20240502T100000Z\nEND:VTODO\nEND:VCALENDAR\n");
	ck_assert_int_eq(run("tasks import mike@ox.io t.ics >/dev/null 2>&1"), 0);
	ck_assert_uint_eq(items_in("mike", STORE_FOLDER_TASKS), 2);
	ck_assert_int_eq(run("tasks export mike@ox.io m.ics 2>/dev/null"), 0);
	ck_assert_int_eq(run("tasks import anna@ox.io m.ics >/dev/null 2>&1"), 0);
	ck_assert_uint_eq(items_in("anna", STORE_FOLDER_TASKS), 2);
	char *m = read_file("m.ics");
	ck_assert_ptr_nonnull(strstr(m, "SUMMARY:Milk"));
	ck_assert_ptr_nonnull(strstr(m, "RRULE:FREQ=DAILY;COUNT=3"));
	ck_assert_ptr_nonnull(strstr(m, "STATUS:COMPLETED"));
	/* A vCard is not iCalendar. */
	write_file("a.vcf", cards);
	ck_assert_int_eq(run("tasks import mike@ox.io a.vcf >/dev/null 2>&1"), 1);
	ck_assert_uint_eq(items_in("mike", STORE_FOLDER_TASKS), 2);
}
END_TEST

/* A VEVENT's UID names the appointment: importing a file again changes nothing, an edited
 * event updates its appointment (every device gets a Change), a new UID adds one. */
START_TEST(calendar_reimport_by_uid)
{
	static const char ics[] =
		"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n"
		"BEGIN:VEVENT\nUID:w1@x\nDTSTAMP:20260101T000000Z\n"
		"DTSTART;TZID=Europe/Amsterdam:20261102T090000\n"
		"DTEND;TZID=Europe/Amsterdam:20261102T100000\nRRULE:FREQ=WEEKLY;COUNT=4\n"
		"SUMMARY:Weekly\nEND:VEVENT\n"
		"BEGIN:VEVENT\nUID:t1@x\nDTSTAMP:20260101T000000Z\nDTSTART:20261103T120000Z\n"
		"DTEND:20261103T130000Z\nSUMMARY:Lunch\nEND:VEVENT\nEND:VCALENDAR\n";

	write_file("c.ics", ics);
	ck_assert_int_eq(run("calendar import mike@ox.io c.ics >out 2>/dev/null"), 0);
	ck_assert_ptr_nonnull(strstr(read_file("out"), "added 2, updated 0, unchanged 0"));
	ck_assert_int_eq(run("calendar import mike@ox.io c.ics >out 2>/dev/null"), 0);
	ck_assert_ptr_nonnull(strstr(read_file("out"), "added 0, updated 0, unchanged 2"));
	ck_assert_uint_eq(items_in("mike", STORE_FOLDER_CALENDAR), 2);
	/* Its own export read back: the same appointments. */
	ck_assert_int_eq(run("calendar export mike@ox.io e.ics 2>/dev/null"), 0);
	ck_assert_int_eq(run("calendar import mike@ox.io e.ics >out 2>/dev/null"), 0);
	ck_assert_ptr_nonnull(strstr(read_file("out"), "added 0, updated 0, unchanged 2"));
	write_file("d.ics", "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n"
		   "BEGIN:VEVENT\nUID:t1@x\nDTSTAMP:20260101T000000Z\nDTSTART:20261103T120000Z\n"
		   "DTEND:20261103T130000Z\nSUMMARY:Brunch\nEND:VEVENT\n"
		   "BEGIN:VEVENT\nUID:n1@x\nDTSTAMP:20260101T000000Z\nDTSTART:20261104T120000Z\n"
		   "DTEND:20261104T130000Z\nSUMMARY:New\nEND:VEVENT\nEND:VCALENDAR\n");
	ck_assert_int_eq(run("calendar import mike@ox.io d.ics >out 2>/dev/null"), 0);
	ck_assert_ptr_nonnull(strstr(read_file("out"), "added 1, updated 1, unchanged 0"));
	ck_assert_uint_eq(items_in("mike", STORE_FOLDER_CALENDAR), 3);
	ck_assert_int_eq(run("calendar export mike@ox.io e2.ics 2>/dev/null"), 0);
	char *e2 = read_file("e2.ics");
	ck_assert_ptr_nonnull(strstr(e2, "SUMMARY:Brunch\r\n"));
	ck_assert_ptr_null(strstr(e2, "SUMMARY:Lunch\r\n"));
}
END_TEST

/* A VEVENT with RECURRENCE-ID whose series is not in the file (an iTIP update of one
 * occurrence) becomes an exception of the stored series of its UID, never a replacement
 * of it: moved, then cancelled (STATUS:CANCELLED), two in one file adding up; one that
 * names no occurrence is refused with nothing written; with no such series it is a single
 * event. */
START_TEST(calendar_orphan_override)
{
	write_file("s.ics", "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n"
		   "BEGIN:VEVENT\nUID:w1@x\nDTSTAMP:20260101T000000Z\n"
		   "DTSTART;TZID=Europe/Amsterdam:20261102T090000\n"
		   "DTEND;TZID=Europe/Amsterdam:20261102T100000\nRRULE:FREQ=WEEKLY;COUNT=4\n"
		   "SUMMARY:Weekly\nEND:VEVENT\nEND:VCALENDAR\n");
	ck_assert_int_eq(run("calendar import mike@ox.io s.ics >out 2>/dev/null"), 0);
	static const char override_of[] =
		"BEGIN:VEVENT\nUID:%s\nDTSTAMP:20260101T000000Z\n"
		"RECURRENCE-ID;TZID=Europe/Amsterdam:202611%sT090000\n"
		"DTSTART;TZID=Europe/Amsterdam:202611%sT110000\n"
		"DTEND;TZID=Europe/Amsterdam:202611%sT120000\n%s"
		"SUMMARY:Moved %s\nEND:VEVENT\n";
	char text[2048], a[512], b[512];
	snprintf(a, sizeof(a), override_of, "w1@x", "09", "09", "09", "", "9");
	snprintf(text, sizeof(text), "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n%sEND:VCALENDAR\n",
		 a);
	write_file("o.ics", text);
	ck_assert_int_eq(run("calendar import mike@ox.io o.ics >out 2>err"), 0);
	ck_assert_ptr_nonnull(strstr(read_file("out"), "added 0, updated 1, unchanged 0"));
	ck_assert_uint_eq(items_in("mike", STORE_FOLDER_CALENDAR), 1);
	ck_assert_int_eq(run("calendar export mike@ox.io e.ics 2>/dev/null"), 0);
	char *e = read_file("e.ics");
	ck_assert_ptr_nonnull(strstr(e, "RRULE:FREQ=WEEKLY;COUNT=4"));
	ck_assert_ptr_nonnull(strstr(e, "RECURRENCE-ID;TZID=Europe/Amsterdam:20261109T090000"));
	ck_assert_ptr_nonnull(strstr(e, "SUMMARY:Moved 9"));

	/* Two in one file: another move and a cancellation; both kept with the first. */
	snprintf(a, sizeof(a), override_of, "w1@x", "16", "16", "16", "", "16");
	snprintf(b, sizeof(b), override_of, "w1@x", "23", "23", "23", "STATUS:CANCELLED\n",
		 "23");
	snprintf(text, sizeof(text),
		 "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n%s%sEND:VCALENDAR\n", a, b);
	write_file("o2.ics", text);
	ck_assert_int_eq(run("calendar import mike@ox.io o2.ics >out 2>err"), 0);
	ck_assert_int_eq(run("calendar export mike@ox.io e.ics 2>/dev/null"), 0);
	e = strdup(read_file("e.ics"));
	ck_assert_ptr_nonnull(strstr(e, "SUMMARY:Moved 9"));
	ck_assert_ptr_nonnull(strstr(e, "SUMMARY:Moved 16"));
	ck_assert_ptr_null(strstr(e, "SUMMARY:Moved 23"));
	ck_assert_ptr_nonnull(strstr(e, "EXDATE;TZID=Europe/Amsterdam:20261123T090000"));
	ck_assert_uint_eq(items_in("mike", STORE_FOLDER_CALENDAR), 1);

	/* No such occurrence (a Tuesday): refused, nothing written. */
	snprintf(a, sizeof(a), override_of, "w1@x", "10", "10", "10", "", "10");
	snprintf(text, sizeof(text), "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n%sEND:VCALENDAR\n",
		 a);
	write_file("o3.ics", text);
	ck_assert_int_eq(run("calendar import mike@ox.io o3.ics >out 2>err"), 1);
	ck_assert_ptr_nonnull(strstr(read_file("err"), "RECURRENCE-ID of 'w1@x'"));
	ck_assert_ptr_nonnull(strstr(read_file("err"), "nothing imported"));
	ck_assert_int_eq(run("calendar export mike@ox.io e3.ics 2>/dev/null"), 0);
	ck_assert_str_eq(read_file("e3.ics"), e);
	free(e);

	/* No stored series of that UID: a single event, as before. */
	snprintf(a, sizeof(a), override_of, "other@x", "09", "09", "09", "", "x");
	snprintf(text, sizeof(text), "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n%sEND:VCALENDAR\n",
		 a);
	write_file("o4.ics", text);
	ck_assert_int_eq(run("calendar import mike@ox.io o4.ics >out 2>/dev/null"), 0);
	ck_assert_ptr_nonnull(strstr(read_file("out"), "added 1, updated 0, unchanged 0"));
	ck_assert_uint_eq(items_in("mike", STORE_FOLDER_CALENDAR), 2);
}
END_TEST

/* Orphan overrides, edge cases (found by review): one with no stored series imported twice
 * is the same single event (unchanged); two of one UID with neither series stored nor in
 * the file are refused (the second would replace the first); a date-valued one for an
 * all-day series of another zone (Honolulu, the file has none: UTC) lands on its date. */
START_TEST(calendar_orphan_edges)
{
	static const char lone[] =
		"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n"
		"BEGIN:VEVENT\nUID:lone@x\nDTSTAMP:20260101T000000Z\n"
		"RECURRENCE-ID:20261109T090000Z\nDTSTART:20261109T100000Z\n"
		"DTEND:20261109T110000Z\nSUMMARY:Lone\nEND:VEVENT\n%sEND:VCALENDAR\n";
	char text[2048];
	snprintf(text, sizeof(text), lone, "");
	write_file("l.ics", text);
	ck_assert_int_eq(run("calendar import mike@ox.io l.ics >out 2>/dev/null"), 0);
	ck_assert_ptr_nonnull(strstr(read_file("out"), "added 1, updated 0, unchanged 0"));
	ck_assert_int_eq(run("calendar import mike@ox.io l.ics >out 2>/dev/null"), 0);
	ck_assert_ptr_nonnull(strstr(read_file("out"), "added 0, updated 0, unchanged 1"));

	snprintf(text, sizeof(text), lone,
		 "BEGIN:VEVENT\nUID:two@x\nDTSTAMP:20260101T000000Z\n"
		 "RECURRENCE-ID:20261109T090000Z\nDTSTART:20261109T100000Z\n"
		 "DTEND:20261109T110000Z\nSUMMARY:Two a\nEND:VEVENT\n"
		 "BEGIN:VEVENT\nUID:two@x\nDTSTAMP:20260101T000000Z\n"
		 "RECURRENCE-ID:20261116T090000Z\nDTSTART:20261116T100000Z\n"
		 "DTEND:20261116T110000Z\nSUMMARY:Two b\nEND:VEVENT\n");
	write_file("t.ics", text);
	ck_assert_int_eq(run("calendar import mike@ox.io t.ics >out 2>err"), 1);
	ck_assert_ptr_nonnull(strstr(read_file("err"), "neither stored nor in the file"));
	ck_assert_uint_eq(items_in("mike", STORE_FOLDER_CALENDAR), 1);

	write_file("h.ics", "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n"
		   "X-WR-TIMEZONE:Pacific/Honolulu\n"
		   "BEGIN:VEVENT\nUID:day@x\nDTSTAMP:20260101T000000Z\n"
		   "DTSTART;VALUE=DATE:20261102\nDTEND;VALUE=DATE:20261103\n"
		   "RRULE:FREQ=DAILY;COUNT=14\nSUMMARY:Daily\nEND:VEVENT\nEND:VCALENDAR\n");
	ck_assert_int_eq(run("calendar import mike@ox.io h.ics >/dev/null 2>&1"), 0);
	write_file("h2.ics", "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n"
		   "BEGIN:VEVENT\nUID:day@x\nDTSTAMP:20260101T000000Z\n"
		   "RECURRENCE-ID;VALUE=DATE:20261109\nDTSTART;VALUE=DATE:20261109\n"
		   "DTEND;VALUE=DATE:20261110\nSUMMARY:Changed the 9th\nEND:VEVENT\n"
		   "END:VCALENDAR\n");
	ck_assert_int_eq(run("calendar import mike@ox.io h2.ics >out 2>err"), 0);
	ck_assert_ptr_nonnull(strstr(read_file("out"), "added 0, updated 1, unchanged 0"));
	ck_assert_int_eq(run("calendar export mike@ox.io e.ics 2>/dev/null"), 0);
	char *e = read_file("e.ics");
	char *ov = strstr(e, "SUMMARY:Changed the 9th");
	ck_assert_ptr_nonnull(ov);
	ck_assert_ptr_nonnull(strstr(e, "RECURRENCE-ID;VALUE=DATE:20261109\r\n"));
	ck_assert_ptr_nonnull(strstr(e, "DTSTART;VALUE=DATE:20261109\r\n"));
	ck_assert_ptr_null(strstr(e, "RECURRENCE-ID;VALUE=DATE:20261108"));
}
END_TEST

static const char ams_series[] =
	"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nX-WR-TIMEZONE:Europe/Amsterdam\n"
	"BEGIN:VEVENT\nUID:ams@x\nDTSTAMP:20260101T000000Z\n"
	"DTSTART;TZID=Europe/Amsterdam:20261102T090000\n"
	"DTEND;TZID=Europe/Amsterdam:20261102T100000\n"
	"RRULE:FREQ=WEEKLY;COUNT=10\nSUMMARY:Weekly\nEND:VEVENT\nEND:VCALENDAR\n";

/* an orphan override in UTC ('Z') times from a file without X-WR-TIMEZONE (the usual
 * iTIP form): moved to 14:00 Amsterdam (13:00Z). */
START_TEST(orphan_orphan_utc_times)
{
	write_file("s.ics", ams_series);
	ck_assert_int_eq(run("calendar import mike@ox.io s.ics >/dev/null 2>&1"), 0);
	write_file("o.ics", "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n"
		   "BEGIN:VEVENT\nUID:ams@x\nDTSTAMP:20260101T000000Z\n"
		   "RECURRENCE-ID:20261109T080000Z\nDTSTART:20261109T130000Z\n"
		   "DTEND:20261109T140000Z\nSUMMARY:Moved\nEND:VEVENT\nEND:VCALENDAR\n");
	ck_assert_int_eq(run("calendar import mike@ox.io o.ics >out 2>err"), 0);
	ck_assert_int_eq(run("calendar export mike@ox.io e.ics 2>/dev/null"), 0);
	char *e = read_file("e.ics");
	char *ov = strstr(e, "SUMMARY:Moved");
	ck_assert_ptr_nonnull(ov);
	ck_assert_msg(strstr(e, "DTSTART;TZID=Europe/Amsterdam:20261109T140000") != NULL ||
		      strstr(e, "DTSTART:20261109T130000Z") != NULL, "bad export DTSTART");
}
END_TEST

/* the override's DTSTART has an explicit TZID equal to its file's X-WR-TIMEZONE
 * (New York); the series is Amsterdam's. 08:00 New York = 14:00 Amsterdam. */
START_TEST(orphan_orphan_tzid_same_as_file)
{
	write_file("s.ics", ams_series);
	ck_assert_int_eq(run("calendar import mike@ox.io s.ics >/dev/null 2>&1"), 0);
	write_file("o.ics", "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n"
		   "X-WR-TIMEZONE:America/New_York\n"
		   "BEGIN:VEVENT\nUID:ams@x\nDTSTAMP:20260101T000000Z\n"
		   "RECURRENCE-ID:20261109T080000Z\n"
		   "DTSTART;TZID=America/New_York:20261109T080000\n"
		   "DTEND;TZID=America/New_York:20261109T090000\n"
		   "SUMMARY:Moved\nEND:VEVENT\nEND:VCALENDAR\n");
	ck_assert_int_eq(run("calendar import mike@ox.io o.ics >out 2>err"), 0);
	ck_assert_int_eq(run("calendar export mike@ox.io e.ics 2>/dev/null"), 0);
	char *e = read_file("e.ics");
	ck_assert_ptr_nonnull(strstr(e, "SUMMARY:Moved"));
	ck_assert_msg(strstr(e, "DTSTART;TZID=Europe/Amsterdam:20261109T140000") != NULL ||
		      strstr(e, "DTSTART:20261109T130000Z") != NULL, "bad export DTSTART");
}
END_TEST

/* a cancelled orphan for an occurrence the series already EXDATEs. */
START_TEST(orphan_orphan_cancel_exdate)
{
	write_file("s.ics", "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nX-WR-TIMEZONE:Europe/Amsterdam\n"
		   "BEGIN:VEVENT\nUID:ams@x\nDTSTAMP:20260101T000000Z\n"
		   "DTSTART;TZID=Europe/Amsterdam:20261102T090000\n"
		   "DTEND;TZID=Europe/Amsterdam:20261102T100000\n"
		   "RRULE:FREQ=WEEKLY;COUNT=10\nEXDATE;TZID=Europe/Amsterdam:20261109T090000\n"
		   "SUMMARY:Weekly\nEND:VEVENT\nEND:VCALENDAR\n");
	ck_assert_int_eq(run("calendar import mike@ox.io s.ics >/dev/null 2>&1"), 0);
	write_file("o.ics", "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n"
		   "BEGIN:VEVENT\nUID:ams@x\nDTSTAMP:20260101T000000Z\n"
		   "RECURRENCE-ID:20261109T080000Z\nDTSTART:20261109T080000Z\n"
		   "DTEND:20261109T090000Z\nSTATUS:CANCELLED\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR\n");
	int rc = run("calendar import mike@ox.io o.ics >out 2>err");
	ck_assert_msg(rc == 0, "rc %d: %s", rc, read_file("err"));
	ck_assert_uint_eq(items_in("mike", STORE_FOLDER_CALENDAR), 1);
}
END_TEST

/* a zoneless RECURRENCE-ID (the series' 09:00) in an override whose DTSTART has a
 * TZID (New York) from a file without X-WR-TIMEZONE. */
START_TEST(orphan_orphan_floating_rid_zoned_dtstart)
{
	write_file("s.ics", ams_series);
	ck_assert_int_eq(run("calendar import mike@ox.io s.ics >/dev/null 2>&1"), 0);
	write_file("o.ics", "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n"
		   "BEGIN:VEVENT\nUID:ams@x\nDTSTAMP:20260101T000000Z\n"
		   "RECURRENCE-ID:20261109T090000\n"
		   "DTSTART;TZID=America/New_York:20261109T080000\n"
		   "DTEND;TZID=America/New_York:20261109T090000\n"
		   "SUMMARY:MovedNY\nEND:VEVENT\nEND:VCALENDAR\n");
	int rc = run("calendar import mike@ox.io o.ics >out 2>err");
	ck_assert_msg(rc == 0, "rc %d: %s", rc, read_file("err"));
}
END_TEST

int main(int argc, char **argv)
{
	if (find_easctl(argc, argv, "test-easctl-pim") != 0)
		return 1;

	Suite *s = suite_create("easctl-pim");
	TCase *tc = tcase_create("easctl-pim");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, contacts_roundtrip);
	tcase_add_test(tc, contacts_transactional);
	tcase_add_test(tc, tasks_roundtrip);
	tcase_add_test(tc, calendar_reimport_by_uid);
	tcase_add_test(tc, calendar_orphan_override);
	tcase_add_test(tc, calendar_orphan_edges);
	tcase_add_test(tc, orphan_orphan_utc_times);
	tcase_add_test(tc, orphan_orphan_tzid_same_as_file);
	tcase_add_test(tc, orphan_orphan_cancel_exdate);
	tcase_add_test(tc, orphan_orphan_floating_rid_zoned_dtstart);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
