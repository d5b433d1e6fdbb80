/* http — one HTTPS GET with libcurl, hardened for fetching range documents.
 *
 * HTTPS only, redirects only to HTTPS and at most HTTP_MAX_REDIRECTS;
 * TLS verification always on (`ca_file` adds a CA bundle; the system's
 * CA directory stays trusted); proxies from the environment are ignored
 * unless one is configured; connect, total and low-speed timeouts;
 * User-Agent allowsync/VERSION; any content encoding libcurl decodes
 * (gzip…).  The body is capped at max_body in the write callback, after
 * decoding, because libcurl does not stop a running decoded transfer on
 * CURLOPT_MAXFILESIZE — so a gzip bomb or an endless body fails cleanly.
 *
 * Credentials (http_auth) go to req->url's host only: libcurl drops them
 * on a redirect to another host, scheme or port (CURLOPT_UNRESTRICTED_AUTH
 * stays off), and a custom Authorization header is never sent to a proxy
 * (CURLHEADER_SEPARATE).  Every message goes through url_redact_text:
 * no query value or userinfo of any URL reaches err.
 *
 * Only 200 is data; 304 answers a conditional request (stored ETag /
 * Last-Modified).  429 and 503 report Retry-After as an absolute time.
 */
#ifndef ALLOWSYNC_HTTP_H
#define ALLOWSYNC_HTTP_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define HTTP_MAX_REDIRECTS 5
/* A Retry-After further away than this is shortened to it: a publisher
 * must not be able to silence a source for months. */
#define HTTP_RETRY_AFTER_MAX (24 * 3600)

/* What an auth_file holds: HTTP Basic, or one header line. */
struct http_auth {
	char *user;     /* with password: HTTP Basic */
	char *password;
	char *header;   /* or "Authorization: …", sent as it is */
};

/* Wipe and free what a holds (a itself is the caller's); NULL is a no-op. */
void http_auth_clear(struct http_auth *a);

/* A connection kept from one request to the next: a document and its
 * signature on the same server cost one TCP and TLS handshake, not two.
 * It holds one libcurl handle, reset between requests (which keeps its
 * connection and TLS session cache, nothing else: every request sets all
 * its options afresh).  One per source and collect; not thread-safe. */
struct http_conn;

/* What the sources of a run share while they are collected at once
 * (on threads, parallel.h): TLS sessions and DNS answers, so a second
 * source on a server resumes the first's TLS session.  Not connections:
 * libcurl's connection sharing is not safe between concurrent threads
 * (its KNOWN_BUGS); each source keeps its own (http_conn).  libcurl is
 * opened only when a request uses it.  NULL on ENOMEM; free once every
 * connection using it is freed; http_share_free(NULL) is a no-op. */
struct http_share;
struct http_share *http_share_new(void);
void http_share_free(struct http_share *share);

/* NULL on ENOMEM.  share: NULL, or what the connection's requests share
 * with other sources'.  http_conn_free(NULL) is a no-op. */
struct http_conn *http_conn_new(struct http_share *share);
void http_conn_free(struct http_conn *conn);

struct http_req {
	const char *url;
	struct http_conn *conn;    /* NULL: a connection for this request only */
	const char *ca_file;       /* extra CA bundle; NULL = the system's only */
	const char *proxy;         /* NULL or "" = direct, whatever the environment says */
	unsigned timeout;          /* seconds for the whole transfer */
	/* When the whole collect must be over (http_deadline_ms's clock;
	 * 0 = none): a transfer gets only what is left of it, so a document
	 * and its signature together keep within the source's timeout. */
	long long deadline_ms;
	unsigned connect_timeout;  /* seconds; 0 = min(timeout, 15) */
	unsigned low_speed_time;   /* abort when slower than low_speed_limit for this
				    * many seconds; 0 = min(timeout / 2, 30), at least 1 */
	unsigned low_speed_limit;  /* bytes/s; 0 = 64 */
	uint64_t max_body;         /* bytes after decoding */
	const char *etag;          /* conditional request: If-None-Match */
	const char *last_modified; /* If-Modified-Since (sent as stored) */
	const struct http_auth *auth; /* NULL: none */
};

/* Milliseconds on the monotonic clock, for http_req.deadline_ms. */
long long http_now_ms(void);

enum http_status {
	HTTP_OK = 0,           /* 200: body holds the document */
	HTTP_NOT_MODIFIED = 1, /* 304 */
	HTTP_FAIL = -1,        /* err says why */
};

struct http_resp {
	long code;            /* last HTTP status, 0 when none */
	char *body;           /* NUL-terminated (the NUL is not counted) */
	size_t len;
	char *etag;           /* validators of the 200 response, or NULL */
	char *last_modified;
	time_t retry_after;   /* 429/503 with Retry-After: absolute time; else 0 */
};

/* GET req->url.  `now` anchors Retry-After.  The response is zeroed
 * first; release it with http_resp_clear.  On HTTP_FAIL, err holds one
 * line naming the URL and the cause. */
enum http_status http_get(const struct http_req *req, time_t now, struct http_resp *resp,
			  struct err *err);
void http_resp_clear(struct http_resp *resp);

/* Retry-After value (delay-seconds or HTTP-date) to an absolute time,
 * capped at now + HTTP_RETRY_AFTER_MAX; 0 when unparsable. */
time_t http_parse_retry_after(const char *value, time_t now);

#endif
