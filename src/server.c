#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "llsr/auth.h"
#include "llsr/clock.h"
#include "llsr/log.h"
#include "llsr/server.h"

static volatile sig_atomic_t stopping;
static volatile sig_atomic_t ticked;

static void
on_alarm(int sig)
{
	(void)sig;
	ticked = 1;
}

void
server_stop(void)
{
	stopping = 1;
	FCGX_ShutdownPending();
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

static const char *
param(FCGX_Request *req, const char *name)
{
	const char *v = FCGX_GetParam(name, req->envp);

	return v ? v : "";
}

static int
is_json(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, want, n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Reads exactly len bytes of body into a fresh buffer (caller frees). */
static char *
read_body(FCGX_Request *req, size_t len)
{
	char *body = malloc(len + 1);
	size_t got = 0;

	if (!body)
		return NULL;
	while (got < len) {
		size_t want = len - got > (1u << 20) ? (1u << 20) : len - got;
		int n = FCGX_GetStr(body + got, (int)want, req->in);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != len) {
		free(body);
		return NULL;
	}
	body[len] = '\0';
	return body;
}

static void
run_code(struct service *svc, const struct config *cfg, FCGX_Request *req,
	 struct reply *rp)
{
	const char *cl = param(req, "CONTENT_LENGTH");
	unsigned long long len;
	char *end, *body, msg[160];

	if (strcmp(param(req, "REQUEST_METHOD"), "POST") != 0) {
		reply_error(rp, 405, "method_not_allowed",
			    "use POST for /run_code");
		return;
	}
	if (!is_json(param(req, "CONTENT_TYPE"))) {
		reply_error(rp, 415, "unsupported_media_type",
			    "Content-Type must be application/json");
		return;
	}
	errno = 0;
	len = strtoull(cl, &end, 10);
	if (!*cl || *end || errno || cl[0] == '-') {
		reply_error(rp, 411, "length_required",
			    "a Content-Length is required");
		return;
	}
	if (len > (unsigned long long)cfg->max_body_bytes) {
		snprintf(msg, sizeof(msg), "body of %llu bytes is over the "
			 "limit of %ld bytes", len, cfg->max_body_bytes);
		reply_error(rp, 413, "body_too_large", msg);
		return;
	}
	body = read_body(req, (size_t)len);
	if (!body) {
		reply_error(rp, 400, "invalid_json",
			    "body ended before Content-Length bytes");
		return;
	}
	service_run_code(svc, body, (size_t)len, rp);
	free(body);
}

static void
route(struct service *svc, const struct config *cfg, FCGX_Request *req,
      struct reply *rp)
{
	const char *uri = param(req, "REQUEST_URI");
	size_t plen = strcspn(uri, "?");

	if (!*uri)
		uri = param(req, "SCRIPT_NAME"), plen = strlen(uri);
	/* Every route but /health needs a token when tokens are configured. */
	if (!(plen == 7 && strncmp(uri, "/health", 7) == 0) &&
	    auth_check(cfg, param(req, "HTTP_AUTHORIZATION")) < 0) {
		reply_error(rp, 401, "unauthorized",
			    "a valid 'Authorization: Bearer <token>' is required");
		return;
	}
	if (plen == 9 && strncmp(uri, "/run_code", 9) == 0) {
		run_code(svc, cfg, req, rp);
	} else if (plen == 7 && strncmp(uri, "/health", 7) == 0) {
		if (strcmp(param(req, "REQUEST_METHOD"), "GET") != 0 &&
		    strcmp(param(req, "REQUEST_METHOD"), "HEAD") != 0)
			reply_error(rp, 405, "method_not_allowed",
				    "use GET for /health");
		else
			service_health(svc, rp);
	} else {
		reply_error(rp, 404, "not_found", "no such path; use POST /run_code");
	}
}

static void
respond(FCGX_Request *req, struct reply *rp, const char *reqid)
{
	const char *allow = NULL;
	const char *body;
	char head[512];
	size_t len;
	int n;

	if (rp->status == 405)
		allow = strncmp(param(req, "REQUEST_URI"), "/health", 7) == 0 ?
				"GET, HEAD" : "POST";
	body = json_object_to_json_string_length(rp->body, JSON_C_TO_STRING_PLAIN,
						 &len);
	/* libfcgi's own printf knows no %zu: format here. */
	n = snprintf(head, sizeof(head),
		     "Status: %d %s\r\nContent-Type: application/json\r\n"
		     "Content-Length: %zu\r\nX-Request-Id: %s\r\n"
		     "Cache-Control: no-store\r\n%s%s%s%s%s\r\n",
		     rp->status, reason(rp->status), len + 1, reqid,
		     allow ? "Allow: " : "", allow ? allow : "",
		     allow ? "\r\n" : "",
		     rp->status == 503 ? "Retry-After: 1\r\n" : "",
		     rp->status == 401 ? "WWW-Authenticate: Bearer "
					 "realm=\"ll-solution-runner\"\r\n"
				       : "");
	FCGX_PutStr(head, n, req->out);
	FCGX_PutStr(body, (int)len, req->out);
	FCGX_PutChar('\n', req->out);
}

int
server_run(struct service *svc, const struct config *cfg)
{
	FCGX_Request req;
	struct sigaction sa;
	sigset_t held;
	unsigned long seq = 0;
	int n, rc = 0;

	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		return -1;
	}
	if (FCGX_InitRequest(&req, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_error("FCGX_InitRequest failed");
		return -1;
	}
	/* A periodic alarm interrupts the accept (no SA_RESTART) so that idle
	 * upkeep runs between requests. */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(service_tick_interval(svc));
	/* Signals are held while a request is in hand: libfcgi does not retry
	 * reads and writes on EINTR, and the request must be finished. */
	sigemptyset(&held);
	sigaddset(&held, SIGTERM);
	sigaddset(&held, SIGINT);
	sigaddset(&held, SIGQUIT);
	sigaddset(&held, SIGHUP);
	sigaddset(&held, SIGALRM);
	while (!stopping) {
		struct reply rp = { 0, NULL, "-", "-" };
		char reqid[32], addr[64];
		double t0;

		sigprocmask(SIG_UNBLOCK, &held, NULL);
		if (stopping)
			break;
		if (ticked) {
			ticked = 0;
			sigprocmask(SIG_BLOCK, &held, NULL);
			service_tick(svc);
			alarm(service_tick_interval(svc));
			continue;
		}
		n = FCGX_Accept_r(&req);
		sigprocmask(SIG_BLOCK, &held, NULL);
		if (n < 0) {
			if (stopping || errno == EINTR)
				continue;
			log_error("accept failed: %s", strerror(errno));
			rc = -1;
			break;
		}
		t0 = clock_now_msf();
		snprintf(reqid, sizeof(reqid), "%lx-%lu", (unsigned long)getpid(),
			 ++seq);
		snprintf(addr, sizeof(addr), "%s", param(&req, "REMOTE_ADDR"));
		log_set_request(reqid);
		route(svc, cfg, &req, &rp);
		respond(&req, &rp, reqid);
		if (FCGX_GetError(req.out))
			log_warn("client went away before the response was sent");
		log_info("%s %s %s %d verdict=%s container=%s %.1fms",
			 addr[0] ? addr : "-", param(&req, "REQUEST_METHOD"),
			 param(&req, "REQUEST_URI"), rp.status, rp.verdict,
			 rp.container, clock_now_msf() - t0);
		reply_release(&rp);
		FCGX_Finish_r(&req);
		/* Off the client's clock from here on. */
		service_after(svc);
		log_set_request(NULL);
	}
	alarm(0);
	FCGX_Free(&req, 1);
	return rc;
}
