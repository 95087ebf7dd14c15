/* wbxml.c: WBXML 1.3 decoder and encoder for Exchange ActiveSync (MS-ASWBXML), and the typed
 * accessors that command code uses instead of walking tokens.
 *
 * Decisions (see also wbxml.h):
 * - Input is hostile: every read is bounds-checked, limits are checked while parsing (before
 *   the work they guard), every error names the byte offset and what was wrong.
 * - Unknown code pages and unknown tokens are accepted and decoded into nodes with their raw
 *   (page << 8 | token) id, for which wbxml_tag_name() returns NULL: Q-PARSE-2 (Outlook.com's
 *   page 254 "WindowsLive" in Sync Options, iOS's stray RightsManagement elements) says the
 *   decoder must accept any code page and the command parsers skip what they do not know.
 * - Strings (STR_I) and opaque data are COPIED into the pool: the tree does not point into the
 *   input, so the request body may be freed as soon as wbxml_decode() returns. They go into one
 *   text arena per document (sized by the input, see dec_text_reserve()), and a string is
 *   found, checked for UTF-8 and copied in a single pass (wbxml-scan.h), so the copy costs
 *   about what reading it once does.
 * - Speed (issue 4: decode >= 500 MB/s and >= 10x libwbxml2): the token loop keeps its state
 *   in locals, nodes come in chunks, and the commonest element, <Tag>short text</Tag>, takes
 *   one step. The writer grows its buffer only when a compare says so and copies a string
 *   while it looks for a NUL; wbxml_encode_tree() without a version sizes the document first
 *   and writes it in one go. Every fast path only ever accepts what the plain path would have
 *   produced the same way, and leaves the rest to it (dec_str_i(), the writer):
 *   testdata-refcodec.h keeps the codec as it was before them, and test-wbxml-scan.c and
 *   fuzz-wbxml-diff.c check that both give the same results, error texts, trees and bytes.
 * - Malformed UTF-8 in STR_I is REPLACED with U+FFFD, not rejected: Q-MAIL-3 says servers must be
 *   liberal with broken text, and rejecting a Sync because one contact note has a bad byte
 *   loses the user's edit and makes the phone retry forever. Opaque data is bytes and is never
 *   touched.
 * - Attributes, entities, extensions, processing instructions, string-table references and
 *   literals are not used by EAS and are rejected with an error naming the offset.
 * - Consecutive STR_I tokens inside one element are joined (WBXML allows text in pieces). One
 *   element holds at most one run of text: a second run after a child element, or string and
 *   opaque data mixed, is an error, because the tree keeps one value per element. */
#include "wbxml/wbxml.h"

#include "lib/mem.h"
#include "lib/str.h"
#include "lib/utf8.h"
#include "wbxml/wbxml-scan.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Global tokens of WBXML 1.3 (section 7.1), valid on every code page. */
enum {
	TOK_SWITCH_PAGE = 0x00,
	TOK_END = 0x01,
	TOK_ENTITY = 0x02,
	TOK_STR_I = 0x03,
	TOK_LITERAL = 0x04,
	TOK_EXT_I_0 = 0x40,
	TOK_EXT_I_1 = 0x41,
	TOK_EXT_I_2 = 0x42,
	TOK_PI = 0x43,
	TOK_LITERAL_C = 0x44,
	TOK_EXT_T_0 = 0x80,
	TOK_EXT_T_1 = 0x81,
	TOK_EXT_T_2 = 0x82,
	TOK_STR_T = 0x83,
	TOK_LITERAL_A = 0x84,
	TOK_EXT_0 = 0xc0,
	TOK_EXT_1 = 0xc1,
	TOK_EXT_2 = 0xc2,
	TOK_OPAQUE = 0xc3,
	TOK_LITERAL_AC = 0xc4,
};

#define WBXML_VERSION_1_3 0x03
#define WBXML_PUBLIC_ID_UNKNOWN 0x01
#define WBXML_CHARSET_UTF8 106
#define TAG_CONTENT_BIT 0x40
#define TAG_ATTR_BIT 0x80

/* Defaults of the decoder's limits, for requests from phones:
 * - input 64 MiB: larger than any sane EAS request (SendMail with attachments is the biggest);
 *   the HTTP layer should refuse larger bodies before reading them.
 * - depth 32: the deepest EAS structure (a calendar exception's attendee inside Sync) has 11
 *   levels; 32 leaves room for unknown extensions and stops stack-like abuse.
 * - nodes 500,000: a Sync request of thousands of changes uses tens of thousands; each node
 *   costs about 64 bytes, so the tree stays under ~32 MiB.
 * - string 48 MiB: one STR_I or OPAQUE value (a MIME message with attachments). */
#define DEFAULT_MAX_INPUT (64u * 1024 * 1024)
#define DEFAULT_MAX_DEPTH 32
#define DEFAULT_MAX_NODES 500000
#define DEFAULT_MAX_STRING (48u * 1024 * 1024)

/* Nodes are allocated from the pool in chunks that start at NODE_CHUNK_MIN nodes (or about one
 * node per 16 input bytes, if more) and double up to NODE_CHUNK_MAX: a few allocations per
 * document, and at most one chunk's worth of unused nodes. */
#define NODE_CHUNK_MIN 64
#define NODE_CHUNK_MAX 8192

void wbxml_limits_default(struct wbxml_limits *limits_r)
{
	limits_r->max_input = DEFAULT_MAX_INPUT;
	limits_r->max_depth = DEFAULT_MAX_DEPTH;
	limits_r->max_nodes = DEFAULT_MAX_NODES;
	limits_r->max_string = DEFAULT_MAX_STRING;
}

/* ---- Decoding ---- */

struct decoder {
	pool *p;
	const unsigned char *data;
	size_t len;
	size_t pos;
	struct wbxml_limits limits;
	const char *error;

	size_t nodes_allocated;               /* handed out + not yet, never above max_nodes */
	size_t node_chunk;                    /* size of the next chunk */
	unsigned char *text, *text_end;       /* free space of the text arena (NULL: none yet) */
	size_t short_max;                     /* longest string for WBXML_SCAN_SHORT */
};

/* Records an error "offset N: ..." and returns -1. */
static int __attribute__((format(printf, 3, 4)))
dec_fail(struct decoder *d, size_t offset, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *msg = pool_vprintf(d->p, fmt, ap);
	va_end(ap);
	d->error = pool_printf(d->p, "WBXML offset %zu: %s", offset, msg);
	return -1;
}

/* Reads a multi-byte unsigned 32-bit integer (mb_u_int32: at most 5 bytes, 7 bits each,
 * high bit = more follows). */
static int dec_mb_u_int32(struct decoder *d, const char *what, uint32_t *value_r)
{
	size_t start = d->pos;
	uint32_t value = 0;

	for (unsigned i = 0; i < 5; i++) {
		if (d->pos >= d->len)
			return dec_fail(d, start, "truncated multi-byte integer (%s)", what);
		unsigned char c = d->data[d->pos++];
		if (value > (UINT32_MAX >> 7))
			return dec_fail(d, start, "multi-byte integer (%s) overflows 32 bits", what);
		value = value << 7 | (c & 0x7f);
		if ((c & 0x80) == 0) {
			*value_r = value;
			return 0;
		}
	}
	return dec_fail(d, start, "multi-byte integer (%s) longer than 5 bytes", what);
}

static int dec_header(struct decoder *d)
{
	uint32_t public_id, charset, strtbl_len;

	if (d->len == 0)
		return dec_fail(d, 0, "empty input");
	if (d->data[0] != WBXML_VERSION_1_3)
		return dec_fail(d, 0, "WBXML version byte 0x%02x, expected 0x03 (1.3)", d->data[0]);
	d->pos = 1;
	size_t at = d->pos;
	if (dec_mb_u_int32(d, "public id", &public_id) < 0)
		return -1;
	if (public_id == 0)
		return dec_fail(d, at, "public id given as a string table reference: not supported");
	if (public_id != WBXML_PUBLIC_ID_UNKNOWN)
		return dec_fail(d, at, "public id %u, expected 1 (unknown, as EAS uses)", public_id);
	at = d->pos;
	if (dec_mb_u_int32(d, "charset", &charset) < 0)
		return -1;
	if (charset != WBXML_CHARSET_UTF8)
		return dec_fail(d, at, "charset %u, expected 106 (UTF-8)", charset);
	at = d->pos;
	if (dec_mb_u_int32(d, "string table length", &strtbl_len) < 0)
		return -1;
	if (strtbl_len != 0)
		return dec_fail(d, at, "string table of %u bytes: string table not supported",
				strtbl_len);
	return 0;
}

/* Allocates the next chunk of nodes into [*spare_r, *spare_end_r) (the element at d->pos needs
 * one); -1 with the error set when the document has more elements than the limit. */
static int dec_more_nodes(struct decoder *d, struct wbxml_node **spare_r,
			  struct wbxml_node **spare_end_r)
{
	size_t n = d->limits.max_nodes - d->nodes_allocated;

	if (n == 0)
		return dec_fail(d, d->pos, "more elements than the limit of %zu",
				d->limits.max_nodes);
	if (n > d->node_chunk)
		n = d->node_chunk;
	if (d->node_chunk < NODE_CHUNK_MAX)
		d->node_chunk *= 2;
	*spare_r = pool_alloc(d->p, n * sizeof(struct wbxml_node));
	*spare_end_r = *spare_r + n;
	d->nodes_allocated += n;
	return 0;
}

/* Makes room for size bytes of text values at d->text. The arena is allocated once, at the
 * first value, with the size of the rest of the input from offset at (that value's token):
 * every value of n bytes takes n + 1 bytes of arena (its NUL) and at least n + 2 bytes of input
 * (its token, and a NUL or a length), so from then on the free space is never smaller than the
 * rest of the input. The fast paths rely on that; here it is checked anyway. */
static inline void dec_text_reserve(struct decoder *d, size_t at, size_t size)
{
	if (d->text == NULL || (size_t)(d->text_end - d->text) < size) {
		size_t n = d->len - at;
		if (n < size)
			n = size; /* cannot happen by the bound above; costs nothing to be sure */
		d->text = pool_alloc(d->p, n);
		d->text_end = d->text + n;
	}
}

/* Takes size bytes of the arena (after dec_text_reserve()). */
static inline unsigned char *dec_text_take(struct decoder *d, size_t size)
{
	unsigned char *ret = d->text;

	d->text += size;
	return ret;
}

/* Name of a tag for error messages: "AirSync:Sync" or "page 254 token 0x05". */
static const char *dec_tag_label(struct decoder *d, uint16_t tag)
{
	const char *name = wbxml_tag_name(tag);

	if (name != NULL)
		return pool_printf(d->p, "%s:%s", wbxml_page_name(WBXML_TAG_PAGE(tag)), name);
	return pool_printf(d->p, "page %u token 0x%02x", WBXML_TAG_PAGE(tag), WBXML_TAG_TOKEN(tag));
}

/* Makes node's STRING value valid UTF-8, replacing invalid sequences with U+FFFD (Q-MAIL-3). */
static void dec_sanitize_utf8(struct decoder *d, struct wbxml_node *node)
{
	if (utf8_valid(node->value, node->value_len, NULL))
		return;

	buf fixed = BUF_INIT;
	utf8_append_sanitized(&fixed, node->value, node->value_len);
	node->value = (const unsigned char *)pool_strndup(d->p, (const char *)fixed.data, fixed.len);
	node->value_len = fixed.len;
	buf_free(&fixed);
}

/* Finds, checks and copies the STR_I string at pos into the text arena in one pass
 * (wbxml-scan.h): its length, or WBXML_SCAN_FAIL when dec_str_i() must look at it. Kept out of
 * line, so that the token loop around its caller stays small. */
static size_t __attribute__((noinline)) dec_str_scan(struct decoder *d, size_t pos)
{
	size_t avail = d->len - pos - 1;

	if (avail > d->limits.max_string)
		avail = d->limits.max_string + 1; /* a NUL after that is too far anyway */
	dec_text_reserve(d, pos, avail);
	return WBXML_SCAN_COPY(d->data + pos + 1, avail, d->text);
}

/* The usual STR_I at pos: one piece of valid UTF-8 within the length limit, copied into the
 * text arena. Returns the offset after it, or 0 when dec_str_i() has to do the work (several
 * pieces, invalid UTF-8, no NUL, too long), which then gives exactly the result it always
 * gave. */
static inline size_t dec_str_fast(struct decoder *d, struct wbxml_node *node, size_t pos)
{
	size_t n = WBXML_SCAN_FAIL;

#if WBXML_SCAN_SHORT_LEN > 0
	/* A short string: a block or two, no loop (the arena, once there, has room for it). */
	if (d->len - pos - 1 >= WBXML_SCAN_SHORT_LEN && d->text != NULL)
		n = WBXML_SCAN_SHORT(d->data + pos + 1, d->text);
	if (n > d->short_max) /* WBXML_SCAN_FAIL included */
#endif
		n = dec_str_scan(d, pos);
	if (n == WBXML_SCAN_FAIL)
		return 0;
	size_t next = pos + n + 2;
	if (next < d->len && d->data[next] == TOK_STR_I)
		return 0; /* text in pieces: joined (and checked as a whole) by dec_str_i() */
	node->value = dec_text_take(d, n + 1);
	node->value_len = n;
	node->value_kind = WBXML_VALUE_STRING;
	return next;
}

/* Parses a run of consecutive STR_I tokens at d->pos into node's value: the careful path for
 * what dec_str_fast() leaves (and the reference it must agree with). */
static int dec_str_i(struct decoder *d, struct wbxml_node *node)
{
	size_t start = d->pos;
	size_t total = 0, pos = d->pos, pieces = 0;

	/* First pass: find the end of every piece, so that the text is copied once. */
	while (pos < d->len && d->data[pos] == TOK_STR_I) {
		const unsigned char *s = d->data + pos + 1;
		const unsigned char *nul = memchr(s, '\0', d->len - pos - 1);
		if (nul == NULL)
			return dec_fail(d, pos, "inline string (STR_I) without terminating NUL");
		size_t piece = (size_t)(nul - s);
		total += piece; /* cannot overflow: bounded by the input length */
		if (total > d->limits.max_string)
			return dec_fail(d, start, "string longer than the limit of %zu bytes",
					d->limits.max_string);
		pos += piece + 2;
		pieces++;
	}

	unsigned char *value = pool_alloc(d->p, total + 1);
	if (pieces == 1) {
		memcpy(value, d->data + d->pos + 1, total); /* no second scan */
		d->pos = pos;
	}
	size_t off = 0;
	while (d->pos < pos) {
		const unsigned char *s = d->data + d->pos + 1;
		size_t piece = strlen((const char *)s);
		memcpy(value + off, s, piece);
		off += piece;
		d->pos += piece + 2;
	}
	value[total] = '\0';
	node->value = value;
	node->value_len = total;
	node->value_kind = WBXML_VALUE_STRING;
	dec_sanitize_utf8(d, node);
	return 0;
}

static int dec_opaque(struct decoder *d, struct wbxml_node *node)
{
	size_t start = d->pos;
	uint32_t len;

	d->pos++;
	if (dec_mb_u_int32(d, "opaque length", &len) < 0)
		return -1;
	if (len > d->limits.max_string)
		return dec_fail(d, start, "opaque data of %u bytes exceeds the limit of %zu bytes",
				len, d->limits.max_string);
	if (len > d->len - d->pos)
		return dec_fail(d, start, "opaque data of %u bytes runs past the end of the input "
				"(%zu bytes left)", len, d->len - d->pos);
	/* NUL-terminated as well, so that a careless reader cannot run off the end. */
	dec_text_reserve(d, start, (size_t)len + 1);
	unsigned char *value = dec_text_take(d, (size_t)len + 1);
	memcpy(value, d->data + d->pos, len);
	value[len] = '\0';
	d->pos += len;
	node->value = value;
	node->value_len = len;
	node->value_kind = WBXML_VALUE_OPAQUE;
	return 0;
}

/* Name of a global token that EAS does not use, or NULL when c is not one. */
static const char *unsupported_global_token(unsigned char c)
{
	switch (c) {
	case TOK_ENTITY: return "ENTITY (character entity)";
	case TOK_LITERAL: return "LITERAL (tag name from the string table)";
	case TOK_EXT_I_0: case TOK_EXT_I_1: case TOK_EXT_I_2: return "EXT_I (extension string)";
	case TOK_PI: return "PI (processing instruction)";
	case TOK_LITERAL_C: return "LITERAL_C (tag name from the string table)";
	case TOK_EXT_T_0: case TOK_EXT_T_1: case TOK_EXT_T_2:
		return "EXT_T (extension string table reference)";
	case TOK_STR_T: return "STR_T (string table reference)";
	case TOK_LITERAL_A: return "LITERAL_A (tag name from the string table)";
	case TOK_EXT_0: case TOK_EXT_1: case TOK_EXT_2: return "EXT (extension token)";
	case TOK_LITERAL_AC: return "LITERAL_AC (tag name from the string table)";
	default: return NULL;
	}
}

/* Adds text (STR_I run or OPAQUE) at d->pos to the open element cur. */
static int dec_text(struct decoder *d, struct wbxml_node *cur, const struct wbxml_node *last_text)
{
	unsigned char c = d->data[d->pos];

	if (cur == NULL)
		return dec_fail(d, d->pos, "%s outside the root element",
				c == TOK_STR_I ? "string" : "opaque data");
	if (cur->value_kind != WBXML_VALUE_NONE)
		return dec_fail(d, d->pos, "a second text value in <%s>%s", dec_tag_label(d, cur->tag),
				last_text == cur ? "" : " after a child element");
	return c == TOK_STR_I ? dec_str_i(d, cur) : dec_opaque(d, cur);
}

/* The error for token c at d->pos that is neither a tag nor a token of EAS WBXML. */
static int dec_bad_token(struct decoder *d, unsigned char c, unsigned page)
{
	const char *unsupported = unsupported_global_token(c);

	if (unsupported != NULL)
		return dec_fail(d, d->pos, "%s (0x%02x) is not supported in EAS WBXML",
				unsupported, c);
	return dec_fail(d, d->pos, "tag 0x%02x on page %u has attributes: "
			"attributes are not supported in EAS WBXML", c, page);
}

/* The token loop. Tags, END and single-piece strings, which make up nearly all of a document,
 * are handled inline with the state in locals; everything else goes through d->pos. A local
 * element stands above the root while parsing (so that linking a node never tests for the
 * root), and tail is where the next node is linked: the open element's children, or the next
 * of its last child. */
static int dec_body(struct decoder *d, struct wbxml_node **root_r)
{
	const unsigned char *const data = d->data, *const end = d->data + d->len;
	const unsigned char *p = data + d->pos;
	/* above the root; its text kind keeps strings out of the fast paths at the top */
	struct wbxml_node top = { .value_kind = WBXML_VALUE_STRING };
	struct wbxml_node *cur = &top, **tail = &top.children;
	struct wbxml_node *spare = NULL, *spare_end = NULL; /* allocated nodes not handed out */
	const struct wbxml_node *last_text = NULL; /* element whose text ended at p */
	unsigned page_bits = 0; /* current code page << 8 */
	size_t depth_left = d->limits.max_depth; /* elements that may still be opened */

	while (p < end) {
		unsigned char c = *p;

		if ((c & 0x3f) >= 0x05 && (c & TAG_ATTR_BIT) == 0) {
			/* A tag (0x05-0x3f, with or without the content bit 0x40). */
			if (depth_left == 0) {
				return dec_fail(d, (size_t)(p - data),
						"elements nested deeper than the limit of %zu",
						d->limits.max_depth);
			}
			if (spare == spare_end) {
				d->pos = (size_t)(p - data);
				if (dec_more_nodes(d, &spare, &spare_end) < 0)
					return -1;
			}
			struct wbxml_node *node = spare++;
			bool content = (c & TAG_CONTENT_BIT) != 0;
			*node = (struct wbxml_node){
				.tag = (uint16_t)(page_bits | (c & 0x3f)),
				.value_kind = WBXML_VALUE_NONE,
				.has_content = content,
				.parent = cur,
			};
			*tail = node;
			cur->last_child = node;
			tail = &node->next;
			p++;
			last_text = NULL;
			if (content) {
#if WBXML_SCAN_SHORT_LEN > 0
				/* The most common element of all, <Tag>short text</Tag>, in one go:
				 * what the loop would do for its STR_I and END, minus the rounds. */
				if (end - p >= 2 + WBXML_SCAN_SHORT_LEN && *p == TOK_STR_I &&
				    d->text != NULL) {
					size_t n = WBXML_SCAN_SHORT(p + 1, d->text);
					if (n <= d->short_max && p[n + 2] == TOK_END) {
						node->value = dec_text_take(d, n + 1);
						node->value_len = n;
						node->value_kind = WBXML_VALUE_STRING;
						p += n + 3;
						if (cur == &top)
							break; /* the root element is complete */
						continue;
					}
				}
#endif
				cur = node;
				tail = &node->children;
				depth_left--;
				continue;
			}
			if (cur == &top)
				break; /* the root element is complete */
			continue;
		}
		if (c == TOK_END) {
			if (cur == &top)
				return dec_fail(d, (size_t)(p - data), "END without a start tag");
			tail = &cur->next;
			cur = cur->parent;
			depth_left++;
			p++;
			last_text = NULL;
			if (cur == &top)
				break; /* the root element is closed */
			continue;
		}
		size_t pos = (size_t)(p - data);
		if (c == TOK_STR_I && cur->value_kind == WBXML_VALUE_NONE) {
			size_t next = dec_str_fast(d, cur, pos);
			if (next == 0) {
				d->pos = pos;
				if (dec_str_i(d, cur) < 0)
					return -1;
				next = d->pos;
			}
			p = data + next;
			last_text = cur;
			continue;
		}
		if (c == TOK_SWITCH_PAGE) {
			if (end - p < 2)
				return dec_fail(d, pos, "truncated SWITCH_PAGE");
			/* Any page number is accepted (Q-PARSE-2). */
			page_bits = (unsigned)p[1] << 8;
			p += 2;
			continue;
		}
		d->pos = pos;
		if (c == TOK_STR_I || c == TOK_OPAQUE) {
			/* Opaque data, or a string where none may be (dec_text() says why). */
			if (dec_text(d, cur == &top ? NULL : cur, last_text) < 0)
				return -1;
			p = data + d->pos;
			last_text = cur;
			continue;
		}
		return dec_bad_token(d, c, page_bits >> 8);
	}

	size_t pos = (size_t)(p - data);
	struct wbxml_node *root = top.children;
	if (root == NULL)
		return dec_fail(d, pos, "no root element");
	if (cur != &top) {
		size_t depth = d->limits.max_depth - depth_left;
		return dec_fail(d, pos, "input ends inside <%s> (%zu element%s not closed)",
				dec_tag_label(d, cur->tag), depth, depth == 1 ? "" : "s");
	}
	if (p < end)
		return dec_fail(d, pos, "data after the end of the root element");
	root->parent = NULL; /* it was &top */
	*root_r = root;
	return 0;
}

int wbxml_decode(pool *p, const void *data, size_t len, const struct wbxml_limits *limits,
		 struct wbxml_node **root_r, const char **error_r)
{
	struct decoder d = { .p = p, .data = data, .len = len };

	if (limits != NULL)
		d.limits = *limits;
	else
		wbxml_limits_default(&d.limits);

	if (len > d.limits.max_input) {
		*error_r = pool_printf(p, "WBXML input of %zu bytes exceeds the limit of %zu bytes",
				       len, d.limits.max_input);
		return -1;
	}
#if WBXML_SCAN_SHORT_LEN > 0
	d.short_max = d.limits.max_string;
	if (d.short_max > WBXML_SCAN_SHORT_LEN - 1)
		d.short_max = WBXML_SCAN_SHORT_LEN - 1;
#endif
	d.node_chunk = len / 16;
	if (d.node_chunk < NODE_CHUNK_MIN)
		d.node_chunk = NODE_CHUNK_MIN;
	else if (d.node_chunk > NODE_CHUNK_MAX / 8)
		d.node_chunk = NODE_CHUNK_MAX / 8;
	if (dec_header(&d) < 0 || dec_body(&d, root_r) < 0) {
		*error_r = d.error;
		return -1;
	}
	return 0;
}

/* Reads an mb_u_int32 from data[*pos..len) for wbxml_looks_like(); false when malformed. */
static bool peek_mb_u_int32(const unsigned char *data, size_t len, size_t *pos, uint32_t *value_r)
{
	uint32_t value = 0;

	for (unsigned i = 0; i < 5 && *pos < len; i++) {
		unsigned char c = data[(*pos)++];
		if (value > (UINT32_MAX >> 7))
			return false;
		value = value << 7 | (c & 0x7f);
		if ((c & 0x80) == 0) {
			*value_r = value;
			return true;
		}
	}
	return false;
}

bool wbxml_looks_like(const void *data, size_t len)
{
	const unsigned char *d = data;
	size_t pos = 1;
	uint32_t public_id, charset;

	return len >= 4 && d[0] == WBXML_VERSION_1_3 &&
	       peek_mb_u_int32(d, len, &pos, &public_id) && public_id == WBXML_PUBLIC_ID_UNKNOWN &&
	       peek_mb_u_int32(d, len, &pos, &charset) && charset == WBXML_CHARSET_UTF8 &&
	       pos < len;
}

/* ---- Typed access ---- */

struct wbxml_node *wbxml_child(const struct wbxml_node *node, uint16_t tag)
{
	for (struct wbxml_node *c = node->children; c != NULL; c = c->next) {
		if (c->tag == tag)
			return c;
	}
	return NULL;
}

struct wbxml_node *wbxml_next_same(const struct wbxml_node *child)
{
	for (struct wbxml_node *c = child->next; c != NULL; c = c->next) {
		if (c->tag == child->tag)
			return c;
	}
	return NULL;
}

const char *wbxml_node_str(const struct wbxml_node *node)
{
	switch (node->value_kind) {
	case WBXML_VALUE_STRING:
		return (const char *)node->value;
	case WBXML_VALUE_NONE:
		/* <Tag/> and <Tag></Tag> are both the empty string (Q-PARSE-1). */
		return node->children == NULL ? "" : NULL;
	default:
		return NULL;
	}
}

const char *wbxml_child_str(const struct wbxml_node *node, uint16_t tag)
{
	const struct wbxml_node *child = wbxml_child(node, tag);

	return child == NULL ? NULL : wbxml_node_str(child);
}

/* An element without text or children counts as an empty value (Q-PARSE-1). */
int wbxml_node_bytes(const struct wbxml_node *node, const unsigned char **data_r, size_t *len_r)
{
	if (node->value_kind == WBXML_VALUE_NONE) {
		if (node->children != NULL)
			return -1;
		*data_r = (const unsigned char *)"";
		*len_r = 0;
		return 0;
	}
	*data_r = node->value;
	*len_r = node->value_len;
	return 0;
}

int wbxml_node_uint(const struct wbxml_node *node, uint64_t max, uint64_t *value_r,
		    const char **error_r)
{
	if (node->value_kind != WBXML_VALUE_STRING) {
		*error_r = node->value_kind == WBXML_VALUE_OPAQUE ?
			"number expected, found opaque data" : "number expected, found no text";
		return -1;
	}
	if (str_n_to_uint64((const char *)node->value, node->value_len, max, value_r) < 0) {
		*error_r = "not a decimal number in the allowed range";
		return -1;
	}
	return 0;
}

int wbxml_child_uint(const struct wbxml_node *node, uint16_t tag, uint64_t max,
		     uint64_t *value_r, const char **error_r)
{
	const struct wbxml_node *child = wbxml_child(node, tag);

	if (child == NULL)
		return 1;
	return wbxml_node_uint(child, max, value_r, error_r);
}

/* ---- Encoding ---- */

static void writer_fail(struct wbxml_writer *w, const char *error)
{
	if (!w->failed) {
		w->failed = true;
		w->error = error;
	}
}

/* Where extra more bytes go at the end of out: the buf grows (buf_reserve(), which also keeps
 * room for its NUL) only when the room is short, so that a tag or an END costs a compare. */
static inline unsigned char *out_room(buf *out, size_t extra)
{
	if (out->cap - out->len <= extra)
		buf_reserve(out, extra);
	return out->data + out->len;
}

/* Ends a write at p, the new end of out (with the NUL a buf keeps after its data). */
static inline void out_done(buf *out, unsigned char *p)
{
	out->len = (size_t)(p - out->data);
	*p = '\0';
}

/* Writes value as an mb_u_int32 at p (at most 5 bytes); returns the end. */
static inline unsigned char *put_mb_u_int32(unsigned char *p, uint32_t value)
{
	unsigned char tmp[5];
	size_t n = 0;

	do {
		tmp[4 - n] = (unsigned char)((value & 0x7f) | (n == 0 ? 0 : 0x80));
		value >>= 7;
		n++;
	} while (value != 0);
	memcpy(p, tmp + 5 - n, n);
	return p + n;
}

/* Bytes put_tag_at() writes for tag: 3 with a SWITCH_PAGE first, else 1. */
static inline size_t tag_size(const struct wbxml_writer *w, uint16_t tag)
{
	return WBXML_TAG_PAGE(tag) != w->page ? 3 : 1;
}

/* Writes a start tag at p (with SWITCH_PAGE first when its page is not the current one);
 * returns the end. */
static inline unsigned char *put_tag_at(struct wbxml_writer *w, unsigned char *p, uint16_t tag,
					bool content)
{
	unsigned page = WBXML_TAG_PAGE(tag);

	if (page != w->page) {
		*p++ = TOK_SWITCH_PAGE;
		*p++ = (unsigned char)page;
		w->page = page;
	}
	*p++ = (unsigned char)(WBXML_TAG_TOKEN(tag) | (content ? TAG_CONTENT_BIT : 0));
	return p;
}

static inline void put_tag(struct wbxml_writer *w, uint16_t tag, bool content)
{
	unsigned char *p = out_room(w->out, 3);

	out_done(w->out, put_tag_at(w, p, tag, content));
}

/* Writes the pending start tag, now known to have content. */
static inline void flush_pending(struct wbxml_writer *w)
{
	if (w->has_pending) {
		put_tag(w, w->pending, true);
		w->has_pending = false;
	}
}

void wbxml_writer_init(struct wbxml_writer *w, buf *out, unsigned version)
{
	static const unsigned char header[] = {
		WBXML_VERSION_1_3, WBXML_PUBLIC_ID_UNKNOWN, WBXML_CHARSET_UTF8, 0x00
	};

	memset(w, 0, sizeof(*w));
	w->out = out;
	w->page = 0;
	if (version != 0) {
		w->version_bit = wbxml_version_bit(version);
		if (w->version_bit == 0)
			writer_fail(w, "unknown protocol version for the WBXML writer");
	}
	buf_append(out, header, sizeof(header));
}

void wbxml_start(struct wbxml_writer *w, uint16_t tag)
{
	if (w->failed)
		return;
	if (w->skip_depth > 0) {
		w->skip_depth++;
		return;
	}
	if ((tag & 0xc0) != 0 || WBXML_TAG_TOKEN(tag) < 0x05) {
		writer_fail(w, "invalid tag id");
		return;
	}
	if (w->depth == 0 && w->root_done) {
		writer_fail(w, "a second root element");
		return;
	}
	if (w->version_bit != 0 && (wbxml_tag_versions(tag) & w->version_bit) == 0) {
		/* The negotiated version lacks this element: drop it with its subtree. */
		w->skip_depth = 1;
		return;
	}
	flush_pending(w);
	w->pending = tag;
	w->has_pending = true;
	w->depth++;
}

void wbxml_end(struct wbxml_writer *w)
{
	if (w->failed)
		return;
	if (w->skip_depth > 0) {
		w->skip_depth--;
		return;
	}
	if (w->depth == 0) {
		writer_fail(w, "wbxml_end() without an open element");
		return;
	}
	if (w->has_pending) {
		put_tag(w, w->pending, false);
		w->has_pending = false;
	} else {
		unsigned char *p = out_room(w->out, 1);
		*p++ = TOK_END;
		out_done(w->out, p);
	}
	if (--w->depth == 0)
		w->root_done = true;
}

/* True when the writer may write text now; sets the error otherwise. */
static bool writer_text_ok(struct wbxml_writer *w)
{
	if (w->failed || w->skip_depth > 0)
		return false;
	if (w->depth == 0) {
		writer_fail(w, "text outside an element");
		return false;
	}
	return true;
}

/* The string is copied and checked for a NUL in one pass (wbxml-scan.h), into its place after
 * the pending tag; only when that succeeds are the tag and STR_I written in front of it, so a
 * refused string leaves the output as it was. */
void wbxml_strn(struct wbxml_writer *w, const char *s, size_t len)
{
	if (!writer_text_ok(w))
		return;
	if (len > SIZE_MAX / 2)
		i_panic("WBXML string too long");
	size_t head = w->has_pending ? tag_size(w, w->pending) : 0;
	unsigned char *p = out_room(w->out, head + len + 2);
	if (len > 0 && !WBXML_COPY_NONUL(p + head + 1, (const unsigned char *)s, len)) {
		writer_fail(w, "string with an embedded NUL (use opaque data for bytes)");
		return;
	}
	if (w->has_pending) {
		p = put_tag_at(w, p, w->pending, true);
		w->has_pending = false;
	}
	*p++ = TOK_STR_I;
	p += len;
	*p++ = '\0';
	out_done(w->out, p);
}

void wbxml_str(struct wbxml_writer *w, const char *s)
{
	wbxml_strn(w, s, strlen(s));
}

void wbxml_opaque(struct wbxml_writer *w, const void *data, size_t len)
{
	if (!writer_text_ok(w))
		return;
	if (len > UINT32_MAX) {
		writer_fail(w, "opaque data longer than 4 GiB");
		return;
	}
	if (len > SIZE_MAX / 2)
		i_panic("WBXML opaque data too long");
	unsigned char *p = out_room(w->out, 3 + 1 + 5 + len);
	if (w->has_pending) {
		p = put_tag_at(w, p, w->pending, true);
		w->has_pending = false;
	}
	*p++ = TOK_OPAQUE;
	p = put_mb_u_int32(p, (uint32_t)len);
	if (len > 0)
		memcpy(p, data, len);
	out_done(w->out, p + len);
}

void wbxml_elem_str(struct wbxml_writer *w, uint16_t tag, const char *s)
{
	wbxml_start(w, tag);
	if (s != NULL && *s != '\0')
		wbxml_str(w, s);
	wbxml_end(w);
}

void wbxml_elem_uint(struct wbxml_writer *w, uint16_t tag, uint64_t value)
{
	char digits[24];
	size_t n = sizeof(digits);

	do {
		digits[--n] = (char)('0' + value % 10);
		value /= 10;
	} while (value != 0);
	wbxml_start(w, tag);
	wbxml_strn(w, digits + n, sizeof(digits) - n);
	wbxml_end(w);
}

void wbxml_elem_opaque(struct wbxml_writer *w, uint16_t tag, const void *data, size_t len)
{
	wbxml_start(w, tag);
	wbxml_opaque(w, data, len);
	wbxml_end(w);
}

void wbxml_elem_empty(struct wbxml_writer *w, uint16_t tag)
{
	wbxml_start(w, tag);
	wbxml_end(w);
}

int wbxml_writer_finish(struct wbxml_writer *w, const char **error_r)
{
	if (!w->failed) {
		if (w->skip_depth > 0 || w->depth > 0)
			writer_fail(w, "WBXML elements left open at the end of the document");
		else if (!w->root_done)
			writer_fail(w, "WBXML document without a root element");
	}
	if (w->failed) {
		*error_r = w->error;
		return -1;
	}
	return 0;
}

/* The bytes node takes in the document, without its children: SWITCH_PAGE (when *page_r changes),
 * the tag, its text, its END. 0 when wbxml_start(), wbxml_strn() or wbxml_opaque() could refuse
 * it (the caller leaves such a tree to the writer, which says why). */
static size_t enc_node_size(const struct wbxml_node *node, unsigned *page_r)
{
	uint16_t tag = node->tag;
	size_t size = 1;

	if ((tag & 0xc0) != 0 || WBXML_TAG_TOKEN(tag) < 0x05)
		return 0;
	if (WBXML_TAG_PAGE(tag) != *page_r) {
		*page_r = WBXML_TAG_PAGE(tag);
		size += 2;
	}
	if (node->value_kind == WBXML_VALUE_STRING) {
		if (node->value_len > SIZE_MAX / 4)
			return 0;
		size += 2 + node->value_len + 1;
	} else if (node->value_kind == WBXML_VALUE_OPAQUE) {
		if (node->value_len > UINT32_MAX)
			return 0;
		size += 1 + 5 + node->value_len + 1;
	} else if (node->has_content || node->children != NULL) {
		size += 1;
	}
	return size;
}

/* The next node of a depth-first walk of root's tree after node, whose children have been
 * walked (or that has none); NULL at the end. */
static inline const struct wbxml_node *enc_walk_up(const struct wbxml_node *root,
						   const struct wbxml_node *node)
{
	for (;;) {
		if (node == root)
			return NULL;
		if (node->next != NULL)
			return node->next;
		node = node->parent;
	}
}

/* wbxml_encode_tree() without version filtering, as the writer would do it but without its
 * per-call checks: a first walk sizes the document (and finds what the writer could refuse), the
 * buffer grows once, a second walk writes. -1 leaves out as it was and the writer must do it
 * (then it also gives the error). The output is byte for byte the writer's (the unit tests and
 * fuzz-wbxml.c compare the two). */
static int enc_tree_fast(const struct wbxml_node *root, buf *out)
{
	static const unsigned char header[] = {
		WBXML_VERSION_1_3, WBXML_PUBLIC_ID_UNKNOWN, WBXML_CHARSET_UTF8, 0x00
	};
	const struct wbxml_node *node;
	unsigned page = 0;
	size_t size = sizeof(header);

	if (root == NULL)
		return -1;
	for (node = root; node != NULL;) {
		size_t n = enc_node_size(node, &page);
		if (n == 0 || !size_add(size, n, &size))
			return -1;
		node = node->children != NULL ? node->children : enc_walk_up(root, node);
	}

	size_t start = out->len;
	unsigned char *p = out_room(out, size);
	memcpy(p, header, sizeof(header));
	p += sizeof(header);
	page = 0;
	for (node = root; node != NULL;) {
		uint16_t tag = node->tag;
		if (WBXML_TAG_PAGE(tag) != page) {
			page = WBXML_TAG_PAGE(tag);
			*p++ = TOK_SWITCH_PAGE;
			*p++ = (unsigned char)page;
		}
		bool text = node->value_kind == WBXML_VALUE_STRING ||
			    node->value_kind == WBXML_VALUE_OPAQUE;
		bool content = text || node->has_content || node->children != NULL;
		*p++ = (unsigned char)(WBXML_TAG_TOKEN(tag) | (content ? TAG_CONTENT_BIT : 0));
		size_t len = node->value_len;
		if (node->value_kind == WBXML_VALUE_STRING) {
			*p++ = TOK_STR_I;
			if (len > 0 && !WBXML_COPY_NONUL(p, node->value, len)) {
				out_done(out, out->data + start);
				return -1;
			}
			p += len;
			*p++ = '\0';
		} else if (node->value_kind == WBXML_VALUE_OPAQUE) {
			*p++ = TOK_OPAQUE;
			p = put_mb_u_int32(p, (uint32_t)len);
			if (len > 0)
				memcpy(p, node->value, len);
			p += len;
		}
		if (node->children != NULL) {
			node = node->children;
			continue;
		}
		/* Close node and every ancestor that has no next sibling; the content ones get END. */
		for (;;) {
			if (node->value_kind == WBXML_VALUE_STRING ||
			    node->value_kind == WBXML_VALUE_OPAQUE || node->has_content ||
			    node->children != NULL)
				*p++ = TOK_END;
			if (node == root) {
				node = NULL;
				break;
			}
			if (node->next != NULL) {
				node = node->next;
				break;
			}
			node = node->parent;
		}
	}
	out_done(out, p);
	return 0;
}

int wbxml_encode_tree(const struct wbxml_node *root, buf *out, unsigned version,
		      const char **error_r)
{
	struct wbxml_writer w;
	const struct wbxml_node *node = root;

	if (version == 0 && enc_tree_fast(root, out) == 0)
		return 0;
	wbxml_writer_init(&w, out, version);
	/* Depth-first walk through the parent/next links: no recursion, any depth. */
	while (node != NULL && !w.failed) {
		wbxml_start(&w, node->tag);
		if (node->value_kind == WBXML_VALUE_STRING)
			wbxml_strn(&w, (const char *)node->value, node->value_len);
		else if (node->value_kind == WBXML_VALUE_OPAQUE)
			wbxml_opaque(&w, node->value, node->value_len);
		else if (node->has_content && node->children == NULL && w.skip_depth == 0)
			flush_pending(&w); /* keep <Tag></Tag> as it was */
		if (node->children != NULL) {
			node = node->children;
			continue;
		}
		/* Close node and every ancestor that has no next sibling. */
		while (node != NULL) {
			wbxml_end(&w);
			if (node == root) {
				node = NULL;
				break;
			}
			if (node->next != NULL) {
				node = node->next;
				break;
			}
			node = node->parent;
		}
	}
	return wbxml_writer_finish(&w, error_r);
}
