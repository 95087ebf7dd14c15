/* wbxml-scan.h: the codec's string scanners, private to src/wbxml (wbxml.c and its tests).
 *
 * One pass over an inline string (STR_I) finds its terminating NUL, checks that the text is
 * valid UTF-8 and copies it: the decoder's hot loop on text-heavy documents (a Sync of mail
 * bodies is ~95% string bytes). Blocks of 16 bytes (SSE2, baseline on x86-64) or 8 bytes (a
 * 64-bit word, any little-endian machine) are tested for "NUL or byte >= 0x80" at once; only
 * the multi-byte sequences themselves are checked one by one. Anything unusual (invalid
 * UTF-8, no NUL within reach) is left to the caller's careful path, which then produces exactly
 * what it always did: this scanner only ever says "here is a clean string" or "not me".
 *
 * The decoder also has short-string scanners (one or two blocks, no loop) for the ids, numbers
 * and names that make up most elements, and the encoder a copy that checks for a NUL on the
 * way. Every variant is compiled on every machine that can run it, so that the unit tests check
 * each one (test-wbxml-scan.c); the codec uses the best one available (WBXML_SCAN_COPY,
 * WBXML_SCAN_SHORT, WBXML_COPY_NONUL at the end of this file). */
#ifndef EASD_WBXML_SCAN_H
#define EASD_WBXML_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* WBXML_SCAN_NO_SSE2 and WBXML_SCAN_NO_WORD (-D...) turn variants off, so that a test build can
 * run the decoder on the others. */
#if defined(__SSE2__) && !defined(WBXML_SCAN_NO_SSE2)
#include <emmintrin.h>
#define WBXML_SCAN_HAVE_SSE2 1
#endif
/* The word tricks read bytes in little-endian order; elsewhere only the byte scanner runs. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WBXML_SCAN_LITTLE_ENDIAN 1
#if !defined(WBXML_SCAN_NO_WORD)
#define WBXML_SCAN_HAVE_WORD 1
#endif
#endif

/* What the scanners return when the string is not for them (see the top of this file). */
#define WBXML_SCAN_FAIL SIZE_MAX

/* Length (2, 3 or 4) of the valid multi-byte UTF-8 sequence at s[0..avail), whose first byte
 * is >= 0x80, or 0 when it is invalid or cut short. The rules of lib/utf8.c (RFC 3629): no
 * overlong forms, no surrogates, nothing above U+10FFFF. A NUL is never a continuation byte,
 * so a sequence never runs over the end of its string. */
static inline size_t wbxml_scan_utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];

	if (c < 0xc2)
		return 0; /* a continuation byte, or the lead of an overlong 2-byte form */
	if (c < 0xe0) {
		if (avail < 2 || (s[1] & 0xc0) != 0x80)
			return 0;
		return 2;
	}
	if (c < 0xf0) {
		if (avail < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0; /* overlong, or a surrogate */
		return 3;
	}
	if (c < 0xf5) {
		if (avail < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0; /* overlong, or above U+10FFFF */
		return 4;
	}
	return 0;
}

#ifdef WBXML_SCAN_LITTLE_ENDIAN
/* The same as wbxml_scan_utf8_seq() for the four bytes w = s[0..4) read as a little-endian
 * word (s[0] >= 0x80): the pattern of lead and continuation bits picks the length, and one
 * more test catches the forms RFC 3629 excludes. */
static inline size_t wbxml_scan_utf8_seq_word(uint32_t w)
{
	if ((w & 0xc0e0) == 0x80c0) /* 110xxxxx 10xxxxxx */
		return (w & 0x1e) != 0 ? 2 : 0; /* C0 and C1 start overlong forms */
	if ((w & 0xc0c0f0) == 0x8080e0) { /* 1110xxxx 10xxxxxx 10xxxxxx */
		uint32_t t = w & 0x200f; /* low nibble of the lead, bit 5 of the second byte */
		return t != 0x0000 && t != 0x200d ? 3 : 0; /* E0 80-9F overlong, ED A0-BF surrogate */
	}
	if ((w & 0xc0c0c0f8) == 0x808080f0) { /* 11110xxx 10xxxxxx 10xxxxxx 10xxxxxx */
		uint32_t plane = (w & 7) << 2 | ((w >> 12) & 3); /* the code point >> 16 */
		return plane - 1 < 16 ? 4 : 0; /* planes 1 to 16 */
	}
	return 0;
}
#endif

/* Checks and copies the run of multi-byte sequences at s[*i] (s[*i] >= 0x80) to out; false
 * on invalid UTF-8. Runs of non-ASCII text (CJK, Cyrillic) stay in this loop. */
static inline __attribute__((always_inline)) int
wbxml_scan_copy_multibyte(const unsigned char *s, size_t avail, unsigned char *out, size_t *i)
{
	size_t at = *i;

	do {
		size_t n;
#ifdef WBXML_SCAN_LITTLE_ENDIAN
		if (avail - at >= 4) {
			uint32_t w;
			memcpy(&w, s + at, 4);
			n = wbxml_scan_utf8_seq_word(w);
			memcpy(out + at, &w, 4); /* what it copies past n is rewritten */
		} else
#endif
		{
			n = wbxml_scan_utf8_seq(s + at, avail - at);
			for (size_t k = 0; k < n; k++)
				out[at + k] = s[at + k];
		}
		if (n == 0)
			return 0;
		at += n;
	} while (at < avail && s[at] >= 0x80);
	*i = at;
	return 1;
}

/* Byte at a time from s[i] (a multi-byte sequence as one word where it can): the portable
 * scanner, and the tail of the block scanners. */
static inline size_t wbxml_scan_copy_tail(const unsigned char *s, size_t avail,
					  unsigned char *out, size_t i)
{
	while (i < avail) {
		unsigned char c = s[i];
		if (c < 0x80) {
			out[i] = c;
			if (c == 0)
				return i;
			i++;
		} else if (!wbxml_scan_copy_multibyte(s, avail, out, &i)) {
			return WBXML_SCAN_FAIL;
		}
	}
	return WBXML_SCAN_FAIL;
}

/* The scanners. Each looks for the NUL that ends the string s within s[0..avail):
 * - found at s[n], and s[0..n) is valid UTF-8: out[0..n] = s[0..n] (the NUL included), returns
 *   n. out[n + 1 ..avail) may have been written too (with bytes of s);
 * - otherwise returns WBXML_SCAN_FAIL, and out[0..avail) holds nothing of use.
 * They never read s or write out at or past index avail. */
static inline size_t wbxml_scan_copy_bytes(const unsigned char *s, size_t avail,
					   unsigned char *out)
{
	return wbxml_scan_copy_tail(s, avail, out, 0);
}

#ifdef WBXML_SCAN_HAVE_WORD
/* 8 bytes at a time: a bit 7 of the mask is set for each byte that is NUL or >= 0x80 (the
 * zero-byte test's borrows can only mark bytes above a real NUL, so the lowest mark is exact). */
static inline size_t wbxml_scan_copy_word(const unsigned char *s, size_t avail,
					  unsigned char *out)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	size_t i = 0;

	while (avail - i >= 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		memcpy(out + i, &w, 8);
		uint64_t m = (w | ((w - ones) & ~w)) & highs;
		if (m == 0) {
			i += 8;
			continue;
		}
		i += (size_t)__builtin_ctzll(m) >> 3;
		if (s[i] == 0)
			return i;
		if (!wbxml_scan_copy_multibyte(s, avail, out, &i))
			return WBXML_SCAN_FAIL;
	}
	return wbxml_scan_copy_tail(s, avail, out, i);
}
#endif

#ifdef WBXML_SCAN_HAVE_SSE2
/* Bit k set when byte k of v is NUL or >= 0x80. */
static inline unsigned wbxml_scan_mask16(__m128i v)
{
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(v, _mm_cmpeq_epi8(v, _mm_setzero_si128())));
}

/* 16 bytes for the first block (most strings are short: ids, names, dates), then 64 bytes per
 * round (mail bodies). A block is copied before it is looked at; then the marked bytes of its
 * mask are walked one by one (a NUL ends the string, a non-ASCII byte starts a sequence to
 * check), so that text with an accented letter every few words costs one round per block. */
static inline size_t wbxml_scan_copy_sse2(const unsigned char *s, size_t avail,
					  unsigned char *out)
{
	size_t i = 0;

	for (;;) {
		uint64_t m;
		size_t width;
		if (i != 0 && avail - i >= 64) {
			__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 16));
			__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 32));
			__m128i d = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 48));
			_mm_storeu_si128((__m128i *)(void *)(out + i), a);
			_mm_storeu_si128((__m128i *)(void *)(out + i + 16), b);
			_mm_storeu_si128((__m128i *)(void *)(out + i + 32), c);
			_mm_storeu_si128((__m128i *)(void *)(out + i + 48), d);
			/* The smallest byte is 0 when one is NUL; or-ing collects the high bits. */
			__m128i min = _mm_min_epu8(_mm_min_epu8(a, b), _mm_min_epu8(c, d));
			__m128i any = _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d));
			any = _mm_or_si128(any, _mm_cmpeq_epi8(min, _mm_setzero_si128()));
			if (_mm_movemask_epi8(any) == 0) {
				i += 64;
				continue;
			}
			m = (uint64_t)wbxml_scan_mask16(a) | (uint64_t)wbxml_scan_mask16(b) << 16 |
			    (uint64_t)wbxml_scan_mask16(c) << 32 | (uint64_t)wbxml_scan_mask16(d) << 48;
			width = 64;
		} else if (avail - i >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			_mm_storeu_si128((__m128i *)(void *)(out + i), v);
			m = wbxml_scan_mask16(v);
			if (m == 0) {
				i += 16;
				continue;
			}
			width = 16;
		} else {
			return wbxml_scan_copy_tail(s, avail, out, i);
		}
		/* Walk the marked bytes of the block at base. */
		size_t base = i;
		for (;;) {
			i = base + (size_t)__builtin_ctzll(m);
			if (s[i] == 0)
				return i;
			size_t n;
			if (avail - i >= 4) {
				uint32_t w;
				memcpy(&w, s + i, 4);
				n = wbxml_scan_utf8_seq_word(w);
				memcpy(out + i, &w, 4); /* the block's copy may end inside it */
			} else {
				n = wbxml_scan_utf8_seq(s + i, avail - i);
				for (size_t k = 0; k < n; k++)
					out[i + k] = s[i + k];
			}
			if (n == 0)
				return WBXML_SCAN_FAIL;
			i += n;
			if (i - base >= width)
				break; /* the sequence ends past the block: the next one starts at i */
			m &= ~(uint64_t)0 << (i - base); /* its continuation bytes are marked too */
			if (m == 0) {
				i = base + width;
				break;
			}
		}
	}
}
#endif

/* The short-string scanners: most strings of a document are ids, numbers, names, addresses
 * and dates, shorter than two blocks. s[0..LEN) must be readable and out[0..LEN) writable
 * (LEN: 32 for SSE2, 16 for words); what they read is copied to out. Returns n when s[n]
 * (n < LEN) is the first NUL and s[0..n) is valid UTF-8, else WBXML_SCAN_FAIL (then the caller
 * runs a full scanner). Both build a mask with bit k for byte k: z for NUL, h for >= 0x80. */

/* Checks the multi-byte sequences that start at the bits of h (all below the first NUL, which
 * is before s[len]); true when they are valid. Out of line: the short scanners stay small. */
static __attribute__((noinline, unused)) int
wbxml_scan_short_utf8(const unsigned char *s, size_t len, uint32_t h)
{
	do {
		size_t i = (size_t)__builtin_ctz(h), n;
#ifdef WBXML_SCAN_LITTLE_ENDIAN
		if (len - i >= 4) {
			uint32_t w;
			memcpy(&w, s + i, 4);
			n = wbxml_scan_utf8_seq_word(w);
		} else
#endif
		{
			n = wbxml_scan_utf8_seq(s + i, len - i);
		}
		if (n == 0)
			return 0;
		/* i + n < len: a valid sequence ends before the NUL, which a mark of h precedes */
		h &= ~(uint32_t)0 << (i + n);
	} while (h != 0);
	return 1;
}

#ifdef WBXML_SCAN_HAVE_WORD
/* Bit k set for each byte k of m (8 bytes) whose bit 7 is set. */
static inline uint32_t wbxml_scan_word_bits(uint64_t m)
{
	return (uint32_t)((((m >> 7) & UINT64_C(0x0101010101010101)) *
			   UINT64_C(0x0102040810204080)) >> 56);
}

static inline __attribute__((always_inline)) size_t
wbxml_scan_short_word(const unsigned char *s, unsigned char *out)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	uint64_t w;

	memcpy(&w, s, 8);
	memcpy(out, &w, 8);
	/* the lowest bit of the zero test marks the first NUL (borrows only mark bytes above it) */
	uint64_t zw = (w - ones) & ~w & highs;
	uint32_t z = wbxml_scan_word_bits(zw & -zw), h = wbxml_scan_word_bits(w & highs);
	if (z == 0) {
		memcpy(&w, s + 8, 8);
		memcpy(out + 8, &w, 8);
		zw = (w - ones) & ~w & highs;
		z = wbxml_scan_word_bits(zw & -zw) << 8;
		h |= wbxml_scan_word_bits(w & highs) << 8;
		if (z == 0)
			return WBXML_SCAN_FAIL;
	}
	h &= z - 1; /* the marks before the NUL */
	if (h != 0 && !wbxml_scan_short_utf8(s, 16, h))
		return WBXML_SCAN_FAIL;
	return (size_t)__builtin_ctz(z);
}
#endif

#ifdef WBXML_SCAN_HAVE_SSE2
static inline __attribute__((always_inline)) size_t
wbxml_scan_short_sse2(const unsigned char *s, unsigned char *out)
{
	const __m128i zero = _mm_setzero_si128();
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);

	_mm_storeu_si128((__m128i *)(void *)out, v);
	uint32_t z = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero));
	uint32_t h = (uint32_t)_mm_movemask_epi8(v);
	if (z == 0) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
		_mm_storeu_si128((__m128i *)(void *)(out + 16), v);
		z = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero)) << 16;
		h |= (uint32_t)_mm_movemask_epi8(v) << 16;
		if (z == 0)
			return WBXML_SCAN_FAIL;
	}
	/* z - 1 has the bits below the first NUL (and those of later NULs, where h is 0) */
	h &= z - 1;
	if (h != 0 && !wbxml_scan_short_utf8(s, 32, h))
		return WBXML_SCAN_FAIL;
	return (size_t)__builtin_ctz(z);
}
#endif

/* ---- For the encoder ----
 * Copies src[0..len) to dst and says whether it held no NUL (a STR_I string cannot carry one):
 * one pass instead of memchr() and then memcpy(). They read and write exactly len bytes, never
 * more (the short cases use two overlapping loads). */

static inline int wbxml_copy_nonul_bytes(unsigned char *dst, const unsigned char *src, size_t len)
{
	unsigned char all = 0xff;

	for (size_t i = 0; i < len; i++) {
		dst[i] = src[i];
		all &= (unsigned char)(src[i] != 0 ? 0xff : 0);
	}
	return all != 0;
}

#ifdef WBXML_SCAN_HAVE_WORD
/* Nonzero when w has a zero byte. */
static inline uint64_t wbxml_has_zero64(uint64_t w)
{
	return (w - UINT64_C(0x0101010101010101)) & ~w & UINT64_C(0x8080808080808080);
}

static inline int wbxml_copy_nonul_word(unsigned char *dst, const unsigned char *src, size_t len)
{
	uint64_t zero = 0, w;

	if (len >= 8) {
		size_t i = 0;
		for (; len - i >= 8; i += 8) {
			memcpy(&w, src + i, 8);
			memcpy(dst + i, &w, 8);
			zero |= wbxml_has_zero64(w);
		}
		if (i < len) {
			memcpy(&w, src + len - 8, 8);
			memcpy(dst + len - 8, &w, 8);
			zero |= wbxml_has_zero64(w);
		}
		return zero == 0;
	}
	if (len >= 4) {
		uint32_t a, b;
		memcpy(&a, src, 4);
		memcpy(&b, src + len - 4, 4);
		memcpy(dst, &a, 4);
		memcpy(dst + len - 4, &b, 4);
		return wbxml_has_zero64((uint64_t)a << 32 | b) == 0;
	}
	if (len > 0) {
		/* 1 to 3 bytes: first, middle and last cover them all */
		unsigned char a = src[0], b = src[len / 2], c = src[len - 1];
		dst[0] = a;
		dst[len / 2] = b;
		dst[len - 1] = c;
		return a != 0 && b != 0 && c != 0;
	}
	return 1;
}
#endif

#ifdef WBXML_SCAN_HAVE_SSE2
static inline int wbxml_copy_nonul_sse2(unsigned char *dst, const unsigned char *src, size_t len)
{
	if (len < 16) {
#ifdef WBXML_SCAN_HAVE_WORD
		return wbxml_copy_nonul_word(dst, src, len);
#else
		return wbxml_copy_nonul_bytes(dst, src, len);
#endif
	}
	/* The smallest byte seen: 0 when there was a NUL. */
	__m128i min = _mm_set1_epi8(-1);
	size_t i = 0;
	for (; len - i >= 64; i += 64) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(src + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(src + i + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(src + i + 32));
		__m128i d = _mm_loadu_si128((const __m128i *)(const void *)(src + i + 48));
		_mm_storeu_si128((__m128i *)(void *)(dst + i), a);
		_mm_storeu_si128((__m128i *)(void *)(dst + i + 16), b);
		_mm_storeu_si128((__m128i *)(void *)(dst + i + 32), c);
		_mm_storeu_si128((__m128i *)(void *)(dst + i + 48), d);
		min = _mm_min_epu8(min, _mm_min_epu8(_mm_min_epu8(a, b), _mm_min_epu8(c, d)));
	}
	for (; len - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(src + i));
		_mm_storeu_si128((__m128i *)(void *)(dst + i), v);
		min = _mm_min_epu8(min, v);
	}
	if (i < len) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(src + len - 16));
		_mm_storeu_si128((__m128i *)(void *)(dst + len - 16), v);
		min = _mm_min_epu8(min, v);
	}
	return _mm_movemask_epi8(_mm_cmpeq_epi8(min, _mm_setzero_si128())) == 0;
}
#endif

/* The codec's choice. WBXML_SCAN_SHORT_LEN is what WBXML_SCAN_SHORT reads and writes, 0 when
 * there is no short scanner. */
#if defined(WBXML_SCAN_HAVE_SSE2)
#define WBXML_SCAN_COPY wbxml_scan_copy_sse2
#define WBXML_SCAN_SHORT wbxml_scan_short_sse2
#define WBXML_SCAN_SHORT_LEN 32
#define WBXML_COPY_NONUL wbxml_copy_nonul_sse2
#elif defined(WBXML_SCAN_HAVE_WORD)
#define WBXML_SCAN_COPY wbxml_scan_copy_word
#define WBXML_SCAN_SHORT wbxml_scan_short_word
#define WBXML_SCAN_SHORT_LEN 16
#define WBXML_COPY_NONUL wbxml_copy_nonul_word
#else
#define WBXML_SCAN_COPY wbxml_scan_copy_bytes
#define WBXML_SCAN_SHORT_LEN 0
#define WBXML_COPY_NONUL wbxml_copy_nonul_bytes
#endif

#endif
