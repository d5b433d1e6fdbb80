/* cmd_why — `why [--fetch] ADDRESS`: each source and prefix that holds
 * the address, and each output that will (or, excluded, will not).
 * Exit 0 when some output holds it, 1 when none does (an output whose
 * set cannot be built counts as not holding it), 2 on error — so that
 * `if allowsync why 192.0.2.1; then` reads as a script expects. */
#include "cmd.h"

#include "log.h"
#include "policy.h"
#include "run.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* The CIDR of the set's minimal cover that holds addr. */
struct find_ctx {
	u128 addr;
	int len;
	u128 net;
};

static int
find_cb(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	struct find_ctx *fc = ctx;

	if (fc->addr >= addr && fc->addr <= (addr | pfx_hostmask(fam, len))) {
		fc->net = addr;
		fc->len = len;
		return 1;
	}
	return 0;
}

static void
holding(const struct pset *s, enum pfx_family fam, u128 addr, char *buf)
{
	struct find_ctx fc = {.addr = addr, .len = -1};

	/* Only the range that holds it, not the whole set. */
	for (size_t i = 0, n = pset_count(s, fam); i < n; i++) {
		struct pfx_range r = pset_get(s, fam, i);
		if (addr >= r.lo && addr <= r.hi) {
			pfx_range_each_cidr(fam, &r, find_cb, &fc);
			break;
		}
	}
	if (fc.len >= 0)
		pfx_format_cidr(fam, fc.net, fc.len, buf);
	else
		snprintf(buf, PFX_TEXT_MAX, "?");
}

int
cmd_why(int argc, char **argv, const struct global_opts *g)
{
	static const struct option longopts[] = {
		{"fetch", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct run_opts o = {.out = stdout};
	struct run_source *rs;
	struct conf *c;
	enum pfx_family fam;
	u128 addr;
	const char *cidr;
	struct err err;
	char buf[PFX_TEXT_MAX];
	int ch, rc, hits = 0, held = 0;

	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (ch == 'h')
			return cmd_usage(argv[0], stdout);
		if (ch != 'f')
			return cmd_usage(argv[0], stderr);
		o.fetch = true;
	}
	if (argc - optind != 1)
		return cmd_usage(argv[0], stderr);
	const char *text = argv[optind];
	if (!pfx_parse_addr(text, strlen(text), &fam, &addr, &err)) {
		fprintf(stderr, "allowsync why: \"%s\": %s\n", text, err.msg);
		return EXIT_USAGE;
	}
	if ((rc = run_load_conf(g->config, &c)) != 0)
		return rc;
	if (!(rs = run_gather(c, &o))) {
		log_err("out of memory");
		conf_free(c);
		return EXIT_USAGE;
	}
	pfx_format_addr(fam, addr, buf);
	printf("%s:\n", buf);
	const char *what = policy_special(fam, addr, addr, &cidr);
	if (what)
		printf("  special-purpose: %s %s\n", cidr, what);
	for (size_t i = 0; i < c->n_sources; i++) {
		if (!rs[i].set) {
			printf("  source \"%s\": unknown (%s)\n", rs[i].src->name, rs[i].error.msg);
			continue;
		}
		if (pset_contains(rs[i].set, fam, addr)) {
			holding(rs[i].set, fam, addr, buf);
			printf("  source \"%s\": %s\n", rs[i].src->name, buf);
			hits++;
		}
	}
	for (size_t i = 0; i < c->n_outputs; i++) {
		struct output *out = c->outputs[i];
		struct pset *want = run_want(out, c, rs, &err);
		if (!want) {
			printf("  output \"%s\": unknown (%s)\n", out->name, err.msg);
			continue;
		}
		if (pset_contains(want, fam, addr)) {
			holding(want, fam, addr, buf);
			printf("  output \"%s\": holds it, as %s\n", out->name, buf);
			held++;
		} else if (pset_contains(out->exclude, fam, addr)) {
			holding(out->exclude, fam, addr, buf);
			printf("  output \"%s\": excluded by %s\n", out->name, buf);
		} else {
			printf("  output \"%s\": does not hold it\n", out->name);
		}
		pset_free(want);
	}
	if (!hits)
		printf("  in no source\n");
	fflush(stdout);
	run_sources_free(rs, c->n_sources);
	conf_free(c);
	return held ? EXIT_OK : EXIT_FAIL;
}
