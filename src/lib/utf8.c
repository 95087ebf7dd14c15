#include "utf8.h"

#include <stdint.h>

/* Length of the valid sequence at s[i], or 0 when it is invalid or truncated. */
static size_t utf8_seq_len(const unsigned char *s, size_t len, size_t i)
{
	unsigned char c = s[i];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len - i < n)
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((s[i + k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i + k] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	return n;
}

bool utf8_valid(const void *data, size_t len, size_t *bad_offset_r)
{
	const unsigned char *s = data;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(s, len, i);
		if (n == 0) {
			if (bad_offset_r != NULL)
				*bad_offset_r = i;
			return false;
		}
		i += n;
	}
	return true;
}

void utf8_append_sanitized(buf *out, const void *data, size_t len)
{
	const unsigned char *s = data;

	buf_reserve(out, len);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(s, len, i);
		if (n == 0) {
			buf_append(out, "\xef\xbf\xbd", 3);
			i++;
		} else {
			buf_append(out, s + i, n);
			i += n;
		}
	}
}

size_t utf8_truncate_len(const void *data, size_t len, size_t max)
{
	const unsigned char *s = data;

	if (len <= max)
		return len;
	size_t i = max;
	/* Step back over continuation bytes to the start of the split character. */
	while (i > 0 && (s[i] & 0xc0) == 0x80)
		i--;
	return i;
}
