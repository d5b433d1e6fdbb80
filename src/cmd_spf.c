/* cmd_spf — `allowsync spf DOMAIN`: what an SPF record authorizes.
 *
 * Expands the record as an `spf` source would (same resolver, same
 * rules) and prints the minimal CIDRs it passes, or with --check the
 * SPF result for given addresses.  For looking at a relay's record
 * before allowlisting it, and for the tests.
 */
#include "cmd.h"
#include "dns.h"
#include "pset.h"
#include "spf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
print_cidr(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	char buf[PFX_TEXT_MAX];
	size_t n = pfx_format_cidr(fam, addr, len, buf);
	(void)ctx;
	buf[n++] = '\n';
	return fwrite(buf, 1, n, stdout) == n ? 0 : -1;
}

/* The result check_host() would give `addr`, from the expanded sets. */
static const char *
result_for(const struct spf_result *r, const char *addr)
{
	enum pfx_family fam;
	u128 a;
	struct err why;

	if (!pfx_parse_addr(addr, strlen(addr), &fam, &a, &why))
		return "badaddress";
	/* check_host() treats an IPv4-mapped IPv6 client as IPv4 (RFC 7208 5). */
	if (fam == PFX_V6 && (a >> 32) == 0xffff) {
		fam = PFX_V4;
		a &= 0xffffffffu;
	}
	if (pset_contains(r->pass, fam, a))
		return "pass";
	if (pset_contains(r->fail, fam, a))
		return "fail";
	if (pset_contains(r->softfail, fam, a))
		return "softfail";
	return "neutral";
}

int
cmd_spf(int argc, char **argv, const struct global_opts *g)
{
	static const struct option longopts[] = {
		{"server", required_argument, NULL, 's'},
		{"partial", no_argument, NULL, 'p'},
		{"max-lookups", required_argument, NULL, 'm'},
		{"timeout", required_argument, NULL, 't'},
		{"check", required_argument, NULL, 'k'},
		{"stats", no_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct spf_opts o = {0};
	struct dns_opts dopts = {0};
	const char **checks = NULL;
	size_t nchecks = 0;
	bool stats = false;
	int c, rc = EXIT_FAIL;
	struct dns *d = NULL;
	struct spf_result res = {0};
	struct err why;

	(void)g;
	checks = calloc((size_t)argc, sizeof *checks);
	if (!checks)
		return EXIT_FAIL;
	while ((c = getopt_long(argc, argv, "s:pm:t:k:Sh", longopts, NULL)) != -1) {
		char *end;
		long v;
		switch (c) {
		case 's':
			dopts.servers = optarg;
			break;
		case 'p':
			o.partial = true;
			break;
		case 'm':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 1000) {
				fprintf(stderr, "allowsync spf: --max-lookups: 1..1000\n");
				goto usage;
			}
			o.max_lookups = (unsigned)v;
			break;
		case 't':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 3600) {
				fprintf(stderr, "allowsync spf: --timeout: 1..3600 seconds\n");
				goto usage;
			}
			dopts.total_ms = (int)v * 1000;
			break;
		case 'k':
			checks[nchecks++] = optarg;
			break;
		case 'S':
			stats = true;
			break;
		case 'h':
			free(checks);
			return cmd_usage(argv[0], stdout);
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	const char *domain = argv[optind];
	if (!spf_domain_ok(domain)) {
		if (nchecks) {
			for (size_t i = 0; i < nchecks; i++)
				printf("%s none\n", checks[i]);
			rc = EXIT_OK;
			goto out;
		}
		fprintf(stderr, "allowsync spf: \"%s\" is not a domain name\n", domain);
		rc = EXIT_USAGE;
		goto out;
	}
	if (dns_servers_check(dopts.servers, &why) < 0) {
		fprintf(stderr, "allowsync spf: %s\n", why.msg);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!dopts.total_ms)
		dopts.total_ms = 60000;
	/* As the spf source does: two tries, each a quarter of the budget. */
	dopts.try_ms = dopts.total_ms / 4 < 2000 ? dopts.total_ms / 4 : 2000;
	dopts.tries = 2;
	d = dns_new(&dopts, &why);
	if (!d) {
		fprintf(stderr, "allowsync spf: resolver: %s\n", why.msg);
		goto out;
	}
	struct spf_resolver rv;
	spf_resolver_dns(&rv, d);
	res.pass = pset_new();
	res.fail = pset_new();
	res.softfail = pset_new();
	res.neutral = pset_new();
	if (!res.pass || !res.fail || !res.softfail || !res.neutral)
		goto out;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err_clear(&why);
	int st = spf_expand(domain, &o, &rv, &res, &why);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (stats)
		fprintf(stderr,
			"spf \"%s\": %s: %u records, %u lookups, %u void, %u queries, depth %u%s, "
			"%ld ms\n",
			domain, spf_status_str(res.status), res.records, res.lookups, res.voids,
			res.queries, res.depth, res.partial ? ", partial" : "",
			(long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	if (res.warning[0])
		fprintf(stderr, "spf \"%s\": partial: %s\n", domain, res.warning);
	if (nchecks) {
		/* One line per address: its result, or the whole record's
		 * error in RFC 7208 terms. */
		const char *err = res.none ? "none"
				  : res.status == SPF_TEMPERROR ? "temperror"
				  : res.status == SPF_OK ? NULL
				  : res.status == SPF_PERMERROR ? "permerror"
				  : res.status == SPF_REFUSED ? "refused" : "unflattenable";
		for (size_t i = 0; i < nchecks; i++)
			printf("%s %s%s\n", checks[i], err ? err : result_for(&res, checks[i]),
			       res.partial ? " partial" : "");
		if (err)
			fprintf(stderr, "spf \"%s\": %s\n", domain, why.msg);
		rc = EXIT_OK;
		goto out;
	}
	if (st < 0) {
		fprintf(stderr, "spf \"%s\": %s: %s\n", domain, spf_status_str(res.status),
			why.msg);
		goto out;
	}
	if (pset_each_cidr(res.pass, PFX_V4, print_cidr, NULL) != 0 ||
	    pset_each_cidr(res.pass, PFX_V6, print_cidr, NULL) != 0 || fflush(stdout) != 0)
		goto out;
	rc = EXIT_OK;
	goto out;
usage:
	rc = cmd_usage(argv[0], stderr);
out:
	pset_free(res.pass);
	pset_free(res.fail);
	pset_free(res.softfail);
	pset_free(res.neutral);
	dns_free(d);
	free(checks);
	return rc;
}
