#ifndef LLSR_SERVER_H
#define LLSR_SERVER_H
/* The FastCGI responder: accepts on fd 0 (as spawn-fcgi hands the socket
 * over), routes, enforces the HTTP-level rules (method, content type, body
 * cap before reading), and writes the response. The service's deferred work
 * runs after FCGX_Finish_r, off the client's clock. Knows no Docker. */

#include "llsr/config.h"
#include "llsr/service.h"

/* Serves until server_stop is called (from a signal handler). The request
 * in hand is finished first. Returns 0, or -1 when accepting failed. */
int server_run(struct service *svc, const struct config *cfg);

/* Async-signal-safe. */
void server_stop(void);

#endif
