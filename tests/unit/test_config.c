#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llsr/config.h"
#include "llsr/log.h"
#include "tap_main.h"

#ifndef SRCDIR
#error "build with -DSRCDIR=\"$(abs_top_srcdir)\""
#endif
#define SHIPPED_CONF SRCDIR "/conf/ll-solution-runner.conf"

static char conf_path[] = "/tmp/llsr-test-config-XXXXXX";
static char *errs; /* what the last load reported */

static void
conf_write(const char *text, size_t len)
{
	int fd;

	memcpy(conf_path + strlen(conf_path) - 6, "XXXXXX", 6);
	fd = mkstemp(conf_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* Loads text on top of the defaults; returns the problem count and leaves
 * the messages in errs. */
static int
load_len(struct config *c, const char *text, size_t len)
{
	size_t errlen;
	FILE *f;
	int n;

	free(errs);
	errs = NULL;
	f = open_memstream(&errs, &errlen);
	ck_assert_ptr_nonnull(f);
	conf_write(text, len);
	config_defaults(c);
	n = config_load(c, conf_path, f);
	fclose(f);
	unlink(conf_path);
	return n;
}

static int
load(struct config *c, const char *text)
{
	return load_len(c, text, strlen(text));
}

/* Expects exactly one problem, at line, whose message contains what. */
static void
expect_problem(const char *text, unsigned line, const char *what)
{
	struct config c;
	char prefix[128];
	int n;

	n = load(&c, text);
	snprintf(prefix, sizeof(prefix), "%s:%u: ", conf_path, line);
	ck_assert_msg(n == 1, "%d problems for '%s':\n%s", n, text, errs);
	ck_assert_msg(!strncmp(errs, prefix, strlen(prefix)),
		      "'%s': wanted %s..., got %s", text, prefix, errs);
	ck_assert_msg(strstr(errs, what), "'%s': wanted '%s' in %s", text, what,
		      errs);
	ck_assert_msg(strchr(errs, '\n') == errs + strlen(errs) - 1,
		      "not one line: %s", errs);
}

static void
assert_config_eq(const struct config *a, const struct config *b)
{
#define S(f) ck_assert_str_eq(a->f, b->f)
#define N(f) ck_assert_msg(a->f == b->f, #f " differs")
	S(engine_url);
	S(engine_tls_ca);
	S(engine_tls_cert);
	S(engine_tls_key);
	S(engine_api_version);
	N(engine_timeout_ms);
	S(image);
	S(runtime);
	S(seccomp_profile);
	S(seccomp_json);
	S(user);
	S(uid_range);
	N(uid_range_overlap);
	S(uid_lock_dir);
	N(max_workers);
	N(memory_mb);
	N(timeout_ms);
	N(cpus);
	N(pids_limit);
	N(tmpfs_mb);
	N(nofile);
	N(fsize_mb);
	N(output_limit_bytes);
	N(report_limit_bytes);
	N(max_cases);
	N(max_case_bytes);
	N(case_timeout_ms);
	N(checker_timeout_ms);
	N(checker_memory_mb);
	N(checker_output_bytes);
	N(max_body_bytes);
	N(auth_ntokens);
	ck_assert(!memcmp(a->auth_tokens, b->auth_tokens,
			  sizeof(a->auth_tokens)));
	S(auth_token_file);
	N(log_target);
	N(log_level);
#undef S
#undef N
}

/* Dumps c, loads the dump on top of the defaults and compares. */
static void
assert_dump_reloads(const struct config *c)
{
	struct config back;
	char *text = NULL;
	size_t len;
	FILE *f;

	f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	config_dump(c, f);
	fclose(f);
	ck_assert_msg(load_len(&back, text, len) == 0, "%s\n%s", text, errs);
	assert_config_eq(c, &back);
	free(text);
}

START_TEST(test_defaults)
{
	struct config c;

	config_defaults(&c);
	ck_assert_int_eq(config_validate(&c, "defaults", stderr), 0);
	ck_assert_str_eq(c.engine_url, "unix:///var/run/docker.sock");
	ck_assert_str_eq(c.engine_tls_ca, "");
	ck_assert_str_eq(c.engine_api_version, "auto");
	ck_assert_int_eq(c.engine_timeout_ms, 10000);
	ck_assert_str_eq(c.image, "llsr-sandbox:latest");
	ck_assert_str_eq(c.runtime, "");
	ck_assert_str_eq(c.user, "10001:10001");
	ck_assert_int_eq(c.memory_mb, 256);
	ck_assert_int_eq(c.timeout_ms, 10000);
	ck_assert(c.cpus == 1.0);
	ck_assert_int_eq(c.pids_limit, 64);
	ck_assert_int_eq(c.tmpfs_mb, 64);
	ck_assert_int_eq(c.nofile, 256);
	ck_assert_int_eq(c.fsize_mb, 16);
	ck_assert_int_eq(c.output_limit_bytes, 65536);
	ck_assert_int_eq(c.report_limit_bytes, 4194304);
	ck_assert_int_eq(c.max_cases, 1000);
	ck_assert_int_eq(c.max_case_bytes, 1048576);
	ck_assert_int_eq(c.case_timeout_ms, 2000);
	ck_assert_int_eq(c.checker_timeout_ms, 5000);
	ck_assert_int_eq(c.checker_memory_mb, 256);
	ck_assert_int_eq(c.checker_output_bytes, 65536);
	ck_assert_int_eq(c.max_body_bytes, 4194304);
	ck_assert_int_eq(c.log_target, CONFIG_LOG_STDERR);
	ck_assert_int_eq(c.log_level, LOG_LVL_INFO);
	ck_assert_int_eq(config_validate(&c, NULL, NULL), 0);
}
END_TEST

START_TEST(test_shipped_conf)
{
	struct config c, def;
	char line[4096], *text, *doc, *dump, *p, *eol;
	size_t len, dlen, ndoc = 0, ndump = 0;
	FILE *in, *out, *docs;

	config_defaults(&def);
	config_defaults(&c);
	ck_assert_int_eq(config_load(&c, SHIPPED_CONF, stderr), 0);
	assert_config_eq(&c, &def);

	/* Every documented `#key = value` line, uncommented, is the default.
	 * doc collects the documented names, one "\nname = " each. */
	in = fopen(SHIPPED_CONF, "r");
	ck_assert_ptr_nonnull(in);
	text = doc = NULL;
	out = open_memstream(&text, &len);
	docs = open_memstream(&doc, &dlen);
	fputc('\n', docs);
	while (fgets(line, sizeof(line), in)) {
		if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z' &&
		    strstr(line, " = ")) {
			fputs(line + 1, out);
			fprintf(docs, "%.*s\n",
				(int)(strstr(line, " = ") - line) + 2,
				line + 1);
			ndoc++;
		}
	}
	fclose(in);
	fclose(out);
	fclose(docs);
	ck_assert_msg(load(&c, text) == 0, "%s", errs);
	assert_config_eq(&c, &def);
	free(text);

	/* config_dump writes one `name = value` line per key: each of them is
	 * documented, and nothing else is. */
	dump = NULL;
	out = open_memstream(&dump, &len);
	config_dump(&def, out);
	fclose(out);
	for (p = dump; *p; p = eol + 1) {
		eol = strchr(p, '\n');
		ck_assert_ptr_nonnull(eol);
		ck_assert_msg(*p != '#', "dump of the defaults: %.*s",
			      (int)(eol - p), p);
		*eol = '\0';
		snprintf(line, sizeof(line), "\n%.*s = ", (int)strcspn(p, " "),
			 p);
		ck_assert_msg(strstr(doc, line + 1) && strstr(doc, line),
			      "key '%s' is not documented in %s", p,
			      SHIPPED_CONF);
		ndump++;
	}
	ck_assert_uint_eq(ndoc, ndump);
	ck_assert_uint_ge(ndump, 21);
	free(dump);
	free(doc);
}
END_TEST

static const struct {
	const char *key, *value, *what;
} bad[] = {
	{"engine_url", "tcp://127.0.0.1:2375", "must start with"},
	{"engine_url", "unix://var/run/docker.sock", "absolute"},
	{"engine_url", "unix://", "absolute"},
	{"engine_url", "unix:///", "absolute"},
	{"engine_url", "http://", "host"},
	{"engine_url", "https:///x", "host"},
	{"engine_url", "\"unix:///a b\"", "spaces"},
	{"engine_url", "", "must start with"},
	{"engine_url", "UNIX:///x", "must start with"},
	{"engine_tls_ca", "ca.pem", "absolute"},
	{"engine_tls_cert", "./cert.pem", "absolute"},
	{"engine_tls_key", "key.pem", "absolute"},
	{"engine_tls_key", "/a\x01", "control"},
	{"engine_api_version", "1.11", "1.N"},
	{"engine_api_version", "1.1000", "1.N"},
	{"engine_api_version", "1.041", "1.N"},
	{"engine_api_version", "2.41", "1.N"},
	{"engine_api_version", "1.", "1.N"},
	{"engine_api_version", "1.41x", "1.N"},
	{"engine_api_version", "1.-41", "1.N"},
	{"engine_api_version", "v1.41", "1.N"},
	{"engine_api_version", "AUTO", "1.N"},
	{"engine_api_version", "\"auto \"", "1.N"},
	{"engine_timeout_ms", "99", "out of range"},
	{"engine_timeout_ms", "600001", "out of range"},
	{"engine_timeout_ms", "10s", "not an integer"},
	{"image", "", "non-empty"},
	{"image", "\"\"", "non-empty"},
	{"image", "\"my image\"", "non-empty"},
	{"image", "img$(id)", "non-empty"},
	{"image", "\" llsr\"", "non-empty"},
	{"runtime", "\"run sc\"", "letters"},
	{"runtime", "runsc;", "letters"},
	{"runtime", "a/b", "letters"},
	{"seccomp_profile", "", "builtin, engine-default"},
	{"seccomp_profile", "default", "builtin, engine-default"},
	{"seccomp_profile", "seccomp.json", "builtin, engine-default"},
	{"user", "0:0", "root"},
	{"user", "0:10001", "root"},
	{"user", "10001:0", "root"},
	{"user", "10001", "uid:gid"},
	{"user", "root", "uid:gid"},
	{"user", "nobody:nogroup", "uid:gid"},
	{"user", "1:2:3", "uid:gid"},
	{"user", "-1:5", "uid:gid"},
	{"user", "+1:5", "uid:gid"},
	{"user", "2147483648:1", "uid:gid"},
	{"user", "1:2147483648", "uid:gid"},
	{"user", "99999999999999999999:1", "uid:gid"},
	{"user", ":1", "uid:gid"},
	{"user", "1:", "uid:gid"},
	{"user", "\"1: 2\"", "uid:gid"},
	{"uid_range", "0-100", "root"},
	{"uid_range", "100", "LO-HI"},
	{"uid_range", "200-100", "LO-HI"},
	{"uid_range", "-5-100", "LO-HI"},
	{"uid_range", "100-", "LO-HI"},
	{"uid_range", "100-2147483648", "LO-HI"},
	{"uid_range", "\"100 - 200\"", "LO-HI"},
	{"uid_range", "on", "LO-HI"},
	{"uid_range", "", "LO-HI"},
	{"uid_range_overlap", "yes", "not one of refuse allow"},
	{"uid_lock_dir", "run/uids", "absolute"},
	{"uid_lock_dir", "", "absolute"},
	{"max_workers", "0", "out of range"},
	{"max_workers", "257", "out of range"},
	{"user",
	 "\"0123456789012345678901234567890123456789"
	 "0123456789012345678901234:1\"",
	 "too long"},
	{"memory_mb", "15", "out of range"},
	{"memory_mb", "65537", "out of range"},
	{"memory_mb", "256M", "not an integer"},
	{"memory_mb", "0x100", "not an integer"},
	{"memory_mb", "", "not an integer"},
	{"memory_mb", "-", "not an integer"},
	{"memory_mb", "+256", "not an integer"},
	{"memory_mb", "\" 256\"", "not an integer"},
	{"memory_mb", "\"256 \"", "not an integer"},
	{"memory_mb", "99999999999999999999", "not an integer"},
	{"memory_mb", "-99999999999999999999", "not an integer"},
	{"timeout_ms", "99", "out of range"},
	{"timeout_ms", "600001", "out of range"},
	{"timeout_ms", "-1", "out of range"},
	{"timeout_ms", "1.5", "not an integer"},
	{"timeout_ms", "1e4", "not an integer"},
	{"timeout_ms", "200 # two hundred", "not an integer"},
	{"cpus", "0.009", "out of range"},
	{"cpus", "0", "out of range"},
	{"cpus", "-1", "out of range"},
	{"cpus", "256.001", "out of range"},
	{"cpus", "1e3", "out of range"},
	{"cpus", "nan", "not a number"},
	{"cpus", "inf", "not a number"},
	{"cpus", "0x1p0", "not a number"},
	{"cpus", "1,5", "not a number"},
	{"cpus", "1.0x", "not a number"},
	{"cpus", "1..0", "not a number"},
	{"cpus", "", "not a number"},
	{"cpus", ".", "not a number"},
	{"cpus", "1e999", "not a number"},
	{"cpus", "1e-999", "not a number"},
	{"pids_limit", "7", "out of range"},
	{"pids_limit", "65537", "out of range"},
	{"tmpfs_mb", "0", "out of range"},
	{"tmpfs_mb", "65537", "out of range"},
	{"nofile", "15", "out of range"},
	{"nofile", "1048577", "out of range"},
	{"fsize_mb", "0", "out of range"},
	{"fsize_mb", "65537", "out of range"},
	{"output_limit_bytes", "1023", "out of range"},
	{"output_limit_bytes", "16777217", "out of range"},
	{"report_limit_bytes", "65535", "out of range"},
	{"report_limit_bytes", "268435457", "out of range"},
	{"max_cases", "0", "out of range"},
	{"case_timeout_ms", "99", "out of range"},
	{"checker_timeout_ms", "600001", "out of range"},
	{"max_body_bytes", "1023", "out of range"},
	{"max_body_bytes", "268435457", "out of range"},
	{"max_body_bytes", "4194304x", "not an integer"},
	{"log_target", "file", "not one of stderr syslog"},
	{"log_target", "Stderr", "not one of"},
	{"log_target", "", "not one of"},
	{"log_level", "verbose", "not one of error warn info debug"},
	{"log_level", "INFO", "not one of"},
	{"log_level", "2", "not one of"},
};

/* Each bad value on line 4, after a comment, a blank and a good line;
 * the bad value is not stored. */
START_TEST(test_bad_value)
{
	struct config c, def;
	char text[512];
	const char *other;

	other = strcmp(bad[_i].key, "log_level") ? "log_level = debug"
						 : "log_target = syslog";
	snprintf(text, sizeof(text), "# comment\n\n%s\n%s = %s\n", other,
		 bad[_i].key, bad[_i].value);
	expect_problem(text, 4, bad[_i].key);
	ck_assert_msg(strstr(errs, bad[_i].what), "wanted '%s' in %s",
		      bad[_i].what, errs);
	load(&c, text);
	config_defaults(&def);
	c.log_level = def.log_level;
	c.log_target = def.log_target;
	assert_config_eq(&c, &def);
}
END_TEST

/* Both ends of every range are accepted. */
START_TEST(test_range_limits)
{
	struct config c;

	ck_assert_msg(load(&c, "engine_timeout_ms = 100\nmemory_mb = 16\n"
			       "timeout_ms = 100\ncpus = 0.01\n"
			       "pids_limit = 8\ntmpfs_mb = 1\nnofile = 16\n"
			       "fsize_mb = 1\noutput_limit_bytes = 1024\n"
			       "report_limit_bytes = 67584\n"
			       "max_body_bytes = 1024\n") == 0,
		      "%s", errs);
	ck_assert_int_eq(c.engine_timeout_ms, 100);
	ck_assert_int_eq(c.memory_mb, 16);
	ck_assert_int_eq(c.timeout_ms, 100);
	ck_assert(c.cpus == 0.01);
	ck_assert_int_eq(c.pids_limit, 8);
	ck_assert_int_eq(c.tmpfs_mb, 1);
	ck_assert_int_eq(c.nofile, 16);
	ck_assert_int_eq(c.fsize_mb, 1);
	ck_assert_int_eq(c.output_limit_bytes, 1024);
	ck_assert_int_eq(c.report_limit_bytes, 67584);
	ck_assert_int_eq(c.max_body_bytes, 1024);

	ck_assert_msg(load(&c, "engine_timeout_ms = 600000\n"
			       "memory_mb = 65536\ntimeout_ms = 600000\n"
			       "cpus = 256\npids_limit = 65536\n"
			       "tmpfs_mb = 65536\nnofile = 1048576\n"
			       "fsize_mb = 65536\n"
			       "output_limit_bytes = 16777216\n"
			       "report_limit_bytes = 268435456\n"
			       "max_body_bytes = 268435456\n") == 0,
		      "%s", errs);
	ck_assert_int_eq(c.engine_timeout_ms, 600000);
	ck_assert_int_eq(c.memory_mb, 65536);
	ck_assert(c.cpus == 256);
	ck_assert_int_eq(c.nofile, 1048576);
	ck_assert_int_eq(c.output_limit_bytes, 16777216);
	ck_assert_int_eq(c.report_limit_bytes, 268435456);
	ck_assert_int_eq(c.max_body_bytes, 268435456);
}
END_TEST

START_TEST(test_good_strings)
{
	struct config c;

	ck_assert_msg(load(&c, "engine_url = https://docker.example:2376\n"
			       "engine_tls_ca = \"/etc/llsr/ca dir/ca.pem\"\n"
			       "engine_tls_cert = /etc/llsr/cert.pem\n"
			       "engine_tls_key = /etc/llsr/key.pem\n"
			       "engine_api_version = 1.41\n"
			       "image = registry.example:5000/llsr/sb@sha256:"
			       "0123abcd\n"
			       "runtime = runsc\n"
			       "user = 1:2147483647\n"
			       "log_target = syslog\nlog_level = debug\n") == 0,
		      "%s", errs);
	ck_assert_str_eq(c.engine_url, "https://docker.example:2376");
	ck_assert_str_eq(c.engine_tls_ca, "/etc/llsr/ca dir/ca.pem");
	ck_assert_str_eq(c.engine_tls_key, "/etc/llsr/key.pem");
	ck_assert_str_eq(c.engine_api_version, "1.41");
	ck_assert_str_eq(c.image,
			 "registry.example:5000/llsr/sb@sha256:0123abcd");
	ck_assert_str_eq(c.runtime, "runsc");
	ck_assert_str_eq(c.user, "1:2147483647");
	ck_assert_int_eq(c.log_target, CONFIG_LOG_SYSLOG);
	ck_assert_int_eq(c.log_level, LOG_LVL_DEBUG);

	ck_assert_int_eq(load(&c, "engine_api_version = 1.12\n"), 0);
	ck_assert_int_eq(load(&c, "engine_api_version = 1.999\n"), 0);
	ck_assert_int_eq(load(&c, "engine_url = http://10.0.0.1:2375\n"), 0);
	ck_assert_int_eq(load(&c, "engine_url = unix:///run/d.sock\n"), 0);
	ck_assert_int_eq(load(&c, "log_level = error\nlog_target = stderr\n"
				  "user = 2147483647:1\n"),
			 0);
	ck_assert_int_eq(c.log_level, LOG_LVL_ERROR);
	ck_assert_int_eq(load(&c, "log_level = warn\n"), 0);
	ck_assert_int_eq(c.log_level, LOG_LVL_WARN);
}
END_TEST

START_TEST(test_syntax)
{
	struct config c;

	expect_problem("timeout_ms = 200\nnosuchkey = 1\n", 2,
		       "unknown key 'nosuchkey'");
	expect_problem("\n\n\nTimeout_ms = 200\n", 4, "unknown key");
	expect_problem("timeout_ms = 200\n# x\ntimeout_ms = 300\n", 3,
		       "duplicate key 'timeout_ms' (first set on line 1)");
	/* a duplicate counts even when the first value was bad */
	ck_assert_int_eq(load(&c, "timeout_ms = 1\ntimeout_ms = 300\n"), 2);
	ck_assert_int_eq(c.timeout_ms, 10000);
	ck_assert_int_eq(load(&c, "timeout_ms = 200\ntimeout_ms = 300\n"), 1);
	ck_assert_int_eq(c.timeout_ms, 200);
	expect_problem("# a\ntimeout_ms 200\n", 2, "no '='");
	expect_problem("timeout_ms\n", 1, "no '='");
	expect_problem("  = 200\n", 1, "missing key");
	expect_problem("image = \"foo\n", 1, "image: unterminated quote");
	expect_problem("image = \"\n", 1, "unterminated quote");
	expect_problem("image = foo\"\n", 1, "image:");
}
END_TEST

START_TEST(test_several_problems)
{
	struct config c;

	ck_assert_int_eq(load(&c, "a = 1\nb\ntimeout_ms = 5\ncpus = x\n"
				  "timeout_ms = 300\n"),
			 5);
	ck_assert_ptr_nonnull(strstr(errs, ":1: unknown key 'a'"));
	ck_assert_ptr_nonnull(strstr(errs, ":2: expected"));
	ck_assert_ptr_nonnull(strstr(errs, ":3: timeout_ms: 5 is out of "
					   "range"));
	ck_assert_ptr_nonnull(strstr(errs, ":4: cpus: 'x' is not a number"));
	ck_assert_ptr_nonnull(strstr(errs, ":5: duplicate key 'timeout_ms'"));
	/* errout can be NULL */
	conf_write("a = 1\n", 6);
	config_defaults(&c);
	ck_assert_int_eq(config_load(&c, conf_path, NULL), 1);
	unlink(conf_path);
}
END_TEST

START_TEST(test_quotes_comments_space)
{
	struct config c;

	ck_assert_msg(load(&c, "# comment = with equals\n"
			       "   # indented comment\n"
			       "#\n"
			       "\t\n"
			       "  timeout_ms\t=\t200  \r\n"
			       "memory_mb=\"300\"\n"
			       "runtime = \"\"\n"
			       "cpus = \"0.5\"\r\n"
			       "log_level=debug") == 0,
		      "%s", errs);
	ck_assert_int_eq(c.timeout_ms, 200);
	ck_assert_int_eq(c.memory_mb, 300);
	ck_assert_str_eq(c.runtime, "");
	ck_assert(c.cpus == 0.5);
	ck_assert_int_eq(c.log_level, LOG_LVL_DEBUG);
	/* only the outer quotes go; the image check refuses the inner one */
	ck_assert_int_eq(load(&c, "image = \"a\"b\"\n"), 1);
	ck_assert_ptr_nonnull(strstr(errs, ":1: image:"));
	ck_assert_int_eq(load(&c, "image = \"x\" \n"), 0);
	ck_assert_str_eq(c.image, "x");
	ck_assert_int_eq(load(&c, ""), 0);
	ck_assert_int_eq(load(&c, "\n\n\n"), 0);
}
END_TEST

START_TEST(test_long_lines)
{
	struct config c;
	char *text, *p;
	size_t n;

	text = malloc(20000);
	ck_assert_ptr_nonnull(text);

	/* A 9000-byte comment is fine; a 5000-byte value line is reported
	 * on its own line, and the lines after it still count. */
	p = text;
	*p++ = '#';
	memset(p, 'c', 9000);
	p += 9000;
	p += sprintf(p, "\nimage = ");
	memset(p, 'x', 5000);
	p += 5000;
	p += sprintf(p, "\ntimeout_ms = 200\n");
	ck_assert_int_eq(load(&c, text), 1);
	ck_assert_ptr_nonnull(strstr(errs, ":2: line too long (5008 bytes"));
	ck_assert_str_eq(c.image, "llsr-sandbox:latest");
	ck_assert_int_eq(c.timeout_ms, 200);

	/* 4095 bytes is a line; the value is too long for the field */
	n = (size_t)sprintf(text, "image = ");
	memset(text + n, 'x', 4095 - n);
	strcpy(text + 4095, "\n");
	expect_problem(text, 1,
		       "image: value too long (4087 bytes, at most "
		       "255)");
	/* 4096 is not */
	memset(text + n, 'x', 4096 - n);
	strcpy(text + 4096, "\n");
	expect_problem(text, 1, "line too long (4096 bytes, at most 4095)");

	/* the longest value that fits each field */
	n = (size_t)sprintf(text, "image = ");
	memset(text + n, 'i', 255);
	strcpy(text + n + 255, "\n");
	ck_assert_int_eq(load(&c, text), 0);
	ck_assert_uint_eq(strlen(c.image), 255);
	text[n + 255] = 'i';
	strcpy(text + n + 256, "\n");
	expect_problem(text, 1,
		       "image: value too long (256 bytes, at most "
		       "255)");
	free(text);
}
END_TEST

START_TEST(test_nul_byte)
{
	struct config c;
	static const char text[] = "timeout_ms = 200\nimage = a\0b\n";

	ck_assert_int_eq(load_len(&c, text, sizeof(text) - 1), 1);
	ck_assert_ptr_nonnull(strstr(errs, ":2: NUL byte"));
	ck_assert_str_eq(c.image, "llsr-sandbox:latest");
}
END_TEST

START_TEST(test_missing_file)
{
	struct config c;
	char *out = NULL;
	size_t len;
	FILE *f;

	f = open_memstream(&out, &len);
	config_defaults(&c);
	ck_assert_int_eq(config_load(&c, "/nonexistent/llsr.conf", f), 1);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "/nonexistent/llsr.conf:0: "
					  "cannot open: "));
	free(out);
	config_defaults(&c);
	ck_assert_int_eq(config_load(&c, "/", NULL), 1); /* EISDIR */
}
END_TEST

/* uid_range against user and against the containers that can be live. */
START_TEST(test_uid_range_rules)
{
	struct config c;
	long lo, hi;

	config_defaults(&c);
	ck_assert_int_eq(config_uid_range(&c, &lo, &hi), 1);
	ck_assert_int_eq(lo, 100000);
	ck_assert_int_eq(hi, 165535);
	ck_assert_int_eq(load(&c, "uid_range = off\n"), 0);
	ck_assert_int_eq(config_uid_range(&c, &lo, &hi), 0);
	/* The shared uid of user (10001) inside the range: refused, unless
	 * the operator says so. */
	expect_problem("uid_range = 10000-20000\n", 0, "uid_range_overlap");
	expect_problem("user = 30000:500\nuid_range = 100-1000000\n", 0,
		       "contains the uid or gid of user");
	ck_assert_msg(load(&c, "uid_range = 10000-20000\n"
			       "uid_range_overlap = allow\n") == 0,
		      "%s", errs);
	ck_assert_int_eq(load(&c, "uid_range = 20000-30000\n"
				  "user = 10001:10001\n"),
			 0);
	/* Large enough for max_workers * (pool_size + 50): 64 * 51. */
	expect_problem("uid_range = 200000-203262\n", 0, "widen the range");
	ck_assert_int_eq(load(&c, "uid_range = 200000-203263\n"), 0);
	expect_problem("uid_range = 200000-200000\n", 0, "3264");
	ck_assert_int_eq(load(&c, "uid_range = 200000-200049\n"
				  "max_workers = 1\npool_size = 0\n"),
			 0);
	expect_problem("uid_range = 200000-200050\n"
		       "max_workers = 1\npool_size = 2\n",
		       0, "52");
	/* uid_range off: nothing to check. */
	ck_assert_int_eq(load(&c, "uid_range = off\nmax_workers = 256\n"
				  "pool_size = 16\n"),
			 0);
}
END_TEST

START_TEST(test_cross_key)
{
	struct config c;

	/* report_limit_bytes >= 2 * output_limit_bytes + 65536 */
	ck_assert_int_eq(load(&c, "output_limit_bytes = 65536\n"
				  "report_limit_bytes = 196608\n"),
			 0);
	expect_problem("output_limit_bytes = 65536\n"
		       "report_limit_bytes = 196607\n",
		       0, "report_limit_bytes (196607) must be at least");
	expect_problem("output_limit_bytes = 16777216\n", 0,
		       "2 * output_limit_bytes + 65536 (33619968)");

	/* cert and key together, TLS only with https */
	expect_problem("engine_url = https://h:2376\n"
		       "engine_tls_cert = /c.pem\n",
		       0, "set together");
	expect_problem("engine_url = https://h:2376\n"
		       "engine_tls_key = /k.pem\n",
		       0, "set together");
	ck_assert_int_eq(load(&c, "engine_url = https://h:2376\n"
				  "engine_tls_cert = /c.pem\n"
				  "engine_tls_key = /k.pem\n"),
			 0);
	ck_assert_int_eq(load(&c, "engine_url = https://h:2376\n"
				  "engine_tls_ca = /ca.pem\n"),
			 0);
	ck_assert_int_eq(load(&c, "engine_url = https://h:2376\n"), 0);
	expect_problem("engine_tls_ca = /ca.pem\n", 0, "need an https://");
	expect_problem("engine_url = http://h:2375\n"
		       "engine_tls_ca = /ca.pem\n",
		       0, "need an https://");
	ck_assert_int_eq(load(&c, "engine_url = http://h:2375\n"
				  "engine_tls_cert = /c.pem\n"),
			 2);
}
END_TEST

/* max_batch_cost_ms not set follows batch_timeout_ms: a batch declares no
 * more of the user's time than its own wall budget. Set, it is its own. */
START_TEST(test_batch_cost_default)
{
	struct config c;

	ck_assert_int_eq(load(&c, ""), 0);
	ck_assert_int_eq(c.max_batch_cost_ms, 300000);
	ck_assert_int_eq(c.max_batch_cost_ms, c.batch_timeout_ms);
	ck_assert_int_eq(load(&c, "batch_timeout_ms = 60000\n"), 0);
	ck_assert_int_eq(c.max_batch_cost_ms, 60000);
	ck_assert_int_eq(load(&c, "batch_timeout_ms = 3600000\n"), 0);
	ck_assert_int_eq(c.max_batch_cost_ms, 3600000);
	ck_assert_int_eq(load(&c, "max_batch_cost_ms = 30000\n"
				  "batch_timeout_ms = 60000\n"),
			 0);
	ck_assert_int_eq(c.max_batch_cost_ms, 30000);
	ck_assert_int_eq(load(&c, "batch_timeout_ms = 60000\n"
				  "max_batch_cost_ms = 10000000\n"),
			 0);
	ck_assert_int_eq(c.max_batch_cost_ms, 10000000);
}
END_TEST

/* config_validate on structs that did not come from a file. */
START_TEST(test_validate_struct)
{
	struct config c;

	config_defaults(&c);
	c.log_level = 4;
	ck_assert_int_eq(config_validate(&c, NULL, NULL), 1);
	config_defaults(&c);
	c.log_target = (enum config_log_target) - 1;
	ck_assert_int_eq(config_validate(&c, NULL, NULL), 1);
	config_defaults(&c);
	c.cpus = 0.0 / 0.0;
	ck_assert_int_eq(config_validate(&c, NULL, NULL), 1);
	config_defaults(&c);
	memset(c.image, 'x', sizeof(c.image)); /* no NUL */
	ck_assert_int_eq(config_validate(&c, NULL, NULL), 1);
	config_defaults(&c);
	memcpy(c.user, "0:1", 4);
	c.memory_mb = 0;
	ck_assert_int_eq(config_validate(&c, NULL, NULL), 2);
	config_defaults(&c);
	c.output_limit_bytes = 0x7fffffffffffffffL;
	ck_assert_int_ge(config_validate(&c, NULL, NULL), 1);
}
END_TEST

START_TEST(test_dump_reloads)
{
	struct config c;

	config_defaults(&c);
	assert_dump_reloads(&c);

	ck_assert_msg(load(&c, "engine_url = https://d.example:2376\n"
			       "engine_tls_ca = \"/etc/ca dir/ca.pem\"\n"
			       "engine_tls_cert = /c.pem\n"
			       "engine_tls_key = /k.pem\n"
			       "engine_api_version = 1.44\n"
			       "engine_timeout_ms = 1234\n"
			       "image = reg/x:1@sha256:ab\n"
			       "runtime = runsc\n"
			       "user = 1000:1001\n"
			       "memory_mb = 512\n"
			       "timeout_ms = 20000\n"
			       "cpus = 0.1\n"
			       "pids_limit = 128\n"
			       "tmpfs_mb = 32\n"
			       "nofile = 1024\n"
			       "fsize_mb = 8\n"
			       "output_limit_bytes = 100000\n"
			       "report_limit_bytes = 1000000\n"
			       "max_body_bytes = 2000000\n"
			       "log_target = syslog\n"
			       "log_level = warn\n") == 0,
		      "%s", errs);
	assert_dump_reloads(&c);

	/* doubles that need all 17 digits */
	c.cpus = 1.0 / 3;
	assert_dump_reloads(&c);
	c.cpus = 255.99999999999997;
	assert_dump_reloads(&c);
	c.cpus = 0.01;
	assert_dump_reloads(&c);
}
END_TEST

/* A profile file with this text; returns its path (static buffer). */
static const char *
profile_write(const char *text)
{
	static char path[] = "/tmp/llsr-test-seccomp-XXXXXX";
	int fd;

	memcpy(path + strlen(path) - 6, "XXXXXX", 6);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

START_TEST(test_seccomp_builtin)
{
	struct config c;

	config_defaults(&c);
	ck_assert_str_eq(c.seccomp_profile, "builtin");
	/* The compiled-in conf/seccomp.json, compact: io_uring is refused. */
	ck_assert_ptr_nonnull(strstr(c.seccomp_json, "\"defaultAction\":"));
	ck_assert_ptr_nonnull(strstr(c.seccomp_json, "\"io_uring_setup\""));
	ck_assert_ptr_null(strchr(c.seccomp_json, '\n'));
	ck_assert_int_eq(config_validate(&c, "defaults", stderr), 0);
	ck_assert_int_eq(load(&c, "seccomp_profile = builtin\n"), 0);
	ck_assert_ptr_nonnull(strstr(c.seccomp_json, "SCMP_ACT_ERRNO"));
}
END_TEST

/* Under runsc the built-in profile allows memfd_create with any flags (the
 * engine picks the MFD_NOEXEC_SEAL rule by the host's kernel, gVisor does
 * not know the flag); everything else stays. */
START_TEST(test_seccomp_runsc)
{
	struct config c, runc;

	ck_assert_int_eq(load(&runc, "image = x\n"), 0);
	ck_assert_ptr_nonnull(
		strstr(runc.seccomp_json, "\"minKernel\":\"6.3\""));
	ck_assert_int_eq(load(&c, "runtime = runsc\n"), 0);
	ck_assert_ptr_null(strstr(c.seccomp_json, "minKernel"));
	ck_assert_ptr_nonnull(strstr(c.seccomp_json,
				     "{\"names\":[\"memfd_create\"],\"action\":"
				     "\"SCMP_ACT_ALLOW\"}"));
	ck_assert_ptr_nonnull(strstr(c.seccomp_json, "\"io_uring_setup\""));
	ck_assert_ptr_nonnull(strstr(c.seccomp_json, "AT_EMPTY_PATH"));
	/* clone3 reaches gVisor (ENOSYS there); runc keeps Docker's ENOSYS
	 * rule, which runsc would turn into EPERM (no thread could start) */
	ck_assert_ptr_nonnull(
		strstr(runc.seccomp_json, "ENOSYS for clone3 on non-mips"));
	ck_assert_ptr_null(strstr(c.seccomp_json, "ENOSYS for clone3"));
	ck_assert_ptr_nonnull(strstr(c.seccomp_json,
				     "{\"names\":[\"clone3\"],\"action\":"
				     "\"SCMP_ACT_ALLOW\"}"));
	ck_assert_int_eq(config_validate(&c, "t", NULL), 0);
}
END_TEST

START_TEST(test_seccomp_engine_default)
{
	struct config c;

	ck_assert_int_eq(load(&c, "seccomp_profile = engine-default\n"), 0);
	ck_assert_str_eq(c.seccomp_json, "");
	ck_assert_int_eq(config_validate(&c, "t", NULL), 0);
	/* A struct that says engine-default but carries a profile. */
	snprintf(c.seccomp_json, sizeof(c.seccomp_json), "{}");
	ck_assert_int_eq(config_validate(&c, "t", NULL), 1);
}
END_TEST

START_TEST(test_seccomp_file)
{
	static const struct {
		const char *text, *what;
	} bad_files[] = {
		{"", "not one JSON value"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\"", "not one JSON"},
		{"{\"defaultAction\": \"SCMP_ACT_ALLOW\"} {}", "not one JSON"},
		{"[]", "not a JSON object"},
		{"{}", "defaultAction"},
		{"{\"defaultAction\": \"ALLOW\"}", "defaultAction"},
		{"{\"defaultAction\": 1}", "defaultAction"},
		{"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": {}}",
		 "not a list"},
		{"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": "
		 "[{\"names\": [\"read\"]}]}",
		 "syscalls[0]: no known action"},
		{"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": "
		 "[{\"action\": \"SCMP_ACT_ALLOW\"}]}",
		 "syscalls[0]: no list of names"},
		{"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": "
		 "[{\"action\": \"SCMP_ACT_ALLOW\", \"names\": [1]}]}",
		 "not a string"},
	};
	char text[700];
	const char *path;
	struct config c;
	size_t i;

	path = profile_write(
		"{\n \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
		" \"syscalls\": [{\"names\": [\"read\", \"write\"],"
		" \"action\": \"SCMP_ACT_ALLOW\"},"
		" {\"name\": \"exit\", \"action\": \"SCMP_ACT_ALLOW\"}]\n}\n");
	snprintf(text, sizeof(text), "seccomp_profile = %s\n", path);
	ck_assert_msg(load(&c, text) == 0, "%s", errs);
	unlink(path);
	ck_assert_str_eq(c.seccomp_profile, path);
	ck_assert_str_eq(c.seccomp_json,
			 "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
			 "[{\"names\":[\"read\",\"write\"],\"action\":"
			 "\"SCMP_ACT_ALLOW\"},{\"name\":\"exit\",\"action\":"
			 "\"SCMP_ACT_ALLOW\"}]}");
	ck_assert_int_eq(config_validate(&c, "t", NULL), 0);

	expect_problem("seccomp_profile = /nonexistent/llsr-seccomp.json\n", 1,
		       "cannot open /nonexistent/llsr-seccomp.json");
	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		path = profile_write(bad_files[i].text);
		snprintf(text, sizeof(text),
			 "# a profile\nseccomp_profile = %s\n", path);
		expect_problem(text, 2, bad_files[i].what);
		unlink(path);
	}
}
END_TEST

START_TEST(test_seccomp_too_large)
{
	const char *path;
	char text[700];
	char *big;
	size_t n = CONFIG_SECCOMP_MAX + 100, i;

	/* Valid JSON, but larger than the profile's cap once compact. */
	big = malloc(n + 64);
	ck_assert_ptr_nonnull(big);
	i = (size_t)snprintf(big, 64,
			     "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"x\":\"");
	memset(big + i, 'a', n - i);
	memcpy(big + n, "\"}", 3);
	path = profile_write(big);
	free(big);
	snprintf(text, sizeof(text), "seccomp_profile = %s\n", path);
	expect_problem(text, 1, "too large");
	unlink(path);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("defaults");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_shipped_conf);
	tcase_add_test(tc, test_dump_reloads);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_loop_test(tc, test_bad_value, 0,
			    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_range_limits);
	tcase_add_test(tc, test_good_strings);
	suite_add_tcase(s, tc);

	tc = tcase_create("syntax");
	tcase_add_test(tc, test_syntax);
	tcase_add_test(tc, test_several_problems);
	tcase_add_test(tc, test_quotes_comments_space);
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_missing_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("validate");
	tcase_add_test(tc, test_cross_key);
	tcase_add_test(tc, test_batch_cost_default);
	tcase_add_test(tc, test_uid_range_rules);
	tcase_add_test(tc, test_validate_struct);
	suite_add_tcase(s, tc);

	tc = tcase_create("seccomp");
	tcase_add_test(tc, test_seccomp_builtin);
	tcase_add_test(tc, test_seccomp_engine_default);
	tcase_add_test(tc, test_seccomp_runsc);
	tcase_add_test(tc, test_seccomp_file);
	tcase_add_test(tc, test_seccomp_too_large);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int rc = tap_main(config_suite());

	free(errs);
	return rc;
}
