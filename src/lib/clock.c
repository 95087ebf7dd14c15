#include "clock.h"
#include "str.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int64_t clock_now(void)
{
	const char *fake = getenv("EASD_FAKE_CLOCK");

	if (fake != NULL && *fake != '\0') {
		char text[32];
		uint64_t v;
		FILE *f = fopen(fake, "r");
		if (f != NULL) {
			size_t n = fread(text, 1, sizeof(text) - 1, f);
			fclose(f);
			while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
				n--;
			if (str_n_to_uint64(text, n, INT64_MAX, &v) == 0)
				return (int64_t)v;
		}
	}
	return (int64_t)time(NULL);
}

uint64_t clock_monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t clock_monotonic_ms(void)
{
	return clock_monotonic_us() / 1000u;
}
