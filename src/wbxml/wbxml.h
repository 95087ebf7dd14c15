/* wbxml.h: the WBXML codec for Exchange ActiveSync (MS-ASWBXML).
 *
 * A tag is identified by a 16-bit id: (code page << 8) | token, where token is the 6-bit tag
 * token without the content (0x40) and attribute (0x80) bits. The named constants
 * WBXML_<Page>_<Tag> (e.g. WBXML_AirSync_SyncKey, WBXML_FolderHierarchy_FolderSync) are
 * generated from the one table of code pages 0-25 in wbxml-pages.def.
 *
 * The decoder builds a tree allocated from a request pool; the encoder is a streaming writer
 * into a buf. Command code reads requests only through the typed accessors below. */
#ifndef EASD_WBXML_H
#define EASD_WBXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/pool.h"

/* Code pages of MS-ASWBXML. */
enum wbxml_page {
	WBXML_PAGE_AirSync = 0,
	WBXML_PAGE_Contacts = 1,
	WBXML_PAGE_Email = 2,
	WBXML_PAGE_AirNotify = 3,
	WBXML_PAGE_Calendar = 4,
	WBXML_PAGE_Move = 5,
	WBXML_PAGE_GetItemEstimate = 6,
	WBXML_PAGE_FolderHierarchy = 7,
	WBXML_PAGE_MeetingResponse = 8,
	WBXML_PAGE_Tasks = 9,
	WBXML_PAGE_ResolveRecipients = 10,
	WBXML_PAGE_ValidateCert = 11,
	WBXML_PAGE_Contacts2 = 12,
	WBXML_PAGE_Ping = 13,
	WBXML_PAGE_Provision = 14,
	WBXML_PAGE_Search = 15,
	WBXML_PAGE_GAL = 16,
	WBXML_PAGE_AirSyncBase = 17,
	WBXML_PAGE_Settings = 18,
	WBXML_PAGE_DocumentLibrary = 19,
	WBXML_PAGE_ItemOperations = 20,
	WBXML_PAGE_ComposeMail = 21,
	WBXML_PAGE_Email2 = 22,
	WBXML_PAGE_Notes = 23,
	WBXML_PAGE_RightsManagement = 24,
	WBXML_PAGE_Find = 25,
	WBXML_PAGE_COUNT = 26
};

#define WBXML_TAG(page, token) ((uint16_t)(((unsigned)(page) << 8) | ((unsigned)(token) & 0x3f)))
#define WBXML_TAG_PAGE(tag) ((unsigned)(tag) >> 8)
#define WBXML_TAG_TOKEN(tag) ((unsigned)(tag) & 0x3f)

/* Protocol versions as bits, for the version mask of each tag. */
enum wbxml_version_bit {
	WBXML_V25 = 1u << 0,
	WBXML_V120 = 1u << 1,
	WBXML_V121 = 1u << 2,
	WBXML_V140 = 1u << 3,
	WBXML_V141 = 1u << 4,
	WBXML_V160 = 1u << 5,
	WBXML_V161 = 1u << 6,
	WBXML_VALL = (1u << 7) - 1,
	/* Masks used by wbxml-pages.def: "this version and later", and "not in 16.x". */
	WBXML_V120_UP = WBXML_VALL & ~WBXML_V25,
	WBXML_V121_UP = WBXML_V120_UP & ~WBXML_V120,
	WBXML_V140_UP = WBXML_V121_UP & ~WBXML_V121,
	WBXML_V141_UP = WBXML_V140_UP & ~WBXML_V140,
	WBXML_V160_UP = WBXML_V141_UP & ~WBXML_V141,
	WBXML_V16X = WBXML_V160 | WBXML_V161,
	WBXML_VALL_BUT_16 = WBXML_VALL & ~WBXML_V16X
};

/* The bit of a protocol version given as 25, 120, 121, 140, 141, 160 or 161; 0 if unknown. */
unsigned wbxml_version_bit(unsigned version);

/* Named tag ids, generated from wbxml-pages.def: WBXML_<Page>_<Tag>. */
enum wbxml_tag {
#define WBXML_PAGE_BEGIN(page, num, ns)
#define WBXML_TAG_DEF(page, token, name, versions) WBXML_##page##_##name = WBXML_TAG(WBXML_PAGE_##page, token),
#define WBXML_PAGE_END(page)
#include "wbxml/wbxml-pages.def"
#undef WBXML_PAGE_BEGIN
#undef WBXML_TAG_DEF
#undef WBXML_PAGE_END
	WBXML_TAG_NONE = 0xffff
};

/* Former constant names, kept so that code written against the first version of the table
 * still builds: the specification says calendar:Timezone (MS-ASCAL) and email:Status for the
 * flag status (MS-ASEMAIL). Use the new names. */
#define WBXML_Calendar_TimeZone WBXML_Calendar_Timezone
#define WBXML_Email_FlagStatus WBXML_Email_Status

/* Name of a known tag ("SyncKey"), or NULL for a token the table does not have. */
const char *wbxml_tag_name(uint16_t tag);
/* Name of a known code page ("AirSync"), or NULL. */
const char *wbxml_page_name(unsigned page);
/* Namespace of a code page as written in XML ("AirSync:"), or NULL. */
const char *wbxml_page_namespace(unsigned page);
/* Versions mask of a known tag, 0 for an unknown one. */
unsigned wbxml_tag_versions(uint16_t tag);
/* Finds a tag by page name and tag name; 0 or -1. */
int wbxml_tag_lookup(const char *page_name, const char *tag_name, uint16_t *tag_r);

/* ---- Decoding ---- */

enum wbxml_value_kind {
	WBXML_VALUE_NONE,   /* no text content (an empty element or one with only children) */
	WBXML_VALUE_STRING, /* STR_I content: value is NUL-terminated, value_len excludes the NUL */
	WBXML_VALUE_OPAQUE  /* OPAQUE content: value_len bytes, may contain NULs */
};

struct wbxml_node {
	uint16_t tag;
	uint8_t value_kind;   /* enum wbxml_value_kind */
	bool has_content;     /* the tag had the content bit (open/close pair, maybe empty) */
	const unsigned char *value;
	size_t value_len;
	struct wbxml_node *parent, *children, *last_child, *next;
};

struct wbxml_limits {
	size_t max_input;  /* bytes */
	size_t max_depth;  /* nesting of elements */
	size_t max_nodes;  /* elements in the document */
	size_t max_string; /* bytes of one STR_I or OPAQUE value */
};

/* Sane defaults for requests from phones (see wbxml.c for the figures). */
void wbxml_limits_default(struct wbxml_limits *limits_r);

/* Decodes data[0..len) into a tree allocated from p. On error returns -1 and *error_r says
 * what was wrong and at which byte offset (allocated from p); nothing is returned then.
 * limits may be NULL for the defaults. Strings and opaque data are copied into p, so data may
 * be freed once this returns. Invalid UTF-8 in strings is replaced by U+FFFD (Q-MAIL-3);
 * unknown code pages and tokens become nodes whose wbxml_tag_name() is NULL (Q-PARSE-2). */
int wbxml_decode(pool *p, const void *data, size_t len, const struct wbxml_limits *limits,
		 struct wbxml_node **root_r, const char **error_r);

/* True when data starts like an EAS WBXML document (version 1.3, public id 1, UTF-8):
 * how a body is told from raw MIME (Q-HTTP-3). */
bool wbxml_looks_like(const void *data, size_t len);

/* ---- Typed access for commands ---- */

#define wbxml_foreach_child(node, child) \
	for (struct wbxml_node *child = (node)->children; child != NULL; child = child->next)

/* First child with the given tag, or NULL. */
struct wbxml_node *wbxml_child(const struct wbxml_node *node, uint16_t tag);
/* Next sibling after child with the same tag, or NULL. */
struct wbxml_node *wbxml_next_same(const struct wbxml_node *child);
/* The text of node ("" for an empty element, NULL when it holds opaque data or children only). */
const char *wbxml_node_str(const struct wbxml_node *node);
/* The text of the first child with the tag, or NULL when there is no such child. */
const char *wbxml_child_str(const struct wbxml_node *node, uint16_t tag);
/* The node's text (STR_I or OPAQUE) as bytes; an element with neither text nor children gives
 * 0 bytes (Q-PARSE-1); 0, or -1 when it has children but no text. */
int wbxml_node_bytes(const struct wbxml_node *node, const unsigned char **data_r, size_t *len_r);
/* Parses the node's text as a decimal number in [0, max]; 0, or -1 with *error_r set. */
int wbxml_node_uint(const struct wbxml_node *node, uint64_t max, uint64_t *value_r,
		    const char **error_r);
/* Same for the first child with the tag: 1 when absent, 0 when parsed, -1 when invalid. */
int wbxml_child_uint(const struct wbxml_node *node, uint16_t tag, uint64_t max,
		     uint64_t *value_r, const char **error_r);

/* ---- Encoding ---- */

struct wbxml_writer {
	buf *out;
	unsigned version_bit;   /* 0: no version filtering */
	unsigned page;          /* current code page in the output */
	uint16_t pending;       /* a start tag not yet written (content bit still unknown) */
	bool has_pending;
	size_t depth;
	size_t skip_depth;      /* > 0 while inside an element dropped for the version */
	bool failed;
	const char *error;
	bool root_done;         /* the root element has been closed */
};

/* Starts a document in out (writes the header). version is 0 or a version as for
 * wbxml_version_bit(): elements that version lacks are dropped with their subtree. */
void wbxml_writer_init(struct wbxml_writer *w, buf *out, unsigned version);
void wbxml_start(struct wbxml_writer *w, uint16_t tag);
void wbxml_end(struct wbxml_writer *w);
void wbxml_str(struct wbxml_writer *w, const char *s);
void wbxml_strn(struct wbxml_writer *w, const char *s, size_t len);
void wbxml_opaque(struct wbxml_writer *w, const void *data, size_t len);
/* <tag>s</tag>, <tag>n</tag>, <tag/>. */
void wbxml_elem_str(struct wbxml_writer *w, uint16_t tag, const char *s);
void wbxml_elem_uint(struct wbxml_writer *w, uint16_t tag, uint64_t value);
void wbxml_elem_opaque(struct wbxml_writer *w, uint16_t tag, const void *data, size_t len);
void wbxml_elem_empty(struct wbxml_writer *w, uint16_t tag);
/* Ends the document: 0, or -1 with *error_r when elements are unbalanced or a string had an
 * embedded NUL. */
int wbxml_writer_finish(struct wbxml_writer *w, const char **error_r);

/* Encodes a whole tree (as decoded) into out. */
int wbxml_encode_tree(const struct wbxml_node *root, buf *out, unsigned version,
		      const char **error_r);

#endif
