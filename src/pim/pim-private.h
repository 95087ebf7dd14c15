/* pim-private.h: what the converters of src/pim share (the property tables of a class, the
 * generic ApplicationData engine of item.c, body output of body.c). Not used outside pim/. */
#ifndef EASD_PIM_PRIVATE_H
#define EASD_PIM_PRIVATE_H

#include "pim/pim.h"

/* How the value of a property is checked on input. */
enum pim_kind {
	PIM_TEXT,        /* any UTF-8 text */
	PIM_DATE,        /* an EAS date/time (pim_date_parse) */
	PIM_UINT,        /* decimal in [0, max]; "-1" means absent (Q-PARSE-1: HTC) */
	PIM_INT,         /* signed decimal (contacts:WeightedRank) */
	PIM_PICTURE,     /* base64 text; never fails the item (Q-CNT-1, Q-CNT-3) */
	PIM_LIST,        /* a container of text children with the tag `child` (Categories) */
	PIM_CONTAINER,   /* a container checked with the sub table (tasks:Recurrence) */
	PIM_BODY,        /* airsyncbase:Body (the canonical body) */
	PIM_BODY25,      /* contacts:Body / tasks:Body: 2.5 plain text, stored as airsyncbase:Body */
	PIM_IGNORE,      /* BodySize, BodyTruncated: computed on output, dropped on input */
};

struct pim_prop_def {
	uint16_t tag;
	uint8_t kind;                      /* enum pim_kind */
	uint64_t max;                      /* PIM_UINT: the largest value */
	uint64_t min;                      /* PIM_UINT: the smallest value */
	uint16_t child;                    /* PIM_LIST: the tag of the entries */
	const struct pim_prop_def *sub;    /* PIM_CONTAINER: its children */
	size_t sub_count;
	uint16_t required;                 /* PIM_CONTAINER: a child it must have, or 0 */
};

/* A list of top-level properties (nodes of the request tree, of the stored tree, or built). */
struct pim_props {
	const struct wbxml_node **v;
	size_t count, cap;
};

struct pim_class_def {
	const char *name;                      /* "contact", "task": for error messages */
	const struct pim_prop_def *props;
	size_t prop_count;
	uint16_t body25, bodysize25, bodytruncated25;  /* the 2.5 body tags of the class */
	/* Checks the merged item and fills the metadata (uid, filter, flags) of out. */
	int (*finish)(pool *p, const struct pim_props *props, struct store_item *out,
		      const char **error_r);
};

/* An EAS date/time: "2024-05-01T08:00:00.000Z" (MS-ASDTYPE), with or without the
 * milliseconds and the Z, the compact "20240501T080000Z", or a date alone. */
struct pim_date {
	int year, month, day, hour, minute, second;
	bool has_time;
	bool utc;          /* ended with Z */
};
int pim_date_parse(const char *s, struct pim_date *date_r);
/* "YYYY-MM-DDTHH:MM:SS.000Z" from the pool. */
const char *pim_date_format(pool *p, const struct pim_date *date);

/* The generic converters, driven by a class table. */
int pim_item_from_eas(const struct pim_class_def *def, pool *p, const struct wbxml_node *appdata,
		      int version, const struct store_item *old,
		      const struct pim_supported *supported, struct store_item *out_r,
		      const char **error_r);
int pim_item_to_eas(const struct pim_class_def *def, pool *p, const struct store_item *item,
		    const struct pim_out_options *opt, struct wbxml_writer *w,
		    const char **error_r);

/* The first property with the tag, or NULL. */
const struct wbxml_node *pim_props_find(const struct pim_props *props, uint16_t tag);

/* A new element node (value NULL: no text) from the pool, and appending a child to it. */
struct wbxml_node *pim_node_new(pool *p, uint16_t tag, const char *value);
void pim_node_append(struct wbxml_node *parent, struct wbxml_node *child);
/* A copy of the tree n (its values shared: they are never written). */
struct wbxml_node *pim_node_copy(pool *p, const struct wbxml_node *n);
/* Unlinks child from parent's children (nothing when it is not one of them). */
void pim_node_remove(struct wbxml_node *parent, const struct wbxml_node *child);
/* Whether two trees hold the same tags, values and children (both NULL: equal). */
bool pim_node_equal(const struct wbxml_node *a, const struct wbxml_node *b);
/* Writes node with its subtree, leaving out elements that version_bit lacks (0: none). */
void pim_write_node(struct wbxml_writer *w, const struct wbxml_node *node, unsigned version_bit);

/* Writes the body of an item (the stored airsyncbase:Body node, NULL for none) for the
 * device: airsyncbase:Body on 12.0+, the class's 2.5 tags on 2.5. */
void pim_body_write(pool *p, struct wbxml_writer *w, const struct wbxml_node *body,
		    const struct pim_out_options *opt, const struct pim_class_def *def);

/* The classes (contact.c, task.c). */
extern const struct pim_class_def pim_contact_def;
extern const struct pim_class_def pim_task_def;
extern const struct pim_class_def pim_calendar_def;
extern const struct pim_class_ops pim_calendar_ops;   /* calendar.c */

#endif
