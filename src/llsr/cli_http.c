#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "llsr/cli_http.h"
#include "llsr/err.h"

int
cli_http_init(struct cli_http *h, const char *url, const char *token,
	      long timeout_s, int retries, char *err, size_t errlen)
{
	struct curl_slist *l;
	char *auth = NULL;
	size_t n;
	int rc = -1;

	memset(h, 0, sizeof(*h));
	h->timeout_s = timeout_s;
	h->retries = retries;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return err_buf(err, errlen,
			       "--url must start with http:// or "
			       "https://: '%s'",
			       url);
	h->base = strdup(url);
	if (!h->base)
		goto nomem;
	n = strlen(h->base);
	while (n > 8 && h->base[n - 1] == '/')
		h->base[--n] = '\0';
	h->curl = curl_easy_init();
	if (!h->curl)
		goto nomem;
	l = curl_slist_append(NULL, "Content-Type: application/json");
	if (!l)
		goto nomem;
	h->headers = l;
	/* No "Expect: 100-continue" round trip for bodies over 1 KiB. */
	l = curl_slist_append(h->headers, "Expect:");
	if (!l)
		goto nomem;
	h->headers = l;
	if (token && *token) {
		if (strpbrk(token, "\r\n")) {
			err_buf(err, errlen, "the token contains a line break");
			goto out;
		}
		n = strlen(token) + sizeof("Authorization: Bearer ");
		auth = malloc(n);
		if (!auth)
			goto nomem;
		snprintf(auth, n, "Authorization: Bearer %s", token);
		l = curl_slist_append(h->headers, auth);
		if (!l)
			goto nomem;
		h->headers = l;
	}
	rc = 0;
	goto out;
nomem:
	err_buf(err, errlen, "out of memory");
out:
	if (auth) {
		/* The token is a secret: do not leave it in freed memory. */
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	if (rc < 0)
		cli_http_release(h);
	return rc;
}

void
cli_http_release(struct cli_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	free(h->base);
	h->curl = NULL;
	h->headers = NULL;
	h->base = NULL;
}

struct sink {
	struct buf *body;
	int too_large;
	long retry_after; /* -1: no header */
};

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	if (buf_append(s->body, p, n) < 0) {
		s->too_large = 1;
		return 0; /* aborts the transfer */
	}
	return n;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	static const char name[] = "retry-after:";
	struct sink *s = arg;
	size_t n = size * nmemb, i = sizeof(name) - 1;
	char num[16], *end;
	size_t j = 0;
	long v;

	if (n <= i || strncasecmp(p, name, i) != 0)
		return n;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	while (i < n && j < sizeof(num) - 1 && isdigit((unsigned char)p[i]))
		num[j++] = p[i++];
	num[j] = '\0';
	/* An HTTP-date, or nonsense: wait one second. */
	s->retry_after = 1;
	if (j) {
		errno = 0;
		v = strtol(num, &end, 10);
		if (!errno && *end == '\0')
			s->retry_after = v;
	}
	return n;
}

/* Waits s seconds, a second at a time so that h->tick can stop it; -1 when
 * it did. */
static int
wait_seconds(struct cli_http *h, long s)
{
	struct timespec ts;

	if (s > CLI_HTTP_RETRY_AFTER_MAX)
		s = CLI_HTTP_RETRY_AFTER_MAX;
	for (; s > 0; s--) {
		if (h->tick && h->tick(h->tick_arg))
			return -1;
		ts.tv_sec = 1;
		ts.tv_nsec = 0;
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			if (h->tick && h->tick(h->tick_arg))
				return -1;
	}
	return 0;
}

static int
on_xfer(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
	curl_off_t ulnow)
{
	struct cli_http *h = arg;

	return h->tick && h->tick(h->tick_arg) ? 1 : 0;
}

/* One POST; 0 with r filled, or -1. */
static int
post_once(struct cli_http *h, const char *url, const char *body, size_t len,
	  struct cli_http_resp *r, long *retry_after, char *err, size_t errlen)
{
	CURL *c = h->curl;
	struct sink s;
	CURLcode cc;

	buf_init(&r->body, CLI_HTTP_BODY_MAX);
	r->status = 0;
	s.body = &r->body;
	s.too_large = 0;
	s.retry_after = -1;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, h->timeout_s);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "llsr/" PACKAGE_VERSION);
	/* Never follow a redirect: it would resend the token elsewhere. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	if (h->tick) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xfer);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	cc = curl_easy_perform(c);
	h->failure = CLI_HTTP_TRANSPORT;
	if (s.too_large) {
		buf_release(&r->body);
		return err_buf(err, errlen, "%s: answer over %u bytes", url,
			       CLI_HTTP_BODY_MAX);
	}
	if (cc != CURLE_OK) {
		buf_release(&r->body);
		if (cc == CURLE_OPERATION_TIMEDOUT)
			h->failure = CLI_HTTP_TIMEOUT;
		else if (cc == CURLE_ABORTED_BY_CALLBACK)
			h->failure = CLI_HTTP_ABORTED;
		if (cc == CURLE_ABORTED_BY_CALLBACK)
			return err_buf(err, errlen, "interrupted");
		return err_buf(err, errlen, "%s: %s", url,
			       curl_easy_strerror(cc));
	}
	h->failure = CLI_HTTP_OK;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	*retry_after = s.retry_after;
	return 0;
}

int
cli_http_post(struct cli_http *h, const char *path, const char *body,
	      size_t len, struct cli_http_resp *r, char *err, size_t errlen)
{
	char *url;
	size_t n;
	long retry_after = -1;
	int attempt, rc = -1;

	n = strlen(h->base) + strlen(path) + 1;
	url = malloc(n);
	if (!url)
		return err_buf(err, errlen, "out of memory");
	snprintf(url, n, "%s%s", h->base, path);
	for (attempt = 0;; attempt++) {
		if (post_once(h, url, body, len, r, &retry_after, err, errlen) <
		    0)
			goto out;
		if (r->status != 503 || retry_after < 0 ||
		    attempt >= h->retries)
			break;
		buf_release(&r->body);
		h->retried++;
		if (wait_seconds(h, retry_after) < 0) {
			h->failure = CLI_HTTP_ABORTED;
			err_buf(err, errlen, "interrupted");
			goto out;
		}
	}
	rc = 0;
out:
	free(url);
	return rc;
}

json_object *
cli_http_parse(const struct cli_http_resp *r, char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *o;
	size_t end;

	if (!r->body.len) {
		err_buf(err, errlen, "HTTP %ld with an empty body", r->status);
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		err_buf(err, errlen, "out of memory");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, r->body.data, (int)r->body.len);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (o && end < r->body.len &&
	       isspace((unsigned char)r->body.data[end]))
		end++;
	if (!o || end != r->body.len ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		err_buf(err, errlen,
			"HTTP %ld: the answer is not a JSON object: "
			"%.80s",
			r->status, r->body.data);
		return NULL;
	}
	return o;
}

void
cli_http_describe(const struct cli_http_resp *r, char *out, size_t len)
{
	json_object *o, *e, *code, *msg;

	o = cli_http_parse(r, NULL, 0);
	if (o && json_object_object_get_ex(o, "error", &e) &&
	    json_object_object_get_ex(e, "code", &code) &&
	    json_object_object_get_ex(e, "message", &msg)) {
		snprintf(out, len, "HTTP %ld %s: %s", r->status,
			 json_object_get_string(code),
			 json_object_get_string(msg));
	} else {
		snprintf(out, len, "HTTP %ld: %.200s", r->status,
			 r->body.data ? r->body.data : "(empty body)");
	}
	json_object_put(o);
}
