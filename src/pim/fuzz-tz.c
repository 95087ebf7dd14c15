/* fuzz-tz.c: libFuzzer target for time zones and recurrences. Mode 0 (first byte even):
 * the rest is a TimeZone blob: a blob that decodes must encode to the same bytes, and its
 * zone (if any) must give a blob that decodes and maps to a zone again. Mode 1: the rest
 * fills a Recurrence and a series as a hostile client could (any field values): expansion
 * over a small window, the last end and the occurrence lookup must not crash or hang, and
 * every occurrence reported must lie in the window, in order, within the series' end. */
#include "pim/recur.h"
#include "pim/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz-tz: %s\n", what);
	abort();
}

static void fuzz_blob(const uint8_t *data, size_t size)
{
	struct pim_tz_blob b, again;
	unsigned char out[PIM_TZ_BLOB_SIZE];
	const char *error = NULL;
	const char *zone;

	if (pim_tz_blob_decode(data, size, &b, &error) < 0) {
		if (error == NULL)
			fuzz_fail("decode failed without an error");
		return;
	}
	pim_tz_blob_encode(&b, out);
	if (memcmp(out, data, PIM_TZ_BLOB_SIZE) != 0)
		fuzz_fail("blob does not encode to the same bytes");
	zone = pim_tz_from_blob(&b);
	if (zone == NULL)
		return;
	if (pim_tz_to_blob(zone, 2026, &again) < 0)
		fuzz_fail("matched zone has no blob");
	pim_tz_blob_encode(&again, out);
	if (pim_tz_blob_decode(out, sizeof(out), &b, &error) < 0)
		fuzz_fail("zone's blob does not decode");
	if (pim_tz_from_blob(&b) == NULL)
		fuzz_fail("zone's blob maps to no zone");
}

static uint64_t take(const uint8_t **p, const uint8_t *end, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && *p < end; i++, (*p)++)
		v = (v << 8) | **p;
	return v;
}

struct check_ctx {
	int64_t from, to, last_start;
};

static int check_occ(const struct pim_occurrence *occ, void *context)
{
	struct check_ctx *c = context;

	if (occ->start_utc >= c->to)
		fuzz_fail("occurrence after the window");
	if (occ->end_utc < c->from || (occ->end_utc == c->from && occ->start_utc != occ->end_utc))
		fuzz_fail("occurrence before the window");
	if (!occ->is_exception) {
		if (occ->start_utc < c->last_start)
			fuzz_fail("occurrences out of order");
		c->last_start = occ->start_utc;
	}
	return 0;
}

static void fuzz_recur(const uint8_t *p, size_t size)
{
	static const char *const zones[] = { "UTC", "Europe/Amsterdam", "America/New_York",
					     "Australia/Sydney", "Pacific/Honolulu",
					     "Pacific/Tongatapu", "Mars/Olympus_Mons", "" };
	const uint8_t *end = p + size;
	struct pim_recur r;
	struct pim_recur_series s;
	struct pim_recur_exception ex[2];
	struct check_ctx c;
	struct pim_tz_blob blob;
	const char *error = NULL;
	int64_t last = 0, t = 0;

	memset(&r, 0, sizeof(r));
	memset(&s, 0, sizeof(s));
	memset(ex, 0, sizeof(ex));
	r.type = (enum pim_recur_type)(take(&p, end, 1) % 8);
	r.interval = (uint32_t)take(&p, end, 2);
	r.occurrences = (uint32_t)take(&p, end, 2);
	r.has_until = take(&p, end, 1) & 1;
	r.until_utc = (int64_t)take(&p, end, 8);
	r.day_of_week = (uint8_t)take(&p, end, 1);
	r.week_of_month = (uint8_t)take(&p, end, 1);
	r.day_of_month = (uint8_t)take(&p, end, 1);
	r.month_of_year = (uint8_t)take(&p, end, 1);
	r.has_first_day_of_week = take(&p, end, 1) & 1;
	r.first_day_of_week = (uint8_t)take(&p, end, 1);
	s.recur = &r;
	s.zone = zones[take(&p, end, 1) % 8];
	/* times around 1970-2100 mostly, sometimes anything */
	s.start_utc = (int64_t)(int32_t)take(&p, end, 4) * 2;
	s.duration_s = (int64_t)take(&p, end, 3);
	s.all_day = take(&p, end, 1) & 1;
	for (size_t i = 0; i < 2; i++) {
		ex[i].original_start_utc = (int64_t)(int32_t)take(&p, end, 4) * 2;
		ex[i].deleted = take(&p, end, 1) & 1;
		ex[i].start_utc = (int64_t)(int32_t)take(&p, end, 4) * 2;
		ex[i].end_utc = ex[i].start_utc + (int64_t)take(&p, end, 2);
	}
	s.exceptions = ex;
	s.exception_count = 2;
	/* a client's blob instead of a zone, when the rest holds one that decodes */
	if (*s.zone == '\0' && end - p >= PIM_TZ_BLOB_SIZE &&
	    pim_tz_blob_decode(p, PIM_TZ_BLOB_SIZE, &blob, &error) == 0) {
		s.zone = NULL;
		s.blob = &blob;
		p += PIM_TZ_BLOB_SIZE;
	}
	c.from = (int64_t)(int32_t)take(&p, end, 4) * 2;
	c.to = c.from + (int64_t)take(&p, end, 3) * 8;
	c.last_start = INT64_MIN;

	if (pim_recur_expand(&s, c.from, c.to, 500, check_occ, &c, &error) < 0) {
		if (error == NULL)
			fuzz_fail("expansion failed without an error");
		return;
	}
	if (pim_recur_last_end(&s, &last, &error) < 0)
		fuzz_fail("last end fails where expansion works");
	if (c.last_start != INT64_MIN && last < c.last_start)
		fuzz_fail("an occurrence starts after the series' last end");
	(void)pim_recur_find_occurrence(&s, c.from, true, &t, &error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0)
		fuzz_blob(data + 1, size - 1);
	else
		fuzz_recur(data + 1, size - 1);
	return 0;
}
