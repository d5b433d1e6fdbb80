/* curlload — libcurl, opened when the first HTTPS request needs it.
 *
 * Linked at build time, libcurl drags some thirty shared libraries into
 * every start (TLS, HTTP/2, IDN, LDAP, SSH, Kerberos, compression), and
 * loading and relocating them took ~8 ms of a 1 ms program start here.
 * That is most of `allowsync status`, and a tenth of a run whose sources
 * are files, static lists, SPF or the last good state — `run --offline`,
 * which restores the sets after an nftables reload, among them.  So only
 * the HTTPS client pays for it, on first use, with dlopen.
 *
 * The build still compiles against <curl/curl.h>; the runtime needs the
 * libcurl of the same ABI (soname libcurl.so.4, which the packages
 * depend on by name because their tools cannot see a dlopen). */
#ifndef ALLOWSYNC_CURLLOAD_H
#define ALLOWSYNC_CURLLOAD_H

#include "err.h"

#include <curl/curl.h>

#include <stddef.h>
#include <time.h>

#define CURLLOAD_SONAME "libcurl.so.4"

/* The part of libcurl's API allowsync uses. */
struct curl_api {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	CURLcode (*easy_perform)(CURL *curl);
	void (*easy_cleanup)(CURL *curl);
	void (*easy_reset)(CURL *curl);
	const char *(*easy_strerror)(CURLcode code);
	time_t (*getdate)(const char *text, const time_t *unused);
	struct curl_slist *(*slist_append)(struct curl_slist *list, const char *text);
	void (*slist_free_all)(struct curl_slist *list);
	CURLSH *(*share_init)(void);
	CURLSHcode (*share_setopt)(CURLSH *share, CURLSHoption option, ...);
	CURLSHcode (*share_cleanup)(CURLSH *share);
};

/* Fill api from libcurl, opening it on the first call (later calls find
 * it loaded: it is never unloaded).  0, or -1 when libcurl cannot be
 * opened or lacks a function, with the reason in err (when not NULL). */
int curlload(struct curl_api *api, struct err *err);
/* The same from a library of another name (for the tests). */
int curlload_from(const char *soname, struct curl_api *api, struct err *err);

#endif
