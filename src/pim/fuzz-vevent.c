/* fuzz-vevent.c: libFuzzer target for the VEVENT import. Parses the input with small
 * limits; every event that parses is stored through the Calendar class, read back, exported
 * and parsed again, which must give events without error (the writer's output is always
 * readable by the parser). Any disagreement aborts, so libFuzzer records the input. */
#include "pim/ical-event.h"
#include "pim/pim.h"

#include "lib/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *error)
{
	fprintf(stderr, "fuzz-vevent: %s%s%s\n", what, error != NULL ? ": " : "",
		error != NULL ? error : "");
	abort();
}

/* Stores the event, writes it out and parses it back. */
static void check_event(pool *p, const struct pim_vevent *ev)
{
	struct store_item item;
	struct wbxml_node *stored;
	struct pim_vevent_writer wr;
	struct pim_vevent *again;
	size_t count;
	const char *error;
	buf out = BUF_INIT;

	if (pim_vevent_encode(p, ev, &item, &error) < 0)
		return; /* refused by the Calendar class */
	if (pim_item_decode(p, &item, &stored, &error) < 0)
		fuzz_fail("stored form does not decode", error);
	pim_vevent_write_begin(&wr, &out);
	pim_vevent_write(&wr, &out, p, stored, "fuzz@easd");
	pim_vevent_write_end(&wr, &out);
	if (pim_vevent_parse(p, (const char *)out.data, out.len, 1 << 22, 1000, &again, &count,
			     &error) < 0)
		fuzz_fail("exported iCalendar does not parse", error);
	if (count != 1 || again[0].error != NULL) {
		fprintf(stderr, "%s\n", buf_cstr(&out));
		fuzz_fail("exported iCalendar is not one good event", count > 0 ? again[0].error : "");
	}
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pim_vevent *events;
	size_t count;
	const char *error;
	pool *p = pool_new(0);

	log_set_level(LOG_LEVEL_ERROR);
	if (pim_vevent_parse(p, (const char *)data, size, 1 << 16, 32, &events, &count,
			     &error) == 0) {
		for (size_t i = 0; i < count; i++) {
			if ((events[i].appdata == NULL) == (events[i].error == NULL))
				fuzz_fail("event with both or neither of appdata and error", NULL);
			if (events[i].appdata != NULL)
				check_event(p, &events[i]);
		}
	}
	pool_free(&p);
	return 0;
}
