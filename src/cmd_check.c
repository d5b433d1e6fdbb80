/* cmd_check — validate the configuration only (nothing fetched or touched),
 * and how the rest of the system uses each output (output_type.vet);
 * `check --names`: the configuration's source and output names, for the
 * shell completion. */
#include "cmd.h"

#include "log.h"
#include "plural.h"
#include "run.h"

#include <stdio.h>
#include <string.h>

/* "source NAME" / "output NAME", one a line: the completion takes what
 * it needs (names are letters, digits, '.', '_', '-': nothing to quote). */
static void
print_names(const struct conf *c)
{
	for (size_t i = 0; i < c->n_sources; i++)
		printf("source %s\n", c->sources[i]->name);
	for (size_t i = 0; i < c->n_outputs; i++)
		printf("output %s\n", c->outputs[i]->name);
}

int
cmd_check(int argc, char **argv, const struct global_opts *g)
{
	struct conf *c;
	bool names = false;
	int rc;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
		return cmd_usage(argv[0], stdout);
	if (argc == 2 && strcmp(argv[1], "--names") == 0)
		names = true;
	else if (argc > 1)
		return cmd_usage(argv[0], stderr);
	if ((rc = run_load_conf(g->config, &c)) != 0)
		return rc;
	if (names) {
		/* Without vet: it may run postconf, too slow for a Tab key. */
		print_names(c);
		conf_free(c);
		return EXIT_OK;
	}
	for (size_t i = 0; i < c->n_outputs; i++) {
		const struct output *o = c->outputs[i];
		struct err err;
		if (o->type->vet && o->type->vet(o, &err) < 0) {
			log_err("output \"%s\": refused: %s", o->name, err.msg);
			rc = EXIT_USAGE;
		}
	}
	if (rc == 0 && g->verbosity >= 0)
		printf("%s: OK: %zu %s, %zu %s\n", c->path, c->n_sources,
		       plural(c->n_sources, "source", "sources"), c->n_outputs,
		       plural(c->n_outputs, "output", "outputs"));
	conf_free(c);
	return rc;
}
