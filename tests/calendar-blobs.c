/* calendar-blobs.c: TimeZone blobs and calendar property readers for the calendar
 * end-to-end tests. See calendar-blobs.h. */
#include "calendar-blobs.h"

#include "harness.h"

#include "lib/base64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, int32_t v)
{
	uint32_t u = (uint32_t)v;
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(u >> (8 * i));
}

static void put_name(unsigned char *p, const char *name)
{
	for (size_t i = 0; name[i] != '\0' && i < 31; i++)
		put16(p + 2 * i, (unsigned char)name[i]);
}

/* SYSTEMTIME: year 0 (a yearly rule), month, day of week, day = week of month, hour. */
static void put_rule(unsigned char *p, const struct h_tz_rule *r)
{
	put16(p + 2, (unsigned)r->month);
	put16(p + 4, (unsigned)r->dow);
	put16(p + 6, (unsigned)r->week);
	put16(p + 8, (unsigned)r->hour);
}

char *h_tz_blob(int bias, const char *std_name, struct h_tz_rule std, const char *dl_name,
		struct h_tz_rule dl, int dl_bias)
{
	unsigned char b[172];
	buf out = BUF_INIT;

	memset(b, 0, sizeof(b));
	put32(b, bias);
	put_name(b + 4, std_name);
	put_rule(b + 68, &std);
	put_name(b + 88, dl_name);
	put_rule(b + 152, &dl);
	put32(b + 168, dl_bias);
	base64_encode(&out, b, sizeof(b));
	char *s = strdup(buf_cstr(&out));
	buf_free(&out);
	return s;
}

char *h_tz_amsterdam(void)
{
	return h_tz_blob(-60, "W. Europe Standard Time", (struct h_tz_rule){ 10, 0, 5, 3 },
			 "W. Europe Daylight Time", (struct h_tz_rule){ 3, 0, 5, 2 }, -60);
}

char *h_tz_new_york(void)
{
	return h_tz_blob(300, "Eastern Standard Time", (struct h_tz_rule){ 11, 0, 1, 2 },
			 "Eastern Daylight Time", (struct h_tz_rule){ 3, 0, 2, 2 }, -60);
}

char *h_tz_sydney(void)
{
	return h_tz_blob(-600, "AUS Eastern Standard Time", (struct h_tz_rule){ 4, 0, 1, 3 },
			 "AUS Eastern Daylight Time", (struct h_tz_rule){ 10, 0, 1, 2 }, -60);
}

const char *h_cal_compact(const char *s)
{
	static char out[4][32];
	static int slot;
	char *o = out[slot++ % 4];
	size_t n = 0;

	ck_assert_ptr_nonnull(s);
	for (; *s != '\0' && *s != '.' && n + 2 < sizeof(out[0]); s++) {
		if (*s != '-' && *s != ':')
			o[n++] = *s;
	}
	if (n > 0 && o[n - 1] != 'Z')
		o[n++] = 'Z';
	o[n] = '\0';
	return o;
}

void h_assert_has(const char *text, const char *part)
{
	ck_assert_msg(text != NULL && strstr(text, part) != NULL, "'%s' not in:\n%s", part,
		      text != NULL ? text : "(none)");
}

const char *h_cal_exception_line(const char *exceptions, const char *original)
{
	static char line[1024];
	for (const char *s = exceptions; s != NULL && *s != '\0';) {
		const char *nl = strchr(s, '\n');
		size_t n = nl != NULL ? (size_t)(nl - s) : strlen(s);
		snprintf(line, sizeof(line), "%.*s", (int)n, s);
		if (strstr(line, original) != NULL)
			return line;
		s = nl != NULL ? nl + 1 : NULL;
	}
	ck_abort_msg("no exception of %s in:\n%s", original, exceptions);
	return NULL;
}
