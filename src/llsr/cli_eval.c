#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llsr/b64.h"
#include "llsr/buf.h"
#include "llsr/cli_eval.h"
#include "llsr/evalset.h"
#include "llsr/passk.h"

enum batch_mode { BATCH_UNKNOWN, BATCH_ON, BATCH_OFF };

struct eval {
	struct cli_http *h;
	const struct cli_eval_opts *o;
	struct evalset es;
	FILE *results; /* NULL without --out */
	enum batch_mode mode;
	/* Most submissions per request that fit the server's
	 * max_batch_cost_ms, once a batch_too_costly answer told it; 0 until
	 * then (o->batch is the only limit). */
	size_t fit;
	size_t total, done; /* samples to run now, and run so far */
	struct timespec start;
	char err[1024];
};

static double
since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
progress(struct eval *ev, int last)
{
	char bar[31];
	double el, rate, eta;
	size_t i, fill;

	if (!ev->o->progress || !ev->total)
		return;
	el = since(&ev->start);
	rate = el > 0 ? (double)ev->done / el : 0;
	fill = ev->done * (sizeof(bar) - 1) / ev->total;
	for (i = 0; i < sizeof(bar) - 1; i++)
		bar[i] = i < fill ? '#' : '-';
	bar[sizeof(bar) - 1] = '\0';
	fprintf(stderr, "\r[%s] %zu/%zu  %.1f/s", bar, ev->done, ev->total,
		rate);
	if (rate > 0 && ev->done < ev->total) {
		eta = (double)(ev->total - ev->done) / rate;
		fprintf(stderr, "  ETA %ld:%02ld", (long)eta / 60,
			(long)eta % 60);
	}
	fputs("\033[K", stderr);
	if (last)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Prints a message on stderr, on a line of its own under the progress bar. */
static void warn(struct eval *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
warn(struct eval *ev, const char *fmt, ...)
{
	va_list ap;

	if (ev->o->progress)
		fputs("\r\033[K", stderr);
	fputs("llsr eval: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
add_b64(json_object *o, const char *key, const char *s)
{
	size_t n = strlen(s);
	char *enc;
	json_object *v;

	enc = malloc(b64_encoded_len(n) + 1);
	if (!enc)
		return -1;
	b64_encode((const unsigned char *)s, n, enc);
	v = json_object_new_string_len(enc, (int)b64_encoded_len(n));
	free(enc);
	if (!v)
		return -1;
	return json_object_object_add(o, key, v);
}

/* The JSON text of sample i's submission (caller frees), or NULL. */
static char *
submission(struct eval *ev, size_t i, size_t *len)
{
	const struct evalset_sample *s = &ev->es.samples[i];
	const struct evalset_problem *p = &ev->es.problems[s->problem];
	json_object *o;
	const char *txt;
	size_t n;
	char *out = NULL;

	o = json_object_new_object();
	if (!o || add_b64(o, "code", s->code) < 0 ||
	    add_b64(o, "tests", p->tests) < 0)
		goto out;
	if (p->entry_point &&
	    json_object_object_add(o, "entry_point",
				   json_object_new_string(p->entry_point)) < 0)
		goto out;
	if (ev->o->timeout_ms > 0 &&
	    json_object_object_add(o, "timeout_ms",
				   json_object_new_int64(ev->o->timeout_ms)) <
		    0)
		goto out;
	txt = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
	out = malloc(n + 1);
	if (out) {
		memcpy(out, txt, n + 1);
		*len = n;
	}
out:
	json_object_put(o);
	return out;
}

/* Records the result of sample i and appends its line. */
static int
record(struct eval *ev, size_t i, int passed, const char *status,
       json_object *summary)
{
	char *line;

	if (evalset_set_result(&ev->es, i, passed, status) < 0)
		goto nomem;
	ev->done++;
	if (!ev->results)
		return 0;
	line = evalset_result_line(&ev->es, i, summary);
	if (!line)
		goto nomem;
	fprintf(ev->results, "%s\n", line);
	free(line);
	return 0;
nomem:
	snprintf(ev->err, sizeof(ev->err), "out of memory");
	return -1;
}

/* Records a single-run answer object (borrowed) for sample i. */
static int
record_answer(struct eval *ev, size_t i, json_object *a)
{
	json_object *v, *summary = NULL;
	const char *status;

	if (!json_object_object_get_ex(a, "status", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		snprintf(ev->err, sizeof(ev->err),
			 "an answer without a status: %.200s",
			 json_object_to_json_string(a));
		return -1;
	}
	status = json_object_get_string(v);
	json_object_object_get_ex(a, "summary", &summary);
	return record(ev, i, !strcmp(status, "passed"), status, summary);
}

/* One request for sample i. */
static int
run_single(struct eval *ev, size_t i)
{
	struct cli_http_resp r;
	json_object *a = NULL;
	char *body;
	size_t len;
	int rc = -1;

	body = submission(ev, i, &len);
	if (!body) {
		snprintf(ev->err, sizeof(ev->err), "out of memory");
		return -1;
	}
	if (cli_http_post(ev->h, "/run_code", body, len, &r, ev->err,
			  sizeof(ev->err)) < 0) {
		free(body);
		return -1;
	}
	free(body);
	if (r.status == 413) {
		/* This sample alone is too large for the server: its result,
		 * not a reason to stop. */
		rc = record(ev, i, 0, "body_too_large", NULL);
		goto out;
	}
	if (r.status != 200) {
		cli_http_describe(&r, ev->err, sizeof(ev->err));
		goto out;
	}
	a = cli_http_parse(&r, ev->err, sizeof(ev->err));
	if (a)
		rc = record_answer(ev, i, a);
out:
	json_object_put(a);
	buf_release(&r.body);
	return rc;
}

static int
run_singles(struct eval *ev, const size_t *ids, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		if (run_single(ev, ids[k]) < 0)
			return -1;
		progress(ev, 0);
	}
	return 0;
}

static int run_batch(struct eval *ev, const size_t *ids, char **subs,
		     size_t *lens, size_t n);

/* A json integer member of o, or -1. */
static long long
member_ll(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	return (long long)json_object_get_int64(v);
}

/* r is a 400: when it is batch_too_costly, learns how many of these
 * submissions fit the server's cost cap (ev->fit) and runs the n of them
 * in batches that fit, or one request per sample when not even two do.
 * Returns 1 when r is something else (nothing done). */
static int
split_costly(struct eval *ev, const size_t *ids, char **subs, size_t *lens,
	     size_t n, const struct cli_http_resp *r)
{
	json_object *o, *e = NULL, *code;
	long long cost, cap;
	size_t fit, k, m;
	int costly;

	o = cli_http_parse(r, NULL, 0);
	if (o)
		json_object_object_get_ex(o, "error", &e);
	costly = e && json_object_object_get_ex(e, "code", &code) &&
		 json_object_is_type(code, json_type_string) &&
		 !strcmp(json_object_get_string(code), "batch_too_costly");
	cost = member_ll(e, "cost_ms");
	cap = member_ll(e, "max_cost_ms");
	json_object_put(o);
	if (!costly)
		return 1;
	/* Every submission of llsr's costs the same (one timeout_ms, or the
	 * server's), so the cap over one submission's cost is how many fit.
	 * A server that does not say halves the batch. */
	if (cost > 0 && cap > 0)
		fit = (size_t)(cap /
			       ((cost + (long long)n - 1) / (long long)n));
	else
		fit = n / 2;
	if (fit >= n) /* the server counts otherwise: never send n again */
		fit = n - 1;
	if ((!ev->fit || fit < ev->fit) && cost > 0 && cap > 0)
		warn(ev,
		     "a batch of %zu is over the server's batch cost limit "
		     "(%lld of %lld ms): %zu submission%s per request",
		     n, cost, cap, fit ? fit : 1, fit < 2 ? "" : "s");
	else if (!ev->fit || fit < ev->fit)
		warn(ev,
		     "a batch of %zu is over the server's batch cost limit: "
		     "%zu submission%s per request",
		     n, fit ? fit : 1, fit < 2 ? "" : "s");
	ev->fit = fit ? fit : 1;
	if (ev->fit < 2)
		return run_singles(ev, ids, n);
	for (k = 0; k < n; k += m) {
		m = n - k < ev->fit ? n - k : ev->fit;
		if (run_batch(ev, ids + k, subs + k, lens + k, m) < 0)
			return -1;
		progress(ev, 0);
	}
	return 0;
}

/* One batch request for samples ids[0..n) whose submissions are subs. */
static int
run_batch(struct eval *ev, const size_t *ids, char **subs, size_t *lens,
	  size_t n)
{
	struct cli_http_resp r;
	json_object *o = NULL, *results, *a;
	struct buf body;
	size_t k;
	int rc = -1;

	buf_init(&body, CLI_EVAL_BODY_BUDGET + (64u << 20));
	if (buf_append(&body, "{\"submissions\":[", 16) < 0)
		goto nomem;
	for (k = 0; k < n; k++) {
		if ((k && buf_append(&body, ",", 1) < 0) ||
		    buf_append(&body, subs[k], lens[k]) < 0)
			goto nomem;
	}
	if (buf_append(&body, "]}", 2) < 0)
		goto nomem;
	if (cli_http_post(ev->h, "/run_code", body.data, body.len, &r, ev->err,
			  sizeof(ev->err)) < 0)
		goto out_body;
	/* Sent: not held while a split sends its parts. */
	buf_release(&body);
	if (r.status == 400 && n > 1) {
		rc = split_costly(ev, ids, subs, lens, n, &r);
		if (rc <= 0) {
			buf_release(&r.body);
			goto out_body;
		}
		rc = -1;
	}
	if (r.status == 400 || r.status == 413) {
		if (r.status == 400 && ev->mode == BATCH_UNKNOWN) {
			char why[512];

			cli_http_describe(&r, why, sizeof(why));
			warn(ev,
			     "the server refused a batch (%s): one request per "
			     "sample",
			     why);
			ev->mode = BATCH_OFF;
		}
		buf_release(&r.body);
		rc = run_singles(ev, ids, n);
		goto out_body;
	}
	if (r.status != 200) {
		cli_http_describe(&r, ev->err, sizeof(ev->err));
		goto out;
	}
	o = cli_http_parse(&r, ev->err, sizeof(ev->err));
	if (!o)
		goto out;
	if (!json_object_object_get_ex(o, "results", &results) ||
	    !json_object_is_type(results, json_type_array) ||
	    json_object_array_length(results) != n) {
		snprintf(ev->err, sizeof(ev->err),
			 "a batch of %zu answered without %zu results: %.200s",
			 n, n, r.body.data);
		goto out;
	}
	ev->mode = BATCH_ON;
	for (k = 0; k < n; k++) {
		a = json_object_array_get_idx(results, k);
		/* An element that is not a verdict (an error object) is
		 * retried alone, which gives it the single-run semantics:
		 * 503s retried, a 413 recorded, anything else fatal. */
		if (a && json_object_is_type(a, json_type_object) &&
		    json_object_object_get_ex(a, "status", NULL)) {
			if (record_answer(ev, ids[k], a) < 0)
				goto out;
		} else if (run_single(ev, ids[k]) < 0) {
			goto out;
		}
	}
	rc = 0;
out:
	json_object_put(o);
	buf_release(&r.body);
out_body:
	buf_release(&body);
	return rc;
nomem:
	snprintf(ev->err, sizeof(ev->err), "out of memory");
	buf_release(&body);
	return -1;
}

/* Runs every sample not done yet, batch by batch. */
static int
run_all(struct eval *ev)
{
	size_t cap = ev->o->batch, most, n, k, bytes, next = 0, carry_len = 0;
	size_t *ids, *lens;
	char **subs, *carry = NULL;
	int rc = -1;

	ids = calloc(cap, sizeof(*ids));
	lens = calloc(cap, sizeof(*lens));
	subs = calloc(cap, sizeof(*subs));
	if (!ids || !lens || !subs)
		goto nomem;
	for (;;) {
		n = 0;
		bytes = 0;
		most = ev->fit && ev->fit < cap ? ev->fit : cap;
		while (next < ev->es.nsamples && n < most) {
			if (ev->es.samples[next].done) {
				next++;
				continue;
			}
			/* carry: a submission that did not fit the last batch
			 */
			if (!carry) {
				carry = submission(ev, next, &carry_len);
				if (!carry)
					goto nomem;
			}
			if (n && bytes + carry_len + 1 > CLI_EVAL_BODY_BUDGET)
				break;
			subs[n] = carry;
			lens[n] = carry_len;
			carry = NULL;
			bytes += lens[n] + 1;
			ids[n++] = next++;
		}
		if (!n)
			break;
		if (most == 1 || ev->mode == BATCH_OFF)
			rc = run_singles(ev, ids, n);
		else
			rc = run_batch(ev, ids, subs, lens, n);
		for (k = 0; k < n; k++) {
			free(subs[k]);
			subs[k] = NULL;
		}
		/* Whatever came back is kept, even when the batch failed. */
		if (ev->results &&
		    (fflush(ev->results) != 0 || ferror(ev->results))) {
			snprintf(ev->err, sizeof(ev->err), "%s: %s", ev->o->out,
				 strerror(errno));
			rc = -1;
		}
		if (rc < 0)
			goto out;
		progress(ev, 0);
	}
	rc = 0;
	goto out;
nomem:
	snprintf(ev->err, sizeof(ev->err), "out of memory");
out:
	free(carry);
	for (k = 0; subs && k < cap; k++)
		free(subs[k]);
	free(subs);
	free(lens);
	free(ids);
	return rc;
}

static void
report(struct eval *ev, FILE *out, size_t resumed)
{
	const struct evalset *es = &ev->es;
	unsigned long *n, *c, minn = 0;
	size_t i, t = 0, nstat = 0, j, empty = 0;
	struct count {
		const char *s;
		size_t n;
	} stat[16];
	double v;

	memset(stat, 0, sizeof(stat));
	fprintf(out, "%zu samples of %zu tasks: %zu run now, %zu from %s\n",
		es->nsamples, es->nproblems, ev->done, resumed,
		ev->o->out ? ev->o->out : "(no results file)");
	for (i = 0; i < es->nsamples; i++) {
		const char *s =
			es->samples[i].status ? es->samples[i].status : "";

		for (j = 0; j < nstat && strcmp(stat[j].s, s); j++)
			;
		if (j == nstat && nstat < sizeof(stat) / sizeof(stat[0]))
			stat[nstat++] = (struct count){s, 0};
		if (j < nstat)
			stat[j].n++;
	}
	fputs("status:", out);
	for (j = 0; j < nstat; j++)
		fprintf(out, "%s %s %zu", j ? "," : "", stat[j].s, stat[j].n);
	fputc('\n', out);

	n = calloc(es->nproblems + 1, sizeof(*n));
	c = calloc(es->nproblems + 1, sizeof(*c));
	if (!n || !c)
		goto out;
	for (i = 0; i < es->nproblems; i++) {
		const struct evalset_problem *p = &es->problems[i];

		if (!p->nsamples) {
			empty++;
			continue;
		}
		n[t] = p->nsamples;
		for (j = 0; j < p->nsamples; j++)
			c[t] += es->samples[p->samples[j]].passed ? 1 : 0;
		if (!t || n[t] < minn)
			minn = n[t];
		t++;
	}
	if (empty)
		fprintf(out, "%zu tasks without samples are left out\n", empty);
	for (j = 0; j < ev->o->nks; j++) {
		if (ev->o->ks[j] > minn)
			continue;
		if (passk_mean(n, c, t, ev->o->ks[j], &v) == 0)
			fprintf(out, "pass@%lu: %.4f\n", ev->o->ks[j], v);
	}
out:
	free(n);
	free(c);
}

int
cli_eval_run(struct cli_http *h, const struct cli_eval_opts *o, FILE *out)
{
	struct eval ev;
	size_t i, resumed = 0, ignored = 0;
	int nl = 1, rc = 2;

	memset(&ev, 0, sizeof(ev));
	ev.h = h;
	ev.o = o;
	evalset_init(&ev.es);
	if (evalset_load_problems(&ev.es, o->problems, ev.err, sizeof(ev.err)) <
		    0 ||
	    evalset_load_samples(&ev.es, o->samples, ev.err, sizeof(ev.err)) <
		    0)
		goto fail;
	if (!ev.es.nsamples) {
		snprintf(ev.err, sizeof(ev.err), "%s: no samples", o->samples);
		goto fail;
	}
	if (o->out) {
		if (evalset_load_results(&ev.es, o->out, &resumed, &ignored,
					 &nl, ev.err, sizeof(ev.err)) < 0)
			goto fail;
		if (ignored)
			warn(&ev, "%s: %zu lines name no sample of %s; ignored",
			     o->out, ignored, o->samples);
		ev.results = fopen(o->out, "a");
		if (!ev.results) {
			snprintf(ev.err, sizeof(ev.err), "%s: %s", o->out,
				 strerror(errno));
			goto fail;
		}
		/* A line cut short by a killed run must not swallow ours. */
		if (!nl)
			fputc('\n', ev.results);
	}
	for (i = 0; i < ev.es.nsamples; i++)
		ev.total += ev.es.samples[i].done ? 0 : 1;
	clock_gettime(CLOCK_MONOTONIC, &ev.start);
	progress(&ev, 0);
	if (run_all(&ev) < 0) {
		progress(&ev, 1);
		goto fail;
	}
	progress(&ev, 1);
	if (ev.results) {
		if (fclose(ev.results) != 0) {
			ev.results = NULL;
			snprintf(ev.err, sizeof(ev.err), "%s: %s", o->out,
				 strerror(errno));
			goto fail;
		}
		ev.results = NULL;
	}
	report(&ev, out, resumed);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "llsr eval: %s\n", ev.err);
	if (ev.done && o->out)
		fprintf(stderr,
			"llsr eval: %zu results are in %s; run again to resume\n",
			ev.done, o->out);
out:
	if (ev.results)
		fclose(ev.results);
	evalset_release(&ev.es);
	return rc;
}
