/* metrics — the Prometheus text file of a run; see metrics.h. */
#include "metrics.h"

#include "atomicfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum subject { OF_RUN, OF_SOURCE, OF_OUTPUT };

enum value {
	V_WHEN, V_DURATION, V_EXIT_CODE,
	V_LAST_SUCCESS, V_LAST_GOOD, V_DEGRADED_SINCE, V_ENTRIES, V_ADDRESSES,
	V_HELD, V_HOOK_PENDING,
};

/* The families, in the order of the file.  Every one is a gauge. */
static const struct family {
	const char *name;
	enum subject of;
	enum value value;
	const char *help;
} families[] = {
	{"allowsync_run_timestamp_seconds", OF_RUN, V_WHEN,
	 "When the last run started (unix seconds)."},
	{"allowsync_run_duration_seconds", OF_RUN, V_DURATION,
	 "How long the last run took (seconds)."},
	{"allowsync_run_exit_code", OF_RUN, V_EXIT_CODE,
	 "Exit code of the last run: 0 ok, 1 failed, 3 degraded (allowsync(8))."},
	{"allowsync_source_last_success_timestamp_seconds", OF_SOURCE, V_LAST_SUCCESS,
	 "When the source was last collected successfully (unix seconds, 0 = never)."},
	{"allowsync_source_served_from_last_good", OF_SOURCE, V_LAST_GOOD,
	 "1 when collecting failed and the last run served the last good copy."},
	{"allowsync_source_degraded_since_timestamp_seconds", OF_SOURCE, V_DEGRADED_SINCE,
	 "Since when the source is served from its last good copy (unix seconds, 0 = it is "
	 "not)."},
	{"allowsync_source_entries", OF_SOURCE, V_ENTRIES,
	 "CIDRs the source yields, merged (0 = nothing usable)."},
	{"allowsync_source_addresses", OF_SOURCE, V_ADDRESSES,
	 "Addresses the source grants, per address family."},
	{"allowsync_output_last_success_timestamp_seconds", OF_OUTPUT, V_LAST_SUCCESS,
	 "When the output was last brought up to date (unix seconds, 0 = never)."},
	{"allowsync_output_entries", OF_OUTPUT, V_ENTRIES, "CIDRs the output holds."},
	{"allowsync_output_addresses", OF_OUTPUT, V_ADDRESSES,
	 "Addresses the output grants, per address family."},
	{"allowsync_output_held", OF_OUTPUT, V_HELD,
	 "1 when a gate (max_shrink, max_growth, a partial source) held the last run's change "
	 "back."},
	{"allowsync_output_hook_pending", OF_OUTPUT, V_HOOK_PENDING,
	 "1 when on_change failed and is retried on the next run."},
};

static const char *const af_label[2] = {"ipv4", "ipv6"};

#define VALUE_MAX 48 /* a u128 in decimal, or a double */

static bool
num(char buf[VALUE_MAX], long long v)
{
	snprintf(buf, VALUE_MAX, "%lld", v);
	return true;
}

/* The value of family `fam` for subject i (address family af); false
 * when the sample is left out (addresses not known). */
static bool
value_of(const struct family *fam, const struct metrics_run *m, size_t i, int af,
	 char buf[VALUE_MAX])
{
	const struct metrics_source *s = fam->of == OF_SOURCE ? &m->sources[i] : NULL;
	const struct metrics_output *o = fam->of == OF_OUTPUT ? &m->outputs[i] : NULL;
	const struct metrics_count *n = s ? &s->count : o ? &o->count : NULL;

	switch (fam->value) {
	case V_WHEN:
		return num(buf, (long long)m->when);
	case V_DURATION:
		snprintf(buf, VALUE_MAX, "%.3f", m->duration < 0 ? 0.0 : m->duration);
		return true;
	case V_EXIT_CODE:
		return num(buf, m->exit_code);
	case V_LAST_SUCCESS:
		return num(buf, (long long)(s ? s->last_success : o ? o->last_success : 0));
	case V_LAST_GOOD:
		return num(buf, s && s->last_good);
	case V_DEGRADED_SINCE:
		return num(buf, (long long)(s ? s->degraded_since : 0));
	case V_ENTRIES:
		return num(buf, n ? (long long)n->entries : 0);
	case V_ADDRESSES:
		if (!n || !n->addresses_known)
			return false;
		pfx_format_u128(n->addresses[af], buf);
		return true;
	case V_HELD:
		return num(buf, o && o->held);
	case V_HOOK_PENDING:
		return num(buf, o && o->hook_pending);
	}
	return false;
}

/* A label value, escaped as the exposition format wants. */
static void
put_label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void
put_family(FILE *f, const struct family *fam, const struct metrics_run *m)
{
	size_t n = fam->of == OF_RUN ? 1 : fam->of == OF_SOURCE ? m->n_sources : m->n_outputs;
	int n_af = fam->value == V_ADDRESSES ? 2 : 1;
	char buf[VALUE_MAX];

	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", fam->name, fam->help, fam->name);
	for (size_t i = 0; i < n; i++) {
		for (int af = 0; af < n_af; af++) {
			if (!value_of(fam, m, i, af, buf))
				continue;
			fputs(fam->name, f);
			if (fam->of != OF_RUN) {
				fprintf(f, "{%s=\"", fam->of == OF_SOURCE ? "source" : "output");
				put_label_value(f, fam->of == OF_SOURCE ? m->sources[i].name
									: m->outputs[i].name);
				fputc('"', f);
				if (n_af > 1)
					fprintf(f, ",family=\"%s\"", af_label[af]);
				fputc('}', f);
			}
			fprintf(f, " %s\n", buf);
		}
	}
}

int
metrics_render(const struct metrics_run *m, FILE *f)
{
	for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
		put_family(f, &families[i], m);
	return ferror(f) ? -1 : 0;
}

int
metrics_write(const char *path, const struct metrics_run *m, struct err *err)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	int r;

	if (!f)
		return err_set(err, "out of memory");
	r = metrics_render(m, f);
	if (fclose(f) != 0 || r < 0) {
		free(mem);
		return err_set(err, "out of memory");
	}
	r = atomicfile_write_sync(path, 0644, mem, len, ATOMICFILE_ORDERED, err);
	free(mem);
	return r;
}
