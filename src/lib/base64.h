/* base64.h: RFC 4648 base64 (standard alphabet, padding). */
#ifndef EASD_BASE64_H
#define EASD_BASE64_H

#include <stddef.h>

#include "buf.h"

/* Appends the encoding of data to out. */
void base64_encode(buf *out, const void *data, size_t len);
/* Appends the decoded bytes of text[0..len) to out. Accepts missing padding; rejects any
 * character outside the alphabet (no whitespace). Returns 0, or -1 with *error_r set
 * and out unchanged. */
int base64_decode(buf *out, const char *text, size_t len, const char **error_r);

#endif
