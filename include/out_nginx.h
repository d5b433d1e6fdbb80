/* out_nginx — the `nginx` output: `allow CIDR;` lines to include before
 * `deny all;`. */
#ifndef ALLOWSYNC_OUT_NGINX_H
#define ALLOWSYNC_OUT_NGINX_H

#include "output.h"

extern const struct output_type out_nginx;

#endif
