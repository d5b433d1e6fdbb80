/* preset — `preset = NAME` in a [source]: a built-in definition.
 *
 * The presets file is a configuration of [source NAME] sections only
 * (packaging/presets.conf, installed in ALLOWSYNC_DATADIR).  A source
 * naming one takes the keys of [source NAME] that it does not set
 * itself; a key it sets replaces the preset's values entirely.  The
 * copied values have line 0: a message about them points at the
 * section's `preset =` line or header, not at the presets file.
 *
 * The file is read once per configuration, on the first source that
 * names a preset; conf_load applies the presets, `allowsync presets`
 * lists them.
 */
#ifndef ALLOWSYNC_PRESET_H
#define ALLOWSYNC_PRESET_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>

struct conf_section;

/* $ALLOWSYNC_PRESETS when set and not empty, else
 * ALLOWSYNC_DATADIR "/presets.conf". */
const char *preset_path(void);

/* The presets file of one configuration.  Zero it before the first
 * preset_apply; preset_file_clear frees what it read. */
struct preset_file {
	bool read;
	char *path; /* the sections point at it */
	struct conf_section **secs;
	size_t n_secs;
};

/* Copy into `sec` (a [source]) the keys of the preset its `preset =`
 * names that it does not set itself.  0, or -1 with err at the `preset`
 * line: unknown preset, a preset naming a preset, a presets file that
 * cannot be read ("preset \"NAME\": presets file: FILE:LINE: reason"). */
int preset_apply(struct preset_file *pf, struct conf_section *sec, struct err *err);
void preset_file_clear(struct preset_file *pf);

#endif
