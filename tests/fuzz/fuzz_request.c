#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llsr/config.h"
#include "llsr/request.h"
#include "llsr/utf8.h"

/* The parser production uses (request_parse_set), both forms: any body
 * either parses into submissions whose limits respect the caps and whose
 * batch cost is within max_batch_cost_ms, or is refused with a 4xx and a
 * code whose message is well-formed UTF-8 (it may echo the body's bytes);
 * nothing else. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static int init;
	struct request_set rs;
	struct llsr_err e;
	long cost = 0;
	size_t i;

	if (!init) {
		config_defaults(&cfg);
		init = 1;
	}
	err_clear(&e);
	if (request_parse_set(&rs, (const char *)data, size, &cfg, &e) < 0) {
		if (e.status < 400 || e.status > 500 || !e.code ||
		    !utf8_valid(e.message, strlen(e.message)))
			abort();
		return 0;
	}
	if (rs.n < 1 || (!rs.batch && rs.n != 1) ||
	    rs.n > (size_t)cfg.max_batch)
		abort();
	for (i = 0; i < rs.n; i++) {
		const struct request *r = &rs.items[i];

		if (!r->code || !r->tests || !r->stdin_data ||
		    r->timeout_ms < 100 || r->timeout_ms > cfg.timeout_ms ||
		    r->memory_mb < 16 || r->memory_mb > cfg.memory_mb ||
		    r->test_timeout_ms > r->timeout_ms ||
		    r->code[r->code_len] != '\0')
			abort();
		cost += r->timeout_ms;
	}
	if (rs.batch && cost > cfg.max_batch_cost_ms)
		abort();
	request_set_release(&rs);
	return 0;
}
