/* fuzz-vcard.c: libFuzzer target for the vCard parser. Parses the input with small limits;
 * every card that parses is stored as a contact, exported as vCard 3.0 and 4.0 and parsed
 * again, which must give exactly one card without error (the writer's output is always
 * readable by the parser). Any disagreement aborts, so libFuzzer records the input. */
#include "pim/pim.h"
#include "pim/vcard.h"

#include "lib/log.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *error)
{
	fprintf(stderr, "fuzz-vcard: %s%s%s\n", what, error != NULL ? ": " : "",
		error != NULL ? error : "");
	abort();
}

/* Stores the card's contact, writes it out and parses it back. */
static void check_card(pool *p, const struct pim_vcard *card)
{
	struct store_item item;
	struct wbxml_node *stored;
	const char *error;

	if (pim_item_encode_new(p, STORE_CLASS_CONTACTS, card->appdata, &item, &error) < 0)
		return; /* refused by the Contacts class (e.g. a bad X-EAS-WeightedRank) */
	if (pim_item_decode(p, &item, &stored, &error) < 0)
		fuzz_fail("stored form does not decode", error);
	for (int version = 3; version <= 4; version++) {
		buf out = BUF_INIT;
		struct pim_vcard *again;
		size_t count;
		pim_vcard_write(&out, p, stored, version);
		if (pim_vcard_parse(p, (const char *)out.data, out.len, NULL, &again, &count,
				    &error) < 0)
			fuzz_fail("exported vCard does not parse", error);
		if (count != 1 || again[0].error != NULL)
			fuzz_fail("exported vCard is not one good card", again[0].error);
		buf_free(&out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pim_vcard_limits limits;
	struct pim_vcard *cards;
	size_t count;
	const char *error;
	pool *p = pool_new(0);

	log_set_level(LOG_LEVEL_ERROR);
	pim_vcard_limits_default(&limits);
	limits.max_line = 4096;
	limits.max_cards = 64;
	limits.max_props = 128;
	if (pim_vcard_parse(p, (const char *)data, size, &limits, &cards, &count, &error) == 0) {
		for (size_t i = 0; i < count; i++) {
			if ((cards[i].appdata == NULL) == (cards[i].error == NULL))
				fuzz_fail("card with both or neither of appdata and error", NULL);
			if (cards[i].appdata != NULL)
				check_card(p, &cards[i]);
		}
	}
	pool_free(&p);
	return 0;
}
