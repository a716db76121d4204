#include "config.h"

#include <string.h>

#include "llsr/outcome.h"

void
outcome_init(struct run_outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->exit_code = -1;
	buf_init(&o->diag, OUTCOME_DIAG_MAX);
}

void
outcome_release(struct run_outcome *o)
{
	json_object_put(o->report);
	o->report = NULL;
	buf_release(&o->diag);
}
