#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "llsr/peer.h"
#include "tap_main.h"

START_TEST(parse_accepts_lists)
{
	struct peer_list pl;
	size_t bad = 99;

	ck_assert_int_eq(peer_list_parse(&pl, NULL, &bad), 0);
	ck_assert_int_eq(pl.set, 0);
	ck_assert_int_eq(peer_list_parse(&pl, "", &bad), 0);
	ck_assert_int_eq(pl.set, 0);
	ck_assert_int_eq(peer_list_parse(&pl, "10.0.0.1", &bad), 0);
	ck_assert_int_eq(pl.set, 1);
	ck_assert_int_eq(pl.n, 1);
	ck_assert_uint_eq(pl.addr[0], inet_addr("10.0.0.1"));
	ck_assert_int_eq(
		peer_list_parse(&pl, " 10.0.0.1 ,192.168.255.254\t", &bad), 0);
	ck_assert_int_eq(pl.n, 2);
	ck_assert_uint_eq(pl.addr[1], inet_addr("192.168.255.254"));
	ck_assert_int_eq(peer_list_parse(&pl, "0.0.0.0,255.255.255.255", NULL),
			 0);
	ck_assert_int_eq(pl.n, 2);
}
END_TEST

/* Every entry that is not a.b.c.d is refused at its offset: a list that
 * silently matches nothing, or something else, would be worse. */
START_TEST(parse_refuses_bad_entries)
{
	static const struct {
		const char *s;
		size_t at;
	} bad[] = {
		{"10.0.0", 0},
		{"10.0.0.1.2", 0},
		{"10.1", 0},
		{"256.0.0.1", 0},
		{"10.0.0.1,", 9},
		{",10.0.0.1", 0},
		{"10.0.0.1,,10.0.0.2", 9},
		{"10.0.0.0001", 0},
		{"localhost", 0},
		{"::1", 0},
		{"10.0.0.1 10.0.0.2", 0},
		{"0x7f.0.0.1", 0},
		{"10.0.0.-1", 0},
		{"10.0.0.1,fe80::1", 9},
	};
	struct peer_list pl;
	size_t i, at;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		at = 99;
		ck_assert_msg(peer_list_parse(&pl, bad[i].s, &at) == -1,
			      "'%s' accepted", bad[i].s);
		ck_assert_msg(at == bad[i].at, "'%s': at %zu, expected %zu",
			      bad[i].s, at, bad[i].at);
	}
}
END_TEST

START_TEST(parse_caps_entries)
{
	struct peer_list pl;
	char s[PEER_MAX * 16 + 32] = "";
	size_t at;
	int i;

	for (i = 0; i < PEER_MAX; i++)
		snprintf(s + strlen(s), sizeof(s) - strlen(s), "%s10.0.%d.%d",
			 i ? "," : "", i / 256, i % 256);
	ck_assert_int_eq(peer_list_parse(&pl, s, &at), 0);
	ck_assert_int_eq(pl.n, PEER_MAX);
	strcat(s, ",10.9.9.9");
	ck_assert_int_eq(peer_list_parse(&pl, s, &at), -1);
}
END_TEST

/* A connection to a listener on 127.0.0.1 from source address src, as
 * the accepted side; or -1 when loopback TCP is not available. */
static int
accepted_from(int family, const char *src, int *l_out, int *c_out)
{
	int l, c, a, one = 1;

	l = socket(family, SOCK_STREAM, 0);
	c = socket(family, SOCK_STREAM, 0);
	if (l < 0 || c < 0)
		goto fail;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET) {
		struct sockaddr_in sa, ca;
		socklen_t len = sizeof(sa);

		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = inet_addr("127.0.0.1");
		memset(&ca, 0, sizeof(ca));
		ca.sin_family = AF_INET;
		ca.sin_addr.s_addr = inet_addr(src);
		if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(l, 1) < 0 ||
		    getsockname(l, (struct sockaddr *)&sa, &len) < 0 ||
		    bind(c, (struct sockaddr *)&ca, sizeof(ca)) < 0 ||
		    connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			goto fail;
	} else {
		struct sockaddr_in6 sa;
		socklen_t len = sizeof(sa);

		memset(&sa, 0, sizeof(sa));
		sa.sin6_family = AF_INET6;
		sa.sin6_addr = in6addr_loopback;
		if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(l, 1) < 0 ||
		    getsockname(l, (struct sockaddr *)&sa, &len) < 0 ||
		    connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			goto fail;
	}
	a = accept(l, NULL, NULL);
	if (a < 0)
		goto fail;
	*l_out = l;
	*c_out = c;
	return a;
fail:
	if (l >= 0)
		close(l);
	if (c >= 0)
		close(c);
	return -1;
}

START_TEST(allowed_by_peer_address)
{
	struct peer_list pl, none;
	char who[64];
	int l, c, a;

	ck_assert_int_eq(peer_list_parse(&pl, "10.9.9.9,127.0.0.1", NULL), 0);
	ck_assert_int_eq(peer_list_parse(&none, NULL, NULL), 0);
	a = accepted_from(AF_INET, "127.0.0.1", &l, &c);
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(peer_allowed(&pl, a), 1);
	ck_assert_int_eq(peer_allowed(&none, a), 1);
	close(a), close(c), close(l);

	/* Loopback is 127/8: another address, another peer. */
	a = accepted_from(AF_INET, "127.0.0.2", &l, &c);
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(peer_allowed(&pl, a), 0);
	ck_assert_int_eq(peer_allowed(&none, a), 1);
	ck_assert_str_eq(peer_describe(a, who, sizeof(who)), "127.0.0.2");
	close(a), close(c), close(l);
	ck_assert_str_eq(peer_describe(-1, who, sizeof(who)), "?");
}
END_TEST

/* libfcgi lets every non-IPv4 peer through its list; this does not. */
START_TEST(ipv6_peer_refused_with_a_list)
{
	struct peer_list pl;
	int l, c, a;

	ck_assert_int_eq(peer_list_parse(&pl, "127.0.0.1", NULL), 0);
	a = accepted_from(AF_INET6, NULL, &l, &c);
	if (a < 0)
		return; /* no IPv6 loopback here */
	ck_assert_int_eq(peer_allowed(&pl, a), 0);
	close(a), close(c), close(l);
}
END_TEST

START_TEST(unix_peer_and_bad_fd)
{
	struct peer_list pl;
	int sv[2];

	ck_assert_int_eq(peer_list_parse(&pl, "127.0.0.1", NULL), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(peer_allowed(&pl, sv[0]), 1);
	close(sv[0]), close(sv[1]);
	ck_assert_int_eq(peer_allowed(&pl, -1), 0);
}
END_TEST

static Suite *
peer_suite(void)
{
	Suite *s = suite_create("peer");
	TCase *tc = tcase_create("peer");

	tcase_add_test(tc, parse_accepts_lists);
	tcase_add_test(tc, parse_refuses_bad_entries);
	tcase_add_test(tc, parse_caps_entries);
	tcase_add_test(tc, allowed_by_peer_address);
	tcase_add_test(tc, ipv6_peer_refused_with_a_list);
	tcase_add_test(tc, unix_peer_and_bad_fd);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(peer_suite());
}
