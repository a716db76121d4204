#include "config.h"

#include <string.h>

#include "llsr/demux.h"

/* d->stream once a bad header was seen */
#define DEMUX_BROKEN (-1)

void
demux_init(struct demux *d)
{
	memset(d->hdr, 0, sizeof(d->hdr));
	d->hdr_len = 0;
	d->stream = DEMUX_STDOUT;
	d->remaining = 0;
}

/* Takes the header in d->hdr. A zero-length frame leaves d waiting for the
 * next header, which is what a frame boundary looks like. */
static int
demux_header(struct demux *d)
{
	const unsigned char *h = d->hdr;

	d->hdr_len = 0;
	if (h[0] > DEMUX_STDERR || h[1] || h[2] || h[3]) {
		d->stream = DEMUX_BROKEN;
		return DEMUX_EGARBAGE;
	}
	d->stream = h[0];
	d->remaining = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 |
		       (uint32_t)h[6] << 8 | h[7];
	return 0;
}

int
demux_feed(struct demux *d, const char *data, size_t len, demux_fn fn,
	   void *arg)
{
	size_t n;
	int rc;

	if (d->stream == DEMUX_BROKEN)
		return DEMUX_EGARBAGE;
	while (len > 0) {
		if (d->remaining == 0) {
			n = sizeof(d->hdr) - d->hdr_len;
			if (n > len)
				n = len;
			memcpy(d->hdr + d->hdr_len, data, n);
			d->hdr_len += n;
			data += n;
			len -= n;
			if (d->hdr_len == sizeof(d->hdr) && demux_header(d) < 0)
				return DEMUX_EGARBAGE;
			continue;
		}
		n = len < d->remaining ? len : d->remaining;
		/* The piece counts as delivered even when fn fails. */
		d->remaining -= (uint32_t)n;
		rc = fn(arg, d->stream, data, n);
		if (rc < 0)
			return rc;
		data += n;
		len -= n;
	}
	return 0;
}

int
demux_idle(const struct demux *d)
{
	return d->stream != DEMUX_BROKEN && d->hdr_len == 0 &&
	       d->remaining == 0;
}
