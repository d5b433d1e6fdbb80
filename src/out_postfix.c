/* out_postfix — a Postfix cidr table (check_client_access,
 * postscreen_access_list): "network/len<TAB>result" lines, host bits
 * clear, canonical text, IPv4 then IPv6.  The written file is re-read
 * and checked line by line before it replaces the old one.
 *
 * With `senders =` / `senders_file =` the ranges grant nothing alone:
 * each line's result is the restriction class allowsync_NAME, whose
 * definition (show --postfix) looks the envelope sender up in a second
 * table, PATH.senders (check_sender_access texthash:, each domain and
 * its subdomains OK).  Both are prepared and checked before either is
 * committed, the sender table first: a cidr table never names a class
 * whose table is not there.
 *
 * `use` says which of Postfix's lookups the table is for, and so which
 * results are valid (postfix_use.h); vet reads Postfix's configuration
 * (postconf.h) and refuses a table that would grant relaying, unless
 * allow_relay says the administrator takes that risk. */
#include "out_postfix.h"

#include "atomicfile.h"
#include "confkv.h"
#include "confval.h"
#include "log.h"
#include "outfile.h"
#include "postconf.h"
#include "postfix_use.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct postfix {
	struct outfile of; /* first: outfile.c finds it in o->priv */
	const char *result;
	enum postfix_use use;
	bool allow_relay;
	const char *config_dir; /* postfix_config_dir, or NULL */
	/* Sender-scoped (senders, senders_file): the domains, lower case,
	 * sorted, once each; NULL when not scoped.  result is then class. */
	char **senders;
	size_t n_senders;
	char *senders_path;          /* the check_sender_access table */
	char class[80];              /* allowsync_NAME */
	struct atomicfile *senders_af; /* prepared, not yet committed */
};

static const struct conf_key postfix_keys[] = {
	{"path", CONF_KEY_REQUIRED},
	{"result", 0},
	{"use", 0},
	{"allow_relay", 0},
	{"postfix_config_dir", 0},
	{"senders", CONF_KEY_MULTI},
	{"senders_file", 0},
	{NULL, 0},
};

/* ------------------------------------------------------------- senders */

/* Why `d` (lower case already) is not a domain name to list, or NULL. */
static const char *
domain_refusal(const char *d)
{
	size_t n = strlen(d), label = 0, labels = 1;

	if (n == 0 || n > 253)
		return "not a domain name (1 to 253 characters)";
	if (d[0] == '.')
		return "a leading dot: write the domain, its subdomains are included";
	for (size_t i = 0; i < n; i++) {
		char c = d[i];
		if (c == '.') {
			if (label == 0 || d[i - 1] == '-')
				return "an empty label, or one ending in '-'";
			label = 0;
			labels++;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return "not a domain name (letters, digits, '-' and '.' only)";
		if (label++ == 0 && c == '-')
			return "a label starting with '-'";
		if (label > 63)
			return "a label longer than 63 characters";
	}
	if (label == 0 || d[n - 1] == '-')
		return "an empty label, or one ending in '-'";
	if (labels < 2)
		return "a top-level domain alone would take every domain under it";
	return NULL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add word w (lower-cased here) to p->senders, checked; `line` 0 for
 * the senders key, else the line of senders_file. */
static int
add_sender(struct postfix *p, const struct output *o, const struct conf_section *sec,
	   const char *w, size_t n, const char *file, size_t line, struct err *err)
{
	char d[256];
	const char *why;

	if (n >= sizeof d) {
		why = "not a domain name (1 to 253 characters)";
	} else {
		for (size_t i = 0; i < n; i++)
			d[i] = (char)tolower((unsigned char)w[i]);
		d[n] = 0;
		why = domain_refusal(d);
	}
	if (why) {
		if (file)
			conf_err_set(err, sec, "senders_file", "[output %s] senders_file %s:%zu: %.*s: %s",
				     o->name, file, line, (int)(n > 300 ? 300 : n), w, why);
		else
			conf_err_set(err, sec, "senders", "[output %s] senders: %.*s: %s", o->name,
				     (int)(n > 300 ? 300 : n), w, why);
		return -1;
	}
	char **v = realloc(p->senders, (p->n_senders + 2) * sizeof *v);
	if (!v || !(v[p->n_senders] = strdup(d))) {
		if (v)
			p->senders = v;
		conf_err_set(err, sec, NULL, "out of memory");
		return -1;
	}
	p->senders = v;
	v[++p->n_senders] = NULL;
	return 0;
}

/* senders_file: one domain a line (or several, blank-separated); '#'
 * starts a comment. */
static int
read_senders_file(struct postfix *p, const struct output *o, const struct conf_section *sec,
		  const char *path, struct err *err)
{
	char *buf = NULL;
	size_t len, line = 0;
	struct err rerr;
	int r;

	if (path[0] != '/') {
		conf_err_set(err, sec, "senders_file", "[output %s] senders_file = %s: not an absolute path",
			     o->name, path);
		return -1;
	}
	if ((r = atomicfile_read(path, &buf, &len, &rerr)) != 0) {
		conf_err_set(err, sec, "senders_file", "[output %s] senders_file = %s: %s", o->name, path,
			     r > 0 ? "No such file or directory" : rerr.msg);
		return -1;
	}
	for (char *l = buf, *next; l && l < buf + len; l = next) {
		next = memchr(l, '\n', (size_t)(buf + len - l));
		size_t n = next ? (size_t)(next++ - l) : (size_t)(buf + len - l);
		char *hash = memchr(l, '#', n);
		line++;
		if (hash)
			n = (size_t)(hash - l);
		for (size_t i = 0; i < n;) {
			while (i < n && isspace((unsigned char)l[i]))
				i++;
			size_t w = i;
			while (w < n && !isspace((unsigned char)l[w]))
				w++;
			if (w > i && add_sender(p, o, sec, l + i, w - i, path, line, err) < 0) {
				free(buf);
				return -1;
			}
			i = w;
		}
	}
	free(buf);
	return 0;
}

/* senders and senders_file: the scoped form, or nothing when neither. */
static int
configure_senders(struct postfix *p, struct output *o, const struct conf_section *sec,
		  struct err *err)
{
	const char *const *vals;
	size_t nv = conf_get_all(sec, "senders", &vals);
	const char *file = conf_get(sec, "senders_file");

	if (!nv && !file)
		return 0;
	if (p->use == POSTFIX_USE_POSTSCREEN) {
		conf_err_set(err, sec, nv ? "senders" : "senders_file",
			     "[output %s] %s: postscreen_access_list has no restriction classes "
			     "(senders need use = access)",
			     o->name, nv ? "senders" : "senders_file");
		return -1;
	}
	if (conf_get(sec, "result")) {
		conf_err_set(err, sec, "result",
			     "[output %s] result: not with senders (the result is the restriction "
			     "class allowsync_%s)",
			     o->name, o->name);
		return -1;
	}
	for (size_t i = 0; i < nv; i++)
		for (const char *w = vals[i]; *w;) {
			while (*w && isspace((unsigned char)*w))
				w++;
			const char *e = w;
			while (*e && !isspace((unsigned char)*e))
				e++;
			if (e > w && add_sender(p, o, sec, w, (size_t)(e - w), NULL, 0, err) < 0)
				return -1;
			w = e;
		}
	if (file && read_senders_file(p, o, sec, file, err) < 0)
		return -1;
	if (!p->n_senders) {
		conf_err_set(err, sec, nv ? "senders" : "senders_file",
			     "[output %s] no sender domain listed: the table would grant nothing",
			     o->name);
		return -1;
	}
	qsort(p->senders, p->n_senders, sizeof *p->senders, cmp_str);
	size_t w = 1;
	for (size_t r = 1; r < p->n_senders; r++) {
		if (strcmp(p->senders[r], p->senders[w - 1]) == 0)
			free(p->senders[r]);
		else
			p->senders[w++] = p->senders[r];
	}
	p->n_senders = w;
	p->senders[w] = NULL;
	/* Postfix's parameter names: letters, digits, '_'. */
	int k = snprintf(p->class, sizeof p->class, "allowsync_%s", o->name);
	for (int i = 0; i < k && p->class[i]; i++)
		if (!isalnum((unsigned char)p->class[i]))
			p->class[i] = '_';
	p->result = p->class;
	if (asprintf(&p->senders_path, "%s.senders", p->of.path) < 0) {
		p->senders_path = NULL;
		conf_err_set(err, sec, NULL, "out of memory");
		return -1;
	}
	o->also_writes = p->senders_path;
	return 0;
}

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
	if (configure_senders(p, o, sec, err) < 0)
		return -1;
	if (!p->senders && !(p->result = conf_get(sec, "result")))
		p->result = postfix_use_default_result(p->use);
	if (!p->senders && (why = postfix_use_check_result(p->use, p->result))) {
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

/* The sender table: each domain, and its subdomains whatever
 * parent_domain_matches_subdomains says, OK. */
static int
render_senders(const struct output *o, FILE *f)
{
	const struct postfix *p = o->priv;

	fprintf(f, "# allowsync output \"%s\" (postfix): the senders of restriction class %s, "
		   "written by allowsync, do not edit\n",
		o->name, p->class);
	for (size_t i = 0; i < p->n_senders; i++)
		fprintf(f, "%s\tOK\n.%s\tOK\n", p->senders[i], p->senders[i]);
	return ferror(f) ? -1 : 0;
}

/* Exactly the listed domains, each in both forms, OK, in order. */
static int
verify_senders(const struct postfix *p, const char *buf, size_t len, struct err *err)
{
	const char *l = memchr(buf, '\n', len);
	size_t i = 0, line = 1;

	if (!l || buf[0] != '#')
		return err_set(err, "check of the new sender table: no header line");
	for (l++; l < buf + len; i++) {
		const char *nl = memchr(l, '\n', (size_t)(buf + len - l));
		const char *d = p->senders[i / 2];
		size_t dn = strlen(d), dot = i % 2;
		line++;
		if (!nl || i >= 2 * p->n_senders || (size_t)(nl - l) != dot + dn + 3 ||
		    (dot && l[0] != '.') || memcmp(l + dot, d, dn) != 0 ||
		    memcmp(l + dot + dn, "\tOK", 3) != 0)
			return err_set(err, "check of the new sender table: line %zu is not %s%s<TAB>OK",
				       line, dot ? "." : "", d);
		l = nl + 1;
	}
	if (i != 2 * p->n_senders)
		return err_set(err, "check of the new sender table: %zu lines, %zu wanted", i,
			       2 * p->n_senders);
	return 0;
}

static int
postfix_prepare(struct output *o, const struct output_ctx *ctx, const struct pset *want,
		bool *changed, struct err *err)
{
	struct postfix *p = o->priv;
	char *mem = NULL, *back = NULL;
	size_t memlen = 0, backlen = 0;
	FILE *m;

	p->senders_af = NULL;
	if (outfile_prepare(o, ctx, want, changed, err) < 0)
		return -1;
	if (!p->senders)
		return 0;
	if (!(m = open_memstream(&mem, &memlen))) {
		err_set(err, "out of memory");
		goto fail;
	}
	int r = render_senders(o, m);
	if (fclose(m) != 0 || r < 0) {
		err_set(err, "cannot render the sender table");
		goto fail;
	}
	if (outfile_stage(p->senders_path, mem, memlen, &p->senders_af, &back, &backlen, err) < 0) {
		err_prefix(err, "sender table %s", p->senders_path);
		goto fail;
	}
	if (p->senders_af && verify_senders(p, back, backlen, err) < 0)
		goto fail;
	*changed |= p->senders_af != NULL;
	free(back);
	free(mem);
	return 0;
fail:
	atomicfile_abort(p->senders_af);
	p->senders_af = NULL;
	outfile_abort(o, ctx);
	free(back);
	free(mem);
	return -1;
}

/* The sender table first: the cidr table never names a class whose
 * table is missing (a failed second step leaves the new senders with
 * the old ranges, which name the same class or none). */
static int
postfix_commit(struct output *o, const struct output_ctx *ctx, struct err *err)
{
	struct postfix *p = o->priv;
	struct atomicfile *af = p->senders_af;

	p->senders_af = NULL;
	if (af && atomicfile_commit(af, err) < 0) {
		err_prefix(err, "sender table %s", p->senders_path);
		outfile_abort(o, ctx);
		return -1;
	}
	return outfile_commit(o, ctx, err);
}

static void
postfix_abort(struct output *o, const struct output_ctx *ctx)
{
	struct postfix *p = o->priv;

	atomicfile_abort(p->senders_af);
	p->senders_af = NULL;
	outfile_abort(o, ctx);
}

static void
postfix_free(struct output *o)
{
	struct postfix *p = o->priv;

	if (p) {
		atomicfile_abort(p->senders_af);
		conf_words_free(p->senders);
		free(p->senders_path);
	}
	outfile_free(o);
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

/* The value the class must have. */
static void
class_value(const struct postfix *p, char *buf, size_t n)
{
	snprintf(buf, n, "check_sender_access texthash:%s", p->senders_path);
}

/* Whether main.cf (pc) defines the scoped output's class as it must be. */
static bool
class_defined(const struct postfix *p, const struct postconf *pc)
{
	char want[1200];
	const char *v = postconf_get(&pc->main, p->class);

	class_value(p, want, sizeof want);
	return postfix_list_has(postconf_get(&pc->main, "smtpd_restriction_classes"), p->class) && v &&
	       strcmp(v, want) == 0;
}

/* smtpd_restriction_classes (with the classes main.cf has) and the
 * class's definition. */
static void
print_class(const struct postfix *p, const struct postconf *pc, FILE *f)
{
	const char *now = pc ? postconf_get(&pc->main_raw, "smtpd_restriction_classes") : NULL;
	const char *now_x = pc ? postconf_get(&pc->main, "smtpd_restriction_classes") : NULL;
	char want[1200];

	if (now && now_x && postfix_list_has(now_x, p->class))
		fprintf(f, "smtpd_restriction_classes = %s\n", now);
	else
		fprintf(f, "smtpd_restriction_classes = %s%s%s\n", now ? now : "",
			now && *now ? ", " : "", p->class);
	class_value(p, want, sizeof want);
	fprintf(f, "%s = %s\n", p->class, want);
}

/* check: the class lines main.cf lacks, one notice each. */
static void
notice_class(const struct output *o, const struct postconf *pc)
{
	char *lines = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&lines, &len);

	if (!m)
		return;
	print_class(o->priv, pc, m);
	fclose(m);
	for (char *l = lines, *nl; l && (nl = strchr(l, '\n')); l = nl + 1) {
		*nl = 0;
		log_notice("output \"%s\": main.cf needs: %s", o->name, l);
	}
	free(lines);
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

	if (read_postconf(o, &pc) != 0) {
		if (p->senders)
			notice_class(o, NULL);
		return 0;
	}
	v.dir = pc.dir;
	/* A scoped table's class says OK for the listed senders, which
	 * anyone may forge: judged as an OK, wherever it is used. */
	size_t uses = postfix_use_judge(&pc, p->of.path, p->senders ? "OK" : p->result, vet_one, &v);
	if (uses == 0)
		log_info("output \"%s\": Postfix's configuration does not name %s (allowsync show "
			 "%s --postfix prints the line to add)",
			 o->name, p->of.path, o->name);
	/* Named but undefined, the class is an unknown restriction to
	 * smtpd: every client of the ranges would get 451 (server
	 * configuration error).  allow_relay has no say in that. */
	bool no_class = p->senders && !class_defined(p, &pc);
	if (no_class)
		notice_class(o, &pc);
	postconf_free(&pc);
	if (v.refused)
		err_set(err, "%.1700s; use the table in %s instead (allowsync show %s --postfix), "
			     "or set allow_relay = yes",
			err->msg, p->use == POSTFIX_USE_POSTSCREEN ? "postscreen_access_list"
								    : "smtpd_client_restrictions",
			o->name);
	if (!no_class || !uses)
		return v.refused ? -1 : 0;
	if (v.refused)
		return err_set(err, "%.1500s; and restriction class %s is not defined", err->msg,
			       p->class);
	return err_set(err, "main.cf names %s, but restriction class %s is not defined as allowsync "
			    "writes it: smtpd would answer 451 to the relay's clients (allowsync show "
			    "%s --postfix prints the lines)",
		       p->of.path, p->class, o->name);
}

int
out_postfix_main_cf(const struct output *o, FILE *f, struct err *err)
{
	const struct postfix *p = o->priv;
	struct postconf pc;
	int have, rc;

	have = read_postconf(o, &pc) == 0;
	if (p->senders)
		print_class(p, have ? &pc : NULL, f);
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
	.prepare = postfix_prepare,
	.commit = postfix_commit,
	.abort = postfix_abort,
	.render = postfix_render,
	.free = postfix_free,
	.vet = postfix_vet,
};
