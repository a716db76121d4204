#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llsr/demux.h"

struct sink {
	const char *lo, *hi; /* the input: every piece lies inside it */
	char *out;	     /* the payload seen, at most hi - lo bytes */
	size_t len;
};

static int
sink_fn(void *arg, int stream, const char *data, size_t len)
{
	struct sink *s = arg;

	if (stream < DEMUX_STDIN || stream > DEMUX_STDERR || len == 0 ||
	    data < s->lo || data + len > s->hi ||
	    len > (size_t)(s->hi - s->lo) - s->len)
		abort();
	memcpy(s->out + s->len, data, len);
	s->len += len;
	return 0;
}

/* The first byte picks where the rest is split in two feeds; the result
 * must be the same as one feed of the whole. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sink one, two;
	struct demux d1, d2;
	const char *in;
	size_t n, pos;
	int rc1, rc2;

	if (size < 1)
		return 0;
	in = (const char *)data + 1;
	n = size - 1;
	pos = n ? data[0] % (n + 1) : 0;

	one.lo = two.lo = in;
	one.hi = two.hi = in + n;
	one.out = malloc(n + 1);
	two.out = malloc(n + 1);
	if (!one.out || !two.out)
		abort();
	one.len = two.len = 0;

	demux_init(&d1);
	rc1 = demux_feed(&d1, in, n, sink_fn, &one);

	demux_init(&d2);
	rc2 = demux_feed(&d2, in, pos, sink_fn, &two);
	if (rc2 == 0)
		rc2 = demux_feed(&d2, in + pos, n - pos, sink_fn, &two);
	else if (demux_feed(&d2, in + pos, n - pos, sink_fn, &two) !=
		 DEMUX_EGARBAGE)
		abort();

	if (rc1 != rc2 || (rc1 != 0 && rc1 != DEMUX_EGARBAGE))
		abort();
	if (one.len != two.len || memcmp(one.out, two.out, one.len) != 0)
		abort();
	if (demux_idle(&d1) != demux_idle(&d2))
		abort();
	if (rc1 == 0 && one.len + 8 > n && n > 0 && demux_idle(&d1))
		abort(); /* a whole frame costs 8 header bytes */

	free(one.out);
	free(two.out);
	return 0;
}
