/* One submission from a body, through the parser production uses
 * (request_parse_set): a batch body is refused here. For the unit tests
 * that look at one request. */
#ifndef LLSR_TEST_PARSE_ONE_H
#define LLSR_TEST_PARSE_ONE_H

#include <stdlib.h>
#include <string.h>

#include "llsr/request.h"

static inline int
parse_one(struct request *r, const char *body, size_t len,
	  const struct config *cfg, struct llsr_err *e)
{
	struct request_set rs;

	memset(r, 0, sizeof(*r));
	if (request_parse_set(&rs, body, len, cfg, e) < 0)
		return -1;
	if (rs.batch || rs.n != 1) {
		request_set_release(&rs);
		return err_set(e, 400, "invalid_field",
			       "a batch where one submission was expected");
	}
	*r = rs.items[0];
	free(rs.items);
	return 0;
}

#endif
