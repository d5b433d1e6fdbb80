/* src_url — the `url` source: a document over HTTPS (http.h), read as
 * text or JSON (docformat.h).
 *
 * Each source keeps the last document it fetched and accepted under
 * STATE_DIR/cache/NAME.body, described by NAME.meta (URL, validators,
 * when it was downloaded and last confirmed, a fingerprint of the
 * format/select/sha256 that parsed it, a digest of the body).  With it a
 * fetch is a conditional request, `refresh` can skip the request, and a
 * 304 costs no download.
 *
 * A 304 (or a fresh cache) is reported as not modified only when the
 * pipeline's last good list came from that very body (its basis, the
 * body's digest, which every fetch reports in source_result.basis) under
 * the same configuration (its fingerprint, source.h): otherwise that
 * body may have been refused downstream (policy, guards) and reporting
 * "not modified" would pass the older list off as current — so the body
 * is parsed again and goes through the policy again.  (Times could not
 * tell: a good fetch and a refused one may fall in the same second.)
 *
 * A signed document (pubkey, sigsrc.h) and its signature are fetched
 * over one connection (http_conn).  A 304 needs no signature request
 * while the one kept with the cache vouches for the cached body, and
 * writes nothing: a warm run is one request, and with the last good list
 * from that body it is neither verified (sigsrc's record) nor parsed
 * again.
 *
 * Secrets: userinfo in `url` is refused (credentials go in auth_file,
 * authfile.h, read at each collect); query values are sent but never
 * shown — messages, the origin kept with the last good list and the
 * cache meta hold the URL through url_redact, and the meta tells URLs
 * apart by a digest of the whole URL instead.
 */
#include "src_url.h"

#include "atomicfile.h"
#include "authfile.h"
#include "confkv.h"
#include "confval.h"
#include "docformat.h"
#include "http.h"
#include "log.h"
#include "sigsrc.h"
#include "state.h"
#include "url.h"

#include <sodium.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define META_MAGIC "allowsync-cache 1\n"
#define BODY_DIGEST_BYTES 32

static const struct conf_key url_keys[] = {
	{"url", CONF_KEY_REQUIRED},
	{"proxy", CONF_KEY_NOT_CONTENT},   /* the transport: the same document */
	{"refresh", CONF_KEY_NOT_CONTENT}, /* a timing */
	{"auth_file", 0},                  /* who asks may change what is served */
	DOCFORMAT_KEYS,
	SIGSRC_KEYS,
	{NULL, 0},
};

struct url_src {
	char *url;
	char *shown; /* url_redact(url): what messages and the state hold */
	char *auth_file;
	char *proxy;
	uint64_t refresh;
	struct docformat *fmt;
	struct sigsrc *sig; /* pubkey: only signed documents (sigsrc.h) */
};

/* What NAME.meta holds. */
struct meta {
	char *url;   /* redacted, for people */
	char url_digest[2 * BODY_DIGEST_BYTES + 1]; /* of the whole URL */
	char *etag;
	char *last_modified;
	int64_t fetched; /* the body was downloaded */
	int64_t checked; /* the body was last confirmed current (200 or 304) */
	uint64_t fingerprint;
	char digest[2 * BODY_DIGEST_BYTES + 1];
};

static void
meta_clear(struct meta *m)
{
	free(m->url);
	free(m->etag);
	free(m->last_modified);
	memset(m, 0, sizeof *m);
}

static void
url_free(struct source *src)
{
	struct url_src *u = src->priv;

	if (!u)
		return;
	free(u->url);
	free(u->shown);
	free(u->auth_file);
	free(u->proxy);
	docformat_free(u->fmt);
	sigsrc_free(u->sig);
	free(u);
	src->priv = NULL;
}

static bool
has_space(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int
url_configure(struct source *src, const struct conf_section *sec, struct err *err)
{
	const char *url = conf_get(sec, "url"), *proxy = conf_get(sec, "proxy");
	const char *refresh = conf_get(sec, "refresh"), *why;
	const char *auth_file = conf_get(sec, "auth_file");
	struct url_src *u = calloc(1, sizeof *u);
	char shown[SOURCE_ORIGIN_MAX];

	if (!u) {
		conf_err_set(err, sec, NULL, "out of memory");
		return -1;
	}
	src->priv = u;
	/* Before anything prints the URL: the password must not be in
	 * the refusal either. */
	if (url_has_userinfo(url)) {
		conf_err_set(err, sec, "url",
			     "[source %s] url: credentials in the URL are refused; put them in a "
			     "file named by auth_file (mode 0600)",
			     src->name);
		return -1;
	}
	url_redact(url, shown, sizeof shown);
	if (strncasecmp(url, "https://", 8) != 0 || url[8] == '\0' || has_space(url)) {
		conf_err_set(err, sec, "url", "[source %s] url = %s: only https:// URLs are fetched",
			     src->name, shown);
		return -1;
	}
	if (proxy && (has_space(proxy) || !*proxy)) {
		char p[512];

		conf_err_set(err, sec, "proxy", "[source %s] proxy = %s: not a proxy URL", src->name,
			     url_redact(proxy, p, sizeof p));
		return -1;
	}
	if (auth_file && !*auth_file) {
		conf_err_set(err, sec, "auth_file", "[source %s] auth_file = : names no file",
			     src->name);
		return -1;
	}
	/* Checked now so that `check` refuses a readable secret; read only
	 * at collect. */
	if (auth_file && authfile_check(auth_file, err) < 0) {
		conf_err_set(err, sec, "auth_file", "[source %s] auth_file = %s", src->name,
			     err->msg);
		return -1;
	}
	if (refresh && (why = conf_parse_duration(refresh, &u->refresh)) != NULL) {
		conf_err_set(err, sec, "refresh", "[source %s] refresh = %s: %s", src->name, refresh,
			     why);
		return -1;
	}
	if (!(u->url = strdup(url)) || !(u->shown = strdup(shown)) ||
	    (proxy && !(u->proxy = strdup(proxy))) ||
	    (auth_file && !(u->auth_file = strdup(auth_file)))) {
		conf_err_set(err, sec, NULL, "out of memory");
		return -1;
	}
	if (!(u->fmt = docformat_new(src->name, sec, err)))
		return -1;
	if (sigsrc_configure(src->name, sec, u->url, &u->sig, err) < 0)
		return -1;
	return 0;
}

/* With pubkey, a body is checked before it is parsed or cached. */
static int
url_verify(struct source *src, const struct source_ctx *ctx, const struct http_req *req,
	   const char *body, size_t len, const char *digest, enum sigsrc_how how, struct err *err)
{
	struct url_src *u = src->priv;

	if (!u->sig)
		return 0;
	return sigsrc_check(u->sig, req, ctx->state_dir, src->name, body, len, digest, how,
			    ctx->now, err);
}

static void
url_verified(struct source *src, const struct source_ctx *ctx)
{
	struct url_src *u = src->priv;
	struct err err;

	if (u->sig && !ctx->dry_run && sigsrc_commit(u->sig, ctx->state_dir, src->name, &err) < 0)
		log_warn("source \"%s\": signature state: %s", src->name, err.msg);
}

static void
cache_path(char *buf, size_t n, const char *dir, const char *name, const char *ext)
{
	snprintf(buf, n, "%s/cache/%s.%s", dir, name, ext);
}

static void
body_digest(const char *body, size_t len, char *hex)
{
	unsigned char d[BODY_DIGEST_BYTES];

	crypto_generichash(d, sizeof d, (const unsigned char *)body, len, NULL, 0);
	sodium_bin2hex(hex, 2 * sizeof d + 1, d, sizeof d);
}

/* Which URL a cache belongs to, without writing its query values down. */
static void
url_digest(const char *url, char *hex)
{
	static const char ctx[] = "allowsync url\n";
	unsigned char d[BODY_DIGEST_BYTES];
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, sizeof d);
	crypto_generichash_update(&st, (const unsigned char *)ctx, sizeof ctx - 1);
	crypto_generichash_update(&st, (const unsigned char *)url, strlen(url));
	crypto_generichash_final(&st, d, sizeof d);
	sodium_bin2hex(hex, 2 * sizeof d + 1, d, sizeof d);
}

/* One "key value" line of the meta file; values never hold newlines
 * (validators are printable ASCII, URLs have no blanks). */
static char *
meta_value(const char *text, const char *key)
{
	size_t k = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, k) == 0 && p[k] == ' ') {
			const char *v = p + k + 1, *e = strchr(v, '\n');
			return strndup(v, e ? (size_t)(e - v) : strlen(v));
		}
	}
	return NULL;
}

static bool
meta_num(const char *text, const char *key, int64_t *v)
{
	char *s = meta_value(text, key), *end;
	bool ok;

	if (!s)
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	ok = errno == 0 && end != s && *end == '\0';
	free(s);
	return ok;
}

/* Load NAME.meta and NAME.body.  true when both are there, belong to
 * `url` and agree with each other; anything else is no cache. */
static bool
cache_load(const char *dir, const char *name, const char *url, struct meta *m, char **body,
	   size_t *len)
{
	char path[4096], digest[2 * BODY_DIGEST_BYTES + 1];
	struct err err; /* any failure reads as no cache */
	char *text = NULL, *fp = NULL, *dg = NULL, *ud = NULL;
	size_t tlen;
	bool ok = false;

	memset(m, 0, sizeof *m);
	*body = NULL;
	cache_path(path, sizeof path, dir, name, "meta");
	if (atomicfile_read(path, &text, &tlen, &err) != 0)
		return false;
	if (strncmp(text, META_MAGIC, strlen(META_MAGIC)) != 0 || strlen(text) != tlen)
		goto out;
	url_digest(url, digest);
	if (!(m->url = meta_value(text, "url")) || !(ud = meta_value(text, "url-digest")) ||
	    strcmp(ud, digest) != 0)
		goto out;
	memcpy(m->url_digest, digest, sizeof m->url_digest);
	m->etag = meta_value(text, "etag");
	m->last_modified = meta_value(text, "last-modified");
	if (!meta_num(text, "fetched", &m->fetched) || !meta_num(text, "checked", &m->checked))
		goto out;
	if (!(fp = meta_value(text, "fingerprint")) || !(dg = meta_value(text, "digest")) ||
	    strlen(dg) != 2 * BODY_DIGEST_BYTES)
		goto out;
	m->fingerprint = strtoull(fp, NULL, 16);
	memcpy(m->digest, dg, sizeof m->digest);
	cache_path(path, sizeof path, dir, name, "body");
	if (atomicfile_read(path, body, len, &err) != 0)
		goto out;
	body_digest(*body, *len, digest);
	if (strcmp(digest, m->digest) != 0) {
		log_warn("source \"%s\": cached document %s does not match its digest: ignored",
			 name, path);
		goto out;
	}
	ok = true;
out:
	if (!ok) {
		meta_clear(m);
		free(*body);
		*body = NULL;
	}
	free(text);
	free(fp);
	free(dg);
	free(ud);
	return ok;
}

static int
meta_save(const char *dir, const char *name, const struct meta *m, struct err *err)
{
	char path[4096], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	if (!f)
		return err_set(err, "out of memory");
	fprintf(f, "%surl %s\nurl-digest %s\nfetched %" PRId64 "\nchecked %" PRId64
		   "\nfingerprint %016" PRIx64 "\ndigest %s\n",
		META_MAGIC, m->url, m->url_digest, m->fetched, m->checked, m->fingerprint, m->digest);
	if (m->etag)
		fprintf(f, "etag %s\n", m->etag);
	if (m->last_modified)
		fprintf(f, "last-modified %s\n", m->last_modified);
	if (fclose(f) != 0) {
		free(text);
		return err_set(err, "out of memory");
	}
	cache_path(path, sizeof path, dir, name, "meta");
	rc = atomicfile_write_sync(path, 0600, text, len, ATOMICFILE_UNSYNCED, err);
	free(text);
	return rc;
}

/* Body first, then the meta that vouches for it: a crash in between, or
 * one that loses or tears either file (neither is synced), leaves a
 * digest mismatch or a refused meta, which reads as no cache. */
static int
cache_save(const char *dir, const char *name, const struct meta *m, const char *body, size_t len,
	   struct err *err)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/cache", dir);
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		/* No state directory yet (a dry run before the first run):
		 * nothing to keep the copy in, and nothing wrong either. */
		if (errno == ENOENT)
			return 0;
		return err_errno(err, errno, "mkdir %.400s", path);
	}
	cache_path(path, sizeof path, dir, name, "body");
	if (atomicfile_write_sync(path, 0600, body, len, ATOMICFILE_UNSYNCED, err) < 0)
		return -1;
	return meta_save(dir, name, m, err);
}

/* A parser's reason, with where in which document. */
static int
parse_error(const char *url, struct err *err)
{
	if (err->line)
		return err_prefix(err, "%s: line %zu", url, err->line);
	return err_prefix(err, "%s", url);
}

/* The cached body is current: not modified, or parse it again. */
static int
use_cache(struct source *src, const struct source_ctx *ctx, const struct meta *m, const char *body,
	  size_t len, struct source_result *res, struct err *err)
{
	struct url_src *u = src->priv;
	struct pset *last = NULL;
	struct state_list_info info;

	snprintf(res->basis, sizeof res->basis, "%s", m->digest);
	if (m->fingerprint == docformat_fingerprint(u->fmt) &&
	    state_list_load(ctx->state_dir, src->name, &last, &info) == 0 &&
	    strcmp(info.basis, m->digest) == 0 && strcmp(info.fingerprint, src->fingerprint) == 0) {
		pset_free(last);
		res->not_modified = true;
		return 0;
	}
	pset_free(last);
	if (docformat_parse(u->fmt, u->shown, body, len, src->limits.allow_empty, res->set, err) < 0)
		return parse_error(u->shown, err);
	return 0;
}

static int
url_collect(struct source *src, const struct source_ctx *ctx, struct source_result *res,
	    struct err *err)
{
	struct url_src *u = src->priv;
	struct meta m;
	char *body = NULL;
	struct err cerr; /* the cache's: only warned about */
	size_t len = 0;
	bool cached;
	unsigned timeout = src->limits.timeout > 86400 ? 86400
			   : src->limits.timeout       ? (unsigned)src->limits.timeout
						       : 60;
	struct http_req req = {
		.url = u->url,
		.ca_file = src->limits.ca_file,
		.proxy = u->proxy,
		.timeout = timeout,
		/* timeout bounds the whole collect: the signature's request
		 * gets what the document's left. */
		.deadline_ms = http_now_ms() + (long long)timeout * 1000,
		.max_body = src->limits.max_body,
	};
	struct http_resp resp = {0};
	struct http_auth auth = {0};
	char digest[2 * BODY_DIGEST_BYTES + 1];
	int rc = -1;

	snprintf(res->origin, sizeof res->origin, "%s", u->shown);
	cached = cache_load(ctx->state_dir, src->name, u->url, &m, &body, &len);
	if (cached && u->refresh && ctx->now >= m.checked &&
	    (uint64_t)(ctx->now - m.checked) < u->refresh) {
		log_debug("source \"%s\": cached copy younger than refresh: not asking", src->name);
		if (url_verify(src, ctx, &req, body, len, m.digest, SIGSRC_STORED, err) == 0) {
			rc = use_cache(src, ctx, &m, body, len, res, err);
			goto out;
		}
		/* The kept signature no longer vouches for it (expired,
		 * absent): ask the server after all. */
		log_debug("source \"%s\": %s: asking", src->name, err->msg);
		err_clear(err);
	}
	if (cached) {
		req.etag = m.etag;
		req.last_modified = m.last_modified;
	}
	/* Read now, not at configure: a rotated secret needs no reload,
	 * and it is in memory only for the request. */
	if (u->auth_file) {
		if (authfile_read(u->auth_file, &auth, err) < 0) {
			err_prefix(err, "auth_file");
			goto out;
		}
		req.auth = &auth;
	}
	/* The document and its signature over one connection. */
	if (!(req.conn = http_conn_new(ctx->http_share))) {
		err_set(err, "out of memory");
		goto out;
	}
	switch (http_get(&req, ctx->now, &resp, err)) {
	case HTTP_NOT_MODIFIED:
		if (!cached) {
			err_set(err, "%s: HTTP 304 without a cached copy", u->shown);
			break;
		}
		/* The signature kept with it vouches for it still (no
		 * request, nothing written), or a fresh one is fetched. */
		if (url_verify(src, ctx, &req, body, len, m.digest, SIGSRC_KEPT_FIRST, err) < 0)
			break;
		/* `checked` only matters to refresh; without it a 304 writes
		 * nothing (an atomic rewrite costs fsyncs on every run). */
		if (u->refresh && !ctx->dry_run) {
			m.checked = ctx->now;
			if (meta_save(ctx->state_dir, src->name, &m, &cerr) < 0)
				log_warn("source \"%s\": cache: %s", src->name, cerr.msg);
		}
		rc = use_cache(src, ctx, &m, body, len, res, err);
		if (rc == 0)
			url_verified(src, ctx);
		break;
	case HTTP_OK:
		body_digest(resp.body, resp.len, digest);
		if (url_verify(src, ctx, &req, resp.body, resp.len, digest, SIGSRC_FETCH, err) < 0)
			break;
		if (docformat_parse(u->fmt, u->shown, resp.body, resp.len, src->limits.allow_empty,
				    res->set, err) < 0) {
			parse_error(u->shown, err);
			break;
		}
		meta_clear(&m);
		m.url = u->shown;
		url_digest(u->url, m.url_digest);
		m.etag = resp.etag;
		m.last_modified = resp.last_modified;
		m.fetched = m.checked = ctx->now;
		m.fingerprint = docformat_fingerprint(u->fmt);
		memcpy(m.digest, digest, sizeof m.digest);
		memcpy(res->basis, m.digest, sizeof m.digest);
		if (!ctx->dry_run &&
		    cache_save(ctx->state_dir, src->name, &m, resp.body, resp.len, &cerr) < 0)
			log_warn("source \"%s\": cache: %s", src->name, cerr.msg);
		url_verified(src, ctx);
		/* Borrowed above: not ours to free. */
		m.url = m.etag = m.last_modified = NULL;
		rc = 0;
		break;
	case HTTP_FAIL:
		res->retry_after = resp.retry_after;
		break;
	}
	http_resp_clear(&resp);
out:
	http_conn_free(req.conn);
	http_auth_clear(&auth);
	meta_clear(&m);
	free(body);
	return rc;
}

const struct source_type src_url = {
	.name = "url",
	.keys = url_keys,
	.configure = url_configure,
	.collect = url_collect,
	.free = url_free,
};
