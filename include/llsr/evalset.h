#ifndef LLSR_EVALSET_H
#define LLSR_EVALSET_H
/* The inputs and results of `llsr eval`: a problem set (HumanEval or MBPP
 * format, detected per problem), the samples to judge (one solution each),
 * and the results file that makes a run resumable. Knows nothing of HTTP.
 *
 * Problems, one JSON object each (a JSONL file, or one JSON array):
 *   HumanEval: task_id, prompt, test, entry_point (all strings but task_id).
 *     tests = test, sent with entry_point (the harness calls check(f)).
 *   MBPP: task_id, test_list (array of strings), test_imports (array of
 *     strings, optional), test_setup_code (string, optional).
 *     tests = imports, then set-up code, then each assert, one per line.
 *   APPS (input_output) and LiveCodeBench (public_test_cases): see
 *     evalset_cases.h; their stdin problems are sent as program cases.
 *   A problem with test_list is MBPP; otherwise test and entry_point make it
 *   HumanEval; anything else is an error.
 * Samples, one JSON object each: task_id and one of
 *   completion: HumanEval: the code sent is prompt + completion;
 *               MBPP: the completion as it is;
 *   solution, code: the whole program, sent as it is.
 *   (For HumanEval, completion wins; otherwise solution, then code.)
 * A task_id is a string or an integer; 2 and "2" are the same task.
 * Samples are numbered per task from 0, in the order of the samples file. */

#include <stddef.h>

#include <json-c/json.h>

enum evalset_format {
	EVALSET_HUMANEVAL = 1,
	EVALSET_MBPP = 2,
	EVALSET_APPS = 3, /* see evalset_cases.h */
	EVALSET_LCB = 4,  /* LiveCodeBench */
};

struct evalset_problem {
	char *task_id;	  /* as text: a string as is, an integer in decimal */
	int id_is_int;	  /* task_id was a JSON integer: */
	long long id_int; /* its value */
	enum evalset_format format;
	char *prompt;	    /* HumanEval only, else NULL */
	char *tests;	    /* the submission's tests; NULL with cases */
	json_object *cases; /* program cases: the request's "cases" array,
			     * owned; NULL for a test problem */
	char *entry_point;  /* HumanEval only, else NULL */
	size_t ntests;	    /* test cases found (asserts; HumanEval: 1 when
			     * test is not blank); 0: the task is invalid */
	size_t *samples;    /* indices in evalset.samples, in file order */
	size_t nsamples;
};

struct evalset_sample {
	size_t problem; /* index in evalset.problems */
	size_t index;	/* among its problem's samples, from 0 */
	char *code;	/* the solution to send */
	int done;	/* a result is known */
	int passed;
	char *status; /* the run's status; NULL until done */
	char key[65]; /* evalset_set_keys: what the result depends on */
};

/* What evalset_load_results found in a results file. */
struct evalset_resume {
	size_t marked; /* samples marked done */
	size_t other;  /* lines naming no loaded sample: kept */
	size_t stale;  /* lines of a loaded sample whose key differs: dropped */
	size_t broken; /* whole lines that are not one JSON object: dropped */
	int cut;       /* the last line had no newline (a killed writer):
			* dropped */
};

struct evalset {
	struct evalset_problem *problems;
	size_t nproblems;
	struct evalset_sample *samples;
	size_t nsamples;
	json_object *by_task; /* task_id -> problem index */
	/* The compare mode sent with program cases (borrowed; NULL: the
	 * server's); part of the key of a problem with cases. */
	const char *compare;
};

void evalset_init(struct evalset *es);

/* Frees everything es owns; es is empty (and reusable after evalset_init)
 * afterwards. es can be NULL. */
void evalset_release(struct evalset *es);

/* Fills p from one problem object (borrowed). Returns 0, or -1 with a
 * message in err. On success p owns its strings: evalset_problem_release. */
int evalset_problem_parse(json_object *o, struct evalset_problem *p, char *err,
			  size_t errlen);

void evalset_problem_release(struct evalset_problem *p);

/* The code to send for one sample object (borrowed) of problem p: *code is
 * caller-freed. Returns 0, or -1 with a message in err. */
int evalset_sample_code(const struct evalset_problem *p, json_object *sample,
			char **code, char *err, size_t errlen);

/* Appends the problems of path (JSONL, or one JSON array). A duplicate
 * task_id is an error. Returns 0, or -1 with "path:line: why" in err. */
int evalset_load_problems(struct evalset *es, const char *path, char *err,
			  size_t errlen);

/* Appends the samples of path (JSONL, or one JSON array); each task_id must
 * be a loaded problem. Returns 0, or -1 with "path:line: why" in err. */
int evalset_load_samples(struct evalset *es, const char *path, char *err,
			 size_t errlen);

/* Sets each sample's key: the SHA-256 of its code, its problem's tests and
 * entry point (or its cases and es->compare), and timeout_ms (0: the
 * server's). Call before
 * evalset_load_results and evalset_result_line. */
void evalset_set_keys(struct evalset *es, long timeout_ms);

/* Marks done every sample that the results file path has a line for (see
 * evalset_result_line) with the same task_id, sample and key. A missing file
 * marks nothing. Lines that name a loaded sample with another key (stale),
 * lines that are not one JSON object, and a last line without its newline
 * are dropped: the file is then rewritten (a temporary file renamed over
 * it) with the other lines, so that it holds whole lines only. r says what
 * was found. Returns 0, or -1 with a message in err. */
int evalset_load_results(struct evalset *es, const char *path,
			 struct evalset_resume *r, char *err, size_t errlen);

/* Records sample i's result. Returns 0, -1 on ENOMEM. */
int evalset_set_result(struct evalset *es, size_t i, int passed,
		       const char *status);

/* The results line of sample i, once done, without the newline:
 * {"task_id": ..., "sample": N, "key": "<sha256 hex>", "passed": bool,
 *  "status": "...",
 *  "summary": {...} or null}; task_id has the type it had in the problems.
 * summary is borrowed and can be NULL. Caller frees; NULL on ENOMEM. */
char *evalset_result_line(const struct evalset *es, size_t i,
			  json_object *summary);

#endif
