#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	int fd; /* the results file, O_APPEND; -1 without --out */
	enum batch_mode mode;
	/* Most submissions per request that fit the server's
	 * max_batch_cost_ms, once a batch_too_costly answer told it; 0 until
	 * then (o->batch is the only limit). */
	size_t fit;
	size_t total, done; /* samples to run now, and run so far */
	size_t lost;	    /* samples left without a result (HTTP timeout) */
	struct timespec start;
	double drawn; /* since(start) when progress was last shown */
	char err[1024];
};

/* Set by SIGINT: the run stops at the next tick and keeps what it wrote. */
static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	interrupted = 1;
}

static double
since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Shows how far the run is on stderr: on a terminal a bar redrawn in place
 * (at most 10 times a second); elsewhere (CI, nohup) a plain line every
 * CLI_EVAL_PROGRESS_S seconds. last: the run is over (the bar ends its
 * line; no plain line is added). */
static void
progress(struct eval *ev, int last)
{
	char bar[31];
	double el, rate, eta;
	size_t i, fill;

	if (!ev->total)
		return;
	el = since(&ev->start);
	if (!ev->o->tty && (last || el - ev->drawn < CLI_EVAL_PROGRESS_S))
		return;
	if (ev->o->tty && !last && ev->drawn > 0 && el - ev->drawn < 0.1)
		return;
	ev->drawn = el;
	rate = el > 0 ? (double)ev->done / el : 0;
	if (!ev->o->tty) {
		fprintf(stderr,
			"llsr eval: progress %zu/%zu samples, %.1f/s, %ld:%02ld "
			"elapsed",
			ev->done, ev->total, rate, (long)el / 60,
			(long)el % 60);
		if (rate > 0 && ev->done < ev->total) {
			eta = (double)(ev->total - ev->done) / rate;
			fprintf(stderr, ", ETA %ld:%02ld", (long)eta / 60,
				(long)eta % 60);
		}
		fputc('\n', stderr);
		fflush(stderr);
		return;
	}
	fill = ev->done * (sizeof(bar) - 1) / ev->total;
	for (i = 0; i < sizeof(bar) - 1; i++)
		bar[i] = i < fill ? '#' : '-';
	bar[sizeof(bar) - 1] = '\0';
	fprintf(stderr, "\r[%s] %zu/%zu  %.1f/s  %ld:%02ld", bar, ev->done,
		ev->total, rate, (long)el / 60, (long)el % 60);
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

/* cli_http's tick: keeps the progress moving while a batch is out, and
 * abandons the request on SIGINT. */
static int
tick(void *arg)
{
	progress(arg, 0);
	return interrupted ? 1 : 0;
}

/* Prints a message on stderr, on a line of its own under the progress bar. */
static void warn(struct eval *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
warn(struct eval *ev, const char *fmt, ...)
{
	va_list ap;

	if (ev->o->tty)
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
	    (p->tests && add_b64(o, "tests", p->tests) < 0))
		goto out;
	if (p->cases &&
	    json_object_object_add(o, "cases", json_object_get(p->cases)) < 0)
		goto out;
	if (p->cases && ev->o->compare &&
	    json_object_object_add(o, "compare",
				   json_object_new_string(ev->o->compare)) < 0)
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
	char *line, *p;
	size_t n;
	ssize_t w;

	if (evalset_set_result(&ev->es, i, passed, status) < 0)
		goto nomem;
	ev->done++;
	progress(ev, 0);
	if (ev->fd < 0)
		return 0;
	line = evalset_result_line(&ev->es, i, summary);
	if (!line)
		goto nomem;
	/* The line and its newline in one write(2) to an O_APPEND file: no
	 * stdio buffer holds half a line when the process is killed. */
	n = strlen(line);
	line[n++] = '\n';
	for (p = line; n; p += w, n -= (size_t)w) {
		w = write(ev->fd, p, n);
		if (w < 0 && errno == EINTR) {
			w = 0;
			continue;
		}
		if (w <= 0) {
			snprintf(ev->err, sizeof(ev->err), "%s: %s", ev->o->out,
				 w < 0 ? strerror(errno) : "short write");
			free(line);
			return -1;
		}
	}
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

/* Sample i alone got no answer within --http-timeout: it is left without a
 * result (a rerun tries it again) and the run goes on. */
static int
lose(struct eval *ev, size_t i)
{
	const struct evalset_sample *s = &ev->es.samples[i];

	warn(ev,
	     "task %s sample %zu: no answer in %ld s (--http-timeout): no "
	     "result; run again to retry it",
	     ev->es.problems[s->problem].task_id, s->index, ev->h->timeout_s);
	ev->lost++;
	return 0;
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
		return ev->h->failure == CLI_HTTP_TIMEOUT ? lose(ev, i) : -1;
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

/* The batch ids[0..n) got no answer within --http-timeout: one slow
 * sample must not cost the others their results, so the batch is run
 * again in two halves (and so on down to single samples, which are left
 * without a result: lose). */
static int
split_slow(struct eval *ev, const size_t *ids, char **subs, size_t *lens,
	   size_t n)
{
	size_t half = n / 2;

	if (n == 1)
		return lose(ev, ids[0]);
	warn(ev,
	     "a batch of %zu got no answer in %ld s (--http-timeout): "
	     "split into %zu and %zu",
	     n, ev->h->timeout_s, half, n - half);
	if (run_batch(ev, ids, subs, lens, half) < 0)
		return -1;
	return run_batch(ev, ids + half, subs + half, lens + half, n - half);
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
			  sizeof(ev->err)) < 0) {
		if (ev->h->failure == CLI_HTTP_TIMEOUT) {
			buf_release(&body);
			rc = split_slow(ev, ids, subs, lens, n);
		}
		goto out_body;
	}
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

static int
has_cases(const struct eval *ev, size_t i)
{
	return ev->es.problems[ev->es.samples[i].problem].cases != NULL;
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
		int alone = 0;

		n = 0;
		bytes = 0;
		most = ev->fit && ev->fit < cap ? ev->fit : cap;
		while (next < ev->es.nsamples && n < most && !alone) {
			if (ev->es.samples[next].done) {
				next++;
				continue;
			}
			/* Program cases are not taken in a batch: such a
			 * sample goes alone, after the batch before it. */
			if (has_cases(ev, next)) {
				if (n)
					break;
				alone = 1;
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
		if (alone || most == 1 || ev->mode == BATCH_OFF)
			rc = run_singles(ev, ids, n);
		else
			rc = run_batch(ev, ids, subs, lens, n);
		for (k = 0; k < n; k++) {
			free(subs[k]);
			subs[k] = NULL;
		}
		if (rc < 0)
			goto out;
		if (interrupted) {
			snprintf(ev->err, sizeof(ev->err), "interrupted");
			rc = -1;
			goto out;
		}
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
add_count(json_object *o, const char *key, size_t n)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)n));
}

/* Prints the summary: text, or one JSON object with --json. A k over the
 * fewest samples of a task cannot be estimated: it is named on stderr (and
 * in the JSON's "k_not_reported"), never dropped without a word. With
 * samples left without a result, pass@k is not computed at all. */
static int
report(struct eval *ev, FILE *out, size_t resumed)
{
	const struct evalset *es = &ev->es;
	unsigned long *n = NULL, *c = NULL, minn = 0;
	size_t i, t = 0, nstat = 0, j, empty = 0, pending = 0;
	struct count {
		const char *s;
		size_t n;
	} stat[16];
	json_object *doc = NULL, *st = NULL, *pk = NULL, *skipped = NULL, *val;
	char name[32];
	double v;
	int rc = -1;

	memset(stat, 0, sizeof(stat));
	for (i = 0; i < es->nsamples; i++) {
		const char *s =
			es->samples[i].status ? es->samples[i].status : "";

		if (!es->samples[i].done) {
			pending++;
			continue;
		}
		for (j = 0; j < nstat && strcmp(stat[j].s, s); j++)
			;
		if (j == nstat && nstat < sizeof(stat) / sizeof(stat[0]))
			stat[nstat++] = (struct count){s, 0};
		if (j < nstat)
			stat[j].n++;
	}
	n = calloc(es->nproblems + 1, sizeof(*n));
	c = calloc(es->nproblems + 1, sizeof(*c));
	doc = json_object_new_object();
	st = json_object_new_object();
	pk = json_object_new_object();
	skipped = json_object_new_array();
	if (!n || !c || !doc || !st || !pk || !skipped)
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
	for (j = 0; j < nstat; j++)
		add_count(st, stat[j].s, stat[j].n);
	for (j = 0; j < ev->o->nks && !pending; j++) {
		if (ev->o->ks[j] > minn) {
			warn(ev,
			     "pass@%lu not reported: a task has only %lu "
			     "sample%s (k must be at most the fewest samples "
			     "of a task)",
			     ev->o->ks[j], minn, minn == 1 ? "" : "s");
			json_object_array_add(
				skipped,
				json_object_new_int64((int64_t)ev->o->ks[j]));
			continue;
		}
		if (passk_mean(n, c, t, ev->o->ks[j], &v) == 0) {
			snprintf(name, sizeof(name), "pass@%lu", ev->o->ks[j]);
			json_object_object_add(pk, name,
					       json_object_new_double(v));
		}
	}
	if (ev->o->json) {
		add_count(doc, "samples", es->nsamples);
		add_count(doc, "tasks", es->nproblems);
		add_count(doc, "tasks_without_samples", empty);
		add_count(doc, "run_now", ev->done);
		add_count(doc, "resumed", resumed);
		add_count(doc, "without_result", pending);
		json_object_object_add(
			doc, "results_file",
			ev->o->out ? json_object_new_string(ev->o->out) : NULL);
		json_object_object_add(doc, "status", st);
		st = NULL;
		json_object_object_add(doc, "pass_at_k", pending ? NULL : pk);
		if (!pending)
			pk = NULL;
		json_object_object_add(doc, "k_not_reported", skipped);
		skipped = NULL;
		fprintf(out, "%s\n",
			json_object_to_json_string_ext(
				doc, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE));
		rc = 0;
		goto out;
	}
	fprintf(out, "%zu samples of %zu tasks: %zu run now, %zu from %s\n",
		es->nsamples, es->nproblems, ev->done, resumed,
		ev->o->out ? ev->o->out : "(no results file)");
	fputs("status:", out);
	for (j = 0; j < nstat; j++)
		fprintf(out, "%s %s %zu", j ? "," : "", stat[j].s, stat[j].n);
	fputc('\n', out);
	if (empty)
		fprintf(out, "%zu tasks without samples are left out\n", empty);
	if (pending)
		fprintf(out,
			"%zu samples have no result: pass@k is not "
			"reported\n",
			pending);
	for (j = 0; j < ev->o->nks; j++) {
		snprintf(name, sizeof(name), "pass@%lu", ev->o->ks[j]);
		if (json_object_object_get_ex(pk, name, &val))
			fprintf(out, "%s: %.4f\n", name,
				json_object_get_double(val));
	}
	rc = 0;
out:
	json_object_put(doc);
	json_object_put(st);
	json_object_put(pk);
	json_object_put(skipped);
	free(n);
	free(c);
	return rc;
}

/* Refuses tasks that have samples but no test: every sample would pass
 * (or come back no_tests) whatever it does, and pass@k would be made up. */
static int
check_tests(struct eval *ev)
{
	const struct evalset *es = &ev->es;
	size_t i, bad = 0, len = 0;

	ev->err[0] = '\0';
	for (i = 0; i < es->nproblems; i++) {
		const struct evalset_problem *p = &es->problems[i];

		if (!p->nsamples || p->ntests)
			continue;
		if (!bad)
			len += (size_t)snprintf(ev->err, sizeof(ev->err),
						"%s: task_id %s",
						ev->o->problems, p->task_id);
		else if (bad < 5 && len < sizeof(ev->err))
			len += (size_t)snprintf(ev->err + len,
						sizeof(ev->err) - len, ", %s",
						p->task_id);
		bad++;
	}
	if (!bad)
		return 0;
	if (len < sizeof(ev->err))
		snprintf(ev->err + len, sizeof(ev->err) - len,
			 "%s: %zu task%s with samples but no test (an empty "
			 "test_list, test, input_output or test cases, or "
			 "the tests under another "
			 "name): nothing judged",
			 bad > 5 ? ", ..." : "", bad, bad == 1 ? "" : "s");
	return -1;
}

int
cli_eval_run(struct cli_http *h, const struct cli_eval_opts *o, FILE *out)
{
	struct evalset_resume res;
	struct sigaction sa, old_int;
	struct eval ev;
	size_t i, resumed = 0;
	int rc = 2, sig = 0;

	memset(&ev, 0, sizeof(ev));
	memset(&res, 0, sizeof(res));
	ev.h = h;
	ev.o = o;
	ev.fd = -1;
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
	if (check_tests(&ev) < 0)
		goto fail;
	ev.es.compare = o->compare;
	evalset_set_keys(&ev.es, o->timeout_ms);
	if (o->out) {
		if (evalset_load_results(&ev.es, o->out, &res, ev.err,
					 sizeof(ev.err)) < 0)
			goto fail;
		resumed = res.marked;
		if (res.stale)
			warn(&ev,
			     "%s: %zu results are of other code, tests or "
			     "limits than these samples (another run's): "
			     "dropped from the file, run again",
			     o->out, res.stale);
		if (res.cut)
			warn(&ev,
			     "%s: the last line was cut short (a run killed "
			     "while writing it): dropped from the file",
			     o->out);
		if (res.broken)
			warn(&ev,
			     "%s: %zu lines are not JSON objects: dropped "
			     "from the file",
			     o->out, res.broken);
		if (res.other)
			warn(&ev,
			     "%s: %zu lines name no sample of %s: kept, "
			     "not counted",
			     o->out, res.other, o->samples);
		ev.fd = open(o->out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			     0666);
		if (ev.fd < 0) {
			snprintf(ev.err, sizeof(ev.err), "%s: %s", o->out,
				 strerror(errno));
			goto fail;
		}
	}
	for (i = 0; i < ev.es.nsamples; i++)
		ev.total += ev.es.samples[i].done ? 0 : 1;
	interrupted = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sig = 1;
	h->tick = tick;
	/* Borrowed for this call only: both are cleared before returning. */
	/* cppcheck-suppress autoVariables */
	h->tick_arg = &ev;
	clock_gettime(CLOCK_MONOTONIC, &ev.start);
	if (run_all(&ev) < 0) {
		progress(&ev, 1);
		goto fail;
	}
	progress(&ev, 1);
	if (ev.fd >= 0) {
		if (close(ev.fd) != 0) {
			ev.fd = -1;
			snprintf(ev.err, sizeof(ev.err), "%s: %s", o->out,
				 strerror(errno));
			goto fail;
		}
		ev.fd = -1;
	}
	if (report(&ev, out, resumed) < 0) {
		snprintf(ev.err, sizeof(ev.err), "out of memory");
		goto fail;
	}
	if (ev.lost) {
		warn(&ev,
		     "%zu samples got no answer within --http-timeout: no "
		     "result for them%s",
		     ev.lost, o->out ? "; run again to retry them" : "");
		goto out;
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "llsr eval: %s\n", ev.err);
	if (interrupted)
		rc = 130;
	if (ev.total)
		fprintf(stderr, "llsr eval: %zu of %zu samples run now%s%s%s\n",
			ev.done, ev.total, ev.done && o->out ? ", in " : "",
			ev.done && o->out ? o->out : "",
			o->out ? "; run again to resume" : "");
out:
	if (sig)
		sigaction(SIGINT, &old_int, NULL);
	h->tick = NULL;
	h->tick_arg = NULL;
	if (ev.fd >= 0)
		close(ev.fd);
	evalset_release(&ev.es);
	return rc;
}
