/* nftstate — what an nftables output last applied, and when.
 *
 * After a commit the output records the ranges it made live together
 * with the ruleset generation the commit produced, the boot id and the
 * network namespace cookie.  While all of them still match, nothing has
 * touched the ruleset since (every nf_tables commit bumps the
 * generation), so the recorded ranges are exactly what the kernel holds
 * and the slow element dump can be skipped.  The boot id and the netns
 * cookie matter because generations restart at every boot and in every
 * new namespace: a bare number could match by coincidence.
 *
 * One file per output: a header of `key value` lines ending with the
 * range count of each family, then the ranges as binary pairs (IPv4:
 * two uint32, IPv6: two 128-bit integers, in the machine's byte order,
 * since only the boot that wrote a record can use it), then `end`.
 * Binary because the record is read and written on every run: at 100k
 * ranges parsing hexadecimal text cost more than the rest of the view.
 */
#ifndef ALLOWSYNC_NFTSTATE_H
#define ALLOWSYNC_NFTSTATE_H

#include "err.h"
#include "nl.h"
#include "pset.h"

#include <stdbool.h>
#include <stdint.h>

#define NFTSTATE_NAME_MAX 256

struct nftstate {
	char boot[40];   /* /proc/sys/kernel/random/boot_id */
	uint64_t netns;  /* netns cookie, 0 = unknown (never matches) */
	uint32_t gen;    /* generation after our commit, 0 = unknown */
	int family;      /* NFPROTO_* */
	char table[NFTSTATE_NAME_MAX];
	char set[2][NFTSTATE_NAME_MAX]; /* [0] IPv4, [1] IPv6; "" = none */
	struct pset *ranges;            /* as applied (merged); NULL until loaded */
};

void nftstate_init(struct nftstate *st);
void nftstate_release(struct nftstate *st);

/* The running kernel's boot id ("" when unreadable). */
void nftstate_boot_id(char out[40]);

/* 0 loaded; 1 absent; -1 unreadable or malformed (err says why; the
 * caller then treats it as absent and dumps). */
int nftstate_load(const char *path, struct nftstate *st, struct err *err);

/* Write st's header with the ranges of `applied` (both families):
 * temporary file and rename, deliberately without fsync (a lost record
 * only costs a dump).  0 or -1 with err. */
int nftstate_save(const char *path, const struct nftstate *st, const struct pset *applied,
		  struct err *err);

#endif
