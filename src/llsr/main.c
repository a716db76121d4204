/* llsr: the command-line client of ll-solution-runner. `llsr run` sends one
 * solution and its tests and prints the verdict; `llsr eval` judges a file
 * of samples against a problem set and reports pass@k. See llsr(1). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "llsr/b64.h"
#include "llsr/buf.h"
#include "llsr/cli_cases.h"
#include "llsr/cli_eval.h"
#include "llsr/cli_http.h"
#include "llsr/cli_report.h"

#define DEFAULT_URL "http://127.0.0.1:8080"
#define FILE_MAX    (16u << 20)
#define MAX_KS	    32

enum {
	OPT_URL = 256,
	OPT_TOKEN,
	OPT_HTTP_TIMEOUT,
	OPT_RETRIES,
	OPT_TIMEOUT,
	OPT_CODE,
	OPT_TESTS,
	OPT_ENTRY,
	OPT_STDIN,
	OPT_MEMORY,
	OPT_STOP,
	OPT_JSON,
	OPT_PROBLEMS,
	OPT_SAMPLES,
	OPT_OUT,
	OPT_BATCH,
	OPT_K,
	OPT_CASE,
	OPT_CASES,
	OPT_COMPARE,
	OPT_CASE_TIMEOUT,
};

/* One --case IN OUT (out set) or --cases DIR (out NULL), in the order
 * given. */
struct case_src {
	const char *in, *out;
};

struct opts {
	const char *command;
	const char *url, *token;
	long http_timeout, retries, timeout_ms, memory_mb, batch;
	const char *code, *tests, *entry, *stdin_path;
	int stop, json;
	const char *problems, *samples, *out;
	unsigned long ks[MAX_KS];
	size_t nks;
	int run_only, eval_only; /* an option of that command was given */
	struct case_src *cases;	 /* owned */
	size_t ncases;
	const char *compare;
	long case_timeout_ms;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: llsr run --code FILE [--tests FILE] [--entry-point NAME]\n"
		"                [--stdin FILE] [--timeout MS] [--memory-mb MB]\n"
		"                [--stop-on-first-failure] [--json] [COMMON]\n"
		"       llsr run --code FILE (--case IN OUT | --cases DIR)...\n"
		"                [--compare MODE] [--case-timeout MS] [--timeout MS]\n"
		"                [--memory-mb MB] [--stop-on-first-failure] [--json]\n"
		"                [COMMON]\n"
		"       llsr eval --problems FILE --samples FILE [--out FILE]\n"
		"                 [--batch N] [--k LIST] [--timeout MS]\n"
		"                 [--compare MODE] [--json]\n"
		"                 [COMMON]\n"
		"       llsr --version | --help\n\n"
		"The client of ll-solution-runner. run: one solution and its tests,\n"
		"a readable verdict (exit 0 passed, 1 not passed, 2 error). eval:\n"
		"every sample of a HumanEval or MBPP problem set, pass@k.\n\n"
		"common:\n"
		"  --url URL            the service (default $LLSR_URL, else %s)\n"
		"  --token TOKEN        bearer token (default $LLSR_TOKEN)\n"
		"  --http-timeout S     give up on one HTTP request after S seconds\n"
		"                       (default 300; 0: never)\n"
		"  --retries N          retries of a 503 with Retry-After (default 5)\n"
		"  --timeout MS         each submission's timeout_ms (default: the\n"
		"                       server's)\n"
		"run:\n"
		"  --code FILE          the solution ('-': standard input)\n"
		"  --tests FILE         the tests\n"
		"  --entry-point NAME   HumanEval: the tests' check() gets NAME\n"
		"  --stdin FILE         fed to the program's standard input\n"
		"  --memory-mb MB       the submission's memory_mb\n"
		"  --stop-on-first-failure\n"
		"  --case IN OUT        a program case: stdin from IN, expected\n"
		"                       stdout in OUT (repeatable)\n"
		"  --cases DIR          every NAME.in / NAME.out pair of DIR, by name\n"
		"  --compare MODE       exact, lines (default), tokens or float\n"
		"  --case-timeout MS    each case's CPU time limit\n"
		"  --json               print the service's JSON answer as it is\n"
		"eval:\n"
		"  --problems FILE      HumanEval or MBPP problems (JSONL or a JSON array,\n"
		"                       gzip or not); a task with samples but no test is\n"
		"                       refused (exit 2)\n"
		"  --samples FILE       JSONL: task_id and completion, solution or code\n"
		"  --out FILE           results JSONL, appended; a rerun resumes the\n"
		"                       lines whose code, tests and limits match\n"
		"  --batch N            submissions per request (1-1000, default 50)\n"
		"  --k LIST             pass@k to report (default 1,10,100)\n"
		"  --compare MODE       program cases (APPS, LiveCodeBench stdin\n"
		"                       problems): exact, lines (default), tokens,\n"
		"                       float\n"
		"  --json               the summary as one JSON object\n",
		DEFAULT_URL);
}

static int
parse_long(const char *name, const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr,
			"llsr: %s must be an integer from %ld to %ld: "
			"'%s'\n",
			name, lo, hi, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_ks(const char *s, struct opts *o)
{
	const char *p = s;
	char *end;
	unsigned long v;

	o->nks = 0;
	for (;;) {
		errno = 0;
		if (*p < '0' || *p > '9')
			goto bad;
		v = strtoul(p, &end, 10);
		if (errno || v == 0 || v > 1000000 || o->nks == MAX_KS)
			goto bad;
		o->ks[o->nks++] = v;
		if (!*end)
			return 0;
		if (*end != ',')
			goto bad;
		p = end + 1;
	}
bad:
	fprintf(stderr,
		"llsr: --k must be a comma-separated list of at most %d "
		"positive integers: '%s'\n",
		MAX_KS, s);
	return -1;
}

/* The OUT of --case IN OUT: the next argument, taken off the list that
 * getopt scans; NULL when there is none. */
static const char *
case_partner(int argc, char **argv)
{
	if (optind >= argc)
		return NULL;
	return argv[optind++];
}

static int
add_case_src(struct opts *o, const char *in, const char *out, int pair)
{
	struct case_src *grown;

	/* "--case in --compare x": OUT forgotten, not a file named so. */
	if (pair && (!out || !strncmp(out, "--", 2))) {
		fprintf(stderr, "llsr run: --case needs two files: IN OUT\n");
		return -1;
	}
	if (o->ncases == CLI_CASES_MAX) {
		fprintf(stderr, "llsr run: more than %d --case/--cases\n",
			CLI_CASES_MAX);
		return -1;
	}
	grown = realloc(o->cases, (o->ncases + 1) * sizeof(*grown));
	if (!grown) {
		fprintf(stderr, "llsr: out of memory\n");
		return -1;
	}
	o->cases = grown;
	o->cases[o->ncases].in = in;
	o->cases[o->ncases].out = out;
	o->ncases++;
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"url", required_argument, NULL, OPT_URL},
		{"token", required_argument, NULL, OPT_TOKEN},
		{"http-timeout", required_argument, NULL, OPT_HTTP_TIMEOUT},
		{"retries", required_argument, NULL, OPT_RETRIES},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"code", required_argument, NULL, OPT_CODE},
		{"tests", required_argument, NULL, OPT_TESTS},
		{"entry-point", required_argument, NULL, OPT_ENTRY},
		{"stdin", required_argument, NULL, OPT_STDIN},
		{"memory-mb", required_argument, NULL, OPT_MEMORY},
		{"stop-on-first-failure", no_argument, NULL, OPT_STOP},
		{"json", no_argument, NULL, OPT_JSON},
		{"problems", required_argument, NULL, OPT_PROBLEMS},
		{"samples", required_argument, NULL, OPT_SAMPLES},
		{"out", required_argument, NULL, OPT_OUT},
		{"batch", required_argument, NULL, OPT_BATCH},
		{"k", required_argument, NULL, OPT_K},
		{"case", required_argument, NULL, OPT_CASE},
		{"cases", required_argument, NULL, OPT_CASES},
		{"compare", required_argument, NULL, OPT_COMPARE},
		{"case-timeout", required_argument, NULL, OPT_CASE_TIMEOUT},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char *env;
	int c;

	memset(o, 0, sizeof(*o));
	env = getenv("LLSR_URL");
	o->url = env && *env ? env : DEFAULT_URL;
	o->token = getenv("LLSR_TOKEN");
	o->http_timeout = 300;
	o->retries = 5;
	o->batch = 50;
	o->ks[0] = 1;
	o->ks[1] = 10;
	o->ks[2] = 100;
	o->nks = 3;
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_URL: o->url = optarg; break;
		case OPT_TOKEN: o->token = optarg; break;
		case OPT_HTTP_TIMEOUT:
			if (parse_long("--http-timeout", optarg, 0, 86400,
				       &o->http_timeout) < 0)
				return -1;
			break;
		case OPT_RETRIES:
			if (parse_long("--retries", optarg, 0, 100,
				       &o->retries) < 0)
				return -1;
			break;
		case OPT_TIMEOUT:
			if (parse_long("--timeout", optarg, 1, 86400000,
				       &o->timeout_ms) < 0)
				return -1;
			break;
		case OPT_CODE:
			o->code = optarg;
			o->run_only = 1;
			break;
		case OPT_TESTS:
			o->tests = optarg;
			o->run_only = 1;
			break;
		case OPT_ENTRY:
			o->entry = optarg;
			o->run_only = 1;
			break;
		case OPT_STDIN:
			o->stdin_path = optarg;
			o->run_only = 1;
			break;
		case OPT_MEMORY:
			o->run_only = 1;
			if (parse_long("--memory-mb", optarg, 1, 1 << 20,
				       &o->memory_mb) < 0)
				return -1;
			break;
		case OPT_STOP:
			o->stop = 1;
			o->run_only = 1;
			break;
		case OPT_JSON: o->json = 1; break;
		case OPT_PROBLEMS:
			o->problems = optarg;
			o->eval_only = 1;
			break;
		case OPT_SAMPLES:
			o->samples = optarg;
			o->eval_only = 1;
			break;
		case OPT_OUT:
			o->out = optarg;
			o->eval_only = 1;
			break;
		case OPT_BATCH:
			o->eval_only = 1;
			if (parse_long("--batch", optarg, 1, CLI_EVAL_BATCH_MAX,
				       &o->batch) < 0)
				return -1;
			break;
		case OPT_K:
			o->eval_only = 1;
			if (parse_ks(optarg, o) < 0)
				return -1;
			break;
		case OPT_CASE:
		case OPT_CASES:
			o->run_only = 1;
			if (add_case_src(o, optarg,
					 c == OPT_CASE
						 ? case_partner(argc, argv)
						 : NULL,
					 c == OPT_CASE) < 0)
				return -1;
			break;
		case OPT_COMPARE: o->compare = optarg; break;
		case OPT_CASE_TIMEOUT:
			o->run_only = 1;
			if (parse_long("--case-timeout", optarg, 1, 86400000,
				       &o->case_timeout_ms) < 0)
				return -1;
			break;
		case 'V':
			printf("llsr (ll-solution-runner) %s\n",
			       PACKAGE_VERSION);
			exit(0);
		case 'h': usage(stdout); exit(0);
		default: fprintf(stderr, "Try 'llsr --help'.\n"); return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "llsr: a command is needed: run or eval\n");
		usage(stderr);
		return -1;
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "llsr: unexpected argument '%s'\n",
			argv[optind + 1]);
		return -1;
	}
	o->command = argv[optind];
	if (!strcmp(o->command, "run")) {
		if (o->eval_only) {
			fprintf(stderr,
				"llsr run: --problems, --samples, "
				"--out, --batch and --k belong to eval\n");
			return -1;
		}
		if (!o->code) {
			fprintf(stderr, "llsr run: --code FILE is needed\n");
			return -1;
		}
		if (o->ncases && (o->tests || o->entry || o->stdin_path)) {
			fprintf(stderr, "llsr run: --case and --cases judge a "
					"program by its output: not with "
					"--tests, --entry-point or --stdin\n");
			return -1;
		}
		if (!o->ncases && (o->compare || o->case_timeout_ms)) {
			fprintf(stderr,
				"llsr run: --compare and --case-timeout "
				"need --case or --cases\n");
			return -1;
		}
	} else if (!strcmp(o->command, "eval")) {
		if (o->run_only) {
			fprintf(stderr, "llsr eval: --code, --tests, "
					"--entry-point, --stdin, --memory-mb, "
					"--stop-on-first-failure, --case, "
					"--cases and --case-timeout "
					"belong to run\n");
			return -1;
		}
		if (!o->problems || !o->samples) {
			fprintf(stderr, "llsr eval: --problems FILE and "
					"--samples FILE are needed\n");
			return -1;
		}
	} else {
		fprintf(stderr, "llsr: unknown command '%s' (run or eval)\n",
			o->command);
		return -1;
	}
	return 0;
}

/* Reads path ('-': standard input) whole into b (capped at FILE_MAX). */
static int
read_file(const char *path, struct buf *b)
{
	char chunk[65536];
	FILE *f;
	size_t n;
	int rc = 0;

	f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "llsr: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(b, chunk, n) < 0) {
			fprintf(stderr, "llsr: %s: %s\n", path,
				errno == E2BIG ? "file too large"
					       : strerror(errno));
			rc = -1;
			break;
		}
	}
	if (!rc && ferror(f)) {
		fprintf(stderr, "llsr: %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

/* Adds key: base64 of file path's contents. */
static int
add_file(json_object *req, const char *key, const char *path)
{
	struct buf b;
	char *enc = NULL;
	json_object *v;
	int rc = -1;

	buf_init(&b, FILE_MAX);
	if (read_file(path, &b) < 0)
		goto out;
	enc = malloc(b64_encoded_len(b.len) + 1);
	if (!enc)
		goto nomem;
	b64_encode((const unsigned char *)(b.data ? b.data : ""), b.len, enc);
	v = json_object_new_string_len(enc, (int)b64_encoded_len(b.len));
	if (!v || json_object_object_add(req, key, v) < 0)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	fprintf(stderr, "llsr: out of memory\n");
out:
	free(enc);
	buf_release(&b);
	return rc;
}

/* Adds "cases": every --case and --cases, in the order given. */
static int
add_cases(json_object *req, const struct opts *o)
{
	json_object *arr = json_object_new_array();
	char err[1024];
	size_t i;
	int rc;

	if (!arr || json_object_object_add(req, "cases", arr) < 0) {
		json_object_put(arr);
		fprintf(stderr, "llsr: out of memory\n");
		return -1;
	}
	for (i = 0; i < o->ncases; i++) {
		if (o->cases[i].out)
			rc = cli_cases_add_pair(arr, o->cases[i].in,
						o->cases[i].out, NULL, err,
						sizeof(err));
		else
			rc = cli_cases_add_dir(arr, o->cases[i].in, err,
					       sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "llsr run: %s\n", err);
			return -1;
		}
	}
	return 0;
}

static int
cmd_run(struct cli_http *h, const struct opts *o)
{
	struct cli_report_style st;
	struct cli_http_resp r;
	json_object *req, *resp = NULL;
	const char *body;
	size_t len;
	char err[1024];
	int rc = 2, have_r = 0;

	req = json_object_new_object();
	if (!req)
		goto out;
	if (add_file(req, "code", o->code) < 0 ||
	    (o->tests && add_file(req, "tests", o->tests) < 0) ||
	    (o->stdin_path && add_file(req, "stdin", o->stdin_path) < 0))
		goto out;
	if (o->ncases && add_cases(req, o) < 0)
		goto out;
	if (o->compare)
		json_object_object_add(req, "compare",
				       json_object_new_string(o->compare));
	if (o->case_timeout_ms)
		json_object_object_add(
			req, "case_timeout_ms",
			json_object_new_int64(o->case_timeout_ms));
	if (o->entry)
		json_object_object_add(req, "entry_point",
				       json_object_new_string(o->entry));
	if (o->timeout_ms)
		json_object_object_add(req, "timeout_ms",
				       json_object_new_int64(o->timeout_ms));
	if (o->memory_mb)
		json_object_object_add(req, "memory_mb",
				       json_object_new_int64(o->memory_mb));
	if (o->stop)
		json_object_object_add(req, "stop_on_first_failure",
				       json_object_new_boolean(1));
	body = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN,
						 &len);
	if (cli_http_post(h, "/run_code", body, len, &r, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "llsr run: %s\n", err);
		goto out;
	}
	have_r = 1;
	if (r.status != 200) {
		cli_http_describe(&r, err, sizeof(err));
		fprintf(stderr, "llsr run: %s\n", err);
		goto out;
	}
	resp = cli_http_parse(&r, err, sizeof(err));
	if (!resp) {
		fprintf(stderr, "llsr run: %s\n", err);
		goto out;
	}
	rc = cli_report_exit_status(resp);
	if (rc == 2) {
		fprintf(stderr, "llsr run: the answer has no status: %.200s\n",
			r.body.data);
		goto out;
	}
	if (o->json) {
		fwrite(r.body.data, 1, r.body.len, stdout);
		if (r.body.data[r.body.len - 1] != '\n')
			putchar('\n');
	} else {
		cli_report_style_for(stdout, &st);
		cli_report_print(stdout, resp, &st);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "llsr run: standard output: %s\n",
			strerror(errno));
		rc = 2;
	}
out:
	json_object_put(resp);
	json_object_put(req);
	if (have_r)
		buf_release(&r.body);
	return rc;
}

static int
cmd_eval(struct cli_http *h, const struct opts *o)
{
	struct cli_eval_opts eo;
	int rc;

	memset(&eo, 0, sizeof(eo));
	eo.problems = o->problems;
	eo.samples = o->samples;
	eo.out = o->out;
	eo.batch = (unsigned)o->batch;
	eo.timeout_ms = o->timeout_ms;
	eo.compare = o->compare;
	eo.ks = o->ks;
	eo.nks = o->nks;
	eo.tty = isatty(STDERR_FILENO);
	eo.json = o->json;
	rc = cli_eval_run(h, &eo, stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "llsr eval: standard output: %s\n",
			strerror(errno));
		rc = 2;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct cli_http h;
	struct opts o;
	char err[512];
	int rc;

	if (parse_args(argc, argv, &o) < 0) {
		free(o.cases);
		return 2;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "llsr: libcurl failed to initialise\n");
		free(o.cases);
		return 2;
	}
	if (cli_http_init(&h, o.url, o.token, o.http_timeout, (int)o.retries,
			  err, sizeof(err)) < 0) {
		fprintf(stderr, "llsr: %s\n", err);
		curl_global_cleanup();
		free(o.cases);
		return 2;
	}
	if (!strcmp(o.command, "run"))
		rc = cmd_run(&h, &o);
	else
		rc = cmd_eval(&h, &o);
	cli_http_release(&h);
	curl_global_cleanup();
	free(o.cases);
	return rc;
}
