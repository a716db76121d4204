#ifndef LLSR_SERVICE_H
#define LLSR_SERVICE_H
/* The application behind the HTTP routes: validates a /run_code body, runs
 * it, and builds the JSON answer. Work that must not delay the client
 * (removing the used container) is kept for service_after. Knows nothing of
 * FastCGI. */

#include <stddef.h>

#include <json-c/json.h>

#include "llsr/config.h"
#include "llsr/err.h"

struct service;

struct reply {
	int status;	     /* HTTP status */
	json_object *body;   /* owned by the reply; reply_release */
	const char *verdict; /* for the access log, "-" if none; a string
			      * literal or one inside body: valid until
			      * reply_release */
	char container[16];  /* short container id or "-" */
	long retry_after_s;  /* Retry-After of a 429, seconds; 0 = none */
	const char *allow;   /* Allow of a 405 (static); NULL: "POST" */
	char *text;	     /* a body that is not JSON (owned; freed by
			      * reply_release), sent instead of body */
	size_t text_len;
	const char *content_type; /* of text (static) */
};

/* cfg is borrowed and must outlive the service. NULL on ENOMEM. */
struct service *service_new(const struct config *cfg);
void service_free(struct service *s);

/* Checks the engine once at start-up: reachable, API version, image,
 * runtime. Returns 0, or -1 when the configuration cannot work (unknown
 * runtime): that is fatal. An unreachable engine only logs a warning. */
int service_startup(struct service *s);

void service_run_code(struct service *s, const char *body, size_t len,
		      struct reply *rp);
void service_health(struct service *s, struct reply *rp);
/* GET /version: the build, the sandbox image and runtime, the libraries. */
void service_version(struct service *s, struct reply *rp);

/* Fills rp with {"error": {code, message}}. */
void reply_error(struct reply *rp, int status, const char *code,
		 const char *message);
/* The same from an error; a batch element's error also carries "index". */
void reply_error_at(struct reply *rp, const struct llsr_err *err);
void reply_release(struct reply *rp);

/* Runs the deferred work: hands the used container to the reaper thread,
 * which removes it while this warms the next one. Call after the response
 * is finished. */
void service_after(struct service *s);

/* Milliseconds until this worker's next warm container is pool_ready_ms
 * old. A younger one was started but its harness may still be booting,
 * and a job handed to it waits for that. 0 when it is old enough, or when
 * there is none (the pool is off or could not be filled). */
long service_ready_in_ms(struct service *s);

/* Periodic upkeep while idle: replaces warm containers that grew too old
 * or died, retries what failed. Call every service_tick_interval seconds. */
void service_tick(struct service *s);
unsigned service_tick_interval(const struct service *s);

#endif
