#include "base64.h"

#include <stdint.h>

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(buf *out, const void *data, size_t len)
{
	const unsigned char *in = data;
	size_t i = 0;

	buf_reserve(out, (len / 3 + 1) * 4);
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		buf_putc(out, (unsigned char)alphabet[v >> 18 & 63]);
		buf_putc(out, (unsigned char)alphabet[v >> 12 & 63]);
		buf_putc(out, (unsigned char)alphabet[v >> 6 & 63]);
		buf_putc(out, (unsigned char)alphabet[v & 63]);
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		buf_putc(out, (unsigned char)alphabet[v >> 18 & 63]);
		buf_putc(out, (unsigned char)alphabet[v >> 12 & 63]);
		buf_puts(out, "==");
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		buf_putc(out, (unsigned char)alphabet[v >> 18 & 63]);
		buf_putc(out, (unsigned char)alphabet[v >> 12 & 63]);
		buf_putc(out, (unsigned char)alphabet[v >> 6 & 63]);
		buf_putc(out, '=');
	}
}

static int base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(buf *out, const char *text, size_t len, const char **error_r)
{
	size_t start = out->len;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t pad = 0;

	while (len > 0 && text[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if (len % 4 == 1) {
		*error_r = "base64: truncated input";
		return -1;
	}
	if (pad > 0 && (len + pad) % 4 != 0) {
		*error_r = "base64: bad padding";
		return -1;
	}
	buf_reserve(out, len / 4 * 3 + 3);
	for (size_t i = 0; i < len; i++) {
		int v = base64_value((unsigned char)text[i]);
		if (v < 0) {
			buf_truncate(out, start);
			*error_r = "base64: invalid character";
			return -1;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(out, (unsigned char)(acc >> bits & 0xff));
		}
	}
	return 0;
}
