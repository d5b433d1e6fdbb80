/* cmd_aggregate — `allowsync aggregate`: merge lists, print minimal CIDRs.
 *
 * A strict, two-family replacement for `iprange --optimize` and
 * `aggregate`: everything is read and checked before anything is
 * printed, so bad input never yields a partial list.
 */
#include "cmd.h"
#include "parse_text.h"
#include "pset.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

struct printer {
	FILE *f;
};

static int
print_cidr(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	struct printer *pr = ctx;
	char buf[PFX_TEXT_MAX];
	size_t n = pfx_format_cidr(fam, addr, len, buf);
	buf[n++] = '\n';
	return fwrite(buf, 1, n, pr->f) == n ? 0 : -1;
}

static int
print_ranges(FILE *f, const struct pset *s, enum pfx_family fam)
{
	size_t n = pset_count(s, fam);
	char buf[PFX_TEXT_MAX];

	for (size_t i = 0; i < n; i++) {
		struct pfx_range r = pset_get(s, fam, i);
		size_t len = pfx_format_range(fam, &r, buf);
		buf[len++] = '\n';
		if (fwrite(buf, 1, len, f) != len)
			return -1;
	}
	return 0;
}

static int
read_list(const char *path, struct pset *s)
{
	struct err err;

	if (parse_text_file(path, s, &err) == 0)
		return 0;
	const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	if (err.line)
		fprintf(stderr, "allowsync: %s:%zu: %s\n", name, err.line, err.msg);
	else
		fprintf(stderr, "allowsync: %s: %s\n", name, err.msg);
	return -1;
}

int
cmd_aggregate(int argc, char **argv, const struct global_opts *g)
{
	static const struct option longopts[] = {
		{"ranges", no_argument, NULL, 'r'},
		{"except", required_argument, NULL, 'x'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool want4 = true, want6 = true, ranges = false;
	struct pset *set = pset_new(), *except = pset_new();
	int rc = EXIT_FAIL, c;
	static char outbuf[1 << 16];

	(void)g;
	if (!set || !except)
		goto out;
	while ((c = getopt_long(argc, argv, "46rx:h", longopts, NULL)) != -1) {
		switch (c) {
		case '4':
			want6 = false;
			want4 = true;
			break;
		case '6':
			want4 = false;
			want6 = true;
			break;
		case 'r':
			ranges = true;
			break;
		case 'x':
			if (read_list(optarg, except) < 0)
				goto out;
			break;
		case 'h':
			rc = cmd_usage(argv[0], stdout);
			goto out;
		default:
			rc = cmd_usage(argv[0], stderr);
			goto out;
		}
	}
	if (optind == argc) {
		if (read_list("-", set) < 0)
			goto out;
	}
	for (int i = optind; i < argc; i++)
		if (read_list(argv[i], set) < 0)
			goto out;
	if (pset_merge(set) < 0 || pset_merge(except) < 0 || pset_subtract(set, except) < 0) {
		fprintf(stderr, "allowsync: aggregate: out of memory\n");
		goto out;
	}

	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	struct printer pr = {stdout};
	static const enum pfx_family order[] = {PFX_V4, PFX_V6};
	for (size_t i = 0; i < 2; i++) {
		enum pfx_family fam = order[i];
		if ((fam == PFX_V4 && !want4) || (fam == PFX_V6 && !want6))
			continue;
		int w = ranges ? print_ranges(stdout, set, fam)
			       : pset_each_cidr(set, fam, print_cidr, &pr);
		if (w != 0)
			break;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("allowsync: aggregate: writing output");
		goto out;
	}
	rc = EXIT_OK;
out:
	pset_free(set);
	pset_free(except);
	return rc;
}
