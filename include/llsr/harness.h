#ifndef LLSR_HARNESS_H
#define LLSR_HARNESS_H
/* Both ends of the wire protocol with the harness inside the container
 * (docs/protocol.md): the job frame we send on its stdin, and the report it
 * writes on its stdout. */

#include <stddef.h>

#include <json-c/json.h>

#include "llsr/buf.h"
#include "llsr/config.h"
#include "llsr/request.h"

#define HARNESS_NONCE_LEN 32

/* The largest exit_code a report may carry (a process's exit status). */
#define HARNESS_EXIT_CODE_MAX 255

/* Room for the reason a report line was refused. */
#define HARNESS_WHY_MAX 192

/* Time limits are the user's time (docs/harness.md): timeout_ms is CPU time
 * of the user's code; the wall-clock limit that goes with it, which stops
 * code that sleeps or blocks, is HARNESS_WALL_FACTOR x it plus
 * HARNESS_WALL_EXTRA_MS, sent in the frame as wall_ms / test_wall_ms. */
#define HARNESS_WALL_FACTOR   2
#define HARNESS_WALL_EXTRA_MS 500
/* What is not charged (start-ups, hand-offs, restarts) is bounded too: a run
 * ends once it took its wall-clock limit plus this in all (overhead_ms). */
#define HARNESS_OVERHEAD_MS 5000

/* The wall-clock limit (ms) that goes with a CPU time limit of cpu_ms. */
long harness_wall_ms(long cpu_ms);

/* How long (ms) a run with that CPU time limit may take in all, the
 * harness's own work included: the service's deadline for it. */
long harness_run_ms(long cpu_ms);

/* Fills nonce (HARNESS_NONCE_LEN + 1 bytes) with fresh random hex. */
int harness_nonce(char *nonce);

/* Appends the frame "LLSR1 <len>\n<json>" for r to out. 0, or -1 on ENOMEM
 * or when it would exceed out's cap. */
int harness_frame(const struct request *r, const struct config *cfg,
		  const char *nonce, struct buf *out);

/* Appends the batch frame for rs->items[0..rs->n) (docs/protocol.md, "Batch
 * frames"): parallel submissions at once, the whole report under
 * report_limit bytes. 0, or -1 on ENOMEM or over out's cap. */
int harness_frame_batch(const struct request_set *rs, const char *nonce,
			long parallel, long report_limit,
			const struct config *cfg, struct buf *out);

/* The last complete line that starts with "<nonce> ", or NULL; *len is its
 * length without the newline. */
const char *harness_report_line(const char *out, size_t len, const char *nonce,
				size_t *line_len);

/* Finds the last complete line "<nonce> <json>\n" in out[0..len), and
 * checks every field of the report against the protocol. Returns a new
 * object holding only the known, valid fields (caller frees with
 * json_object_put), or NULL when there is no valid report. Then why
 * (why_size bytes, HARNESS_WHY_MAX is enough; why can be NULL) says what
 * was wrong with the line, or is "" when there was none. A report with any
 * non-finite number in it (json-c parses NaN, Infinity and 1e999) is not
 * valid: the answer must stay JSON. Every number kept is a fresh double,
 * printed by json-c, never the harness's own spelling. */
json_object *harness_report(const char *out, size_t len, const char *nonce,
			    char *why, size_t why_size);

/* Parses a batch report of n results: a new array of n validated reports
 * (caller frees), or NULL with why as for harness_report. A single-run
 * report (the harness refused the frame) is returned as n copies of it. */
json_object *harness_report_batch(const char *out, size_t len,
				  const char *nonce, size_t n, char *why,
				  size_t why_size);

#endif
