/* cmd_triage — `triage [--json] [--offline] [--no-presets] [FILE...]`:
 * the clients a Postfix log shows refused, grouped by what would cover
 * them — the configured sources first, then every preset, collected as
 * `show --fetch` collects them (the same guards, nothing written), or
 * from the last good copies with --offline — and, for each preset that
 * covers some, the section to paste into allowsync.conf.
 *
 * Exit 0; 1 when a log cannot be read; 2 on a usage or configuration
 * error; 3 when a configured source (or, fetching, a preset) had nothing
 * usable, so that some addresses may be grouped too low. */
#include "cmd.h"

#include "confkv.h"
#include "log.h"
#include "maillog.h"
#include "plural.h"
#include "run.h"
#include "statusjson.h"
#include "triage.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Sender domains a table row names before "+N more". */
#define ROW_DOMAINS 3
/* Uncovered addresses the table lists (--json lists them all). */
#define ROW_UNCOVERED 20

struct triage_run {
	struct conf *c;  /* the configuration; NULL when there is none */
	struct conf *pc; /* the presets; NULL with --no-presets or unreadable */
	size_t n_presets_all; /* pc's sources before the skipped ones were cut */
	struct run_source *rs, *prs;
	struct triage_cover *covers;
	size_t n_covers;
	struct triage *t;
	struct maillog_stats st;
	struct triage_group *groups;
	int rc;
};

/* ------------------------------------------------------------- collecting */

/* -c FILE must load; the default path may be absent (presets only). */
static int
load_conf(const struct global_opts *g, struct conf **c)
{
	*c = NULL;
	if (!g->config && access(ALLOWSYNC_DEFAULT_CONFIG, F_OK) < 0 && errno == ENOENT) {
		log_info("triage: no %s: checking the presets only", ALLOWSYNC_DEFAULT_CONFIG);
		return 0;
	}
	return run_load_conf(g->config, c);
}

static bool
configured(const struct conf *c, const struct source *p)
{
	for (size_t i = 0; c && i < c->n_sources; i++)
		if (strcmp(c->sources[i]->fingerprint, p->fingerprint) == 0)
			return true;
	return false;
}

/* The presets not configured already (a configured source with the
 * same origin is checked as that source): moved to the front of pc's
 * sources, which run_gather then walks; the others are put back before
 * conf_free. */
static void
keep_unconfigured(struct triage_run *tr)
{
	struct conf *pc = tr->pc;
	size_t w = 0;

	tr->n_presets_all = pc->n_sources;
	for (size_t i = 0; i < pc->n_sources; i++) {
		if (configured(tr->c, pc->sources[i]))
			continue;
		struct source *s = pc->sources[w];
		pc->sources[w++] = pc->sources[i];
		pc->sources[i] = s;
	}
	pc->n_sources = w;
}

static void
gather_presets(struct triage_run *tr, const struct run_opts *o)
{
	struct err err;
	enum log_level lvl = log_get_level();

	if (conf_load_presets(tr->c, &tr->pc, &err) < 0) {
		log_warn("triage: presets: %s: not checked", err.msg);
		return;
	}
	keep_unconfigured(tr);
	/* Offline, a preset has a last good copy only if a source of its
	 * name kept one: the others are summed up below, not one error each. */
	if (o->offline)
		log_set_level((enum log_level)(LOG_LVL_ERR - 1));
	tr->prs = run_gather(tr->pc, o);
	log_set_level(lvl);
	if (!tr->prs)
		return;
	size_t missing = 0;
	for (size_t i = 0; i < tr->pc->n_sources; i++) {
		if (tr->prs[i].set)
			continue;
		missing++;
		if (!o->offline)
			tr->rc = EXIT_DEGRADED;
	}
	if (missing && o->offline)
		log_notice("triage: %zu of %zu presets not checked (--offline: no last good copy)",
			   missing, tr->pc->n_sources);
}

static int
collect_covers(struct triage_run *tr, bool offline, bool presets)
{
	struct run_opts o = {.out = stdout, .offline = offline, .fetch = !offline};
	size_t nc = tr->c ? tr->c->n_sources : 0;

	if (tr->c && !(tr->rs = run_gather(tr->c, &o)))
		return -1;
	for (size_t i = 0; i < nc; i++)
		if (!tr->rs[i].set)
			tr->rc = EXIT_DEGRADED;
	if (presets)
		gather_presets(tr, &o);
	size_t np = tr->prs ? tr->pc->n_sources : 0;
	if (!(tr->covers = calloc(nc + np + 1, sizeof *tr->covers)))
		return -1;
	for (size_t i = 0; i < nc; i++)
		tr->covers[tr->n_covers++] = (struct triage_cover){"source", tr->rs[i].src->name,
								    tr->rs[i].set};
	for (size_t i = 0; i < np; i++)
		tr->covers[tr->n_covers++] = (struct triage_cover){"preset", tr->prs[i].src->name,
								    tr->prs[i].set};
	return 0;
}

static int
read_logs(struct triage_run *tr, char **files, int n)
{
	struct maillog_clock clk;
	struct err err;

	maillog_clock_init(&clk, time(NULL));
	for (int i = 0; i < (n ? n : 1); i++) {
		err_clear(&err);
		/* triage_add fails only for want of memory, and says nothing. */
		if (maillog_read(n ? files[i] : NULL, &clk, triage_add, tr->t, &tr->st, &err) == 0)
			continue;
		log_err("triage: %s", err.msg[0] ? err.msg : "out of memory");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- the text */

static const char *
when_text(int64_t t, char *buf)
{
	return t == MAILLOG_NO_TIME ? "-" : maillog_format_time(t, ' ', buf);
}

static void
print_domains(const struct triage_domain_count *d, size_t n, uint64_t more)
{
	for (size_t i = 0; i < n && i < ROW_DOMAINS; i++)
		printf("%s%s (%llu)", i ? ", " : "", d[i].domain, (unsigned long long)d[i].count);
	/* "more": domains past an address's first ones, uncounted by name. */
	if (n > ROW_DOMAINS)
		printf(", +%zu more", n - ROW_DOMAINS);
	else if (more)
		printf("%s+more", n ? ", " : "");
	if (!n && !more)
		printf("-");
	putchar('\n');
}

static void
print_reasons(const uint64_t *reasons, int width)
{
	char buf[256];
	size_t o = 0;

	buf[0] = 0;
	for (int r = 0; r < MAILLOG_N_REASONS; r++)
		if (reasons[r] && o < sizeof buf)
			o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s %llu", o ? ", " : "",
					      maillog_reason_name((enum maillog_reason)r),
					      (unsigned long long)reasons[r]);
	printf("%-*s ", width, buf);
}

static void
print_groups(const struct triage_run *tr)
{
	char a[MAILLOG_TIME_MAX], b[MAILLOG_TIME_MAX], name[96];

	printf("%-28s %10s %9s %-19s %-19s %s\n", "COVERED BY", "REJECTIONS", "ADDRESSES",
	       "FIRST SEEN", "LAST SEEN", "SENDER DOMAINS");
	for (size_t k = 0; k <= tr->n_covers; k++) {
		const struct triage_group *g = &tr->groups[k];
		if (!g->n_addrs)
			continue;
		if (g->cover)
			snprintf(name, sizeof name, "%s \"%s\"", g->cover->kind, g->cover->name);
		else
			snprintf(name, sizeof name, "not covered");
		printf("%-28s %10llu %9zu %-19s %-19s ", name, (unsigned long long)g->rejections,
		       g->n_addrs, when_text(g->first, a), when_text(g->last, b));
		print_domains(g->domains, g->n_domains, g->more_domains);
	}
}

static void
print_uncovered(const struct triage_run *tr)
{
	const struct triage_group *g = &tr->groups[tr->n_covers];
	char a[MAILLOG_TIME_MAX], b[MAILLOG_TIME_MAX], addr[PFX_ADDR_MAX];

	if (!g->n_addrs)
		return;
	printf("\nnot covered by any source or preset:\n");
	printf("%-39s %10s %-19s %-19s %-28s %s\n", "ADDRESS", "REJECTIONS", "FIRST SEEN",
	       "LAST SEEN", "REASONS", "SENDER DOMAINS");
	for (size_t i = 0; i < g->n_addrs && i < ROW_UNCOVERED; i++) {
		const struct triage_addr *e = triage_get(tr->t, g->addrs[i]);
		struct triage_domain_count d[TRIAGE_DOMAINS_PER_ADDR];
		pfx_format_addr(e->fam, e->addr, addr);
		printf("%-39s %10llu %-19s %-19s ", addr, (unsigned long long)e->rejections,
		       when_text(e->first, a), when_text(e->last, b));
		print_reasons(e->reasons, 28);
		for (unsigned j = 0; j < e->n_domains; j++)
			d[j] = (struct triage_domain_count){triage_domain(tr->t, e->domain_ids[j]),
							    e->domain_counts[j]};
		print_domains(d, e->n_domains, e->more_domains);
	}
	if (g->n_addrs > ROW_UNCOVERED)
		printf("… and %zu more (--json lists them all)\n", g->n_addrs - ROW_UNCOVERED);
}

/* With no more sender domains than this seen, the paste offers the
 * sender-scoped output too. */
#define SCOPED_DOMAINS 3

/* The scoped alternative, commented out: an output of this source alone
 * that trusts only the senders seen (allowsync.conf(5), senders). */
static void
print_scoped(const struct triage_group *g, const char *name, FILE *f)
{
	if (!g->n_domains || g->n_domains > SCOPED_DOMAINS || g->more_domains)
		return;
	fprintf(f, "; or, to trust only the %s seen (when the relay verifies its customers'\n"
		   "; sender domains; no other output may take this source):\n"
		   "; [output %s-senders]\n; type = postfix\n"
		   "; path = /etc/postfix/allowsync-%s.cidr\n; sources = %s\n; senders =",
		plural(g->n_domains, "sender domain", "sender domains"), name, name, name);
	for (size_t i = 0; i < g->n_domains; i++)
		fprintf(f, " %s", g->domains[i].domain);
	fputc('\n', f);
}

/* What the configuration needs so that the preset's ranges are allowed:
 * its [source], and an output using it. */
static void
print_paste(const struct triage_run *tr, const struct triage_group *g, FILE *f)
{
	const struct conf *c = tr->c;
	const char *p = g->cover->name;
	char name[80];
	bool listed = false;

	/* A configured source of the preset's name has another origin. */
	snprintf(name, sizeof name, "%s%s", p, c && conf_find_source(c, p) ? "-relay" : "");
	fprintf(f, "[source %s]\npreset = %s\n", name, p);
	for (size_t i = 0; c && i < c->n_outputs; i++) {
		if (!conf_get_kv(c->outputs[i]->sec, "sources"))
			continue;
		fprintf(f, "; and add %s to `sources =` of [output %s]\n", name, c->outputs[i]->name);
		listed = true;
	}
	if (c && c->n_outputs) {
		if (!listed)
			fprintf(f, "; every output takes every source: no output to change\n");
	} else {
		fprintf(f, "\n[output relays]\ntype = postfix\npath = /etc/postfix/allowsync-relays.cidr\n"
			   "; then `allowsync show relays --postfix` prints the main.cf line\n");
	}
	print_scoped(g, name, f);
}

static void
print_notes(const struct triage_run *tr)
{
	for (size_t k = 0; k < tr->n_covers; k++) {
		const struct triage_group *g = &tr->groups[k];
		if (!g->n_addrs)
			continue;
		if (strcmp(g->cover->kind, "preset") == 0) {
			printf("\n; preset \"%s\" covers %zu refused %s (%llu %s); "
			       "paste into allowsync.conf:\n",
			       g->cover->name, g->n_addrs, plural(g->n_addrs, "address", "addresses"),
			       (unsigned long long)g->rejections,
			       plural((size_t)g->rejections, "rejection", "rejections"));
			print_paste(tr, g, stdout);
			continue;
		}
		const struct source *s = tr->rs[k].src;
		size_t n = 0;
		printf("\n; source \"%s\" already covers %zu refused %s: ", s->name, g->n_addrs,
		       plural(g->n_addrs, "address", "addresses"));
		for (size_t i = 0; i < tr->c->n_outputs; i++)
			for (size_t j = 0; j < tr->c->outputs[i]->n_sources; j++)
				if (tr->c->outputs[i]->sources[j] == s)
					printf("%s\"%s\"", n++ ? ", " : "in output ",
					       tr->c->outputs[i]->name);
		printf(n ? " (is it in use where the mail was refused? allowsync show OUTPUT "
			   "--postfix)\n"
			 : "no output uses it\n");
	}
	for (size_t k = 0; k < tr->n_covers; k++)
		if (!tr->covers[k].set && strcmp(tr->covers[k].kind, "source") == 0)
			printf("\n; source \"%s\": not checked (no usable data)\n", tr->covers[k].name);
}

static void
print_text(const struct triage_run *tr)
{
	size_t n = triage_count(tr->t);

	printf("%llu lines: %llu %s of %zu %s, %llu other, %llu unrecognised\n\n",
	       (unsigned long long)tr->st.lines, (unsigned long long)tr->st.rejections,
	       plural((size_t)tr->st.rejections, "rejection", "rejections"), n,
	       plural(n, "address", "addresses"), (unsigned long long)tr->st.skipped,
	       (unsigned long long)tr->st.unrecognised);
	if (n) {
		print_groups(tr);
		print_uncovered(tr);
		print_notes(tr);
	}
	fflush(stdout);
}

/* ---------------------------------------------------------------- the JSON */

static cJSON *
time_json(int64_t t)
{
	char buf[MAILLOG_TIME_MAX];

	return t == MAILLOG_NO_TIME ? cJSON_CreateNull()
				    : cJSON_CreateString(maillog_format_time(t, 'T', buf));
}

static cJSON *
reasons_json(const uint64_t *reasons)
{
	cJSON *j = cJSON_CreateObject();

	for (int r = 0; j && r < MAILLOG_N_REASONS; r++)
		if (reasons[r] && !statusjson_put(j, maillog_reason_name((enum maillog_reason)r),
				       statusjson_integer((long long)reasons[r]))) {
			cJSON_Delete(j);
			return NULL;
		}
	return j;
}

/* {"example.com": 3, …}, most rejections first. */
static cJSON *
domains_json(const struct triage_domain_count *d, size_t n)
{
	cJSON *j = cJSON_CreateObject();

	for (size_t i = 0; j && i < n; i++)
		if (!statusjson_put(j, d[i].domain, statusjson_integer((long long)d[i].count))) {
			cJSON_Delete(j);
			return NULL;
		}
	return j;
}

static cJSON *
addr_json(const struct triage_run *tr, const struct triage_addr *e)
{
	struct triage_domain_count d[TRIAGE_DOMAINS_PER_ADDR];
	char addr[PFX_ADDR_MAX];
	cJSON *j = cJSON_CreateObject();

	for (unsigned i = 0; i < e->n_domains; i++)
		d[i] = (struct triage_domain_count){triage_domain(tr->t, e->domain_ids[i]),
						    e->domain_counts[i]};
	pfx_format_addr(e->fam, e->addr, addr);
	if (j && statusjson_put(j, "address", cJSON_CreateString(addr)) &&
	    statusjson_put(j, "rejections", statusjson_integer((long long)e->rejections)) &&
	    statusjson_put(j, "first_seen", time_json(e->first)) &&
	    statusjson_put(j, "last_seen", time_json(e->last)) &&
	    statusjson_put(j, "reasons", reasons_json(e->reasons)) &&
	    statusjson_put(j, "sender_domains", domains_json(d, e->n_domains)))
		return j;
	cJSON_Delete(j);
	return NULL;
}

static cJSON *
paste_json(const struct triage_run *tr, const struct triage_group *g)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cJSON *j = NULL;

	if (!f)
		return NULL;
	print_paste(tr, g, f);
	if (fclose(f) == 0)
		j = cJSON_CreateString(text);
	free(text);
	return j;
}

static cJSON *
group_json(const struct triage_run *tr, const struct triage_group *g)
{
	cJSON *j = cJSON_CreateObject(), *addrs;
	bool preset = g->cover && strcmp(g->cover->kind, "preset") == 0;

	if (!j || !statusjson_put(j, "kind", cJSON_CreateString(g->cover ? g->cover->kind : "none")) ||
	    !statusjson_put(j, "name",
			    g->cover ? cJSON_CreateString(g->cover->name) : cJSON_CreateNull()) ||
	    !statusjson_put(j, "rejections", statusjson_integer((long long)g->rejections)) ||
	    !statusjson_put(j, "address_count", statusjson_integer((long long)g->n_addrs)) ||
	    !statusjson_put(j, "first_seen", time_json(g->first)) ||
	    !statusjson_put(j, "last_seen", time_json(g->last)) ||
	    !statusjson_put(j, "reasons", reasons_json(g->reasons)) ||
	    !statusjson_put(j, "sender_domains", domains_json(g->domains, g->n_domains)) ||
	    !statusjson_put(j, "more_sender_domains", statusjson_integer((long long)g->more_domains)) ||
	    !statusjson_put(j, "config", preset ? paste_json(tr, g) : cJSON_CreateNull()) ||
	    !statusjson_put(j, "addresses", addrs = cJSON_CreateArray()))
		goto nomem;
	for (size_t i = 0; i < g->n_addrs; i++)
		if (!statusjson_append(addrs, addr_json(tr, triage_get(tr->t, g->addrs[i]))))
			goto nomem;
	return j;
nomem:
	cJSON_Delete(j);
	return NULL;
}

static int
print_json(const struct triage_run *tr)
{
	cJSON *doc = cJSON_CreateObject(), *groups, *unchecked;
	int r = -1;

	if (!doc || !statusjson_put(doc, "lines", statusjson_integer((long long)tr->st.lines)) ||
	    !statusjson_put(doc, "rejections", statusjson_integer((long long)tr->st.rejections)) ||
	    !statusjson_put(doc, "addresses", statusjson_integer((long long)triage_count(tr->t))) ||
	    !statusjson_put(doc, "other", statusjson_integer((long long)tr->st.skipped)) ||
	    !statusjson_put(doc, "unrecognised", statusjson_integer((long long)tr->st.unrecognised)) ||
	    !statusjson_put(doc, "groups", groups = cJSON_CreateArray()) ||
	    !statusjson_put(doc, "uncovered", group_json(tr, &tr->groups[tr->n_covers])) ||
	    !statusjson_put(doc, "not_checked", unchecked = cJSON_CreateArray()))
		goto out;
	for (size_t k = 0; k < tr->n_covers; k++) {
		const struct triage_cover *cv = &tr->covers[k];
		if (!cv->set) {
			cJSON *u = cJSON_CreateObject();
			if (!statusjson_append(unchecked, u) ||
			    !statusjson_put(u, "kind", cJSON_CreateString(cv->kind)) ||
			    !statusjson_put(u, "name", cJSON_CreateString(cv->name)))
				goto out;
		} else if (tr->groups[k].n_addrs &&
			   !statusjson_append(groups, group_json(tr, &tr->groups[k]))) {
			goto out;
		}
	}
	r = statusjson_print(doc, stdout);
out:
	cJSON_Delete(doc);
	return r;
}

/* ---------------------------------------------------------------- command */

static void
triage_run_clear(struct triage_run *tr)
{
	triage_groups_free(tr->groups, tr->n_covers + 1);
	triage_free(tr->t);
	free(tr->covers);
	if (tr->c)
		run_sources_free(tr->rs, tr->c->n_sources);
	if (tr->pc) {
		run_sources_free(tr->prs, tr->pc->n_sources);
		tr->pc->n_sources = tr->n_presets_all ? tr->n_presets_all : tr->pc->n_sources;
	}
	conf_free(tr->pc);
	conf_free(tr->c);
}

int
cmd_triage(int argc, char **argv, const struct global_opts *g)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"offline", no_argument, NULL, 'o'},
		{"no-presets", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct triage_run tr = {.rc = EXIT_OK};
	bool json = false, offline = false, presets = true;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 'j')
			json = true;
		else if (ch == 'o')
			offline = true;
		else if (ch == 'P')
			presets = false;
		else if (ch == 'h')
			return cmd_usage(argv[0], stdout);
		else
			return cmd_usage(argv[0], stderr);
	}
	if ((rc = load_conf(g, &tr.c)) != 0)
		return rc;
	if (!(tr.t = triage_new())) {
		log_err("triage: out of memory");
		rc = EXIT_FAIL;
		goto out;
	}
	/* The log first: a file that cannot be read fails before any fetching. */
	if (read_logs(&tr, argv + optind, argc - optind) < 0) {
		rc = EXIT_FAIL;
		goto out;
	}
	if (collect_covers(&tr, offline, presets) < 0 ||
	    triage_group(tr.t, tr.covers, tr.n_covers, &tr.groups) < 0) {
		log_err("triage: out of memory");
		rc = EXIT_FAIL;
		goto out;
	}
	if (json ? print_json(&tr) < 0 : (print_text(&tr), ferror(stdout))) {
		log_err("triage: cannot write the report");
		rc = EXIT_FAIL;
		goto out;
	}
	rc = tr.rc;
out:
	triage_run_clear(&tr);
	return rc;
}
