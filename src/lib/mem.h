/* mem.h: allocation that never returns NULL; out of memory aborts with a message
 * (Postfix's mymalloc). Sizes are checked for overflow. */
#ifndef EASD_MEM_H
#define EASD_MEM_H

#include <stddef.h>
#include <stdbool.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);

/* *sum_r = a + b; false when it overflows. */
static inline bool size_add(size_t a, size_t b, size_t *sum_r)
{
	return !__builtin_add_overflow(a, b, sum_r);
}

/* *prod_r = a * b; false when it overflows. */
static inline bool size_mul(size_t a, size_t b, size_t *prod_r)
{
	return !__builtin_mul_overflow(a, b, prod_r);
}

/* Aborts the process: a broken invariant, never bad input. */
_Noreturn void i_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
