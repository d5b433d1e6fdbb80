/* confval — what a configuration value means: numbers, durations, sizes,
 * booleans, percentages, word lists and prefix lists.
 *
 * Two layers, so that a value can be checked wherever it comes from:
 * the parsers take a string and return NULL on success or a static
 * reason ("bad duration unit (use s, m, h, d or w)"), like Postfix's;
 * the getters take a key of a section (confkv.h) and report a bad value
 * as "FILE:LINE: key = value: reason" at the line of that key.  An
 * absent key is no error: the getters leave *v at the caller's default.
 *
 * Which keys a section may hold, and every other "FILE:LINE" text, are
 * confkv's; the typed configuration built from the values is conf's.
 */
#ifndef ALLOWSYNC_CONFVAL_H
#define ALLOWSYNC_CONFVAL_H

#include "err.h"
#include "pset.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf_section;

/* Strict value parsers: NULL on success, else a reason. */
/* Seconds: "0", "90", "90s", "90m", "3h", "7d", "2w" (at most 100 years). */
const char *conf_parse_duration(const char *s, uint64_t *secs);
/* Bytes: "512", "512k", "16M", "1G" (powers of 1024; K/k, M/m, G/g). */
const char *conf_parse_size(const char *s, uint64_t *bytes);
/* yes/no/true/false/on/off/1/0, case-insensitive. */
const char *conf_parse_bool(const char *s, bool *v);
/* "50%" or "50", 0..100. */
const char *conf_parse_percent(const char *s, unsigned *pct);
/* Decimal, no sign, 0..max. */
const char *conf_parse_uint(const char *s, uint64_t max, uint64_t *v);
/* A number of addresses of a family of `bits` (32, 128): decimal
 * ("134217728", thousands separated by ',' or '_' allowed), or "/N" for
 * as many as a /N holds (a /0 of IPv6 saturates at 2^128 - 1). */
const char *conf_parse_count(const char *s, int bits, u128 *v);
/* A growth factor: "10x" or "10", 1..1000000, or 0 (no limit). */
const char *conf_parse_factor(const char *s, unsigned *v);

/* The last value of `key` through the parser of the same name: 0 (also
 * when absent, *v untouched), or -1 with err "FILE:LINE: key = value:
 * reason". */
int conf_get_duration(const struct conf_section *sec, const char *key, uint64_t *v,
		      struct err *err);
int conf_get_size(const struct conf_section *sec, const char *key, uint64_t *v, struct err *err);
int conf_get_bool(const struct conf_section *sec, const char *key, bool *v, struct err *err);
int conf_get_percent(const struct conf_section *sec, const char *key, unsigned *v,
		     struct err *err);
int conf_get_uint(const struct conf_section *sec, const char *key, uint64_t max, uint64_t *v,
		  struct err *err);
int conf_get_count(const struct conf_section *sec, const char *key, int bits, u128 *v,
		   struct err *err);
int conf_get_factor(const struct conf_section *sec, const char *key, unsigned *v,
		    struct err *err);

/* Every value of `key` split on blanks and commas, as one NULL-terminated
 * array of fresh strings (free with conf_words_free).  *n gets the count.
 * Returns NULL only on ENOMEM; an absent key gives an empty array. */
char **conf_get_words(const struct conf_section *sec, const char *key, size_t *n);
void conf_words_free(char **words);

/* Every prefix of every `key` line (separated by blanks and commas) added
 * to `set`, which is then merged.  -1 with err at the line of the bad
 * entry: "[WHAT] KEY: \"ENTRY\": reason" (WHAT: "source NAME"...). */
int conf_get_prefixes(const struct conf_section *sec, const char *key, const char *what,
		      struct pset *set, struct err *err);

#endif
