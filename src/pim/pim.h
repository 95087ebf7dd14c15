/* pim.h: converters between the EAS form of an item (the ApplicationData of Sync, the
 * Properties of ItemOperations/Search) and its stored form (store_item.data plus the
 * metadata the store indexes: uid, filter_start/end, flags). One set of operations per class.
 *
 * The stored form is pim/'s own business (the store keeps bytes). It must keep every
 * property a client sent, so that an item read back is what was written (issue 5 point 6),
 * across protocol versions: a property sent by a 16.1 device is kept when a 2.5 device
 * changes the item, and is simply not sent to the 2.5 device. */
#ifndef EASD_PIM_H
#define EASD_PIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/pool.h"
#include "store/store-folder.h"
#include "wbxml/wbxml.h"

/* One airsyncbase:BodyPreference of the client's Options (12.0+). */
struct pim_body_pref {
	unsigned type;              /* 1 plain, 2 HTML, 3 RTF, 4 MIME */
	uint32_t truncation_size;   /* 0: not given (no truncation) */
	bool all_or_none;           /* send nothing rather than a truncated body */
	uint32_t preview;           /* 14.0+: characters of Preview asked, 0: none */
};

#define PIM_MAX_BODY_PREFS 4

/* How to write an item for one device and collection. */
struct pim_out_options {
	int version;                               /* 25, 120, ... 161 */
	struct pim_body_pref body_prefs[PIM_MAX_BODY_PREFS];
	size_t body_pref_count;                    /* 0: the version's default */
	uint32_t truncation_25;                    /* 2.5 Truncation (bytes), 0: none */
	bool mime_support;                         /* MIMESupport > 0 (mail) */
};

/* What the client declared in the collection's Supported element (ghosting): properties it
 * does NOT list are kept when it changes an item. declared false: the client never sent
 * Supported (or sent it empty): then absent properties are kept too (Q-PARSE-3). */
struct pim_supported {
	bool declared;
	const uint16_t *tags;
	size_t count;
};

struct pim_class_ops {
	enum store_class cls;
	/* ApplicationData of an Add (old == NULL) or Change (old = the stored item) into *out_r
	 * (data, uid, filter_start/end, flags; allocated from p). Returns 0, or -1 with *error_r
	 * for input that cannot be stored (the caller answers the class's Status, writes nothing). */
	int (*from_eas)(pool *p, const struct wbxml_node *appdata, int version,
			const struct store_item *old, const struct pim_supported *supported,
			struct store_item *out_r, const char **error_r);
	/* Writes the ApplicationData children of item (not the ApplicationData element itself)
	 * for the device's version and options. Returns 0 or -1 with *error_r (corrupt stored
	 * form: the caller skips the item and logs it). */
	int (*to_eas)(pool *p, const struct store_item *item, const struct pim_out_options *opt,
		      struct wbxml_writer *w, const char **error_r);
};

/* The converters of a class, or NULL when easd does not sync it (yet). */
const struct pim_class_ops *pim_class(enum store_class cls);

#endif
