/* out_postfix — a Postfix cidr table (check_client_access,
 * postscreen_access_list): "network/len<TAB>result" lines, host bits
 * clear, canonical text, IPv4 then IPv6.  The written file is re-read
 * and checked line by line before it replaces the old one.
 *
 * `use` says which of Postfix's lookups the table is for, and so which
 * results are valid (postfix_use.h); vet reads Postfix's configuration
 * (postconf.h) and refuses a table that would grant relaying, unless
 * allow_relay says the administrator takes that risk. */
#include "out_postfix.h"

#include "confkv.h"
#include "confval.h"
#include "log.h"
#include "outfile.h"
#include "postconf.h"
#include "postfix_use.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct postfix {
	struct outfile of; /* first: outfile.c finds it in o->priv */
	const char *result;
	enum postfix_use use;
	bool allow_relay;
	const char *config_dir; /* postfix_config_dir, or NULL */
};

static const struct conf_key postfix_keys[] = {
	{"path", CONF_KEY_REQUIRED},
	{"result", 0},
	{"use", 0},
	{"allow_relay", 0},
	{"postfix_config_dir", 0},
	{NULL, 0},
};

static int postfix_verify(const struct output *o, const struct pset *want, const char *buf,
			  size_t len, struct err *err);

static int
postfix_configure(struct output *o, const struct conf_section *sec, struct err *err)
{
	struct postfix *p = outfile_configure(o, sec, sizeof *p, postfix_verify, err);
	const char *use = conf_get(sec, "use"), *why;

	if (!p)
		return -1;
	if (use && (why = postfix_use_parse(use, &p->use))) {
		conf_err_set(err, sec, "use", "[output %s] use = %s: %s", o->name, use, why);
		return -1;
	}
	if (!(p->result = conf_get(sec, "result")))
		p->result = postfix_use_default_result(p->use);
	if ((why = postfix_use_check_result(p->use, p->result))) {
		conf_err_set(err, sec, "result", "[output %s] result = \"%s\": %s", o->name,
			     p->result, why);
		return -1;
	}
	if (conf_get_bool(sec, "allow_relay", &p->allow_relay, err) < 0)
		return -1;
	p->config_dir = conf_get(sec, "postfix_config_dir");
	if (p->config_dir && p->config_dir[0] != '/') {
		conf_err_set(err, sec, "postfix_config_dir",
			     "[output %s] postfix_config_dir = %s: not an absolute path", o->name,
			     p->config_dir);
		return -1;
	}
	return 0;
}

struct put_ctx {
	FILE *f;
	const char *result;
};

static int
put_line(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	const struct put_ctx *pc = ctx;
	char buf[PFX_TEXT_MAX];

	pfx_format_cidr(fam, addr, len, buf);
	return fprintf(pc->f, "%s\t%s\n", buf, pc->result) < 0 ? -1 : 0;
}

static int
postfix_render(const struct output *o, const struct pset *want, FILE *f)
{
	const struct postfix *p = o->priv;
	struct put_ctx pc = {f, p->result};

	outfile_header(o, f);
	if (pset_each_cidr(want, PFX_V4, put_line, &pc) != 0 ||
	    pset_each_cidr(want, PFX_V6, put_line, &pc) != 0)
		return -1;
	return ferror(f) ? -1 : 0;
}

/* One table line: the network (pfx parsed) and where the result starts.
 * 1 = entry, 0 = blank/comment, -1 = bad (err set). */
static int
parse_line(const char *line, size_t n, struct pfx *x, size_t *res_off, struct err *err)
{
	size_t i = 0, w;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == n || line[i] == '#')
		return 0;
	w = i;
	while (w < n && !isspace((unsigned char)line[w]))
		w++;
	if (!pfx_parse(line + i, w - i, x, err))
		return -1;
	if (x->len < 0)
		return err_set(err, "a range, not network/len");
	while (w < n && (line[w] == ' ' || line[w] == '\t'))
		w++;
	*res_off = w;
	return 1;
}

static int
postfix_live(struct output *o, const struct output_ctx *ctx, struct pset *live, struct err *err)
{
	const struct postfix *p = o->priv;
	char *buf = NULL;
	size_t len, line = 0;
	int r;

	(void)ctx;
	if ((r = atomicfile_read(p->of.path, &buf, &len, err)) != 0)
		return r > 0 ? 0 : -1;
	for (size_t pos = 0; pos < len;) {
		size_t end = pos;
		while (end < len && buf[end] != '\n')
			end++;
		line++;
		struct pfx x;
		size_t off;
		r = parse_line(buf + pos, end - pos, &x, &off, err);
		if (r < 0) {
			err_prefix(err, "cannot read the current %s:%zu", p->of.path, line);
			free(buf);
			return -1;
		}
		if (r > 0 && pset_add_pfx(live, &x) < 0) {
			err_set(err, "out of memory");
			free(buf);
			return -1;
		}
		pos = end + 1;
	}
	free(buf);
	return 0;
}

/* Every line exactly as Postfix must read it, and together exactly `want`. */
static int
postfix_verify(const struct output *o, const struct pset *want, const char *buf, size_t len,
	       struct err *err)
{
	const struct postfix *p = o->priv;
	struct pset *got = pset_new();
	size_t line = 0, rlen = strlen(p->result);
	bool seen6 = false;
	int rc = -1;

	if (!got) {
		err_set(err, "out of memory");
		return -1;
	}
	if (len && buf[len - 1] != '\n') {
		err_set(err, "check of the new table: last line unterminated");
		goto out;
	}
	for (size_t pos = 0; pos < len;) {
		size_t end = pos;
		while (buf[end] != '\n')
			end++;
		line++;
		struct pfx x;
		size_t off;
		const char *reason = NULL;
		char canon[PFX_TEXT_MAX];
		int r = parse_line(buf + pos, end - pos, &x, &off, err);
		if (r == 0 && buf[pos] != '#' && end != pos) {
			reason = "blank line with white space";
			r = -1;
		}
		if (r > 0) {
			size_t clen = pfx_format_cidr(x.fam, x.r.lo, x.len, canon);
			if (x.host_bits)
				reason = "host bits set";
			else if (end - pos != clen + 1 + rlen || memcmp(buf + pos, canon, clen) != 0)
				reason = "not in canonical network/len<TAB>result form";
			else if (buf[pos + clen] != '\t' || memcmp(buf + pos + off, p->result, rlen))
				reason = "result differs";
			else if (x.fam == PFX_V4 && seen6)
				reason = "IPv4 after IPv6";
			if (reason)
				r = -1;
			seen6 |= x.fam == PFX_V6;
		}
		if (r < 0) {
			/* The parser's reason, unless a check of ours refused it. */
			if (reason)
				err_set(err, "%s", reason);
			err_prefix(err, "check of the new table: line %zu", line);
			goto out;
		}
		if (r > 0 && pset_add_pfx(got, &x) < 0) {
			err_set(err, "out of memory");
			goto out;
		}
		pos = end + 1;
	}
	if (pset_merge(got) < 0) {
		err_set(err, "out of memory");
		goto out;
	}
	if (!pset_equal(got, want)) {
		err_set(err, "check of the new table: it does not hold the wanted set");
		goto out;
	}
	rc = 0;
out:
	pset_free(got);
	return rc;
}

/* ------------------------------------------------- Postfix's configuration */

/* The directory postconf reads: postfix_config_dir, else $MAIL_CONFIG as
 * Postfix's own commands honour it, else none (postconf's default). */
static const char *
config_dir(const struct postfix *p, const char **from)
{
	const char *env = getenv("MAIL_CONFIG");

	*from = "postfix_config_dir";
	if (p->config_dir)
		return p->config_dir;
	*from = "MAIL_CONFIG";
	if (env && *env)
		return env;
	*from = NULL;
	return NULL;
}

/* Postfix's configuration, for the output: 0 with *pc, or 1 when it
 * cannot be read (said at -v: Postfix absent, or postconf failing). */
static int
read_postconf(const struct output *o, struct postconf *pc)
{
	const struct postfix *p = o->priv;
	const char *from, *dir = config_dir(p, &from);
	struct err why;
	int r = postconf_load(dir, pc, &why);

	if (r > 0)
		log_info("output \"%s\": no postconf on PATH (Postfix not installed?): Postfix's "
			 "configuration not inspected",
			 o->name);
	else if (r < 0)
		log_info("output \"%s\": Postfix's configuration not inspected: %s", o->name,
			 why.msg);
	else if (pc->no_master)
		log_info("output \"%s\": master.cf -o overrides not inspected: %s", o->name,
			 pc->master_err.msg);
	if (r == 0 && dir)
		log_debug("output \"%s\": Postfix's configuration in %s (from %s)", o->name, dir,
			  from);
	return r == 0 ? 0 : 1;
}

struct vet_ctx {
	const struct output *o;
	const struct postfix *p;
	const char *dir; /* the configuration directory, or NULL */
	struct err *err;
	size_t refused;
};

static void
vet_one(void *ctx, const struct postfix_finding *f)
{
	struct vet_ctx *v = ctx;
	char what[ERR_MAX];

	snprintf(what, sizeof what, "%s%s%s: %s names %s%s%s: %s", v->dir ? v->dir : "",
		 v->dir ? "/" : "", f->master ? "master.cf" : "main.cf", f->param, f->table,
		 f->via ? " through " : "", f->via ? f->via : "", f->why);
	if (f->verdict == POSTFIX_PASS) {
		log_info("output \"%s\": %s", v->o->name, what);
	} else if (f->verdict == POSTFIX_WARN) {
		log_warn("output \"%s\": %s", v->o->name, what);
	} else if (v->p->allow_relay) {
		log_warn("output \"%s\": %s (allow_relay = yes: written anyway)", v->o->name, what);
	} else if (v->refused++ == 0) {
		err_set(v->err, "%s", what);
	} else {
		err_set(v->err, "%.1000s; %.900s", v->err->msg, what);
	}
}

/* Refuse a table Postfix's configuration uses to grant relaying. */
static int
postfix_vet(const struct output *o, struct err *err)
{
	const struct postfix *p = o->priv;
	struct vet_ctx v = {o, p, NULL, err, 0};
	struct postconf pc;

	if (read_postconf(o, &pc) != 0)
		return 0;
	v.dir = pc.dir;
	if (postfix_use_judge(&pc, p->of.path, p->result, vet_one, &v) == 0)
		log_info("output \"%s\": Postfix's configuration does not name %s (allowsync show "
			 "%s --postfix prints the line to add)",
			 o->name, p->of.path, o->name);
	postconf_free(&pc);
	if (!v.refused)
		return 0;
	return err_set(err, "%.1700s; use the table in %s instead (allowsync show %s --postfix), "
			    "or set allow_relay = yes",
		       err->msg, p->use == POSTFIX_USE_POSTSCREEN ? "postscreen_access_list"
								   : "smtpd_client_restrictions",
		       o->name);
}

int
out_postfix_main_cf(const struct output *o, FILE *f, struct err *err)
{
	const struct postfix *p = o->priv;
	struct postconf pc;
	int have, rc;

	have = read_postconf(o, &pc) == 0;
	rc = postfix_use_main_cf(p->use, p->of.path, have ? &pc : NULL, f);
	if (have)
		postconf_free(&pc);
	if (rc < 0)
		return err_set(err, "cannot write: %s", strerror(errno));
	return 0;
}

const struct output_type out_postfix = {
	.name = "postfix",
	.keys = postfix_keys,
	.configure = postfix_configure,
	.live = postfix_live,
	.prepare = outfile_prepare,
	.commit = outfile_commit,
	.abort = outfile_abort,
	.render = postfix_render,
	.free = outfile_free,
	.vet = postfix_vet,
};
