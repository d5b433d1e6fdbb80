/* gzip — one deterministic gzip member, with zlib. */
#include "gzip.h"

#include <limits.h>
#include <string.h>
#include <stdlib.h>
/* next_in as a pointer to const. */
#define ZLIB_CONST
#include <zlib.h>

char *
gzip_compress(const void *data, size_t len, size_t *out_len, struct err *err)
{
	z_stream z = {0};
	char *out = NULL;
	int rc;

	/* One call of deflate takes uInt lengths: publications are a few MB,
	 * and max_body keeps what a consumer takes far below 4 GB. */
	if (len > UINT_MAX / 2) {
		err_set(err, "gzip: %zu bytes: too large to compress", len);
		return NULL;
	}
	/* windowBits 15 + 16: a gzip wrapper, whose default header has no
	 * name, mtime 0 and the OS byte of the build: the same bytes each
	 * time. */
	if ((rc = deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			       Z_DEFAULT_STRATEGY)) != Z_OK) {
		err_set(err, "gzip: %s", rc == Z_MEM_ERROR ? "out of memory" : "zlib refused to start");
		return NULL;
	}
	uLong cap = deflateBound(&z, (uLong)len);
	if (!(out = malloc(cap))) {
		err_set(err, "gzip: out of memory");
		goto fail;
	}
	z.next_in = data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	/* deflateBound is enough for a single Z_FINISH. */
	if ((rc = deflate(&z, Z_FINISH)) != Z_STREAM_END) {
		err_set(err, "gzip: deflate failed (%d)", rc);
		goto fail;
	}
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
fail:
	free(out);
	deflateEnd(&z);
	return NULL;
}

bool
gzip_matches(const void *gz, size_t gz_len, const void *data, size_t len)
{
	z_stream z = {0};
	unsigned char buf[16384];
	const unsigned char *want = data;
	size_t seen = 0;
	int rc = Z_OK;

	if (gz_len > UINT_MAX || len > UINT_MAX || inflateInit2(&z, 15 + 16) != Z_OK)
		return false;
	z.next_in = gz;
	z.avail_in = (uInt)gz_len;
	while (rc == Z_OK) {
		z.next_out = buf;
		z.avail_out = sizeof buf;
		rc = inflate(&z, Z_NO_FLUSH);
		size_t got = sizeof buf - z.avail_out;
		if ((rc != Z_OK && rc != Z_STREAM_END) || got > len - seen ||
		    memcmp(buf, want + seen, got) != 0) {
			rc = Z_DATA_ERROR;
			break;
		}
		seen += got;
		/* No progress with input left: a truncated member. */
		if (rc == Z_OK && got == 0 && z.avail_in == 0)
			rc = Z_BUF_ERROR;
	}
	bool same = rc == Z_STREAM_END && seen == len && z.avail_in == 0;
	inflateEnd(&z);
	return same;
}
