#include "mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void i_panic(const char *fmt, ...)
{
	va_list ap;

	fputs("easd: PANIC: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size == 0 ? 1 : size);

	if (p == NULL)
		i_panic("out of memory allocating %zu bytes", size);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	size_t total;

	if (!size_mul(count, size, &total))
		i_panic("allocation size overflow (%zu * %zu)", count, size);
	void *p = calloc(total == 0 ? 1 : total, 1);
	if (p == NULL)
		i_panic("out of memory allocating %zu bytes", total);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size == 0 ? 1 : size);

	if (p == NULL)
		i_panic("out of memory reallocating %zu bytes", size);
	return p;
}

char *xstrndup(const char *s, size_t len)
{
	size_t total;

	if (!size_add(len, 1, &total))
		i_panic("string too long");
	char *p = xmalloc(total);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}
