/* src_spf — the `spf` source: expand an SPF record (see spf.h). */
#include "src_spf.h"

#include "confkv.h"
#include "confval.h"
#include "dns.h"
#include "log.h"
#include "spf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct spf_src {
	char *domain;
	struct spf_opts opts;
};

static const struct conf_key spf_keys[] = {
	{"domain", CONF_KEY_REQUIRED},
	/* Limits: how much of the record to take, never another record. */
	{"spf_partial", CONF_KEY_NOT_CONTENT},
	{"spf_max_lookups", CONF_KEY_NOT_CONTENT},
	{NULL, 0},
};

static int
spf_configure(struct source *src, const struct conf_section *sec, struct err *err)
{
	struct spf_src *p = calloc(1, sizeof *p);
	const char *v, *why;
	uint64_t n;

	if (!p) {
		conf_err_set(err, sec, "domain", "out of memory");
		return -1;
	}
	src->priv = p;
	v = conf_get(sec, "domain");
	if (!v || !spf_domain_ok(v)) {
		conf_err_set(err, sec, "domain", "[source %s] domain = %s: not a domain name",
			     src->name, v ? v : "");
		return -1;
	}
	if (!(p->domain = strdup(v))) {
		conf_err_set(err, sec, "domain", "out of memory");
		return -1;
	}
	if ((v = conf_get(sec, "spf_partial")) && (why = conf_parse_bool(v, &p->opts.partial))) {
		conf_err_set(err, sec, "spf_partial", "[source %s] spf_partial = %s: %s",
			     src->name, v, why);
		return -1;
	}
	p->opts.max_lookups = 10;
	if ((v = conf_get(sec, "spf_max_lookups"))) {
		if ((why = conf_parse_uint(v, 100, &n)) || n == 0) {
			conf_err_set(err, sec, "spf_max_lookups",
				     "[source %s] spf_max_lookups = %s: %s", src->name, v,
				     why ? why : "must be 1..100");
			return -1;
		}
		p->opts.max_lookups = (unsigned)n;
	}
	return 0;
}

/* "A B C" from the NULL-terminated list. */
static char *
join_servers(const char *const *s, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(s[i]) + 1;
	char *out = malloc(len), *o = out;
	if (!out)
		return NULL;
	*o = '\0';
	for (size_t i = 0; i < n; i++)
		o += sprintf(o, "%s%s", i ? " " : "", s[i]);
	return out;
}

static int
spf_collect(struct source *src, const struct source_ctx *ctx, struct source_result *res,
	    struct err *err)
{
	struct spf_src *p = src->priv;
	struct dns_opts dopts = {0};
	struct spf_result sr = {0};
	struct spf_resolver rv;
	struct dns *d = NULL;
	char *servers = NULL;
	int rc = -1;

	snprintf(res->origin, sizeof res->origin, "spf %s", p->domain);
	if (ctx->n_dns_servers && !(servers = join_servers(ctx->dns_servers, ctx->n_dns_servers)))
		return err_set(err, "out of memory");
	dopts.servers = servers;
	uint64_t total = src->limits.timeout ? src->limits.timeout : 60;
	dopts.total_ms = total > 3600 ? 3600000 : (int)(total * 1000);
	/* Two tries per query, each a fraction of the whole budget so that
	 * a lost packet is retried well before the deadline. */
	dopts.try_ms = dopts.total_ms / 4 < 2000 ? dopts.total_ms / 4 : 2000;
	dopts.tries = 2;
	d = dns_new(&dopts, err);
	if (!d) {
		err_prefix(err, "resolver");
		goto out;
	}
	spf_resolver_dns(&rv, d);
	sr.pass = res->set;
	if (spf_expand(p->domain, &p->opts, &rv, &sr, err) < 0) {
		/* A DNS failure reads as itself ("SERVFAIL for …"); the rest say
		 * which kind of refusal it is. */
		if (sr.status != SPF_TEMPERROR)
			err_prefix(err, "%s", spf_status_str(sr.status));
		goto out;
	}
	if (sr.partial) {
		res->partial = true;
		log_warn("source \"%s\": spf_partial: %s", src->name, sr.warning);
	}
	log_info("source \"%s\": %s: %u records, %u lookups, %u queries, depth %u", src->name,
		 p->domain, sr.records, sr.lookups, sr.queries, sr.depth);
	rc = 0;
out:
	dns_free(d);
	free(servers);
	return rc;
}

static void
spf_free(struct source *src)
{
	struct spf_src *p = src->priv;
	if (p)
		free(p->domain);
	free(p);
	src->priv = NULL;
}

const struct source_type src_spf = {
	.name = "spf",
	.keys = spf_keys,
	.configure = spf_configure,
	.collect = spf_collect,
	.free = spf_free,
};
