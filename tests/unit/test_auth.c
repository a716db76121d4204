#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "llsr/auth.h"
#include "llsr/config.h"
#include "tap_main.h"

/* Tokens of 16 bytes and more; B is A with its last byte changed. */
#define TOK_A "abcdefghijklmnop0123"
#define TOK_B "abcdefghijklmnop0124"
#define TOK_C "Zm9vYmFyYmF6cXV4cXV1eA=="

static char errs_buf[8192];

/* Writes text to a fresh temporary file of the given mode; path receives
 * its name (caller unlinks). */
static void
write_file(char *path, const char *text, mode_t mode)
{
	int fd;

	strcpy(path, "/tmp/llsr-test-auth-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* Loads text on top of the defaults; the messages land in errs_buf. */
static int
load(struct config *c, const char *text)
{
	char path[64];
	FILE *f;
	int n;

	write_file(path, text, 0600);
	f = fmemopen(errs_buf, sizeof(errs_buf), "w");
	ck_assert_ptr_nonnull(f);
	config_defaults(c);
	n = config_load(c, path, f);
	fclose(f);
	unlink(path);
	return n;
}

START_TEST(test_off_by_default)
{
	struct config c;

	config_defaults(&c);
	ck_assert_int_eq(auth_enabled(&c), 0);
	ck_assert_int_eq(auth_check(&c, NULL), 0);
	ck_assert_int_eq(auth_check(&c, ""), 0);
	ck_assert_int_eq(auth_check(&c, "Bearer whatever"), 0);
	ck_assert_int_eq(load(&c, "auth_tokens = \"\"\n"), 0);
	ck_assert_int_eq(auth_enabled(&c), 0);
}
END_TEST

static const struct {
	const char *header;
	int want;
} headers[] = {
	{"Bearer " TOK_A, 0},
	{"Bearer " TOK_B, -1}, /* last byte differs */
	{"Bearer " TOK_C, 0},  /* the second token */
	{"bearer " TOK_A, 0},  /* the scheme is case-insensitive */
	{"BEARER   " TOK_A "  ", 0},
	{NULL, -1},
	{"", -1},
	{"Bearer", -1},
	{"Bearer ", -1},
	{"Bearer  ", -1},
	{"Basic " TOK_A, -1},
	{TOK_A, -1},
	{"Bearer abcdefghijklmnop012", -1}, /* a prefix */
	{"Bearer " TOK_A "4", -1},	    /* longer */
	{"Bearer " TOK_A " " TOK_C, -1},    /* two */
	{"Bearer abcdefghijklmnop0123\t", 0},
	{"Bearer ABCDEFGHIJKLMNOP0123", -1}, /* tokens are case-sensitive */
	{"Bearer " TOK_A TOK_A TOK_A TOK_A TOK_A TOK_A TOK_A, -1}, /* 140 */
};

START_TEST(test_check)
{
	struct config c;

	ck_assert_msg(load(&c, "auth_tokens = " TOK_A ", " TOK_C "\n") == 0,
		      "%s", errs_buf);
	ck_assert_int_eq(auth_enabled(&c), 1);
	ck_assert_int_eq(c.auth_ntokens, 2);
	ck_assert_msg(auth_check(&c, headers[_i].header) == headers[_i].want,
		      "'%s': wanted %d",
		      headers[_i].header ? headers[_i].header : "(null)",
		      headers[_i].want);
}
END_TEST

/* A token of the longest length matches; the empty slots never do. */
START_TEST(test_longest_token)
{
	char text[256], hdr[256], tok[CONFIG_TOKEN_MAX + 1];
	struct config c;

	memset(tok, 'x', CONFIG_TOKEN_MAX);
	tok[CONFIG_TOKEN_MAX] = '\0';
	snprintf(text, sizeof(text), "auth_tokens = %s\n", tok);
	ck_assert_msg(load(&c, text) == 0, "%s", errs_buf);
	snprintf(hdr, sizeof(hdr), "Bearer %s", tok);
	ck_assert_int_eq(auth_check(&c, hdr), 0);
	hdr[strlen(hdr) - 1] = 'y';
	ck_assert_int_eq(auth_check(&c, hdr), -1);
	strcat(hdr, "x");
	ck_assert_int_eq(auth_check(&c, hdr), -1);
}
END_TEST

static const struct {
	const char *value, *what;
} bad_lists[] = {
	{"short", "16 to 128"},
	{TOK_A ",short", "token 2: a token must be 16"},
	{"abcdefghijklmnop!", "letters, digits"},
	{"=abcdefghijklmnopq", "start with '='"},
	{"abcdefghijklmnop=q", "letters, digits"},
	{"\"abcdefghijklmnop;q\"", "letters, digits"},
};

START_TEST(test_bad_list)
{
	struct config c;
	char text[256];

	snprintf(text, sizeof(text), "# c\nauth_tokens = %s\n",
		 bad_lists[_i].value);
	ck_assert_int_eq(load(&c, text), 1);
	ck_assert_msg(strstr(errs_buf, ":2: auth_tokens: "), "%s", errs_buf);
	ck_assert_msg(strstr(errs_buf, bad_lists[_i].what), "wanted '%s': %s",
		      bad_lists[_i].what, errs_buf);
	ck_assert_int_eq(c.auth_ntokens, 0);
	/* The secret never appears in a message. */
	ck_assert_ptr_null(strstr(errs_buf, "abcdefghijklmnop"));
}
END_TEST

START_TEST(test_too_many)
{
	char text[4096];
	struct config c;
	size_t n = 0;
	int i;

	n += (size_t)snprintf(text, sizeof(text), "auth_tokens = ");
	for (i = 0; i <= CONFIG_TOKENS_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "tok%013d ",
				      i);
	snprintf(text + n, sizeof(text) - n, "\n");
	ck_assert_int_eq(load(&c, text), 1);
	ck_assert_msg(strstr(errs_buf, "more than 32 tokens"), "%s", errs_buf);
}
END_TEST

START_TEST(test_token_file)
{
	char tokpath[64], text[256];
	struct config c;

	write_file(tokpath, "# tokens\n\n  " TOK_C "  \n" TOK_B "\n# end\n",
		   0640);
	snprintf(text, sizeof(text),
		 "auth_tokens = " TOK_A "\nauth_token_file = %s\n", tokpath);
	ck_assert_msg(load(&c, text) == 0, "%s", errs_buf);
	ck_assert_int_eq(c.auth_ntokens, 3);
	ck_assert_int_eq(auth_check(&c, "Bearer " TOK_A), 0);
	ck_assert_int_eq(auth_check(&c, "Bearer " TOK_B), 0);
	ck_assert_int_eq(auth_check(&c, "Bearer " TOK_C), 0);
	ck_assert_int_eq(auth_check(&c, "Bearer " TOK_A "x"), -1);
	unlink(tokpath);

	/* Problems are reported at their line of the token file. */
	write_file(tokpath, "# tokens\n" TOK_A "\nshort\n" TOK_C "!\n", 0600);
	snprintf(text, sizeof(text), "auth_token_file = %s\n", tokpath);
	ck_assert_int_eq(load(&c, text), 2);
	snprintf(text, sizeof(text), "%s:3: a token must be 16", tokpath);
	ck_assert_msg(strstr(errs_buf, text), "%s", errs_buf);
	snprintf(text, sizeof(text), "%s:4: a token may hold", tokpath);
	ck_assert_msg(strstr(errs_buf, text), "%s", errs_buf);
	ck_assert_ptr_null(strstr(errs_buf, "abcdefghijklmnop"));
	unlink(tokpath);

	/* Readable by others: refused. */
	write_file(tokpath, TOK_A "\n", 0644);
	snprintf(text, sizeof(text), "\nauth_token_file = %s\n", tokpath);
	ck_assert_int_eq(load(&c, text), 1);
	ck_assert_msg(strstr(errs_buf, ":2: auth_token_file: ") &&
			      strstr(errs_buf, "open to others"),
		      "%s", errs_buf);
	unlink(tokpath);

	/* Missing: reported at the line that names it. */
	ck_assert_int_eq(load(&c, "\n\nauth_token_file = /nonexistent/tok\n"),
			 1);
	ck_assert_msg(strstr(errs_buf, ":3: auth_token_file: cannot open"),
		      "%s", errs_buf);
	ck_assert_int_eq(load(&c, "auth_token_file = tokens.txt\n"), 1);
	ck_assert_msg(strstr(errs_buf, "absolute"), "%s", errs_buf);
}
END_TEST

START_TEST(test_dump_hides_tokens)
{
	struct config c, back;
	char *text = NULL;
	size_t len;
	FILE *f;

	ck_assert_msg(load(&c, "auth_tokens = " TOK_A " " TOK_C "\n") == 0,
		      "%s", errs_buf);
	f = open_memstream(&text, &len);
	config_dump(&c, f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "# auth_tokens = <2 tokens>\n"));
	ck_assert_ptr_null(strstr(text, "abcdefghijklmnop"));
	ck_assert_ptr_null(strstr(text, "Zm9v"));
	ck_assert_ptr_nonnull(strstr(text, "auth_token_file = \"\"\n"));
	/* Still a valid file: it loads, with authentication off. */
	ck_assert_msg(load(&back, text) == 0, "%s", errs_buf);
	ck_assert_int_eq(back.auth_ntokens, 0);
	free(text);

	config_defaults(&c);
	text = NULL;
	f = open_memstream(&text, &len);
	config_dump(&c, f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "\nauth_tokens = \"\"\n"));
	free(text);
}
END_TEST

/* auth_match names the token; a token-file line may carry its limits. */
START_TEST(test_match_and_limits)
{
	char tokpath[64], text[128];
	struct config c;

	config_defaults(&c);
	ck_assert_int_eq(auth_match(&c, "Bearer " TOK_A), -1);
	write_file(tokpath,
		   TOK_A "\n" TOK_B " concurrency=2\trate=0.5 burst=3\n" TOK_C
			 "  rate=0\n",
		   0600);
	snprintf(text, sizeof(text), "auth_token_file = %s\n", tokpath);
	ck_assert_msg(load(&c, text) == 0, "%s", errs_buf);
	ck_assert_int_eq(auth_match(&c, "Bearer " TOK_A), 0);
	ck_assert_int_eq(auth_match(&c, "Bearer " TOK_B), 1);
	ck_assert_int_eq(auth_match(&c, "Bearer   " TOK_C " "), 2);
	ck_assert_int_eq(auth_match(&c, "Bearer " TOK_A "x"), -1);
	ck_assert_int_eq(auth_match(&c, NULL), -1);
	ck_assert_int_eq(c.auth_concurrency[0], -1);
	ck_assert(c.auth_rate[0] == -1);
	ck_assert_int_eq(c.auth_concurrency[1], 2);
	ck_assert(c.auth_rate[1] == 0.5);
	ck_assert_int_eq(c.auth_burst[1], 3);
	ck_assert(c.auth_rate[2] == 0);
	ck_assert_int_eq(c.auth_burst[2], -1);
	ck_assert_int_eq(config_validate(&c, NULL, NULL), 0);
	c.auth_burst[2] = 0;
	ck_assert_int_eq(config_validate(&c, NULL, NULL), 1);
	unlink(tokpath);

	/* A token listed twice matches as its first place. */
	ck_assert_msg(
		load(&c, "auth_tokens = " TOK_C " " TOK_A " " TOK_A "\n") == 0,
		"%s", errs_buf);
	ck_assert_int_eq(auth_match(&c, "Bearer " TOK_A), 1);

	/* Bad options: reported at their line, never quoting the token. */
	write_file(tokpath,
		   TOK_A " concurrency=-1\n" TOK_A " rate=x\n" TOK_A
			 " burst=0\n" TOK_A " speed=3\n" TOK_A
			 " rate=1 rate=2\n" TOK_A " rate\n",
		   0600);
	snprintf(text, sizeof(text), "auth_token_file = %s\n", tokpath);
	ck_assert_int_eq(load(&c, text), 6);
	snprintf(text, sizeof(text), "%s:1: concurrency= must be", tokpath);
	ck_assert_msg(strstr(errs_buf, text), "%s", errs_buf);
	snprintf(text, sizeof(text), "%s:5: unknown or repeated", tokpath);
	ck_assert_msg(strstr(errs_buf, text), "%s", errs_buf);
	ck_assert_ptr_null(strstr(errs_buf, "abcdefghijklmnop"));
	unlink(tokpath);
}
END_TEST

/* A struct filled by hand is checked too: slots must be zero-padded. */
START_TEST(test_validate)
{
	struct config c;

	ck_assert_msg(load(&c, "auth_tokens = " TOK_A "\n") == 0, "%s",
		      errs_buf);
	ck_assert_int_eq(config_validate(&c, NULL, NULL), 0);
	c.auth_tokens[0][CONFIG_TOKEN_MAX] = 'x';
	ck_assert_int_eq(config_validate(&c, NULL, NULL), 1);
	c.auth_tokens[0][CONFIG_TOKEN_MAX] = '\0';
	c.auth_tokens[5][3] = 'x';
	ck_assert_int_eq(config_validate(&c, NULL, NULL), 1);
	c.auth_tokens[5][3] = '\0';
	c.auth_ntokens = CONFIG_TOKENS_MAX + 1;
	ck_assert_int_ge(config_validate(&c, NULL, NULL), 1);
	c.auth_ntokens = 2; /* slot 2 is empty: not a token */
	ck_assert_int_eq(config_validate(&c, NULL, NULL), 1);
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("auth");

	tcase_add_test(tc, test_off_by_default);
	tcase_add_loop_test(tc, test_check, 0,
			    (int)(sizeof(headers) / sizeof(headers[0])));
	tcase_add_test(tc, test_longest_token);
	tcase_add_loop_test(tc, test_bad_list, 0,
			    (int)(sizeof(bad_lists) / sizeof(bad_lists[0])));
	tcase_add_test(tc, test_too_many);
	tcase_add_test(tc, test_token_file);
	tcase_add_test(tc, test_dump_hides_tokens);
	tcase_add_test(tc, test_validate);
	tcase_add_test(tc, test_match_and_limits);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(auth_suite());
}
