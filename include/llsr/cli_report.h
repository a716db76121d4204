#ifndef LLSR_CLI_REPORT_H
#define LLSR_CLI_REPORT_H
/* The human-readable report of one /run_code answer, for llsr(1). */

#include <stdio.h>

#include <json-c/json.h>

struct cli_report_style {
	int color; /* ANSI colours */
	int utf8;  /* ✓ and ✗ rather than PASS and FAIL */
};

/* The style for stream f: colours when f is a terminal and NO_COLOR is unset
 * or empty; symbols when f is a terminal and the locale is UTF-8. */
void cli_report_style_for(FILE *f, struct cli_report_style *st);

/* Prints the report of resp (a 200 answer, borrowed) to f: the status, each
 * test (mark, name, and for one that did not pass its message, traceback and
 * output), the load error if any, the program's stdout and stderr when not
 * empty, each program case (mark, name, status, CPU and wall time, memory;
 * for one that did not pass its message or first difference and stderr),
 * and a summary line. Returns 0, or -1 when resp has no status. */
int cli_report_print(FILE *f, json_object *resp,
		     const struct cli_report_style *st);

/* The exit status of llsr run for resp: 0 when its status is "passed" (and,
 * in a program-case run, every case's too), 1 for any other status
 * (no_tests too: nothing passed), 2 when it has none. */
int cli_report_exit_status(json_object *resp);

#endif
