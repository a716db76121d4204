#ifndef LLSR_DEMUX_H
#define LLSR_DEMUX_H
/* Demultiplexer for the Docker Engine API's raw stream (attach and logs with
 * Tty: false): frames of [type:1][0,0,0][length:4, big-endian][payload],
 * type 0 = stdin, 1 = stdout, 2 = stderr. Incremental: a header or payload
 * may arrive split across any number of reads. It never allocates by the
 * length field; the caller counts what it keeps against its own caps. */

#include <stddef.h>
#include <stdint.h>

enum { DEMUX_STDIN = 0, DEMUX_STDOUT = 1, DEMUX_STDERR = 2 };

struct demux {
	unsigned char hdr[8];
	size_t hdr_len;	    /* header bytes collected so far */
	int stream;	    /* stream of the frame in hand */
	uint32_t remaining; /* payload bytes still to come in that frame */
};

/* Called for every piece of payload, in order; a frame's payload may come
 * in several pieces and a zero-length frame produces no call. A negative
 * return stops demux_feed, which returns that value. */
typedef int (*demux_fn)(void *arg, int stream, const char *data, size_t len);

void demux_init(struct demux *d);

/* Feeds len bytes of the stream. Returns 0, the callback's negative value,
 * or DEMUX_EGARBAGE when a header is not a valid frame header (type above 2
 * or a non-zero padding byte); after that the demuxer stays broken and
 * every further call returns DEMUX_EGARBAGE. */
#define DEMUX_EGARBAGE (-2)
int demux_feed(struct demux *d, const char *data, size_t len, demux_fn fn,
	       void *arg);

/* 1 when the stream stopped on a frame boundary (nothing partial pending). */
int demux_idle(const struct demux *d);

#endif
