#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llsr/config.h"
#include "llsr/request.h"
#include "llsr/utf8.h"

/* Any body either parses into a request whose limits respect the caps, or
 * is refused with a 4xx and a code whose message is well-formed UTF-8 (it
 * may echo the body's bytes); nothing else. Both forms, single and batch. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static int init;
	struct request r;
	struct request_set rs;
	struct llsr_err e;

	if (!init) {
		config_defaults(&cfg);
		init = 1;
	}
	err_clear(&e);
	if (request_parse(&r, (const char *)data, size, &cfg, &e) == 0) {
		if (!r.code || !r.tests || !r.stdin_data ||
		    r.timeout_ms < 100 || r.timeout_ms > cfg.timeout_ms ||
		    r.memory_mb < 16 || r.memory_mb > cfg.memory_mb ||
		    r.test_timeout_ms > r.timeout_ms ||
		    r.code[r.code_len] != '\0')
			abort();
		request_release(&r);
	} else if (e.status < 400 || e.status > 500 || !e.code ||
		   !utf8_valid(e.message, strlen(e.message))) {
		abort();
	}
	err_clear(&e);
	if (request_parse_set(&rs, (const char *)data, size, &cfg, &e) == 0)
		request_set_release(&rs);
	else if (e.status < 400 || e.status > 500 || !e.code ||
		 !utf8_valid(e.message, strlen(e.message)))
		abort();
	return 0;
}
