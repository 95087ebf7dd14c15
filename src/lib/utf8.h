/* utf8.h: UTF-8 validation (RFC 3629: no overlongs, no surrogates, at most U+10FFFF). */
#ifndef EASD_UTF8_H
#define EASD_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* True when s[0..len) is valid UTF-8. On false, *bad_offset_r (if not NULL) is the
 * offset of the first invalid sequence. */
bool utf8_valid(const void *s, size_t len, size_t *bad_offset_r);
/* Appends s[0..len) to out with every invalid sequence replaced by U+FFFD. */
void utf8_append_sanitized(buf *out, const void *s, size_t len);
/* Length of the longest prefix of s[0..len) that is at most max bytes and does not split
 * a character (for truncation on a character boundary). */
size_t utf8_truncate_len(const void *s, size_t len, size_t max);

#endif
