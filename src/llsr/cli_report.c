#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "llsr/cli_report.h"

#define RESET  "\033[0m"
#define BOLD   "\033[1m"
#define DIM    "\033[2m"
#define RED    "\033[31m"
#define GREEN  "\033[32m"
#define YELLOW "\033[33m"

static int
utf8_locale(void)
{
	static const char *vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		v = getenv(vars[i]);
		if (v && *v)
			return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
	}
	return 0;
}

void
cli_report_style_for(FILE *f, struct cli_report_style *st)
{
	const char *nc = getenv("NO_COLOR");
	int tty = isatty(fileno(f));

	st->color = tty && !(nc && *nc);
	st->utf8 = tty && utf8_locale();
}

static const char *
str_member(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static long
int_member(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	return (long)json_object_get_int64(v);
}

static double
num_member(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_int) ||
	      json_object_is_type(v, json_type_double)))
		return 0;
	return json_object_get_double(v);
}

static const char *
color_of(const char *status)
{
	if (!strcmp(status, "passed"))
		return GREEN;
	if (!strcmp(status, "not_run"))
		return DIM;
	if (!strcmp(status, "failed") || !strcmp(status, "wrong_answer") ||
	    !strcmp(status, "runtime_error"))
		return RED;
	return YELLOW;
}

static const char *
mark_of(const char *status, int utf8)
{
	static const struct {
		const char *status, *word, *symbol;
	} marks[] = {
		{"passed", "PASS   ", "\u2713"},
		{"failed", "FAIL   ", "\u2717"},
		{"error", "ERROR  ", "\u2717"},
		{"timeout", "TIMEOUT", "\u29d7"},
		{"not_run", "NOT RUN", "-"},
		{"wrong_answer", "WRONG  ", "\u2717"},
		{"runtime_error", "CRASH  ", "\u2717"},
		{"memory_limit", "MEMORY ", "\u2717"},
		{"output_limit", "OUTPUT ", "\u2717"},
	};
	size_t i;

	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (!strcmp(status, marks[i].status))
			return utf8 ? marks[i].symbol : marks[i].word;
	return utf8 ? "?" : "?      ";
}

/* Prints text with every line prefixed by indent; nothing when empty. */
static void
print_block(FILE *f, const char *indent, const char *text)
{
	const char *p = text, *nl;

	if (!text || !*text)
		return;
	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		fprintf(f, "%s%.*s\n", indent, (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

/* The length of traceback without its last lines when they repeat message:
 * "<Type>: <message>" or "<message>" (Python ends a traceback with the
 * exception, whose text is the message shown just before it); else its
 * whole length. */
static size_t
traceback_frames(const char *traceback, const char *message)
{
	size_t t = strlen(traceback), m = strlen(message), end = t, i;

	while (end && traceback[end - 1] == '\n')
		end--;
	if (!m || end < m || strncmp(traceback + end - m, message, m))
		return t;
	i = end - m;
	if (!i || traceback[i - 1] == '\n')
		return i;
	if (i < 2 || strncmp(traceback + i - 2, ": ", 2))
		return t;
	/* The start of the line holding "<Type>: ", a single word. */
	for (i -= 2; i && traceback[i - 1] != '\n'; i--)
		if (traceback[i - 1] == ' ')
			return t;
	return i;
}

/* A test's or the run's message (unless show is 0: printed already), then
 * the traceback's frames: the message once, not again as the traceback's
 * last line. */
static void
print_failure(FILE *f, const char *indent, const char *message, int show,
	      const char *traceback)
{
	char *frames;
	size_t n;

	if (show)
		print_block(f, indent, message);
	if (!traceback || !*traceback)
		return;
	n = message ? traceback_frames(traceback, message) : strlen(traceback);
	frames = strndup(traceback, n);
	print_block(f, indent, frames ? frames : traceback);
	free(frames);
}

static void
print_output(FILE *f, const struct cli_report_style *st, const char *indent,
	     const char *label, const char *text, int truncated)
{
	char sub[64];

	if (!text || !*text)
		return;
	fprintf(f, "%s%s%s:%s%s\n", indent, st->color ? DIM : "", label,
		truncated ? " (truncated)" : "", st->color ? RESET : "");
	snprintf(sub, sizeof(sub), "%s  ", indent);
	print_block(f, sub, text);
}

static void
print_test(FILE *f, json_object *t, const struct cli_report_style *st)
{
	const char *status = str_member(t, "status");
	const char *name = str_member(t, "name");

	if (!status)
		status = "?";
	fprintf(f, "  %s%s%s %s\n", st->color ? color_of(status) : "",
		mark_of(status, st->utf8), st->color ? RESET : "",
		name ? name : "(unnamed)");
	if (!strcmp(status, "passed") || !strcmp(status, "not_run"))
		return;
	print_failure(f, "      ", str_member(t, "message"), 1,
		      str_member(t, "traceback"));
	print_output(f, st, "      ", "stdout", str_member(t, "stdout"), 0);
	print_output(f, st, "      ", "stderr", str_member(t, "stderr"), 0);
}

/* One program case: mark, name, status and figures; for one that did not
 * pass, the message, the first difference and the start of stderr. */
static void
print_case(FILE *f, json_object *c, const struct cli_report_style *st)
{
	const char *status = str_member(c, "status");
	const char *name = str_member(c, "name");
	const char *sig = str_member(c, "signal");
	json_object *diff = NULL;
	char label[32];

	if (!status)
		status = "?";
	if (!name) {
		snprintf(label, sizeof(label), "case %ld",
			 int_member(c, "index") + 1);
		name = label;
	}
	fprintf(f, "  %s%s%s %s", st->color ? color_of(status) : "",
		mark_of(status, st->utf8), st->color ? RESET : "", name);
	if (strcmp(status, "passed") && strcmp(status, "not_run"))
		fprintf(f, ": %s", status);
	if (strcmp(status, "not_run"))
		fprintf(f, " %s(%.0f ms CPU, %.0f ms wall, %.1f MB)%s",
			st->color ? DIM : "", num_member(c, "time_ms"),
			num_member(c, "wall_ms"),
			num_member(c, "memory_kb") / 1024.0,
			st->color ? RESET : "");
	fputc('\n', f);
	if (!strcmp(status, "passed") || !strcmp(status, "not_run"))
		return;
	if (sig && !str_member(c, "message"))
		fprintf(f, "      killed by %s\n", sig);
	if (json_object_object_get_ex(c, "difference", &diff) &&
	    json_object_is_type(diff, json_type_object)) {
		const char *exp = str_member(diff, "expected");
		const char *act = str_member(diff, "actual");

		fprintf(f, "      line %ld, column %ld:\n",
			int_member(diff, "line"), int_member(diff, "column"));
		print_output(f, st, "        ", "expected", exp ? exp : "", 0);
		print_output(f, st, "        ", "actual", act ? act : "", 0);
		if (!exp || !*exp)
			fputs("        expected: (nothing)\n", f);
		if (!act || !*act)
			fputs("        actual: (nothing)\n", f);
	} else {
		print_block(f, "      ", str_member(c, "message"));
	}
	print_output(f, st, "      ", "stderr", str_member(c, "stderr"), 0);
}

static int
bool_member(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	       json_object_get_boolean(v);
}

int
cli_report_print(FILE *f, json_object *resp, const struct cli_report_style *st)
{
	json_object *tests, *cases = NULL, *err, *summary, *v;
	const char *status = str_member(resp, "status");
	size_t i, n;
	char upper[32];
	double ms = 0;

	if (!status)
		return -1;
	for (i = 0; i < sizeof(upper) - 1 && status[i]; i++)
		upper[i] = status[i] >= 'a' && status[i] <= 'z'
				   ? (char)(status[i] - 'a' + 'A')
				   : status[i];
	upper[i] = '\0';
	fprintf(f, "%s%s%s%s\n", st->color ? BOLD : "",
		st->color ? color_of(status) : "", upper,
		st->color ? RESET : "");
	if (json_object_object_get_ex(resp, "error", &err) &&
	    json_object_is_type(err, json_type_object)) {
		const char *type = str_member(err, "type");
		const char *msg = str_member(err, "message");
		long line = int_member(err, "line");

		const char *tb = str_member(err, "traceback");

		/* One line: "Type: message (line N)"; a longer message goes
		 * under "Type (line N):". */
		fprintf(f, "  %s", type ? type : "error");
		if (msg && !strchr(msg, '\n'))
			fprintf(f, ": %s", msg);
		if (line > 0)
			fprintf(f, " (line %ld)", line);
		fputs(msg && strchr(msg, '\n') ? ":\n" : "\n", f);
		print_failure(f, "      ", msg, !msg || strchr(msg, '\n'), tb);
	}
	if (!strcmp(status, "no_tests"))
		fputs("  the tests source holds no test case: nothing was "
		      "judged\n",
		      f);
	if (json_object_object_get_ex(resp, "tests", &tests) &&
	    json_object_is_type(tests, json_type_array)) {
		n = json_object_array_length(tests);
		for (i = 0; i < n; i++)
			print_test(f, json_object_array_get_idx(tests, i), st);
	}
	if (json_object_object_get_ex(resp, "cases", &cases) &&
	    json_object_is_type(cases, json_type_array)) {
		n = json_object_array_length(cases);
		for (i = 0; i < n; i++)
			print_case(f, json_object_array_get_idx(cases, i), st);
	}
	print_output(f, st, "", "stdout", str_member(resp, "stdout"),
		     bool_member(resp, "stdout_truncated"));
	print_output(f, st, "", "stderr", str_member(resp, "stderr"),
		     bool_member(resp, "stderr_truncated"));
	if (json_object_object_get_ex(resp, "duration_ms", &v))
		ms = json_object_get_double(v);
	summary = NULL;
	json_object_object_get_ex(resp, "summary", &summary);
	if (cases && json_object_is_type(cases, json_type_array)) {
		fprintf(f,
			"%s%s%s: %ld cases, %ld passed, %ld failed, "
			"%ld not run (%.0f ms)%s\n",
			st->color ? BOLD : "",
			st->color ? color_of(status) : "", status,
			int_member(summary, "total"),
			int_member(summary, "passed"),
			int_member(summary, "failed"),
			int_member(summary, "not_run"), ms,
			st->color ? RESET : "");
		return 0;
	}
	fprintf(f,
		"%s%s%s: %ld tests, %ld passed, %ld failed, %ld errors, "
		"%ld not run (%.0f ms)%s\n",
		st->color ? BOLD : "", st->color ? color_of(status) : "",
		status, int_member(summary, "total"),
		int_member(summary, "passed"), int_member(summary, "failed"),
		int_member(summary, "errors"), int_member(summary, "not_run"),
		ms, st->color ? RESET : "");
	return 0;
}

int
cli_report_exit_status(json_object *resp)
{
	const char *status = str_member(resp, "status");
	json_object *cases;
	size_t i, n;

	if (!status)
		return 2;
	if (strcmp(status, "passed"))
		return 1;
	/* A program run passes only when every case did. */
	if (json_object_object_get_ex(resp, "cases", &cases) &&
	    json_object_is_type(cases, json_type_array)) {
		n = json_object_array_length(cases);
		for (i = 0; i < n; i++) {
			const char *cs = str_member(
				json_object_array_get_idx(cases, i), "status");

			if (!cs || strcmp(cs, "passed"))
				return 1;
		}
	}
	return 0;
}
