/* str.h: small string helpers with strict parsing (no atoi). */
#ifndef EASD_STR_H
#define EASD_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses a whole decimal unsigned number in [0, max] (no sign, no spaces, no empty string).
 * Returns 0 or -1. */
int str_to_uint64(const char *s, uint64_t max, uint64_t *value_r);
/* Same over s[0..len). */
int str_n_to_uint64(const char *s, size_t len, uint64_t max, uint64_t *value_r);
/* ASCII case-insensitive equality. */
bool str_eq_nocase(const char *a, const char *b);
/* ASCII lower-casing in place. */
void str_lcase(char *s);
/* Copies src into dst of size dstsize, always NUL-terminating; false when truncated. */
bool str_copy(char *dst, size_t dstsize, const char *src);
/* Compares two byte strings in time independent of their contents (lengths may leak). */
bool str_eq_consttime(const void *a, size_t alen, const void *b, size_t blen);

#endif
