#ifndef LLSR_CLI_CASES_H
#define LLSR_CLI_CASES_H
/* Program cases read from files, for llsr(1) run: an input file and its
 * expected output, or a directory of NAME.in / NAME.out pairs as judges
 * ship them. Each case becomes {"name", "stdin", "expected_stdout"} (both
 * base64) in a JSON array, the request's "cases". */

#include <stddef.h>

#include <json-c/json.h>

/* No case file is read past this many bytes (the server's own cap is far
 * lower; it answers 400 for a case over it). */
#define CLI_CASES_FILE_MAX (16u << 20)
/* No directory yields more cases than this (the server's max_cases is
 * lower; it answers 400 for too many). */
#define CLI_CASES_MAX 100000

/* The name of the case whose input is path: its last component without a
 * trailing ".in" ("tests/03.in" -> "03"). Caller frees; NULL on ENOMEM. */
char *cli_cases_name(const char *path);

/* Appends to arr (borrowed) the case of input file in and expected output
 * file out, named name (borrowed; NULL: cli_cases_name(in)). Returns 0, or
 * -1 with a message naming the file in err. */
int cli_cases_add_pair(json_object *arr, const char *in, const char *out,
		       const char *name, char *err, size_t errlen);

/* Appends to arr every NAME.in / NAME.out pair of directory dir, in the
 * order of their names (numbers in them compared as numbers, as
 * strverscmp does: 2.in before 10.in), each named NAME. Other files are
 * ignored. Returns 0, or -1 with a message in err: dir unreadable, an .in
 * without its .out or an .out without its .in (named), no pair at all, or
 * more than CLI_CASES_MAX. */
int cli_cases_add_dir(json_object *arr, const char *dir, char *err,
		      size_t errlen);

#endif
