#ifndef LLSR_ENGINE_H
#define LLSR_ENGINE_H
/* A client for the Docker Engine HTTP API over libcurl: a unix socket by
 * default, plain TCP or TCP+TLS for a remote engine. It knows containers and
 * streams, nothing of submissions or verdicts. Every call but the stream
 * itself is bounded by cfg->engine_timeout_ms. Errors are 503s with codes
 * engine_unavailable (cannot connect, timed out), image_missing,
 * sandbox_refused (the engine could not apply a limit) or engine_error (any
 * other answer), and a message that carries the engine's own. */

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "llsr/config.h"
#include "llsr/err.h"

/* The newest API version this client speaks; older engines are used at
 * their own version, newer ones at this. */
#define ENGINE_API_MAX "1.47"
/* The oldest one it accepts (Init, PidsLimit, NanoCpus need 1.25). */
#define ENGINE_API_MIN "1.25"

#define ENGINE_ID_LEN 64

struct engine;
struct engine_stream;

struct engine_state {
	int running;
	int exit_code;
	int oom_killed;
};

/* cfg is borrowed and must outlive the engine. Does not connect. Returns
 * NULL on ENOMEM. */
struct engine *engine_new(const struct config *cfg);
void engine_free(struct engine *e);

/* Pings the engine and negotiates the API version (unless the config pins
 * one). Called lazily by every other call; after a failure to connect, the
 * next call negotiates again, so an engine that restarts is picked up. */
int engine_ping(struct engine *e, struct llsr_err *err);

/* The negotiated version, e.g. "1.41", or "" before the first ping. */
const char *engine_api_version(const struct engine *e);

/* Creates a container named name from spec (borrowed). On success writes the
 * 64-hex id into id (ENGINE_ID_LEN + 1 bytes). A create answered with
 * Warnings is removed again and refused with sandbox_refused. */
int engine_create(struct engine *e, const char *name, json_object *spec,
		  char *id, struct llsr_err *err);
int engine_start(struct engine *e, const char *id, struct llsr_err *err);
/* SIGKILL; a container that is gone or not running counts as success. */
int engine_kill(struct engine *e, const char *id, struct llsr_err *err);
/* Force-removes with its volumes; 404 (already gone) counts as success. */
int engine_remove(struct engine *e, const char *id, struct llsr_err *err);
int engine_inspect(struct engine *e, const char *id, struct engine_state *st,
		   struct llsr_err *err);
/* Changes a running container's limits: memory (and swap, to the same),
 * CPUs and pids. */
int engine_update_limits(struct engine *e, const char *id, long memory_mb,
			 double cpus, long pids, struct llsr_err *err);
/* Sets *present to 1 or 0. */
int engine_image_present(struct engine *e, const char *image, int *present,
			 struct llsr_err *err);

/* Writes the id ("sha256:...") of image into id (size bytes), or "" when
 * the engine has no such image. */
int engine_image_id(struct engine *e, const char *image, char *id, size_t size,
		    struct llsr_err *err);

/* The version of libcurl in use, e.g. "7.88.1". */
const char *engine_libcurl_version(void);

/* Sets *known to whether the engine offers the OCI runtime name. */
int engine_runtime_known(struct engine *e, const char *name, int *known,
			 struct llsr_err *err);

/* Lists the containers (all states) carrying label: *list is a new JSON
 * array (caller frees with json_object_put) of the engine's summaries,
 * each with a valid 64-hex "Id" and a "Labels" object. */
int engine_list_labelled(struct engine *e, const char *label,
			 json_object **list, struct llsr_err *err);

/* Attaches to a created container's stdin/stdout/stderr (hijacked
 * connection, raw stream). Attach before start so that nothing is missed.
 * *s is freed with engine_stream_free. */
int engine_attach(struct engine *e, const char *id, struct engine_stream **s,
		  struct llsr_err *err);

#define ENGINE_ETIMEDOUT (-2)

/* Sends all of data before deadline (clock_now_ms scale). 0, -1 on error,
 * ENGINE_ETIMEDOUT. */
int engine_stream_send(struct engine_stream *s, const void *data, size_t len,
		       int64_t deadline);
/* Ends our side of stdin where the transport allows it (not over TLS). */
void engine_stream_close_write(struct engine_stream *s);
/* Reads up to cap bytes before deadline: returns the count, 0 at end of
 * stream, -1 on error, ENGINE_ETIMEDOUT. */
long engine_stream_recv(struct engine_stream *s, void *buf, size_t cap,
			int64_t deadline);
/* 1 when nothing can be read right now and the peer has not closed: a
 * waiting harness writes nothing, so anything else means it is broken. */
int engine_stream_idle(struct engine_stream *s);
void engine_stream_free(struct engine_stream *s);

#endif
