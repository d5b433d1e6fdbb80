/* sigsrc — verify a source's document before it is used or cached. */
#include "sigsrc.h"

#include "atomicfile.h"
#include "confkv.h"
#include "http.h"
#include "log.h"
#include "minisign.h"
#include "sigcheck.h"
#include "url.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define SERIAL_MAGIC "allowsync-state 1 serial\n"
/* A minisign signature with the longest trusted comment minisign allows. */
#define SIG_MAX_BODY (MINISIGN_TRUSTED_MAX + 1024)

struct sigsrc {
	char *url;     /* the document's */
	char *pubkey;  /* as configured: base64 or a path */
	char *sig_url;
	char *sig_shown; /* url_redact(sig_url) */
	/* Pending for sigsrc_commit: what the last check accepted. */
	uint64_t serial;
	char *sig;
	size_t siglen;
	bool fetched;
};

void
sigsrc_free(struct sigsrc *s)
{
	if (!s)
		return;
	free(s->url);
	free(s->pubkey);
	free(s->sig_url);
	free(s->sig_shown);
	free(s->sig);
	free(s);
}

int
sigsrc_configure(const char *name, const struct conf_section *sec, const char *url,
		 struct sigsrc **out, struct err *err)
{
	const char *pubkey = conf_get(sec, "pubkey"), *sig_url = conf_get(sec, "sig_url");
	struct minisign_pk pk;
	char shown[1024];

	*out = NULL;
	if (!pubkey) {
		if (sig_url) {
			conf_err_set(err, sec, "sig_url", "[source %s] sig_url needs pubkey", name);
			return -1;
		}
		return 0;
	}
	if (minisign_pk_load(pubkey, &pk, err) < 0) {
		conf_err_set(err, sec, "pubkey", "[source %s] pubkey = %s: %s", name, pubkey,
			     err->msg);
		return -1;
	}
	if (sig_url && url_has_userinfo(sig_url)) {
		conf_err_set(err, sec, "sig_url",
			     "[source %s] sig_url: credentials in the URL are refused; put them in a "
			     "file named by auth_file (mode 0600)",
			     name);
		return -1;
	}
	if (sig_url && (strncasecmp(sig_url, "https://", 8) != 0 || sig_url[8] == '\0' ||
			strpbrk(sig_url, " \t"))) {
		conf_err_set(err, sec, "sig_url",
			     "[source %s] sig_url = %s: only https:// URLs are fetched", name,
			     url_redact(sig_url, shown, sizeof shown));
		return -1;
	}
	struct sigsrc *s = calloc(1, sizeof *s);
	if (s && sig_url)
		s->sig_url = strdup(sig_url);
	else if (s && asprintf(&s->sig_url, "%s.minisig", url) < 0)
		s->sig_url = NULL;
	if (s && s->sig_url)
		s->sig_shown = strdup(url_redact(s->sig_url, shown, sizeof shown));
	if (!s || !s->sig_url || !s->sig_shown || !(s->pubkey = strdup(pubkey)) ||
	    !(s->url = strdup(url))) {
		sigsrc_free(s);
		conf_err_set(err, sec, "pubkey", "out of memory");
		return -1;
	}
	*out = s;
	return 0;
}

static void
sig_path(char *buf, size_t n, const char *dir, const char *name, const char *ext)
{
	snprintf(buf, n, "%s/sig/%s.%s", dir, name, ext);
}

uint64_t
sigsrc_last_serial(const char *state_dir, const char *name)
{
	char path[4096], *text = NULL;
	struct err err;
	size_t len;
	uint64_t v = 0;

	sig_path(path, sizeof path, state_dir, name, "serial");
	int r = atomicfile_read(path, &text, &len, &err);
	if (r < 0)
		log_warn("source \"%s\": %s: ignored", name, err.msg);
	if (r != 0)
		return 0;
	const char *p = text + strlen(SERIAL_MAGIC);
	char *end;
	if (len < strlen(SERIAL_MAGIC) || memcmp(text, SERIAL_MAGIC, strlen(SERIAL_MAGIC)) != 0 ||
	    *p < '0' || *p > '9' || (errno = 0, v = strtoull(p, &end, 10), errno != 0) ||
	    strcmp(end, "\n") != 0) {
		log_warn("source \"%s\": %s is corrupt: ignored", name, path);
		v = 0;
	}
	free(text);
	return v;
}

int
sigsrc_check(struct sigsrc *s, const struct http_req *req, const char *state_dir, const char *name,
	     const char *body, size_t len, bool fetch, time_t now, struct err *err)
{
	char path[4096];
	char *sig = NULL;
	size_t siglen = 0;
	int ret = -1;

	free(s->sig);
	s->sig = NULL;
	if (fetch) {
		struct http_req r = *req;
		struct http_resp resp;
		r.url = s->sig_url;
		r.etag = r.last_modified = NULL;
		/* The document's credentials are for the document's host: a
		 * sig_url elsewhere is fetched without them. */
		if (!url_same_origin(s->sig_url, s->url))
			r.auth = NULL;
		r.max_body = SIG_MAX_BODY;
		enum http_status st = http_get(&r, now, &resp, err);
		/* Never asked conditionally, so never expected: http_get gave
		 * no reason for it. */
		if (st == HTTP_NOT_MODIFIED)
			err_clear(err);
		switch (st) {
		case HTTP_OK:
			sig = resp.body;
			siglen = resp.len;
			resp.body = NULL;
			break;
		case HTTP_NOT_MODIFIED:
		case HTTP_FAIL:
		default:
			if (resp.code == 404 || resp.code == 410)
				err_prefix(err, "missing signature");
			else
				err_prefix(err, "signature not fetched");
			http_resp_clear(&resp);
			return -1;
		}
		http_resp_clear(&resp);
	} else {
		sig_path(path, sizeof path, state_dir, name, "minisig");
		int r = atomicfile_read(path, &sig, &siglen, err);
		if (r != 0)
			return err_set(err, "missing signature: no stored copy of %s (%s)",
				       s->sig_shown, r > 0 ? "absent" : err->msg);
	}
	struct sigcheck_info info;
	uint64_t last = sigsrc_last_serial(state_dir, name);
	if (sigcheck_verify(s->pubkey, body, len, sig, siglen, last, now, &info, err) !=
	    SIGCHECK_OK) {
		err_prefix(err, "%s", s->sig_shown);
		goto out;
	}
	const char *other = sigcheck_file_check(&info, s->url);
	if (other) {
		err_set(err, "%s: %s: \"%s\"", s->sig_shown, other, info.file);
		goto out;
	}
	log_debug("source \"%s\": signature verified (serial %" PRIu64 ")", name, info.serial);
	s->serial = info.serial;
	s->sig = sig;
	s->siglen = siglen;
	s->fetched = fetch;
	sig = NULL;
	ret = 0;
out:
	free(sig);
	return ret;
}

int
sigsrc_commit(struct sigsrc *s, const char *state_dir, const char *name, struct err *err)
{
	char path[4096], text[64];

	if (!s->sig)
		return 0;
	snprintf(path, sizeof path, "%s/sig", state_dir);
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		err_errno(err, errno, "mkdir %s", path);
		return -1;
	}
	if (s->fetched) {
		sig_path(path, sizeof path, state_dir, name, "minisig");
		if (atomicfile_write(path, 0600, s->sig, s->siglen, err) < 0)
			return -1;
	}
	/* Never lower it: a same-serial re-check must not undo a newer one. */
	if (s->serial > sigsrc_last_serial(state_dir, name)) {
		int n = snprintf(text, sizeof text, SERIAL_MAGIC "%" PRIu64 "\n", s->serial);
		sig_path(path, sizeof path, state_dir, name, "serial");
		if (atomicfile_write(path, 0600, text, (size_t)n, err) < 0)
			return -1;
	}
	free(s->sig);
	s->sig = NULL;
	return 0;
}
