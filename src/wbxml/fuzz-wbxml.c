/* fuzz-wbxml.c: libFuzzer target for the WBXML decoder and encoder.
 *
 * Decodes the input; when that succeeds, re-encodes the tree, decodes the result and requires
 * the same tree and the same bytes on a second round (the encoder's output is canonical). Also
 * runs the typed accessors over every node and a version-filtered encode, which must always
 * produce a document that decodes. Any disagreement aborts, so libFuzzer records the input. */
#include "wbxml/wbxml.h"

#include "lib/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *error)
{
	fprintf(stderr, "fuzz-wbxml: %s%s%s\n", what, error != NULL ? ": " : "",
		error != NULL ? error : "");
	abort();
}

/* True when the two trees have the same tags, values and shape. */
static bool trees_equal(const struct wbxml_node *a, const struct wbxml_node *b)
{
	while (a != NULL && b != NULL) {
		if (a->tag != b->tag || a->value_kind != b->value_kind ||
		    a->has_content != b->has_content || a->value_len != b->value_len)
			return false;
		if (a->value_len > 0 && memcmp(a->value, b->value, a->value_len) != 0)
			return false;
		if ((a->children == NULL) != (b->children == NULL))
			return false;
		if (a->children != NULL && !trees_equal(a->children, b->children))
			return false;
		a = a->next;
		b = b->next;
	}
	return a == NULL && b == NULL;
}

/* Calls every accessor on every node: they must not crash on any decoded tree. */
static void touch_accessors(const struct wbxml_node *node)
{
	for (; node != NULL; node = node->next) {
		const unsigned char *bytes;
		size_t len;
		uint64_t v;
		const char *error;
		const char *s = wbxml_node_str(node);

		if (s != NULL && node->value_kind == WBXML_VALUE_STRING && strlen(s) != node->value_len)
			fuzz_fail("string value with an embedded NUL", NULL);
		if (node->value_kind == WBXML_VALUE_STRING &&
		    !utf8_valid(node->value, node->value_len, NULL))
			fuzz_fail("decoded string is not valid UTF-8", NULL);
		(void)wbxml_node_bytes(node, &bytes, &len);
		(void)wbxml_node_uint(node, UINT32_MAX, &v, &error);
		(void)wbxml_tag_name(node->tag);
		if (node->children != NULL) {
			(void)wbxml_child_str(node, node->children->tag);
			(void)wbxml_next_same(node->children);
			touch_accessors(node->children);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pool *p = pool_new(0);
	struct wbxml_node *root, *root2, *root3;
	const char *error;
	buf once = BUF_INIT, twice = BUF_INIT, filtered = BUF_INIT;

	(void)wbxml_looks_like(data, size);
	if (wbxml_decode(p, data, size, NULL, &root, &error) < 0) {
		if (error == NULL || strstr(error, "WBXML") == NULL)
			fuzz_fail("error without a message", error);
		pool_free(&p);
		return 0;
	}
	touch_accessors(root);

	if (wbxml_encode_tree(root, &once, 0, &error) < 0)
		fuzz_fail("re-encoding a decoded tree failed", error);
	if (wbxml_decode(p, once.data, once.len, NULL, &root2, &error) < 0)
		fuzz_fail("decoding our own encoding failed", error);
	if (!trees_equal(root, root2))
		fuzz_fail("tree changed in a round trip", NULL);
	if (wbxml_encode_tree(root2, &twice, 0, &error) < 0)
		fuzz_fail("second encoding failed", error);
	if (once.len != twice.len || memcmp(once.data, twice.data, once.len) != 0)
		fuzz_fail("encoding is not stable", NULL);

	/* Version filtering may drop the root (then the document is empty) but never produces
	 * something that does not decode. */
	if (wbxml_encode_tree(root, &filtered, 121, &error) == 0 &&
	    wbxml_decode(p, filtered.data, filtered.len, NULL, &root3, &error) < 0)
		fuzz_fail("version-filtered encoding does not decode", error);

	buf_free(&once);
	buf_free(&twice);
	buf_free(&filtered);
	pool_free(&p);
	return 0;
}
