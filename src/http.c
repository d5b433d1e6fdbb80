/* http — hardened HTTPS GET over libcurl; see http.h. */
#include "http.h"

#include "curlload.h"
#include "url.h"

#include <sodium.h>

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Validators longer than this are not kept (nor sent back). */
#define VALIDATOR_MAX 1024

struct xfer {
	struct curl_api cu;
	CURL *curl;
	const struct http_req *req;
	struct http_resp *resp;
	size_t cap;
	bool too_big;
	bool oom;
	/* Of the latest response (reset at each status line: redirects). */
	char *etag;
	char *last_modified;
	char *retry_after;
	char *location;
	char reason[128]; /* reason phrase of the status line */
};

struct http_share {
	pthread_mutex_t mu;   /* guards sh's creation */
	CURLSH *sh;           /* NULL until a request needs it, or when it failed */
	bool tried;
	struct curl_api cu;
	pthread_mutex_t data[CURL_LOCK_DATA_LAST]; /* libcurl's locks, one a kind */
};

struct http_conn {
	struct curl_api cu;
	CURL *curl; /* NULL until the first request */
	struct http_share *share;
};

static void
share_lock(CURL *c, curl_lock_data data, curl_lock_access access, void *user)
{
	struct http_share *s = user;

	(void)c;
	(void)access;
	pthread_mutex_lock(&s->data[data]);
}

static void
share_unlock(CURL *c, curl_lock_data data, void *user)
{
	struct http_share *s = user;

	(void)c;
	pthread_mutex_unlock(&s->data[data]);
}

struct http_share *
http_share_new(void)
{
	struct http_share *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	pthread_mutex_init(&s->mu, NULL);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&s->data[i], NULL);
	return s;
}

void
http_share_free(struct http_share *s)
{
	if (!s)
		return;
	if (s->sh)
		s->cu.share_cleanup(s->sh);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&s->data[i]);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* The share's libcurl object, made by the first request that needs it;
 * NULL when it cannot be (the request then goes on without: sharing
 * only saves handshakes and lookups). */
static CURLSH *
share_get(struct http_share *s, const struct curl_api *cu)
{
	CURLSH *sh;

	pthread_mutex_lock(&s->mu);
	if (!s->tried) {
		s->tried = true;
		s->cu = *cu;
		if ((s->sh = cu->share_init()) &&
		    (cu->share_setopt(s->sh, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
		     cu->share_setopt(s->sh, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
		     cu->share_setopt(s->sh, CURLSHOPT_USERDATA, s) != CURLSHE_OK ||
		     cu->share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
		     cu->share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK)) {
			cu->share_cleanup(s->sh);
			s->sh = NULL;
		}
	}
	sh = s->sh;
	pthread_mutex_unlock(&s->mu);
	return sh;
}

struct http_conn *
http_conn_new(struct http_share *share)
{
	struct http_conn *conn = calloc(1, sizeof(struct http_conn));

	if (conn)
		conn->share = share;
	return conn;
}

void
http_conn_free(struct http_conn *conn)
{
	if (!conn)
		return;
	if (conn->curl)
		conn->cu.easy_cleanup(conn->curl);
	free(conn);
}

void
http_resp_clear(struct http_resp *resp)
{
	if (!resp)
		return;
	free(resp->body);
	free(resp->etag);
	free(resp->last_modified);
	memset(resp, 0, sizeof *resp);
}

static void seterr(struct err *err, const char *url, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
seterr(struct err *err, const char *url, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_setv(err, fmt, ap);
	va_end(ap);
	err_prefix(err, "%s", url);
	/* One line, whatever libcurl's texts hold. */
	for (char *p = err->msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	/* Ours and libcurl's URLs alike (the request's, a Location, the
	 * proxy's): no query value or userinfo leaves this module. */
	url_redact_text(err->msg, sizeof err->msg);
}

static void
wipe_free(char *s)
{
	if (s) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

void
http_auth_clear(struct http_auth *a)
{
	if (!a)
		return;
	wipe_free(a->user);
	wipe_free(a->password);
	wipe_free(a->header);
	memset(a, 0, sizeof *a);
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct xfer *x = ctx;
	struct http_resp *r = x->resp;
	size_t n = size * nmemb;
	long code = 0;

	/* An error page is not kept, whatever its size: the status says it. */
	if (x->cu.easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code != 200)
		return n;
	if (n > x->req->max_body || r->len > x->req->max_body - n) {
		x->too_big = true;
		return 0;
	}
	if (r->len + n + 1 > x->cap) {
		size_t cap = x->cap ? x->cap : 16384;
		char *nb;

		while (cap < r->len + n + 1)
			cap *= 2;
		if (cap > x->req->max_body + 1)
			cap = x->req->max_body + 1;
		if (!(nb = realloc(r->body, cap))) {
			x->oom = true;
			return 0;
		}
		r->body = nb;
		x->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* A header value worth keeping: printable ASCII, bounded. */
static char *
header_value(const char *v, size_t n)
{
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 0 || n > VALIDATOR_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			return NULL;
	return strndup(v, n);
}

static bool
header_is(const char *line, size_t n, const char *name, size_t *vstart)
{
	size_t k = strlen(name);

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return false;
	*vstart = k + 1;
	return true;
}

static size_t
on_header(char *line, size_t size, size_t nmemb, void *ctx)
{
	struct xfer *x = ctx;
	size_t n = size * nmemb, v;
	char **slot = NULL;

	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		const char *sp = memchr(line, ' ', n), *sp2;

		free(x->etag);
		free(x->last_modified);
		free(x->retry_after);
		x->etag = x->last_modified = x->retry_after = NULL;
		/* location is kept: it names the hop a refused redirect wanted. */
		x->reason[0] = '\0';
		if (sp && (sp2 = memchr(sp + 1, ' ', n - (size_t)(sp + 1 - line)))) {
			char *r = header_value(sp2 + 1, n - (size_t)(sp2 + 1 - line));

			if (r) {
				snprintf(x->reason, sizeof x->reason, " %s", r);
				free(r);
			}
		}
		return n;
	}
	if (header_is(line, n, "etag", &v))
		slot = &x->etag;
	else if (header_is(line, n, "last-modified", &v))
		slot = &x->last_modified;
	else if (header_is(line, n, "retry-after", &v))
		slot = &x->retry_after;
	else if (header_is(line, n, "location", &v))
		slot = &x->location;
	if (slot) {
		free(*slot);
		*slot = header_value(line + v, n - v);
	}
	return n;
}

time_t
http_parse_retry_after(const char *value, time_t now)
{
	struct curl_api cu;
	time_t t;

	if (!value || !*value)
		return 0;
	if (isdigit((unsigned char)value[0])) {
		char *end;
		unsigned long long s = strtoull(value, &end, 10);

		if (*end != '\0')
			return 0;
		if (s > HTTP_RETRY_AFTER_MAX)
			s = HTTP_RETRY_AFTER_MAX;
		return now + (time_t)s;
	}
	if (curlload(&cu, NULL) < 0)
		return 0;
	t = cu.getdate(value, NULL);
	if (t == -1)
		return 0;
	if (t < now)
		return now;
	if (t > now + HTTP_RETRY_AFTER_MAX)
		return now + HTTP_RETRY_AFTER_MAX;
	return t;
}

static void
size_text(uint64_t n, char *buf, size_t len)
{
	if (n >= (1u << 20) && n % (1u << 20) == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(n >> 20));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%lluk", (unsigned long long)(n >> 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)n);
}

/* Turn libcurl's result into one line naming the cause. */
static void
describe(CURL *c, CURLcode rc, const struct xfer *x, const char *ebuf, struct err *err)
{
	const struct http_req *req = x->req;
	const char *detail = ebuf[0] ? ebuf : x->cu.easy_strerror(rc);
	char *where = NULL, size[32];

	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		seterr(err, req->url, "DNS: %s", detail);
		break;
	case CURLE_COULDNT_RESOLVE_PROXY:
		seterr(err, req->url, "DNS (proxy %s): %s", req->proxy, detail);
		break;
	case CURLE_COULDNT_CONNECT:
		seterr(err, req->url, "connect: %s", detail);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
#if LIBCURL_VERSION_NUM < 0x073e00
	case CURLE_SSL_CACERT:
#endif
		seterr(err, req->url, "TLS certificate verification failed: %s", detail);
		break;
	case CURLE_SSL_CONNECT_ERROR:
		seterr(err, req->url, "TLS handshake failed: %s", detail);
		break;
	case CURLE_SSL_CACERT_BADFILE:
		if (req->ca_file && *req->ca_file)
			seterr(err, req->url, "ca_file %s unusable: %s", req->ca_file, detail);
		else
			seterr(err, req->url, "the system's CA bundle is unusable: %s", detail);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		seterr(err, req->url, "timeout: %s", detail);
		break;
	case CURLE_FILESIZE_EXCEEDED:
		size_text(req->max_body, size, sizeof size);
		seterr(err, req->url, "body larger than max_body (%s, announced by Content-Length)",
		       size);
		break;
	case CURLE_WRITE_ERROR:
		size_text(req->max_body, size, sizeof size);
		if (x->too_big)
			seterr(err, req->url, "body larger than max_body (%s)", size);
		else
			seterr(err, req->url, "out of memory for the body");
		break;
	case CURLE_PARTIAL_FILE:
		seterr(err, req->url, "truncated body: %s", detail);
		break;
	case CURLE_TOO_MANY_REDIRECTS:
		seterr(err, req->url, "more than %d redirects (a redirect loop?)",
		       HTTP_MAX_REDIRECTS);
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
		if (x->location || (x->cu.easy_getinfo(c, CURLINFO_REDIRECT_URL, &where) == CURLE_OK &&
				    where))
			seterr(err, req->url,
			       "redirect to %.300s refused: only https:// is followed",
			       x->location ? x->location : where);
		else
			seterr(err, req->url, "not https: %s", detail);
		break;
	case CURLE_BAD_CONTENT_ENCODING:
		seterr(err, req->url, "bad content encoding: %s", detail);
		break;
	case CURLE_GOT_NOTHING:
		seterr(err, req->url, "empty reply from server");
		break;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		seterr(err, req->url, "connection broken: %s", detail);
		break;
	default:
		seterr(err, req->url, "%s", detail);
		break;
	}
}

long long
http_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

enum http_status
http_get(const struct http_req *req, time_t now, struct http_resp *resp, struct err *err)
{
	struct xfer x = {.req = req, .resp = resp};
	char ebuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL, *nh;
	char line[VALIDATOR_MAX + 32];
	unsigned timeout = req->timeout ? req->timeout : 60;
	unsigned cto = req->connect_timeout ? req->connect_timeout : timeout < 15 ? timeout : 15;
	unsigned lst = req->low_speed_time ? req->low_speed_time : timeout / 2 < 30 ? timeout / 2 : 30;
	unsigned lsl = req->low_speed_limit ? req->low_speed_limit : 64;
	bool conditional = false, capath_only = false;
	char *default_cainfo = NULL, *capath = NULL, *info = NULL;
	enum http_status st = HTTP_FAIL;
	CURL *c;
	CURLcode rc;

	memset(resp, 0, sizeof *resp);
	if (lst == 0)
		lst = 1;
	if (strncasecmp(req->url, "https://", 8) != 0) {
		seterr(err, req->url, "not an https:// URL");
		return HTTP_FAIL;
	}
	long long timeout_ms = (long long)timeout * 1000;
	if (req->deadline_ms) {
		long long left = req->deadline_ms - http_now_ms();
		if (left <= 0) {
			seterr(err, req->url, "timeout: the source's timeout ran out before this request");
			return HTTP_FAIL;
		}
		if (left < timeout_ms)
			timeout_ms = left;
	}
	if (curlload(&x.cu, err) < 0) {
		seterr(err, req->url, "%s", err->msg);
		return HTTP_FAIL;
	}
	if (req->conn && req->conn->curl) {
		c = req->conn->curl;
	} else if (!(c = x.cu.easy_init())) {
		seterr(err, req->url, "cannot initialise libcurl");
		return HTTP_FAIL;
	} else if (req->conn) {
		req->conn->cu = x.cu;
		req->conn->curl = c;
	}
	x.curl = c;
	if (req->etag && *req->etag) {
		snprintf(line, sizeof line, "If-None-Match: %s", req->etag);
		if (!(nh = x.cu.slist_append(hdrs, line)))
			goto oom;
		hdrs = nh;
		conditional = true;
	}
	if (req->last_modified && *req->last_modified) {
		snprintf(line, sizeof line, "If-Modified-Since: %s", req->last_modified);
		if (!(nh = x.cu.slist_append(hdrs, line)))
			goto oom;
		hdrs = nh;
		conditional = true;
	}

	if (req->conn && req->conn->share) {
		CURLSH *sh = share_get(req->conn->share, &x.cu);
		if (sh)
			x.cu.easy_setopt(c, CURLOPT_SHARE, sh);
	}
	x.cu.easy_setopt(c, CURLOPT_URL, req->url);
	x.cu.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	x.cu.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	x.cu.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	x.cu.easy_setopt(c, CURLOPT_MAXREDIRS, (long)HTTP_MAX_REDIRECTS);
	x.cu.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	x.cu.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	x.cu.easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (req->ca_file && *req->ca_file) {
		x.cu.easy_setopt(c, CURLOPT_CAINFO, req->ca_file);
	} else if (x.cu.easy_getinfo(c, CURLINFO_CAINFO, &info) == CURLE_OK && info &&
		   x.cu.easy_getinfo(c, CURLINFO_CAPATH, &capath) == CURLE_OK && capath &&
		   access(capath, R_OK | X_OK) == 0 && (default_cainfo = strdup(info))) {
		/* (The handle owns `info`: copied before it is unset.) */
		/* Parsing the whole system bundle costs some 50 ms of CPU per
		 * handshake; the hashed CA directory gives the same trust and
		 * loads only the issuer needed.  Should the directory lack it
		 * (not rehashed), the bundle is tried once more below. */
		x.cu.easy_setopt(c, CURLOPT_CAINFO, NULL);
		capath_only = true;
	}
	/* "" disables the proxy, including http(s)_proxy/ALL_PROXY from the
	 * environment; NO_PROXY from the environment is ignored as well. */
	x.cu.easy_setopt(c, CURLOPT_PROXY, req->proxy ? req->proxy : "");
	x.cu.easy_setopt(c, CURLOPT_NOPROXY, "");
	x.cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	x.cu.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)((long long)cto * 1000 < timeout_ms ? (long long)cto * 1000 : timeout_ms));
	x.cu.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	x.cu.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long)lsl);
	x.cu.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)lst);
	x.cu.easy_setopt(c, CURLOPT_USERAGENT, "allowsync/" ALLOWSYNC_VERSION);
	x.cu.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	x.cu.easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body);
	x.cu.easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	x.cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	x.cu.easy_setopt(c, CURLOPT_WRITEDATA, &x);
	x.cu.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	x.cu.easy_setopt(c, CURLOPT_HEADERDATA, &x);
	/* Explicit, whatever the libcurl defaults: credentials stay with the
	 * configured host (not a redirect's), headers with the server (not
	 * the proxy's CONNECT). */
	x.cu.easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
	x.cu.easy_setopt(c, CURLOPT_HEADEROPT, CURLHEADER_SEPARATE);
	if (req->auth && req->auth->user) {
		x.cu.easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		x.cu.easy_setopt(c, CURLOPT_USERNAME, req->auth->user);
		x.cu.easy_setopt(c, CURLOPT_PASSWORD, req->auth->password ? req->auth->password : "");
	} else if (req->auth && req->auth->header) {
		if (!(nh = x.cu.slist_append(hdrs, req->auth->header)))
			goto oom;
		hdrs = nh;
	}
	if (hdrs)
		x.cu.easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);

	rc = x.cu.easy_perform(c);
	if (rc == CURLE_PEER_FAILED_VERIFICATION && capath_only) {
		free(resp->body);
		resp->body = NULL;
		resp->len = 0;
		x.cap = 0;
		x.too_big = x.oom = false;
		x.cu.easy_setopt(c, CURLOPT_CAINFO, default_cainfo);
		ebuf[0] = '\0';
		rc = x.cu.easy_perform(c);
	}
	x.cu.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->code);
	if (rc == CURLE_OK && resp->code != 200) {
		if (resp->code == 304 && conditional) {
			st = HTTP_NOT_MODIFIED;
			goto out;
		}
		if (resp->code == 429 || resp->code == 503)
			resp->retry_after = http_parse_retry_after(x.retry_after, now);
		if (resp->code == 304)
			seterr(err, req->url, "HTTP 304 to a request that was not conditional");
		else if (resp->code >= 300 && resp->code < 400)
			seterr(err, req->url, "HTTP %ld%s without a usable Location", resp->code,
			       x.reason);
		else
			seterr(err, req->url, "HTTP %ld%s%s", resp->code, x.reason,
			       resp->retry_after ? " (Retry-After given)" : "");
		goto out;
	}
	if (rc != CURLE_OK) {
		describe(c, rc, &x, ebuf, err);
		goto out;
	}
	if (!resp->body && !(resp->body = calloc(1, 1)))
		goto oom;
	resp->etag = x.etag;
	resp->last_modified = x.last_modified;
	x.etag = x.last_modified = NULL;
	st = HTTP_OK;
	goto out;
oom:
	seterr(err, req->url, "out of memory");
out:
	if (st != HTTP_OK) {
		free(resp->body);
		resp->body = NULL;
		resp->len = 0;
	}
	free(x.etag);
	free(x.last_modified);
	free(x.retry_after);
	free(x.location);
	free(default_cainfo);
	/* A kept handle forgets this request (its headers, buffers and
	 * callbacks point into this frame) but not its connection. */
	if (req->conn)
		x.cu.easy_reset(c);
	else
		x.cu.easy_cleanup(c);
	x.cu.slist_free_all(hdrs);
	return st;
}
