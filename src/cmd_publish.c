/* cmd_publish — `allowsync [-c FILE] [-n] publish`. */
#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "publish.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *
base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

int
cmd_publish(int argc, char **argv, const struct global_opts *g)
{
	struct conf *c = NULL;
	struct err err;
	struct publish_conf pc = {0};
	struct publish_plan plan = {0};
	struct minisign_sk sk;
	struct pubdoc_inv *inv = NULL;
	bool have_sk = false;
	int ret = EXIT_USAGE;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
		return cmd_usage(argv[0], stdout);
	if (argc != 1) {
		fprintf(stderr, "allowsync: %s: unexpected argument \"%s\"\n", argv[0], argv[1]);
		return cmd_usage(argv[0], stderr);
	}
	if (conf_load(g->config ? g->config : ALLOWSYNC_DEFAULT_CONFIG, 0, &c, &err) < 0 ||
	    publish_conf_load(c, &pc, &err) < 0) {
		log_err("%s", err.msg);
		goto out;
	}
	if (pc.sign_key) {
		if (minisign_sk_load(pc.sign_key, &sk, &err) < 0) {
			log_err("publish \"%s\": sign_key %s", pc.name, err.msg);
			goto out;
		}
		have_sk = true;
	}
	ret = EXIT_FAIL;
	time_t now = time(NULL);
	if (!(inv = publish_collect(c, &pc, now, &err))) {
		log_err("%s; nothing published", err.msg);
		goto out;
	}
	if (publish_plan(&pc, inv, have_sk ? &sk : NULL, now, &plan, &err) < 0) {
		log_err("%s; nothing published", err.msg);
		goto out;
	}
	/* The files, and a copy alone when its file stays (a .gz missing,
	 * or written by another zlib). */
	char files[1024] = "";
	size_t nchanged = 0, off = 0;
	bool copies = false;
	for (int i = 0; i < PUBLISH_NFILES; i++) {
		const struct publish_file *f = &plan.f[i];
		if (!f->path || (!f->changed && !f->gz_changed))
			continue;
		nchanged++;
		copies |= f->changed && pc.gzip;
		int w = snprintf(files + off, sizeof files - off, " %s%s", base(f->path),
				 f->changed ? "" : pc.gzip ? ".gz" : "");
		if (w > 0 && (size_t)w < sizeof files - off)
			off += (size_t)w;
	}
	if (copies && off + 16 < sizeof files)
		snprintf(files + off, sizeof files - off, " (and .gz)");
	if (!g->dry_run && publish_commit(&pc, &plan, &err) < 0) {
		log_err("publish \"%s\": %s", pc.name, err.msg);
		goto out;
	}
	char serial[96];
	if (plan.new_serial && plan.old_serial)
		snprintf(serial, sizeof serial, "serial %" PRIu64 " (was %" PRIu64 ")",
			 plan.meta.serial, plan.old_serial);
	else
		snprintf(serial, sizeof serial, "serial %" PRIu64 "%s", plan.meta.serial,
			 plan.new_serial ? " (first)" : " (unchanged)");
	size_t n4 = pset_cidr_count(inv->all, PFX_V4), n6 = pset_cidr_count(inv->all, PFX_V6);
	if (nchanged == 0)
		log_notice("publish \"%s\": %s, %zu IPv4 and %zu IPv6 prefixes; nothing changed",
			   pc.name, serial, n4, n6);
	else
		log_notice("publish \"%s\": %s, %zu IPv4 and %zu IPv6 prefixes; %s%s", pc.name,
			   serial, n4, n6, g->dry_run ? "would write" : "wrote", files);
	if (plan.n_spf_records)
		log_info("publish \"%s\": SPF for %s in %zu record%s", pc.name, pc.spf_domain,
			 plan.n_spf_records, plan.n_spf_records == 1 ? "" : "s");
	ret = EXIT_OK;
out:
	publish_plan_free(&plan);
	pubdoc_inv_free(inv);
	if (have_sk)
		minisign_sk_wipe(&sk);
	publish_conf_clear(&pc);
	conf_free(c);
	return ret;
}
