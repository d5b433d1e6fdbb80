/* cmd_presets — `allowsync presets`: list the built-in source presets.
 *
 * Reads the presets file (--file, else $ALLOWSYNC_PRESETS, else
 * ALLOWSYNC_DATADIR/presets.conf) line by line: each [source NAME], its
 * `# covers:` comment, its type and where it reads from.  The
 * configuration loader (conf.c, through preset.h) is what applies a
 * preset; this only shows them.
 */
#include "cmd.h"
#include "preset.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct preset {
	char name[65];
	char type[17];
	char covers[200];
	char from[200];
};

static char *
trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static void
print_preset(const struct preset *p, bool names_only)
{
	if (!p->name[0])
		return;
	if (names_only)
		printf("%s\n", p->name);
	else
		printf("%-26s %-4s %s%s%s%s\n", p->name, p->type[0] ? p->type : "?", p->covers,
		       p->from[0] ? " [" : "", p->from, p->from[0] ? "]" : "");
}

int
cmd_presets(int argc, char **argv, const struct global_opts *g)
{
	static const struct option longopts[] = {
		{"file", required_argument, NULL, 'f'},
		{"names", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = preset_path();
	bool names_only = false;
	struct preset cur;
	char line[4096];
	unsigned count = 0;
	int c;
	FILE *f;

	(void)g;
	memset(&cur, 0, sizeof cur);
	while ((c = getopt_long(argc, argv, "f:nh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			path = optarg;
			break;
		case 'n':
			names_only = true;
			break;
		case 'h':
			return cmd_usage(argv[0], stdout);
		default:
			return cmd_usage(argv[0], stderr);
		}
	}
	if (optind != argc)
		return cmd_usage(argv[0], stderr);
	if (!(f = fopen(path, "r"))) {
		fprintf(stderr, "allowsync: presets file %s: %s\n", path, strerror(errno));
		return EXIT_FAIL;
	}
	if (!names_only)
		printf("%-26s %-4s %s\n", "PRESET", "TYPE", "COVERS [FROM]");
	while (fgets(line, sizeof line, f)) {
		char *l = trim(line);
		if (*l == '[') {
			print_preset(&cur, names_only);
			memset(&cur, 0, sizeof cur);
			char *e = strchr(l, ']');
			if (e && strncmp(l, "[source ", 8) == 0) {
				*e = '\0';
				snprintf(cur.name, sizeof cur.name, "%s", trim(l + 8));
				count++;
			}
			continue;
		}
		if (!cur.name[0])
			continue;
		if ((*l == '#' || *l == ';') && strncmp(trim(l + 1), "covers:", 7) == 0) {
			snprintf(cur.covers, sizeof cur.covers, "%s", trim(trim(l + 1) + 7));
			continue;
		}
		char *eq = strchr(l, '=');
		if (!eq || *l == '#' || *l == ';')
			continue;
		*eq = '\0';
		char *k = trim(l), *v = trim(eq + 1);
		if (strcmp(k, "type") == 0)
			snprintf(cur.type, sizeof cur.type, "%s", v);
		else if (strcmp(k, "domain") == 0 || strcmp(k, "url") == 0)
			snprintf(cur.from, sizeof cur.from, "%s", v);
	}
	print_preset(&cur, names_only);
	bool err = ferror(f);
	fclose(f);
	if (err) {
		fprintf(stderr, "allowsync: presets file %s: read error\n", path);
		return EXIT_FAIL;
	}
	if (count == 0) {
		fprintf(stderr, "allowsync: presets file %s: no [source NAME] sections\n", path);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
