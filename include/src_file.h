/* src_file — the `file` source: a local text list (`path = …`). */
#ifndef ALLOWSYNC_SRC_FILE_H
#define ALLOWSYNC_SRC_FILE_H

#include "source.h"

extern const struct source_type src_file;

#endif
