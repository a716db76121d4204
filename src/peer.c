#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "llsr/peer.h"

/* One dotted IPv4 address s[0..n), four decimal numbers 0-255; 0 or -1. */
static int
parse_addr(const char *s, size_t n, uint32_t *out)
{
	uint32_t a = 0;
	size_t i = 0;
	int part, digits;

	for (part = 0; part < 4; part++) {
		unsigned v = 0;

		if (part > 0) {
			if (i >= n || s[i] != '.')
				return -1;
			i++;
		}
		for (digits = 0; i < n && s[i] >= '0' && s[i] <= '9';
		     i++, digits++) {
			v = v * 10 + (unsigned)(s[i] - '0');
			if (digits >= 3 || v > 255)
				return -1;
		}
		if (digits == 0)
			return -1;
		a = (a << 8) | v;
	}
	if (i != n)
		return -1;
	*out = htonl(a);
	return 0;
}

int
peer_list_parse(struct peer_list *pl, const char *s, size_t *bad_at)
{
	size_t i = 0, b, e;

	memset(pl, 0, sizeof(*pl));
	if (!s || !*s)
		return 0;
	pl->set = 1;
	for (;;) {
		b = i;
		while (s[b] == ' ' || s[b] == '\t')
			b++;
		e = b;
		while (s[e] && s[e] != ',')
			e++;
		i = e;
		while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
			e--;
		if (pl->n >= PEER_MAX ||
		    parse_addr(s + b, e - b, &pl->addr[pl->n]) < 0) {
			if (bad_at)
				*bad_at = b;
			return -1;
		}
		pl->n++;
		if (!s[i])
			return 0;
		i++;
	}
}

int
peer_list_from_env(struct peer_list *pl, size_t *bad_at)
{
	return peer_list_parse(pl, getenv("FCGI_WEB_SERVER_ADDRS"), bad_at);
}

int
peer_allowed(const struct peer_list *pl, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uint32_t a;
	int i;

	if (!pl->set)
		return 1;
	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_UNIX)
		return 1;
	if (ss.ss_family == AF_INET) {
		a = ((struct sockaddr_in *)&ss)->sin_addr.s_addr;
	} else if (ss.ss_family == AF_INET6) {
		const struct in6_addr *a6 =
			&((struct sockaddr_in6 *)&ss)->sin6_addr;

		if (!IN6_IS_ADDR_V4MAPPED(a6))
			return 0;
		memcpy(&a, &a6->s6_addr[12], sizeof(a));
	} else {
		return 0;
	}
	for (i = 0; i < pl->n; i++)
		if (pl->addr[i] == a)
			return 1;
	return 0;
}

const char *
peer_describe(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const void *a = NULL;

	snprintf(buf, size, "?");
	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return buf;
	if (ss.ss_family == AF_INET)
		a = &((struct sockaddr_in *)&ss)->sin_addr;
	else if (ss.ss_family == AF_INET6)
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
	if (a && !inet_ntop(ss.ss_family, a, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}
