/* pool.h: arena allocator for request-scoped memory. Everything allocated from a pool
 * is released at once by pool_free(); nothing is freed piecemeal (h2o, Dovecot). */
#ifndef EASD_POOL_H
#define EASD_POOL_H

#include <stdarg.h>
#include <stddef.h>

typedef struct pool pool;

/* A new pool whose first block holds at least block_size bytes (0: a default). */
pool *pool_new(size_t block_size);
/* Releases every allocation of *p and sets *p to NULL. NULL is allowed. */
void pool_free(pool **p);

/* Uninitialised memory, aligned for any type. Aborts on overflow or out of memory. */
void *pool_alloc(pool *p, size_t size);
/* Zeroed memory. */
void *pool_zalloc(pool *p, size_t size);
/* count * size zeroed bytes, overflow-checked. */
void *pool_calloc(pool *p, size_t count, size_t size);
char *pool_strdup(pool *p, const char *s);
/* Copies len bytes and appends a NUL. */
char *pool_strndup(pool *p, const char *s, size_t len);
void *pool_memdup(pool *p, const void *data, size_t len);
char *pool_printf(pool *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *pool_vprintf(pool *p, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Bytes handed out so far (for limits and statistics). */
size_t pool_used(const pool *p);

#define pool_new_type(p, type) ((type *)pool_zalloc((p), sizeof(type)))

#endif
