/* cmd_show — `show [--fetch] [OUTPUT]`: what an output would contain,
 * from the last good copies (or freshly collected with --fetch; nothing
 * is written either way); `show OUTPUT --postfix`: the main.cf line(s)
 * that use a postfix output the safe way. */
#include "cmd.h"

#include "log.h"
#include "out_postfix.h"
#include "run.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int
cmd_show(int argc, char **argv, const struct global_opts *g)
{
	static const struct option longopts[] = {
		{"fetch", no_argument, NULL, 'f'},
		{"postfix", no_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct run_opts o = {.out = stdout};
	struct run_source *rs = NULL;
	bool postfix = false;
	struct conf *c;
	int ch, rc;

	/* Options after OUTPUT too: `show relays --postfix`. */
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 'f') {
			o.fetch = true;
		} else if (ch == 'p') {
			postfix = true;
		} else if (ch == 'h') {
			return cmd_usage(argv[0], stdout);
		} else {
			return cmd_usage(argv[0], stderr);
		}
	}
	if (argc - optind > 1 || (postfix && (o.fetch || argc - optind != 1)))
		return cmd_usage(argv[0], stderr);
	if ((rc = run_load_conf(g->config, &c)) != 0)
		return rc;
	const char *only = optind < argc ? argv[optind] : NULL;
	struct output *one = only ? conf_find_output(c, only) : NULL;
	if (only && !one) {
		log_err("show: no output \"%s\" in %s", only, c->path);
		conf_free(c);
		return EXIT_USAGE;
	}
	if (postfix) {
		struct err err;
		rc = EXIT_OK;
		if (one->type != &out_postfix) {
			log_err("output \"%s\": show --postfix: type = %s, not postfix", one->name,
				one->type->name);
			rc = EXIT_USAGE;
		} else if (out_postfix_main_cf(one, stdout, &err) < 0) {
			log_err("output \"%s\": show --postfix: %s", one->name, err.msg);
			rc = EXIT_FAIL;
		}
		fflush(stdout);
		conf_free(c);
		return rc;
	}
	if (!(rs = run_gather(c, &o))) {
		log_err("out of memory");
		conf_free(c);
		return EXIT_FAIL;
	}
	rc = EXIT_OK;
	for (size_t i = 0; i < c->n_outputs; i++) {
		struct output *out = c->outputs[i];
		struct err err;
		if (only && strcmp(only, out->name) != 0)
			continue;
		struct pset *want = run_want(out, c, rs, &err);
		if (!want) {
			log_err("output \"%s\": %s: cannot show it", out->name, err.msg);
			rc = EXIT_FAIL;
			continue;
		}
		if (!only)
			printf("==> output \"%s\" (%s) <==\n", out->name, out->type->name);
		if (out->type->render(out, want, stdout) < 0) {
			log_err("output \"%s\": cannot render", out->name);
			rc = EXIT_FAIL;
		}
		pset_free(want);
	}
	fflush(stdout);
	run_sources_free(rs, c->n_sources);
	conf_free(c);
	return rc;
}
