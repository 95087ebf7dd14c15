/* testdata-refcodec.h: the WBXML codec as it was before its fast paths (commit 3d7b29d): the
 * decoder and the writer, kept as a test oracle for the unit tests (test-wbxml-scan.c) and the
 * differential fuzz target (fuzz-wbxml-diff.c) only. The codec in wbxml.c must give exactly
 * what this one gives on every input, limit and call sequence: the same result, the same error
 * text, the same tree, the same bytes. It is simple on purpose (memchr, then memcpy, then a
 * separate UTF-8 check; a buf call per token); do not optimise it. Everything is static and
 * prefixed ref_ so that it can sit beside the real codec. */
#ifndef EASD_WBXML_TESTDATA_REFCODEC_H
#define EASD_WBXML_TESTDATA_REFCODEC_H

#include "wbxml/wbxml.h"

#include "lib/buf.h"
#include "lib/pool.h"
#include "lib/utf8.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Not every includer uses every function. */
#define REF_UNUSED __attribute__((unused))

#define REF_NODE_CHUNK 64

enum {
	REF_TOK_SWITCH_PAGE = 0x00,
	REF_TOK_END = 0x01,
	REF_TOK_ENTITY = 0x02,
	REF_TOK_STR_I = 0x03,
	REF_TOK_LITERAL = 0x04,
	REF_TOK_EXT_I_0 = 0x40,
	REF_TOK_EXT_I_1 = 0x41,
	REF_TOK_EXT_I_2 = 0x42,
	REF_TOK_PI = 0x43,
	REF_TOK_LITERAL_C = 0x44,
	REF_TOK_EXT_T_0 = 0x80,
	REF_TOK_EXT_T_1 = 0x81,
	REF_TOK_EXT_T_2 = 0x82,
	REF_TOK_STR_T = 0x83,
	REF_TOK_LITERAL_A = 0x84,
	REF_TOK_EXT_0 = 0xc0,
	REF_TOK_EXT_1 = 0xc1,
	REF_TOK_EXT_2 = 0xc2,
	REF_TOK_OPAQUE = 0xc3,
	REF_TOK_LITERAL_AC = 0xc4,
};

#define REF_WBXML_VERSION_1_3 0x03
#define REF_WBXML_PUBLIC_ID_UNKNOWN 0x01
#define REF_WBXML_CHARSET_UTF8 106
#define REF_TAG_CONTENT_BIT 0x40
#define REF_TAG_ATTR_BIT 0x80

struct ref_decoder {
	pool *p;
	const unsigned char *data;
	size_t len;
	size_t pos;
	struct wbxml_limits limits;
	const char *error;

	struct wbxml_node *spare; /* preallocated nodes not handed out yet */
	size_t spare_count;
	size_t node_count;
};

/* Records an error "offset N: ..." and returns -1. */
REF_UNUSED static int __attribute__((format(printf, 3, 4)))
ref_dec_fail(struct ref_decoder *d, size_t offset, const char *fmt, ...)
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
REF_UNUSED static int ref_dec_mb_u_int32(struct ref_decoder *d, const char *what, uint32_t *value_r)
{
	size_t start = d->pos;
	uint32_t value = 0;

	for (unsigned i = 0; i < 5; i++) {
		if (d->pos >= d->len)
			return ref_dec_fail(d, start, "truncated multi-byte integer (%s)", what);
		unsigned char c = d->data[d->pos++];
		if (value > (UINT32_MAX >> 7))
			return ref_dec_fail(d, start, "multi-byte integer (%s) overflows 32 bits", what);
		value = value << 7 | (c & 0x7f);
		if ((c & 0x80) == 0) {
			*value_r = value;
			return 0;
		}
	}
	return ref_dec_fail(d, start, "multi-byte integer (%s) longer than 5 bytes", what);
}

REF_UNUSED static int ref_dec_header(struct ref_decoder *d)
{
	uint32_t public_id, charset, strtbl_len;

	if (d->len == 0)
		return ref_dec_fail(d, 0, "empty input");
	if (d->data[0] != REF_WBXML_VERSION_1_3)
		return ref_dec_fail(d, 0, "WBXML version byte 0x%02x, expected 0x03 (1.3)", d->data[0]);
	d->pos = 1;
	size_t at = d->pos;
	if (ref_dec_mb_u_int32(d, "public id", &public_id) < 0)
		return -1;
	if (public_id == 0)
		return ref_dec_fail(d, at, "public id given as a string table reference: not supported");
	if (public_id != REF_WBXML_PUBLIC_ID_UNKNOWN)
		return ref_dec_fail(d, at, "public id %u, expected 1 (unknown, as EAS uses)", public_id);
	at = d->pos;
	if (ref_dec_mb_u_int32(d, "charset", &charset) < 0)
		return -1;
	if (charset != REF_WBXML_CHARSET_UTF8)
		return ref_dec_fail(d, at, "charset %u, expected 106 (UTF-8)", charset);
	at = d->pos;
	if (ref_dec_mb_u_int32(d, "string table length", &strtbl_len) < 0)
		return -1;
	if (strtbl_len != 0)
		return ref_dec_fail(d, at, "string table of %u bytes: string table not supported",
				strtbl_len);
	return 0;
}

REF_UNUSED static struct wbxml_node *ref_dec_new_node(struct ref_decoder *d)
{
	if (d->spare_count == 0) {
		size_t n = d->limits.max_nodes - d->node_count;
		if (n > REF_NODE_CHUNK)
			n = REF_NODE_CHUNK;
		d->spare = pool_alloc(d->p, n * sizeof(struct wbxml_node));
		d->spare_count = n;
	}
	d->spare_count--;
	d->node_count++;
	return d->spare++;
}

/* Name of a tag for error messages: "AirSync:Sync" or "page 254 token 0x05". */
REF_UNUSED static const char *ref_dec_tag_label(struct ref_decoder *d, uint16_t tag)
{
	const char *name = wbxml_tag_name(tag);

	if (name != NULL)
		return pool_printf(d->p, "%s:%s", wbxml_page_name(WBXML_TAG_PAGE(tag)), name);
	return pool_printf(d->p, "page %u token 0x%02x", WBXML_TAG_PAGE(tag), WBXML_TAG_TOKEN(tag));
}

/* True when s[0..len) is valid UTF-8 by the rules of lib/utf8.c (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF). A local copy because this is the decoder's hot loop: ASCII
 * is checked a word at a time and sequences inline, about 4x faster than utf8_valid() on text
 * that is not ASCII. The fuzz target checks that it never accepts what utf8_valid() rejects. */
REF_UNUSED static bool ref_text_is_valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (len - i >= 8) {
			uint64_t w;
			memcpy(&w, s + i, sizeof(w));
			if ((w & UINT64_C(0x8080808080808080)) == 0) {
				i += 8;
				continue;
			}
		}
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
		} else if (c < 0xc2) {
			return false;
		} else if (c < 0xe0) {
			if (len - i < 2 || (s[i + 1] & 0xc0) != 0x80)
				return false;
			i += 2;
		} else if (c < 0xf0) {
			if (len - i < 3 || (s[i + 1] & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80)
				return false;
			if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] >= 0xa0))
				return false; /* overlong, or a surrogate */
			i += 3;
		} else if (c < 0xf5) {
			if (len - i < 4 || (s[i + 1] & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80 ||
			    (s[i + 3] & 0xc0) != 0x80)
				return false;
			if ((c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] >= 0x90))
				return false; /* overlong, or above U+10FFFF */
			i += 4;
		} else {
			return false;
		}
	}
	return true;
}

/* Makes node's STRING value valid UTF-8, replacing invalid sequences with U+FFFD (Q-MAIL-3). */
REF_UNUSED static void ref_dec_sanitize_utf8(struct ref_decoder *d, struct wbxml_node *node)
{
	if (ref_text_is_valid_utf8(node->value, node->value_len))
		return;

	buf fixed = BUF_INIT;
	utf8_append_sanitized(&fixed, node->value, node->value_len);
	node->value = (const unsigned char *)pool_strndup(d->p, (const char *)fixed.data, fixed.len);
	node->value_len = fixed.len;
	buf_free(&fixed);
}

/* Parses a run of consecutive STR_I tokens at d->pos into node's value. */
REF_UNUSED static int ref_dec_str_i(struct ref_decoder *d, struct wbxml_node *node)
{
	size_t start = d->pos;
	size_t total = 0, pos = d->pos, pieces = 0;

	/* First pass: find the end of every piece, so that the text is copied once. */
	while (pos < d->len && d->data[pos] == REF_TOK_STR_I) {
		const unsigned char *s = d->data + pos + 1;
		const unsigned char *nul = memchr(s, '\0', d->len - pos - 1);
		if (nul == NULL)
			return ref_dec_fail(d, pos, "inline string (STR_I) without terminating NUL");
		size_t piece = (size_t)(nul - s);
		total += piece; /* cannot overflow: bounded by the input length */
		if (total > d->limits.max_string)
			return ref_dec_fail(d, start, "string longer than the limit of %zu bytes",
					d->limits.max_string);
		pos += piece + 2;
		pieces++;
	}

	unsigned char *value = pool_alloc(d->p, total + 1);
	if (pieces == 1) {
		memcpy(value, d->data + d->pos + 1, total); /* the usual case: no second scan */
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
	ref_dec_sanitize_utf8(d, node);
	return 0;
}

REF_UNUSED static int ref_dec_opaque(struct ref_decoder *d, struct wbxml_node *node)
{
	size_t start = d->pos;
	uint32_t len;

	d->pos++;
	if (ref_dec_mb_u_int32(d, "opaque length", &len) < 0)
		return -1;
	if (len > d->limits.max_string)
		return ref_dec_fail(d, start, "opaque data of %u bytes exceeds the limit of %zu bytes",
				len, d->limits.max_string);
	if (len > d->len - d->pos)
		return ref_dec_fail(d, start, "opaque data of %u bytes runs past the end of the input "
				"(%zu bytes left)", len, d->len - d->pos);
	/* NUL-terminated as well, so that a careless reader cannot run off the end. */
	unsigned char *value = pool_alloc(d->p, (size_t)len + 1);
	memcpy(value, d->data + d->pos, len);
	value[len] = '\0';
	d->pos += len;
	node->value = value;
	node->value_len = len;
	node->value_kind = WBXML_VALUE_OPAQUE;
	return 0;
}

/* Name of a global token that EAS does not use, or NULL when c is not one. */
REF_UNUSED static const char *ref_unsupported_global_token(unsigned char c)
{
	switch (c) {
	case REF_TOK_ENTITY: return "ENTITY (character entity)";
	case REF_TOK_LITERAL: return "LITERAL (tag name from the string table)";
	case REF_TOK_EXT_I_0: case REF_TOK_EXT_I_1: case REF_TOK_EXT_I_2:
		return "EXT_I (extension string)";
	case REF_TOK_PI: return "PI (processing instruction)";
	case REF_TOK_LITERAL_C: return "LITERAL_C (tag name from the string table)";
	case REF_TOK_EXT_T_0: case REF_TOK_EXT_T_1: case REF_TOK_EXT_T_2:
		return "EXT_T (extension string table reference)";
	case REF_TOK_STR_T: return "STR_T (string table reference)";
	case REF_TOK_LITERAL_A: return "LITERAL_A (tag name from the string table)";
	case REF_TOK_EXT_0: case REF_TOK_EXT_1: case REF_TOK_EXT_2: return "EXT (extension token)";
	case REF_TOK_LITERAL_AC: return "LITERAL_AC (tag name from the string table)";
	default: return NULL;
	}
}

/* Adds text (STR_I run or OPAQUE) at d->pos to the open element cur. */
REF_UNUSED static int ref_dec_text(struct ref_decoder *d, struct wbxml_node *cur,
			const struct wbxml_node *last_text)
{
	unsigned char c = d->data[d->pos];

	if (cur == NULL)
		return ref_dec_fail(d, d->pos, "%s outside the root element",
				c == REF_TOK_STR_I ? "string" : "opaque data");
	if (cur->value_kind != WBXML_VALUE_NONE)
		return ref_dec_fail(d, d->pos, "a second text value in <%s>%s",
				    ref_dec_tag_label(d, cur->tag),
				    last_text == cur ? "" : " after a child element");
	return c == REF_TOK_STR_I ? ref_dec_str_i(d, cur) : ref_dec_opaque(d, cur);
}

REF_UNUSED static int ref_dec_body(struct ref_decoder *d, struct wbxml_node **root_r)
{
	struct wbxml_node *root = NULL, *cur = NULL;
	const struct wbxml_node *last_text = NULL; /* element whose text ended at d->pos */
	unsigned page = 0;
	size_t depth = 0; /* open elements */

	while (d->pos < d->len) {
		unsigned char c = d->data[d->pos];

		if (root != NULL && cur == NULL)
			return ref_dec_fail(d, d->pos, "data after the end of the root element");

		switch (c) {
		case REF_TOK_SWITCH_PAGE:
			if (d->len - d->pos < 2)
				return ref_dec_fail(d, d->pos, "truncated SWITCH_PAGE");
			/* Any page number is accepted (Q-PARSE-2). */
			page = d->data[d->pos + 1];
			d->pos += 2;
			continue;
		case REF_TOK_END:
			if (cur == NULL)
				return ref_dec_fail(d, d->pos, "END without a start tag");
			cur = cur->parent;
			depth--;
			d->pos++;
			last_text = NULL;
			continue;
		case REF_TOK_STR_I:
		case REF_TOK_OPAQUE:
			if (ref_dec_text(d, cur, last_text) < 0)
				return -1;
			last_text = cur;
			continue;
		default:
			break;
		}

		const char *unsupported = ref_unsupported_global_token(c);
		if (unsupported != NULL)
			return ref_dec_fail(d, d->pos, "%s (0x%02x) is not supported in EAS WBXML",
					unsupported, c);
		if ((c & REF_TAG_ATTR_BIT) != 0)
			return ref_dec_fail(d, d->pos, "tag 0x%02x on page %u has attributes: "
					"attributes are not supported in EAS WBXML", c, page);
		if (depth + 1 > d->limits.max_depth)
			return ref_dec_fail(d, d->pos, "elements nested deeper than the limit of %zu",
					d->limits.max_depth);
		if (d->node_count >= d->limits.max_nodes)
			return ref_dec_fail(d, d->pos, "more elements than the limit of %zu",
					d->limits.max_nodes);

		struct wbxml_node *node = ref_dec_new_node(d);
		node->tag = WBXML_TAG(page, c);
		node->value_kind = WBXML_VALUE_NONE;
		node->has_content = (c & REF_TAG_CONTENT_BIT) != 0;
		node->value = NULL;
		node->value_len = 0;
		node->parent = cur;
		node->children = node->last_child = node->next = NULL;
		if (cur == NULL) {
			root = node;
		} else {
			if (cur->last_child == NULL)
				cur->children = node;
			else
				cur->last_child->next = node;
			cur->last_child = node;
		}
		d->pos++;
		last_text = NULL;
		if (node->has_content) {
			cur = node;
			depth++;
		}
	}

	if (root == NULL)
		return ref_dec_fail(d, d->pos, "no root element");
	if (cur != NULL)
		return ref_dec_fail(d, d->pos, "input ends inside <%s> (%zu element%s not closed)",
				ref_dec_tag_label(d, cur->tag), depth, depth == 1 ? "" : "s");
	*root_r = root;
	return 0;
}

/* The reference: wbxml_decode() as it was. */
__attribute__((unused))
/* The reference: wbxml_decode() as it was. */
REF_UNUSED static int ref_wbxml_decode(pool *p, const void *data, size_t len,
			    const struct wbxml_limits *limits, struct wbxml_node **root_r,
			    const char **error_r)
{
	struct ref_decoder d = { .p = p, .data = data, .len = len };

	if (limits != NULL)
		d.limits = *limits;
	else
		wbxml_limits_default(&d.limits);

	if (len > d.limits.max_input) {
		*error_r = pool_printf(p, "WBXML input of %zu bytes exceeds the limit of %zu bytes",
				       len, d.limits.max_input);
		return -1;
	}
	if (ref_dec_header(&d) < 0 || ref_dec_body(&d, root_r) < 0) {
		*error_r = d.error;
		return -1;
	}
	return 0;
}

/* ---- Encoding ---- */

REF_UNUSED static void ref_writer_fail(struct wbxml_writer *w, const char *error)
{
	if (!w->failed) {
		w->failed = true;
		w->error = error;
	}
}

REF_UNUSED static void ref_put_mb_u_int32(buf *out, uint32_t value)
{
	unsigned char tmp[5];
	size_t n = 0;

	do {
		tmp[4 - n] = (unsigned char)((value & 0x7f) | (n == 0 ? 0 : 0x80));
		value >>= 7;
		n++;
	} while (value != 0);
	buf_append(out, tmp + 5 - n, n);
}

/* Writes a start tag (with SWITCH_PAGE first when its page is not the current one). */
REF_UNUSED static void ref_put_tag(struct wbxml_writer *w, uint16_t tag, bool content)
{
	unsigned page = WBXML_TAG_PAGE(tag);
	unsigned char *p;

	buf_reserve(w->out, 3);
	p = w->out->data + w->out->len;
	if (page != w->page) {
		*p++ = REF_TOK_SWITCH_PAGE;
		*p++ = (unsigned char)page;
		w->page = page;
	}
	*p++ = (unsigned char)(WBXML_TAG_TOKEN(tag) | (content ? REF_TAG_CONTENT_BIT : 0));
	w->out->len = (size_t)(p - w->out->data);
	w->out->data[w->out->len] = '\0';
}

/* Writes the pending start tag, now known to have content. */
REF_UNUSED static void ref_flush_pending(struct wbxml_writer *w)
{
	if (w->has_pending) {
		ref_put_tag(w, w->pending, true);
		w->has_pending = false;
	}
}

REF_UNUSED static void ref_wbxml_writer_init(struct wbxml_writer *w, buf *out, unsigned version)
{
	static const unsigned char header[] = {
		REF_WBXML_VERSION_1_3, REF_WBXML_PUBLIC_ID_UNKNOWN, REF_WBXML_CHARSET_UTF8, 0x00
	};

	memset(w, 0, sizeof(*w));
	w->out = out;
	w->page = 0;
	if (version != 0) {
		w->version_bit = wbxml_version_bit(version);
		if (w->version_bit == 0)
			ref_writer_fail(w, "unknown protocol version for the WBXML writer");
	}
	buf_append(out, header, sizeof(header));
}

REF_UNUSED static void ref_wbxml_start(struct wbxml_writer *w, uint16_t tag)
{
	if (w->failed)
		return;
	if (w->skip_depth > 0) {
		w->skip_depth++;
		return;
	}
	if ((tag & 0xc0) != 0 || WBXML_TAG_TOKEN(tag) < 0x05) {
		ref_writer_fail(w, "invalid tag id");
		return;
	}
	if (w->depth == 0 && w->root_done) {
		ref_writer_fail(w, "a second root element");
		return;
	}
	if (w->version_bit != 0 && (wbxml_tag_versions(tag) & w->version_bit) == 0) {
		/* The negotiated version lacks this element: drop it with its subtree. */
		w->skip_depth = 1;
		return;
	}
	ref_flush_pending(w);
	w->pending = tag;
	w->has_pending = true;
	w->depth++;
}

REF_UNUSED static void ref_wbxml_end(struct wbxml_writer *w)
{
	if (w->failed)
		return;
	if (w->skip_depth > 0) {
		w->skip_depth--;
		return;
	}
	if (w->depth == 0) {
		ref_writer_fail(w, "wbxml_end() without an open element");
		return;
	}
	if (w->has_pending) {
		ref_put_tag(w, w->pending, false);
		w->has_pending = false;
	} else {
		buf_putc(w->out, REF_TOK_END);
	}
	if (--w->depth == 0)
		w->root_done = true;
}

/* True when the writer may write text now; sets the error otherwise. */
REF_UNUSED static bool ref_writer_text_ok(struct wbxml_writer *w)
{
	if (w->failed || w->skip_depth > 0)
		return false;
	if (w->depth == 0) {
		ref_writer_fail(w, "text outside an element");
		return false;
	}
	return true;
}

REF_UNUSED static void ref_wbxml_strn(struct wbxml_writer *w, const char *s, size_t len)
{
	if (!ref_writer_text_ok(w))
		return;
	if (len > 0 && memchr(s, '\0', len) != NULL) {
		ref_writer_fail(w, "string with an embedded NUL (use opaque data for bytes)");
		return;
	}
	ref_flush_pending(w);
	buf_reserve(w->out, len + 2);
	unsigned char *p = w->out->data + w->out->len;
	*p++ = REF_TOK_STR_I;
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	w->out->len += len + 2;
	w->out->data[w->out->len] = '\0';
}

REF_UNUSED static void ref_wbxml_str(struct wbxml_writer *w, const char *s)
{
	ref_wbxml_strn(w, s, strlen(s));
}

REF_UNUSED static void ref_wbxml_opaque(struct wbxml_writer *w, const void *data, size_t len)
{
	if (!ref_writer_text_ok(w))
		return;
	if (len > UINT32_MAX) {
		ref_writer_fail(w, "opaque data longer than 4 GiB");
		return;
	}
	ref_flush_pending(w);
	buf_putc(w->out, REF_TOK_OPAQUE);
	ref_put_mb_u_int32(w->out, (uint32_t)len);
	buf_append(w->out, data, len);
}

REF_UNUSED static void ref_wbxml_elem_str(struct wbxml_writer *w, uint16_t tag, const char *s)
{
	ref_wbxml_start(w, tag);
	if (s != NULL && *s != '\0')
		ref_wbxml_str(w, s);
	ref_wbxml_end(w);
}

REF_UNUSED static void ref_wbxml_elem_uint(struct wbxml_writer *w, uint16_t tag, uint64_t value)
{
	char digits[24];
	size_t n = sizeof(digits);

	do {
		digits[--n] = (char)('0' + value % 10);
		value /= 10;
	} while (value != 0);
	ref_wbxml_start(w, tag);
	ref_wbxml_strn(w, digits + n, sizeof(digits) - n);
	ref_wbxml_end(w);
}

REF_UNUSED static void ref_wbxml_elem_opaque(struct wbxml_writer *w, uint16_t tag, const void *data,
				  size_t len)
{
	ref_wbxml_start(w, tag);
	ref_wbxml_opaque(w, data, len);
	ref_wbxml_end(w);
}

REF_UNUSED static void ref_wbxml_elem_empty(struct wbxml_writer *w, uint16_t tag)
{
	ref_wbxml_start(w, tag);
	ref_wbxml_end(w);
}

REF_UNUSED static int ref_wbxml_writer_finish(struct wbxml_writer *w, const char **error_r)
{
	if (!w->failed) {
		if (w->skip_depth > 0 || w->depth > 0)
			ref_writer_fail(w, "WBXML elements left open at the end of the document");
		else if (!w->root_done)
			ref_writer_fail(w, "WBXML document without a root element");
	}
	if (w->failed) {
		*error_r = w->error;
		return -1;
	}
	return 0;
}

REF_UNUSED static int ref_wbxml_encode_tree(const struct wbxml_node *root, buf *out,
					    unsigned version, const char **error_r)
{
	struct wbxml_writer w;
	const struct wbxml_node *node = root;

	ref_wbxml_writer_init(&w, out, version);
	/* Depth-first walk through the parent/next links: no recursion, any depth. */
	while (node != NULL && !w.failed) {
		ref_wbxml_start(&w, node->tag);
		if (node->value_kind == WBXML_VALUE_STRING)
			ref_wbxml_strn(&w, (const char *)node->value, node->value_len);
		else if (node->value_kind == WBXML_VALUE_OPAQUE)
			ref_wbxml_opaque(&w, node->value, node->value_len);
		else if (node->has_content && node->children == NULL && w.skip_depth == 0)
			ref_flush_pending(&w); /* keep <Tag></Tag> as it was */
		if (node->children != NULL) {
			node = node->children;
			continue;
		}
		/* Close node and every ancestor that has no next sibling. */
		while (node != NULL) {
			ref_wbxml_end(&w);
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
	return ref_wbxml_writer_finish(&w, error_r);
}

#endif
