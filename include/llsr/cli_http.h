#ifndef LLSR_CLI_HTTP_H
#define LLSR_CLI_HTTP_H
/* The client side of the HTTP API, for llsr(1): JSON POSTs with libcurl to
 * one base URL, a bearer token, a transport timeout, and retries of 503s
 * that carry Retry-After. Knows nothing of what the bodies mean.
 * curl_global_init must have been called. */

#include <stddef.h>

#include <json-c/json.h>

#include "llsr/buf.h"

struct curl_slist;

/* Answers are capped: a batch of 1000 results, each with its output capped
 * by the server, fits. */
#define CLI_HTTP_BODY_MAX (256u << 20)
/* A single wait on Retry-After never exceeds this many seconds. */
#define CLI_HTTP_RETRY_AFTER_MAX 60

struct cli_http {
	void *curl; /* CURL *, owned */
	char *base; /* the base URL without a trailing '/', owned */
	struct curl_slist *headers; /* owned */
	long timeout_s;		    /* whole-request timeout; 0: none */
	int retries;	       /* 503 + Retry-After retried this many times */
	unsigned long retried; /* how many retries happened so far */
	/* Called about once a second while a request is under way, and while
	 * waiting out a Retry-After; a nonzero return abandons the request
	 * (cli_http_post fails with CLI_HTTP_ABORTED). NULL: none. */
	int (*tick)(void *arg);
	void *tick_arg;
	int failure; /* why the last cli_http_post failed: enum below */
};

enum cli_http_failure {
	CLI_HTTP_OK = 0,
	CLI_HTTP_TRANSPORT, /* refused, reset, answer too large, ... */
	CLI_HTTP_TIMEOUT,   /* no whole answer within timeout_s */
	CLI_HTTP_ABORTED,   /* tick asked to stop */
};

struct cli_http_resp {
	long status;	 /* HTTP status */
	struct buf body; /* caller releases: buf_release */
};

/* Prepares h for url (http:// or https://), with "Authorization: Bearer
 * token" on every request when token is non-NULL and non-empty (borrowed,
 * copied). Returns 0, or -1 with a message in err. */
int cli_http_init(struct cli_http *h, const char *url, const char *token,
		  long timeout_s, int retries, char *err, size_t errlen);

/* Frees what h owns. h can be NULL. */
void cli_http_release(struct cli_http *h);

/* POSTs body[0..len) as application/json to base + path. On an answer (any
 * status) returns 0 and fills r (initialise nothing; release r->body). A 503
 * with a Retry-After header is retried up to h->retries times after the wait
 * it asks for (capped at CLI_HTTP_RETRY_AFTER_MAX); the last answer is the
 * one returned. On a transport failure (refused, timeout, body over
 * CLI_HTTP_BODY_MAX) returns -1 with a message in err and h->failure set. */
int cli_http_post(struct cli_http *h, const char *path, const char *body,
		  size_t len, struct cli_http_resp *r, char *err,
		  size_t errlen);

/* Parses r's body as one JSON object. Returns it (caller puts), or NULL with
 * a message in err. */
json_object *cli_http_parse(const struct cli_http_resp *r, char *err,
			    size_t errlen);

/* Describes a non-200 answer: "HTTP 400 invalid_field: message" when the
 * body is the API's error shape, else the status and the start of the body. */
void cli_http_describe(const struct cli_http_resp *r, char *out, size_t len);

#endif
