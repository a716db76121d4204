#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <fcgiapp.h>

#include "llsr/auth.h"
#include "llsr/board.h"
#include "llsr/build.h"
#include "llsr/clock.h"
#include "llsr/fair.h"
#include "llsr/log.h"
#include "llsr/metrics.h"
#include "llsr/peer.h"
#include "llsr/server.h"

static volatile sig_atomic_t stopping;

/* A worker serves one request at a time. Requests that find every worker
 * busy wait in the listening socket's queue, which all workers of the pool
 * draw from in order. While its worker is busy, a second thread (the
 * overflow thread) watches that queue: when no worker is idle (the board
 * says who is) and more than max_queue requests wait (the kernel tells,
 * through sock_diag), it takes the oldest and answers it at once with 503
 * and Retry-After, so that an overloaded pool refuses clearly instead of
 * leaving clients hanging or to a web server's own 500.
 *
 * Accepting is ours, not libfcgi's: both threads poll the (non-blocking)
 * listening socket and accept, then hand the connection to FCGX_Accept_r
 * through FCGX_Request.ipcFd, with keepConnection set so that the
 * FCGX_Finish_r inside FCGX_Accept_r does not close it; libfcgi then reads
 * the request from that descriptor as if it had accepted it. */
#define QUEUE_MAX 64 /* connections handed to an idle main thread */

struct server {
	struct service *svc;
	const struct config *cfg;
	struct board *board;
	struct fair *fair; /* per-client limits, shared by the pool */
	int lfd;
	struct peer_list peers; /* FCGI_WEB_SERVER_ADDRS */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int busy;	     /* the main thread has a request */
	int quit;	     /* the overflow thread must end */
	int held[QUEUE_MAX]; /* accepted while busy, oldest first */
	int nheld;
	int efd; /* wakes the main thread: one is held */
};

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
	case 429: return "Too Many Requests";
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
		snprintf(msg, sizeof(msg),
			 "body of %llu bytes is over the "
			 "limit of %ld bytes",
			 len, cfg->max_body_bytes);
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

/* ---- fair shares ---- */

/* The limits of token number tok (-1: a client known by its address). */
static void
client_limits(const struct config *cfg, int tok, struct fair_limits *lim)
{
	lim->concurrency = cfg->client_concurrency;
	lim->rate = cfg->client_rate;
	lim->burst = cfg->client_burst;
	if (tok < 0)
		return;
	if (cfg->auth_concurrency[tok] >= 0)
		lim->concurrency = cfg->auth_concurrency[tok];
	if (cfg->auth_rate[tok] >= 0)
		lim->rate = cfg->auth_rate[tok];
	if (cfg->auth_burst[tok] >= 0)
		lim->burst = cfg->auth_burst[tok];
}

/* Admits the request under its client's share, or answers it with 429.
 * The client is its token (tok >= 0) or, without tokens, its address as
 * the web server saw it (behind a proxy: the proxy's). 0 when admitted;
 * the caller then calls fair_leave before the answer goes out, so that a
 * client's next request never finds this one still counted. */
static int
fair_admit(struct server *sv, FCGX_Request *req, int tok, struct reply *rp)
{
	struct fair_limits lim;
	char key[96], msg[200];
	int64_t retry = 1000;
	int v;

	client_limits(sv->cfg, tok, &lim);
	if (tok >= 0)
		snprintf(key, sizeof(key), "token:%d", tok);
	else
		snprintf(key, sizeof(key), "addr:%.80s",
			 param(req, "REMOTE_ADDR"));
	v = fair_enter(sv->fair, key, &lim, clock_now_ms(), &retry);
	if (v == FAIR_ADMITTED)
		return 0;
	if (v == FAIR_CONCURRENCY)
		snprintf(msg, sizeof(msg),
			 "this client has %ld requests in service, its "
			 "limit; retry when one is answered",
			 lim.concurrency);
	else
		snprintf(msg, sizeof(msg),
			 "this client is over its rate of %g requests per "
			 "second (burst %ld); retry later",
			 lim.rate, lim.burst < 1 ? 1 : lim.burst);
	reply_error(rp, 429, "rate_limited", msg);
	rp->retry_after_s = (long)((retry + 999) / 1000);
	if (rp->retry_after_s < 1)
		rp->retry_after_s = 1;
	log_info("429 %s: %s", tok >= 0 ? "a token" : key + 5,
		 v == FAIR_CONCURRENCY ? "concurrency" : "rate");
	return -1;
}

/* /health's view of the shares: the highest concurrency any one client
 * reached, and the refusals. */
static void
fair_health(struct server *sv, struct reply *rp)
{
	json_object *o;

	if (rp->status != 200 || !rp->body)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "keyed_by",
			       json_object_new_string(auth_enabled(sv->cfg)
							      ? "token"
							      : "address"));
	json_object_object_add(o, "concurrency_peak",
			       json_object_new_int64(fair_peak(sv->fair)));
	json_object_object_add(
		o, "refused",
		json_object_new_int64((int64_t)fair_refused(sv->fair)));
	json_object_object_add(rp->body, "fair", o);
}

/* A route that only answers GET (and HEAD): 1 when the method is one of
 * them, else rp is the 405. */
static int
get_only(FCGX_Request *req, struct reply *rp, const char *path)
{
	const char *m = param(req, "REQUEST_METHOD");
	char msg[64];

	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
		return 1;
	snprintf(msg, sizeof(msg), "use GET for %s", path);
	reply_error(rp, 405, "method_not_allowed", msg);
	rp->allow = "GET, HEAD";
	return 0;
}

/* The label set of llsr_build_info. The values are the build's and the
 * config's, which hold no quote nor backslash (config.c checks the
 * runtime's name). */
static void
metrics_reply(struct server *sv, struct reply *rp)
{
	char labels[512];

	snprintf(labels, sizeof(labels),
		 "version=\"%s\",commit=\"%s\",runtime=\"%s\"", PACKAGE_VERSION,
		 build_commit,
		 sv->cfg->runtime[0] ? sv->cfg->runtime : "default");
	rp->text = metrics_render(sv->cfg->pool_size, labels, &rp->text_len);
	if (!rp->text) {
		reply_error(rp, 500, "internal_error", "out of memory");
		return;
	}
	rp->status = 200;
	rp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

static void
openapi_reply(struct reply *rp)
{
	rp->text = strdup(build_openapi);
	if (!rp->text) {
		reply_error(rp, 500, "internal_error", "out of memory");
		return;
	}
	rp->text_len = strlen(rp->text);
	rp->status = 200;
	rp->content_type = "application/json";
}

static void
route(struct server *sv, FCGX_Request *req, struct reply *rp,
      enum metrics_route rt)
{
	const struct config *cfg = sv->cfg;
	int open, tok = -1;

	/* /health, /version and /openapi.json are open to all: they tell
	 * nothing of other clients. /metrics (other clients' traffic) needs a
	 * token when tokens are configured; every other route does too. */
	open = rt == METRICS_ROUTE_HEALTH || rt == METRICS_ROUTE_VERSION ||
	       rt == METRICS_ROUTE_OPENAPI;
	if (!open && auth_enabled(cfg)) {
		tok = auth_match(cfg, param(req, "HTTP_AUTHORIZATION"));
		if (tok < 0) {
			reply_error(rp, 401, "unauthorized",
				    "'Authorization: Bearer <token>' is "
				    "required");
			return;
		}
	}
	/* So is a share, but for the monitors' routes: a scrape must not use
	 * up a client's share, nor be refused. */
	if (!open && rt != METRICS_ROUTE_METRICS &&
	    fair_admit(sv, req, tok, rp) < 0)
		return;
	switch (rt) {
	case METRICS_ROUTE_RUN_CODE: run_code(sv->svc, cfg, req, rp); break;
	case METRICS_ROUTE_HEALTH:
		if (get_only(req, rp, "/health"))
			service_health(sv->svc, rp);
		fair_health(sv, rp);
		break;
	case METRICS_ROUTE_VERSION:
		if (get_only(req, rp, "/version"))
			service_version(sv->svc, rp);
		break;
	case METRICS_ROUTE_METRICS:
		if (get_only(req, rp, "/metrics"))
			metrics_reply(sv, rp);
		break;
	case METRICS_ROUTE_OPENAPI:
		if (get_only(req, rp, "/openapi.json"))
			openapi_reply(rp);
		break;
	default:
		reply_error(rp, 404, "not_found",
			    "no such path; use POST /run_code (GET "
			    "/openapi.json describes the API)");
	}
	fair_leave(sv->fair);
}

static void
respond(FCGX_Request *req, struct reply *rp, const char *reqid)
{
	const char *allow = NULL;
	const char *body;
	char head[512], retry[48] = "";
	size_t len;
	int n;

	if (rp->status == 405)
		allow = rp->allow ? rp->allow : "POST";
	if (rp->status == 503)
		snprintf(retry, sizeof(retry), "Retry-After: 1\r\n");
	else if (rp->status == 429)
		snprintf(retry, sizeof(retry), "Retry-After: %ld\r\n",
			 rp->retry_after_s > 0 ? rp->retry_after_s : 1);
	if (rp->text) {
		body = rp->text;
		len = rp->text_len;
	} else {
		body = json_object_to_json_string_length(
			rp->body, JSON_C_TO_STRING_PLAIN, &len);
	}
	/* libfcgi's own printf knows no %zu: format here. */
	n = snprintf(head, sizeof(head),
		     "Status: %d %s\r\nContent-Type: %s\r\n"
		     "Content-Length: %zu\r\nX-Request-Id: %s\r\n"
		     "Cache-Control: no-store\r\n%s%s%s%s%s\r\n",
		     rp->status, reason(rp->status),
		     rp->text ? rp->content_type : "application/json",
		     len + (rp->text ? 0 : 1), reqid, allow ? "Allow: " : "",
		     allow ? allow : "", allow ? "\r\n" : "", retry,
		     rp->status == 401 ? "WWW-Authenticate: Bearer "
					 "realm=\"ll-solution-runner\"\r\n"
				       : "");
	FCGX_PutStr(head, n, req->out);
	FCGX_PutStr(body, (int)len, req->out);
	if (!rp->text)
		FCGX_PutChar('\n', req->out);
}

/* The route of req's path (REQUEST_URI up to a '?', else SCRIPT_NAME). */
static enum metrics_route
request_route(FCGX_Request *req)
{
	const char *uri = param(req, "REQUEST_URI");

	if (!*uri)
		return metrics_route_of(param(req, "SCRIPT_NAME"),
					strlen(param(req, "SCRIPT_NAME")));
	return metrics_route_of(uri, strcspn(uri, "?"));
}

/* Hands an accepted connection to libfcgi, which reads the request's
 * parameters from it. 0, or -1 when it was no valid FastCGI request (the
 * connection is closed then). */
static int
fcgi_take(FCGX_Request *req, int fd)
{
	req->keepConnection = 1;
	req->ipcFd = fd;
	if (FCGX_Accept_r(req) == 0)
		return 0;
	FCGX_Free(req, 1);
	return -1;
}

/* Answers a connection with 503 overloaded at once. */
static void
reject(struct server *sv, int fd, const char *why)
{
	struct reply rp = {0, NULL, "-", "-", 0, NULL, NULL, 0, NULL};
	FCGX_Request req;
	double t0 = clock_now_msf();

	if (FCGX_InitRequest(&req, sv->lfd, 0) != 0) {
		close(fd);
		return;
	}
	if (fcgi_take(&req, fd) == 0) {
		reply_error(&rp, 503, "overloaded", why);
		respond(&req, &rp, "-");
		metrics_request(request_route(&req), 503,
				(clock_now_msf() - t0) / 1000);
		log_warn("%s %s %s 503 overloaded", param(&req, "REMOTE_ADDR"),
			 param(&req, "REQUEST_METHOD"),
			 param(&req, "REQUEST_URI"));
		reply_release(&rp);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
}

/* Connections waiting in the listening socket's queue, from the kernel's
 * unix socket diagnostics; -1 when they cannot be had. */
static long
backlog_len(unsigned long ino)
{
	struct {
		struct nlmsghdr nh;
		struct unix_diag_req req;
	} msg;
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
	char buf[8192];
	long found = -1;
	int fd, done = 0;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -1;
	memset(&msg, 0, sizeof(msg));
	msg.nh.nlmsg_len = sizeof(msg);
	msg.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.req.sdiag_family = AF_UNIX;
	msg.req.udiag_states = 1u << 10; /* TCP_LISTEN */
	msg.req.udiag_show = UDIAG_SHOW_RQLEN;
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&nl,
		   sizeof(nl)) < 0)
		goto out;
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n <= 0)
			break;
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			struct unix_diag_msg *m = NLMSG_DATA(h);
			struct rtattr *a;
			int alen;

			if (h->nlmsg_type == NLMSG_DONE ||
			    h->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			if (m->udiag_ino != ino)
				continue;
			a = (struct rtattr *)(m + 1);
			alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
			for (; RTA_OK(a, alen); a = RTA_NEXT(a, alen))
				if (a->rta_type == UNIX_DIAG_RQLEN &&
				    RTA_PAYLOAD(a) >=
					    sizeof(struct unix_diag_rqlen))
					found = ((struct unix_diag_rqlen *)
							 RTA_DATA(a))
							->udiag_rqueue;
		}
	}
out:
	close(fd);
	return found;
}

/* Accepts the next connection; one from a peer not in
 * FCGI_WEB_SERVER_ADDRS is closed unanswered, as libfcgi's own accept
 * would. The connection, or -1 (none, or refused). */
static int
accept_peer(struct server *sv)
{
	int fd = accept4(sv->lfd, NULL, NULL, SOCK_CLOEXEC);
	char who[64];

	if (fd >= 0 && !peer_allowed(&sv->peers, fd)) {
		log_warn("closed a FastCGI connection from %s, not in "
			 "FCGI_WEB_SERVER_ADDRS",
			 peer_describe(fd, who, sizeof(who)));
		close(fd);
		return -1;
	}
	return fd;
}

static void *
overflow_main(void *arg)
{
	struct server *sv = arg;
	struct pollfd p = {.fd = sv->lfd, .events = POLLIN};
	struct stat st;
	sigset_t all;
	int warned = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (fstat(sv->lfd, &st) < 0)
		st.st_ino = 0;
	for (;;) {
		long waiting;
		int fd, take;

		pthread_mutex_lock(&sv->mu);
		while (!sv->busy && !sv->quit)
			pthread_cond_wait(&sv->cv, &sv->mu);
		take = !sv->quit;
		pthread_mutex_unlock(&sv->mu);
		if (!take)
			return NULL;
		if (poll(&p, 1, 100) <= 0)
			continue;
		/* An idle worker takes it: back off a moment. */
		if (board_idle_others(sv->board) > 0) {
			poll(NULL, 0, 5);
			continue;
		}
		waiting = backlog_len((unsigned long)st.st_ino);
		if (waiting < 0 && !warned) {
			log_warn("cannot read the socket's queue length "
				 "(sock_diag): overload is not refused early");
			warned = 1;
		}
		/* Connections held for the main thread wait their turn too. */
		pthread_mutex_lock(&sv->mu);
		if (waiting >= 0)
			waiting += sv->nheld;
		pthread_mutex_unlock(&sv->mu);
		if (waiting <= sv->cfg->max_queue) {
			/* They wait their turn; look again shortly. */
			poll(NULL, 0, 20);
			continue;
		}
		fd = accept_peer(sv);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&sv->mu);
		/* The main thread became idle meanwhile: it is its to serve. */
		take = !sv->busy && sv->nheld < QUEUE_MAX;
		if (take)
			sv->held[sv->nheld++] = fd;
		pthread_mutex_unlock(&sv->mu);
		if (take) {
			uint64_t one = 1;

			if (write(sv->efd, &one, sizeof(one)) < 0)
				log_warn("eventfd: %s", strerror(errno));
		} else {
			reject(sv, fd,
			       "every worker is busy and the queue is "
			       "full; retry later");
		}
	}
}

/* The next connection: a held one first, else one accepted within wait_ms.
 * -1 when there is none (timeout, a signal, lost a race). */
static int
next_connection(struct server *sv, int wait_ms)
{
	struct pollfd p[2] = {{.fd = sv->lfd, .events = POLLIN},
			      {.fd = sv->efd, .events = POLLIN}};
	uint64_t n;
	long ready_in;
	int fd = -1;

	if (read(sv->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("eventfd: %s", strerror(errno));
	pthread_mutex_lock(&sv->mu);
	if (sv->nheld > 0) {
		fd = sv->held[0];
		memmove(sv->held, sv->held + 1,
			(size_t)(--sv->nheld) * sizeof(sv->held[0]));
	}
	pthread_mutex_unlock(&sv->mu);
	if (fd >= 0)
		return fd;
	/* A warm container that was just started is still booting its
	 * harness, and a job handed to it waits for that (hundreds of ms on a
	 * loaded host). Such a worker posts itself warming, and wakes to post
	 * itself idle when the container is pool_ready_ms old. */
	ready_in = service_ready_in_ms(sv->svc);
	board_set(sv->board, ready_in > 0 ? BOARD_WARMING : BOARD_IDLE);
	if (ready_in > 0 && ready_in < wait_ms)
		wait_ms = (int)ready_in;
	if (poll(p, 2, wait_ms) <= 0 || !(p[0].revents & POLLIN))
		return -1;
	/* It leaves the connection to an idle worker whose container is
	 * ready, which accepts it in a moment; if none is (or it stays in the
	 * queue), this one takes it: a booting container is still sooner than
	 * a new one. */
	if (ready_in > 0 && board_ready_others(sv->board) > 0) {
		poll(NULL, 0, 5);
		return -1;
	}
	return accept_peer(sv);
}

static void
set_busy(struct server *sv, int busy)
{
	if (busy)
		board_set(sv->board, BOARD_BUSY);
	pthread_mutex_lock(&sv->mu);
	sv->busy = busy;
	pthread_cond_signal(&sv->cv);
	pthread_mutex_unlock(&sv->mu);
}

static void
serve(struct server *sv, FCGX_Request *req, unsigned long seq)
{
	struct reply rp = {0, NULL, "-", "-", 0, NULL, NULL, 0, NULL};
	char reqid[32], addr[64];
	double t0 = clock_now_msf();
	enum metrics_route rt = request_route(req);

	snprintf(reqid, sizeof(reqid), "%lx-%lu", (unsigned long)getpid(), seq);
	snprintf(addr, sizeof(addr), "%s", param(req, "REMOTE_ADDR"));
	log_set_request(reqid);
	route(sv, req, &rp, rt);
	respond(req, &rp, reqid);
	if (FCGX_GetError(req->out))
		log_warn("client went away before the response was sent");
	metrics_request(rt, rp.status, (clock_now_msf() - t0) / 1000);
	log_info("%s %s %s %d verdict=%s container=%s %.1fms",
		 addr[0] ? addr : "-", param(req, "REQUEST_METHOD"),
		 param(req, "REQUEST_URI"), rp.status, rp.verdict, rp.container,
		 clock_now_msf() - t0);
	reply_release(&rp);
	FCGX_Finish_r(req);
	/* Off the client's clock from here on. */
	service_after(sv->svc);
	log_set_request(NULL);
}

/* The longest a request can be in service: a run, the engine calls around
 * it, and a margin. A client's share held longer is stale (its worker's pid
 * was reused by another process). */
static int64_t
fair_hold_max_ms(const struct config *cfg)
{
	long run = cfg->batch_timeout_ms > cfg->timeout_ms
			   ? cfg->batch_timeout_ms
			   : cfg->timeout_ms;

	return (int64_t)run + 8 * (int64_t)cfg->engine_timeout_ms + 60000;
}

int
server_run(struct service *svc, const struct config *cfg)
{
	struct server sv;
	FCGX_Request req;
	pthread_t overflow;
	sigset_t held;
	unsigned long seq = 0;
	int64_t next_tick;
	size_t bad_at = 0;
	int fl, i, shared = 0;

	memset(&sv, 0, sizeof(sv));
	sv.svc = svc;
	sv.cfg = cfg;
	sv.lfd = 0;
	if (peer_list_from_env(&sv.peers, &bad_at) < 0) {
		log_error("FCGI_WEB_SERVER_ADDRS: entry at offset %zu is not "
			  "an IPv4 address a.b.c.d (or more than %d entries)",
			  bad_at, PEER_MAX);
		return -1;
	}
	pthread_mutex_init(&sv.mu, NULL);
	pthread_cond_init(&sv.cv, NULL);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, sv.lfd, 0) != 0) {
		log_error("libfcgi initialisation failed");
		return -1;
	}
	/* Several workers poll one listening socket: the loser of a race
	 * must get EAGAIN, not block. */
	fl = fcntl(sv.lfd, F_GETFL);
	if (fl < 0 || fcntl(sv.lfd, F_SETFL, fl | O_NONBLOCK) < 0) {
		log_error("fd 0 is not the listening socket (start me with "
			  "spawn-fcgi): %s",
			  strerror(errno));
		return -1;
	}
	sv.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sv.efd < 0) {
		log_error("eventfd: %s", strerror(errno));
		return -1;
	}
	sv.board = board_open(sv.lfd);
	if (!sv.board)
		log_warn("no shared board (%s): overload detection and "
			 "metrics are per worker",
			 strerror(errno));
	metrics_attach(sv.board);
	sv.fair = fair_open(sv.lfd, fair_hold_max_ms(cfg), &shared);
	if (!sv.fair) {
		log_error("out of memory");
		board_close(sv.board);
		close(sv.efd);
		return -1;
	}
	if (!shared)
		log_warn("no shared table of client shares (%s): client "
			 "limits hold per worker",
			 strerror(errno));
	if (pthread_create(&overflow, NULL, overflow_main, &sv) != 0) {
		log_error("cannot start the overflow thread");
		fair_close(sv.fair);
		board_close(sv.board);
		close(sv.efd);
		return -1;
	}
	/* Signals are held while a request is in hand: libfcgi does not retry
	 * reads and writes on EINTR, and the request must be finished. */
	sigemptyset(&held);
	sigaddset(&held, SIGTERM);
	sigaddset(&held, SIGINT);
	sigaddset(&held, SIGQUIT);
	sigaddset(&held, SIGHUP);
	next_tick = clock_now_ms() + 1000LL * service_tick_interval(svc);
	while (!stopping) {
		int64_t now;
		int fd;

		/* A signal held during the last request is delivered here. */
		sigprocmask(SIG_UNBLOCK, &held, NULL);
		if (stopping)
			break;
		now = clock_now_ms();
		if (now >= next_tick) {
			service_tick(svc);
			next_tick = clock_now_ms() +
				    1000LL * service_tick_interval(svc);
			continue;
		}
		fd = next_connection(&sv, (int)(next_tick - now));
		sigprocmask(SIG_BLOCK, &held, NULL);
		if (fd < 0)
			continue;
		set_busy(&sv, 1);
		if (fcgi_take(&req, fd) == 0)
			serve(&sv, &req, ++seq);
		set_busy(&sv, 0);
	}
	pthread_mutex_lock(&sv.mu);
	sv.quit = 1;
	pthread_cond_signal(&sv.cv);
	pthread_mutex_unlock(&sv.mu);
	pthread_join(overflow, NULL);
	/* Connections held for us are answered, not dropped. */
	for (i = 0; i < sv.nheld; i++)
		reject(&sv, sv.held[i], "the worker is shutting down; retry");
	fair_close(sv.fair);
	metrics_attach(NULL);
	board_close(sv.board);
	close(sv.efd);
	FCGX_Free(&req, 1);
	return 0;
}
