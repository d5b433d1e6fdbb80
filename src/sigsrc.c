/* sigsrc — verify a source's document before it is used or cached. */
#include "sigsrc.h"

#include "atomicfile.h"
#include "confkv.h"
#include "http.h"
#include "log.h"
#include "minisign.h"
#include "sigcheck.h"
#include "url.h"

#include <sodium.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define SERIAL_MAGIC "allowsync-state 1 serial\n"
#define RECORD_MAGIC "allowsync-state 1 verified\n"
#define RECORD_ETAG_MAX 1100 /* http.h keeps validators up to 1024 bytes */
#define DIGEST_BYTES 32
#define DIGEST_HEX (2 * DIGEST_BYTES + 1)
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
	char *record; /* the new sig/NAME.verified, NULL: unchanged */
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
	free(s->record);
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

/* What STATE_DIR/sig/NAME.verified says: the kept signature (its
 * digest), the ETag it came with, and which (key, signature, document)
 * passed a full check — the document by the digest of its exact bytes. */
struct record {
	char sig[DIGEST_HEX];
	char checked[DIGEST_HEX];
	char etag[RECORD_ETAG_MAX];
};

static void
digest_hex(const void *data, size_t len, char out[DIGEST_HEX])
{
	unsigned char d[DIGEST_BYTES];

	crypto_generichash(d, sizeof d, data, len, NULL, 0);
	sodium_bin2hex(out, DIGEST_HEX, d, sizeof d);
}

/* The digest a record keeps for "this key verified this signature over
 * this document"; -1 when the key does not load (sigcheck_verify then
 * says why). */
static int
checked_digest(const char *pubkey, const char *sigdigest, const char *bodydigest,
	       char out[DIGEST_HEX])
{
	static const char ctx[] = "allowsync verified 1\n";
	struct minisign_pk pk;
	struct err err;
	crypto_generichash_state st;
	unsigned char d[DIGEST_BYTES];

	if (minisign_pk_load(pubkey, &pk, &err) < 0)
		return -1;
	crypto_generichash_init(&st, NULL, 0, sizeof d);
	crypto_generichash_update(&st, (const unsigned char *)ctx, sizeof ctx - 1);
	crypto_generichash_update(&st, pk.keynum, sizeof pk.keynum);
	crypto_generichash_update(&st, pk.pk, sizeof pk.pk);
	crypto_generichash_update(&st, (const unsigned char *)sigdigest, DIGEST_HEX - 1);
	crypto_generichash_update(&st, (const unsigned char *)bodydigest, strlen(bodydigest));
	crypto_generichash_final(&st, d, sizeof d);
	sodium_bin2hex(out, DIGEST_HEX, d, sizeof d);
	return 0;
}

static char *
record_text(const struct record *r)
{
	char *text;

	if (asprintf(&text, RECORD_MAGIC "sig %s\nchecked %s\netag %s\n", r->sig, r->checked,
		     r->etag) < 0)
		return NULL;
	return text;
}

/* false: none, or not ours (corrupt, another version): as if none. */
static bool
record_load(const char *state_dir, const char *name, struct record *r)
{
	char path[4096], *text = NULL, *p, *e;
	struct err err;
	size_t len;
	bool ok = false;

	memset(r, 0, sizeof *r);
	sig_path(path, sizeof path, state_dir, name, "verified");
	if (atomicfile_read(path, &text, &len, &err) != 0)
		return false;
	p = text + strlen(RECORD_MAGIC);
	if (len > strlen(RECORD_MAGIC) && strncmp(text, RECORD_MAGIC, strlen(RECORD_MAGIC)) == 0 &&
	    sscanf(p, "sig %64[0-9a-f]\nchecked %64[0-9a-f]\n", r->sig, r->checked) == 2 &&
	    strlen(r->sig) == DIGEST_HEX - 1 && strlen(r->checked) == DIGEST_HEX - 1 &&
	    (p = strstr(p, "\netag ")) && (e = strchr(p + 6, '\n')) &&
	    (size_t)(e - p - 6) < sizeof r->etag) {
		memcpy(r->etag, p + 6, (size_t)(e - p - 6));
		ok = true;
	}
	if (!ok)
		memset(r, 0, sizeof *r);
	free(text);
	return ok;
}

/* The trusted comment of a signature file verified before. */
static const char *
kept_comment(const char *sig, size_t siglen, struct sigcheck_info *info)
{
	static const char prefix[] = "\ntrusted comment: ";
	char tc[MINISIGN_TRUSTED_MAX];
	const char *p = memmem(sig, siglen, prefix, sizeof prefix - 1), *e;

	if (!p)
		return "no trusted comment";
	p += sizeof prefix - 1;
	e = memchr(p, '\n', siglen - (size_t)(p - sig));
	if (!e || (size_t)(e - p) >= sizeof tc)
		return "no trusted comment";
	memcpy(tc, p, (size_t)(e - p));
	tc[e - p] = '\0';
	return sigcheck_comment_parse(tc, info);
}

/* Check `body` (digest: of its exact bytes) against the signature file
 * text *sig (taken: kept pending on success, freed otherwise).  A
 * (key, signature, document) the record says passed a full check needs
 * only the rules on its trusted comment (serial, expiry): the
 * signature's bytes and the document's are those that verified, so the
 * work is not done again on every run that finds them unchanged. */
static int
check_one(struct sigsrc *s, const char *state_dir, const char *name, const char *body, size_t len,
	  const char *digest, char **sig, size_t siglen, const struct record *rec, bool fetched,
	  const char *etag, time_t now, struct err *err)
{
	struct sigcheck_info info;
	struct record next = {0};
	uint64_t last = sigsrc_last_serial(state_dir, name);
	bool known;
	char *was = NULL, *text = NULL;
	int ret = -1;

	digest_hex(*sig, siglen, next.sig);
	known = checked_digest(s->pubkey, next.sig, digest, next.checked) == 0 && rec &&
		strcmp(rec->checked, next.checked) == 0;
	memset(&info, 0, sizeof info);
	if (known && kept_comment(*sig, siglen, &info) == NULL) {
		if (sigcheck_rules(&info, last, now, err) != SIGCHECK_OK) {
			err_prefix(err, "%s", s->sig_shown);
			goto out;
		}
	} else if (sigcheck_verify(s->pubkey, body, len, *sig, siglen, last, now, &info, err) !=
		   SIGCHECK_OK) {
		err_prefix(err, "%s", s->sig_shown);
		goto out;
	}
	const char *other = sigcheck_file_check(&info, s->url);
	if (other) {
		err_set(err, "%s: %s: \"%s\"", s->sig_shown, other, info.file);
		goto out;
	}
	log_debug("source \"%s\": signature %s (serial %" PRIu64 ")", name,
		  known ? "verified before" : "verified", info.serial);
	/* The ETag belongs to the signature it came with. */
	if (etag)
		snprintf(next.etag, sizeof next.etag, "%s", etag);
	else if (rec && strcmp(rec->sig, next.sig) == 0)
		memcpy(next.etag, rec->etag, sizeof next.etag);
	if (!(text = record_text(&next)) || (rec && !(was = record_text(rec)))) {
		err_set(err, "out of memory");
		goto out;
	}
	s->serial = info.serial;
	s->sig = *sig;
	s->siglen = siglen;
	s->fetched = fetched;
	*sig = NULL;
	if (!was || strcmp(was, text) != 0) {
		s->record = text;
		text = NULL;
	}
	ret = 0;
out:
	free(*sig);
	*sig = NULL;
	free(text);
	free(was);
	return ret;
}

/* GET the signature, If-None-Match `etag` when given. */
static enum http_status
fetch_sig(struct sigsrc *s, const struct http_req *req, const char *etag, time_t now,
	  struct http_resp *resp, struct err *err)
{
	struct http_req r = *req;
	enum http_status st;

	r.url = s->sig_url;
	r.etag = etag;
	r.last_modified = NULL;
	/* The document's credentials are for the document's host: a
	 * sig_url elsewhere is fetched without them. */
	if (!url_same_origin(s->sig_url, s->url))
		r.auth = NULL;
	r.max_body = SIG_MAX_BODY;
	st = http_get(&r, now, resp, err);
	if (st == HTTP_FAIL) {
		if (resp->code == 404 || resp->code == 410)
			err_prefix(err, "missing signature");
		else
			err_prefix(err, "signature not fetched");
	}
	return st;
}

int
sigsrc_check(struct sigsrc *s, const struct http_req *req, const char *state_dir, const char *name,
	     const char *body, size_t len, const char *digest, enum sigsrc_how how, time_t now,
	     struct err *err)
{
	char path[4096], own[DIGEST_HEX], keptd[DIGEST_HEX];
	char *kept = NULL, *sig;
	size_t keptlen = 0;
	struct record rec;
	bool have_rec;
	struct http_resp resp = {0};
	enum http_status st;
	int r, ret = -1;

	free(s->sig);
	free(s->record);
	s->sig = s->record = NULL;
	if (sodium_init() < 0)
		return err_set(err, "libsodium failed to initialise");
	if (!digest) {
		digest_hex(body, len, own);
		digest = own;
	}
	have_rec = record_load(state_dir, name, &rec);
	sig_path(path, sizeof path, state_dir, name, "minisig");
	r = atomicfile_read(path, &kept, &keptlen, err);
	if (r == 0)
		digest_hex(kept, keptlen, keptd);
	if (how != SIGSRC_FETCH) {
		if (r != 0) {
			err_set(err, "missing signature: no stored copy of %s (%s)", s->sig_shown,
				r > 0 ? "absent" : err->msg);
		} else {
			sig = strndup(kept, keptlen);
			if (check_one(s, state_dir, name, body, len, digest, &sig, keptlen,
				      have_rec ? &rec : NULL, false, NULL, now, err) == 0) {
				ret = 0;
				goto out;
			}
		}
		if (how == SIGSRC_STORED)
			goto out;
		log_debug("source \"%s\": kept signature: %s: fetching it", name, err->msg);
		err_clear(err);
	}
	/* Conditionally when the kept signature is the one the record's
	 * ETag was given with: a 304 then costs no transfer. */
	st = fetch_sig(s, req,
		       r == 0 && have_rec && rec.etag[0] && strcmp(rec.sig, keptd) == 0 ? rec.etag
										  : NULL,
		       now, &resp, err);
	if (st == HTTP_NOT_MODIFIED) {
		sig = strndup(kept, keptlen);
		if (check_one(s, state_dir, name, body, len, digest, &sig, keptlen,
			      have_rec ? &rec : NULL, false, NULL, now, err) == 0) {
			ret = 0;
			goto out;
		}
		/* The ETag vouched for a copy that does not vouch for this
		 * body: ask once more, unconditionally, and judge what the
		 * server holds now. */
		log_debug("source \"%s\": kept signature: %s: fetching it again", name, err->msg);
		err_clear(err);
		http_resp_clear(&resp);
		st = fetch_sig(s, req, NULL, now, &resp, err);
	}
	if (st == HTTP_NOT_MODIFIED) {
		/* Never asked conditionally, so never expected: http_get gave
		 * no reason for it. */
		err_set(err, "signature not fetched: %s: HTTP 304 to a request that was not "
			     "conditional", s->sig_shown);
	} else if (st == HTTP_OK) {
		sig = resp.body;
		resp.body = NULL;
		ret = check_one(s, state_dir, name, body, len, digest, &sig, resp.len,
				have_rec ? &rec : NULL, true, resp.etag, now, err);
	}
out:
	http_resp_clear(&resp);
	free(kept);
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
	/* Last: it names the signature and document kept above, so a
	 * crash before it only costs one full check. */
	if (s->record) {
		sig_path(path, sizeof path, state_dir, name, "verified");
		if (atomicfile_write_sync(path, 0600, s->record, strlen(s->record),
					  ATOMICFILE_UNSYNCED, err) < 0)
			return -1;
	}
	free(s->sig);
	free(s->record);
	s->sig = s->record = NULL;
	return 0;
}
