/* out_exim — a file for Exim's iplsearch lookups: one key a line, no
 * data, IPv4 then IPv6:
 *
 *     192.0.2.0/24
 *     "2001:db8::/32"
 *
 * A key ends at the first colon or blank unless it is quoted, so every
 * IPv6 key is in double quotes, as Exim's lookups documentation requires
 * (a CIDR holds no quote or backslash to escape).  Used as a host list,
 * `hosts = net-iplsearch;/etc/exim4/allowsync/relays`, or in an
 * expansion, `${lookup{$sender_host_address}iplsearch{…}{yes}{no}}`;
 * Exim opens the file at each lookup, so a change needs no reload. */
#include "out_exim.h"

#include "cidrfile.h"

static const struct cidrfile_fmt exim_fmt = {
	.pre = {"", "\""},
	.post = {"", "\""},
	.what = "iplsearch file",
};

static int
exim_configure(struct output *o, const struct conf_section *sec, struct err *err)
{
	return cidrfile_configure(o, sec, &exim_fmt, err);
}

const struct output_type out_exim = {
	.name = "exim",
	CIDRFILE_OPS(exim_configure),
};
