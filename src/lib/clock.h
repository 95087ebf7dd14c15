/* clock.h: the wall clock that easd's logic reads (throttling windows, device timestamps,
 * sync state). Tests set EASD_FAKE_CLOCK=FILE: the time is then read from FILE (decimal unix
 * seconds) on every call, so that a test moves time forward without sleeping. */
#ifndef EASD_CLOCK_H
#define EASD_CLOCK_H

#include <stdint.h>

/* Unix seconds. */
int64_t clock_now(void);
/* Milliseconds of a monotonic clock, for measuring durations (never faked). */
uint64_t clock_monotonic_ms(void);
/* Microseconds of a monotonic clock. */
uint64_t clock_monotonic_us(void);

#endif
