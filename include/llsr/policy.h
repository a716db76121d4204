#ifndef LLSR_POLICY_H
#define LLSR_POLICY_H
/* The sandbox policy: turns the configuration and a request's limits into
 * an Engine API container spec (the body of POST /containers/create). It
 * touches no socket. */

#include <json-c/json.h>

#include "llsr/config.h"

/* Label every container of ours carries, so that a sweeper can find them. */
#define POLICY_LABEL "ll-solution-runner"

/* The command the image runs: the harness, reading its job from stdin. */
#define POLICY_HARNESS_PATH "/opt/llsr/harness.py"

/* The size of a sandbox: a single run's is the configuration's (a client
 * may lower memory_mb); a batch's is larger. */
struct policy_limits {
	long memory_mb;
	double cpus;
	long pids;
	long deadline_unix; /* when the container must be gone at the latest */
	long uid; /* its uid and gid (from uid_range); 0: the config's user */
};

/* Under runtime "runsc" the engine's pids limit counts gVisor's own host
 * processes and threads too: the container gets this many times the
 * configured limit (at most POLICY_PIDS_MAX). */
#define POLICY_RUNSC_PIDS_FACTOR 8
#define POLICY_PIDS_MAX		 65536

/* The PidsLimit given to the engine for a sandbox of pids processes. */
long policy_engine_pids(const struct config *cfg, long pids);

/* Under runtime "runsc" the engine's memory limit holds gVisor's kernel
 * (the Sentry) too, and going over it kills the whole sandbox: the harness
 * then limits each process of the submission to memory_mb itself (see
 * harness_frame), and the container gets this much more room, for the
 * Sentry and the harness's own processes. */
#define POLICY_RUNSC_MEMORY_EXTRA_MB 192

/* The Memory limit (MiB) given to the engine for a sandbox of memory_mb. */
long policy_engine_memory_mb(const struct config *cfg, long memory_mb);

/* Returns a new spec (caller frees with json_object_put), or NULL on ENOMEM.
 * owner is a free-form string identifying the worker (host:pid:start). */
json_object *policy_container_spec(const struct config *cfg,
				   const struct policy_limits *lim,
				   const char *owner);

#endif
