/* publish — [publish]: inventory → document, lists, SPF zone, signature. */
#include "publish.h"

#include "atomicfile.h"
#include "confkv.h"
#include "confval.h"
#include "gzip.h"
#include "log.h"
#include "policy.h"
#include "sigcheck.h"
#include "spfzone.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct conf_key publish_keys[] = {
	{"sources", CONF_KEY_MULTI}, {"dir", CONF_KEY_REQUIRED}, {"name", CONF_KEY_REQUIRED},
	{"sign_key", 0},             {"spf_domain", 0},          {"spf_ttl", 0},
	{"valid_for", 0},            {"gzip", 0},                {NULL, 0},
};

static int
check_keys(const struct conf_section *sec, struct err *err)
{
	for (size_t i = 0; i < sec->n_kv; i++) {
		const struct conf_kv *kv = &sec->kv[i];
		const struct conf_key *k = publish_keys;
		while (k->name && strcmp(k->name, kv->key) != 0)
			k++;
		if (!k->name) {
			conf_err_set(err, sec, kv->key, "[publish]: unknown key \"%s\"", kv->key);
			return -1;
		}
		if (kv->n > 1 && !(k->flags & CONF_KEY_MULTI)) {
			conf_err_set(err, sec, kv->key, "[publish]: \"%s\" given more than once",
				     kv->key);
			return -1;
		}
	}
	for (const struct conf_key *k = publish_keys; k->name; k++)
		if ((k->flags & CONF_KEY_REQUIRED) && !conf_get(sec, k->name)) {
			conf_err_set(err, sec, NULL, "[publish]: \"%s\" is required", k->name);
			return -1;
		}
	return 0;
}

static const char *
name_check(const char *s)
{
	if (!*s)
		return "empty";
	if (*s == '.')
		return "may not start with '.'";
	if (strlen(s) > 64)
		return "longer than 64 characters";
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return "may hold only letters, digits, '.', '_' and '-'";
	return NULL;
}

static int
add_source(struct publish_conf *pc, struct source *s, const struct conf_section *sec,
	   struct err *err)
{
	for (size_t i = 0; i < pc->n_sources; i++)
		if (pc->sources[i] == s) {
			conf_err_set(err, sec, "sources", "[publish] sources: \"%s\" listed twice",
				     s->name);
			return -1;
		}
	/* The inventory is content the publisher owns (source.h). */
	if (!s->type->local) {
		conf_err_set(err, sec, "sources",
			     "[publish] sources: \"%s\" is a %s source; the inventory comes from "
			     "static and file sources only",
			     s->name, s->type->name);
		return -1;
	}
	pc->sources[pc->n_sources++] = s;
	return 0;
}

int
publish_conf_load(const struct conf *c, struct publish_conf *pc, struct err *err)
{
	const struct conf_section *sec = c->publish;
	const char *v, *why;
	char **words = NULL;
	size_t n = 0;

	memset(pc, 0, sizeof *pc);
	err_clear(err);
	if (!sec) {
		err_set(err, "no [publish] section: nothing to publish");
		return err_prefix(err, "%s", c->path);
	}
	if (check_keys(sec, err) < 0)
		return -1;
	pc->dir = conf_get(sec, "dir");
	pc->name = conf_get(sec, "name");
	if (!*pc->dir) {
		conf_err_set(err, sec, "dir", "[publish] dir: empty");
		return -1;
	}
	if ((why = name_check(pc->name))) {
		conf_err_set(err, sec, "name", "[publish] name \"%s\": %s", pc->name, why);
		return -1;
	}
	pc->gzip = true;
	if (conf_get_bool(sec, "gzip", &pc->gzip, err) < 0)
		return -1;
	v = conf_get(sec, "sign_key");
	pc->sign_key = v && *v ? v : NULL;
	v = conf_get(sec, "spf_domain");
	pc->spf_domain = v && *v ? v : NULL;
	if (pc->spf_domain && (why = spfzone_domain_check(pc->spf_domain))) {
		conf_err_set(err, sec, "spf_domain", "[publish] spf_domain \"%s\": %s",
			     pc->spf_domain, why);
		return -1;
	}
	pc->valid_for = PUBLISH_DEFAULT_VALID_FOR;
	if ((v = conf_get(sec, "valid_for"))) {
		if ((why = conf_parse_duration(v, &pc->valid_for))) {
			conf_err_set(err, sec, "valid_for", "[publish] valid_for \"%s\": %s", v, why);
			return -1;
		}
		/* Re-issuing at half-life needs room for a daily run or so. */
		if (pc->valid_for < 3600 || pc->valid_for > 366ull * 86400) {
			conf_err_set(err, sec, "valid_for",
				     "[publish] valid_for \"%s\": between 1h and 366d", v);
			return -1;
		}
	}
	pc->spf_ttl = PUBLISH_DEFAULT_SPF_TTL;
	if ((v = conf_get(sec, "spf_ttl"))) {
		uint64_t ttl;
		if ((why = conf_parse_duration(v, &ttl)) || ttl == 0 || ttl > 604800) {
			conf_err_set(err, sec, "spf_ttl", "[publish] spf_ttl \"%s\": %s", v,
				     why ? why : "between 1s and 7d");
			return -1;
		}
		pc->spf_ttl = (uint32_t)ttl;
	}

	if (!(words = conf_get_words(sec, "sources", &n)) ||
	    !(pc->sources = calloc(n ? n : c->n_sources ? c->n_sources : 1, sizeof *pc->sources))) {
		conf_err_set(err, sec, NULL, "out of memory");
		goto fail;
	}
	if (n == 0) {
		for (size_t i = 0; i < c->n_sources; i++)
			if (c->sources[i]->type->local)
				pc->sources[pc->n_sources++] = c->sources[i];
		if (pc->n_sources == 0) {
			conf_err_set(err, sec, NULL,
				     "[publish]: no static or file source to publish");
			goto fail;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct source *s = conf_find_source(c, words[i]);
		if (!s) {
			conf_err_set(err, sec, "sources", "[publish] sources: no source \"%s\"",
				     words[i]);
			goto fail;
		}
		if (add_source(pc, s, sec, err) < 0)
			goto fail;
	}
	conf_words_free(words);
	return 0;
fail:
	conf_words_free(words);
	publish_conf_clear(pc);
	return -1;
}

int
publish_conf_check(const struct conf *c, struct err *err)
{
	struct publish_conf pc;

	if (!c->publish)
		return 0;
	if (publish_conf_load(c, &pc, err) < 0)
		return -1;
	publish_conf_clear(&pc);
	return 0;
}

void
publish_conf_clear(struct publish_conf *pc)
{
	if (!pc)
		return;
	free(pc->sources);
	memset(pc, 0, sizeof *pc);
}

/* policy_check refused s's inventory `set`: say so, and when it was the
 * size, which key lets a larger inventory through.  policy_check merges
 * the set before it counts, and counts right after: a merged set over
 * the limit is that refusal. */
static void
refused(const struct source *s, const struct pset *set, struct err *err)
{
	if (pset_is_merged(set) &&
	    pset_cidr_count(set, PFX_V4) + pset_cidr_count(set, PFX_V6) > s->limits.max_entries) {
		bool own = conf_get(s->sec, "max_entries") != NULL;
		err_prefix(err, "source \"%s\"", s->name);
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof err->msg - n, "; raise max_entries in [source %s]%s",
			 s->name, own ? "" : " or in [global]");
		return;
	}
	err_prefix(err, "source \"%s\"", s->name);
}

struct pubdoc_inv *
publish_collect(const struct conf *c, const struct publish_conf *pc, time_t now, struct err *err)
{
	struct pubdoc_input *in = calloc(pc->n_sources ? pc->n_sources : 1, sizeof *in);
	struct pset **sets = calloc(pc->n_sources ? pc->n_sources : 1, sizeof *sets);
	struct pubdoc_inv *inv = NULL;
	struct source_ctx ctx = {
	    .state_dir = c->state_dir,
	    .dns_servers = (const char *const *)c->dns_servers,
	    .n_dns_servers = c->n_dns_servers,
	    .now = now,
	};
	if (!in || !sets) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < pc->n_sources; i++) {
		struct source *s = pc->sources[i];
		struct source_result *res = calloc(1, sizeof *res);
		if (!res || !(sets[i] = pset_new())) {
			free(res);
			err_set(err, "out of memory");
			goto out;
		}
		res->set = sets[i];
		err_clear(err);
		int r = s->type->collect(s, &ctx, res, err);
		if (r < 0 || res->not_modified) {
			if (r < 0)
				err_prefix(err, "source \"%s\"", s->name);
			else
				err_set(err, "source \"%s\": no content", s->name);
			free(res);
			goto out;
		}
		free(res);
		/* What every consumer would refuse is better refused here. */
		if (policy_check(&s->limits, sets[i], err) < 0) {
			refused(s, sets[i], err);
			goto out;
		}
		in[i] = (struct pubdoc_input){
			.set = sets[i],
			.tags = (const char *const *)s->tags,
			.n_tags = s->n_tags,
		};
	}
	if (!(inv = pubdoc_inv_new(in, pc->n_sources, err))) {
		err_prefix(err, "publish");
		goto out;
	}
	if (pset_total(inv->all) == 0) {
		err_set(err, "publish \"%s\": the inventory is empty; publishing nothing",
			pc->name);
		pubdoc_inv_free(inv);
		inv = NULL;
	}
out:
	for (size_t i = 0; sets && i < pc->n_sources; i++)
		pset_free(sets[i]);
	free(sets);
	free(in);
	return inv;
}

static char *
path_join(const char *dir, const char *name, const char *suffix)
{
	char *p = NULL;
	size_t dl = strlen(dir);
	bool slash = dl > 0 && dir[dl - 1] == '/';
	if (asprintf(&p, "%s%s%s%s", dir, slash ? "" : "/", name, suffix) < 0)
		return NULL;
	return p;
}

/* Whether `path` is missing or holds other bytes than data.  0, or -1
 * with err. */
static int
differs(const char *path, const char *data, size_t n, bool *changed, struct err *err)
{
	char *cur = NULL;
	size_t len = 0;
	int r = atomicfile_read(path, &cur, &len, err);
	if (r < 0)
		return -1;
	*changed = r == 1 || len != n || memcmp(cur, data, len) != 0;
	free(cur);
	return 0;
}

/* f against the disk, and its .gz copy.  With gzip, the copy is written
 * whenever its file is (so that both carry the same mtime) or when it
 * is missing or does not inflate to the file; a symlink or anything but
 * a regular file in its place is refused now, before any file is
 * written.  Without gzip, a copy left by an earlier publish is removed
 * when its file changes (it would be served in its place); what is not
 * a regular file there is not publish's and is left alone. */
static int
file_compare(const struct publish_conf *pc, struct publish_file *f, struct err *err)
{
	struct stat st;
	char *cur = NULL;
	size_t len = 0;
	int r;

	if (differs(f->path, f->data, f->len, &f->changed, err) < 0)
		return -1;
	if (asprintf(&f->gz_path, "%s.gz", f->path) < 0) {
		f->gz_path = NULL;
		return err_set(err, "out of memory");
	}
	if ((r = lstat(f->gz_path, &st)) < 0 && errno != ENOENT)
		return err_errno(err, errno, "%s", f->gz_path);
	bool regular = r == 0 && S_ISREG(st.st_mode);
	if (!pc->gzip) {
		f->gz_changed = f->changed && regular;
		return 0;
	}
	if (r == 0 && !regular)
		return err_set(err, "%s is not a regular file: refusing to replace it (gzip = no "
				    "writes no copies)",
			       f->gz_path);
	if (!f->changed) {
		if ((r = atomicfile_read(f->gz_path, &cur, &len, err)) < 0)
			return -1;
		bool same = r == 0 && gzip_matches(cur, len, f->data, f->len);
		free(cur);
		if (same)
			return 0;
	}
	if (!(f->gz = gzip_compress(f->data, f->len, &f->gz_len, err))) {
		err_prefix(err, "%s", f->gz_path);
		return -1;
	}
	f->gz_changed = true;
	return 0;
}

/* The serial and dates: the old ones when the document would not change
 * and is far from expiring, new ones otherwise. */
static int
choose_meta(const struct publish_conf *pc, const struct pubdoc_inv *inv, const char *path,
	    time_t now, struct publish_plan *p, struct err *err)
{
	char *cur = NULL;
	size_t len = 0;
	int r = atomicfile_read(path, &cur, &len, err);
	struct pubdoc_meta old;

	if (r < 0)
		return -1;
	p->old_serial = 0;
	if (r == 0) {
		struct err why;
		if (pubdoc_meta_parse(cur, len, &old, &why) < 0) {
			if (why.line)
				log_warn("publish \"%s\": %s:%zu: %s; starting a new serial", pc->name,
					 path, why.line, why.msg);
			else
				log_warn("publish \"%s\": %s: %s; starting a new serial", pc->name,
					 path, why.msg);
		} else {
			p->old_serial = old.serial;
			size_t n;
			char *again = pubdoc_json(inv, &old, &n);
			if (!again) {
				free(cur);
				err_set(err, "out of memory");
				return -1;
			}
			bool same = n == len && memcmp(again, cur, n) == 0;
			free(again);
			if (same && old.expires - (int64_t)now > (int64_t)(pc->valid_for / 2)) {
				p->meta = old;
				p->new_serial = false;
				free(cur);
				return 0;
			}
		}
	}
	free(cur);
	p->new_serial = true;
	p->meta.serial = p->old_serial + 1 > (uint64_t)now ? p->old_serial + 1 : (uint64_t)now;
	p->meta.created = (int64_t)now;
	p->meta.expires = (int64_t)now + (int64_t)pc->valid_for;
	return 0;
}

int
publish_plan(const struct publish_conf *pc, const struct pubdoc_inv *inv,
	     const struct minisign_sk *sk, time_t now, struct publish_plan *p, struct err *err)
{
	struct spfzone *z = NULL;
	char *json_name = NULL;

	memset(p, 0, sizeof *p);
	if (!(p->f[PUBLISH_JSON].path = path_join(pc->dir, pc->name, ".json")) ||
	    !(p->f[PUBLISH_V4].path = path_join(pc->dir, pc->name, "-v4.txt")) ||
	    !(p->f[PUBLISH_V6].path = path_join(pc->dir, pc->name, "-v6.txt")) ||
	    (pc->spf_domain && !(p->f[PUBLISH_SPF].path = path_join(pc->dir, pc->name, ".spf.zone"))) ||
	    (sk && !(p->f[PUBLISH_SIG].path = path_join(pc->dir, pc->name, ".json.minisig"))))
		goto oom;
	struct stat st;
	if (stat(pc->dir, &st) < 0) {
		err_errno(err, errno, "publish \"%s\": dir %s", pc->name, pc->dir);
		goto fail;
	}
	if (!S_ISDIR(st.st_mode)) {
		err_set(err, "publish \"%s\": dir %s: not a directory", pc->name, pc->dir);
		goto fail;
	}
	if (choose_meta(pc, inv, p->f[PUBLISH_JSON].path, now, p, err) < 0)
		goto fail;

	struct publish_file *f = &p->f[PUBLISH_JSON];
	if (!(f->data = pubdoc_json(inv, &p->meta, &f->len)))
		goto oom;
	f = &p->f[PUBLISH_V4];
	if (!(f->data = pubdoc_text(inv, PFX_V4, &f->len)))
		goto oom;
	f = &p->f[PUBLISH_V6];
	if (!(f->data = pubdoc_text(inv, PFX_V6, &f->len)))
		goto oom;
	if (pc->spf_domain) {
		char comment[128];
		if (spfzone_build(inv->all, pc->spf_domain, &z, err) < 0)
			goto fail;
		p->n_spf_records = z->n;
		snprintf(comment, sizeof comment, "publication \"%s\", written by allowsync publish",
			 pc->name);
		f = &p->f[PUBLISH_SPF];
		if (!(f->data = spfzone_text(z, pc->spf_ttl, comment, &f->len)))
			goto oom;
	}
	if (sk) {
		char tc[512], uc[128], id[17];
		if (asprintf(&json_name, "%s.json", pc->name) < 0) {
			json_name = NULL;
			goto oom;
		}
		if (sigcheck_comment_format(tc, sizeof tc, p->meta.created, json_name, p->meta.serial,
					    p->meta.expires) < 0) {
			err_set(err, "publish \"%s\": trusted comment does not fit", pc->name);
			goto fail;
		}
		minisign_keyid_str(sk->keynum, id);
		snprintf(uc, sizeof uc, "allowsync publication %s, key id %s", pc->name, id);
		f = &p->f[PUBLISH_SIG];
		/* Ed25519 is deterministic: the same document and comment sign
		 * to the same bytes, so an unchanged publication stays so. */
		if (!(f->data = minisign_sign(sk, p->f[PUBLISH_JSON].data, p->f[PUBLISH_JSON].len,
					      false, uc, tc, &f->len, err))) {
			err_prefix(err, "publish \"%s\": signing", pc->name);
			goto fail;
		}
	}
	for (int i = 0; i < PUBLISH_NFILES; i++)
		if (p->f[i].path && file_compare(pc, &p->f[i], err) < 0)
			goto fail;
	spfzone_free(z);
	free(json_name);
	return 0;
oom:
	err_set(err, "out of memory");
fail:
	spfzone_free(z);
	free(json_name);
	publish_plan_free(p);
	return -1;
}

/* `len` bytes into af's temporary file, synced (not yet renamed).  0, or
 * -1 with err and af aborted. */
static int
fill(struct atomicfile *af, const char *data, size_t len, struct err *err)
{
	err_clear(err);
	if (fwrite(data, 1, len, atomicfile_stream(af)) == len && atomicfile_sync(af, err) == 0)
		return 0;
	if (!err->msg[0])
		err_errno(err, errno, "cannot write %s", atomicfile_temp(af));
	atomicfile_abort(af);
	return -1;
}

/* The .gz copy, dated `mtime` (its file's): nginx's gzip_static answers
 * with the copy's Last-Modified, which must be the file's. */
static int
write_gz(const struct publish_file *f, const struct timespec *mtime, struct err *err)
{
	const struct timespec times[2] = {{.tv_nsec = UTIME_OMIT}, *mtime};
	struct atomicfile *af = atomicfile_open(f->gz_path, 0644, err);

	if (!af || fill(af, f->gz, f->gz_len, err) < 0)
		return -1;
	if (utimensat(AT_FDCWD, atomicfile_temp(af), times, 0) < 0) {
		err_errno(err, errno, "cannot date %s", atomicfile_temp(af));
		atomicfile_abort(af);
		return -1;
	}
	return atomicfile_commit(af, err);
}

/* One file and its copy.  What a reader sees meanwhile: the copy is
 * renamed into place first, then the file, so that for a moment a
 * client asking for gzip gets the new content and one asking for none
 * the old, each whole; a copy older than its file is never there.
 * Without gzip, a stale copy goes before the new file comes. */
static int
commit_one(const struct publish_conf *pc, const struct publish_file *f, struct err *err)
{
	struct atomicfile *af = NULL;
	struct stat st;

	if (!f->changed && !f->gz_changed)
		return 0;
	if (!pc->gzip) {
		if (f->gz_changed && unlink(f->gz_path) < 0 && errno != ENOENT)
			return err_errno(err, errno, "cannot remove %s", f->gz_path);
		return f->changed ? atomicfile_write(f->path, 0644, f->data, f->len, err) : 0;
	}
	/* The file's temporary first, for the mtime its copy takes. */
	if (f->changed) {
		if (!(af = atomicfile_open(f->path, 0644, err)) || fill(af, f->data, f->len, err) < 0)
			return -1;
		if (stat(atomicfile_temp(af), &st) < 0) {
			err_errno(err, errno, "cannot stat %s", atomicfile_temp(af));
			goto fail;
		}
	} else if (stat(f->path, &st) < 0) {
		return err_errno(err, errno, "cannot stat %s", f->path);
	}
	if (write_gz(f, &st.st_mtim, err) < 0)
		goto fail;
	return af ? atomicfile_commit(af, err) : 0;
fail:
	atomicfile_abort(af);
	return -1;
}

int
publish_commit(const struct publish_conf *pc, const struct publish_plan *p, struct err *err)
{
	/* Lists and zone first, then the document, then its signature. */
	static const enum publish_file_kind order[] = {PUBLISH_V4, PUBLISH_V6, PUBLISH_SPF,
						       PUBLISH_JSON, PUBLISH_SIG};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const struct publish_file *f = &p->f[order[i]];
		if (f->path && commit_one(pc, f, err) < 0)
			return -1;
	}
	return 0;
}

void
publish_plan_free(struct publish_plan *p)
{
	if (!p)
		return;
	for (int i = 0; i < PUBLISH_NFILES; i++) {
		free(p->f[i].path);
		free(p->f[i].data);
		free(p->f[i].gz_path);
		free(p->f[i].gz);
	}
	memset(p, 0, sizeof *p);
}
