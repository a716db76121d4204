#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llsr/b64.h"
#include "llsr/buf.h"
#include "llsr/cli_cases.h"

char *
cli_cases_name(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 3 && !strcmp(base + n - 3, ".in"))
		n -= 3;
	return strndup(base, n);
}

/* Reads path whole into b. */
static int
read_whole(const char *path, struct buf *b, char *err, size_t errlen)
{
	char chunk[65536];
	FILE *f;
	size_t n;
	int rc = 0;

	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(b, chunk, n) < 0) {
			snprintf(err, errlen, "%s: %s", path,
				 errno == E2BIG ? "file too large"
						: strerror(errno));
			rc = -1;
			break;
		}
	}
	if (!rc && ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	fclose(f);
	return rc;
}

/* Adds key: the base64 of file path to o. */
static int
add_b64(json_object *o, const char *key, const char *path, char *err,
	size_t errlen)
{
	struct buf b;
	char *enc = NULL;
	json_object *v;
	int rc = -1;

	buf_init(&b, CLI_CASES_FILE_MAX);
	if (read_whole(path, &b, err, errlen) < 0)
		goto out;
	enc = malloc(b64_encoded_len(b.len) + 1);
	if (!enc)
		goto nomem;
	b64_encode((const unsigned char *)(b.data ? b.data : ""), b.len, enc);
	v = json_object_new_string_len(enc, (int)b64_encoded_len(b.len));
	if (!v || json_object_object_add(o, key, v) < 0)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	free(enc);
	buf_release(&b);
	return rc;
}

int
cli_cases_add_pair(json_object *arr, const char *in, const char *out,
		   const char *name, char *err, size_t errlen)
{
	json_object *c = json_object_new_object();
	char *own = NULL;
	json_object *v;

	if (!c)
		goto nomem;
	if (!name) {
		own = cli_cases_name(in);
		if (!own)
			goto nomem;
		name = own;
	}
	v = json_object_new_string(name);
	if (!v || json_object_object_add(c, "name", v) < 0)
		goto nomem;
	if (add_b64(c, "stdin", in, err, errlen) < 0 ||
	    add_b64(c, "expected_stdout", out, err, errlen) < 0)
		goto fail;
	if (json_object_array_add(arr, c) < 0)
		goto nomem;
	free(own);
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	json_object_put(c);
	free(own);
	return -1;
}

static int
by_version(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* Whether name ends with suffix and has something before it. */
static int
has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	return n > s && !strcmp(name + n - s, suffix);
}

/* Whether sorted names[0..n) holds name. */
static int
holds(char **names, size_t n, const char *name)
{
	return bsearch(&name, names, n, sizeof(*names), by_version) != NULL;
}

int
cli_cases_add_dir(json_object *arr, const char *dir, char *err, size_t errlen)
{
	char **names = NULL, **grown, *in = NULL, *out = NULL, *stem = NULL;
	size_t n = 0, cap = 0, i, pairs = 0;
	struct dirent *e;
	DIR *d;
	int rc = -1;

	d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (!has_suffix(e->d_name, ".in") &&
		    !has_suffix(e->d_name, ".out"))
			continue;
		if (n == 2 * (size_t)CLI_CASES_MAX) {
			snprintf(err, errlen, "%s: more than %d cases", dir,
				 CLI_CASES_MAX);
			goto out;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			grown = realloc(names, cap * sizeof(*names));
			if (!grown)
				goto nomem;
			names = grown;
		}
		names[n] = strdup(e->d_name);
		if (!names[n])
			goto nomem;
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), by_version);
	/* Every partner first, so that nothing is read when one is missing. */
	for (i = 0; i < n; i++) {
		int is_in = has_suffix(names[i], ".in");
		size_t len = strlen(names[i]) - (is_in ? 3 : 4);
		char partner[NAME_MAX + 8];

		snprintf(partner, sizeof(partner), "%.*s%s", (int)len, names[i],
			 is_in ? ".out" : ".in");
		if (!holds(names, n, partner)) {
			snprintf(err, errlen, "%s/%s has no %s", dir, names[i],
				 partner);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		size_t len;

		if (!has_suffix(names[i], ".in"))
			continue;
		len = strlen(names[i]) - 3;
		free(in);
		free(out);
		free(stem);
		stem = strndup(names[i], len);
		if (!stem || asprintf(&in, "%s/%s", dir, names[i]) < 0) {
			in = out = NULL;
			goto nomem;
		}
		if (asprintf(&out, "%s/%s.out", dir, stem) < 0) {
			out = NULL;
			goto nomem;
		}
		if (cli_cases_add_pair(arr, in, out, stem, err, errlen) < 0)
			goto out;
		pairs++;
	}
	if (!pairs) {
		snprintf(err, errlen, "%s: no NAME.in / NAME.out pair", dir);
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(in);
	free(out);
	free(stem);
	closedir(d);
	return rc;
}
