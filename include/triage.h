/* triage — the rejected clients of a mail log, grouped by what would
 * cover them.
 *
 * triage_add takes maillog's records (it is a maillog_fn) and keeps one
 * entry per distinct client address: its rejections, first and last
 * seen, the reasons and the envelope-sender domains it used (the first
 * TRIAGE_DOMAINS_PER_ADDR distinct ones, counted; the others only
 * counted as "more").  triage_group then gives each address to the
 * first cover whose set holds it — the caller lists the configured
 * sources first, then the presets — and what no cover holds to the
 * last group, "not covered".
 */
#ifndef ALLOWSYNC_TRIAGE_H
#define ALLOWSYNC_TRIAGE_H

#include "maillog.h"
#include "pset.h"

#include <stddef.h>
#include <stdint.h>

#define TRIAGE_DOMAINS_PER_ADDR 8

struct triage;

struct triage_domain_count {
	const char *domain; /* lower case, owned by the triage */
	uint64_t count;
};

struct triage_addr {
	enum pfx_family fam;
	u128 addr;
	uint64_t rejections;
	int64_t first, last; /* maillog times; MAILLOG_NO_TIME when the log had none */
	uint64_t reasons[MAILLOG_N_REASONS];
	uint32_t domain_ids[TRIAGE_DOMAINS_PER_ADDR];
	uint64_t domain_counts[TRIAGE_DOMAINS_PER_ADDR];
	unsigned n_domains;
	uint64_t more_domains; /* rejections naming a domain past the first ones */
};

struct triage *triage_new(void);
void triage_free(struct triage *t);

/* One rejection (ctx: the triage).  0, or -1 when out of memory. */
int triage_add(void *ctx, const struct maillog_rec *rec);

size_t triage_count(const struct triage *t);
const struct triage_addr *triage_get(const struct triage *t, size_t i);
const char *triage_domain(const struct triage *t, uint32_t id);

/* Something that would cover addresses: a configured source or a preset. */
struct triage_cover {
	const char *kind; /* "source", "preset" */
	const char *name;
	const struct pset *set; /* merged */
};

struct triage_group {
	const struct triage_cover *cover; /* NULL: not covered */
	uint64_t rejections;
	int64_t first, last;
	uint64_t reasons[MAILLOG_N_REASONS];
	/* Sender domains, most rejections first (ties by name). */
	struct triage_domain_count *domains;
	size_t n_domains;
	uint64_t more_domains;
	/* Its addresses (indexes for triage_get), most rejections first. */
	size_t *addrs;
	size_t n_addrs;
};

/* One group per cover, in the order given, then "not covered": n + 1
 * groups into *groups (free with triage_groups_free).  0, or -1 when
 * out of memory. */
int triage_group(const struct triage *t, const struct triage_cover *covers, size_t n,
		 struct triage_group **groups);
void triage_groups_free(struct triage_group *g, size_t n);

#endif
