#ifndef LLSR_PEER_H
#define LLSR_PEER_H
/* Which FastCGI peers the workers answer: libfcgi's allow-list
 * FCGI_WEB_SERVER_ADDRS (comma-separated IPv4 addresses of the web
 * servers). libfcgi checks it in its own accept; the server accepts
 * connections itself (server.c) and hands them to libfcgi, so the list is
 * checked here instead, on every accepted connection. The FastCGI protocol
 * has no authentication: on TCP this list is the security boundary. */

#include <stddef.h>
#include <stdint.h>

#define PEER_MAX 64 /* addresses in one list */

struct peer_list {
	int set;		 /* 0: no list, every peer allowed */
	int n;			 /* addresses in addr */
	uint32_t addr[PEER_MAX]; /* network byte order */
};

/* Parses s, e.g. "10.0.0.1,10.0.0.2" (blanks around an entry are
 * allowed; libfcgi would never match such an entry). s can be NULL or
 * empty: no list (pl->set 0), as libfcgi. 0, or -1 when an entry is not a
 * dotted IPv4 address a.b.c.d or there are more than PEER_MAX; then
 * *bad_at (can be NULL) is the offset of the bad entry. */
int peer_list_parse(struct peer_list *pl, const char *s, size_t *bad_at);

/* peer_list_parse of the environment's FCGI_WEB_SERVER_ADDRS (libfcgi's
 * variable, read where libfcgi would read it). */
int peer_list_from_env(struct peer_list *pl, size_t *bad_at);

/* 1 when the peer of the connected socket fd may be served: there is no
 * list, the socket is a unix socket, or its IPv4 peer (also an
 * IPv4-mapped IPv6 one) is in the list. 0 otherwise, including every other
 * IPv6 peer when a list is set (libfcgi lets every non-IPv4 peer through;
 * this does not) and a socket whose peer cannot be read. */
int peer_allowed(const struct peer_list *pl, int fd);

/* Writes the peer's address of fd into buf (for a log line), or "?" when
 * it cannot be read. Returns buf. */
const char *peer_describe(int fd, char *buf, size_t size);

#endif
