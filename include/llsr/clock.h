#ifndef LLSR_CLOCK_H
#define LLSR_CLOCK_H
/* Monotonic milliseconds, for deadlines. */

#include <stdint.h>
#include <time.h>

static inline int64_t
clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Microsecond resolution, for durations that are reported. */
static inline double
clock_now_msf(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#endif
