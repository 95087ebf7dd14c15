/* buf.h: the one growable byte buffer (git's strbuf). Explicit length; data may hold NULs.
 * data is always followed by a NUL byte that is not counted in len, so text can be read
 * as a C string. Growth aborts on overflow or out of memory. */
#ifndef EASD_BUF_H
#define EASD_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
	unsigned char *data;
	size_t len;
	size_t cap;
} buf;

#define BUF_INIT { NULL, 0, 0 }

void buf_init(buf *b);
void buf_free(buf *b);
/* Makes room for extra more bytes (plus the terminating NUL). */
void buf_reserve(buf *b, size_t extra);
void buf_append(buf *b, const void *data, size_t len);
void buf_putc(buf *b, unsigned char c);
void buf_puts(buf *b, const char *s);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void buf_truncate(buf *b, size_t len);
/* NUL-terminated view of the contents ("" for an empty buffer). */
const char *buf_cstr(const buf *b);
/* Hands the heap block to the caller (free() it); the buffer is left empty. */
unsigned char *buf_detach(buf *b, size_t *len_r);

#endif
