/* test-pim.h: helpers of the pim unit tests (test-contact.c, test-task.c, test-body.c):
 * building a client's ApplicationData, running it through a class, writing it back and
 * comparing property sets. Header-only so that each test stays one binary. */
#ifndef EASD_TEST_PIM_H
#define EASD_TEST_PIM_H

#include "pim/pim-private.h"
#include "pim/tz.h"

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/pool.h"

#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* A property for building ApplicationData: tag and text; a container lists its children
 * as further entries with depth 1 (children follow their container). */
struct tp {
	uint16_t tag;
	const char *value;   /* NULL: a container (or an empty element when no children) */
	int depth;           /* 0: top level, 1: child of the last depth-0 entry */
};

/* Decodes a WBXML document that must be valid. */
static inline struct wbxml_node *tp_decode(pool *p, const buf *b)
{
	struct wbxml_node *root = NULL;
	const char *error = NULL;

	if (wbxml_decode(p, b->data, b->len, NULL, &root, &error) < 0)
		ck_abort_msg("decode: %s", error);
	return root;
}

/* The WBXML of ApplicationData holding the properties, into b. */
static inline void tp_encode(const struct tp *props, size_t count, buf *b)
{
	struct wbxml_writer w;
	const char *error;
	int depth = 0;

	wbxml_writer_init(&w, b, 0);
	wbxml_start(&w, WBXML_AirSync_ApplicationData);
	for (size_t i = 0; i < count; i++) {
		while (depth > props[i].depth) {
			wbxml_end(&w);
			depth--;
		}
		wbxml_start(&w, props[i].tag);
		if (props[i].value != NULL) {
			wbxml_str(&w, props[i].value);
			wbxml_end(&w);
		} else if (i + 1 < count && props[i + 1].depth > props[i].depth) {
			depth++;
		} else {
			wbxml_end(&w);
		}
	}
	while (depth-- > 0)
		wbxml_end(&w);
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
}

/* ApplicationData holding the properties, as a client of no particular version sends it. */
static inline struct wbxml_node *tp_appdata(pool *p, const struct tp *props, size_t count)
{
	buf b = BUF_INIT;

	tp_encode(props, count, &b);
	struct wbxml_node *root = tp_decode(p, &b);
	buf_free(&b);
	return root;
}

/* Runs from_eas and expects success. */
static inline struct store_item tp_store(pool *p, enum store_class cls,
					 const struct wbxml_node *appdata, int version,
					 const struct store_item *old,
					 const struct pim_supported *sup)
{
	struct store_item item;
	const char *error = NULL;

	memset(&item, 0, sizeof(item));
	if (pim_class(cls)->from_eas(p, appdata, version, old, sup, &item, &error) < 0)
		ck_abort_msg("from_eas: %s", error);
	ck_assert_ptr_nonnull(item.data);
	return item;
}

/* Runs from_eas and expects failure; returns the error. */
#define tp_store_fails(p, cls, appdata, version) \
	tp_store_fails_at((p), (cls), (appdata), (version), __LINE__)
static inline const char *tp_store_fails_at(pool *p, enum store_class cls,
					    const struct wbxml_node *appdata, int version,
					    int line)
{
	struct store_item item;
	const char *error = NULL;

	if (pim_class(cls)->from_eas(p, appdata, version, NULL, NULL, &item, &error) == 0)
		ck_abort_msg("line %d: from_eas accepted what it should refuse", line);
	ck_assert_ptr_nonnull(error);
	return error;
}

/* The ApplicationData a device of opt->version gets for item (written through a writer
 * with the version's filter, as Sync does). */
static inline struct wbxml_node *tp_out(pool *p, enum store_class cls,
					const struct store_item *item,
					const struct pim_out_options *opt)
{
	struct wbxml_writer w;
	buf b = BUF_INIT;
	const char *error = NULL;

	wbxml_writer_init(&w, &b, (unsigned)opt->version);
	wbxml_start(&w, WBXML_AirSync_ApplicationData);
	if (pim_class(cls)->to_eas(p, item, opt, &w, &error) < 0)
		ck_abort_msg("to_eas: %s", error);
	wbxml_end(&w);
	if (wbxml_writer_finish(&w, &error) < 0)
		ck_abort_msg("writer: %s", error);
	struct wbxml_node *root = tp_decode(p, &b);
	buf_free(&b);
	return root;
}

static inline struct wbxml_node *tp_out_version(pool *p, enum store_class cls,
						const struct store_item *item, int version)
{
	struct pim_out_options opt;

	memset(&opt, 0, sizeof(opt));
	opt.version = version;
	return tp_out(p, cls, item, &opt);
}

/* Appends "Page:Tag=value" for every leaf below node (paths joined by '/'). */
static inline void tp_flatten_into(pool *p, const struct wbxml_node *node, const char *prefix,
				   buf *out)
{
	for (const struct wbxml_node *c = node->children; c != NULL; c = c->next) {
		const char *tn = wbxml_tag_name(c->tag);
		const char *pn = wbxml_page_name(WBXML_TAG_PAGE(c->tag));
		const char *name = pool_printf(p, "%s%s%s:%s", prefix, *prefix != '\0' ? "/" : "",
					       pn != NULL ? pn : "?", tn != NULL ? tn : "?");
		if (c->children != NULL) {
			tp_flatten_into(p, c, name, out);
		} else {
			buf_puts(out, name);
			buf_putc(out, '=');
			for (size_t i = 0; i < c->value_len; i++) {
				if (c->value[i] == '\n')
					buf_puts(out, "\\n");
				else
					buf_putc(out, c->value[i]);
			}
			buf_putc(out, '\n');
		}
	}
}

static inline int tp_cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The leaves of node as one sorted text (a set of (path, value), order ignored). */
static inline const char *tp_flatten(pool *p, const struct wbxml_node *node)
{
	buf b = BUF_INIT;
	char *lines[512];
	size_t n = 0;

	tp_flatten_into(p, node, "", &b);
	char *text = pool_strdup(p, buf_cstr(&b));
	buf_free(&b);
	for (char *s = text; *s != '\0' && n < 512;) {
		char *nl = strchr(s, '\n');
		lines[n++] = s;
		*nl = '\0';
		s = nl + 1;
	}
	qsort(lines, n, sizeof(lines[0]), tp_cmp_lines);
	buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		buf_puts(&b, lines[i]);
		buf_putc(&b, '\n');
	}
	const char *sorted = pool_strdup(p, buf_cstr(&b));
	buf_free(&b);
	return sorted;
}

/* Asserts that two flattened texts are equal, naming the first line that differs. */
#define tp_assert_same(a, b) tp_assert_same_at((a), (b), __LINE__)
static inline void tp_assert_same_at(const char *a, const char *b, int line)
{
	size_t i = 0, start = 0;

	while (a[i] != '\0' && a[i] == b[i]) {
		if (a[i] == '\n')
			start = i + 1;
		i++;
	}
	if (a[i] == '\0' && b[i] == '\0')
		return;
	ck_abort_msg("line %d: differ at \"%.100s\" vs \"%.100s\"", line, a + start, b + start);
}

/* The text of the first child with tag (NULL when absent). */
static inline const char *tp_get(const struct wbxml_node *node, uint16_t tag)
{
	const struct wbxml_node *c = wbxml_child(node, tag);
	return c == NULL ? NULL : wbxml_node_str(c);
}

/* A TimeZone blob (base64): bias in minutes west of UTC, the standard name, and with eu_dst
 * the EU rules (last Sunday of March 02:00 to the last Sunday of October 03:00, 60 min). */
static inline const char *tp_tz_blob(pool *p, int32_t bias, bool eu_dst, const char *std_name)
{
	struct pim_tz_blob b;
	unsigned char raw[PIM_TZ_BLOB_SIZE];
	buf out = BUF_INIT;

	memset(&b, 0, sizeof(b));
	b.bias = bias;
	for (size_t i = 0; std_name[i] != '\0' && i < 31; i++)
		b.standard_name[i] = (uint16_t)std_name[i];
	if (eu_dst) {
		b.standard_date.month = 10;
		b.standard_date.day = 5;
		b.standard_date.hour = 3;
		b.daylight_date.month = 3;
		b.daylight_date.day = 5;
		b.daylight_date.hour = 2;
		b.daylight_bias = -60;
	}
	pim_tz_blob_encode(&b, raw);
	base64_encode(&out, raw, sizeof(raw));
	const char *s = pool_strdup(p, buf_cstr(&out));
	buf_free(&out);
	return s;
}

#endif
