/* curlload — libcurl, opened on first use; see curlload.h. */
#include "curlload.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* dlsym gives an object pointer; POSIX (not ISO C) lets it stand for a
 * function: copy the bits rather than cast. */
static int
bind_symbol(void *lib, const char *symbol, void *field, size_t size)
{
	void *p = dlsym(lib, symbol);

	if (p == NULL || size != sizeof(p))
		return -1;
	memcpy(field, &p, size);
	return 0;
}

#define BIND(field, symbol)                                                       \
	do {                                                                      \
		if (bind_symbol(lib, symbol, &api->field, sizeof(api->field)) < 0) {     \
			missing = symbol;                                         \
			goto fail;                                                \
		}                                                                 \
	} while (0)

int
curlload(struct curl_api *api, struct err *err)
{
	return curlload_from(CURLLOAD_SONAME, api, err);
}

int
curlload_from(const char *soname, struct curl_api *api, struct err *err)
{
	const char *missing;
	/* RTLD_NODELETE: dlclose below only drops our reference; libcurl and
	 * its TLS library stay mapped, so the next dlopen is a lookup and
	 * nothing is ever torn down and set up again. */
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);

	if (lib == NULL) {
		if (err)
			err_set(err, "cannot load libcurl: %s", dlerror());
		return -1;
	}
	BIND(easy_init, "curl_easy_init");
	BIND(easy_setopt, "curl_easy_setopt");
	BIND(easy_getinfo, "curl_easy_getinfo");
	BIND(easy_perform, "curl_easy_perform");
	BIND(easy_cleanup, "curl_easy_cleanup");
	BIND(easy_reset, "curl_easy_reset");
	BIND(easy_strerror, "curl_easy_strerror");
	BIND(getdate, "curl_getdate");
	BIND(slist_append, "curl_slist_append");
	BIND(slist_free_all, "curl_slist_free_all");
	BIND(share_init, "curl_share_init");
	BIND(share_setopt, "curl_share_setopt");
	BIND(share_cleanup, "curl_share_cleanup");
	dlclose(lib);
	return 0;
fail:
	if (err)
		err_set(err, "cannot load libcurl: %s has no %s", soname, missing);
	dlclose(lib);
	return -1;
}
