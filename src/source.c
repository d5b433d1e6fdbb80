/* source — what every source shares: its origin's fingerprint (source.h). */
#include "source.h"

#include "confkv.h"

#include <sodium.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_DIGEST_BYTES 8

static unsigned
key_flags(const char *key, const struct conf_key *a, const struct conf_key *b)
{
	for (const struct conf_key *t = a; t && t->name; t++)
		if (strcmp(t->name, key) == 0)
			return t->flags;
	for (const struct conf_key *t = b; t && t->name; t++)
		if (strcmp(t->name, key) == 0)
			return t->flags;
	return 0;
}

static int
cmp_kv(const void *x, const void *y)
{
	const struct conf_kv *const *a = x, *const *b = y;

	return strcmp((*a)->key, (*b)->key);
}

int
source_fingerprint(struct source *src, const struct conf_section *sec,
		   const struct conf_key *common, struct err *err)
{
	const struct conf_kv **kv = calloc(sec->n_kv ? sec->n_kv : 1, sizeof *kv);
	size_t n = 0, used = 0;
	char *fp = src->fingerprint;

	if (!kv)
		return err_set(err, "out of memory");
	if (sodium_init() < 0) {
		free(kv);
		return err_set(err, "libsodium failed to initialise");
	}
	for (size_t i = 0; i < sec->n_kv; i++)
		if (!(key_flags(sec->kv[i].key, common, src->type->keys) & CONF_KEY_NOT_CONTENT))
			kv[n++] = &sec->kv[i];
	/* By name: moving a key within the section is no change. */
	qsort(kv, n, sizeof *kv, cmp_kv);
	fp[0] = 0;
	for (size_t i = 0; i < n; i++) {
		crypto_generichash_state h;
		unsigned char d[crypto_generichash_BYTES_MIN];
		char hex[2 * KEY_DIGEST_BYTES + 1];
		int w;

		/* Every value with its terminator, in order: "a b" + "c"
		 * differs from "a" + "b c", and the order of selectors
		 * counts. */
		crypto_generichash_init(&h, NULL, 0, sizeof d);
		for (size_t j = 0; j < kv[i]->n; j++)
			crypto_generichash_update(&h, (const unsigned char *)kv[i]->values[j],
						  strlen(kv[i]->values[j]) + 1);
		crypto_generichash_final(&h, d, sizeof d);
		sodium_bin2hex(hex, sizeof hex, d, KEY_DIGEST_BYTES);
		w = snprintf(fp + used, SOURCE_FINGERPRINT_MAX - used, "%s%s=%s", i ? " " : "",
			     kv[i]->key, hex);
		if (w < 0 || (size_t)w >= SOURCE_FINGERPRINT_MAX - used) {
			free(kv);
			fp[0] = 0;
			return err_set(err, "too many keys for a fingerprint");
		}
		used += (size_t)w;
	}
	free(kv);
	return 0;
}

/* The digest of `key` in fingerprint fp, or NULL; *len its length. */
static const char *
find_key(const char *fp, const char *key, size_t klen, size_t *len)
{
	for (const char *p = fp; p && *p; p = strchr(p, ' '), p = p ? p + 1 : NULL) {
		const char *eq = strchr(p, '='), *end;

		if (!eq)
			return NULL;
		end = strchr(eq, ' ');
		if ((size_t)(eq - p) == klen && strncmp(p, key, klen) == 0) {
			*len = end ? (size_t)(end - eq - 1) : strlen(eq + 1);
			return eq + 1;
		}
	}
	return NULL;
}

/* Whether `key` is one of the ", "-separated names in buf. */
static bool
listed(const char *buf, const char *key, size_t klen)
{
	for (const char *p = buf; p && *p; p = strstr(p, ", "), p = p ? p + 2 : NULL)
		if (strncmp(p, key, klen) == 0 && (p[klen] == ',' || p[klen] == 0))
			return true;
	return false;
}

/* Append to buf the keys of a whose digest differs in b (or is absent
 * from b), each once. */
static void
diff_into(const char *a, const char *b, char *buf, size_t n)
{
	for (const char *p = a; p && *p; p = strchr(p, ' '), p = p ? p + 1 : NULL) {
		const char *eq = strchr(p, '='), *va, *vb;
		size_t klen, la, lb, used = strlen(buf);

		if (!eq)
			return;
		klen = (size_t)(eq - p);
		va = find_key(a, p, klen, &la);
		vb = find_key(b, p, klen, &lb);
		if ((vb && la == lb && strncmp(va, vb, la) == 0) || listed(buf, p, klen) ||
		    used + klen + 3 > n)
			continue;
		snprintf(buf + used, n - used, "%s%.*s", used ? ", " : "", (int)klen, p);
	}
}

char *
source_fingerprint_diff(const char *a, const char *b, char *buf, size_t n)
{
	if (!n)
		return buf;
	buf[0] = 0;
	diff_into(a, b, buf, n);
	diff_into(b, a, buf, n);
	return buf;
}
