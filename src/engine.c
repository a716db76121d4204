#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "llsr/buf.h"
#include "llsr/clock.h"
#include "llsr/engine.h"

/* Engine answers we read are small JSON documents; a list of containers is
 * the largest. */
#define RESPONSE_MAX (4u << 20)
#define HEADER_MAX   (16u << 10)

struct engine {
	const struct config *cfg; /* borrowed */
	CURL *curl;		  /* reused for every plain call */
	struct curl_slist *json_hdr;
	char sock[512];	       /* unix socket path, "" for TCP */
	char base[512];	       /* scheme://host[:port] */
	char version[16];      /* negotiated, "" = not yet */
	char ping_version[16]; /* API-Version header of the last ping */
};

struct engine_stream {
	CURL *curl;
	curl_socket_t fd;
	int tls;
	char *pending; /* stream bytes that came with the headers */
	size_t pending_len, pending_off;
};

static int
version_cmp(const char *a, const char *b)
{
	long amaj = strtol(a, NULL, 10), bmaj = strtol(b, NULL, 10);
	const char *ad = strchr(a, '.'), *bd = strchr(b, '.');
	long amin = ad ? strtol(ad + 1, NULL, 10) : 0;
	long bmin = bd ? strtol(bd + 1, NULL, 10) : 0;

	if (amaj != bmaj)
		return amaj < bmaj ? -1 : 1;
	return amin < bmin ? -1 : amin > bmin;
}

struct engine *
engine_new(const struct config *cfg)
{
	struct engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->cfg = cfg;
	e->curl = curl_easy_init();
	e->json_hdr = curl_slist_append(NULL, "Content-Type: application/json");
	if (!e->curl || !e->json_hdr) {
		engine_free(e);
		return NULL;
	}
	if (strncmp(cfg->engine_url, "unix://", 7) == 0) {
		snprintf(e->sock, sizeof(e->sock), "%s", cfg->engine_url + 7);
		snprintf(e->base, sizeof(e->base), "http://localhost");
	} else {
		size_t n = strlen(cfg->engine_url);

		while (n > 0 && cfg->engine_url[n - 1] == '/')
			n--;
		snprintf(e->base, sizeof(e->base), "%.*s", (int)n,
			 cfg->engine_url);
	}
	return e;
}

void
engine_free(struct engine *e)
{
	if (!e)
		return;
	if (e->curl)
		curl_easy_cleanup(e->curl);
	curl_slist_free_all(e->json_hdr);
	free(e);
}

const char *
engine_api_version(const struct engine *e)
{
	return e->version;
}

/* Options shared by plain calls and the attach connection. */
static void
engine_setopts(struct engine *e, CURL *c)
{
	const struct config *cfg = e->cfg;

	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, cfg->engine_timeout_ms);
	if (e->sock[0])
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, e->sock);
	if (cfg->engine_tls_ca[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, cfg->engine_tls_ca);
	if (cfg->engine_tls_cert[0]) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, cfg->engine_tls_cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, cfg->engine_tls_key);
	}
}

static size_t
write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;

	if (buf_append(b, p, size * nmemb) < 0)
		return 0;
	return size * nmemb;
}

static size_t
header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct engine *e = arg;
	size_t n = size * nmemb;
	static const char key[] = "api-version:";

	if (n > sizeof(key) && strncasecmp(p, key, sizeof(key) - 1) == 0) {
		const char *v = p + sizeof(key) - 1;
		size_t vl = n - (sizeof(key) - 1);

		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' ||
			      v[vl - 1] == ' '))
			vl--;
		if (vl < sizeof(e->ping_version))
			snprintf(e->ping_version, sizeof(e->ping_version),
				 "%.*s", (int)vl, v);
	}
	return n;
}

/* Copies the engine's {"message": "..."} out of an error body. */
static const char *
engine_message(const struct buf *body, char *out, size_t outsz)
{
	json_object *o, *m;

	snprintf(out, outsz, "%s", "(no message)");
	if (!body->data)
		return out;
	o = json_tokener_parse(body->data);
	if (o && json_object_object_get_ex(o, "message", &m) &&
	    json_object_is_type(m, json_type_string))
		snprintf(out, outsz, "%s", json_object_get_string(m));
	else
		snprintf(out, outsz, "%.200s", body->data);
	json_object_put(o);
	return out;
}

/* One plain HTTP call. path is below the version prefix unless raw. */
static int
engine_call(struct engine *e, const char *method, const char *path, int raw,
	    const char *body, long *status, struct buf *resp,
	    struct llsr_err *err)
{
	char url[1024];
	CURLcode rc;
	CURL *c = e->curl;

	if (!raw && !e->version[0] && engine_ping(e, err) < 0)
		return -1;
	if (raw)
		snprintf(url, sizeof(url), "%s%s", e->base, path);
	else
		snprintf(url, sizeof(url), "%s/v%s%s", e->base, e->version,
			 path);

	curl_easy_reset(c);
	engine_setopts(e, c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, e->cfg->engine_timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, e);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE,
				 (long)(body ? strlen(body) : 0));
		if (body)
			curl_easy_setopt(c, CURLOPT_HTTPHEADER, e->json_hdr);
	} else if (strcmp(method, "DELETE") == 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
	}

	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		/* Negotiate again next time: the engine may come back as
		 * another version. */
		e->version[0] = '\0';
		if (rc == CURLE_WRITE_ERROR)
			return err_set(err, 503, "engine_error",
				       "engine answer to %s %s is too large",
				       method, path);
		return err_set(err, 503, "engine_unavailable",
			       "cannot reach the Docker engine at %s: %s",
			       e->cfg->engine_url, curl_easy_strerror(rc));
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

static int
engine_fail(const char *what, long status, const struct buf *resp,
	    struct llsr_err *err)
{
	char msg[384];

	return err_set(err, 503, "engine_error",
		       "engine %s failed: HTTP %ld: %s", what, status,
		       engine_message(resp, msg, sizeof(msg)));
}

int
engine_ping(struct engine *e, struct llsr_err *err)
{
	struct buf resp;
	long status = 0;
	int rc;

	buf_init(&resp, 4096);
	e->ping_version[0] = '\0';
	rc = engine_call(e, "GET", "/_ping", 1, NULL, &status, &resp, err);
	if (rc < 0)
		goto out;
	if (status != 200) {
		rc = err_set(err, 503, "engine_unavailable",
			     "Docker engine at %s answered ping with HTTP %ld",
			     e->cfg->engine_url, status);
		goto out;
	}
	if (strcmp(e->cfg->engine_api_version, "auto") != 0) {
		snprintf(e->version, sizeof(e->version), "%s",
			 e->cfg->engine_api_version);
		goto out;
	}
	if (!e->ping_version[0] ||
	    version_cmp(e->ping_version, ENGINE_API_MIN) < 0) {
		rc = err_set(err, 503, "engine_unavailable",
			     "Docker engine API version '%s' is older than %s",
			     e->ping_version, ENGINE_API_MIN);
		goto out;
	}
	snprintf(e->version, sizeof(e->version), "%s",
		 version_cmp(e->ping_version, ENGINE_API_MAX) < 0
			 ? e->ping_version
			 : ENGINE_API_MAX);
out:
	buf_release(&resp);
	return rc;
}

static int
valid_id(const char *s)
{
	size_t i;

	for (i = 0; i < ENGINE_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

int
engine_create(struct engine *e, const char *name, json_object *spec, char *id,
	      struct llsr_err *err)
{
	char path[256];
	struct buf resp;
	long status = 0;
	json_object *o = NULL, *v;
	const char *warning = NULL;
	int rc = -1;

	buf_init(&resp, RESPONSE_MAX);
	snprintf(path, sizeof(path), "/containers/create?name=%s", name);
	if (engine_call(e, "POST", path, 0,
			json_object_to_json_string_ext(spec,
						       JSON_C_TO_STRING_PLAIN),
			&status, &resp, err) < 0)
		goto out;
	if (status == 404) {
		err_set(err, 503, "image_missing",
			"sandbox image '%s' is missing on the engine: build it "
			"with docker/build-image.sh",
			e->cfg->image);
		goto out;
	}
	if (status != 201) {
		engine_fail("create", status, &resp, err);
		goto out;
	}
	o = json_tokener_parse(resp.data ? resp.data : "");
	if (!o || !json_object_object_get_ex(o, "Id", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    !valid_id(json_object_get_string(v))) {
		err_set(err, 503, "engine_error",
			"engine create gave no valid Id");
		goto out;
	}
	memcpy(id, json_object_get_string(v), ENGINE_ID_LEN + 1);
	if (json_object_object_get_ex(o, "Warnings", &v) &&
	    json_object_is_type(v, json_type_array)) {
		size_t i, n = json_object_array_length(v);

		for (i = 0; i < n && !warning; i++) {
			json_object *w = json_object_array_get_idx(v, i);

			if (json_object_is_type(w, json_type_string) &&
			    json_object_get_string_len(w) > 0)
				warning = json_object_get_string(w);
		}
	}
	if (warning) {
		/* A limit the host cannot enforce is dropped with only this
		 * string: never run a sandbox weaker than configured. */
		err_set(err, 503, "sandbox_refused",
			"the engine could not apply the sandbox policy: %s",
			warning);
		engine_remove(e, id, NULL);
		id[0] = '\0';
		goto out;
	}
	rc = 0;
out:
	json_object_put(o);
	buf_release(&resp);
	return rc;
}

/* A POST or DELETE on /containers/{id}{suffix} whose answer carries no
 * body we need. ok1 is success; ok2 and ok3 (0: none) are further statuses
 * that also count as success. */
static int
container_action(struct engine *e, const char *method, const char *id,
		 const char *suffix, const char *what, long ok1, long ok2,
		 long ok3, struct llsr_err *err)
{
	char path[256];
	struct buf resp;
	long status = 0;
	int rc;

	buf_init(&resp, RESPONSE_MAX);
	snprintf(path, sizeof(path), "/containers/%s%s", id, suffix);
	rc = engine_call(e, method, path, 0, NULL, &status, &resp, err);
	if (rc == 0 && status != ok1 && status != ok2 && status != ok3)
		rc = engine_fail(what, status, &resp, err);
	buf_release(&resp);
	return rc;
}

int
engine_start(struct engine *e, const char *id, struct llsr_err *err)
{
	return container_action(e, "POST", id, "/start", "start", 204, 304, 204,
				err);
}

int
engine_kill(struct engine *e, const char *id, struct llsr_err *err)
{
	return container_action(e, "POST", id, "/kill?signal=SIGKILL", "kill",
				204, 404, 409, err);
}

int
engine_remove(struct engine *e, const char *id, struct llsr_err *err)
{
	return container_action(e, "DELETE", id, "?force=1&v=1", "remove", 204,
				404, 409, err);
}

static int
state_flag(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) &&
	       json_object_get_boolean(v);
}

int
engine_inspect(struct engine *e, const char *id, struct engine_state *st,
	       struct llsr_err *err)
{
	char path[256];
	struct buf resp;
	long status = 0;
	json_object *o = NULL, *state, *v;
	int rc = -1;

	buf_init(&resp, RESPONSE_MAX);
	snprintf(path, sizeof(path), "/containers/%s/json", id);
	if (engine_call(e, "GET", path, 0, NULL, &status, &resp, err) < 0)
		goto out;
	if (status != 200) {
		engine_fail("inspect", status, &resp, err);
		goto out;
	}
	o = json_tokener_parse(resp.data ? resp.data : "");
	if (!o || !json_object_object_get_ex(o, "State", &state)) {
		err_set(err, 503, "engine_error",
			"engine inspect gave no State");
		goto out;
	}
	st->running = state_flag(state, "Running");
	st->oom_killed = state_flag(state, "OOMKilled");
	st->exit_code = json_object_object_get_ex(state, "ExitCode", &v)
				? json_object_get_int(v)
				: -1;
	rc = 0;
out:
	json_object_put(o);
	buf_release(&resp);
	return rc;
}

int
engine_update_limits(struct engine *e, const char *id, long memory_mb,
		     double cpus, long pids, struct llsr_err *err)
{
	char path[256], body[192];
	struct buf resp;
	long long mem = (long long)memory_mb << 20;
	long status = 0;
	int rc;

	buf_init(&resp, RESPONSE_MAX);
	snprintf(path, sizeof(path), "/containers/%s/update", id);
	snprintf(body, sizeof(body),
		 "{\"Memory\":%lld,\"MemorySwap\":%lld,\"NanoCpus\":%lld,"
		 "\"PidsLimit\":%ld}",
		 mem, mem, (long long)(cpus * 1e9), pids);
	rc = engine_call(e, "POST", path, 0, body, &status, &resp, err);
	if (rc == 0 && status != 200)
		rc = engine_fail("update", status, &resp, err);
	buf_release(&resp);
	return rc;
}

int
engine_image_present(struct engine *e, const char *image, int *present,
		     struct llsr_err *err)
{
	char path[512];
	struct buf resp;
	long status = 0;
	char *esc;
	int rc;

	esc = curl_easy_escape(e->curl, image, 0);
	if (!esc)
		return err_set(err, 500, "internal_error", "out of memory");
	buf_init(&resp, RESPONSE_MAX);
	snprintf(path, sizeof(path), "/images/%s/json", esc);
	curl_free(esc);
	rc = engine_call(e, "GET", path, 0, NULL, &status, &resp, err);
	if (rc == 0) {
		if (status == 200 || status == 404)
			*present = status == 200;
		else
			rc = engine_fail("image inspect", status, &resp, err);
	}
	buf_release(&resp);
	return rc;
}

int
engine_image_id(struct engine *e, const char *image, char *id, size_t size,
		struct llsr_err *err)
{
	char path[512];
	struct buf resp;
	long status = 0;
	json_object *o;
	char *esc;
	int rc;

	id[0] = '\0';
	esc = curl_easy_escape(e->curl, image, 0);
	if (!esc)
		return err_set(err, 500, "internal_error", "out of memory");
	buf_init(&resp, RESPONSE_MAX);
	snprintf(path, sizeof(path), "/images/%s/json", esc);
	curl_free(esc);
	rc = engine_call(e, "GET", path, 0, NULL, &status, &resp, err);
	if (rc == 0 && status == 200) {
		const char *v;

		o = json_tokener_parse(resp.data ? resp.data : "");
		v = json_object_get_string(json_object_object_get(o, "Id"));
		snprintf(id, size, "%s", v ? v : "");
		json_object_put(o);
	} else if (rc == 0 && status != 404) {
		rc = engine_fail("image inspect", status, &resp, err);
	}
	buf_release(&resp);
	return rc;
}

const char *
engine_libcurl_version(void)
{
	return curl_version_info(CURLVERSION_NOW)->version;
}

int
engine_runtime_known(struct engine *e, const char *name, int *known,
		     struct llsr_err *err)
{
	struct buf resp;
	long status = 0;
	json_object *o = NULL, *rt;
	int rc = -1;

	buf_init(&resp, RESPONSE_MAX);
	if (engine_call(e, "GET", "/info", 0, NULL, &status, &resp, err) < 0)
		goto out;
	if (status != 200) {
		engine_fail("info", status, &resp, err);
		goto out;
	}
	o = json_tokener_parse(resp.data ? resp.data : "");
	*known = o && json_object_object_get_ex(o, "Runtimes", &rt) &&
		 json_object_object_get_ex(rt, name, NULL);
	rc = 0;
out:
	json_object_put(o);
	buf_release(&resp);
	return rc;
}

int
engine_list_labelled(struct engine *e, const char *label, json_object **list,
		     struct llsr_err *err)
{
	char path[512], filter[256];
	struct buf resp;
	long status = 0;
	json_object *o = NULL, *keep;
	char *esc;
	size_t i, len;
	int rc = -1;

	*list = NULL;
	snprintf(filter, sizeof(filter), "{\"label\":[\"%s\"]}", label);
	esc = curl_easy_escape(e->curl, filter, 0);
	if (!esc)
		return err_set(err, 500, "internal_error", "out of memory");
	snprintf(path, sizeof(path), "/containers/json?all=1&filters=%s", esc);
	curl_free(esc);
	buf_init(&resp, RESPONSE_MAX);
	if (engine_call(e, "GET", path, 0, NULL, &status, &resp, err) < 0)
		goto out;
	if (status != 200) {
		engine_fail("list", status, &resp, err);
		goto out;
	}
	o = json_tokener_parse(resp.data ? resp.data : "");
	if (!o || !json_object_is_type(o, json_type_array)) {
		err_set(err, 503, "engine_error",
			"engine list is not an array");
		goto out;
	}
	keep = json_object_new_array();
	len = json_object_array_length(o);
	for (i = 0; keep && i < len; i++) {
		json_object *c = json_object_array_get_idx(o, i), *v, *l;

		if (json_object_object_get_ex(c, "Id", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    valid_id(json_object_get_string(v)) &&
		    json_object_object_get_ex(c, "Labels", &l) &&
		    json_object_is_type(l, json_type_object))
			json_object_array_add(keep, json_object_get(c));
	}
	*list = keep;
	rc = keep ? 0 : err_set(err, 500, "internal_error", "out of memory");
out:
	json_object_put(o);
	buf_release(&resp);
	return rc;
}

/* ---- the hijacked attach connection ---- */

static int
wait_fd(curl_socket_t fd, short events, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int64_t left;
	int n;

	for (;;) {
		left = deadline - clock_now_ms();
		if (left <= 0)
			return ENGINE_ETIMEDOUT;
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

int
engine_stream_send(struct engine_stream *s, const void *data, size_t len,
		   int64_t deadline)
{
	const char *p = data;

	while (len > 0) {
		size_t sent = 0;
		CURLcode rc = curl_easy_send(s->curl, p, len, &sent);
		int w;

		if (rc == CURLE_OK) {
			p += sent;
			len -= sent;
			continue;
		}
		if (rc != CURLE_AGAIN)
			return -1;
		w = wait_fd(s->fd, POLLOUT, deadline);
		if (w < 0)
			return w;
	}
	return 0;
}

void
engine_stream_close_write(struct engine_stream *s)
{
	/* Over TLS a half-close would end the session; the harness reads a
	 * length-prefixed frame and does not need the end of file. */
	if (!s->tls)
		shutdown(s->fd, SHUT_WR);
}

long
engine_stream_recv(struct engine_stream *s, void *buf, size_t cap,
		   int64_t deadline)
{
	for (;;) {
		size_t got = 0;
		CURLcode rc;
		int w;

		if (s->pending_off < s->pending_len) {
			size_t n = s->pending_len - s->pending_off;

			if (n > cap)
				n = cap;
			memcpy(buf, s->pending + s->pending_off, n);
			s->pending_off += n;
			return (long)n;
		}
		rc = curl_easy_recv(s->curl, buf, cap, &got);
		if (rc == CURLE_OK)
			return (long)got;
		if (rc != CURLE_AGAIN)
			return -1;
		w = wait_fd(s->fd, POLLIN, deadline);
		if (w < 0)
			return w;
	}
}

int
engine_stream_idle(struct engine_stream *s)
{
	struct pollfd p = {.fd = s->fd, .events = POLLIN};

	if (s->pending_off < s->pending_len)
		return 0;
	return poll(&p, 1, 0) == 0;
}

void
engine_stream_free(struct engine_stream *s)
{
	if (!s)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	free(s->pending);
	free(s);
}

/* Reads the HTTP response head of the upgrade; keeps what follows it. */
static int
attach_read_head(struct engine_stream *s, int64_t deadline,
		 struct llsr_err *err)
{
	struct buf head;
	char chunk[4096];
	char *end;
	long status;
	int rc = -1;

	buf_init(&head, HEADER_MAX);
	for (;;) {
		long n = engine_stream_recv(s, chunk, sizeof(chunk), deadline);

		if (n <= 0) {
			err_set(err, 503, "engine_unavailable",
				"engine closed or timed out the attach request");
			goto out;
		}
		if (buf_append(&head, chunk, (size_t)n) < 0) {
			err_set(err, 503, "engine_error",
				"engine attach answer head is too large");
			goto out;
		}
		end = memmem(head.data, head.len, "\r\n\r\n", 4);
		if (end)
			break;
	}
	if (strncmp(head.data, "HTTP/1.", 7) != 0 || head.len < 12) {
		err_set(err, 503, "engine_error", "engine attach: not HTTP");
		goto out;
	}
	status = strtol(head.data + 9, NULL, 10);
	if (status != 101 && status != 200) {
		err_set(err, 503, "engine_error", "engine attach failed: %.*s",
			(int)(strcspn(head.data, "\r\n")), head.data);
		goto out;
	}
	end += 4;
	s->pending_len = head.len - (size_t)(end - head.data);
	if (s->pending_len) {
		s->pending = malloc(s->pending_len);
		if (!s->pending) {
			err_set(err, 500, "internal_error", "out of memory");
			goto out;
		}
		memcpy(s->pending, end, s->pending_len);
	}
	rc = 0;
out:
	buf_release(&head);
	return rc;
}

int
engine_attach(struct engine *e, const char *id, struct engine_stream **out,
	      struct llsr_err *err)
{
	struct engine_stream *s;
	char req[512];
	int64_t deadline = clock_now_ms() + e->cfg->engine_timeout_ms;
	CURLcode rc;
	int n;

	*out = NULL;
	if (!e->version[0] && engine_ping(e, err) < 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->curl = curl_easy_init())) {
		free(s);
		return err_set(err, 500, "internal_error", "out of memory");
	}
	s->tls = strncmp(e->base, "https://", 8) == 0;
	engine_setopts(e, s->curl);
	curl_easy_setopt(s->curl, CURLOPT_URL, e->base);
	curl_easy_setopt(s->curl, CURLOPT_CONNECT_ONLY, 1L);
	rc = curl_easy_perform(s->curl);
	if (rc != CURLE_OK) {
		e->version[0] = '\0';
		err_set(err, 503, "engine_unavailable",
			"cannot reach the Docker engine at %s: %s",
			e->cfg->engine_url, curl_easy_strerror(rc));
		goto fail;
	}
	curl_easy_getinfo(s->curl, CURLINFO_ACTIVESOCKET, &s->fd);
	n = snprintf(req, sizeof(req),
		     "POST /v%s/containers/%s/attach?stream=1&stdin=1&stdout=1"
		     "&stderr=1 HTTP/1.1\r\nHost: docker\r\nUpgrade: tcp\r\n"
		     "Connection: Upgrade\r\nContent-Length: 0\r\n\r\n",
		     e->version, id);
	if (engine_stream_send(s, req, (size_t)n, deadline) < 0) {
		err_set(err, 503, "engine_unavailable",
			"engine did not take the attach request");
		goto fail;
	}
	if (attach_read_head(s, deadline, err) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	engine_stream_free(s);
	return -1;
}
