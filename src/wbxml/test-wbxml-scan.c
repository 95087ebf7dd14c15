/* test-wbxml-scan.c: unit tests of the codec's fast paths: every string scanner of
 * wbxml-scan.h against a plain reference (memchr, then lib/utf8), at every string length,
 * alignment and distance from the end of the buffer, with invalid UTF-8 at every position
 * relative to the 8-, 16- and 64-byte blocks (the first 100 bytes cover a 16-byte block, a
 * 64-byte one and the start of the next); then the decoder against the decoder it replaced
 * (testdata-refcodec.h) on strings near the end of the input, on every limit, on the corpus
 * and on mutations of it: same result, same error text, same tree; and the encoder and writer
 * against the ones they replaced: same bytes, same state, same errors.
 *
 * Buffers are allocated with exactly the size a scanner may touch, so that AddressSanitizer
 * catches any read or write past it. */
#include "wbxml/wbxml.h"
#include "wbxml/wbxml-scan.h"
#include "wbxml/testdata-corpus.h"
#include "wbxml/testdata-refcodec.h"

#include "lib/buf.h"
#include "lib/pool.h"
#include "lib/utf8.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR 0x03, 0x01, 0x6a, 0x00

typedef size_t (*scan_fn)(const unsigned char *s, size_t avail, unsigned char *out);

static const struct {
	const char *name;
	scan_fn fn;
} scanners[] = {
	{ "bytes", wbxml_scan_copy_bytes },
#ifdef WBXML_SCAN_HAVE_WORD
	{ "word", wbxml_scan_copy_word },
#endif
#ifdef WBXML_SCAN_HAVE_SSE2
	{ "sse2", wbxml_scan_copy_sse2 },
#endif
};
#define NSCANNERS (sizeof(scanners) / sizeof(scanners[0]))

#if WBXML_SCAN_SHORT_LEN > 0
typedef size_t (*short_fn)(const unsigned char *s, unsigned char *out);

static const struct {
	const char *name;
	short_fn fn;
	size_t len; /* bytes it reads and writes */
} short_scanners[] = {
#ifdef WBXML_SCAN_HAVE_WORD
	{ "short word", wbxml_scan_short_word, 16 },
#endif
#ifdef WBXML_SCAN_HAVE_SSE2
	{ "short sse2", wbxml_scan_short_sse2, 32 },
#endif
};
#define NSHORT (sizeof(short_scanners) / sizeof(short_scanners[0]))
#endif

/* What every scanner must return: the first NUL within avail, if the text before it is valid
 * UTF-8. */
static size_t ref_scan(const unsigned char *s, size_t avail)
{
	const unsigned char *nul = avail > 0 ? memchr(s, 0, avail) : NULL;

	if (nul == NULL)
		return WBXML_SCAN_FAIL;
	size_t n = (size_t)(nul - s);
	return utf8_valid(s, n, NULL) ? n : WBXML_SCAN_FAIL;
}

/* Runs every scanner on s[0..avail) placed align bytes into a buffer that ends exactly at
 * avail (and an output buffer that does too); checks the result against ref_scan(). */
static void check_scanners(const unsigned char *s, size_t avail, size_t align)
{
	size_t expect = ref_scan(s, avail);
	unsigned char *in = malloc(align + avail + (align + avail == 0));
	unsigned char *out = malloc(align + avail + (align + avail == 0));

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	if (avail > 0)
		memcpy(in + align, s, avail);
	for (size_t k = 0; k < NSCANNERS; k++) {
		size_t n = scanners[k].fn(in + align, avail, out + align);
		if (n != expect)
			ck_abort_msg("%s scanner: %zu, expected %zu (avail %zu, align %zu)",
				     scanners[k].name, n, expect, avail, align);
		if (n != WBXML_SCAN_FAIL && memcmp(out + align, s, n + 1) != 0)
			ck_abort_msg("%s scanner: copy differs (length %zu, align %zu)",
				     scanners[k].name, n, align);
		if (n != WBXML_SCAN_FAIL)
			memset(out + align, 0x55, n + 1); /* so that the next scanner must copy too */
	}
	free(in);
	free(out);
}

/* The same for the short scanners on s[0..len) of their own length. */
static void check_short_scanners(const unsigned char *s, size_t len_avail)
{
#if WBXML_SCAN_SHORT_LEN > 0
	for (size_t k = 0; k < NSHORT; k++) {
		size_t len = short_scanners[k].len;
		if (len > len_avail)
			continue;
		size_t expect = ref_scan(s, len);
		unsigned char *in = malloc(len), *out = malloc(len);
		ck_assert_ptr_nonnull(in);
		ck_assert_ptr_nonnull(out);
		memcpy(in, s, len);
		size_t n = short_scanners[k].fn(in, out);
		if (n != expect)
			ck_abort_msg("%s: %zu, expected %zu", short_scanners[k].name, n, expect);
		if (n != WBXML_SCAN_FAIL && memcmp(out, s, n + 1) != 0)
			ck_abort_msg("%s: copy differs (length %zu)", short_scanners[k].name, n);
		free(in);
		free(out);
	}
#else
	(void)s;
	(void)len_avail;
#endif
}

/* A small deterministic pseudo-random sequence (xorshift32). */
static uint32_t next_rand(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* ---- Scanners ---- */

/* Strings of every length ending at every alignment, with the NUL at the last byte of the
 * buffer or followed by junk (bytes >= 0x80 and NULs, which must not matter). */
START_TEST(test_scan_lengths_and_alignments)
{
	static const size_t extras[] = { 0, 1, 2, 7, 8, 15, 16, 17, 31, 63, 64, 65, 100 };
	unsigned char s[512];

	for (size_t n = 0; n <= 200; n++) {
		for (size_t e = 0; e < sizeof(extras) / sizeof(extras[0]); e++) {
			size_t avail = n + 1 + extras[e];
			for (size_t i = 0; i < n; i++)
				s[i] = (unsigned char)('a' + i % 26);
			s[n] = 0;
			for (size_t i = n + 1; i < avail; i++)
				s[i] = i % 3 == 0 ? 0 : 0xff;
			for (size_t align = 0; align < 16; align += (n < 70 ? 1 : 5))
				check_scanners(s, avail, align);
			check_short_scanners(s, avail);
		}
	}
}
END_TEST

/* No NUL within reach: every scanner gives up without reading past the end. */
START_TEST(test_scan_no_nul)
{
	unsigned char s[300];

	for (size_t avail = 0; avail <= 260; avail++) {
		for (size_t i = 0; i < avail; i++)
			s[i] = (unsigned char)('A' + i % 26);
		for (size_t align = 0; align < 16; align += 3)
			check_scanners(s, avail, align);
		/* the same with a valid multi-byte character at the very end */
		if (avail >= 3) {
			memcpy(s + avail - 3, "\xe2\x82\xac", 3);
			check_scanners(s, avail, 0);
		}
		/* and a sequence cut by the end of the buffer */
		if (avail >= 2) {
			memcpy(s + avail - 2, "\xf0\x9f", 2);
			check_scanners(s, avail, 1);
		}
	}
}
END_TEST

static const char *const bad_sequences[] = {
	"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xc2", "\xc2\x41", "\xdf\xc0", "\xe0\x80\x80",
	"\xe0\x9f\xbf", "\xe2\x82", "\xe2\x28\xa1", "\xe2\x82\x41", "\xed\xa0\x80", "\xed\xbf\xbf",
	"\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf", "\xf0\x9f\x98", "\xf0\x9f\x41\x80",
	"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf7\xbf\xbf\xbf", "\xf8\x88\x80\x80\x80",
	"\xfe", "\xff",
};

static const char *const good_sequences[] = {
	"\xc2\x80", "\xc3\xbc", "\xdf\xbf", "\xe0\xa0\x80", "\xe2\x82\xac", "\xed\x9f\xbf",
	"\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
	"\xe6\x9d\xb1\xe4\xba\xac", /* two characters in a row */
};

/* Places seq at offset pos of an ASCII string of total text length pos + len(seq) + tail,
 * NUL-terminated, with after bytes of junk after the NUL, and checks every scanner. */
static void check_sequence_at(const char *seq, size_t pos, size_t tail, size_t after)
{
	unsigned char s[512];
	size_t len = strlen(seq), n = pos + len + tail;

	for (size_t i = 0; i < pos; i++)
		s[i] = (unsigned char)('0' + i % 10);
	memcpy(s + pos, seq, len);
	for (size_t i = pos + len; i < n; i++)
		s[i] = 'x';
	s[n] = 0;
	for (size_t i = 0; i < after; i++)
		s[n + 1 + i] = 0xc3;
	check_scanners(s, n + 1 + after, pos % 2 ? 0 : 7);
	check_short_scanners(s, n + 1 + after);
}

/* Invalid UTF-8 at every position relative to the blocks (8, 16, 64 bytes): refused, also
 * when the NUL cuts the sequence or the buffer ends right after it. */
START_TEST(test_scan_invalid_utf8_everywhere)
{
	static const size_t tails[] = { 0, 1, 9, 40 };
	static const size_t afters[] = { 0, 70 };

	for (size_t b = 0; b < sizeof(bad_sequences) / sizeof(bad_sequences[0]); b++) {
		for (size_t pos = 0; pos <= 100; pos++) {
			for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
				for (size_t a = 0; a < sizeof(afters) / sizeof(afters[0]); a++)
					check_sequence_at(bad_sequences[b], pos, tails[t], afters[a]);
			}
		}
	}
	/* A check that the reference itself refuses them all. */
	for (size_t b = 0; b < sizeof(bad_sequences) / sizeof(bad_sequences[0]); b++) {
		const char *seq = bad_sequences[b];
		ck_assert_uint_eq(ref_scan((const unsigned char *)seq, strlen(seq) + 1),
				  WBXML_SCAN_FAIL);
	}
}
END_TEST

/* Valid multi-byte characters at every position (straddling block ends too): accepted and
 * copied. */
START_TEST(test_scan_valid_utf8_everywhere)
{
	static const size_t tails[] = { 0, 1, 5, 33 };
	static const size_t afters[] = { 0, 64 };

	for (size_t g = 0; g < sizeof(good_sequences) / sizeof(good_sequences[0]); g++) {
		const char *seq = good_sequences[g];
		ck_assert_uint_eq(ref_scan((const unsigned char *)seq, strlen(seq) + 1), strlen(seq));
		for (size_t pos = 0; pos <= 100; pos++) {
			for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
				for (size_t a = 0; a < sizeof(afters) / sizeof(afters[0]); a++)
					check_sequence_at(seq, pos, tails[t], afters[a]);
			}
		}
	}
}
END_TEST

/* Dense non-ASCII text (one character after the other) of every length, and random strings
 * from an alphabet that makes every case likely. */
START_TEST(test_scan_dense_and_random)
{
	static const char *const pieces[] = {
		"a", "\xc3\xa9", "\xe6\x9d\xb1", "\xf0\x9f\x98\x80", "\x80", "\xed\xa0\x80", " ",
		"\xc3", "\xe0\x9f\xbf", "\xf4\x90\x80\x80", "0123456789abcdef0123456789abcdef",
	};
	unsigned char s[700];
	uint32_t state = 20240318;

	for (size_t n = 1; n <= 120; n++) {
		size_t len = 0;
		for (size_t i = 0; i < n; i++) {
			memcpy(s + len, "\xd0\x96", 2); /* Cyrillic */
			len += 2;
		}
		s[len] = 0;
		check_scanners(s, len + 1, n % 16);
		check_scanners(s, len, 0); /* no NUL: cut at the end */
	}
	for (unsigned round = 0; round < 5000; round++) {
		size_t len = 0, want = next_rand(&state) % 300;
		while (len < want) {
			const char *p = pieces[next_rand(&state) % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t plen = strlen(p);
			/* mostly good pieces, so that long valid strings happen too */
			if (next_rand(&state) % 8 < 3 && p[0] != 'a' && p[0] != ' ' && p[0] != '0')
				p = "b", plen = 1;
			memcpy(s + len, p, plen);
			len += plen;
		}
		if (next_rand(&state) % 4 != 0)
			s[len++] = 0;
		size_t junk = next_rand(&state) % 70;
		for (size_t i = 0; i < junk; i++)
			s[len++] = (unsigned char)next_rand(&state);
		check_scanners(s, len, next_rand(&state) % 16);
		check_short_scanners(s, len);
	}
}
END_TEST

/* The short scanners at every NUL position and with a non-ASCII byte at every position. */
START_TEST(test_scan_short)
{
	unsigned char s[64];

	for (size_t nul = 0; nul <= 40; nul++) {
		for (size_t high = 0; high <= 41; high++) {
			for (size_t i = 0; i < sizeof(s); i++)
				s[i] = (unsigned char)('a' + i % 26);
			if (nul < sizeof(s))
				s[nul] = 0;
			if (high < 41)
				s[high] = high % 2 ? 0x80 : 0xc3; /* high == 41: none */
			check_short_scanners(s, sizeof(s));
		}
	}
}
END_TEST

/* The encoder's copy with its NUL check, every variant: every length (the short cases use
 * overlapping loads), a NUL at every position, any alignment; exact-size buffers. */
START_TEST(test_copy_nonul)
{
	static int (*const fns[])(unsigned char *, const unsigned char *, size_t) = {
		wbxml_copy_nonul_bytes,
#ifdef WBXML_SCAN_HAVE_WORD
		wbxml_copy_nonul_word,
#endif
#ifdef WBXML_SCAN_HAVE_SSE2
		wbxml_copy_nonul_sse2,
#endif
	};

	for (size_t len = 0; len <= 160; len++) {
		for (size_t nul = 0; nul <= len; nul++) { /* nul == len: none */
			size_t align = (len + nul) % 16;
			unsigned char *src = malloc(align + len + 1), *dst = malloc(align + len + 1);
			ck_assert_ptr_nonnull(src);
			ck_assert_ptr_nonnull(dst);
			for (size_t i = 0; i < len; i++)
				src[align + i] = (unsigned char)(i % 2 ? 0xff : 'a' + i % 26);
			if (nul < len)
				src[align + nul] = 0;
			for (size_t k = 0; k < sizeof(fns) / sizeof(fns[0]); k++) {
				memset(dst, 0x55, align + len + 1);
				int ok = fns[k](dst + align, src + align, len);
				if (ok != (nul == len))
					ck_abort_msg("copy variant %zu: %d for length %zu, NUL at %zu", k, ok,
						     len, nul);
				if (len > 0 && memcmp(dst + align, src + align, len) != 0)
					ck_abort_msg("copy variant %zu: the copy differs (length %zu)", k, len);
				if (dst[align + len] != 0x55)
					ck_abort_msg("copy variant %zu: wrote past the end", k);
			}
			free(src);
			free(dst);
		}
	}
}
END_TEST

/* ---- The decoder against the one it replaced ---- */

/* True when the two trees are the same: tags, flags, values, shape and links. */
static bool same_tree(const struct wbxml_node *a, const struct wbxml_node *b,
		      const struct wbxml_node *parent_a, const struct wbxml_node *parent_b)
{
	while (a != NULL && b != NULL) {
		if (a->tag != b->tag || a->value_kind != b->value_kind ||
		    a->has_content != b->has_content || a->value_len != b->value_len)
			return false;
		if ((a->value == NULL) != (b->value == NULL))
			return false;
		if (a->value != NULL && memcmp(a->value, b->value, a->value_len + 1) != 0)
			return false; /* the NUL after the value included */
		if (a->parent != parent_a || b->parent != parent_b)
			return false;
		if ((a->children == NULL) != (b->children == NULL) ||
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

/* Encodes root with both encoders (out starting with prefix) and requires the same result,
 * error text and bytes. */
static void encode_both(const struct wbxml_node *root, unsigned version, const char *what)
{
	buf a = BUF_INIT, b = BUF_INIT;
	const char *error = NULL, *ref_error = NULL;

	buf_puts(&a, "prefix");
	buf_puts(&b, "prefix");
	int ret = wbxml_encode_tree(root, &a, version, &error);
	int ref_ret = ref_wbxml_encode_tree(root, &b, version, &ref_error);
	if (ret != ref_ret)
		ck_abort_msg("%s (version %u): encode gives %d, the reference %d", what, version,
			     ret, ref_ret);
	if (ret < 0 && strcmp(error, ref_error) != 0)
		ck_abort_msg("%s (version %u): error \"%s\", the reference's \"%s\"", what, version,
			     error, ref_error);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0 || a.data[a.len] != 0)
		ck_abort_msg("%s (version %u): the bytes differ from the reference's", what, version);
	buf_free(&a);
	buf_free(&b);
}

/* Decodes data with both decoders and requires the same outcome (and, when it decodes, the same
 * encodings of the tree); returns the result. */
static int decode_both(const void *data, size_t len, const struct wbxml_limits *limits,
		       const char *what)
{
	pool *p = pool_new(0);
	struct wbxml_node *root = NULL, *ref_root = NULL;
	const char *error = NULL, *ref_error = NULL;

	int ret = wbxml_decode(p, data, len, limits, &root, &error);
	int ref_ret = ref_wbxml_decode(p, data, len, limits, &ref_root, &ref_error);
	if (ret != ref_ret)
		ck_abort_msg("%s: decode gives %d (%s), the reference %d (%s)", what, ret,
			     ret < 0 ? error : "", ref_ret, ref_ret < 0 ? ref_error : "");
	if (ret < 0 && strcmp(error, ref_error) != 0)
		ck_abort_msg("%s: error \"%s\", the reference's \"%s\"", what, error, ref_error);
	if (ret == 0 && !same_tree(root, ref_root, NULL, NULL))
		ck_abort_msg("%s: the tree differs from the reference's", what);
	if (ret == 0) {
		encode_both(root, 0, what);
		encode_both(root, 140, what);
	}
	pool_free(&p);
	return ret;
}

/* <Sync><SyncKey>text</SyncKey></Sync> with the string n bytes long (pattern c), cut after
 * cut bytes (the whole document when cut is larger). */
static size_t build_one_string(unsigned char *out, size_t n, unsigned char c, size_t cut)
{
	size_t len = 0;
	static const unsigned char head[] = { HDR, 0x45, 0x4b, 0x03 };

	memcpy(out, head, sizeof(head));
	len = sizeof(head);
	for (size_t i = 0; i < n; i++)
		out[len++] = c == 0 ? (unsigned char)('a' + i % 26) : c;
	out[len++] = 0x00;
	out[len++] = 0x01;
	out[len++] = 0x01;
	return cut < len ? cut : len;
}

/* Strings of every length that end at every distance from the end of the input, cut at every
 * byte: the scanners' tails and the decoder's end checks. The input is copied into a buffer
 * of exactly its size, so that a read past it is caught. */
START_TEST(test_decode_strings_near_the_end)
{
	unsigned char doc[256];
	static const unsigned char fills[] = { 0, 0xc3, 0x80 };

	for (size_t f = 0; f < sizeof(fills); f++) {
		for (size_t n = 0; n <= 100; n++) {
			size_t full = build_one_string(doc, n, fills[f], SIZE_MAX);
			for (size_t cut = full > 45 ? full - 45 : 0; cut <= full; cut++) {
				unsigned char *in = malloc(cut + (cut == 0));
				ck_assert_ptr_nonnull(in);
				memcpy(in, doc, cut);
				char what[64];
				snprintf(what, sizeof(what), "string of %zu, cut at %zu", n, cut);
				int ret = decode_both(in, cut, NULL, what);
				/* the whole document decodes (bad UTF-8 is replaced), no prefix does */
				ck_assert_int_eq(ret, cut == full ? 0 : -1);
				free(in);
			}
		}
	}
}
END_TEST

/* A string whose NUL is the last byte of the input (the element is never closed). */
START_TEST(test_decode_nul_at_last_byte)
{
	unsigned char doc[128];

	for (size_t n = 0; n <= 80; n++) {
		size_t len = build_one_string(doc, n, 0, SIZE_MAX) - 2; /* drop both ENDs */
		unsigned char *in = malloc(len);
		ck_assert_ptr_nonnull(in);
		memcpy(in, doc, len);
		ck_assert_int_eq(decode_both(in, len, NULL, "NUL at the last byte"), -1);
		/* and without the NUL: no terminator at all */
		ck_assert_int_eq(decode_both(in, len - 1, NULL, "no NUL"), -1);
		free(in);
	}
}
END_TEST

/* Every small string limit against strings around it (the short path, the scanner, pieces),
 * and small node and depth limits. */
START_TEST(test_decode_limits_match_reference)
{
	unsigned char doc[256];
	struct wbxml_limits limits;

	wbxml_limits_default(&limits);
	for (size_t max = 0; max <= 40; max++) {
		limits.max_string = max;
		for (size_t n = 0; n <= 45; n++) {
			size_t len = build_one_string(doc, n, 0, SIZE_MAX);
			decode_both(doc, len, &limits, "string limit");
			/* the same text in two pieces */
			static const unsigned char pieces[] = {
				HDR, 0x45, 0x4b, 0x03, 'a', 'b', 'c', 0x00, 0x03, 'd', 'e', 0x00, 0x01, 0x01
			};
			decode_both(pieces, sizeof(pieces), &limits, "pieces and limit");
			/* opaque data of n bytes */
			unsigned char opq[128] = { HDR, 0x45, 0x4b, 0xc3, (unsigned char)n };
			memset(opq + 9, 'o', n);
			opq[9 + n] = 0x01;
			opq[10 + n] = 0x01;
			decode_both(opq, 11 + n, &limits, "opaque and limit");
		}
	}
	wbxml_limits_default(&limits);
	static const unsigned char nested[] = {
		HDR, 0x45, 0x5c, 0x4f, 0x4b, 0x03, '1', 0x00, 0x01, 0x0b, 0x4d, 0x03, 'x', 0x00,
		0x01, 0x01, 0x01, 0x01
	};
	for (size_t max = 0; max <= 6; max++) {
		limits.max_nodes = max;
		decode_both(nested, sizeof(nested), &limits, "node limit");
		limits.max_nodes = 500000;
		limits.max_depth = max;
		decode_both(nested, sizeof(nested), &limits, "depth limit");
		wbxml_limits_default(&limits);
	}
}
END_TEST

/* Applies one pseudo-random change to doc (a byte set to a value that matters to the decoder,
 * a byte inserted or removed, or the end cut off). */
static void mutate(buf *doc, uint32_t *state)
{
	static const unsigned char special[] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x40, 0x45, 0x80, 0x83, 0xc3, 0xc0, 0xe0, 0xed,
		0xf0, 0xf4, 0xff, 0x7f, 0xbf, 0x4b, 0x0b,
	};
	size_t pos = doc->len > 0 ? next_rand(state) % doc->len : 0;
	unsigned char c = special[next_rand(state) % sizeof(special)];

	switch (next_rand(state) % 4) {
	case 0:
		if (doc->len > 0)
			doc->data[pos] = c;
		break;
	case 1: {
		buf_putc(doc, 0);
		memmove(doc->data + pos + 1, doc->data + pos, doc->len - pos - 1);
		doc->data[pos] = c;
		break;
	}
	case 2:
		if (doc->len > 0) {
			memmove(doc->data + pos, doc->data + pos + 1, doc->len - pos - 1);
			doc->len--;
		}
		break;
	default:
		doc->len = pos;
		break;
	}
}

/* Every document of the corpus, then mutations of each, with the default limits and with a
 * tight string limit. */
START_TEST(test_decode_corpus_and_mutations_match_reference)
{
	uint32_t state = 4;
	struct wbxml_limits tight;

	wbxml_limits_default(&tight);
	tight.max_string = 20;
	tight.max_nodes = 300;
	for (size_t i = 0; i < CORPUS_DOC_COUNT; i++) {
		buf doc = BUF_INIT;
		const char *error;
		ck_assert_int_eq(corpus_encode(&corpus_docs[i], &doc, &error), 0);
		ck_assert_int_eq(decode_both(doc.data, doc.len, NULL, corpus_docs[i].name), 0);
		decode_both(doc.data, doc.len, &tight, corpus_docs[i].name);
		for (unsigned round = 0; round < 400; round++) {
			buf m = BUF_INIT;
			buf_append(&m, doc.data, doc.len);
			unsigned changes = 1 + next_rand(&state) % 3;
			for (unsigned k = 0; k < changes; k++)
				mutate(&m, &state);
			/* an exact-size copy, so that a read past the end is caught */
			unsigned char *in = malloc(m.len + (m.len == 0));
			ck_assert_ptr_nonnull(in);
			memcpy(in, m.data, m.len);
			decode_both(in, m.len, round % 2 ? &tight : NULL, corpus_docs[i].name);
			free(in);
			buf_free(&m);
		}
		buf_free(&doc);
	}
}
END_TEST

/* The benchmark's 8-bit document kind: mail bodies of raw UTF-8, the scanners' walk over
 * non-ASCII text inside long strings. */
START_TEST(test_decode_8bit_bodies_match_reference)
{
	buf doc = BUF_INIT;
	struct wbxml_writer w;
	struct corpus_sink sink;
	const char *error;

	wbxml_writer_init(&w, &doc, 0);
	corpus_writer_sink(&sink, &w);
	sink.eightbit_mime = true;
	corpus_sync_emails(&sink, 20, 3000);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	ck_assert_int_eq(decode_both(doc.data, doc.len, NULL, "8bit bodies"), 0);
	/* each body with one invalid byte in it */
	uint32_t state = 99;
	for (unsigned round = 0; round < 40; round++) {
		size_t pos = next_rand(&state) % doc.len;
		unsigned char saved = doc.data[pos];
		doc.data[pos] = 0xff;
		decode_both(doc.data, doc.len, NULL, "8bit bodies, one bad byte");
		doc.data[pos] = saved;
	}
	buf_free(&doc);
}
END_TEST

/* ---- The encoder against the one it replaced ---- */

/* The nodes of a tree in document order (at most max). */
static size_t collect_nodes(struct wbxml_node *root, struct wbxml_node **nodes, size_t max)
{
	size_t n = 0;
	struct wbxml_node *node = root;

	while (node != NULL && n < max) {
		nodes[n++] = node;
		if (node->children != NULL) {
			node = node->children;
			continue;
		}
		while (node != NULL && node != root && node->next == NULL)
			node = node->parent;
		node = node == root || node == NULL ? NULL : node->next;
	}
	return n;
}

/* Every corpus document decoded and encoded again, for every version, as it is and with one
 * node changed in a way the writer must handle (or refuse) exactly as before: a NUL in a
 * string, an invalid tag id, the content flag flipped, an empty string, opaque data, an unknown
 * value kind, a subtree cut off. */
START_TEST(test_encode_tree_matches_reference)
{
	static const unsigned versions[] = { 0, 25, 121, 140, 161 };
	uint32_t state = 7;

	for (size_t i = 0; i < CORPUS_DOC_COUNT; i++) {
		buf doc = BUF_INIT;
		const char *error;
		pool *p = pool_new(0);
		struct wbxml_node *root, *nodes[4096];
		ck_assert_int_eq(corpus_encode(&corpus_docs[i], &doc, &error), 0);
		ck_assert_int_eq(wbxml_decode(p, doc.data, doc.len, NULL, &root, &error), 0);
		for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++)
			encode_both(root, versions[v], corpus_docs[i].name);
		size_t count = collect_nodes(root, nodes, sizeof(nodes) / sizeof(nodes[0]));
		for (unsigned round = 0; round < 60; round++) {
			struct wbxml_node *node = nodes[next_rand(&state) % count];
			struct wbxml_node saved = *node;
			switch (next_rand(&state) % 8) {
			case 0: {
				static const char nul_text[] = "text with a NUL in it: \0 and more";
				unsigned char *v = pool_alloc(p, sizeof(nul_text));
				memcpy(v, nul_text, sizeof(nul_text));
				node->value = v;
				node->value_len = 24 + next_rand(&state) % (sizeof(nul_text) - 25);
				node->value_kind = WBXML_VALUE_STRING;
				break;
			}
			case 1:
				node->tag = (uint16_t)((node->tag & 0xff00) | (next_rand(&state) % 2 ?
										0x03 : 0x45));
				break;
			case 2:
				node->has_content = !node->has_content;
				break;
			case 3:
				node->value = (const unsigned char *)"";
				node->value_len = 0;
				node->value_kind = WBXML_VALUE_STRING;
				break;
			case 4:
				node->value = (const unsigned char *)"\0\1\2opaque";
				node->value_len = 9;
				node->value_kind = WBXML_VALUE_OPAQUE;
				break;
			case 5:
				node->value_kind = 7;
				break;
			case 6:
				node->children = node->last_child = NULL;
				break;
			default:
				node->tag = (uint16_t)(next_rand(&state) % 0x10000); /* any page, any bits */
				break;
			}
			encode_both(root, versions[next_rand(&state) % 5], corpus_docs[i].name);
			encode_both(root, 0, corpus_docs[i].name);
			*node = saved;
		}
		encode_both(NULL, 0, "no root");
		pool_free(&p);
		buf_free(&doc);
	}
}
END_TEST

/* Checks that the two writers are in the same state. */
static void same_writer(const struct wbxml_writer *a, const struct wbxml_writer *b, unsigned step)
{
	if (a->out->len != b->out->len || memcmp(a->out->data, b->out->data, a->out->len) != 0 ||
	    a->out->data[a->out->len] != 0)
		ck_abort_msg("step %u: the output differs from the reference's", step);
	if (a->version_bit != b->version_bit || a->page != b->page || a->pending != b->pending ||
	    a->has_pending != b->has_pending || a->depth != b->depth ||
	    a->skip_depth != b->skip_depth || a->failed != b->failed ||
	    a->root_done != b->root_done)
		ck_abort_msg("step %u: the writer's state differs from the reference's", step);
	if (a->failed && strcmp(a->error, b->error) != 0)
		ck_abort_msg("step %u: error \"%s\", the reference's \"%s\"", step, a->error, b->error);
}

/* Random sequences of writer calls (tags of several pages and versions, invalid ones, text with
 * and without NULs, opaque data, the element helpers, ends in the wrong place) on both writers:
 * the same bytes and the same state after every call, and the same result at the end. */
START_TEST(test_writer_calls_match_reference)
{
	static const unsigned versions[] = { 0, 25, 120, 121, 140, 141, 160, 161, 99 };
	static const uint16_t tags[] = {
		WBXML_AirSync_Sync, WBXML_AirSync_SyncKey, WBXML_AirSync_Collection,
		WBXML_Email_Subject, WBXML_AirSyncBase_Body, WBXML_AirSyncBase_Data,
		WBXML_Find_Find, WBXML_RightsManagement_Owner, WBXML_Email2_ConversationId,
		WBXML_Contacts_Picture, WBXML_FolderHierarchy_FolderSync, 0x0003, 0x00c5,
		(uint16_t)((200 << 8) | 0x07),
	};
	/* NULs at a few places, so that strings with and without one both happen often */
	static const char text[] = "short\0text, then a longer one: 0123456789abcdefghijklmnopqrstu"
				   "vwxyz and some UTF-8: \xc3\xa9\xe2\x82\xac \0 after\0the NUL";
	uint32_t state = 11;

	for (unsigned round = 0; round < 3000; round++) {
		buf a = BUF_INIT, b = BUF_INIT;
		struct wbxml_writer wa, wb;
		unsigned version = versions[next_rand(&state) % (sizeof(versions) / sizeof(versions[0]))];
		if (round % 3 == 0) {
			buf_puts(&a, "before");
			buf_puts(&b, "before");
		}
		wbxml_writer_init(&wa, &a, version);
		ref_wbxml_writer_init(&wb, &b, version);
		same_writer(&wa, &wb, 0);
		unsigned steps = 1 + next_rand(&state) % 40;
		for (unsigned step = 1; step <= steps; step++) {
			uint16_t tag = tags[next_rand(&state) % (sizeof(tags) / sizeof(tags[0]))];
			size_t off = next_rand(&state) % 40, len = next_rand(&state) % 60;
			if (next_rand(&state) % 2)
				off += 6; /* past the first NUL */
			const char *s = text + off;
			size_t slen = strlen(s) < len ? strlen(s) : len;
			switch (next_rand(&state) % 10) {
			case 0: case 1: case 2:
				wbxml_start(&wa, tag);
				ref_wbxml_start(&wb, tag);
				break;
			case 3: case 4:
				wbxml_end(&wa);
				ref_wbxml_end(&wb);
				break;
			case 5: /* may contain the NUL */
				wbxml_strn(&wa, s, len);
				ref_wbxml_strn(&wb, s, len);
				break;
			case 6:
				wbxml_opaque(&wa, s, len);
				ref_wbxml_opaque(&wb, s, len);
				break;
			case 7: {
				uint64_t v = (uint64_t)next_rand(&state) * next_rand(&state);
				wbxml_elem_uint(&wa, tag, v);
				ref_wbxml_elem_uint(&wb, tag, v);
				break;
			}
			case 8: {
				char tmp[64];
				memcpy(tmp, s, slen);
				tmp[slen] = '\0';
				wbxml_elem_str(&wa, tag, tmp);
				ref_wbxml_elem_str(&wb, tag, tmp);
				break;
			}
			default:
				if (next_rand(&state) % 2) {
					wbxml_elem_empty(&wa, tag);
					ref_wbxml_elem_empty(&wb, tag);
				} else {
					wbxml_elem_opaque(&wa, tag, s, slen);
					ref_wbxml_elem_opaque(&wb, tag, s, slen);
				}
				break;
			}
			same_writer(&wa, &wb, step);
		}
		while (wa.depth > 0 && next_rand(&state) % 4 != 0) {
			wbxml_end(&wa);
			ref_wbxml_end(&wb);
			same_writer(&wa, &wb, steps + 1);
		}
		const char *ea = NULL, *eb = NULL;
		int ra = wbxml_writer_finish(&wa, &ea), rb = ref_wbxml_writer_finish(&wb, &eb);
		ck_assert_int_eq(ra, rb);
		if (ra < 0)
			ck_assert_str_eq(ea, eb);
		same_writer(&wa, &wb, steps + 2);
		buf_free(&a);
		buf_free(&b);
	}
}
END_TEST

/* The limits that fuzz-wbxml-diff.c takes from the first byte of its input. */
static void limits_from_byte(unsigned char pick, struct wbxml_limits *limits_r)
{
	wbxml_limits_default(limits_r);
	if (pick & 0x80) {
		limits_r->max_string = pick & 0x1f;
		if (pick & 0x20)
			limits_r->max_nodes = 1 + (pick & 0x07);
		if (pick & 0x40)
			limits_r->max_depth = 1 + (pick & 0x03);
	}
}

/* Replays every file of DIR (relative to EASD_SRCDIR or the current directory) through both
 * decoders, as a document and as fuzz-wbxml-diff.c reads it (a limits byte, then the
 * document); returns the number of files. */
static unsigned replay_dir_both(const char *rel)
{
	const char *srcdir = getenv("EASD_SRCDIR");
	char dirpath[4096];
	unsigned files = 0;
	struct dirent *de;

	snprintf(dirpath, sizeof(dirpath), "%s/%s", srcdir != NULL ? srcdir : ".", rel);
	DIR *dir = opendir(dirpath);
	ck_assert_msg(dir != NULL, "cannot open %s (run from the repository root or set "
		      "EASD_SRCDIR)", dirpath);
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "README") == 0)
			continue;
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", dirpath, de->d_name);
		FILE *f = fopen(path, "rb");
		ck_assert_msg(f != NULL, "cannot open %s", path);
		buf b = BUF_INIT;
		unsigned char chunk[65536];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_append(&b, chunk, n);
		fclose(f);
		unsigned char *in = malloc(b.len + 1);
		ck_assert_ptr_nonnull(in);
		if (b.len > 0)
			memcpy(in, b.data, b.len);
		decode_both(in, b.len, NULL, path);
		if (b.len > 0) {
			struct wbxml_limits limits;
			limits_from_byte(in[0], &limits);
			decode_both(in + 1, b.len - 1, &limits, path);
		}
		free(in);
		buf_free(&b);
		files++;
	}
	closedir(dir);
	return files;
}

/* Regression inputs (fuzzers' finds and hand-written ones) and seeds: the same outcome from
 * both decoders. */
START_TEST(test_replay_files_match_reference)
{
	ck_assert_uint_ge(replay_dir_both("tests/regress/wbxml"), 7);
	ck_assert_uint_ge(replay_dir_both("tests/fuzz-seeds/wbxml"), 5);
	ck_assert_uint_ge(replay_dir_both("tests/fuzz-seeds/wbxml-diff"), 5);
}
END_TEST

static Suite *scan_suite(void)
{
	Suite *s = suite_create("wbxml-scan");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_scan_lengths_and_alignments);
	tcase_add_test(tc, test_scan_no_nul);
	tcase_add_test(tc, test_scan_invalid_utf8_everywhere);
	tcase_add_test(tc, test_scan_valid_utf8_everywhere);
	tcase_add_test(tc, test_scan_dense_and_random);
	tcase_add_test(tc, test_scan_short);
	tcase_add_test(tc, test_copy_nonul);
	tcase_add_test(tc, test_decode_strings_near_the_end);
	tcase_add_test(tc, test_decode_nul_at_last_byte);
	tcase_add_test(tc, test_decode_limits_match_reference);
	tcase_add_test(tc, test_decode_corpus_and_mutations_match_reference);
	tcase_add_test(tc, test_decode_8bit_bodies_match_reference);
	tcase_add_test(tc, test_replay_files_match_reference);
	tcase_add_test(tc, test_encode_tree_matches_reference);
	tcase_add_test(tc, test_writer_calls_match_reference);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(scan_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
