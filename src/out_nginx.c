/* out_nginx — an nginx access list, `allow CIDR;` a line, IPv4 then
 * IPv6, for an include in front of the administrator's own `deny all;`:
 *
 *     location / {
 *             include /etc/nginx/allowsync/relays.conf;
 *             deny all;
 *     }
 *
 * The file allows and never denies: what is refused stays written in
 * the administrator's configuration, so that an empty list (a comment
 * alone, which nginx includes as it is) refuses everyone rather than
 * opening the location.  nginx reads it when it loads its
 * configuration: on_change = nginx -s reload. */
#include "out_nginx.h"

#include "cidrfile.h"

static const struct cidrfile_fmt nginx_fmt = {
	.pre = {"allow ", "allow "},
	.post = {";", ";"},
	.what = "nginx allow list",
};

static int
nginx_configure(struct output *o, const struct conf_section *sec, struct err *err)
{
	return cidrfile_configure(o, sec, &nginx_fmt, err);
}

const struct output_type out_nginx = {
	.name = "nginx",
	CIDRFILE_OPS(nginx_configure),
};
