/* fuzz-wbxml-diff.c: libFuzzer target that holds the codec to the codec it replaced.
 *
 * wbxml_decode() has fast paths (wbxml-scan.h: one-pass string scanning, a text arena, a fused
 * path for <Tag>text</Tag>), and so have the writer and wbxml_encode_tree();
 * testdata-refcodec.h keeps the simple codec they replaced. On every input both must agree
 * exactly: the same result, the same error text, the same tree; a decoded tree encodes to the
 * same bytes (with and without version filtering); the input read as a sequence of writer calls
 * leaves both writers with the same bytes and state after every call.
 * The first input byte picks the limits (defaults, or small string, node and depth limits, so
 * that every limit check is reached); the rest is the document. Every string scanner is also
 * run on the input itself and compared with a plain memchr + lib/utf8 reference. Any
 * disagreement aborts, so libFuzzer records the input; test-wbxml-scan.c replays the inputs
 * kept in tests/regress/wbxml/ the same way (keep the limits byte in step with it).
 * Seeds: tests/fuzz-seeds/wbxml-diff/ (the wbxml seeds behind a limits byte, and documents
 * with long and 8-bit strings). */
#include "wbxml/wbxml.h"
#include "wbxml/wbxml-scan.h"
#include "wbxml/testdata-refcodec.h"

#include "lib/pool.h"
#include "lib/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-wbxml-diff: %s%s%s\n", what, detail != NULL ? ": " : "",
		detail != NULL ? detail : "");
	abort();
}

/* True when the two trees are the same: tags, flags, values (with their NUL), shape, links. */
static bool same_tree(const struct wbxml_node *a, const struct wbxml_node *b,
		      const struct wbxml_node *parent_a, const struct wbxml_node *parent_b)
{
	while (a != NULL && b != NULL) {
		if (a->tag != b->tag || a->value_kind != b->value_kind ||
		    a->has_content != b->has_content || a->value_len != b->value_len ||
		    (a->value == NULL) != (b->value == NULL))
			return false;
		if (a->value != NULL && memcmp(a->value, b->value, a->value_len + 1) != 0)
			return false;
		if (a->parent != parent_a || b->parent != parent_b ||
		    (a->children == NULL) != (b->children == NULL) ||
		    (a->last_child == NULL) != (b->last_child == NULL))
			return false;
		if (a->children != NULL && !same_tree(a->children, b->children, a, b))
			return false;
		if (a->next == NULL && parent_a != NULL &&
		    (parent_a->last_child != a || parent_b->last_child != b))
			return false;
		a = a->next;
		b = b->next;
	}
	return a == NULL && b == NULL;
}

/* The scanners on s[0..avail) (an exact-size copy, so that ASan sees any overrun). */
static void check_scanners(const unsigned char *s, size_t avail)
{
	static size_t (*const fns[])(const unsigned char *, size_t, unsigned char *) = {
		wbxml_scan_copy_bytes,
#ifdef WBXML_SCAN_HAVE_WORD
		wbxml_scan_copy_word,
#endif
#ifdef WBXML_SCAN_HAVE_SSE2
		wbxml_scan_copy_sse2,
#endif
	};
	const unsigned char *nul = avail > 0 ? memchr(s, 0, avail) : NULL;
	size_t expect = WBXML_SCAN_FAIL;

	if (nul != NULL && utf8_valid(s, (size_t)(nul - s), NULL))
		expect = (size_t)(nul - s);
	unsigned char *in = malloc(avail + 1), *out = malloc(avail + 1);
	if (in == NULL || out == NULL)
		fuzz_fail("out of memory", NULL);
	memcpy(in, s, avail);
	for (size_t k = 0; k < sizeof(fns) / sizeof(fns[0]); k++) {
		size_t n = fns[k](in, avail, out);
		if (n != expect)
			fuzz_fail("a scanner disagrees with memchr + utf8_valid", NULL);
		if (n != WBXML_SCAN_FAIL && memcmp(out, s, n + 1) != 0)
			fuzz_fail("a scanner's copy differs", NULL);
	}
#if WBXML_SCAN_SHORT_LEN > 0
	if (avail >= WBXML_SCAN_SHORT_LEN) {
		size_t n = WBXML_SCAN_SHORT(in, out);
		const unsigned char *first = memchr(s, 0, WBXML_SCAN_SHORT_LEN);
		size_t short_expect = WBXML_SCAN_FAIL;
		if (first != NULL && utf8_valid(s, (size_t)(first - s), NULL))
			short_expect = (size_t)(first - s);
		if (n != short_expect)
			fuzz_fail("the short scanner disagrees", NULL);
		if (n != WBXML_SCAN_FAIL && memcmp(out, s, n + 1) != 0)
			fuzz_fail("the short scanner's copy differs", NULL);
	}
#endif
	free(in);
	free(out);
}

/* Encodes root with both encoders; same result, error and bytes. */
static void check_encode(const struct wbxml_node *root, unsigned version)
{
	buf a = BUF_INIT, b = BUF_INIT;
	const char *ea = NULL, *eb = NULL;
	int ra = wbxml_encode_tree(root, &a, version, &ea);
	int rb = ref_wbxml_encode_tree(root, &b, version, &eb);

	if (ra != rb || (ra < 0 && strcmp(ea, eb) != 0))
		fuzz_fail("the encoders disagree", ra < 0 ? ea : eb);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		fuzz_fail("the encoders' bytes differ", NULL);
	buf_free(&a);
	buf_free(&b);
}

static void same_writer(const struct wbxml_writer *a, const struct wbxml_writer *b)
{
	if (a->out->len != b->out->len || memcmp(a->out->data, b->out->data, a->out->len) != 0 ||
	    a->page != b->page || a->pending != b->pending || a->has_pending != b->has_pending ||
	    a->depth != b->depth || a->skip_depth != b->skip_depth || a->failed != b->failed ||
	    a->root_done != b->root_done || (a->failed && strcmp(a->error, b->error) != 0))
		fuzz_fail("the writers differ", a->failed ? a->error : NULL);
}

/* The input as writer calls: an operation byte, then its arguments (a tag: two bytes; text:
 * a length byte and that many bytes of the input). */
static void check_writer_calls(const unsigned char *in, size_t size)
{
	static const unsigned versions[] = { 0, 25, 121, 140, 161 };
	buf a = BUF_INIT, b = BUF_INIT;
	struct wbxml_writer wa, wb;
	size_t i = 0;
	unsigned version = size > 0 ? versions[in[0] % 5] : 0;

	wbxml_writer_init(&wa, &a, version);
	ref_wbxml_writer_init(&wb, &b, version);
	while (i + 3 <= size) {
		unsigned op = in[i] % 6;
		uint16_t tag = (uint16_t)(in[i + 1] << 8 | in[i + 2]);
		i += 3;
		size_t len = i < size ? in[i++] : 0;
		if (len > size - i)
			len = size - i;
		const char *text = (const char *)in + i;
		switch (op) {
		case 0:
			wbxml_start(&wa, tag);
			ref_wbxml_start(&wb, tag);
			break;
		case 1:
			wbxml_end(&wa);
			ref_wbxml_end(&wb);
			break;
		case 2:
			wbxml_strn(&wa, text, len);
			ref_wbxml_strn(&wb, text, len);
			i += len;
			break;
		case 3:
			wbxml_opaque(&wa, text, len);
			ref_wbxml_opaque(&wb, text, len);
			i += len;
			break;
		case 4:
			wbxml_elem_uint(&wa, tag, len * 1000003u);
			ref_wbxml_elem_uint(&wb, tag, len * 1000003u);
			break;
		default:
			wbxml_elem_empty(&wa, tag);
			ref_wbxml_elem_empty(&wb, tag);
			break;
		}
		same_writer(&wa, &wb);
	}
	const char *ea = NULL, *eb = NULL;
	int ra = wbxml_writer_finish(&wa, &ea), rb = ref_wbxml_writer_finish(&wb, &eb);
	if (ra != rb || (ra < 0 && strcmp(ea, eb) != 0))
		fuzz_fail("the writers finish differently", ra < 0 ? ea : eb);
	buf_free(&a);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wbxml_limits limits;

	if (size == 0)
		return 0;
	wbxml_limits_default(&limits);
	unsigned pick = data[0];
	if (pick & 0x80) {
		/* small limits: string 0-31 bytes, nodes 1-8 (or default), depth 1-4 (or default) */
		limits.max_string = pick & 0x1f;
		if (pick & 0x20)
			limits.max_nodes = 1 + (pick & 0x07);
		if (pick & 0x40)
			limits.max_depth = 1 + (pick & 0x03);
	}
	data++;
	size--;

	/* an exact-size copy of the document */
	unsigned char *doc = malloc(size + (size == 0));
	if (doc == NULL)
		fuzz_fail("out of memory", NULL);
	memcpy(doc, data, size);

	pool *p = pool_new(0);
	struct wbxml_node *root = NULL, *ref_root = NULL;
	const char *error = NULL, *ref_error = NULL;
	int ret = wbxml_decode(p, doc, size, &limits, &root, &error);
	int ref_ret = ref_wbxml_decode(p, doc, size, &limits, &ref_root, &ref_error);
	if (ret != ref_ret)
		fuzz_fail("the decoders disagree on success", ret < 0 ? error : ref_error);
	if (ret < 0 && strcmp(error, ref_error) != 0)
		fuzz_fail("the decoders' errors differ", error);
	if (ret == 0 && !same_tree(root, ref_root, NULL, NULL))
		fuzz_fail("the decoders' trees differ", NULL);
	if (ret == 0) {
		check_encode(root, 0);
		check_encode(root, pick % 2 ? 121 : 161);
	}
	pool_free(&p);
	check_writer_calls(doc, size);

	check_scanners(doc, size);
	/* and from the first STR_I tokens on, as the decoder runs them (not all: quadratic) */
	unsigned tokens = 0;
	for (size_t i = 0; i + 1 < size && tokens < 16; i++) {
		if (doc[i] == 0x03) {
			check_scanners(doc + i + 1, size - i - 1);
			tokens++;
		}
	}
	free(doc);
	return 0;
}
