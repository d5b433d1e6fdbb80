/* src_url — the `url` source: a range document over HTTPS (`url = …`),
 * read as text or JSON with selectors (docformat.h), cached in the state
 * directory for conditional requests and `refresh`. */
#ifndef ALLOWSYNC_SRC_URL_H
#define ALLOWSYNC_SRC_URL_H

#include "source.h"

extern const struct source_type src_url;

#endif
