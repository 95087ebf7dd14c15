/* pim.h: converters between the EAS form of an item (the ApplicationData of Sync, the
 * Properties of ItemOperations/Search) and its stored form (store_item.data plus the
 * metadata the store indexes: uid, filter_start/end, flags). One set of operations per class.
 *
 * The stored form is pim/'s own business (the store keeps bytes). It must keep every
 * property a client sent, so that an item read back is what was written (issue 5 point 6),
 * across protocol versions: a property sent by a 16.1 device is kept when a 2.5 device
 * changes the item, and is simply not sent to the 2.5 device.
 *
 * The stored form (format 1, written by item.c): a WBXML 1.3 document (public id 1, UTF-8, no
 * string table) whose root is AirSync:ApplicationData, holding the item as a 16.1 client
 * would send it, in a canonical shape:
 * - top-level properties sorted by tag id (code page, then token), each at most once; text
 *   is STR_I (never OPAQUE), empty properties are not stored (an empty value clears);
 * - every property the client sent is kept, unknown tags (Q-PARSE-2) included with their
 *   subtree: the version filter of the output leaves out what a device's version lacks;
 * - the body is always airsyncbase:Body with only Type and Data (the full text), whatever
 *   the client sent: a 2.5 contacts:Body / tasks:Body becomes Type 1; BodySize,
 *   BodyTruncated, Truncated, EstimatedDataSize and Preview are computed on output;
 *   airsyncbase:NativeBodyType, when a client sends one, is kept as a plain property;
 * - containers (Categories, Children, Recurrence) keep the client's order of children.
 * A Change is a merge of trees (ghosting, see struct pim_supported). Later formats would use
 * another root element, so that old rows stay readable. */
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
	bool truncation_25_all;                    /* 2.5 Truncation 0: no body text at all */
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

/* What a class may need beyond the ApplicationData (calendars, issue 6). */
struct pim_in_options {
	int version;                 /* 25, 120, ... 161 */
	const char *owner_email;     /* the account's address (Q-CAL-3), NULL if unknown */
	const char *owner_name;      /* its display name, NULL or "" if unknown */
	/* 16.x: the occurrence a Change or Delete names (airsyncbase:InstanceId beside the
	 * ServerId, a Compact DateTime), or NULL for the whole item. */
	const char *instance_id;
	bool delete_instance;        /* with instance_id: a Delete of that occurrence */
	/* A Change made on a version of old the device had not seen (another writer's came
	 * after it): what the device cannot know of is kept (calendar: the exceptions). */
	bool stale;
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
	/* from_eas with the options above (NULL for classes that need none): the Sync engine
	 * uses it when set. An InstanceId Change/Delete gets old = the series. */
	int (*from_eas_opt)(pool *p, const struct wbxml_node *appdata,
			    const struct pim_in_options *in, const struct store_item *old,
			    const struct pim_supported *supported, struct store_item *out_r,
			    const char **error_r);
};

/* The converters of a class, or NULL when easd does not sync it (yet). */
const struct pim_class_ops *pim_class(enum store_class cls);

/* Sets opt->truncation_25(_all) from the code of a 2.5 Truncation element (MS-ASCMD
 * 2.2.3.185: 0 all, 1 512, 2 1024, 3 2048, 4 5120, 5 10240, 6 20480, 7 51200, 8 102400,
 * 9 no truncation); -1 for another code. */
int pim_truncation_25(uint64_t code, struct pim_out_options *opt);

/* Contact photos (Q-CNT-3): a Picture above this many bytes of base64 is dropped (the
 * contact is kept, with the photo it had). Default 5 MB, as Z-Push and grommunio. */
#define PIM_PICTURE_LIMIT_DEFAULT (5u * 1024 * 1024)
void pim_set_picture_limit(size_t bytes);
size_t pim_picture_limit(void);

/* The stored form of a live item decoded into its ApplicationData tree (for exports and
 * tests); -1 with *error_r when it is not a stored form of ours. */
int pim_item_decode(pool *p, const struct store_item *item, struct wbxml_node **appdata_r,
		    const char **error_r);
/* Stores an ApplicationData tree built by the server itself (imports): same as the class's
 * from_eas for an Add by a 16.1 client. */
int pim_item_encode_new(pool *p, enum store_class cls, const struct wbxml_node *appdata,
			struct store_item *out_r, const char **error_r);

/* Body conversions (body.c), appending to out: plain text as minimal HTML (escaped, line
 * ends as <br>), and HTML as plain text (tags dropped, script/style skipped, entities of
 * common use decoded, block ends as line ends): raw HTML never reaches a plain body
 * (Q-MAIL-1). */
void pim_text_to_html(buf *out, const char *text, size_t len);
void pim_html_to_text(buf *out, const char *html, size_t len);

#endif
