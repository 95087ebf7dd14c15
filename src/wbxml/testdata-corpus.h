/* testdata-corpus.h: realistic EAS requests and responses, for tests and benchmarks only.
 *
 * Header-only on purpose: every non-test .c file in src/wbxml/ goes into the production
 * library, and bench/ builds each .c as its own program, so the corpus is a set of static
 * inline functions included by src/wbxml/test-libwbxml2.c, src/cmd/test-wbxml-xml.c and
 * bench/bench-wbxml.c.
 *
 * A document is written through a corpus_sink, not straight into our encoder, so that the
 * same document can be produced as WBXML by our writer, as an expected tree that owes
 * nothing to our decoder, or as XML for libwbxml2. Builders are deterministic (a fixed
 * pseudo-random sequence), so the same call always gives the same document.
 *
 * Byte arrays of MS-ASDTYPE (ComposeMail Mime, Email2 ConversationId and ConversationIndex,
 * GAL and ResolveRecipients picture Data) are OPAQUE, as Exchange sends them; libwbxml2 shows
 * exactly these as base64 in its XML, so they are cross-checked too. Opaque data elsewhere
 * (corpus_binary_opaque) would be written raw into libwbxml2's XML and is covered by our round
 * trip only. */
#ifndef EASD_TESTDATA_CORPUS_H
#define EASD_TESTDATA_CORPUS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/pool.h"
#include "wbxml/wbxml.h"

/* The tables below are static in a header: not every includer uses all of them. */
#define CORPUS_UNUSED __attribute__((unused))

/* Where a builder writes: start/end of an element with content, its text (STR_I) or
 * opaque bytes, or an element without content (<Tag/>). */
struct corpus_sink {
	void (*start)(void *ctx, uint16_t tag);
	void (*end)(void *ctx);
	void (*str)(void *ctx, const char *s, size_t len);
	void (*opaque)(void *ctx, const void *data, size_t len);
	void (*empty)(void *ctx, uint16_t tag);
	void *ctx;
	uint32_t rand;      /* state of the builders' pseudo-random sequence */
	bool eightbit_mime; /* MIME text parts as raw UTF-8 (8bit) instead of quoted-printable */
};

/* ---- Writing elements ---- */

static inline void cs_start(struct corpus_sink *s, uint16_t tag) { s->start(s->ctx, tag); }
static inline void cs_end(struct corpus_sink *s) { s->end(s->ctx); }
static inline void cs_empty(struct corpus_sink *s, uint16_t tag) { s->empty(s->ctx, tag); }

static inline void cs_strn(struct corpus_sink *s, uint16_t tag, const char *text, size_t len)
{
	s->start(s->ctx, tag);
	s->str(s->ctx, text, len);
	s->end(s->ctx);
}

static inline void cs_str(struct corpus_sink *s, uint16_t tag, const char *text)
{
	cs_strn(s, tag, text, strlen(text));
}

static inline void cs_strf(struct corpus_sink *s, uint16_t tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void cs_strf(struct corpus_sink *s, uint16_t tag, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text))
		n = (int)strlen(text);
	cs_strn(s, tag, text, (size_t)n);
}

static inline void cs_uint(struct corpus_sink *s, uint16_t tag, unsigned long long value)
{
	cs_strf(s, tag, "%llu", value);
}

static inline void cs_opaque(struct corpus_sink *s, uint16_t tag, const void *data, size_t len)
{
	s->start(s->ctx, tag);
	s->opaque(s->ctx, data, len);
	s->end(s->ctx);
}

/* A base64 text element (how EAS carries TimeZone, Picture, certificates as STR_I). */
static inline void cs_base64(struct corpus_sink *s, uint16_t tag, const void *data, size_t len)
{
	buf b = BUF_INIT;

	base64_encode(&b, data, len);
	cs_strn(s, tag, (const char *)b.data, b.len);
	buf_free(&b);
}

/* Next value of the builders' deterministic sequence (a 32-bit LCG, good enough for text). */
static inline uint32_t cs_rand(struct corpus_sink *s)
{
	s->rand = s->rand * 1664525u + 1013904223u;
	return s->rand >> 8;
}

static inline const char *cs_pick(struct corpus_sink *s, const char *const *list, size_t count)
{
	return list[cs_rand(s) % count];
}

#define CS_PICK(s, list) cs_pick((s), (list), sizeof(list) / sizeof((list)[0]))

CORPUS_UNUSED static const char *const corpus_first_names[] = {
	"Alice", "Bob", "Chloé", "Dmitri", "Emma", "François", "Grace", "Hiro", "Ingrid", "Jürgen",
	"Kateřina", "Luis", "Mei", "Noah", "Olga", "Pierre", "Quinn", "Rosa", "Sven", "Tomás",
};
CORPUS_UNUSED static const char *const corpus_last_names[] = {
	"Martin", "Stone", "Dubois", "Ivanov", "Schmidt", "Nakamura", "Müller", "García", "O'Neil",
	"Kowalski", "Rossi", "Lindqvist", "Novák", "Smith", "Yamada", "Øster", "Li", "Brown",
};
CORPUS_UNUSED static const char *const corpus_words[] = {
	"project", "meeting", "budget", "report", "quarterly", "review", "please", "find",
	"attached", "the", "and", "for", "with", "our", "team", "schedule", "update", "customer",
	"delivery", "invoice", "draft", "contract", "next", "week", "thanks", "regards", "agenda",
	"minutes", "server", "migration", "phone", "calendar", "deadline", "Zürich", "café",
	"naïve", "résumé", "東京", "Grüße", "€100", "a&b", "<tag>", "\"quoted\"",
};
CORPUS_UNUSED static const char *const corpus_folder_names[] = {
	"Projects", "Customers", "Archive 2023", "Receipts", "Travel", "Newsletters", "Family",
	"Board & Committees", "Support <tickets>", "Développement", "日本語フォルダ", "Bills",
};

/* Appends count pseudo-random words separated by spaces. */
static inline void cs_words(struct corpus_sink *s, buf *out, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		if (i > 0)
			buf_putc(out, ' ');
		buf_puts(out, CS_PICK(s, corpus_words));
	}
}

/* A pseudo-random sentence of min..min+spread words as an element. */
static inline void cs_sentence(struct corpus_sink *s, uint16_t tag, unsigned min, unsigned spread)
{
	buf b = BUF_INIT;

	cs_words(s, &b, min + cs_rand(s) % (spread + 1));
	cs_strn(s, tag, (const char *)b.data, b.len);
	buf_free(&b);
}

/* An RFC 3339 UTC time stamp derived from n, as EAS writes them. */
static inline void cs_date(struct corpus_sink *s, uint16_t tag, unsigned n)
{
	cs_strf(s, tag, "2024-%02u-%02uT%02u:%02u:00.000Z", 1 + n % 12, 1 + n % 28, n % 24,
		(n * 7) % 60);
}

/* The compact form used in Calendar and Tasks (20240318T093000Z). */
static inline void cs_compact_date(struct corpus_sink *s, uint16_t tag, unsigned n)
{
	cs_strf(s, tag, "2024%02u%02uT%02u%02u00Z", 1 + n % 12, 1 + n % 28, n % 24, (n * 7) % 60);
}

/* ---- Realistic values ---- */

/* Appends a little-endian 16-bit value. */
static inline void cs_le16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
}

/* The 172-byte TIME_ZONE_INFORMATION blob of MS-ASDTYPE for W. Europe (UTC+1, DST from the
 * last Sunday of March 02:00 to the last Sunday of October 03:00), base64 as phones send it. */
static inline void cs_timezone(struct corpus_sink *s, uint16_t tag)
{
	unsigned char tz[172];
	const char *std = "W. Europe Standard Time", *dst = "W. Europe Daylight Time";

	memset(tz, 0, sizeof(tz));
	tz[0] = 0xc4; /* Bias -60 as int32 LE */
	tz[1] = tz[2] = tz[3] = 0xff;
	for (size_t i = 0; std[i] != '\0'; i++)
		cs_le16(tz + 4 + 2 * i, (unsigned char)std[i]);
	cs_le16(tz + 68 + 2, 10); /* StandardDate: month 10, Sunday, 5th week, 03:00 */
	cs_le16(tz + 68 + 6, 5);
	cs_le16(tz + 68 + 8, 3);
	for (size_t i = 0; dst[i] != '\0'; i++)
		cs_le16(tz + 88 + 2 * i, (unsigned char)dst[i]);
	cs_le16(tz + 152 + 2, 3); /* DaylightDate: month 3, Sunday, 5th week, 02:00 */
	cs_le16(tz + 152 + 6, 5);
	cs_le16(tz + 152 + 8, 2);
	tz[168] = 0xc4; /* DaylightBias -60 */
	tz[169] = tz[170] = tz[171] = 0xff;
	cs_base64(s, tag, tz, sizeof(tz));
}

/* Appends line (no line end) quoted-printable encoded (RFC 2045 6.7), then CRLF. */
static inline void cs_qp_line(buf *out, const unsigned char *line, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = line[i];
		bool plain = (c >= 33 && c <= 126 && c != '=') || (c == ' ' && i + 1 < len);
		size_t width = plain ? 1 : 3;
		if (col + width > 75) {
			buf_puts(out, "=\r\n"); /* soft line break */
			col = 0;
		}
		if (plain) {
			buf_putc(out, c);
		} else {
			buf_putc(out, '=');
			buf_putc(out, (unsigned char)hex[c >> 4]);
			buf_putc(out, (unsigned char)hex[c & 15]);
		}
		col += width;
	}
	buf_puts(out, "\r\n");
}

/* Appends one line of body text: raw for an 8bit part, else quoted-printable. */
static inline void cs_body_line(struct corpus_sink *s, buf *out, const char *prefix,
				const char *suffix)
{
	buf line = BUF_INIT;

	buf_puts(&line, prefix);
	cs_words(s, &line, 8 + cs_rand(s) % 8);
	buf_puts(&line, suffix);
	if (s->eightbit_mime) {
		buf_append(out, line.data, line.len);
		buf_puts(out, "\r\n");
	} else {
		cs_qp_line(out, line.data, line.len);
	}
	buf_free(&line);
}

/* Appends an RFC 5322 message of roughly size bytes (text and HTML alternatives, CRLF line
 * ends), as a Sync response carries it with airsyncbase:Type 4. The text parts are
 * quoted-printable, as mail programs send non-ASCII text, or 8bit UTF-8 when the sink says so
 * (the benchmark's harder variant). */
static inline void cs_mime_message(struct corpus_sink *s, buf *out, unsigned n, size_t size)
{
	const char *cte = s->eightbit_mime ? "8bit" : "quoted-printable";
	const char *from_first = CS_PICK(s, corpus_first_names);
	const char *from_last = CS_PICK(s, corpus_last_names);
	uint32_t relay_id = cs_rand(s), message_id = cs_rand(s);
	size_t start = out->len;

	buf_printf(out,
		   "Received: from mx%u.example.org (mx%u.example.org [192.0.2.%u])\r\n"
		   "\tby mail.example.com with ESMTPS id %08x; Mon, 18 Mar 2024 09:%02u:00 +0000\r\n"
		   "From: \"%s %s\" <sender%u@example.org>\r\n"
		   "To: \"Bob Stone\" <bob@example.com>\r\n"
		   "Subject: =?utf-8?q?Quarterly_review_=E2=80=93_part_%u?=\r\n"
		   "Date: Mon, 18 Mar 2024 09:%02u:00 +0000\r\n"
		   "Message-ID: <%08x.%u@example.org>\r\n"
		   "MIME-Version: 1.0\r\n"
		   "Content-Type: multipart/alternative; boundary=\"=_b%u\"\r\n\r\n"
		   "--=_b%u\r\nContent-Type: text/plain; charset=utf-8\r\n"
		   "Content-Transfer-Encoding: %s\r\n\r\n",
		   n % 4, n % 4, 1 + n % 200, relay_id, n % 60, from_first, from_last, n, n,
		   n % 60, message_id, n, n, n, cte);
	size_t text_end = start + size / 2;
	while (out->len < text_end)
		cs_body_line(s, out, "", ".");
	buf_printf(out, "\r\n--=_b%u\r\nContent-Type: text/html; charset=utf-8\r\n"
		   "Content-Transfer-Encoding: %s\r\n\r\n<html><body>\r\n", n, cte);
	while (out->len < start + size)
		cs_body_line(s, out, "<p>", "</p>");
	buf_printf(out, "</body></html>\r\n--=_b%u--\r\n", n);
}

/* ---- Application data of each class ---- */

static inline void corpus_contact(struct corpus_sink *s, unsigned n)
{
	const char *first = CS_PICK(s, corpus_first_names);
	const char *last = CS_PICK(s, corpus_last_names);

	cs_strf(s, WBXML_Contacts_FileAs, "%s, %s", last, first);
	cs_str(s, WBXML_Contacts_FirstName, first);
	cs_str(s, WBXML_Contacts_LastName, last);
	cs_str(s, WBXML_Contacts_MiddleName, "J.");
	cs_str(s, WBXML_Contacts_CompanyName, "Example & Sons Ltd.");
	cs_str(s, WBXML_Contacts_Department, "R&D");
	cs_str(s, WBXML_Contacts_JobTitle, "Engineer");
	cs_strf(s, WBXML_Contacts_Email1Address, "\"%s %s\" <c%u@example.org>", first, last, n);
	cs_strf(s, WBXML_Contacts_Email2Address, "c%u.private@example.net", n);
	cs_strf(s, WBXML_Contacts_MobilePhoneNumber, "+49 170 %07u", 1000000 + n);
	cs_strf(s, WBXML_Contacts_BusinessPhoneNumber, "+49 30 1234-%03u", n % 1000);
	cs_str(s, WBXML_Contacts_HomeAddressStreet, "Hauptstraße 5\r\nHinterhaus");
	cs_str(s, WBXML_Contacts_HomeAddressCity, "Berlin");
	cs_str(s, WBXML_Contacts_HomeAddressPostalCode, "10115");
	cs_str(s, WBXML_Contacts_HomeAddressCountry, "Germany");
	cs_str(s, WBXML_Contacts_Birthday, "1985-04-12T00:00:00.000Z");
	cs_str(s, WBXML_Contacts_WebPage, "https://example.org/~someone?a=1&b=2");
	cs_start(s, WBXML_Contacts_Categories);
	cs_str(s, WBXML_Contacts_Category, "Business");
	cs_str(s, WBXML_Contacts_Category, "VIP");
	cs_end(s);
	cs_start(s, WBXML_Contacts_Children);
	cs_str(s, WBXML_Contacts_Child, "Lena");
	cs_end(s);
	cs_str(s, WBXML_Contacts2_NickName, "JJ");
	cs_str(s, WBXML_Contacts2_IMAddress, "xmpp:someone@example.org");
	cs_str(s, WBXML_Contacts2_ManagerName, "Grace Hopper");
	cs_start(s, WBXML_AirSyncBase_Body);
	cs_uint(s, WBXML_AirSyncBase_Type, 1);
	cs_uint(s, WBXML_AirSyncBase_EstimatedDataSize, 31);
	cs_str(s, WBXML_AirSyncBase_Data, "Met at the conference.\r\nCall.");
	cs_end(s);
	if (n % 2 == 0) {
		static const unsigned char jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F',
						      'I', 'F', 0x00, 0x01, 0x01, 0x00, 0xff, 0xd9 };
		cs_base64(s, WBXML_Contacts_Picture, jpeg, sizeof(jpeg));
	}
}

static inline void corpus_attendee(struct corpus_sink *s, const char *email, const char *name,
				   unsigned status, unsigned type)
{
	cs_start(s, WBXML_Calendar_Attendee);
	cs_str(s, WBXML_Calendar_Email, email);
	cs_str(s, WBXML_Calendar_Name, name);
	cs_uint(s, WBXML_Calendar_AttendeeStatus, status);
	cs_uint(s, WBXML_Calendar_AttendeeType, type);
	cs_end(s);
}

/* A weekly meeting with attendees, a time zone, a recurrence and two exceptions (one deleted,
 * one moved), as a 14.1 phone or server writes it. */
static inline void corpus_event(struct corpus_sink *s, unsigned n)
{
	cs_timezone(s, WBXML_Calendar_Timezone);
	cs_uint(s, WBXML_Calendar_AllDayEvent, 0);
	cs_start(s, WBXML_AirSyncBase_Body);
	cs_uint(s, WBXML_AirSyncBase_Type, 1);
	cs_str(s, WBXML_AirSyncBase_Data, "Agenda:\r\n1. Status\r\n2. Budget <draft>");
	cs_end(s);
	cs_uint(s, WBXML_Calendar_BusyStatus, 2);
	cs_str(s, WBXML_Calendar_OrganizerName, "Alice Martin");
	cs_str(s, WBXML_Calendar_OrganizerEmail, "alice@example.com");
	cs_compact_date(s, WBXML_Calendar_DtStamp, n);
	cs_compact_date(s, WBXML_Calendar_EndTime, n + 1);
	cs_str(s, WBXML_Calendar_Location, "Room 4.12 \"Everest\"");
	cs_uint(s, WBXML_Calendar_Reminder, 15);
	cs_uint(s, WBXML_Calendar_Sensitivity, 0);
	cs_sentence(s, WBXML_Calendar_Subject, 3, 4);
	cs_compact_date(s, WBXML_Calendar_StartTime, n);
	cs_strf(s, WBXML_Calendar_UID, "040000008200E00074C5B7101A82E008000000%08X", n);
	cs_uint(s, WBXML_Calendar_MeetingStatus, 1);
	cs_start(s, WBXML_Calendar_Attendees);
	corpus_attendee(s, "bob@example.com", "Bob Stone", 3, 1);
	corpus_attendee(s, "chloe@example.org", "Chloé Dubois", 5, 1);
	corpus_attendee(s, "room412@example.com", "Room 4.12", 0, 3);
	cs_end(s);
	cs_start(s, WBXML_Calendar_Categories);
	cs_str(s, WBXML_Calendar_Category, "Meetings");
	cs_end(s);
	cs_start(s, WBXML_Calendar_Recurrence);
	cs_uint(s, WBXML_Calendar_Type, 1);
	cs_uint(s, WBXML_Calendar_Interval, 1);
	cs_uint(s, WBXML_Calendar_DayOfWeek, 2 | 8);
	cs_str(s, WBXML_Calendar_Until, "20241231T230000Z");
	cs_uint(s, WBXML_Calendar_FirstDayOfWeek, 1);
	cs_end(s);
	cs_start(s, WBXML_Calendar_Exceptions);
	cs_start(s, WBXML_Calendar_Exception);
	cs_uint(s, WBXML_Calendar_Deleted, 1);
	cs_str(s, WBXML_Calendar_ExceptionStartTime, "20240402T080000Z");
	cs_end(s);
	cs_start(s, WBXML_Calendar_Exception);
	cs_str(s, WBXML_Calendar_ExceptionStartTime, "20240409T080000Z");
	cs_str(s, WBXML_Calendar_StartTime, "20240410T090000Z");
	cs_str(s, WBXML_Calendar_EndTime, "20240410T100000Z");
	cs_str(s, WBXML_Calendar_Subject, "Moved: weekly sync");
	cs_str(s, WBXML_Calendar_Location, "Online");
	cs_uint(s, WBXML_Calendar_BusyStatus, 1);
	cs_start(s, WBXML_Calendar_Attendees);
	corpus_attendee(s, "bob@example.com", "Bob Stone", 4, 1);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_uint(s, WBXML_Calendar_ResponseRequested, 1);
	cs_uint(s, WBXML_Calendar_ResponseType, 1);
	cs_uint(s, WBXML_Calendar_DisallowNewTimeProposal, 0);
}

static inline void corpus_task(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_AirSyncBase_Body);
	cs_uint(s, WBXML_AirSyncBase_Type, 1);
	cs_str(s, WBXML_AirSyncBase_Data, "Collect receipts & file them.");
	cs_end(s);
	cs_sentence(s, WBXML_Tasks_Subject, 2, 4);
	cs_uint(s, WBXML_Tasks_Importance, 2);
	cs_str(s, WBXML_Tasks_UtcStartDate, "2024-03-18T00:00:00.000Z");
	cs_str(s, WBXML_Tasks_StartDate, "2024-03-18T01:00:00.000Z");
	cs_str(s, WBXML_Tasks_UtcDueDate, "2024-03-22T00:00:00.000Z");
	cs_str(s, WBXML_Tasks_DueDate, "2024-03-22T01:00:00.000Z");
	cs_uint(s, WBXML_Tasks_Complete, n % 2);
	if (n % 2 == 1)
		cs_str(s, WBXML_Tasks_DateCompleted, "2024-03-21T16:00:00.000Z");
	cs_start(s, WBXML_Tasks_Categories);
	cs_str(s, WBXML_Tasks_Category, "Errands");
	cs_end(s);
	cs_start(s, WBXML_Tasks_Recurrence);
	cs_uint(s, WBXML_Tasks_Type, 2);
	cs_str(s, WBXML_Tasks_Start, "2024-03-18T00:00:00.000Z");
	cs_uint(s, WBXML_Tasks_Interval, 1);
	cs_uint(s, WBXML_Tasks_DayOfMonth, 18);
	cs_uint(s, WBXML_Tasks_Occurrences, 12);
	cs_uint(s, WBXML_Tasks_Regenerate, 0);
	cs_uint(s, WBXML_Tasks_DeadOccur, 0);
	cs_end(s);
	cs_uint(s, WBXML_Tasks_Sensitivity, 0);
	cs_uint(s, WBXML_Tasks_ReminderSet, 1);
	cs_str(s, WBXML_Tasks_ReminderTime, "2024-03-22T07:00:00.000Z");
}

/* An e-mail as a 14.x Sync or ItemOperations response carries it: headers as fields, the body
 * as MIME (Type 4) of about body_size bytes, and every third mail with two attachments. */
static inline void corpus_email(struct corpus_sink *s, unsigned n, size_t body_size)
{
	const char *first = CS_PICK(s, corpus_first_names);
	const char *last = CS_PICK(s, corpus_last_names);
	buf mime = BUF_INIT;
	unsigned char conv[16], index[22];

	cs_str(s, WBXML_Email_To, "\"Bob Stone\" <bob@example.com>");
	if (n % 3 == 0)
		cs_str(s, WBXML_Email_Cc, "\"Team\" <team@example.com>, carol@example.net");
	cs_strf(s, WBXML_Email_From, "\"%s %s\" <sender%u@example.org>", first, last, n);
	cs_strf(s, WBXML_Email_Subject, "Quarterly review – part %u", n);
	cs_strf(s, WBXML_Email_ReplyTo, "sender%u@example.org", n);
	cs_date(s, WBXML_Email_DateReceived, n);
	cs_str(s, WBXML_Email_DisplayTo, "Bob Stone");
	cs_strf(s, WBXML_Email_ThreadTopic, "Quarterly review – part %u", n);
	cs_uint(s, WBXML_Email_Importance, 1);
	cs_uint(s, WBXML_Email_Read, n % 2);
	if (n % 3 == 0) {
		cs_start(s, WBXML_AirSyncBase_Attachments);
		cs_start(s, WBXML_AirSyncBase_Attachment);
		cs_str(s, WBXML_AirSyncBase_DisplayName, "report Q1.pdf");
		cs_strf(s, WBXML_AirSyncBase_FileReference, "5%%3a%u%%3a0", n);
		cs_uint(s, WBXML_AirSyncBase_Method, 1);
		cs_uint(s, WBXML_AirSyncBase_EstimatedDataSize, 48213);
		cs_end(s);
		cs_start(s, WBXML_AirSyncBase_Attachment);
		cs_str(s, WBXML_AirSyncBase_DisplayName, "logo.png");
		cs_strf(s, WBXML_AirSyncBase_FileReference, "5%%3a%u%%3a1", n);
		cs_uint(s, WBXML_AirSyncBase_Method, 1);
		cs_uint(s, WBXML_AirSyncBase_EstimatedDataSize, 2310);
		cs_strf(s, WBXML_AirSyncBase_ContentId, "logo%u@example.org", n);
		cs_uint(s, WBXML_AirSyncBase_IsInline, 1);
		cs_end(s);
		cs_end(s);
	}
	cs_mime_message(s, &mime, n, body_size);
	cs_start(s, WBXML_AirSyncBase_Body);
	cs_uint(s, WBXML_AirSyncBase_Type, 4);
	cs_uint(s, WBXML_AirSyncBase_EstimatedDataSize, mime.len);
	cs_strn(s, WBXML_AirSyncBase_Data, (const char *)mime.data, mime.len);
	cs_end(s);
	buf_free(&mime);
	cs_str(s, WBXML_Email_MessageClass, "IPM.Note");
	cs_uint(s, WBXML_Email_InternetCPID, 65001);
	cs_start(s, WBXML_Email_Flag);
	if (n % 5 == 0) {
		cs_uint(s, WBXML_Email_Status, 2);
		cs_str(s, WBXML_Email_FlagType, "Follow up");
		cs_str(s, WBXML_Tasks_StartDate, "2024-03-18T00:00:00.000Z");
		cs_str(s, WBXML_Tasks_UtcStartDate, "2024-03-18T00:00:00.000Z");
		cs_str(s, WBXML_Tasks_DueDate, "2024-03-19T00:00:00.000Z");
		cs_str(s, WBXML_Tasks_UtcDueDate, "2024-03-19T00:00:00.000Z");
	}
	cs_end(s);
	cs_str(s, WBXML_Email_ContentClass, "urn:content-classes:message");
	cs_uint(s, WBXML_AirSyncBase_NativeBodyType, 2);
	/* binary ids: a GUID-like 16 bytes and a 22-byte header block (zeros included) */
	for (size_t i = 0; i < sizeof(conv); i++)
		conv[i] = (unsigned char)(cs_rand(s) >> (i % 5 == 0 ? 24 : 0));
	memset(index, 0, sizeof(index));
	index[0] = 0x01;
	for (size_t i = 1; i < 6; i++)
		index[i] = (unsigned char)(n * 31 + i);
	memcpy(index + 6, conv, sizeof(conv));
	cs_opaque(s, WBXML_Email2_ConversationId, conv, sizeof(conv));
	cs_opaque(s, WBXML_Email2_ConversationIndex, index, n % 2 ? sizeof(index) : 5);
	cs_start(s, WBXML_Email_Categories);
	if (n % 4 == 0)
		cs_str(s, WBXML_Email_Category, "Red category");
	cs_end(s);
}

/* ---- FolderSync, FolderCreate ---- */

static inline void corpus_foldersync_request(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_FolderHierarchy_FolderSync);
	cs_str(s, WBXML_FolderHierarchy_SyncKey, n == 0 ? "0" : "{8c4cba38-12ab-4c2e-9a3c}5");
	cs_end(s);
}

/* A first FolderSync answer: the default folders, then count - 7 user folders (count >= 7). */
static inline void corpus_foldersync_response(struct corpus_sink *s, unsigned count)
{
	static const struct { const char *name; unsigned type; } defaults[] = {
		{ "Inbox", 2 }, { "Drafts", 3 }, { "Deleted Items", 4 }, { "Sent Items", 5 },
		{ "Outbox", 6 }, { "Calendar", 8 }, { "Contacts", 9 },
	};
	size_t ndefaults = sizeof(defaults) / sizeof(defaults[0]);

	if (count < ndefaults)
		count = (unsigned)ndefaults;
	cs_start(s, WBXML_FolderHierarchy_FolderSync);
	cs_uint(s, WBXML_FolderHierarchy_Status, 1);
	cs_str(s, WBXML_FolderHierarchy_SyncKey, "{8c4cba38-12ab-4c2e-9a3c}1");
	cs_start(s, WBXML_FolderHierarchy_Changes);
	cs_uint(s, WBXML_FolderHierarchy_Count, count);
	for (unsigned i = 0; i < count; i++) {
		cs_start(s, WBXML_FolderHierarchy_Add);
		cs_uint(s, WBXML_FolderHierarchy_ServerId, i + 1);
		if (i < ndefaults) {
			cs_str(s, WBXML_FolderHierarchy_ParentId, "0");
			cs_str(s, WBXML_FolderHierarchy_DisplayName, defaults[i].name);
			cs_uint(s, WBXML_FolderHierarchy_Type, defaults[i].type);
		} else {
			/* user mail folders under the Inbox or under each other */
			cs_uint(s, WBXML_FolderHierarchy_ParentId, i < 20 ? 1 : 1 + cs_rand(s) % i);
			cs_strf(s, WBXML_FolderHierarchy_DisplayName, "%s %u",
				CS_PICK(s, corpus_folder_names), i);
			cs_uint(s, WBXML_FolderHierarchy_Type, 12);
		}
		cs_end(s);
	}
	cs_end(s);
	cs_end(s);
}

/* A later FolderSync answer with an Update and a Delete. */
static inline void corpus_foldersync_changes(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_FolderHierarchy_FolderSync);
	cs_uint(s, WBXML_FolderHierarchy_Status, 1);
	cs_str(s, WBXML_FolderHierarchy_SyncKey, "{8c4cba38-12ab-4c2e-9a3c}6");
	cs_start(s, WBXML_FolderHierarchy_Changes);
	cs_uint(s, WBXML_FolderHierarchy_Count, 2);
	cs_start(s, WBXML_FolderHierarchy_Update);
	cs_str(s, WBXML_FolderHierarchy_ServerId, "12");
	cs_str(s, WBXML_FolderHierarchy_ParentId, "1");
	cs_str(s, WBXML_FolderHierarchy_DisplayName, "Renamed <folder> & co");
	cs_uint(s, WBXML_FolderHierarchy_Type, 12);
	cs_end(s);
	cs_start(s, WBXML_FolderHierarchy_Delete);
	cs_uint(s, WBXML_FolderHierarchy_ServerId, 13 + n);
	cs_end(s);
	cs_end(s);
	cs_end(s);
}

static inline void corpus_foldercreate_request(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_FolderHierarchy_FolderCreate);
	cs_str(s, WBXML_FolderHierarchy_SyncKey, "{8c4cba38-12ab-4c2e-9a3c}1");
	cs_str(s, WBXML_FolderHierarchy_ParentId, "1");
	cs_strf(s, WBXML_FolderHierarchy_DisplayName, "Rechnungen %u – 2024", n);
	cs_uint(s, WBXML_FolderHierarchy_Type, 12);
	cs_end(s);
}

static inline void corpus_foldercreate_response(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_FolderHierarchy_FolderCreate);
	cs_uint(s, WBXML_FolderHierarchy_Status, 1);
	cs_str(s, WBXML_FolderHierarchy_SyncKey, "{8c4cba38-12ab-4c2e-9a3c}2");
	cs_uint(s, WBXML_FolderHierarchy_ServerId, 200 + n);
	cs_end(s);
}

/* ---- Sync ---- */

static inline void corpus_body_preference(struct corpus_sink *s, unsigned type, unsigned size)
{
	cs_start(s, WBXML_AirSyncBase_BodyPreference);
	cs_uint(s, WBXML_AirSyncBase_Type, type);
	if (size > 0)
		cs_uint(s, WBXML_AirSyncBase_TruncationSize, size);
	cs_end(s);
}

/* A phone's Sync: mail options and fetch, a contact Add, a calendar Change, a Delete, and a
 * task collection with an Add. */
static inline void corpus_sync_request(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_AirSync_Sync);
	cs_start(s, WBXML_AirSync_Collections);

	cs_start(s, WBXML_AirSync_Collection);
	cs_str(s, WBXML_AirSync_SyncKey, "1122334455");
	cs_str(s, WBXML_AirSync_CollectionId, "1");
	cs_empty(s, WBXML_AirSync_DeletesAsMoves);
	cs_empty(s, WBXML_AirSync_GetChanges);
	cs_uint(s, WBXML_AirSync_WindowSize, 25);
	cs_start(s, WBXML_AirSync_Options);
	cs_uint(s, WBXML_AirSync_FilterType, 3);
	corpus_body_preference(s, 2, 51200);
	corpus_body_preference(s, 4, 0);
	cs_uint(s, WBXML_AirSync_MIMESupport, 2);
	cs_end(s);
	cs_start(s, WBXML_AirSync_Commands);
	cs_start(s, WBXML_AirSync_Fetch);
	cs_str(s, WBXML_AirSync_ServerId, "1:17");
	cs_end(s);
	cs_start(s, WBXML_AirSync_Change);
	cs_str(s, WBXML_AirSync_ServerId, "1:18");
	cs_start(s, WBXML_AirSync_ApplicationData);
	cs_uint(s, WBXML_Email_Read, 1);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);

	cs_start(s, WBXML_AirSync_Collection);
	cs_str(s, WBXML_AirSync_SyncKey, "998877");
	cs_str(s, WBXML_AirSync_CollectionId, "7");
	cs_empty(s, WBXML_AirSync_GetChanges);
	cs_start(s, WBXML_AirSync_Commands);
	cs_start(s, WBXML_AirSync_Add);
	cs_strf(s, WBXML_AirSync_ClientId, "client-%u", n);
	cs_start(s, WBXML_AirSync_ApplicationData);
	corpus_contact(s, n);
	cs_end(s);
	cs_end(s);
	cs_start(s, WBXML_AirSync_Delete);
	cs_str(s, WBXML_AirSync_ServerId, "7:3");
	cs_end(s);
	cs_end(s);
	cs_end(s);

	cs_start(s, WBXML_AirSync_Collection);
	cs_str(s, WBXML_AirSync_SyncKey, "44");
	cs_str(s, WBXML_AirSync_CollectionId, "6");
	cs_start(s, WBXML_AirSync_Commands);
	cs_start(s, WBXML_AirSync_Change);
	cs_str(s, WBXML_AirSync_ServerId, "6:42");
	cs_start(s, WBXML_AirSync_ApplicationData);
	corpus_event(s, n);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);

	cs_start(s, WBXML_AirSync_Collection);
	cs_str(s, WBXML_AirSync_SyncKey, "3");
	cs_str(s, WBXML_AirSync_CollectionId, "8");
	cs_start(s, WBXML_AirSync_Commands);
	cs_start(s, WBXML_AirSync_Add);
	cs_str(s, WBXML_AirSync_ClientId, "task-1");
	cs_start(s, WBXML_AirSync_ApplicationData);
	corpus_task(s, n);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);

	cs_end(s);
	cs_uint(s, WBXML_AirSync_WindowSize, 100);
	cs_end(s);
}

/* A server's Sync answer to corpus_sync_request: mail Adds (Change, Delete, SoftDelete too),
 * the Responses to the phone's Adds and Changes, and new contact, event and task. */
static inline void corpus_sync_response(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_AirSync_Sync);
	cs_start(s, WBXML_AirSync_Collections);

	cs_start(s, WBXML_AirSync_Collection);
	cs_str(s, WBXML_AirSync_SyncKey, "1122334456");
	cs_str(s, WBXML_AirSync_CollectionId, "1");
	cs_uint(s, WBXML_AirSync_Status, 1);
	cs_start(s, WBXML_AirSync_Commands);
	for (unsigned i = 0; i < 3; i++) {
		cs_start(s, WBXML_AirSync_Add);
		cs_strf(s, WBXML_AirSync_ServerId, "1:%u", 20 + i);
		cs_start(s, WBXML_AirSync_ApplicationData);
		corpus_email(s, n + i, 900);
		cs_end(s);
		cs_end(s);
	}
	cs_start(s, WBXML_AirSync_Change);
	cs_str(s, WBXML_AirSync_ServerId, "1:5");
	cs_start(s, WBXML_AirSync_ApplicationData);
	cs_uint(s, WBXML_Email_Read, 1);
	cs_start(s, WBXML_Email_Flag);
	cs_uint(s, WBXML_Email_Status, 1);
	cs_str(s, WBXML_Email_CompleteTime, "2024-03-18T10:00:00.000Z");
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_start(s, WBXML_AirSync_Delete);
	cs_str(s, WBXML_AirSync_ServerId, "1:4");
	cs_end(s);
	cs_start(s, WBXML_AirSync_SoftDelete);
	cs_str(s, WBXML_AirSync_ServerId, "1:2");
	cs_end(s);
	cs_end(s);
	cs_start(s, WBXML_AirSync_Responses);
	cs_start(s, WBXML_AirSync_Fetch);
	cs_str(s, WBXML_AirSync_ServerId, "1:17");
	cs_uint(s, WBXML_AirSync_Status, 1);
	cs_start(s, WBXML_AirSync_ApplicationData);
	corpus_email(s, n + 17, 400);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_empty(s, WBXML_AirSync_MoreAvailable);
	cs_end(s);

	cs_start(s, WBXML_AirSync_Collection);
	cs_str(s, WBXML_AirSync_SyncKey, "998878");
	cs_str(s, WBXML_AirSync_CollectionId, "7");
	cs_uint(s, WBXML_AirSync_Status, 1);
	cs_start(s, WBXML_AirSync_Responses);
	cs_start(s, WBXML_AirSync_Add);
	cs_strf(s, WBXML_AirSync_ClientId, "client-%u", n);
	cs_str(s, WBXML_AirSync_ServerId, "7:99");
	cs_uint(s, WBXML_AirSync_Status, 1);
	cs_end(s);
	cs_end(s);
	cs_start(s, WBXML_AirSync_Commands);
	cs_start(s, WBXML_AirSync_Add);
	cs_str(s, WBXML_AirSync_ServerId, "7:100");
	cs_start(s, WBXML_AirSync_ApplicationData);
	corpus_contact(s, n + 1);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);

	cs_start(s, WBXML_AirSync_Collection);
	cs_str(s, WBXML_AirSync_SyncKey, "45");
	cs_str(s, WBXML_AirSync_CollectionId, "6");
	cs_uint(s, WBXML_AirSync_Status, 1);
	cs_start(s, WBXML_AirSync_Responses);
	cs_start(s, WBXML_AirSync_Change);
	cs_str(s, WBXML_AirSync_ServerId, "6:42");
	cs_uint(s, WBXML_AirSync_Status, 7);
	cs_end(s);
	cs_end(s);
	cs_start(s, WBXML_AirSync_Commands);
	cs_start(s, WBXML_AirSync_Add);
	cs_str(s, WBXML_AirSync_ServerId, "6:43");
	cs_start(s, WBXML_AirSync_ApplicationData);
	corpus_event(s, n + 2);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);

	cs_start(s, WBXML_AirSync_Collection);
	cs_str(s, WBXML_AirSync_SyncKey, "4");
	cs_str(s, WBXML_AirSync_CollectionId, "8");
	cs_uint(s, WBXML_AirSync_Status, 1);
	cs_start(s, WBXML_AirSync_Responses);
	cs_start(s, WBXML_AirSync_Add);
	cs_str(s, WBXML_AirSync_ClientId, "task-1");
	cs_str(s, WBXML_AirSync_ServerId, "8:1");
	cs_uint(s, WBXML_AirSync_Status, 1);
	cs_end(s);
	cs_end(s);
	cs_start(s, WBXML_AirSync_Commands);
	cs_start(s, WBXML_AirSync_Add);
	cs_str(s, WBXML_AirSync_ServerId, "8:2");
	cs_start(s, WBXML_AirSync_ApplicationData);
	corpus_task(s, n + 1);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);

	cs_end(s);
	cs_end(s);
}

/* The benchmark's big answer: one Inbox collection with count e-mails of about body_size bytes
 * of MIME each (500 x 6 KB is the 3 MB initial sync of a busy Inbox). */
static inline void corpus_sync_emails(struct corpus_sink *s, unsigned count, size_t body_size)
{
	cs_start(s, WBXML_AirSync_Sync);
	cs_start(s, WBXML_AirSync_Collections);
	cs_start(s, WBXML_AirSync_Collection);
	cs_str(s, WBXML_AirSync_SyncKey, "1122334457");
	cs_str(s, WBXML_AirSync_CollectionId, "1");
	cs_uint(s, WBXML_AirSync_Status, 1);
	cs_start(s, WBXML_AirSync_Commands);
	for (unsigned i = 0; i < count; i++) {
		cs_start(s, WBXML_AirSync_Add);
		cs_strf(s, WBXML_AirSync_ServerId, "1:%u", 1000 + i);
		cs_start(s, WBXML_AirSync_ApplicationData);
		corpus_email(s, i, body_size - body_size / 8 + cs_rand(s) % (body_size / 4 + 1));
		cs_end(s);
		cs_end(s);
	}
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);
}

/* ---- GetItemEstimate, Ping, MoveItems ---- */

static inline void corpus_getitemestimate_request(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_GetItemEstimate_GetItemEstimate);
	cs_start(s, WBXML_GetItemEstimate_Collections);
	for (unsigned i = 0; i < 2; i++) {
		cs_start(s, WBXML_GetItemEstimate_Collection);
		cs_strf(s, WBXML_AirSync_SyncKey, "%u", 1122334455 + n + i);
		cs_uint(s, WBXML_GetItemEstimate_CollectionId, 1 + i);
		cs_start(s, WBXML_AirSync_Options);
		cs_uint(s, WBXML_AirSync_FilterType, 3);
		cs_end(s);
		cs_end(s);
	}
	cs_end(s);
	cs_end(s);
}

static inline void corpus_getitemestimate_response(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_GetItemEstimate_GetItemEstimate);
	for (unsigned i = 0; i < 2; i++) {
		cs_start(s, WBXML_GetItemEstimate_Response);
		cs_uint(s, WBXML_GetItemEstimate_Status, 1);
		cs_start(s, WBXML_GetItemEstimate_Collection);
		cs_uint(s, WBXML_GetItemEstimate_CollectionId, 1 + i);
		cs_uint(s, WBXML_GetItemEstimate_Estimate, 17 * (n + i));
		cs_end(s);
		cs_end(s);
	}
	cs_end(s);
}

static inline void corpus_ping_request(struct corpus_sink *s, unsigned n)
{
	static const struct { const char *id, *class; } folders[] = {
		{ "1", "Email" }, { "6", "Calendar" }, { "7", "Contacts" }, { "8", "Tasks" },
	};

	cs_start(s, WBXML_Ping_Ping);
	cs_uint(s, WBXML_Ping_HeartbeatInterval, 480 + n);
	cs_start(s, WBXML_Ping_Folders);
	for (size_t i = 0; i < sizeof(folders) / sizeof(folders[0]); i++) {
		cs_start(s, WBXML_Ping_Folder);
		cs_str(s, WBXML_Ping_Id, folders[i].id);
		cs_str(s, WBXML_Ping_Class, folders[i].class);
		cs_end(s);
	}
	cs_end(s);
	cs_end(s);
}

static inline void corpus_ping_response(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_Ping_Ping);
	cs_uint(s, WBXML_Ping_Status, 2);
	cs_start(s, WBXML_Ping_Folders);
	cs_str(s, WBXML_Ping_Folder, "1");
	if (n % 2 == 0)
		cs_str(s, WBXML_Ping_Folder, "7");
	cs_end(s);
	cs_end(s);
}

static inline void corpus_moveitems_request(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_Move_MoveItems);
	for (unsigned i = 0; i < 3; i++) {
		cs_start(s, WBXML_Move_Move);
		cs_strf(s, WBXML_Move_SrcMsgId, "1:%u", 30 + n + i);
		cs_str(s, WBXML_Move_SrcFldId, "1");
		cs_str(s, WBXML_Move_DstFldId, "12");
		cs_end(s);
	}
	cs_end(s);
}

static inline void corpus_moveitems_response(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_Move_MoveItems);
	for (unsigned i = 0; i < 3; i++) {
		cs_start(s, WBXML_Move_Response);
		cs_strf(s, WBXML_Move_SrcMsgId, "1:%u", 30 + n + i);
		cs_uint(s, WBXML_Move_Status, i == 2 ? 1 : 3);
		if (i != 2)
			cs_strf(s, WBXML_Move_DstMsgId, "12:%u", 1 + i);
		cs_end(s);
	}
	cs_end(s);
}

/* ---- ItemOperations ---- */

static inline void corpus_itemoperations_request(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_ItemOperations_ItemOperations);
	cs_start(s, WBXML_ItemOperations_Fetch);
	cs_str(s, WBXML_ItemOperations_Store, "Mailbox");
	cs_str(s, WBXML_AirSync_CollectionId, "1");
	cs_strf(s, WBXML_AirSync_ServerId, "1:%u", 20 + n);
	cs_start(s, WBXML_ItemOperations_Options);
	corpus_body_preference(s, 4, 0);
	cs_end(s);
	cs_end(s);
	cs_start(s, WBXML_ItemOperations_Fetch);
	cs_str(s, WBXML_ItemOperations_Store, "Mailbox");
	cs_strf(s, WBXML_AirSyncBase_FileReference, "5%%3a%u%%3a0", n);
	cs_end(s);
	cs_start(s, WBXML_ItemOperations_EmptyFolderContents);
	cs_str(s, WBXML_AirSync_CollectionId, "4");
	cs_start(s, WBXML_ItemOperations_Options);
	cs_empty(s, WBXML_ItemOperations_DeleteSubFolders);
	cs_end(s);
	cs_end(s);
	cs_end(s);
}

static inline void corpus_itemoperations_response(struct corpus_sink *s, unsigned n)
{
	unsigned char pdf[600];

	for (size_t i = 0; i < sizeof(pdf); i++)
		pdf[i] = (unsigned char)cs_rand(s);
	memcpy(pdf, "%PDF-1.7\n", 9);
	cs_start(s, WBXML_ItemOperations_ItemOperations);
	cs_uint(s, WBXML_ItemOperations_Status, 1);
	cs_start(s, WBXML_ItemOperations_Response);
	cs_start(s, WBXML_ItemOperations_Fetch);
	cs_uint(s, WBXML_ItemOperations_Status, 1);
	cs_str(s, WBXML_AirSync_CollectionId, "1");
	cs_strf(s, WBXML_AirSync_ServerId, "1:%u", 20 + n);
	cs_str(s, WBXML_AirSync_Class, "Email");
	cs_start(s, WBXML_ItemOperations_Properties);
	corpus_email(s, n, 1500);
	cs_end(s);
	cs_end(s);
	cs_start(s, WBXML_ItemOperations_Fetch);
	cs_uint(s, WBXML_ItemOperations_Status, 1);
	cs_strf(s, WBXML_AirSyncBase_FileReference, "5%%3a%u%%3a0", n);
	cs_start(s, WBXML_ItemOperations_Properties);
	cs_str(s, WBXML_AirSyncBase_ContentType, "application/pdf");
	cs_base64(s, WBXML_ItemOperations_Data, pdf, sizeof(pdf));
	cs_end(s);
	cs_end(s);
	cs_start(s, WBXML_ItemOperations_EmptyFolderContents);
	cs_uint(s, WBXML_ItemOperations_Status, 1);
	cs_str(s, WBXML_AirSync_CollectionId, "4");
	cs_end(s);
	cs_end(s);
	cs_end(s);
}

/* ---- Search: mailbox and GAL ---- */

static inline void corpus_search_mailbox_request(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_Search_Search);
	cs_start(s, WBXML_Search_Store);
	cs_str(s, WBXML_Search_Name, "Mailbox");
	cs_start(s, WBXML_Search_Query);
	cs_start(s, WBXML_Search_And);
	cs_str(s, WBXML_AirSync_Class, "Email");
	cs_str(s, WBXML_AirSync_CollectionId, "1");
	cs_str(s, WBXML_Search_FreeText, n % 2 ? "Quarterly review" : "Präsentation & Budget");
	cs_start(s, WBXML_Search_GreaterThan);
	cs_empty(s, WBXML_Email_DateReceived);
	cs_str(s, WBXML_Search_Value, "2024-01-01T00:00:00.000Z");
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_start(s, WBXML_Search_Options);
	cs_empty(s, WBXML_Search_RebuildResults);
	cs_str(s, WBXML_Search_Range, "0-9");
	cs_empty(s, WBXML_Search_DeepTraversal);
	corpus_body_preference(s, 2, 5120);
	cs_end(s);
	cs_end(s);
	cs_end(s);
}

static inline void corpus_search_mailbox_response(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_Search_Search);
	cs_uint(s, WBXML_Search_Status, 1);
	cs_start(s, WBXML_Search_Response);
	cs_start(s, WBXML_Search_Store);
	cs_uint(s, WBXML_Search_Status, 1);
	for (unsigned i = 0; i < 2; i++) {
		cs_start(s, WBXML_Search_Result);
		cs_str(s, WBXML_AirSync_Class, "Email");
		cs_strf(s, WBXML_Search_LongId, "RgAAAAD%08uAAAJ", n + i);
		cs_str(s, WBXML_AirSync_CollectionId, "1");
		cs_start(s, WBXML_Search_Properties);
		cs_strf(s, WBXML_Email_Subject, "Quarterly review – part %u", n + i);
		cs_date(s, WBXML_Email_DateReceived, n + i);
		cs_str(s, WBXML_Email_From, "\"Alice Martin\" <alice@example.org>");
		cs_str(s, WBXML_Email_DisplayTo, "Bob Stone");
		cs_uint(s, WBXML_Email_Read, 1);
		cs_start(s, WBXML_AirSyncBase_Body);
		cs_uint(s, WBXML_AirSyncBase_Type, 2);
		cs_uint(s, WBXML_AirSyncBase_EstimatedDataSize, 2048);
		cs_uint(s, WBXML_AirSyncBase_Truncated, 1);
		cs_str(s, WBXML_AirSyncBase_Data, "<html><body><p>Hello &amp; welcome</p>");
		cs_end(s);
		cs_end(s);
		cs_end(s);
	}
	cs_str(s, WBXML_Search_Range, "0-1");
	cs_uint(s, WBXML_Search_Total, 2);
	cs_end(s);
	cs_end(s);
	cs_end(s);
}

static inline void corpus_search_gal_request(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_Search_Search);
	cs_start(s, WBXML_Search_Store);
	cs_str(s, WBXML_Search_Name, "GAL");
	cs_str(s, WBXML_Search_Query, n % 2 ? "smi" : "Mül");
	cs_start(s, WBXML_Search_Options);
	cs_str(s, WBXML_Search_Range, "0-99");
	cs_start(s, WBXML_Search_Picture);
	cs_uint(s, WBXML_Search_MaxSize, 10240);
	cs_uint(s, WBXML_Search_MaxPictures, 5);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);
}

/* A GAL search answer with count entries; every tenth has a photo. */
static inline void corpus_search_gal_response(struct corpus_sink *s, unsigned count)
{
	unsigned char photo[1500];

	cs_start(s, WBXML_Search_Search);
	cs_uint(s, WBXML_Search_Status, 1);
	cs_start(s, WBXML_Search_Response);
	cs_start(s, WBXML_Search_Store);
	cs_uint(s, WBXML_Search_Status, 1);
	for (unsigned i = 0; i < count; i++) {
		const char *first = CS_PICK(s, corpus_first_names);
		const char *last = CS_PICK(s, corpus_last_names);

		cs_start(s, WBXML_Search_Result);
		cs_start(s, WBXML_Search_Properties);
		cs_strf(s, WBXML_GAL_DisplayName, "%s %s", first, last);
		cs_strf(s, WBXML_GAL_Phone, "+1 425 555 %04u", i);
		cs_strf(s, WBXML_GAL_Office, "Building %u/%u", 1 + i % 40, 100 + i);
		cs_str(s, WBXML_GAL_Title, i % 7 == 0 ? "Director" : "Engineer");
		cs_str(s, WBXML_GAL_Company, "Example & Sons Ltd.");
		cs_strf(s, WBXML_GAL_Alias, "user%u", i);
		cs_str(s, WBXML_GAL_FirstName, first);
		cs_str(s, WBXML_GAL_LastName, last);
		cs_strf(s, WBXML_GAL_MobilePhone, "+1 425 555 %04u", 9999 - i);
		cs_strf(s, WBXML_GAL_EmailAddress, "user%u@example.com", i);
		if (i % 10 == 0) {
			for (size_t j = 0; j < sizeof(photo); j++)
				photo[j] = (unsigned char)cs_rand(s);
			cs_start(s, WBXML_GAL_Picture);
			cs_uint(s, WBXML_GAL_Status, 1);
			cs_opaque(s, WBXML_GAL_Data, photo, sizeof(photo));
			cs_end(s);
		}
		cs_end(s);
		cs_end(s);
	}
	cs_strf(s, WBXML_Search_Range, "0-%u", count > 0 ? count - 1 : 0);
	cs_uint(s, WBXML_Search_Total, count);
	cs_end(s);
	cs_end(s);
	cs_end(s);
}

/* ---- Provision, Settings ---- */

static inline void corpus_device_information(struct corpus_sink *s)
{
	cs_start(s, WBXML_Settings_DeviceInformation);
	cs_start(s, WBXML_Settings_Set);
	cs_str(s, WBXML_Settings_Model, "SM-G991B");
	cs_str(s, WBXML_Settings_IMEI, "350000000000001");
	cs_str(s, WBXML_Settings_FriendlyName, "Bob's Galaxy");
	cs_str(s, WBXML_Settings_OS, "Android 14");
	cs_str(s, WBXML_Settings_OSLanguage, "de-DE");
	cs_str(s, WBXML_Settings_PhoneNumber, "+49 170 0000001");
	cs_str(s, WBXML_Settings_UserAgent, "Android-SAMSUNG-SM-G991B/101.140102");
	cs_uint(s, WBXML_Settings_EnableOutboundSMS, 0);
	cs_str(s, WBXML_Settings_MobileOperator, "Telekom.de");
	cs_end(s);
	cs_end(s);
}

static inline void corpus_provision_request(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_Provision_Provision);
	corpus_device_information(s);
	cs_start(s, WBXML_Provision_Policies);
	cs_start(s, WBXML_Provision_Policy);
	cs_str(s, WBXML_Provision_PolicyType, "MS-EAS-Provisioning-WBXML");
	if (n % 2 == 1) {
		/* the acknowledgement of the second round */
		cs_str(s, WBXML_Provision_PolicyKey, "1307199584");
		cs_uint(s, WBXML_Provision_Status, 1);
	}
	cs_end(s);
	cs_end(s);
	cs_end(s);
}

static inline void corpus_provision_response(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_Provision_Provision);
	cs_uint(s, WBXML_Provision_Status, 1);
	cs_start(s, WBXML_Settings_DeviceInformation);
	cs_uint(s, WBXML_Settings_Status, 1);
	cs_end(s);
	cs_start(s, WBXML_Provision_Policies);
	cs_start(s, WBXML_Provision_Policy);
	cs_str(s, WBXML_Provision_PolicyType, "MS-EAS-Provisioning-WBXML");
	cs_uint(s, WBXML_Provision_Status, 1);
	cs_uint(s, WBXML_Provision_PolicyKey, 1307199584u + n);
	cs_start(s, WBXML_Provision_Data);
	cs_start(s, WBXML_Provision_EASProvisionDoc);
	cs_uint(s, WBXML_Provision_DevicePasswordEnabled, 1);
	cs_uint(s, WBXML_Provision_AlphanumericDevicePasswordRequired, 0);
	cs_uint(s, WBXML_Provision_PasswordRecoveryEnabled, 0);
	cs_uint(s, WBXML_Provision_RequireDeviceEncryption, 1);
	cs_uint(s, WBXML_Provision_AttachmentsEnabled, 1);
	cs_uint(s, WBXML_Provision_MinDevicePasswordLength, 6);
	cs_uint(s, WBXML_Provision_MaxInactivityTimeDeviceLock, 900);
	cs_uint(s, WBXML_Provision_MaxDevicePasswordFailedAttempts, 8);
	cs_empty(s, WBXML_Provision_MaxAttachmentSize);
	cs_uint(s, WBXML_Provision_AllowSimpleDevicePassword, 0);
	cs_empty(s, WBXML_Provision_DevicePasswordExpiration);
	cs_uint(s, WBXML_Provision_DevicePasswordHistory, 0);
	cs_uint(s, WBXML_Provision_AllowStorageCard, 1);
	cs_uint(s, WBXML_Provision_AllowCamera, 1);
	cs_uint(s, WBXML_Provision_AllowUnsignedApplications, 1);
	cs_uint(s, WBXML_Provision_AllowUnsignedInstallationPackages, 1);
	cs_uint(s, WBXML_Provision_MinDevicePasswordComplexCharacters, 1);
	cs_uint(s, WBXML_Provision_AllowWiFi, 1);
	cs_uint(s, WBXML_Provision_AllowTextMessaging, 1);
	cs_uint(s, WBXML_Provision_AllowPOPIMAPEmail, 1);
	cs_uint(s, WBXML_Provision_AllowBluetooth, 2);
	cs_uint(s, WBXML_Provision_AllowIrDA, 1);
	cs_uint(s, WBXML_Provision_RequireManualSyncWhenRoaming, 0);
	cs_uint(s, WBXML_Provision_AllowDesktopSync, 1);
	cs_uint(s, WBXML_Provision_MaxCalendarAgeFilter, 0);
	cs_uint(s, WBXML_Provision_AllowHTMLEmail, 1);
	cs_uint(s, WBXML_Provision_MaxEmailAgeFilter, 0);
	cs_uint(s, WBXML_Provision_MaxEmailBodyTruncationSize, 0xffffffffu);
	cs_uint(s, WBXML_Provision_MaxEmailHTMLBodyTruncationSize, 0xffffffffu);
	cs_uint(s, WBXML_Provision_RequireSignedSMIMEMessages, 0);
	cs_uint(s, WBXML_Provision_RequireEncryptedSMIMEMessages, 0);
	cs_uint(s, WBXML_Provision_RequireSignedSMIMEAlgorithm, 0);
	cs_uint(s, WBXML_Provision_RequireEncryptionSMIMEAlgorithm, 0);
	cs_uint(s, WBXML_Provision_AllowSMIMEEncryptionAlgorithmNegotiation, 2);
	cs_uint(s, WBXML_Provision_AllowSMIMESoftCerts, 1);
	cs_uint(s, WBXML_Provision_AllowBrowser, 1);
	cs_uint(s, WBXML_Provision_AllowConsumerEmail, 1);
	cs_uint(s, WBXML_Provision_AllowRemoteDesktop, 1);
	cs_uint(s, WBXML_Provision_AllowInternetSharing, 1);
	cs_start(s, WBXML_Provision_UnapprovedInROMApplicationList);
	cs_str(s, WBXML_Provision_ApplicationName, "Games.exe");
	cs_end(s);
	cs_start(s, WBXML_Provision_ApprovedApplicationList);
	cs_str(s, WBXML_Provision_Hash, "3F2B1A0C9D8E7F6A5B4C3D2E1F0A9B8C7D6E5F4A");
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);
}

/* The answer that wipes the phone. */
static inline void corpus_provision_wipe(struct corpus_sink *s, unsigned n)
{
	(void)n;
	cs_start(s, WBXML_Provision_Provision);
	cs_uint(s, WBXML_Provision_Status, 1);
	cs_empty(s, WBXML_Provision_RemoteWipe);
	cs_end(s);
}

static inline void corpus_settings_request(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_Settings_Settings);
	cs_start(s, WBXML_Settings_Oof);
	if (n % 2 == 0) {
		cs_start(s, WBXML_Settings_Get);
		cs_str(s, WBXML_Settings_BodyType, "Text");
		cs_end(s);
	} else {
		cs_start(s, WBXML_Settings_Set);
		cs_uint(s, WBXML_Settings_OofState, 2);
		cs_str(s, WBXML_Settings_StartTime, "2024-07-01T00:00:00.000Z");
		cs_str(s, WBXML_Settings_EndTime, "2024-07-15T00:00:00.000Z");
		cs_start(s, WBXML_Settings_OofMessage);
		cs_empty(s, WBXML_Settings_AppliesToInternal);
		cs_uint(s, WBXML_Settings_Enabled, 1);
		cs_str(s, WBXML_Settings_ReplyMessage, "Im Urlaub bis 15.7. – bitte an Grace wenden.");
		cs_str(s, WBXML_Settings_BodyType, "Text");
		cs_end(s);
		cs_end(s);
	}
	cs_end(s);
	corpus_device_information(s);
	cs_start(s, WBXML_Settings_UserInformation);
	cs_empty(s, WBXML_Settings_Get);
	cs_end(s);
	cs_end(s);
}

static inline void corpus_settings_response(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_Settings_Settings);
	cs_uint(s, WBXML_Settings_Status, 1);
	cs_start(s, WBXML_Settings_Oof);
	cs_uint(s, WBXML_Settings_Status, 1);
	cs_start(s, WBXML_Settings_Get);
	cs_uint(s, WBXML_Settings_OofState, n % 3);
	cs_str(s, WBXML_Settings_StartTime, "2024-07-01T00:00:00.000Z");
	cs_str(s, WBXML_Settings_EndTime, "2024-07-15T00:00:00.000Z");
	cs_start(s, WBXML_Settings_OofMessage);
	cs_empty(s, WBXML_Settings_AppliesToInternal);
	cs_uint(s, WBXML_Settings_Enabled, 1);
	cs_str(s, WBXML_Settings_ReplyMessage, "Out of office until July 15th.");
	cs_str(s, WBXML_Settings_BodyType, "Text");
	cs_end(s);
	cs_start(s, WBXML_Settings_OofMessage);
	cs_empty(s, WBXML_Settings_AppliesToExternalKnown);
	cs_uint(s, WBXML_Settings_Enabled, 0);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_start(s, WBXML_Settings_DeviceInformation);
	cs_uint(s, WBXML_Settings_Status, 1);
	cs_end(s);
	cs_start(s, WBXML_Settings_UserInformation);
	cs_uint(s, WBXML_Settings_Status, 1);
	cs_start(s, WBXML_Settings_Get);
	cs_start(s, WBXML_Settings_Accounts);
	cs_start(s, WBXML_Settings_Account);
	cs_str(s, WBXML_Settings_UserDisplayName, "Bob Stone");
	cs_start(s, WBXML_Settings_EmailAddresses);
	cs_str(s, WBXML_Settings_SMTPAddress, "bob@example.com");
	cs_str(s, WBXML_Settings_SMTPAddress, "b.stone@example.com");
	cs_str(s, WBXML_Settings_PrimarySmtpAddress, "bob@example.com");
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);
}

/* ---- MeetingResponse, ResolveRecipients ---- */

static inline void corpus_meetingresponse_request(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_MeetingResponse_MeetingResponse);
	cs_start(s, WBXML_MeetingResponse_Request);
	cs_uint(s, WBXML_MeetingResponse_UserResponse, 1 + n % 3);
	cs_str(s, WBXML_MeetingResponse_CollectionId, "1");
	cs_strf(s, WBXML_MeetingResponse_RequestId, "1:%u", 40 + n);
	cs_end(s);
	cs_start(s, WBXML_MeetingResponse_Request);
	cs_uint(s, WBXML_MeetingResponse_UserResponse, 3);
	cs_str(s, WBXML_MeetingResponse_CollectionId, "6");
	cs_str(s, WBXML_MeetingResponse_RequestId, "6:43");
	cs_str(s, WBXML_MeetingResponse_InstanceId, "2024-04-16T08:00:00.000Z");
	cs_end(s);
	cs_end(s);
}

static inline void corpus_meetingresponse_response(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_MeetingResponse_MeetingResponse);
	cs_start(s, WBXML_MeetingResponse_Result);
	cs_strf(s, WBXML_MeetingResponse_RequestId, "1:%u", 40 + n);
	cs_uint(s, WBXML_MeetingResponse_Status, 1);
	cs_str(s, WBXML_MeetingResponse_CalendarId, "6:44");
	cs_end(s);
	cs_start(s, WBXML_MeetingResponse_Result);
	cs_str(s, WBXML_MeetingResponse_RequestId, "6:43");
	cs_uint(s, WBXML_MeetingResponse_Status, 1);
	cs_end(s);
	cs_end(s);
}

static inline void corpus_resolverecipients_request(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_ResolveRecipients_ResolveRecipients);
	cs_str(s, WBXML_ResolveRecipients_To, "bob@example.com");
	cs_str(s, WBXML_ResolveRecipients_To, n % 2 ? "Smith" : "Müller");
	cs_start(s, WBXML_ResolveRecipients_Options);
	cs_uint(s, WBXML_ResolveRecipients_CertificateRetrieval, 2);
	cs_uint(s, WBXML_ResolveRecipients_MaxCertificates, 9);
	cs_uint(s, WBXML_ResolveRecipients_MaxAmbiguousRecipients, 5);
	cs_start(s, WBXML_ResolveRecipients_Availability);
	cs_str(s, WBXML_ResolveRecipients_StartTime, "2024-03-18T08:00:00.000Z");
	cs_str(s, WBXML_ResolveRecipients_EndTime, "2024-03-18T18:00:00.000Z");
	cs_end(s);
	cs_start(s, WBXML_ResolveRecipients_Picture);
	cs_uint(s, WBXML_ResolveRecipients_MaxSize, 10240);
	cs_uint(s, WBXML_ResolveRecipients_MaxPictures, 2);
	cs_end(s);
	cs_end(s);
	cs_end(s);
}

static inline void corpus_resolverecipients_response(struct corpus_sink *s, unsigned n)
{
	unsigned char cert[300];

	for (size_t i = 0; i < sizeof(cert); i++)
		cert[i] = (unsigned char)cs_rand(s);
	cert[0] = 0x30;
	cert[1] = 0x82;
	cs_start(s, WBXML_ResolveRecipients_ResolveRecipients);
	cs_uint(s, WBXML_ResolveRecipients_Status, 1);
	cs_start(s, WBXML_ResolveRecipients_Response);
	cs_str(s, WBXML_ResolveRecipients_To, "bob@example.com");
	cs_uint(s, WBXML_ResolveRecipients_Status, 1);
	cs_uint(s, WBXML_ResolveRecipients_RecipientCount, 1);
	cs_start(s, WBXML_ResolveRecipients_Recipient);
	cs_uint(s, WBXML_ResolveRecipients_Type, 1);
	cs_str(s, WBXML_ResolveRecipients_DisplayName, "Bob Stone");
	cs_str(s, WBXML_ResolveRecipients_EmailAddress, "bob@example.com");
	cs_start(s, WBXML_ResolveRecipients_Availability);
	cs_uint(s, WBXML_ResolveRecipients_Status, 1);
	cs_str(s, WBXML_ResolveRecipients_MergedFreeBusy, "00002222000011110000");
	cs_end(s);
	cs_start(s, WBXML_ResolveRecipients_Certificates);
	cs_uint(s, WBXML_ResolveRecipients_Status, 1);
	cs_uint(s, WBXML_ResolveRecipients_CertificateCount, 1);
	cs_uint(s, WBXML_ResolveRecipients_RecipientCount, 1);
	cs_base64(s, WBXML_ResolveRecipients_Certificate, cert, sizeof(cert));
	cs_end(s);
	cs_start(s, WBXML_ResolveRecipients_Picture);
	cs_uint(s, WBXML_ResolveRecipients_Status, 1);
	cs_opaque(s, WBXML_ResolveRecipients_Data, cert + 100, 120);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_start(s, WBXML_ResolveRecipients_Response);
	cs_str(s, WBXML_ResolveRecipients_To, n % 2 ? "Smith" : "Müller");
	cs_uint(s, WBXML_ResolveRecipients_Status, 2);
	cs_uint(s, WBXML_ResolveRecipients_RecipientCount, 2);
	for (unsigned i = 0; i < 2; i++) {
		cs_start(s, WBXML_ResolveRecipients_Recipient);
		cs_uint(s, WBXML_ResolveRecipients_Type, 2);
		cs_strf(s, WBXML_ResolveRecipients_DisplayName, "Kim Müller %u", i);
		cs_strf(s, WBXML_ResolveRecipients_EmailAddress, "kim%u@example.org", i);
		cs_end(s);
	}
	cs_end(s);
	cs_end(s);
}

/* ---- SendMail, SmartReply (14.0 and later: ComposeMail with the message as Mime) ---- */

static inline void corpus_sendmail_request(struct corpus_sink *s, unsigned n)
{
	buf mime = BUF_INIT;

	cs_mime_message(s, &mime, n, 1200);
	cs_start(s, WBXML_ComposeMail_SendMail);
	cs_strf(s, WBXML_ComposeMail_ClientId, "SendMail-%u-638462%u", n, n * 7);
	cs_empty(s, WBXML_ComposeMail_SaveInSentItems);
	cs_opaque(s, WBXML_ComposeMail_Mime, mime.data, mime.len);
	cs_end(s);
	buf_free(&mime);
}

static inline void corpus_smartreply_request(struct corpus_sink *s, unsigned n)
{
	static const char reply[] = "From: bob@example.com\r\nTo: alice@example.org\r\n"
		"Subject: Re: Quarterly review\r\nMIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\nAgreed, thanks!\r\n";

	cs_start(s, WBXML_ComposeMail_SmartReply);
	cs_strf(s, WBXML_ComposeMail_ClientId, "SmartReply-%u", n);
	cs_start(s, WBXML_ComposeMail_Source);
	cs_str(s, WBXML_ComposeMail_FolderId, "1");
	cs_strf(s, WBXML_ComposeMail_ItemId, "1:%u", 20 + n);
	cs_end(s);
	cs_empty(s, WBXML_ComposeMail_SaveInSentItems);
	cs_opaque(s, WBXML_ComposeMail_Mime, reply, sizeof(reply) - 1);
	cs_end(s);
}

static inline void corpus_sendmail_response(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_ComposeMail_SendMail);
	cs_uint(s, WBXML_ComposeMail_Status, n % 2 ? 120 : 110);
	cs_end(s);
}

/* ---- Find (16.1, page 25: not in libwbxml2, covered by round trip and known bytes) ---- */

static inline void corpus_find_request(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_Find_Find);
	cs_strf(s, WBXML_Find_SearchId, "2d4c8a1e-9b3f-4e7a-8c21-%012u", n);
	cs_start(s, WBXML_Find_ExecuteSearch);
	cs_start(s, WBXML_Find_MailBoxSearchCriterion);
	cs_start(s, WBXML_Find_Query);
	cs_str(s, WBXML_AirSync_Class, "Email");
	cs_str(s, WBXML_AirSync_CollectionId, "1");
	cs_str(s, WBXML_Find_FreeText, "subject:review");
	cs_end(s);
	cs_start(s, WBXML_Find_Options);
	cs_str(s, WBXML_Find_Range, "0-49");
	cs_empty(s, WBXML_Find_DeepTraversal);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);
}

static inline void corpus_find_response(struct corpus_sink *s, unsigned n)
{
	cs_start(s, WBXML_Find_Find);
	cs_uint(s, WBXML_Find_Status, 1);
	cs_start(s, WBXML_Find_Response);
	cs_str(s, WBXML_ItemOperations_Store, "Mailbox");
	cs_uint(s, WBXML_Find_Status, 1);
	cs_start(s, WBXML_Find_Result);
	cs_str(s, WBXML_AirSync_Class, "Email");
	cs_strf(s, WBXML_AirSync_ServerId, "1:%u", 20 + n);
	cs_str(s, WBXML_AirSync_CollectionId, "1");
	cs_start(s, WBXML_Find_Properties);
	cs_str(s, WBXML_Email_Subject, "Quarterly review");
	cs_date(s, WBXML_Email_DateReceived, n);
	cs_str(s, WBXML_Email_DisplayTo, "Bob Stone");
	cs_str(s, WBXML_Find_DisplayCc, "Team");
	cs_str(s, WBXML_Find_DisplayBcc, "Carol");
	cs_uint(s, WBXML_Find_HasAttachments, 1);
	cs_uint(s, WBXML_Email_Read, 0);
	cs_str(s, WBXML_Find_Preview, "Hello Bob, please find attached the review");
	cs_end(s);
	cs_end(s);
	cs_str(s, WBXML_Find_Range, "0-0");
	cs_uint(s, WBXML_Find_Total, 1);
	cs_end(s);
	cs_end(s);
}

/* Opaque data where libwbxml2 expects text (a body Data as some servers send it, and an empty
 * one) next to binary ids with NULs: round trip only, see the comment at the top. */
static inline void corpus_binary_opaque(struct corpus_sink *s, unsigned n)
{
	unsigned char id[16];

	for (size_t i = 0; i < sizeof(id); i++)
		id[i] = (unsigned char)(cs_rand(s) & (i % 3 == 0 ? 0x00 : 0xff));
	cs_start(s, WBXML_AirSync_Sync);
	cs_start(s, WBXML_AirSync_Collections);
	cs_start(s, WBXML_AirSync_Collection);
	cs_str(s, WBXML_AirSync_SyncKey, "2");
	cs_str(s, WBXML_AirSync_CollectionId, "1");
	cs_start(s, WBXML_AirSync_Commands);
	cs_start(s, WBXML_AirSync_Add);
	cs_strf(s, WBXML_AirSync_ServerId, "1:%u", n);
	cs_start(s, WBXML_AirSync_ApplicationData);
	cs_opaque(s, WBXML_Email2_ConversationId, id, sizeof(id));
	cs_opaque(s, WBXML_Email2_ConversationIndex, "\x01\xd9\x00\x7f\xff", 5);
	cs_start(s, WBXML_AirSyncBase_Body);
	cs_uint(s, WBXML_AirSyncBase_Type, 1);
	cs_opaque(s, WBXML_AirSyncBase_Data, "Hi\0there\r\n\xff", 11);
	cs_end(s);
	cs_start(s, WBXML_AirSyncBase_Body);
	cs_uint(s, WBXML_AirSyncBase_Type, 2);
	cs_opaque(s, WBXML_AirSyncBase_Data, "", 0);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);
	cs_end(s);
}

/* ---- The corpus ---- */

struct corpus_doc {
	const char *name;
	void (*build)(struct corpus_sink *s, unsigned n);
	unsigned n;         /* the builder's parameter: a seed or a count */
	bool libwbxml2;     /* cross-checked against libwbxml2 (false: page 25, opaque text) */
};

static inline void corpus_sync_emails_bench(struct corpus_sink *s, unsigned count)
{
	corpus_sync_emails(s, count, 6000);
}

CORPUS_UNUSED static const struct corpus_doc corpus_docs[] = {
	{ "FolderSync request (SyncKey 0)", corpus_foldersync_request, 0, true },
	{ "FolderSync request", corpus_foldersync_request, 1, true },
	{ "FolderSync response (initial)", corpus_foldersync_response, 30, true },
	{ "FolderSync response (changes)", corpus_foldersync_changes, 1, true },
	{ "FolderCreate request", corpus_foldercreate_request, 1, true },
	{ "FolderCreate response", corpus_foldercreate_response, 1, true },
	{ "Sync request", corpus_sync_request, 1, true },
	{ "Sync response", corpus_sync_response, 3, true },
	{ "Sync response (e-mails)", corpus_sync_emails_bench, 4, true },
	{ "GetItemEstimate request", corpus_getitemestimate_request, 1, true },
	{ "GetItemEstimate response", corpus_getitemestimate_response, 1, true },
	{ "Ping request", corpus_ping_request, 0, true },
	{ "Ping response", corpus_ping_response, 0, true },
	{ "MoveItems request", corpus_moveitems_request, 0, true },
	{ "MoveItems response", corpus_moveitems_response, 0, true },
	{ "ItemOperations request", corpus_itemoperations_request, 2, true },
	{ "ItemOperations response", corpus_itemoperations_response, 2, true },
	{ "Search request (mailbox)", corpus_search_mailbox_request, 0, true },
	{ "Search response (mailbox)", corpus_search_mailbox_response, 5, true },
	{ "Search request (GAL)", corpus_search_gal_request, 0, true },
	{ "Search response (GAL)", corpus_search_gal_response, 12, true },
	{ "Provision request", corpus_provision_request, 0, true },
	{ "Provision request (acknowledgement)", corpus_provision_request, 1, true },
	{ "Provision response (EASProvisionDoc)", corpus_provision_response, 0, true },
	{ "Provision response (remote wipe)", corpus_provision_wipe, 0, true },
	{ "Settings request (Oof get)", corpus_settings_request, 0, true },
	{ "Settings request (Oof set)", corpus_settings_request, 1, true },
	{ "Settings response", corpus_settings_response, 2, true },
	{ "MeetingResponse request", corpus_meetingresponse_request, 0, true },
	{ "MeetingResponse response", corpus_meetingresponse_response, 0, true },
	{ "ResolveRecipients request", corpus_resolverecipients_request, 0, true },
	{ "ResolveRecipients response", corpus_resolverecipients_response, 0, true },
	{ "SendMail request (14.0 ComposeMail)", corpus_sendmail_request, 3, true },
	{ "SmartReply request", corpus_smartreply_request, 3, true },
	{ "SendMail response", corpus_sendmail_response, 1, true },
	{ "Find request", corpus_find_request, 1, false },
	{ "Find response", corpus_find_response, 1, false },
	{ "Opaque body data", corpus_binary_opaque, 1, false },
};

#define CORPUS_DOC_COUNT (sizeof(corpus_docs) / sizeof(corpus_docs[0]))

/* ---- Sinks ---- */

/* Writes through our streaming encoder. */
static inline void cs_writer_start(void *ctx, uint16_t tag) { wbxml_start(ctx, tag); }
static inline void cs_writer_end(void *ctx) { wbxml_end(ctx); }
static inline void cs_writer_str(void *ctx, const char *s, size_t len) { wbxml_strn(ctx, s, len); }
static inline void cs_writer_opaque(void *ctx, const void *data, size_t len)
{
	wbxml_opaque(ctx, data, len);
}
static inline void cs_writer_empty(void *ctx, uint16_t tag) { wbxml_elem_empty(ctx, tag); }

static inline void corpus_writer_sink(struct corpus_sink *s, struct wbxml_writer *w)
{
	memset(s, 0, sizeof(*s));
	s->start = cs_writer_start;
	s->end = cs_writer_end;
	s->str = cs_writer_str;
	s->opaque = cs_writer_opaque;
	s->empty = cs_writer_empty;
	s->ctx = w;
	s->rand = 20240318;
}

/* Encodes document doc with our writer into out (cleared first); 0 or -1 with *error_r. */
static inline int corpus_encode(const struct corpus_doc *doc, buf *out, const char **error_r)
{
	struct wbxml_writer w;
	struct corpus_sink s;

	buf_truncate(out, 0);
	wbxml_writer_init(&w, out, 0);
	corpus_writer_sink(&s, &w);
	doc->build(&s, doc->n);
	return wbxml_writer_finish(&w, error_r);
}

/* Builds the expected tree of a document directly, without our encoder or decoder. */
struct cs_tree {
	pool *pool;
	struct wbxml_node *root, *cur;
};

static inline struct wbxml_node *cs_tree_add(struct cs_tree *t, uint16_t tag, bool content)
{
	struct wbxml_node *node = pool_new_type(t->pool, struct wbxml_node);

	node->tag = tag;
	node->has_content = content;
	node->value_kind = WBXML_VALUE_NONE;
	node->parent = t->cur;
	if (t->cur == NULL) {
		t->root = node;
	} else {
		if (t->cur->last_child == NULL)
			t->cur->children = node;
		else
			t->cur->last_child->next = node;
		t->cur->last_child = node;
	}
	return node;
}

static inline void cs_tree_start(void *ctx, uint16_t tag)
{
	struct cs_tree *t = ctx;
	t->cur = cs_tree_add(t, tag, true);
}

/* An element that got neither text nor children is written without content (<Tag/>) by
 * our writer and by libwbxml2 alike, and so it is here. */
static inline void cs_tree_end(void *ctx)
{
	struct cs_tree *t = ctx;

	if (t->cur->children == NULL && t->cur->value_kind == WBXML_VALUE_NONE)
		t->cur->has_content = false;
	t->cur = t->cur->parent;
}

/* Appends text or bytes to the current element's value (the decoder joins pieces too). */
static inline void cs_tree_value(struct cs_tree *t, enum wbxml_value_kind kind, const void *data,
				 size_t len)
{
	struct wbxml_node *node = t->cur;
	unsigned char *v = pool_alloc(t->pool, node->value_len + len + 1);

	if (node->value_len > 0)
		memcpy(v, node->value, node->value_len);
	if (len > 0)
		memcpy(v + node->value_len, data, len);
	v[node->value_len + len] = '\0';
	node->value = v;
	node->value_len += len;
	node->value_kind = (uint8_t)kind;
}

static inline void cs_tree_str(void *ctx, const char *s, size_t len)
{
	cs_tree_value(ctx, WBXML_VALUE_STRING, s, len);
}

static inline void cs_tree_opaque(void *ctx, const void *data, size_t len)
{
	cs_tree_value(ctx, WBXML_VALUE_OPAQUE, data, len);
}

static inline void cs_tree_empty(void *ctx, uint16_t tag)
{
	cs_tree_add(ctx, tag, false);
}

/* The expected tree of doc, allocated from p. */
static inline struct wbxml_node *corpus_tree(const struct corpus_doc *doc, pool *p)
{
	struct cs_tree t = { p, NULL, NULL };
	struct corpus_sink s = {
		cs_tree_start, cs_tree_end, cs_tree_str, cs_tree_opaque, cs_tree_empty, &t, 20240318,
		false
	};

	doc->build(&s, doc->n);
	return t.root;
}

#endif
