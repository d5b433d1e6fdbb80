/* postfix_use — where and how Postfix uses a table; see postfix_use.h.
 *
 * Postfix's own rules, as smtpd_check.c and postscreen apply them: table
 * actions and restriction names are case-insensitive; a list element is
 * separated by blanks and commas, {} grouping; a bare type:table in a
 * restriction list is a lookup like check_client_access; a restriction
 * class is a list evaluated where its name stands. */
#include "postfix_use.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define SEP " \t\r\n,"

/* ------------------------------------------------------------- results */

const char *
postfix_use_parse(const char *s, enum postfix_use *u)
{
	if (strcmp(s, "access") == 0)
		*u = POSTFIX_USE_ACCESS;
	else if (strcmp(s, "postscreen") == 0)
		*u = POSTFIX_USE_POSTSCREEN;
	else
		return "use access (check_client_access in smtpd_client_restrictions) or "
		       "postscreen (postscreen_access_list)";
	return NULL;
}

const char *
postfix_use_name(enum postfix_use u)
{
	return u == POSTFIX_USE_POSTSCREEN ? "postscreen" : "access";
}

const char *
postfix_use_default_result(enum postfix_use u)
{
	return u == POSTFIX_USE_POSTSCREEN ? "permit" : "OK";
}

/* Restrictions a table result may name (smtpd_check.c's generic_checks),
 * those that take no table; `arg`: followed by one argument. */
static const struct restriction {
	const char *name;
	bool arg;
} restrictions[] = {
	{"permit", false},
	{"reject", false},
	{"defer", false},
	{"defer_if_permit", false},
	{"defer_if_reject", false},
	{"warn_if_reject", false},
	{"reject_unauth_pipelining", false},
	{"reject_plaintext_session", false},
	{"reject_unknown_client_hostname", false},
	{"reject_unknown_reverse_client_hostname", false},
	{"reject_unknown_client", false},
	{"permit_inet_interfaces", false},
	{"permit_mynetworks", false},
	{"permit_sasl_authenticated", false},
	{"permit_tls_clientcerts", false},
	{"permit_tls_all_clientcerts", false},
	{"reject_invalid_helo_hostname", false},
	{"reject_unknown_helo_hostname", false},
	{"reject_non_fqdn_helo_hostname", false},
	{"reject_non_fqdn_sender", false},
	{"reject_unknown_sender_domain", false},
	{"reject_unverified_sender", false},
	{"reject_unlisted_sender", false},
	{"reject_sender_login_mismatch", false},
	{"reject_authenticated_sender_login_mismatch", false},
	{"reject_known_sender_login_mismatch", false},
	{"reject_unauthenticated_sender_login_mismatch", false},
	{"permit_auth_destination", false},
	{"permit_mx_backup", false},
	{"reject_unauth_destination", false},
	{"defer_unauth_destination", false},
	{"reject_non_fqdn_recipient", false},
	{"reject_unknown_recipient_domain", false},
	{"reject_unlisted_recipient", false},
	{"reject_unverified_recipient", false},
	{"reject_multi_recipient_bounce", false},
	{"reject_rbl_client", true},
	{"reject_rhsbl_client", true},
	{"reject_rhsbl_reverse_client", true},
	{"reject_rhsbl_helo", true},
	{"reject_rhsbl_sender", true},
	{"reject_rhsbl_recipient", true},
	{"permit_dnswl_client", true},
	{"permit_rhswl_client", true},
	{"sleep", true},
};

static const struct restriction *
find_restriction(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof restrictions / sizeof restrictions[0]; i++)
		if (strlen(restrictions[i].name) == n &&
		    strncasecmp(restrictions[i].name, w, n) == 0)
			return &restrictions[i];
	return NULL;
}

/* The word at s: its length; *rest: the text after it and its blanks. */
static size_t
first_word(const char *s, const char **rest)
{
	size_t n = strcspn(s, " \t");

	*rest = s + n + strspn(s + n, " \t");
	return n;
}

static bool
word_is(const char *w, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(w, name, n) == 0;
}

static bool
all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* "Name: value": what PREPEND needs (a header name, then a colon). */
static bool
is_header(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ':' && s[n] > ' ' && s[n] < 127)
		n++;
	return n > 0 && s[n] == ':';
}

static const char access_words[] =
	"not an access(5) action (use = access); valid: OK, DUNNO, REJECT [text], DEFER [text], "
	"DEFER_IF_REJECT [text], DEFER_IF_PERMIT [text], 4NN text, 5NN text, DISCARD [text], "
	"HOLD [text], INFO [text], WARN [text], BCC user@domain, REDIRECT user@domain, "
	"FILTER transport:destination, PREPEND header: text, a number (read as OK), or "
	"restrictions such as permit, reject, permit_auth_destination, "
	"reject_unauth_destination, reject_rbl_client domain";

/* A result that is a list of restrictions: NULL, or why not. */
static const char *
check_restrictions(const char *s)
{
	const char *p = s;

	/* smtpd refuses a lookup table inside a result (server error). */
	if (strchr(s, ':'))
		return access_words;
	for (;;) {
		p += strspn(p, SEP);
		if (!*p)
			return NULL;
		size_t n = strcspn(p, SEP);
		const struct restriction *r = find_restriction(p, n);
		if (!r)
			return access_words;
		p += n;
		if (r->arg) {
			p += strspn(p, SEP);
			if (!*p)
				return "a restriction that needs an argument has none (e.g. "
				       "reject_rbl_client zen.spamhaus.org)";
			n = strcspn(p, SEP);
			if (strcmp(r->name, "sleep") == 0 && strspn(p, "0123456789") != n)
				return "sleep needs a number of seconds";
			p += n;
		}
	}
}

/* What smtpd makes of a result, in its order (check_table_result):
 * an action, else a list of restrictions. */
enum action { ACT_PERMIT, ACT_OTHER, ACT_RESTRICTIONS };

/* The action of a valid result; NULL, or why it is not valid. */
static const char *
classify(const char *result, enum action *act)
{
	const char *text;
	size_t n = first_word(result, &text);
	static const char *const text_optional[] = {
		"DUNNO", "REJECT", "DEFER", "DEFER_IF_REJECT", "DEFER_IF_PERMIT",
		"DISCARD", "HOLD", "INFO", "WARN",
	};

	*act = ACT_OTHER;
	for (size_t i = 0; i < sizeof text_optional / sizeof text_optional[0]; i++)
		if (word_is(result, n, text_optional[i]))
			return NULL;
	if (word_is(result, n, "BCC") || word_is(result, n, "REDIRECT"))
		return strchr(text, '@') ? NULL : "BCC and REDIRECT need user@domain";
	if (word_is(result, n, "FILTER"))
		return strchr(text, ':') ? NULL : "FILTER needs transport:destination";
	if (word_is(result, n, "PREPEND"))
		return is_header(text) ? NULL : "PREPEND needs \"header: text\"";
	if (all_digits(result)) {
		/* smtpd reads an all-numerical result as OK: "550" alone
		 * would permit, not reject. */
		*act = ACT_PERMIT;
		return n == 3 && (result[0] == '4' || result[0] == '5')
			       ? "an SMTP code needs a text (Postfix reads a number alone as OK)"
			       : NULL;
	}
	if (n == 3 && (result[0] == '4' || result[0] == '5') && isdigit((unsigned char)result[1]) &&
	    isdigit((unsigned char)result[2]))
		return NULL;
	*act = ACT_PERMIT;
	if (word_is(result, n, "OK") || word_is(result, n, "RELAY"))
		return NULL;
	*act = ACT_RESTRICTIONS;
	return check_restrictions(result);
}

const char *
postfix_use_check_result(enum postfix_use u, const char *result)
{
	enum action act;

	for (const char *p = result; *p; p++)
		if (iscntrl((unsigned char)*p) && *p != '\t')
			return "a control character (a table line holds one result)";
	if (!*result)
		return "empty";
	if (u == POSTFIX_USE_ACCESS)
		return classify(result, &act);
	if (strcasecmp(result, "permit") != 0 && strcasecmp(result, "dunno") != 0 &&
	    strcasecmp(result, "reject") != 0)
		return "not a postscreen_access_list action (use = postscreen); valid: permit, "
		       "dunno, reject";
	return NULL;
}

bool
postfix_use_permits(const char *result)
{
	enum action act;

	if (classify(result, &act) || act == ACT_OTHER)
		return false;
	if (act == ACT_PERMIT)
		return true;
	/* A list of restrictions: `permit` in it ends the evaluation with
	 * permission (the others depend on more than the client's address). */
	for (const char *p = result;;) {
		p += strspn(p, SEP);
		if (!*p)
			return false;
		size_t n = strcspn(p, SEP);
		if (word_is(p, n, "permit"))
			return true;
		p += n;
	}
}

/* Whether postscreen knows the result (permit, dunno, reject). */
static bool
postscreen_knows(const char *result)
{
	return postfix_use_check_result(POSTFIX_USE_POSTSCREEN, result) == NULL;
}

/* ---------------------------------------------------------- references */

/* One reference to a table in a value: TYPE:PATH at s[start], len bytes;
 * the innermost type (proxy:cidr: "cidr") at type, type_len. */
struct ref {
	size_t start, len;
	const char *type;
	size_t type_len;
};

/* Whether `cand` (n bytes) names the file `path`: the same text, or the
 * same file under another name (a symlink, "//", ".."). */
static bool
same_file(const char *cand, size_t n, const char *path)
{
	char buf[PATH_MAX];
	struct stat a, b;

	if (strlen(path) == n && memcmp(cand, path, n) == 0)
		return true;
	if (n >= sizeof buf)
		return false;
	memcpy(buf, cand, n);
	buf[n] = 0;
	return stat(buf, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static bool
type_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == ':';
}

/* The next reference to `path` in s[*pos, n): a TYPE:/PATH whose path
 * ends at a blank, comma, brace or the end.  true with *r and *pos past
 * it. */
static bool
next_ref(const char *s, size_t n, const char *path, size_t *pos, struct ref *r)
{
	for (size_t i = *pos; i + 1 < n; i++) {
		if (s[i] != ':' || s[i + 1] != '/')
			continue;
		size_t t = i, end = i + 1;
		while (t > 0 && type_char(s[t - 1]))
			t--;
		while (end < n && !strchr(SEP "{}", s[end]))
			end++;
		if (t == i || !same_file(s + i + 1, end - i - 1, path))
			continue;
		size_t ty = i;
		while (ty > t && s[ty - 1] != ':')
			ty--;
		r->start = t;
		r->len = end - t;
		r->type = s + ty;
		r->type_len = i - ty;
		*pos = end;
		return true;
	}
	return false;
}

static bool
has_ref(const char *s, const char *path)
{
	size_t pos = 0;
	struct ref r;

	return next_ref(s, strlen(s), path, &pos, &r);
}

/* The next list element of *s (n bytes left): blanks and commas separate,
 * {} group.  true with *e, *len. */
static bool
next_elem(const char **s, const char *end, const char **e, size_t *len)
{
	const char *p = *s;
	int depth = 0;

	while (p < end && strchr(SEP, *p))
		p++;
	if (p == end)
		return false;
	*e = p;
	while (p < end && (depth || !strchr(SEP, *p))) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && depth)
			depth--;
		p++;
	}
	*len = (size_t)(p - *e);
	*s = p;
	return true;
}

/* ---------------------------------------------------------------- judge */

/* What a parameter is to Postfix, as far as relaying goes. */
enum kind {
	KIND_OTHER,      /* passes */
	KIND_NETWORKS,   /* every address named is trusted to relay */
	KIND_RELAY,      /* smtpd_relay_restrictions */
	KIND_RECIPIENT,  /* smtpd_recipient_restrictions */
	KIND_POSTSCREEN, /* postscreen_access_list: results must be postscreen's */
	KIND_CLASS,      /* a restriction class: judged where a list names it */
};

static enum kind
kind_of(const char *base)
{
	if (strcmp(base, "mynetworks") == 0 || strcmp(base, "smtpd_authorized_xclient_hosts") == 0)
		return KIND_NETWORKS;
	if (strcmp(base, "smtpd_relay_restrictions") == 0)
		return KIND_RELAY;
	if (strcmp(base, "smtpd_recipient_restrictions") == 0)
		return KIND_RECIPIENT;
	if (strcmp(base, "postscreen_access_list") == 0)
		return KIND_POSTSCREEN;
	return KIND_OTHER;
}

#define MAX_CLASS_DEPTH 8

/* One parameter being judged. */
struct judge {
	const struct postconf *pc;
	const char *path, *result;
	bool permits;
	postfix_use_fn fn;
	void *ctx;
	size_t uses;
	/* the parameter */
	const char *param, *raw;
	const char *svc; /* master: "service/type/" (svc_len bytes), else NULL */
	size_t svc_len;
	enum kind kind;
	/* walking a restriction list */
	bool stopped;   /* past reject_unauth_destination & co. */
	bool warn_next; /* the element before was warn_if_reject */
};

/* A parameter's value where the judged one is set: a master.cf
 * service's own override first, then main.cf.  expanded: -x's view. */
static const char *
lookup(const struct judge *j, const char *name, size_t n, bool expanded)
{
	const struct postconf_map *main = expanded ? &j->pc->main : &j->pc->main_raw;
	const struct postconf_map *master = expanded ? &j->pc->master : &j->pc->master_raw;
	char key[512];

	if (j->svc && j->svc_len + n < sizeof key) {
		snprintf(key, sizeof key, "%.*s%.*s", (int)j->svc_len, j->svc, (int)n, name);
		const char *v = postconf_get(master, key);
		if (v)
			return v;
	}
	if (n >= sizeof key)
		return NULL;
	snprintf(key, sizeof key, "%.*s", (int)n, name);
	return postconf_get(main, key);
}

/* Which $name of the value as written leads to the table ("$my_relays"
 * into buf), or "" when the value names it itself. */
static const char *
via_expansion(const struct judge *j, char *buf, size_t size)
{
	const char *raw = j->raw;

	if (!raw || has_ref(raw, j->path))
		return "";
	for (const char *p = raw; (p = strchr(p, '$'));) {
		p++;
		if (*p == '{' || *p == '(')
			p++;
		size_t n = 0;
		while (isalnum((unsigned char)p[n]) || p[n] == '_')
			n++;
		const char *v = n ? lookup(j, p, n, true) : NULL;
		if (v && has_ref(v, j->path)) {
			snprintf(buf, size, "$%.*s", (int)n, p);
			return buf;
		}
	}
	snprintf(buf, size, "its $name expansions");
	return buf;
}

static void
report(struct judge *j, const struct ref *r, const char *value, const char *via,
       enum postfix_verdict v, const char *why)
{
	char table[1024], vbuf[300];
	struct postfix_finding f = {
		.verdict = v,
		.param = j->param,
		.master = j->svc != NULL,
		.table = table,
		.why = why,
	};

	snprintf(table, sizeof table, "%.*s", (int)r->len, value + r->start);
	if (!via)
		via = via_expansion(j, vbuf, sizeof vbuf);
	f.via = *via ? via : NULL;
	/* Only cidr: reads the table as allowsync writes it. */
	if (v == POSTFIX_PASS && !(r->type_len == 4 && strncmp(r->type, "cidr", 4) == 0)) {
		f.verdict = POSTFIX_WARN;
		f.why = "not a cidr: table: Postfix does not read it as allowsync writes it";
	}
	j->uses++;
	j->fn(j->ctx, &f);
}

/* A use outside restriction lists: the whole value. */
static void
judge_plain(struct judge *j, const char *value)
{
	size_t pos = 0, n = strlen(value);
	struct ref r;

	while (next_ref(value, n, j->path, &pos, &r)) {
		/* "!cidr:…" in a match list: these addresses are left out. */
		bool negated = r.start > 0 && value[r.start - 1] == '!';
		if (j->kind == KIND_NETWORKS && negated)
			report(j, &r, value, NULL, POSTFIX_PASS, "excluded (!): passes");
		else if (j->kind == KIND_NETWORKS)
			report(j, &r, value, NULL, POSTFIX_REFUSE,
			       strcmp(j->param + j->svc_len, "mynetworks") == 0
				       ? "every address in the table counts as this server's own "
					 "network and may relay mail anywhere: an open relay for "
					 "every customer of a shared relay"
				       : "every address in the table may claim any client address "
					 "(XCLIENT), a local one too, and relay mail anywhere");
		else if (j->kind == KIND_POSTSCREEN && !postscreen_knows(j->result))
			report(j, &r, value, NULL, POSTFIX_WARN,
			       "postscreen knows only permit, dunno and reject as results: it "
			       "ignores the rest of the list (use = postscreen, result = permit)");
		else
			report(j, &r, value, NULL, POSTFIX_PASS,
			       j->kind == KIND_POSTSCREEN ? "postscreen allowlist: passes"
			       : j->kind == KIND_CLASS    ? "a restriction class: judged where a "
							    "restriction list names it"
							  : "no relay permission: passes");
	}
}

static bool
is_stopper(const char *e, size_t n)
{
	return word_is(e, n, "reject_unauth_destination") ||
	       word_is(e, n, "defer_unauth_destination") || word_is(e, n, "reject") ||
	       word_is(e, n, "defer");
}

/* Whether the element names a restriction class of the parameter's
 * context (smtpd_restriction_classes). */
static bool
list_has(const char *list, const char *e, size_t n)
{
	const char *c, *end;
	size_t len;

	if (!list)
		return false;
	end = list + strlen(list);
	while (next_elem(&list, end, &c, &len))
		if (len == n && memcmp(c, e, n) == 0)
			return true;
	return false;
}

bool
postfix_list_has(const char *list, const char *word)
{
	return list_has(list, word, strlen(word));
}

static bool
is_class(const struct judge *j, const char *e, size_t n)
{
	static const char key[] = "smtpd_restriction_classes";

	return list_has(lookup(j, key, sizeof key - 1, true), e, n);
}

/* A lookup of the table inside a restriction list, at the walk's
 * position. */
static void
judge_lookup(struct judge *j, const struct ref *r, const char *value, const char *via)
{
	if (j->kind == KIND_RELAY && j->permits)
		report(j, r, value, via, POSTFIX_REFUSE,
		       "a lookup whose result permits, in the list that decides relaying: every "
		       "address in the table may relay mail anywhere (an open relay for every "
		       "customer of a shared relay)");
	else if (j->kind == KIND_RECIPIENT && j->permits && !j->stopped)
		report(j, r, value, via, POSTFIX_REFUSE,
		       "a lookup whose result permits, before reject_unauth_destination: every "
		       "address in the table may relay mail anywhere (an open relay for every "
		       "customer of a shared relay)");
	else
		report(j, r, value, via, POSTFIX_PASS,
		       !j->permits ? "its result does not permit: passes"
				   : "after reject_unauth_destination: passes");
}

/* A restriction list, element by element, restriction classes entered
 * where they stand. */
static void
walk(struct judge *j, const char *value, const char *via, int depth)
{
	const char *p = value, *end = value + strlen(value), *e;
	size_t n;

	while (next_elem(&p, end, &e, &n)) {
		size_t pos = (size_t)(e - value);
		bool warned = j->warn_next, any = false;
		struct ref r;

		j->warn_next = false;
		while (next_ref(value, (size_t)(e + n - value), j->path, &pos, &r)) {
			judge_lookup(j, &r, value, via);
			any = true;
		}
		if (any)
			continue;
		if (word_is(e, n, "warn_if_reject")) {
			j->warn_next = true;
		} else if (is_stopper(e, n)) {
			if (!warned)
				j->stopped = true;
		} else if (depth < MAX_CLASS_DEPTH && is_class(j, e, n)) {
			char cvia[300];
			const char *cv = lookup(j, e, n, true);
			snprintf(cvia, sizeof cvia, "restriction class %.*s", (int)n, e);
			if (cv)
				walk(j, cv, via ? via : cvia, depth + 1);
		}
	}
}

static void
judge_param(struct judge *j, const char *name, const char *value, const char *raw,
	    bool master)
{
	const char *base = strrchr(name, '/');

	j->param = name;
	j->raw = raw;
	j->svc = master && base ? name : NULL;
	j->svc_len = j->svc ? (size_t)(base + 1 - name) : 0;
	j->kind = kind_of(base && master ? base + 1 : name);
	if (j->kind == KIND_OTHER && is_class(j, name + j->svc_len, strlen(name + j->svc_len)))
		j->kind = KIND_CLASS;
	j->stopped = j->warn_next = false;
	if (j->kind == KIND_RELAY || j->kind == KIND_RECIPIENT)
		walk(j, value, NULL, 0);
	else
		judge_plain(j, value);
}

size_t
postfix_use_judge(const struct postconf *pc, const char *path, const char *result,
		  postfix_use_fn fn, void *ctx)
{
	struct judge j = {
		.pc = pc,
		.path = path,
		.result = result,
		.permits = postfix_use_permits(result),
		.fn = fn,
		.ctx = ctx,
	};

	for (size_t i = 0; i < pc->main.n; i++)
		judge_param(&j, pc->main.v[i].name, pc->main.v[i].value,
			    postconf_get(&pc->main_raw, pc->main.v[i].name), false);
	for (size_t i = 0; i < pc->master.n; i++)
		judge_param(&j, pc->master.v[i].name, pc->master.v[i].value,
			    postconf_get(&pc->master_raw, pc->master.v[i].name), true);
	return j.uses;
}

/* --------------------------------------------------------------- advice */

int
postfix_use_main_cf(enum postfix_use u, const char *path, const struct postconf *pc, FILE *f)
{
	bool ps = u == POSTFIX_USE_POSTSCREEN;
	const char *param = ps ? "postscreen_access_list" : "smtpd_client_restrictions";
	const char *now = pc ? postconf_get(&pc->main_raw, param) : NULL;
	const char *now_x = pc ? postconf_get(&pc->main, param) : NULL;

	if (now && now_x && has_ref(now_x, path))
		fprintf(f, "%s = %s\n", param, now);
	else if (ps)
		/* After what is there: a denylist before it still wins. */
		fprintf(f, "%s = %s%scidr:%s\n", param, now ? now : "permit_mynetworks",
			now && !*now ? "" : ", ", path);
	else
		fprintf(f, "%s = check_client_access cidr:%s%s%s\n", param, path,
			now && *now ? ", " : "", now ? now : "");
	return ferror(f) ? -1 : 0;
}
