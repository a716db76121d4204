#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "llsr/buf.h"
#include "llsr/err.h"
#include "llsr/evalset.h"
#include "llsr/evalset_cases.h"
#include "llsr/sha256.h"

/* Input files are read whole; a HumanEval run of 164 tasks x 200 samples is
 * some 50 MB. */
#define FILE_MAX  (512u << 20)
#define TESTS_MAX (16u << 20)

typedef int (*each_fn)(struct evalset *es, json_object *o, char *err,
		       size_t errlen);

void
evalset_init(struct evalset *es)
{
	memset(es, 0, sizeof(*es));
}

void
evalset_problem_release(struct evalset_problem *p)
{
	if (!p)
		return;
	free(p->task_id);
	free(p->prompt);
	free(p->tests);
	free(p->entry_point);
	free(p->samples);
	json_object_put(p->cases);
	memset(p, 0, sizeof(*p));
}

void
evalset_release(struct evalset *es)
{
	size_t i;

	if (!es)
		return;
	for (i = 0; i < es->nproblems; i++)
		evalset_problem_release(&es->problems[i]);
	for (i = 0; i < es->nsamples; i++) {
		free(es->samples[i].code);
		free(es->samples[i].status);
	}
	free(es->problems);
	free(es->samples);
	json_object_put(es->by_task);
	memset(es, 0, sizeof(*es));
}

/* The task_id of o as text (caller frees), or NULL with err filled. */
static char *
task_id_text(json_object *o, int *is_int, long long *id_int, char *err,
	     size_t errlen)
{
	json_object *v;
	char num[32];
	char *s;

	/* APPS names its problems problem_id, LiveCodeBench question_id. */
	if ((!json_object_object_get_ex(o, "task_id", &v) || !v) &&
	    (!json_object_object_get_ex(o, "problem_id", &v) || !v) &&
	    (!json_object_object_get_ex(o, "question_id", &v) || !v)) {
		err_buf(err, errlen, "no task_id");
		return NULL;
	}
	if (json_object_is_type(v, json_type_string)) {
		*is_int = 0;
		s = strdup(json_object_get_string(v));
	} else if (json_object_is_type(v, json_type_int)) {
		*is_int = 1;
		*id_int = (long long)json_object_get_int64(v);
		snprintf(num, sizeof(num), "%lld", *id_int);
		s = strdup(num);
	} else {
		err_buf(err, errlen,
			"task_id is neither a string nor an integer");
		return NULL;
	}
	if (!s)
		err_buf(err, errlen, "out of memory");
	return s;
}

/* The string member key of o: borrowed; NULL when absent or null; *bad set
 * when present with another type. */
static const char *
get_str(json_object *o, const char *key, int *bad)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	if (!json_object_is_type(v, json_type_string)) {
		*bad = 1;
		return NULL;
	}
	return json_object_get_string(v);
}

static int
append_line(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (buf_append(b, s, n) < 0)
		return -1;
	if (n && s[n - 1] == '\n')
		return 0;
	return buf_append(b, "\n", 1);
}

/* Appends each string of the array member key (absent or null: nothing).
 * what: "test_list" etc. for messages. */
static int
append_lines(struct buf *b, json_object *o, const char *key, size_t *count,
	     char *err, size_t errlen)
{
	json_object *a, *v;
	size_t i, n;

	if (!json_object_object_get_ex(o, key, &a) || !a)
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return err_buf(err, errlen, "%s is not an array", key);
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(a, i);
		if (!v || !json_object_is_type(v, json_type_string))
			return err_buf(err, errlen, "%s[%zu] is not a string",
				       key, i);
		if (!*json_object_get_string(v))
			continue;
		if (append_line(b, json_object_get_string(v)) < 0)
			return err_buf(err, errlen, "%s: tests too large", key);
		if (count)
			(*count)++;
	}
	return 0;
}

static int
parse_mbpp(json_object *o, struct evalset_problem *p, char *err, size_t errlen)
{
	struct buf b;
	const char *setup;
	int bad = 0, rc = -1;

	buf_init(&b, TESTS_MAX);
	p->format = EVALSET_MBPP;
	/* Imports first: set-up code may use them, never the reverse. */
	if (append_lines(&b, o, "test_imports", NULL, err, errlen) < 0)
		goto out;
	setup = get_str(o, "test_setup_code", &bad);
	if (bad) {
		err_buf(err, errlen, "test_setup_code is not a string");
		goto out;
	}
	if (setup && *setup && append_line(&b, setup) < 0) {
		err_buf(err, errlen, "test_setup_code too large");
		goto out;
	}
	if (append_lines(&b, o, "test_list", &p->ntests, err, errlen) < 0)
		goto out;
	p->tests = buf_detach(&b, NULL);
	if (!p->tests) {
		err_buf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	buf_release(&b);
	return rc;
}

static int
parse_humaneval(json_object *o, struct evalset_problem *p, char *err,
		size_t errlen)
{
	const char *prompt, *test, *entry;
	int bad = 0;

	prompt = get_str(o, "prompt", &bad);
	test = get_str(o, "test", &bad);
	entry = get_str(o, "entry_point", &bad);
	if (bad)
		return err_buf(err, errlen,
			       "prompt, test and entry_point must be strings");
	if (!test || !entry)
		return err_buf(
			err, errlen,
			"neither MBPP (test_list) nor HumanEval (test and "
			"entry_point)");
	if (!*entry)
		return err_buf(err, errlen, "entry_point is empty");
	p->format = EVALSET_HUMANEVAL;
	p->ntests = strspn(test, " \t\r\n") < strlen(test) ? 1 : 0;
	p->prompt = strdup(prompt ? prompt : "");
	p->tests = strdup(test);
	p->entry_point = strdup(entry);
	if (!p->prompt || !p->tests || !p->entry_point)
		return err_buf(err, errlen, "out of memory");
	return 0;
}

int
evalset_problem_parse(json_object *o, struct evalset_problem *p, char *err,
		      size_t errlen)
{
	int rc;

	memset(p, 0, sizeof(*p));
	if (!json_object_is_type(o, json_type_object))
		return err_buf(err, errlen, "not a JSON object");
	p->task_id = task_id_text(o, &p->id_is_int, &p->id_int, err, errlen);
	if (!p->task_id)
		return -1;
	if (json_object_object_get_ex(o, "test_list", NULL))
		rc = parse_mbpp(o, p, err, errlen);
	else if (evalset_cases_detect(o))
		rc = evalset_cases_parse(o, p, err, errlen);
	else
		rc = parse_humaneval(o, p, err, errlen);
	if (rc < 0)
		evalset_problem_release(p);
	return rc;
}

int
evalset_sample_code(const struct evalset_problem *p, json_object *sample,
		    char **code, char *err, size_t errlen)
{
	const char *completion, *solution, *whole;
	size_t a, b;
	int bad = 0;
	char *s;

	completion = get_str(sample, "completion", &bad);
	solution = get_str(sample, "solution", &bad);
	whole = get_str(sample, "code", &bad);
	if (bad)
		return err_buf(err, errlen,
			       "completion, solution and code must be strings");
	if (p->format == EVALSET_HUMANEVAL && completion) {
		a = strlen(p->prompt);
		b = strlen(completion);
		s = malloc(a + b + 1);
		if (!s)
			return err_buf(err, errlen, "out of memory");
		memcpy(s, p->prompt, a);
		memcpy(s + a, completion, b + 1);
		*code = s;
		return 0;
	}
	if (!solution)
		solution = whole ? whole : completion;
	if (!solution)
		return err_buf(err, errlen,
			       "no completion, solution or code in the sample");
	*code = strdup(solution);
	if (!*code)
		return err_buf(err, errlen, "out of memory");
	return 0;
}

/* Reads path whole into b (capped); a gzip file (HumanEval.jsonl.gz) is
 * read uncompressed, anything else as it is. */
static int
slurp(const char *path, struct buf *b, char *err, size_t errlen)
{
	char chunk[65536];
	const char *why;
	gzFile f;
	int n, zerr, rc = 0;

	errno = 0;
	f = gzopen(path, "rb");
	if (!f)
		return err_buf(err, errlen, "%s: %s", path,
			       errno ? strerror(errno) : "out of memory");
	while ((n = gzread(f, chunk, sizeof(chunk))) > 0) {
		if (buf_append(b, chunk, (size_t)n) < 0) {
			rc = err_buf(err, errlen, "%s: %s", path,
				     errno == E2BIG ? "file too large"
						    : strerror(errno));
			break;
		}
	}
	/* A gzip stream cut short ends in Z_BUF_ERROR, not in a short read
	 * that would pass for a smaller file. */
	why = gzerror(f, &zerr);
	if (!rc && (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)))
		rc = err_buf(err, errlen, "%s: %s", path,
			     zerr == Z_ERRNO ? strerror(errno) : why);
	gzclose(f);
	return rc;
}

/* Calls fn on each object of path: a JSON array, or one object per line
 * (blank lines skipped). Errors are prefixed with "path:line: " (JSONL) or
 * "path: element N: " (array). */
static int
each_object(struct evalset *es, const char *path, each_fn fn, char *err,
	    size_t errlen)
{
	char why[512];
	struct buf b;
	json_tokener *tok = NULL;
	json_object *o = NULL;
	const char *p, *end, *nl;
	size_t line = 0, i, n;
	int rc = -1;

	buf_init(&b, FILE_MAX);
	if (slurp(path, &b, err, errlen) < 0)
		goto out;
	tok = json_tokener_new();
	if (!tok) {
		err_buf(err, errlen, "out of memory");
		goto out;
	}
	p = b.data ? b.data : "";
	end = p + b.len;
	while (p < end && strchr(" \t\r\n", *p))
		p++;
	if (p < end && *p == '[') {
		o = json_tokener_parse_ex(tok, p, (int)(end - p));
		if (!o ||
		    json_tokener_get_parse_end(tok) != (size_t)(end - p)) {
			/* Trailing spaces only are fine. */
			const char *q = p + json_tokener_get_parse_end(tok);

			while (o && q < end && strchr(" \t\r\n", *q))
				q++;
			if (!o || q != end) {
				err_buf(err, errlen, "%s: not one JSON array",
					path);
				goto out;
			}
		}
		n = json_object_array_length(o);
		for (i = 0; i < n; i++) {
			if (fn(es, json_object_array_get_idx(o, i), why,
			       sizeof(why)) < 0) {
				err_buf(err, errlen, "%s: element %zu: %s",
					path, i, why);
				goto out;
			}
		}
		rc = 0;
		goto out;
	}
	p = b.data ? b.data : "";
	while (p < end) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		json_tokener_reset(tok);
		while (p < nl && strchr(" \t\r", *p))
			p++;
		if (p == nl) {
			p = nl + 1;
			continue;
		}
		o = json_tokener_parse_ex(tok, p, (int)(nl - p));
		if (o) {
			const char *q = p + json_tokener_get_parse_end(tok);

			while (q < nl && strchr(" \t\r", *q))
				q++;
			if (q != nl) {
				json_object_put(o);
				o = NULL;
			}
		}
		if (!o) {
			err_buf(err, errlen, "%s:%zu: not one JSON value", path,
				line);
			goto out;
		}
		if (fn(es, o, why, sizeof(why)) < 0) {
			err_buf(err, errlen, "%s:%zu: %s", path, line, why);
			goto out;
		}
		json_object_put(o);
		o = NULL;
		p = nl + 1;
	}
	rc = 0;
out:
	json_object_put(o);
	if (tok)
		json_tokener_free(tok);
	buf_release(&b);
	return rc;
}

static int
add_problem(struct evalset *es, json_object *o, char *err, size_t errlen)
{
	struct evalset_problem p, *np;

	if (evalset_problem_parse(o, &p, err, errlen) < 0)
		return -1;
	if (json_object_object_get_ex(es->by_task, p.task_id, NULL)) {
		err_buf(err, errlen, "task_id %s appears twice", p.task_id);
		goto fail;
	}
	np = realloc(es->problems, (es->nproblems + 1) * sizeof(*np));
	if (!np) {
		err_buf(err, errlen, "out of memory");
		goto fail;
	}
	es->problems = np;
	if (json_object_object_add(
		    es->by_task, p.task_id,
		    json_object_new_int64((int64_t)es->nproblems)) < 0) {
		err_buf(err, errlen, "out of memory");
		goto fail;
	}
	es->problems[es->nproblems++] = p;
	return 0;
fail:
	evalset_problem_release(&p);
	return -1;
}

int
evalset_load_problems(struct evalset *es, const char *path, char *err,
		      size_t errlen)
{
	if (!es->by_task) {
		es->by_task = json_object_new_object();
		if (!es->by_task)
			return err_buf(err, errlen, "out of memory");
	}
	return each_object(es, path, add_problem, err, errlen);
}

/* The problem index of task id text, or -1. */
static long
find_task(const struct evalset *es, const char *id)
{
	json_object *v;

	if (!es->by_task || !json_object_object_get_ex(es->by_task, id, &v))
		return -1;
	return (long)json_object_get_int64(v);
}

static int
add_sample(struct evalset *es, json_object *o, char *err, size_t errlen)
{
	struct evalset_problem *p;
	struct evalset_sample *ns;
	size_t *idx;
	char *id, *code;
	long long id_int;
	long pi;
	int is_int;

	if (!json_object_is_type(o, json_type_object))
		return err_buf(err, errlen, "not a JSON object");
	id = task_id_text(o, &is_int, &id_int, err, errlen);
	if (!id)
		return -1;
	pi = find_task(es, id);
	if (pi < 0) {
		err_buf(err, errlen, "task_id %s is not in the problems", id);
		free(id);
		return -1;
	}
	free(id);
	p = &es->problems[pi];
	if (evalset_sample_code(p, o, &code, err, errlen) < 0)
		return -1;
	ns = realloc(es->samples, (es->nsamples + 1) * sizeof(*ns));
	if (!ns)
		goto nomem;
	es->samples = ns;
	idx = realloc(p->samples, (p->nsamples + 1) * sizeof(*idx));
	if (!idx)
		goto nomem;
	p->samples = idx;
	p->samples[p->nsamples] = es->nsamples;
	memset(&ns[es->nsamples], 0, sizeof(*ns));
	ns[es->nsamples].problem = (size_t)pi;
	ns[es->nsamples].index = p->nsamples;
	ns[es->nsamples].code = code;
	p->nsamples++;
	es->nsamples++;
	return 0;
nomem:
	free(code);
	return err_buf(err, errlen, "out of memory");
}

int
evalset_load_samples(struct evalset *es, const char *path, char *err,
		     size_t errlen)
{
	return each_object(es, path, add_sample, err, errlen);
}

int
evalset_set_result(struct evalset *es, size_t i, int passed, const char *status)
{
	struct evalset_sample *s = &es->samples[i];
	char *st;

	st = strdup(status ? status : "");
	if (!st)
		return -1;
	free(s->status);
	s->status = st;
	s->passed = passed ? 1 : 0;
	s->done = 1;
	return 0;
}

/* Hashes one field of a key: its length, then its bytes, so that no two
 * lists of fields hash the same text. */
static void
key_field(struct sha256 *c, const char *s)
{
	char len[32];

	snprintf(len, sizeof(len), "%zu:", s ? strlen(s) : 0);
	sha256_update(c, len, strlen(len));
	if (s)
		sha256_update(c, s, strlen(s));
}

void
evalset_set_keys(struct evalset *es, long timeout_ms)
{
	struct sha256 c;
	char t[32];
	size_t i;

	snprintf(t, sizeof(t), "%ld", timeout_ms);
	for (i = 0; i < es->nsamples; i++) {
		const struct evalset_problem *p =
			&es->problems[es->samples[i].problem];

		sha256_init(&c);
		key_field(&c, "llsr-eval-1");
		key_field(&c, es->samples[i].code);
		key_field(&c, p->tests);
		key_field(&c, p->entry_point);
		if (p->cases) {
			key_field(&c,
				  json_object_to_json_string_ext(
					  p->cases, JSON_C_TO_STRING_PLAIN));
			key_field(&c, es->compare);
		}
		key_field(&c, t);
		sha256_final_hex(&c, es->samples[i].key);
	}
}

/* What one results line is to the loaded samples. */
enum line_kind {
	LINE_BROKEN, /* not one JSON object (cut short, or garbage) */
	LINE_OTHER,  /* names no loaded sample: kept as it is */
	LINE_STALE,  /* names a sample, but another code, tests or limits */
	LINE_MATCH,  /* the result of a loaded sample: marked done */
	LINE_NOMEM
};

static enum line_kind
mark_result(struct evalset *es, const char *line, size_t len, json_tokener *tok)
{
	json_object *o, *v;
	struct evalset_problem *p;
	struct evalset_sample *s;
	const char *status = "", *key;
	char *id;
	long long id_int;
	int64_t k;
	long pi;
	int is_int, passed;
	enum line_kind rc = LINE_BROKEN;

	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (!o || json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object))
		goto out;
	rc = LINE_OTHER;
	id = task_id_text(o, &is_int, &id_int, NULL, 0);
	if (!id)
		goto out;
	pi = find_task(es, id);
	free(id);
	if (pi < 0)
		goto out;
	p = &es->problems[pi];
	if (!json_object_object_get_ex(o, "sample", &v) ||
	    !json_object_is_type(v, json_type_int))
		goto out;
	k = json_object_get_int64(v);
	if (k < 0 || (uint64_t)k >= p->nsamples)
		goto out;
	s = &es->samples[p->samples[k]];
	/* A line of an older run of other completions, tests or limits (or
	 * of an llsr that wrote no key) is not this sample's result. */
	rc = LINE_STALE;
	if (!json_object_object_get_ex(o, "key", &v) ||
	    !json_object_is_type(v, json_type_string))
		goto out;
	key = json_object_get_string(v);
	if (strcmp(key, s->key) != 0)
		goto out;
	if (!json_object_object_get_ex(o, "passed", &v) ||
	    !json_object_is_type(v, json_type_boolean))
		goto out;
	passed = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "status", &v) &&
	    json_object_is_type(v, json_type_string))
		status = json_object_get_string(v);
	rc = evalset_set_result(es, p->samples[k], passed, status) < 0
		     ? LINE_NOMEM
		     : LINE_MATCH;
out:
	json_object_put(o);
	return rc;
}

/* Replaces path by the lines keep[0..n) (each with its newline), through a
 * temporary file and rename(2): a crash leaves the old file or the new. */
static int
rewrite(const char *path, const struct buf *kept, char *err, size_t errlen)
{
	char *tmp;
	size_t n = strlen(path) + sizeof(".llsr-tmp");
	FILE *f;
	int rc = -1;

	tmp = malloc(n);
	if (!tmp)
		return err_buf(err, errlen, "out of memory");
	snprintf(tmp, n, "%s.llsr-tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		err_buf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if ((kept->len && fwrite(kept->data, 1, kept->len, f) != kept->len) ||
	    fflush(f) != 0 || fsync(fileno(f)) != 0) {
		err_buf(err, errlen, "%s: %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		err_buf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

int
evalset_load_results(struct evalset *es, const char *path,
		     struct evalset_resume *r, char *err, size_t errlen)
{
	struct buf b, kept;
	json_tokener *tok = NULL;
	const char *p, *end, *nl;
	size_t i, before = 0;
	enum line_kind k;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < es->nsamples; i++)
		before += es->samples[i].done ? 1 : 0;
	buf_init(&b, FILE_MAX);
	buf_init(&kept, FILE_MAX);
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		rc = 0;
		goto out;
	}
	if (slurp(path, &b, err, errlen) < 0)
		goto out;
	tok = json_tokener_new();
	if (!tok) {
		err_buf(err, errlen, "out of memory");
		goto out;
	}
	p = b.data ? b.data : "";
	end = p + b.len;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			/* Cut short by a killed writer: never a result. */
			r->cut = 1;
			break;
		}
		if (nl == p) {
			p = nl + 1;
			continue;
		}
		k = mark_result(es, p, (size_t)(nl - p), tok);
		if (k == LINE_NOMEM) {
			err_buf(err, errlen, "out of memory");
			goto out;
		}
		if (k == LINE_BROKEN)
			r->broken++;
		else if (k == LINE_STALE)
			r->stale++;
		else if (k == LINE_OTHER)
			r->other++;
		if ((k == LINE_MATCH || k == LINE_OTHER) &&
		    buf_append(&kept, p, (size_t)(nl - p) + 1) < 0) {
			err_buf(err, errlen, "out of memory");
			goto out;
		}
		p = nl + 1;
	}
	if ((r->cut || r->broken || r->stale) &&
	    rewrite(path, &kept, err, errlen) < 0)
		goto out;
	for (i = 0; i < es->nsamples; i++)
		r->marked += es->samples[i].done ? 1 : 0;
	r->marked -= before;
	rc = 0;
out:
	if (tok)
		json_tokener_free(tok);
	buf_release(&kept);
	buf_release(&b);
	return rc;
}

char *
evalset_result_line(const struct evalset *es, size_t i, json_object *summary)
{
	const struct evalset_sample *s = &es->samples[i];
	const struct evalset_problem *p = &es->problems[s->problem];
	json_object *o, *id;
	char *line = NULL;

	o = json_object_new_object();
	if (!o)
		return NULL;
	if (p->id_is_int)
		id = json_object_new_int64((int64_t)p->id_int);
	else
		id = json_object_new_string(p->task_id);
	json_object_object_add(o, "task_id", id);
	json_object_object_add(o, "sample",
			       json_object_new_int64((int64_t)s->index));
	json_object_object_add(o, "key", json_object_new_string(s->key));
	json_object_object_add(o, "passed", json_object_new_boolean(s->passed));
	json_object_object_add(
		o, "status",
		json_object_new_string(s->status ? s->status : ""));
	json_object_object_add(o, "summary",
			       summary ? json_object_get(summary) : NULL);
	line = strdup(json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return line;
}
