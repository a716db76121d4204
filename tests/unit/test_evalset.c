#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llsr/evalset.h"
#include "llsr/evalset_cases.h"
#include "tap_main.h"

static char paths[8][64];
static int npaths;

/* Writes text to a new temporary file; returns its path (removed at the end
 * of the test by cleanup). */
static const char *
tmpfile_with(const char *text)
{
	char *p;
	FILE *f;
	int fd;

	ck_assert_int_lt(npaths, 8);
	p = paths[npaths++];
	snprintf(p, sizeof(paths[0]), "/tmp/llsr-evalset.XXXXXX");
	fd = mkstemp(p);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	return p;
}

static void
cleanup(void)
{
	while (npaths > 0)
		unlink(paths[--npaths]);
}

static json_object *
js(const char *text)
{
	json_object *o = json_tokener_parse(text);

	ck_assert_ptr_nonnull(o);
	return o;
}

/* Parses one problem; returns what evalset_problem_parse returned. */
static int
problem(const char *text, struct evalset_problem *p, char *err)
{
	json_object *o = js(text);
	int rc = evalset_problem_parse(o, p, err, 256);

	json_object_put(o);
	return rc;
}

static const char he[] =
	"{\"task_id\": \"HumanEval/0\", \"prompt\": \"def f(x):\\n\","
	" \"canonical_solution\": \"    return x\\n\","
	" \"test\": \"def check(c):\\n    assert c(1) == 1\\n\","
	" \"entry_point\": \"f\"}";
static const char mbpp[] =
	"{\"task_id\": 2, \"prompt\": \"Write a function.\","
	" \"code\": \"def g(): return 1\","
	" \"test_imports\": [\"import math\", \"\"],"
	" \"test_setup_code\": \"x = 1\","
	" \"test_list\": [\"assert g() == 1\", \"assert g() != 2\"]}";

START_TEST(humaneval_problem)
{
	struct evalset_problem p;
	char err[256] = "";

	ck_assert_int_eq(problem(he, &p, err), 0);
	ck_assert_int_eq(p.format, EVALSET_HUMANEVAL);
	ck_assert_str_eq(p.task_id, "HumanEval/0");
	ck_assert_int_eq(p.id_is_int, 0);
	ck_assert_str_eq(p.prompt, "def f(x):\n");
	ck_assert_str_eq(p.tests, "def check(c):\n    assert c(1) == 1\n");
	ck_assert_str_eq(p.entry_point, "f");
	evalset_problem_release(&p);
	evalset_problem_release(NULL);
}
END_TEST

START_TEST(mbpp_problem)
{
	struct evalset_problem p;
	char err[256] = "";

	ck_assert_int_eq(problem(mbpp, &p, err), 0);
	ck_assert_int_eq(p.format, EVALSET_MBPP);
	ck_assert_str_eq(p.task_id, "2");
	ck_assert_int_eq(p.id_is_int, 1);
	ck_assert_int_eq(p.id_int, 2);
	ck_assert_ptr_null(p.entry_point);
	ck_assert_ptr_null(p.prompt);
	ck_assert_str_eq(p.tests, "import math\nx = 1\nassert g() == 1\n"
				  "assert g() != 2\n");
	evalset_problem_release(&p);

	/* Only test_list is needed; MBPP wins over HumanEval fields. */
	ck_assert_int_eq(problem("{\"task_id\": 7, \"test\": \"t\","
				 " \"entry_point\": \"f\","
				 " \"test_list\": [\"assert 1\"]}",
				 &p, err),
			 0);
	ck_assert_int_eq(p.format, EVALSET_MBPP);
	ck_assert_str_eq(p.tests, "assert 1\n");
	evalset_problem_release(&p);
}
END_TEST

START_TEST(bad_problems)
{
	static const char *bad[] = {
		"[]",
		"{\"prompt\": \"x\", \"test\": \"t\", \"entry_point\": \"f\"}",
		"{\"task_id\": 1.5, \"test_list\": []}",
		"{\"task_id\": \"a\", \"prompt\": \"x\"}",
		"{\"task_id\": \"a\", \"test\": \"t\"}",
		"{\"task_id\": \"a\", \"test\": \"t\", \"entry_point\": 3}",
		"{\"task_id\": \"a\", \"test\": \"t\", \"entry_point\": \"\"}",
		"{\"task_id\": \"a\", \"test_list\": \"assert 1\"}",
		"{\"task_id\": \"a\", \"test_list\": [1]}",
		"{\"task_id\": \"a\", \"test_list\": [], \"test_imports\": \"x\"}",
		"{\"task_id\": \"a\", \"test_list\": [], \"test_setup_code\": 1}",
	};
	struct evalset_problem p;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(problem(bad[i], &p, err) == -1, "accepted %s",
			      bad[i]);
		ck_assert_msg(err[0], "no message for %s", bad[i]);
	}
}
END_TEST

static char *
code_of(const char *prob, const char *sample, int *rc)
{
	struct evalset_problem p;
	json_object *s = js(sample);
	char err[256], *code = NULL;

	ck_assert_int_eq(problem(prob, &p, err), 0);
	*rc = evalset_sample_code(&p, s, &code, err, sizeof(err));
	json_object_put(s);
	evalset_problem_release(&p);
	return code;
}

START_TEST(sample_mapping)
{
	char *c;
	int rc;

	c = code_of(he,
		    "{\"task_id\": \"HumanEval/0\", \"completion\": "
		    "\"    return x\\n\"}",
		    &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(c, "def f(x):\n    return x\n");
	free(c);
	/* completion wins over solution for HumanEval */
	c = code_of(he,
		    "{\"task_id\": \"HumanEval/0\", \"completion\": \"A\","
		    " \"solution\": \"B\"}",
		    &rc);
	ck_assert_str_eq(c, "def f(x):\nA");
	free(c);
	c = code_of(he,
		    "{\"task_id\": \"HumanEval/0\", \"solution\": \"S\","
		    " \"code\": \"C\"}",
		    &rc);
	ck_assert_str_eq(c, "S");
	free(c);
	c = code_of(he, "{\"task_id\": \"HumanEval/0\", \"code\": \"C\"}", &rc);
	ck_assert_str_eq(c, "C");
	free(c);
	/* MBPP: a completion is the whole program */
	c = code_of(mbpp, "{\"task_id\": 2, \"completion\": \"K\"}", &rc);
	ck_assert_str_eq(c, "K");
	free(c);
	c = code_of(mbpp,
		    "{\"task_id\": 2, \"completion\": \"K\","
		    " \"code\": \"C\"}",
		    &rc);
	ck_assert_str_eq(c, "C");
	free(c);
	c = code_of(mbpp, "{\"task_id\": 2}", &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_null(c);
	c = code_of(mbpp, "{\"task_id\": 2, \"code\": 5}", &rc);
	ck_assert_int_eq(rc, -1);
}
END_TEST

START_TEST(load_jsonl_and_array)
{
	struct evalset es;
	char err[512];
	const char *probs, *samples, *arr;

	probs = tmpfile_with("\n{\"task_id\": 2, \"test_list\": [\"assert "
			     "f()\"]}\n\n{\"task_id\": \"b\", \"test\": \"t\","
			     " \"entry_point\": \"f\", \"prompt\": \"P\"}\r\n");
	samples = tmpfile_with("{\"task_id\": \"b\", \"completion\": \"1\"}\n"
			       "{\"task_id\": \"2\", \"code\": \"x\"}\n"
			       "{\"task_id\": \"b\", \"completion\": \"2\"}\n"
			       "{\"task_id\": 2, \"solution\": \"y\"}");
	evalset_init(&es);
	ck_assert_int_eq(evalset_load_problems(&es, probs, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(es.nproblems, 2);
	ck_assert_int_eq(evalset_load_samples(&es, samples, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(es.nsamples, 4);
	ck_assert_uint_eq(es.samples[0].problem, 1);
	ck_assert_uint_eq(es.samples[0].index, 0);
	ck_assert_str_eq(es.samples[0].code, "P1");
	ck_assert_uint_eq(es.samples[1].problem, 0);
	ck_assert_uint_eq(es.samples[1].index, 0);
	ck_assert_uint_eq(es.samples[2].index, 1);
	ck_assert_str_eq(es.samples[2].code, "P2");
	ck_assert_uint_eq(es.samples[3].index, 1);
	ck_assert_str_eq(es.samples[3].code, "y");
	ck_assert_uint_eq(es.problems[0].nsamples, 2);
	ck_assert_uint_eq(es.problems[0].samples[1], 3);
	evalset_release(&es);
	evalset_release(NULL);

	/* The MBPP file ships as one JSON array. */
	arr = tmpfile_with(" [{\"task_id\": 11, \"test_list\": [\"assert 1\"]},"
			   "\n {\"task_id\": 12, \"test_list\": []}]\n");
	evalset_init(&es);
	ck_assert_int_eq(evalset_load_problems(&es, arr, err, sizeof(err)), 0);
	ck_assert_uint_eq(es.nproblems, 2);
	ck_assert_str_eq(es.problems[1].task_id, "12");
	evalset_release(&es);
	cleanup();
}
END_TEST

/* Loading path as problems (samples when probs is given) fails with a
 * message containing want. */
static void
expect_load_error(const char *probs, const char *text, const char *want)
{
	struct evalset es;
	char err[512] = "";
	const char *path = tmpfile_with(text);
	int rc;

	evalset_init(&es);
	if (probs) {
		ck_assert_int_eq(
			evalset_load_problems(&es, probs, err, sizeof(err)), 0);
		rc = evalset_load_samples(&es, path, err, sizeof(err));
	} else {
		rc = evalset_load_problems(&es, path, err, sizeof(err));
	}
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, want) && strstr(err, path), "'%s' lacks '%s'",
		      err, want);
	evalset_release(&es);
}

START_TEST(load_errors)
{
	struct evalset es;
	char err[512];
	const char *probs;

	expect_load_error(NULL, "{\"task_id\": 1, \"test_list\": []}\n{oops\n",
			  ":2: not one JSON value");
	expect_load_error(NULL,
			  "{\"task_id\": 1, \"test_list\": []}\n"
			  "{\"task_id\": \"1\", \"test_list\": []}\n",
			  ":2: task_id 1 appears twice");
	expect_load_error(NULL, "{\"task_id\": 1, \"test_list\": []} {}\n",
			  ":1: not one JSON value");
	expect_load_error(NULL, "[{\"task_id\": 1}]", "element 0");
	expect_load_error(NULL, "[{\"task_id\": 1, \"test_list\": []}",
			  "not one JSON array");
	probs = tmpfile_with("{\"task_id\": 1, \"test_list\": []}\n");
	expect_load_error(probs, "{\"task_id\": 3, \"code\": \"x\"}\n",
			  ":1: task_id 3 is not in the problems");
	expect_load_error(probs, "\n{\"task_id\": 1}\n", ":2: no completion");

	evalset_init(&es);
	ck_assert_int_eq(evalset_load_problems(&es, "/nonexistent/p.jsonl", err,
					       sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/p.jsonl"));
	evalset_release(&es);
	cleanup();
}
END_TEST

/* The text of path, whole (caller frees). */
static char *
contents(const char *path)
{
	char *s;
	long n;
	FILE *f = fopen(path, "rb");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

static void
load(struct evalset *es, const char *probs, const char *samples, long t)
{
	char err[512];

	evalset_init(es);
	ck_assert_int_eq(evalset_load_problems(es, probs, err, sizeof(err)),
			 0);
	ck_assert_int_eq(evalset_load_samples(es, samples, err, sizeof(err)),
			 0);
	evalset_set_keys(es, t);
}

START_TEST(results_resume)
{
	struct evalset es;
	struct evalset_resume r;
	json_object *sum;
	char err[512], *line, *text, buf[2048], k1[65], k2[65];
	const char *probs, *samples, *res;

	probs = tmpfile_with("{\"task_id\": 2, \"test_list\": [\"assert 1\"]}\n"
			     "{\"task_id\": \"H/1\", \"test\": \"t\","
			     " \"entry_point\": \"f\", \"prompt\": \"\"}\n");
	samples = tmpfile_with("{\"task_id\": 2, \"code\": \"a\"}\n"
			       "{\"task_id\": \"H/1\", \"completion\": \"b\"}\n"
			       "{\"task_id\": 2, \"code\": \"c\"}\n");
	load(&es, probs, samples, 0);

	/* The line format: task_id keeps its type; the key is 64 hex. */
	sum = js("{\"total\": 1, \"passed\": 1}");
	ck_assert_int_eq(evalset_set_result(&es, 2, 1, "passed"), 0);
	line = evalset_result_line(&es, 2, sum);
	snprintf(buf, sizeof(buf),
		 "{\"task_id\":2,\"sample\":1,\"key\":\"%s\",\"passed\":true,"
		 "\"status\":\"passed\",\"summary\":{\"total\":1,"
		 "\"passed\":1}}",
		 es.samples[2].key);
	ck_assert_str_eq(line, buf);
	ck_assert_uint_eq(strspn(es.samples[2].key, "0123456789abcdef"), 64);
	free(line);
	json_object_put(sum);
	ck_assert_int_eq(evalset_set_result(&es, 1, 0, "error"), 0);
	line = evalset_result_line(&es, 1, NULL);
	snprintf(buf, sizeof(buf),
		 "{\"task_id\":\"H/1\",\"sample\":0,\"key\":\"%s\",\"passed\":"
		 "false,\"status\":\"error\",\"summary\":null}",
		 es.samples[1].key);
	ck_assert_str_eq(line, buf);
	free(line);
	/* The key changes with the code and with the limits. */
	ck_assert_str_ne(es.samples[0].key, es.samples[2].key);
	memcpy(k1, es.samples[0].key, sizeof(k1));
	evalset_set_keys(&es, 3000);
	memcpy(k2, es.samples[0].key, sizeof(k2));
	ck_assert_str_ne(k1, k2);
	evalset_set_keys(&es, 0);
	ck_assert_str_eq(es.samples[0].key, k1);

	/* Resume: a line of a loaded sample with its key marks it; another
	 * key (other code: the stale result of another run) or no key does
	 * not and is dropped; lines for unknown tasks or samples are kept;
	 * a line that is not JSON and a cut-short last line are dropped. */
	snprintf(buf, sizeof(buf),
		 "{\"task_id\":2,\"sample\":1,\"key\":\"%s\",\"passed\":true,"
		 "\"status\":\"passed\",\"summary\":null}\n"
		 "{\"task_id\":\"2\",\"sample\":7,\"passed\":true}\n"
		 "{\"task_id\":99,\"sample\":0,\"passed\":true}\n"
		 "\n"
		 "{\"task_id\":\"H/1\",\"sample\":0,\"key\":\"%s\","
		 "\"passed\":false,\"status\":\"failed\"}\n"
		 "{\"task_id\":2,\"sample\":0,\"key\":\"%s\","
		 "\"passed\":true,\"status\":\"passed\"}\n"
		 "{\"task_id\":2,\"sample\":0,\"passed\":true}\n"
		 "not json\n"
		 "{\"task_id\":2,\"sample\":0,\"pas",
		 es.samples[2].key, es.samples[1].key, es.samples[2].key);
	evalset_release(&es);
	res = tmpfile_with(buf);
	load(&es, probs, samples, 0);
	ck_assert_int_eq(evalset_load_results(&es, res, &r, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(r.marked, 2);
	ck_assert_uint_eq(r.other, 2);
	ck_assert_uint_eq(r.stale, 2);
	ck_assert_uint_eq(r.broken, 1);
	ck_assert_int_eq(r.cut, 1);
	ck_assert_int_eq(es.samples[0].done, 0);
	ck_assert_int_eq(es.samples[1].done, 1);
	ck_assert_int_eq(es.samples[1].passed, 0);
	ck_assert_str_eq(es.samples[1].status, "failed");
	ck_assert_int_eq(es.samples[2].done, 1);
	ck_assert_int_eq(es.samples[2].passed, 1);
	/* The file now holds the whole lines that were kept, and only
	 * them. */
	text = contents(res);
	ck_assert_ptr_null(strstr(text, "not json"));
	ck_assert_ptr_null(strstr(text, "\"pas\n"));
	ck_assert_ptr_null(strstr(text, "{\"task_id\":2,\"sample\":0,\"passed\""));
	ck_assert_ptr_nonnull(strstr(text, "\"sample\":7"));
	ck_assert_int_eq(text[strlen(text) - 1], '\n');
	free(text);
	evalset_release(&es);

	/* The same file read with another timeout: every key differs. */
	load(&es, probs, samples, 5000);
	ck_assert_int_eq(evalset_load_results(&es, res, &r, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(r.marked, 0);
	ck_assert_uint_eq(r.stale, 2);

	/* No results file yet: nothing done. */
	ck_assert_int_eq(evalset_load_results(&es, "/tmp/llsr-evalset-none",
					      &r, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(r.marked, 0);
	ck_assert_int_eq(r.cut, 0);
	evalset_release(&es);
	cleanup();
}
END_TEST

START_TEST(zero_tests)
{
	struct evalset_problem p;
	char err[256];

	ck_assert_int_eq(problem("{\"task_id\": 1, \"test_list\": []}", &p,
				 err),
			 0);
	ck_assert_uint_eq(p.ntests, 0);
	evalset_problem_release(&p);
	ck_assert_int_eq(problem("{\"task_id\": 1, \"test_list\": [\"\"],"
				 " \"test_imports\": [\"import math\"]}",
				 &p, err),
			 0);
	ck_assert_uint_eq(p.ntests, 0);
	evalset_problem_release(&p);
	ck_assert_int_eq(problem("{\"task_id\": 1, \"test_list\": [\"assert "
				 "1\", \"assert 2\"]}",
				 &p, err),
			 0);
	ck_assert_uint_eq(p.ntests, 2);
	evalset_problem_release(&p);
	ck_assert_int_eq(problem("{\"task_id\": \"H\", \"test\": \" \\n\","
				 " \"entry_point\": \"f\"}",
				 &p, err),
			 0);
	ck_assert_uint_eq(p.ntests, 0);
	evalset_problem_release(&p);
}
END_TEST

/* HumanEval ships as .jsonl.gz: read uncompressed, same as the plain file. */
START_TEST(load_gzip)
{
	struct evalset es;
	char err[512], path[64], cmd[160];
	const char *plain;

	plain = tmpfile_with("{\"task_id\": \"H/0\", \"test\": \"t\","
			     " \"entry_point\": \"f\", \"prompt\": \"p\"}\n"
			     "{\"task_id\": 3, \"test_list\": [\"assert 1\"]}\n");
	snprintf(path, sizeof(path), "%s.gz", plain);
	snprintf(cmd, sizeof(cmd), "gzip -c %s >%s", plain, path);
	ck_assert_int_eq(system(cmd), 0);
	evalset_init(&es);
	ck_assert_int_eq(evalset_load_problems(&es, path, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(es.nproblems, 2);
	ck_assert_str_eq(es.problems[0].prompt, "p");
	evalset_release(&es);
	/* A gzip file cut short is an error, not a shorter problem set. */
	snprintf(cmd, sizeof(cmd), "truncate -s 30 %s", path);
	ck_assert_int_eq(system(cmd), 0);
	evalset_init(&es);
	ck_assert_int_eq(evalset_load_problems(&es, path, err, sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, path));
	evalset_release(&es);
	unlink(path);
	cleanup();
}
END_TEST

/* LiveCodeBench's compressed test cases, as Python writes them:
 * base64(zlib(pickle.dumps(json.dumps(tests), protocol=N))). */
START_TEST(unpack_pickled_strings)
{
	static const char *by_protocol[] = {
		"eJxrYIowYWBgiK5WyswrKC1RslJQMlTSUVDKLy2Bco1A3JLU4pKSyoJUkEBxSUpm"
		"nlJtbCGDHgAJ8hGE",
		"eJxrYI4wYWBgiK5WyswrKC1RslJQMlTSUVDKLy2Bco1A3JLU4pKSyoJUkEBxSUpm"
		"nlJtbCGDHgAKLxGF",
		"eJxrYJlqwQABPSbR1UqZeQWlJUpWCkqGSjoKSvmlJVCuEYhbklpcUlJZkAoSKC5J"
		"ycxTqo2dogcAOgkSqg==",
		"eJxrYJ1qwQABPSbR1UqZeQWlJUpWCkqGSjoKSvmlJVCuEYhbklpcUlJZkAoSKC5J"
		"ycxTqo2dogcAOksSqw==",
	};
	char err[256], *s;
	size_t i;

	for (i = 0; i < 4; i++) {
		s = evalset_cases_unpack(by_protocol[i], err, sizeof(err));
		ck_assert_msg(s, "protocol %zu: %s", i + 2, err);
		ck_assert_str_eq(s, "[{\"input\": \"1\", \"output\": \"2\", "
				    "\"testtype\": \"stdin\"}]");
		free(s);
	}
	/* 300 characters: BINUNICODE with a 4-byte length. */
	s = evalset_cases_unpack("eJxrYJlqzMgABhE6QEbFKCAaTNEDAAgajzU=", err,
				 sizeof(err));
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(strlen(s), 300);
	ck_assert_uint_eq(strspn(s, "x"), 300);
	free(s);
}
END_TEST
/* Only a pickle of one string is read: a list, a string followed by more,
 * and the GLOBAL/REDUCE of os.system are refused, never run. */
START_TEST(unpack_refusals)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
		{"eJxrYJnKwQABsVN6GBOnJOoBACKxBCQ=",
		 "not a pickle of one string"},
		{"eJxrYJnKygABPYyJU/SySvOyASV2BIc=",
		 "not a pickle of one string"},
		{"eJxLzi/mKq4sLknN5dIIVi8pKk1V5yoJ0gMAYFMHhg==",
		 "not a pickle of one string"},
		{"bm90IHpsaWI=", "not zlib"},
		{"[not base64", "neither JSON nor base64"},
		{"eJxrYJlqzMgABhE6QEbFKCAaTNEDAAgajz",
		 "neither JSON nor base64"},
	};
	char err[256], *s;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		s = evalset_cases_unpack(bad[i].in, err, sizeof(err));
		ck_assert_msg(!s, "case %zu accepted", i);
		ck_assert_msg(strstr(err, bad[i].why), "case %zu: %s", i, err);
	}
}
END_TEST
/* APPS: stdin problems become program cases (lists of lines joined), call-
 * based ones asserts with Python literals of the JSON arguments. */
START_TEST(apps_and_lcb_problems)
{
	struct evalset_problem p;
	json_object *o, *c;
	char err[256];

	o = json_tokener_parse(
		"{\"problem_id\": 7, \"input_output\": \"{\\\"inputs\\\": "
		"[[\\\"2\\\", \\\"ab\\\"], \\\"x\\\\n\\\"], \\\"outputs\\\": "
		"[\\\"ab\\\", [\\\"y\\\"]]}\"}");
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(evalset_problem_parse(o, &p, err, sizeof(err)), 0);
	ck_assert_str_eq(p.task_id, "7");
	ck_assert_int_eq(p.format, EVALSET_APPS);
	ck_assert_ptr_null(p.tests);
	ck_assert_uint_eq(p.ntests, 2);
	c = json_object_array_get_idx(p.cases, 0);
	/* "2\nab" and "ab" */
	ck_assert_str_eq(
		json_object_get_string(json_object_object_get(c, "stdin")),
		"MgphYg==");
	ck_assert_str_eq(json_object_get_string(
				 json_object_object_get(c, "expected_stdout")),
			 "YWI=");
	evalset_problem_release(&p);
	json_object_put(o);

	o = json_tokener_parse(
		"{\"problem_id\": 8, \"input_output\": {\"fn_name\": \"f\", "
		"\"inputs\": [[[1, null, true], \"a/b\\\"\", {\"k\": false}]], "
		"\"outputs\": [[1.5]]}}");
	ck_assert_int_eq(evalset_problem_parse(o, &p, err, sizeof(err)), 0);
	ck_assert_ptr_null(p.cases);
	ck_assert_uint_eq(p.ntests, 1);
	ck_assert_ptr_nonnull(strstr(p.tests, "_LLSR_FN = \"f\"\n"));
	ck_assert_ptr_nonnull(strstr(
		p.tests, "\nassert _llsr_apps_ok(_llsr_call([1, None, True], "
			 "\"a/b\\\"\", {\"k\": False}), [1.5])\n"));
	evalset_problem_release(&p);
	json_object_put(o);

	o = json_tokener_parse(
		"{\"question_id\": \"q\", \"metadata\": \"{\\\"func_name\\\": "
		"\\\"g\\\"}\", \"public_test_cases\": \"[{\\\"input\\\": "
		"\\\"[1]\\\\nnull\\\", \\\"output\\\": \\\"null\\\", "
		"\\\"testtype\\\": \\\"functional\\\"}]\", "
		"\"private_test_cases\": \"\"}");
	ck_assert_int_eq(evalset_problem_parse(o, &p, err, sizeof(err)), 0);
	ck_assert_str_eq(p.task_id, "q");
	ck_assert_int_eq(p.format, EVALSET_LCB);
	ck_assert_uint_eq(p.ntests, 1);
	ck_assert_ptr_nonnull(
		strstr(p.tests, "\nassert _llsr_call([1], None) == None\n"));
	evalset_problem_release(&p);
	json_object_put(o);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("evalset");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, humaneval_problem);
	tcase_add_test(tc, mbpp_problem);
	tcase_add_test(tc, bad_problems);
	tcase_add_test(tc, sample_mapping);
	tcase_add_test(tc, load_jsonl_and_array);
	tcase_add_test(tc, load_errors);
	tcase_add_test(tc, results_resume);
	tcase_add_test(tc, zero_tests);
	tcase_add_test(tc, load_gzip);
	tcase_add_test(tc, unpack_pickled_strings);
	tcase_add_test(tc, unpack_refusals);
	tcase_add_test(tc, apps_and_lcb_problems);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(suite());
}
