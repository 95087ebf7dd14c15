#include "pool.h"
#include "mem.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define POOL_DEFAULT_BLOCK 8192
#define POOL_ALIGN alignof(max_align_t)

struct pool_block {
	struct pool_block *prev;
	size_t size; /* usable bytes after the header */
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct pool {
	struct pool_block *block;
	size_t block_size;
	size_t used_total;
};

static struct pool_block *pool_block_new(size_t size)
{
	size_t total;

	if (!size_add(sizeof(struct pool_block), size, &total))
		i_panic("pool block size overflow");
	struct pool_block *b = xmalloc(total);
	b->prev = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

pool *pool_new(size_t block_size)
{
	pool *p = xcalloc(1, sizeof(*p));

	p->block_size = block_size == 0 ? POOL_DEFAULT_BLOCK : block_size;
	p->block = pool_block_new(p->block_size);
	return p;
}

void pool_free(pool **pp)
{
	pool *p = *pp;

	if (p == NULL)
		return;
	struct pool_block *b = p->block;
	while (b != NULL) {
		struct pool_block *prev = b->prev;
		free(b);
		b = prev;
	}
	free(p);
	*pp = NULL;
}

void *pool_alloc(pool *p, size_t size)
{
	size_t aligned;

	if (!size_add(size, POOL_ALIGN - 1, &aligned))
		i_panic("pool allocation size overflow");
	aligned &= ~(POOL_ALIGN - 1);
	if (aligned == 0)
		aligned = POOL_ALIGN;

	struct pool_block *b = p->block;
	if (b->size - b->used < aligned) {
		if (aligned > p->block_size / 4) {
			/* Large allocation: its own block, kept behind the current one so that
			 * the current block's free space stays usable. */
			struct pool_block *big = pool_block_new(aligned);
			big->used = aligned;
			big->prev = b->prev;
			b->prev = big;
			p->used_total += aligned;
			return big->data;
		}
		if (p->block_size < 1024 * 1024)
			p->block_size *= 2;
		struct pool_block *nb = pool_block_new(p->block_size);
		nb->prev = b;
		p->block = nb;
		b = nb;
	}
	void *ret = b->data + b->used;
	b->used += aligned;
	p->used_total += aligned;
	return ret;
}

void *pool_zalloc(pool *p, size_t size)
{
	void *ret = pool_alloc(p, size);

	memset(ret, 0, size);
	return ret;
}

void *pool_calloc(pool *p, size_t count, size_t size)
{
	size_t total;

	if (!size_mul(count, size, &total))
		i_panic("pool allocation size overflow");
	return pool_zalloc(p, total);
}

char *pool_strndup(pool *p, const char *s, size_t len)
{
	size_t total;

	if (!size_add(len, 1, &total))
		i_panic("pool string too long");
	char *ret = pool_alloc(p, total);
	if (len > 0)
		memcpy(ret, s, len);
	ret[len] = '\0';
	return ret;
}

char *pool_strdup(pool *p, const char *s)
{
	return s == NULL ? NULL : pool_strndup(p, s, strlen(s));
}

void *pool_memdup(pool *p, const void *data, size_t len)
{
	void *ret = pool_alloc(p, len);

	if (len > 0)
		memcpy(ret, data, len);
	return ret;
}

char *pool_vprintf(pool *p, const char *fmt, va_list ap)
{
	va_list ap2;

	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		i_panic("pool_printf: bad format");
	char *ret = pool_alloc(p, (size_t)n + 1);
	vsnprintf(ret, (size_t)n + 1, fmt, ap);
	return ret;
}

char *pool_printf(pool *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *ret = pool_vprintf(p, fmt, ap);
	va_end(ap);
	return ret;
}

size_t pool_used(const pool *p)
{
	return p->used_total;
}
