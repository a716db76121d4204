#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "llsr/config.h"
#include "llsr/log.h"

/* Longer lines (4096 bytes and up) are reported, not truncated, unless they
 * are comments. */
#define CONFIG_LINE_MAX 4096

/* T_TOKENS: the auth_tokens list, parsed into struct config's token slots;
 * never formatted back (it is secret). */
enum key_type { T_STRING, T_PATH, T_LONG, T_DOUBLE, T_ENUM, T_TOKENS };

struct key {
	const char *name;
	enum key_type type;
	size_t off;	   /* of the field in struct config */
	size_t size;	   /* of the field; strings keep size - 1 bytes */
	long lmin, lmax;   /* T_LONG */
	double dmin, dmax; /* T_DOUBLE */
	const char *def;   /* default, parsed like a value from the file */
	const char *(*check)(const char *v); /* T_STRING: NULL if v is ok */
	const char *const *names;	     /* T_ENUM: index is the value */
};

/* Where a problem is reported and how many there were. */
struct ctx {
	const char *path;
	unsigned long line;
	FILE *errout;
	int problems;
};

/* The enum fields are stored as an int. */
_Static_assert(sizeof(enum config_log_target) == sizeof(int),
	       "log_target is stored as an int");
_Static_assert(CONFIG_LOG_STDERR == 0 && CONFIG_LOG_SYSLOG == 1,
	       "log_target_names order");
_Static_assert(CONFIG_INIT_HARNESS == 0 && CONFIG_INIT_DOCKER == 1,
	       "init_names order");
_Static_assert(sizeof(enum config_uid_overlap) == sizeof(int) &&
		       CONFIG_UID_OVERLAP_REFUSE == 0 &&
		       CONFIG_UID_OVERLAP_ALLOW == 1,
	       "overlap_names order");
_Static_assert(LOG_LVL_ERROR == 0 && LOG_LVL_WARN == 1 && LOG_LVL_INFO == 2 &&
		       LOG_LVL_DEBUG == 3,
	       "log_level_names order");

static const char *const log_target_names[] = {"stderr", "syslog", NULL};
static const char *const init_names[] = {"harness", "docker", NULL};
static const char *const overlap_names[] = {"refuse", "allow", NULL};
static const char *const log_level_names[] = {"error", "warn", "info", "debug",
					      NULL};

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int
is_alnum(int ch)
{
	return is_digit(ch) || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= 'a' && ch <= 'z');
}

/* 1 when every byte of v is ASCII alphanumeric or in extra. */
static int
only_chars(const char *v, const char *extra)
{
	for (; *v; v++)
		if (!is_alnum((unsigned char)*v) && !strchr(extra, *v))
			return 0;
	return 1;
}

/* Parses a whole decimal integer: digits with an optional '-', nothing
 * else (strtol alone would take leading space, '+' and trailing junk). */
static int
parse_long(const char *v, long *out)
{
	char *end;
	long n;

	if (*v != '-' && !is_digit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (end == v || *end || errno == ERANGE)
		return -1;
	*out = n;
	return 0;
}

static const char *
check_url(const char *v)
{
	const char *p;

	for (p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return "must not contain spaces or control characters";
	if (!strncmp(v, "unix://", 7)) {
		if (v[7] != '/' || !v[8])
			return "unix:// needs an absolute socket path";
	} else if (!strncmp(v, "http://", 7)) {
		if (!v[7] || v[7] == '/')
			return "http:// needs a host";
	} else if (!strncmp(v, "https://", 8)) {
		if (!v[8] || v[8] == '/')
			return "https:// needs a host";
	} else {
		return "must start with unix://, http:// or https://";
	}
	return NULL;
}

static const char *
check_api_version(const char *v)
{
	long n;

	if (!strcmp(v, "auto"))
		return NULL;
	if (strncmp(v, "1.", 2) || !is_digit((unsigned char)v[2]) ||
	    v[2] == '0' || strlen(v + 2) > 3 || parse_long(v + 2, &n) < 0 ||
	    n < 12)
		return "must be auto or 1.N with N from 12 to 999";
	return NULL;
}

static const char *
check_image(const char *v)
{
	if (!*v || !only_chars(v, "._:/@-"))
		return "must be a non-empty image reference "
		       "(letters, digits and ._:/@-)";
	return NULL;
}

static const char *
check_runtime(const char *v)
{
	if (!only_chars(v, "._-"))
		return "must be empty or letters, digits and ._-";
	return NULL;
}

static const char *
check_user(const char *v)
{
	static const char *const bad = "must be uid:gid, both from 1 to "
				       "2147483647 (root is refused)";
	char tmp[64];
	char *gid;
	long u, g;

	if (strlen(v) >= sizeof(tmp))
		return bad;
	memcpy(tmp, v, strlen(v) + 1);
	gid = strchr(tmp, ':');
	if (!gid)
		return bad;
	*gid++ = '\0';
	if (!is_digit((unsigned char)tmp[0]) ||
	    !is_digit((unsigned char)*gid) || parse_long(tmp, &u) < 0 ||
	    parse_long(gid, &g) < 0 || u < 1 || u > 2147483647L || g < 1 ||
	    g > 2147483647L)
		return bad;
	return NULL;
}

/* "off", or "LO-HI" with 1 <= LO <= HI <= 2147483647 (uid 0 is root; the
 * top of the 32-bit space holds the kernel's invalid and overflow ids). */
static int
parse_uid_range(const char *v, long *lo, long *hi)
{
	char tmp[64];
	char *dash;

	if (strlen(v) >= sizeof(tmp))
		return -1;
	memcpy(tmp, v, strlen(v) + 1);
	dash = strchr(tmp, '-');
	if (!dash || dash == tmp)
		return -1;
	*dash++ = '\0';
	if (!is_digit((unsigned char)tmp[0]) ||
	    !is_digit((unsigned char)*dash) || parse_long(tmp, lo) < 0 ||
	    parse_long(dash, hi) < 0)
		return -1;
	return *lo >= 1 && *hi >= *lo && *hi <= 2147483647L ? 0 : -1;
}

static const char *
check_uid_range(const char *v)
{
	long lo, hi;

	if (!strcmp(v, "off") || parse_uid_range(v, &lo, &hi) == 0)
		return NULL;
	return "must be off or LO-HI, 1 <= LO <= HI <= 2147483647 "
	       "(uid 0, root, is refused)";
}

static const char *
check_abs_path(const char *v)
{
	const char *p;

	if (*v != '/')
		return "must be an absolute path";
	for (p = v; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return "must not contain control characters";
	return NULL;
}

static const char *check_path(const char *v);

static const char *
check_seccomp_profile(const char *v)
{
	if (!strcmp(v, "builtin") || !strcmp(v, "engine-default"))
		return NULL;
	if (*v != '/' || check_path(v))
		return "must be builtin, engine-default or the absolute path "
		       "of a profile";
	return NULL;
}

static const char *
check_path(const char *v)
{
	const char *p;

	if (!*v)
		return NULL;
	if (*v != '/')
		return "must be an absolute path or empty";
	for (p = v; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return "must not contain control characters";
	return NULL;
}

/* NULL when t (len bytes, not NUL-terminated) is a well-formed token. The
 * message never quotes the token: it is a secret. */
static const char *
check_token(const char *t, size_t len)
{
	size_t i = 0;

	if (len < CONFIG_TOKEN_MIN || len > CONFIG_TOKEN_MAX)
		return "a token must be 16 to 128 bytes long";
	while (i < len &&
	       (is_alnum((unsigned char)t[i]) || strchr("-._~+/", t[i])))
		i++;
	if (i == 0)
		return "a token must not start with '='";
	while (i < len && t[i] == '=')
		i++;
	if (i != len)
		return "a token may hold only letters, digits and -._~+/ "
		       "(then '=' padding)";
	return NULL;
}

/* Splits v on commas and blanks into fresh, zero-padded token slots
 * (out[CONFIG_TOKENS_MAX]); *n is the count. -1 with msg on a bad list. */
static int
parse_tokens(const char *v, char (*out)[CONFIG_TOKEN_MAX + 1], int *n,
	     char *msg, size_t msgsize)
{
	static const char seps[] = ", \t";
	const char *why;
	size_t len;

	memset(out, 0, sizeof(out[0]) * CONFIG_TOKENS_MAX);
	*n = 0;
	for (v += strspn(v, seps); *v; v += len, v += strspn(v, seps)) {
		len = strcspn(v, seps);
		why = check_token(v, len);
		if (why) {
			snprintf(msg, msgsize, "token %d: %s", *n + 1, why);
			return -1;
		}
		if (*n == CONFIG_TOKENS_MAX) {
			snprintf(msg, msgsize, "more than %d tokens",
				 CONFIG_TOKENS_MAX);
			return -1;
		}
		memcpy(out[(*n)++], v, len);
	}
	return 0;
}

/* clang-format off */
#define F(m)                                                              \
	.name = #m, .off = offsetof(struct config, m),                    \
	.size = sizeof(((struct config *)0)->m)
#define STRING(m, d, chk) { F(m), .type = T_STRING, .def = d, .check = chk }
#define PATH(m) { F(m), .type = T_PATH, .def = "" }
#define LONG(m, lo, hi, d)                                                \
	{ F(m), .type = T_LONG, .lmin = lo, .lmax = hi, .def = d }
#define DOUBLE(m, lo, hi, d)                                              \
	{ F(m), .type = T_DOUBLE, .dmin = lo, .dmax = hi, .def = d }
#define ENUM(m, nm, d) { F(m), .type = T_ENUM, .def = d, .names = nm }
#define TOKENS(m) { F(m), .type = T_TOKENS, .def = "" }
/* clang-format on */

/* Every key, in the order of conf/ll-solution-runner.conf and config_dump. */
static const struct key keys[] = {
	STRING(engine_url, "unix:///var/run/docker.sock", check_url),
	PATH(engine_tls_ca),
	PATH(engine_tls_cert),
	PATH(engine_tls_key),
	STRING(engine_api_version, "auto", check_api_version),
	LONG(engine_timeout_ms, 100, 600000, "10000"),
	STRING(image, "llsr-sandbox:latest", check_image),
	STRING(runtime, "", check_runtime),
	STRING(seccomp_profile, "builtin", check_seccomp_profile),
	ENUM(init, init_names, "harness"),
	STRING(user, "10001:10001", check_user),
	STRING(uid_range, "100000-165535", check_uid_range),
	ENUM(uid_range_overlap, overlap_names, "refuse"),
	STRING(uid_lock_dir, "/run/ll-solution-runner/uids", check_abs_path),
	LONG(max_workers, 1, 256, "64"),
	LONG(memory_mb, 16, 65536, "256"),
	LONG(timeout_ms, 100, 600000, "10000"),
	DOUBLE(cpus, 0.01, 256, "1.0"),
	LONG(pids_limit, 8, 65536, "64"),
	LONG(tmpfs_mb, 1, 65536, "64"),
	LONG(nofile, 16, 1048576, "256"),
	LONG(fsize_mb, 1, 65536, "16"),
	LONG(output_limit_bytes, 1024, 16777216, "65536"),
	LONG(report_limit_bytes, 65536, 268435456, "4194304"),
	LONG(max_cases, 1, 100000, "1000"),
	LONG(max_case_bytes, 1, 268435456, "1048576"),
	LONG(case_timeout_ms, 100, 600000, "2000"),
	LONG(checker_timeout_ms, 100, 600000, "5000"),
	LONG(checker_memory_mb, 16, 65536, "256"),
	LONG(checker_output_bytes, 1, 16777216, "65536"),
	LONG(max_body_bytes, 1024, 268435456, "4194304"),
	TOKENS(auth_tokens),
	PATH(auth_token_file),
	LONG(max_queue, 0, 65536, "64"),
	LONG(max_batch, 1, 10000, "1000"),
	DOUBLE(batch_cpus, 0.01, 256, "2.0"),
	LONG(batch_memory_mb, 16, 1048576, "1024"),
	LONG(batch_timeout_ms, 1000, 3600000, "300000"),
	/* Fair shares: see src/fair.c and the conf file. */
	/* Not set: batch_timeout_ms (config_load); this is its default. */
	LONG(max_batch_cost_ms, 1000, 1000000000000L, "300000"),
	LONG(client_concurrency, 0, 65536, "0"),
	DOUBLE(client_rate, 0, 1000000, "0"),
	LONG(client_burst, 1, 1000000, "10"),
	LONG(pool_size, 0, 16, "1"),
	LONG(pool_max_age_s, 1, 86400, "300"),
	LONG(pool_ready_ms, 0, 60000, "1000"),
	ENUM(log_target, log_target_names, "stderr"),
	ENUM(log_level, log_level_names, "info"),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static void fair_defaults(struct config *c);
static void problem(struct ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
problem(struct ctx *x, const char *fmt, ...)
{
	va_list ap;

	x->problems++;
	if (!x->errout)
		return;
	fprintf(x->errout, "%s:%lu: ", x->path ? x->path : "(config)", x->line);
	va_start(ap, fmt);
	vfprintf(x->errout, fmt, ap);
	va_end(ap);
	fputc('\n', x->errout);
}

static const struct key *
key_find(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

/* Parses v and stores it in k's field of c; c is untouched on failure, and
 * msg says what is wrong. */
static int
key_set(const struct key *k, struct config *c, const char *v, char *msg,
	size_t msgsize)
{
	char *field = (char *)c + k->off;
	char tokens[CONFIG_TOKENS_MAX][CONFIG_TOKEN_MAX + 1];
	const char *why;
	char *end;
	size_t len, i;
	double d;
	long l;
	int e;

	switch (k->type) {
	case T_TOKENS:
		if (parse_tokens(v, tokens, &e, msg, msgsize) < 0)
			return -1;
		memcpy(field, tokens, sizeof(tokens));
		c->auth_ntokens = e;
		return 0;
	case T_STRING:
	case T_PATH:
		len = strlen(v);
		if (len >= k->size) {
			snprintf(msg, msgsize,
				 "value too long (%zu bytes, at most %zu)", len,
				 k->size - 1);
			return -1;
		}
		why = NULL;
		if (k->type == T_PATH)
			why = check_path(v);
		else if (k->check)
			why = k->check(v);
		if (why) {
			snprintf(msg, msgsize, "%s", why);
			return -1;
		}
		memcpy(field, v, len + 1);
		return 0;
	case T_LONG:
		if (parse_long(v, &l) < 0) {
			snprintf(msg, msgsize, "'%.64s' is not an integer", v);
			return -1;
		}
		if (l < k->lmin || l > k->lmax) {
			snprintf(msg, msgsize,
				 "%ld is out of range (%ld to %ld)", l, k->lmin,
				 k->lmax);
			return -1;
		}
		memcpy(field, &l, sizeof(l));
		return 0;
	case T_DOUBLE:
		/* No space, hex, inf or nan: only what a person would write. */
		errno = 0;
		d = strtod(v, &end);
		if (!*v || strspn(v, "0123456789.eE+-") != strlen(v) || *end ||
		    errno == ERANGE) {
			snprintf(msg, msgsize, "'%.64s' is not a number", v);
			return -1;
		}
		if (!(d >= k->dmin && d <= k->dmax)) {
			snprintf(msg, msgsize,
				 "%.64s is out of range (%g to %g)", v, k->dmin,
				 k->dmax);
			return -1;
		}
		memcpy(field, &d, sizeof(d));
		return 0;
	case T_ENUM:
		for (i = 0; k->names[i]; i++) {
			if (!strcmp(v, k->names[i])) {
				e = (int)i;
				memcpy(field, &e, sizeof(e));
				return 0;
			}
		}
		len = (size_t)snprintf(msg, msgsize, "'%.64s' is not one of",
				       v);
		for (i = 0; k->names[i] && len < msgsize; i++)
			len += (size_t)snprintf(msg + len, msgsize - len, " %s",
						k->names[i]);
		return -1;
	}
	snprintf(msg, msgsize, "bad key type");
	return -1;
}

/* Writes k's value in c as it would be written in the file (strings without
 * the quotes). Returns -1 if the field holds no valid value. */
static int
key_format(const struct key *k, const struct config *c, char *out,
	   size_t outsize)
{
	const char *field = (const char *)c + k->off;
	size_t n;
	double d;
	long l;
	int v;

	switch (k->type) {
	case T_STRING:
	case T_PATH:
		if (!memchr(field, '\0', k->size) || k->size > outsize)
			return -1;
		memcpy(out, field, strlen(field) + 1);
		return 0;
	case T_LONG:
		memcpy(&l, field, sizeof(l));
		snprintf(out, outsize, "%ld", l);
		return 0;
	case T_DOUBLE:
		/* Shortest of the two that reads back to the same value. */
		memcpy(&d, field, sizeof(d));
		snprintf(out, outsize, "%.15g", d);
		if (strtod(out, NULL) != d)
			snprintf(out, outsize, "%.17g", d);
		return 0;
	case T_ENUM:
		memcpy(&v, field, sizeof(v));
		for (n = 0; k->names[n]; n++)
			;
		if (v < 0 || (size_t)v >= n)
			return -1;
		snprintf(out, outsize, "%s", k->names[v]);
		return 0;
	case T_TOKENS: return -1;
	}
	return -1;
}

static size_t
key_field_size(enum key_type t)
{
	switch (t) {
	case T_LONG: return sizeof(long);
	case T_DOUBLE: return sizeof(double);
	case T_ENUM: return sizeof(int);
	default: return 0;
	}
}

/* The profile compiled in from conf/seccomp.json (seccomp_builtin.c, made
 * by the Makefile), NUL-terminated. */
extern const char config_seccomp_builtin[];

static int seccomp_compact(const char *text, size_t len, char *out,
			   size_t outsize, char *msg, size_t msgsize);

void
config_defaults(struct config *c)
{
	char msg[256];
	size_t i, fs;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++) {
		fs = key_field_size(keys[i].type);
		/* Either would mean the table contradicts itself. */
		if (fs && fs != keys[i].size)
			abort();
		if (key_set(&keys[i], c, keys[i].def, msg, sizeof(msg)) < 0)
			abort();
	}
	fair_defaults(c);
	/* The built-in profile is checked by the unit tests: it never fails. */
	if (seccomp_compact(config_seccomp_builtin,
			    strlen(config_seccomp_builtin), c->seccomp_json,
			    sizeof(c->seccomp_json), msg, sizeof(msg)) < 0)
		abort();
}

/* Strips space, tab and CR from both ends, in place. */
static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	n = strlen(s);
	while (n > 0 &&
	       (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	s[n] = '\0';
	return s;
}

/* Reads one line without its '\n'. At most size - 1 bytes are kept; *len is
 * the full length so that the caller can tell a line was too long. Returns
 * -1 at end of file with nothing read. */
static int
read_line(FILE *f, char *line, size_t size, size_t *len, int *nul)
{
	size_t n = 0;
	int ch;

	*nul = 0;
	for (;;) {
		ch = getc(f);
		if (ch == EOF || ch == '\n')
			break;
		if (ch == '\0')
			*nul = 1;
		if (n < size - 1)
			line[n] = (char)ch;
		n++;
	}
	if (ch == EOF && n == 0)
		return -1;
	line[n < size - 1 ? n : size - 1] = '\0';
	*len = n;
	return 0;
}

/* One `key = value` line, already trimmed and not a comment. seen[i] is the
 * line that set keys[i], or 0. */
static void
parse_line(struct config *c, struct ctx *x, char *s, unsigned long *seen)
{
	const struct key *k;
	char *eq, *name, *val;
	char msg[256];
	size_t vlen;

	eq = strchr(s, '=');
	if (!eq) {
		problem(x, "expected 'key = value', found no '='");
		return;
	}
	*eq = '\0';
	name = trim(s);
	val = trim(eq + 1);
	if (!*name) {
		problem(x, "missing key before '='");
		return;
	}
	k = key_find(name);
	if (!k) {
		problem(x, "unknown key '%.64s'", name);
		return;
	}
	if (seen[k - keys]) {
		problem(x, "duplicate key '%s' (first set on line %lu)",
			k->name, seen[k - keys]);
		return;
	}
	seen[k - keys] = x->line;
	vlen = strlen(val);
	if (*val == '"') {
		if (vlen < 2 || val[vlen - 1] != '"') {
			problem(x, "%s: unterminated quote", k->name);
			return;
		}
		val[vlen - 1] = '\0';
		val++;
	}
	if (key_set(k, c, val, msg, sizeof(msg)) < 0)
		problem(x, "%s: %s", k->name, msg);
}

/* ---- fair shares: per-token limits ---- */

/* Every token takes the client_* keys' limits unless its line says
 * otherwise. */
static void
fair_defaults(struct config *c)
{
	int i;

	for (i = 0; i < CONFIG_TOKENS_MAX; i++) {
		c->auth_concurrency[i] = -1;
		c->auth_rate[i] = -1;
		c->auth_burst[i] = -1;
	}
}

/* The options after a token in auth_token_file, "concurrency=N rate=R
 * burst=B" in any order, each at most once, for token number i. NULL when
 * they are valid (then stored), else what is wrong (never quoting the
 * line: it holds a secret). */
static const char *
token_options(struct config *c, int i, const char *opts)
{
	static const char seps[] = " \t";
	long conc = -1, burst = -1, l;
	double rate = -1;
	char word[64], *eq, *end;
	size_t n;

	for (opts += strspn(opts, seps); *opts;
	     opts += n, opts += strspn(opts, seps)) {
		n = strcspn(opts, seps);
		if (n >= sizeof(word))
			return "an option is too long";
		memcpy(word, opts, n);
		word[n] = '\0';
		eq = strchr(word, '=');
		if (!eq)
			return "options after the token must be "
			       "concurrency=N, rate=R or burst=B";
		*eq++ = '\0';
		if (!strcmp(word, "concurrency") && conc < 0) {
			if (parse_long(eq, &l) < 0 || l < 0 || l > 65536)
				return "concurrency= must be 0 to 65536";
			conc = l;
		} else if (!strcmp(word, "burst") && burst < 0) {
			if (parse_long(eq, &l) < 0 || l < 1 || l > 1000000)
				return "burst= must be 1 to 1000000";
			burst = l;
		} else if (!strcmp(word, "rate") && rate < 0) {
			errno = 0;
			rate = strtod(eq, &end);
			if (!*eq || strspn(eq, "0123456789.") != strlen(eq) ||
			    *end || errno == ERANGE || !(rate <= 1000000))
				return "rate= must be a number from 0 to "
				       "1000000";
		} else {
			return "unknown or repeated option after the token "
			       "(concurrency=, rate=, burst=)";
		}
	}
	c->auth_concurrency[i] = conc;
	c->auth_rate[i] = rate;
	c->auth_burst[i] = burst;
	return NULL;
}

/* Adds the tokens of c->auth_token_file (one a line, '#' comment lines,
 * blank lines ignored) to c. The file must not be open to others: it holds
 * secrets. x reports at the config line that named the file. */
static void
load_token_file(struct config *c, struct ctx *x)
{
	struct ctx fx = {c->auth_token_file, 0, x->errout, 0};
	char line[CONFIG_LINE_MAX];
	const char *why;
	struct stat st;
	size_t len, tlen;
	FILE *f;
	char *s;
	int nul;

	f = fopen(c->auth_token_file, "re");
	if (!f) {
		problem(x, "auth_token_file: cannot open %s: %s",
			c->auth_token_file, strerror(errno));
		return;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IROTH | S_IWOTH)))
		problem(x,
			"auth_token_file: %s is open to others "
			"(chmod o-rwx)",
			c->auth_token_file);
	while (read_line(f, line, sizeof(line), &len, &nul) == 0) {
		fx.line++;
		s = trim(line);
		if (*s == '#' || (!*s && len < sizeof(line)))
			continue;
		tlen = strcspn(s, " \t");
		why = len >= sizeof(line) ? "line too long"
		      : nul		  ? "NUL byte in line"
					  : check_token(s, tlen);
		if (!why && c->auth_ntokens < CONFIG_TOKENS_MAX)
			why = token_options(c, c->auth_ntokens, s + tlen);
		if (why)
			problem(&fx, "%s", why);
		else if (c->auth_ntokens == CONFIG_TOKENS_MAX)
			problem(&fx, "more than %d tokens in all",
				CONFIG_TOKENS_MAX);
		else
			memcpy(c->auth_tokens[c->auth_ntokens++], s, tlen);
	}
	if (ferror(f))
		problem(&fx, "read error: %s", strerror(errno));
	fclose(f);
	x->problems += fx.problems;
}

static const char *const seccomp_actions[] = {
	"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
	"SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",	   "SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW", "SCMP_ACT_LOG",	   NULL};

static int
seccomp_action_ok(json_object *o)
{
	size_t i;

	if (!json_object_is_type(o, json_type_string))
		return 0;
	for (i = 0; seccomp_actions[i]; i++)
		if (!strcmp(json_object_get_string(o), seccomp_actions[i]))
			return 1;
	return 0;
}

/* root as compact JSON in out[0..size), NUL included; -1 when it does not
 * fit (or json-c is out of memory). */
static int
json_to_buf(json_object *root, char *out, size_t size)
{
	const char *s =
		json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	size_t n = s ? strlen(s) : size;

	if (n >= size)
		return -1;
	memcpy(out, s, n + 1);
	return 0;
}

/* Checks that text (len bytes) is a seccomp profile in Docker's format, as
 * far as the engine would refuse it otherwise: one JSON object with a known
 * defaultAction and, if present, a list of rules, each with a known action
 * and the names (or the one name) of the calls it applies to. Writes its
 * compact form to out; -1 with msg when it is not one or does not fit. */
static int
seccomp_compact(const char *text, size_t len, char *out, size_t outsize,
		char *msg, size_t msgsize)
{
	json_tokener *tok = json_tokener_new_ex(64);
	json_object *root = NULL, *v, *r, *names;
	size_t i, j, n;
	int rc = -1;

	if (!tok) {
		snprintf(msg, msgsize, "out of memory");
		return -1;
	}
	if (len > INT_MAX)
		len = INT_MAX;
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		snprintf(msg, msgsize, "not one JSON value (byte %d)",
			 (int)tok->char_offset);
		goto out;
	}
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(msg, msgsize, "not a JSON object");
		goto out;
	}
	if (!json_object_object_get_ex(root, "defaultAction", &v) ||
	    !seccomp_action_ok(v)) {
		snprintf(msg, msgsize,
			 "defaultAction is missing or not a SCMP_ACT_ name");
		goto out;
	}
	if (json_object_object_get_ex(root, "syscalls", &v)) {
		if (!json_object_is_type(v, json_type_array)) {
			snprintf(msg, msgsize, "syscalls is not a list");
			goto out;
		}
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			r = json_object_array_get_idx(v, i);
			if (!json_object_is_type(r, json_type_object) ||
			    !json_object_object_get_ex(r, "action", &names) ||
			    !seccomp_action_ok(names)) {
				snprintf(msg, msgsize,
					 "syscalls[%zu]: no known action", i);
				goto out;
			}
			if (json_object_object_get_ex(r, "name", &names) &&
			    json_object_is_type(names, json_type_string))
				continue;
			if (!json_object_object_get_ex(r, "names", &names) ||
			    !json_object_is_type(names, json_type_array)) {
				snprintf(msg, msgsize,
					 "syscalls[%zu]: no list of names", i);
				goto out;
			}
			for (j = 0; j < json_object_array_length(names); j++)
				if (!json_object_is_type(
					    json_object_array_get_idx(names, j),
					    json_type_string)) {
					snprintf(msg, msgsize,
						 "syscalls[%zu]: a name is not "
						 "a string",
						 i);
					goto out;
				}
		}
	}
	if (json_to_buf(root, out, outsize) < 0) {
		snprintf(msg, msgsize, "too large (at most %zu bytes compact)",
			 outsize - 1);
		goto out;
	}
	rc = 0;
out:
	json_object_put(root);
	json_tokener_free(tok);
	return rc;
}

/* Whether rule r names exactly the one system call name. */
static int
rule_is(json_object *r, const char *name)
{
	json_object *n;

	return json_object_object_get_ex(r, "names", &n) &&
	       json_object_array_length(n) == 1 &&
	       !strcmp(json_object_get_string(json_object_array_get_idx(n, 0)),
		       name);
}

/* A rule letting the one call name through. */
static void
allow_rule(json_object *rules, const char *name)
{
	json_object *r = json_object_new_object(), *n = json_object_new_array();

	json_object_array_add(n, json_object_new_string(name));
	json_object_object_add(r, "names", n);
	json_object_object_add(r, "action",
			       json_object_new_string("SCMP_ACT_ALLOW"));
	json_object_array_add(rules, r);
}

/* The built-in profile under runsc:
 * - memfd_create with any flags. The engine picks the memfd rules by the
 *   host's kernel version (MFD_NOEXEC_SEAL required from 6.3 on), but under
 *   gVisor the kernel is gVisor's, which (runsc 2022-12) refuses
 *   MFD_NOEXEC_SEAL: the harness could create no memfd at all.
 * - clone3 let through. Docker's rule answers it ENOSYS, so that glibc
 *   falls back to clone (whose flags a filter can see), but runsc's
 *   --oci-seccomp answers every refusal EPERM, whatever the rule's
 *   errnoRet: pthread_create then fails and no thread starts in the
 *   sandbox (a batch's harness, any solution's). gVisor (2022-12) has no
 *   clone3 and answers ENOSYS itself.
 * Rewrites json (size bytes) in place; -1 with msg. */
static int
seccomp_for_runsc(char *json, size_t size, char *msg, size_t msgsize)
{
	json_object *root = json_tokener_parse(json), *calls, *keep, *r;
	size_t i;
	int rc = -1;

	keep = json_object_new_array();
	if (!root || !keep ||
	    !json_object_object_get_ex(root, "syscalls", &calls)) {
		snprintf(msg, msgsize, "the built-in profile: cannot adapt it");
		goto out;
	}
	for (i = 0; i < json_object_array_length(calls); i++) {
		r = json_object_array_get_idx(calls, i);
		if (rule_is(r, "memfd_create") || rule_is(r, "clone3"))
			continue;
		json_object_array_add(keep, json_object_get(r));
	}
	allow_rule(keep, "memfd_create");
	allow_rule(keep, "clone3");
	json_object_object_add(root, "syscalls", keep);
	keep = NULL;
	if (json_to_buf(root, json, size) < 0) {
		snprintf(msg, msgsize, "the built-in profile: too large");
		goto out;
	}
	rc = 0;
out:
	json_object_put(keep);
	json_object_put(root);
	return rc;
}

/* Fills c->seccomp_json from c->seccomp_profile: the compiled-in profile,
 * nothing (engine-default), or the file, read whole (capped) and checked.
 * Problems are reported at x's line. */
static void
load_seccomp(struct config *c, struct ctx *x)
{
	char msg[256];
	char *text = NULL;
	size_t len = 0;
	FILE *f = NULL;

	c->seccomp_json[0] = '\0';
	if (!strcmp(c->seccomp_profile, "engine-default"))
		return;
	if (!strcmp(c->seccomp_profile, "builtin")) {
		if (seccomp_compact(config_seccomp_builtin,
				    strlen(config_seccomp_builtin),
				    c->seccomp_json, sizeof(c->seccomp_json),
				    msg, sizeof(msg)) < 0)
			problem(x, "seccomp_profile: the built-in profile: %s",
				msg);
		else if (config_is_runsc(c) &&
			 seccomp_for_runsc(c->seccomp_json,
					   sizeof(c->seccomp_json), msg,
					   sizeof(msg)) < 0)
			problem(x, "seccomp_profile: %s", msg);
		return;
	}
	/* A pretty-printed profile may be several times its compact size. */
	text = malloc(4 * CONFIG_SECCOMP_MAX + 1);
	if (!text) {
		problem(x, "seccomp_profile: out of memory");
		return;
	}
	f = fopen(c->seccomp_profile, "re");
	if (!f) {
		problem(x, "seccomp_profile: cannot open %s: %s",
			c->seccomp_profile, strerror(errno));
		goto out;
	}
	len = fread(text, 1, 4 * CONFIG_SECCOMP_MAX + 1, f);
	if (ferror(f))
		problem(x, "seccomp_profile: %s: read error",
			c->seccomp_profile);
	else if (len > 4 * CONFIG_SECCOMP_MAX)
		problem(x, "seccomp_profile: %s: larger than %d bytes",
			c->seccomp_profile, 4 * CONFIG_SECCOMP_MAX);
	else if (memchr(text, '\0', len))
		problem(x, "seccomp_profile: %s: NUL byte in the file",
			c->seccomp_profile);
	else if (seccomp_compact(text, len, c->seccomp_json,
				 sizeof(c->seccomp_json), msg, sizeof(msg)) < 0)
		problem(x, "seccomp_profile: %s: %s", c->seccomp_profile, msg);
out:
	if (f)
		fclose(f);
	free(text);
}

int
config_load(struct config *c, const char *path, FILE *errout)
{
	struct ctx x = {path, 0, errout, 0};
	unsigned long seen[NKEYS] = {0};
	char line[CONFIG_LINE_MAX];
	size_t len;
	FILE *f;
	char *s;
	int nul;

	f = fopen(path, "re");
	if (!f) {
		problem(&x, "cannot open: %s", strerror(errno));
		goto out;
	}
	while (read_line(f, line, sizeof(line), &len, &nul) == 0) {
		x.line++;
		s = trim(line);
		if (*s == '#')
			continue;
		if (len >= sizeof(line))
			problem(&x, "line too long (%zu bytes, at most %zu)",
				len, sizeof(line) - 1);
		else if (nul)
			problem(&x, "NUL byte in line");
		else if (*s)
			parse_line(c, &x, s, seen);
	}
	if (ferror(f))
		problem(&x, "read error: %s", strerror(errno));
	fclose(f);
	if (c->auth_token_file[0]) {
		x.line = seen[key_find("auth_token_file") - keys];
		load_token_file(c, &x);
	}
	x.line = seen[key_find("seccomp_profile") - keys];
	load_seccomp(c, &x);
	/* A batch may declare no more of the user's time than its own wall
	 * budget, whatever that is set to. */
	if (!seen[key_find("max_batch_cost_ms") - keys])
		c->max_batch_cost_ms = c->batch_timeout_ms;
out:
	return x.problems + config_validate(c, path, errout);
}

static int
zeros(const char *p, size_t n)
{
	while (n && !*p)
		p++, n--;
	return n == 0;
}

int
config_uid_range(const struct config *c, long *lo, long *hi)
{
	return parse_uid_range(c->uid_range, lo, hi) == 0;
}

/* uid_range against user and against the most containers that can be live
 * at once. */
static void
check_uids(const struct config *c, struct ctx *x)
{
	long lo, hi, need, u = 0, g = 0;
	const char *p;

	if (!memchr(c->uid_range, '\0', sizeof(c->uid_range)) ||
	    !config_uid_range(c, &lo, &hi))
		return;
	p = memchr(c->user, '\0', sizeof(c->user)) ? strchr(c->user, ':')
						   : NULL;
	if (p && !check_user(c->user)) {
		u = strtol(c->user, NULL, 10);
		g = strtol(p + 1, NULL, 10);
	}
	if (c->uid_range_overlap == CONFIG_UID_OVERLAP_REFUSE &&
	    ((u >= lo && u <= hi) || (g >= lo && g <= hi)))
		problem(x,
			"uid_range %s contains the uid or gid of user (%s), "
			"which every container runs as when uid_range is off "
			"(and under older versions): a container of the "
			"range would share that uid's kernel accounting; "
			"move the range, or set uid_range_overlap = allow",
			c->uid_range, c->user);
	if (c->max_workers < 1 || c->max_workers > 256 || c->pool_size < 0 ||
	    c->pool_size > 16)
		return; /* reported with their keys */
	need = c->max_workers * (c->pool_size + CONFIG_UIDS_PER_WORKER);
	if (hi - lo + 1 < need)
		problem(x,
			"uid_range %s holds %ld uids; max_workers (%ld) "
			"workers can keep up to %ld containers alive at once "
			"(max_workers * (pool_size + %d)): widen the range",
			c->uid_range, hi - lo + 1, c->max_workers, need,
			CONFIG_UIDS_PER_WORKER);
}

int
config_validate(const struct config *c, const char *path, FILE *errout)
{
	struct ctx x = {path, 0, errout, 0};
	struct config scratch;
	char val[1024], msg[256];
	const char *tok;
	size_t i, len;
	int https, n;

	/* Each value once more through the parser, for structs that did not
	 * come from config_load. */
	for (i = 0; i < NKEYS; i++) {
		if (keys[i].type == T_TOKENS)
			continue;
		if (key_format(&keys[i], c, val, sizeof(val)) < 0)
			problem(&x, "%s: invalid value", keys[i].name);
		else if (key_set(&keys[i], &scratch, val, msg, sizeof(msg)) < 0)
			problem(&x, "%s: %s", keys[i].name, msg);
	}
	/* The guard keeps the sum from overflowing on a garbage struct. */
	if (c->output_limit_bytes >= 0 &&
	    c->output_limit_bytes <= (LONG_MAX - 65536) / 2 &&
	    c->report_limit_bytes < 2 * c->output_limit_bytes + 65536)
		problem(&x,
			"report_limit_bytes (%ld) must be at least "
			"2 * output_limit_bytes + 65536 (%ld)",
			c->report_limit_bytes,
			2 * c->output_limit_bytes + 65536);
	if (!c->engine_tls_cert[0] != !c->engine_tls_key[0])
		problem(&x, "engine_tls_cert and engine_tls_key must be set "
			    "together");
	if (c->auth_ntokens < 0 || c->auth_ntokens > CONFIG_TOKENS_MAX)
		problem(&x, "auth_tokens: invalid token count");
	/* Used slots hold a token, and every byte after it is zero, as is
	 * every unused slot: auth_check compares whole slots. */
	for (n = 0; n < CONFIG_TOKENS_MAX; n++) {
		tok = c->auth_tokens[n];
		len = n < c->auth_ntokens ? strnlen(tok, CONFIG_TOKEN_MAX + 1)
					  : 0;
		if (n < c->auth_ntokens &&
		    (len > CONFIG_TOKEN_MAX || check_token(tok, len)))
			problem(&x, "auth_tokens: token %d is invalid", n + 1);
		else if (!zeros(tok + len, CONFIG_TOKEN_MAX + 1 - len))
			problem(&x, "auth_tokens: slot %d is not zero-padded",
				n + 1);
	}
	for (n = 0; n < CONFIG_TOKENS_MAX; n++)
		if (c->auth_concurrency[n] < -1 ||
		    c->auth_concurrency[n] > 65536 || c->auth_burst[n] < -1 ||
		    c->auth_burst[n] == 0 || c->auth_burst[n] > 1000000 ||
		    !(c->auth_rate[n] == -1 ||
		      (c->auth_rate[n] >= 0 && c->auth_rate[n] <= 1000000)))
			problem(&x, "auth_token_file: token %d: invalid limits",
				n + 1);
	check_uids(c, &x);
	len = strnlen(c->seccomp_json, sizeof(c->seccomp_json));
	if (len == sizeof(c->seccomp_json))
		problem(&x, "seccomp_profile: the profile text is not "
			    "terminated");
	else if (!strcmp(c->seccomp_profile, "engine-default") && len)
		problem(&x, "seccomp_profile: engine-default with a profile");
	/* An empty text with a path: config_load reported why already. */
	else if (strcmp(c->seccomp_profile, "engine-default") &&
		 (len || !strcmp(c->seccomp_profile, "builtin")) &&
		 seccomp_compact(c->seccomp_json, len, scratch.seccomp_json,
				 sizeof(scratch.seccomp_json), msg,
				 sizeof(msg)) < 0)
		problem(&x, "seccomp_profile: %s", msg);
	https = !strncmp(c->engine_url, "https://", 8);
	if (!https && (c->engine_tls_ca[0] || c->engine_tls_cert[0] ||
		       c->engine_tls_key[0]))
		problem(&x, "engine_tls_ca, engine_tls_cert and "
			    "engine_tls_key need an https:// engine_url");
	return x.problems;
}

void
config_dump(const struct config *c, FILE *out)
{
	char val[1024];
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (keys[i].type == T_TOKENS && c->auth_ntokens)
			fprintf(out, "# %s = <%d token%s>\n", keys[i].name,
				c->auth_ntokens,
				c->auth_ntokens == 1 ? "" : "s");
		else if (keys[i].type == T_TOKENS)
			fprintf(out, "%s = \"\"\n", keys[i].name);
		else if (key_format(&keys[i], c, val, sizeof(val)) < 0)
			fprintf(out, "# %s: invalid value\n", keys[i].name);
		else if (keys[i].type == T_STRING || keys[i].type == T_PATH)
			fprintf(out, "%s = \"%s\"\n", keys[i].name, val);
		else
			fprintf(out, "%s = %s\n", keys[i].name, val);
	}
}

int
config_is_runsc(const struct config *c)
{
	return strcmp(c->runtime, "runsc") == 0;
}
