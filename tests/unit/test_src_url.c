/* Unit tests: src_url — its keys through the configuration loader
 * (FILE:LINE refusals, per-source overrides), and collect() against a
 * real HTTPS server on 127.0.0.1.
 *
 * The server is forked for each test and answers from a script, one
 * reply per connection unless a reply says keep (then the next one
 * answers the next request on that connection), after logging the
 * request head and counting the connections: a test checks
 * what the client asked (conditional headers, how many requests) as
 * well as what collect() made of the answers — the prefixes, the
 * one-line error, the cache it keeps in the state directory.  Its TLS is
 * OpenSSL's (this test alone links libssl); its certificate is a
 * throwaway self-signed one for IP:127.0.0.1 (and localhost, the
 * "other host" a redirect may go to) that `openssl req` makes
 * in the scratch directory and that the sources trust through ca_file.  The listening socket is bound
 * (port 0) and listening before the server forks: nothing to wait for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdir.h"
#include "testfiles.h"
#include "testconf.h"
#include "testsets.h"

#include "conf.h"
#include "minisign.h"
#include "sigcheck.h"
#include "sigsrc.h"
#include "http.h"
#include "src_url.h"
#include "state.h"
#include "url.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ssl.h>

#define NOW ((time_t)1764280000) /* 2025-11-27 21:46:40 UTC */
#define LM "Wed, 26 Nov 2025 10:00:00 GMT"

/* ---- the server ---- */

static int listen_fd = -1;
static char base[64];        /* https://127.0.0.1:PORT */
static char cert[512], key[512], other_cert[512], reqlog[512], connlog[512];
static pid_t server_pid;

/* One answer.  `body` NULL: none and no Content-Length (a 304). */
struct reply {
	const char *status;  /* "200 OK"; "+200 OK": keep the connection (the
			      * next reply answers the next request on it) */
	const char *headers; /* header lines, each ending in \r\n, or NULL */
	const char *body;
};

static bool
keeps(const struct reply *r)
{
	return r->status[0] == '+';
}

static int
ssl_write_all(SSL *s, const char *p, size_t n)
{
	while (n > 0) {
		int k = SSL_write(s, p, n > 65536 ? 65536 : (int)n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* One request on connection s: read the head, log it, answer.  false
 * when no request came (the client refused the handshake, or closed a
 * kept connection). */
static bool
serve_request(SSL *s, const struct reply *r)
{
	static const char end[] = "\r\n\r\n";
	char head[16384], *out = NULL;
	size_t n = 0, outlen = 0;
	FILE *f;
	int fd;

	while (n < sizeof head - 1) {
		int k = SSL_read(s, head + n, (int)(sizeof head - 1 - n));
		if (k <= 0)
			return false;
		n += (size_t)k;
		head[n] = '\0';
		if (strstr(head, end))
			break;
	}
	/* Logged before the answer goes out: once the client has its answer,
	 * the test can read what it asked. */
	if ((fd = open(reqlog, O_WRONLY | O_APPEND | O_CREAT, 0600)) < 0 ||
	    write(fd, head, n) != (ssize_t)n || close(fd) != 0)
		_exit(3);
	if (!(f = open_memstream(&out, &outlen)))
		_exit(3);
	fprintf(f, "HTTP/1.1 %s\r\n%s", r->status + keeps(r),
		keeps(r) ? "" : "Connection: close\r\n");
	if (r->body)
		fprintf(f, "Content-Length: %zu\r\n", strlen(r->body));
	fprintf(f, "%s\r\n%s", r->headers ? r->headers : "", r->body ? r->body : "");
	if (fclose(f) != 0)
		_exit(3);
	if (ssl_write_all(s, out, outlen) == 0 && !keeps(r))
		SSL_shutdown(s);
	free(out);
	return true;
}

/* One connection: replies from script[*i] on, as long as they say keep.
 * Each connection that carried a request is counted in connections(). */
static void
serve_one(SSL_CTX *ctx, int c, const struct reply *script, size_t n, size_t *i)
{
	static const struct reply unexpected = {"599 Unexpected request", NULL, ""};
	SSL *s = SSL_new(ctx);
	bool first = true;

	if (!s || SSL_set_fd(s, c) != 1 || SSL_accept(s) != 1)
		goto out;
	for (;;) {
		const struct reply *r = *i < n ? &script[*i] : &unexpected;
		if (!serve_request(s, r))
			break;
		if (first) {
			int fd = open(connlog, O_WRONLY | O_APPEND | O_CREAT, 0600);
			/* r: the client resumed an earlier TLS session */
			if (fd < 0 || write(fd, SSL_session_reused(s) ? "r" : "c", 1) != 1 ||
			    close(fd) != 0)
				_exit(3);
			first = false;
		}
		(*i)++;
		if (!keeps(r))
			break;
	}
out:
	if (s)
		SSL_free(s);
	close(c);
}

/* Fork the server with `n` replies; any request beyond them gets 599.
 * The request log starts empty. */
static void
server_start(const struct reply *script, size_t n)
{
	int fd = open(reqlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	close(fd);
	assert_true((fd = open(connlog, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	close(fd);
	assert_int_equal(server_pid, 0);
	pid_t parent = getpid();
	fflush(NULL);
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid > 0)
		return;
	/* Gone with the test, whatever becomes of it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	/* A client that gives up (max_body) must not kill the server. */
	signal(SIGPIPE, SIG_IGN);
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		_exit(2);
	for (size_t i = 0;;) {
		int c = accept(listen_fd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		serve_one(ctx, c, script, n, &i);
	}
}

/* The server only ever ends by this SIGTERM: an exit of its own (TLS
 * setup, the log) fails the test. */
static int
server_stop(void **state)
{
	int status = 0, rc = 0;

	(void)state;
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		if (waitpid(server_pid, &status, 0) != server_pid || !WIFSIGNALED(status) ||
		    WTERMSIG(status) != SIGTERM) {
			fprintf(stderr, "test_src_url: the server failed (status %#x)\n", status);
			rc = -1;
		}
	}
	server_pid = 0;
	return rc;
}

/* The request log: heads one after the other. */
static char *
request_log(void)
{
	size_t len;
	return test_slurp(reqlog, &len);
}

static size_t
requests(void)
{
	char *log = request_log();
	size_t n = 0;

	for (const char *p = log; (p = strstr(p, "\r\n\r\n")); p += 4)
		n++;
	free(log);
	return n;
}

/* Connections that carried at least one request. */
static size_t
connections(void)
{
	size_t len;
	char *log = test_slurp(connlog, &len);

	free(log);
	return len;
}

/* The connections' log: one letter each, in order, c for a full TLS
 * handshake, r for a resumed session. */
static char *
connection_kinds(void)
{
	size_t len;

	return test_slurp(connlog, &len);
}

/* Request i (from 0) has the line `line` (its first line included). */
static bool
request_has(size_t i, const char *line)
{
	char *log = request_log(), *p = log, *end, want[1024];
	bool found = false;

	for (; i > 0 && p; i--)
		if ((p = strstr(p, "\r\n\r\n")))
			p += 4;
	if (p && (end = strstr(p, "\r\n\r\n"))) {
		end[2] = '\0'; /* the head, each line ending with \r\n */
		snprintf(want, sizeof want, "%s\r\n", line);
		for (char *q = p; q && *q; q = strstr(q, "\r\n"), q = q ? q + 2 : NULL)
			if (strncmp(q, want, strlen(want)) == 0)
				found = true;
	} else {
		fail_msg("no request %zu in the log", i);
	}
	free(log);
	return found;
}

/* ---- the setting: certificates, listening socket, one state dir a test ---- */

static char state_dir[512];

static int
group_setup(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;
	char cmd[2048];
	const char *names[] = {"server", "other"};

	if (test_dir_setup(state) < 0)
		return -1;
	for (size_t i = 0; i < 2; i++) {
		/* An empty OpenSSL configuration: nothing read from the host. */
		snprintf(cmd, sizeof cmd,
			 "OPENSSL_CONF=/dev/null openssl req -x509 -newkey ec -pkeyopt "
			 "ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 "
			 "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout '%s/%s.key' "
			 "-out '%s/%s.pem' >/dev/null 2>&1",
			 test_dir, names[i], test_dir, names[i]);
		if (system(cmd) != 0) {
			fprintf(stderr, "test_src_url: openssl req failed (is openssl installed?)\n");
			return -1;
		}
	}
	snprintf(cert, sizeof cert, "%s/server.pem", test_dir);
	snprintf(key, sizeof key, "%s/server.key", test_dir);
	snprintf(other_cert, sizeof other_cert, "%s/other.pem", test_dir);
	snprintf(reqlog, sizeof reqlog, "%s/requests.log", test_dir);
	snprintf(connlog, sizeof connlog, "%s/connections.log", test_dir);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(listen_fd, 16) < 0 ||
	    getsockname(listen_fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	snprintf(base, sizeof base, "https://127.0.0.1:%d", ntohs(sa.sin_port));
	return 0;
}

static int
group_teardown(void **state)
{
	if (listen_fd >= 0)
		close(listen_fd);
	return test_dir_teardown(state);
}

/* A fresh, initialised state directory for each test. */
static int
test_setup(void **state)
{
	static unsigned n;
	struct err err;

	(void)state;
	snprintf(state_dir, sizeof state_dir, "%s/state%u", test_dir, ++n);
	return state_init(state_dir, &err);
}

/* ---- configuration ---- */

/* [global] takes lines 1-4, so a source section given as `text` starts
 * at line 5. */
static const char *
write_conf(const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/a.conf", test_dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
		"[global]\nstate_dir = %s\nca_file = %s\ntimeout = 10\n%s\n"
		"[output o]\ntype = text\npath = %s/o.txt\n",
		state_dir, cert, text, test_dir);
	fclose(f);
	return path;
}

static struct conf *
load(const char *text)
{
	struct conf *c = NULL;
	struct err err;

	if (conf_load(write_conf(text), CONF_LOAD_NO_OWNER_CHECK, &c, &err) != 0)
		fail_msg("refused: %s", err.msg);
	assert_int_equal(c->n_sources, 1);
	assert_ptr_equal(c->sources[0]->type, &src_url);
	return c;
}

/* [source s] of type url for BASE/PATH, with `extra` lines. */
static struct conf *
load_url(const char *path, const char *extra)
{
	char text[4096];

	snprintf(text, sizeof text, "[source s]\ntype = url\nurl = %s/%s\n%s", base, path, extra);
	return load(text);
}

static void
refused(const char *text, unsigned line, const char *reason)
{
	struct conf *c = NULL;
	struct err err;

	if (conf_load(write_conf(text), CONF_LOAD_NO_OWNER_CHECK, &c, &err) == 0) {
		conf_free(c);
		fail_msg("accepted, expected \"%s\"", reason);
	}
	if (strcmp(conf_reason(&err), reason) != 0 || err.line != line)
		fail_msg("got \"%s\", expected line %u: %s", err.msg, line, reason);
}

/* ---- collecting ---- */

static int
collect(struct source *s, time_t now, struct source_result *res, struct err *err)
{
	struct source_ctx ctx = {.state_dir = state_dir, .now = now};

	memset(res, 0, sizeof *res);
	res->set = pset_new();
	assert_non_null(res->set);
	err_clear(err);
	return s->type->collect(s, &ctx, res, err);
}

static int
cidr_line(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	char buf[PFX_ADDR_MAX];

	pfx_format_cidr(fam, addr, len, buf);
	fprintf(ctx, "%s\n", buf);
	return 0;
}

/* What the result grants, as CIDR lines (IPv4 first); malloc'd. */
static char *
set_text(const struct pset *set)
{
	struct pset *m = pset_dup(set);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(m);
	assert_non_null(f);
	assert_int_equal(pset_merge(m), 0);
	pset_each_cidr(m, PFX_V4, cidr_line, f);
	pset_each_cidr(m, PFX_V6, cidr_line, f);
	fclose(f);
	pset_free(m);
	return text;
}

static void
assert_grants(const struct source_result *res, const char *want)
{
	char *got = set_text(res->set);

	if (strcmp(got, want) != 0) {
		fprintf(stderr, "got:\n%swanted:\n%s", got, want);
		free(got);
		fail_msg("the result is not the expected set");
	}
	free(got);
}

/* A success: `want` granted, no error, the URL (redacted) as origin. */
static void
collect_ok(struct source *s, time_t now, const char *path, const char *want)
{
	struct source_result res;
	struct err err;
	char full[256], url[256];

	snprintf(full, sizeof full, "%s/%s", base, path);
	url_redact(full, url, sizeof url);
	if (collect(s, now, &res, &err) != 0)
		fail_msg("collect failed: %s", err.msg);
	assert_false(res.not_modified);
	assert_string_equal(err.msg, "");
	assert_string_equal(res.origin, url);
	assert_int_equal(strlen(res.basis), 64); /* the body it parsed */
	assert_grants(&res, want);
	pset_free(res.set);
}

/* A 304 (or a cache within refresh) reported as not modified. */
static void
collect_not_modified(struct source *s, time_t now)
{
	struct source_result res;
	struct err err;

	if (collect(s, now, &res, &err) != 0)
		fail_msg("collect failed: %s", err.msg);
	assert_true(res.not_modified);
	assert_int_equal(pset_total(res.set), 0);
	pset_free(res.set);
}

/* A failure whose error reads "BASE/PATH: `cause`" exactly. */
static void
collect_fails(struct source *s, time_t now, const char *path, const char *cause,
	      time_t retry_after)
{
	struct source_result res;
	struct err err;
	char want[1024];

	snprintf(want, sizeof want, "%s/%s: %s", base, path, cause);
	assert_int_equal(collect(s, now, &res, &err), -1);
	assert_string_equal(err.msg, want);
	assert_false(res.not_modified);
	assert_int_equal(pset_total(res.set), 0);
	assert_int_equal(res.retry_after, retry_after);
	pset_free(res.set);
}

static char *
cache_file(const char *ext, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof path, "%s/cache/s.%s", state_dir, ext);
	return test_slurp(path, len);
}

/* What the pipeline does with a list it accepted: keep it as last good,
 * from source s's origin, parsed from `basis` (a body digest). */
static void
save_last_good_from(const struct source *s, const char *list, time_t when, const char *basis)
{
	struct pset *set = test_set(list);
	struct state_list_info info = {.when = when};
	struct err err;

	snprintf(info.origin, sizeof info.origin, "test");
	snprintf(info.fingerprint, sizeof info.fingerprint, "%s", s->fingerprint);
	snprintf(info.basis, sizeof info.basis, "%s", basis);
	assert_int_equal(state_list_save(state_dir, "s", set, &info, &err), 0);
	pset_free(set);
}

/* …parsed from the body cached now (the one just collected). */
static void
save_last_good(const struct source *s, const char *list, time_t when)
{
	size_t len;
	char *meta = cache_file("meta", &len), *d = strstr(meta, "\ndigest ");

	assert_non_null(d);
	d[sizeof "\ndigest " - 1 + 64] = 0;
	save_last_good_from(s, list, when, d + sizeof "\ndigest " - 1);
	free(meta);
}

static bool
state_file_exists(const char *rel)
{
	char path[1024];
	struct stat sb;

	snprintf(path, sizeof path, "%s/%s", state_dir, rel);
	return stat(path, &sb) == 0;
}

/* stderr into a file for the span of a collect, to check a warning. */
static int saved_stderr = -1;

static void
capture_stderr(void)
{
	char path[600];
	int fd;

	snprintf(path, sizeof path, "%s/stderr", test_dir);
	fflush(stderr);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static char *
captured_stderr(void)
{
	char path[600];
	size_t len;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	snprintf(path, sizeof path, "%s/stderr", test_dir);
	return test_slurp(path, &len);
}

static int
test_teardown(void **state)
{
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
	return server_stop(state);
}

/* ---- the tests ---- */

static void
test_configure(void **state)
{
	struct minisign_pk pk;
	struct minisign_sk sk;
	char pub[MINISIGN_PK_B64_MAX], text[2048], want[1024];

	(void)state;
	/* Everything a url source takes, and [global] limits overridden. */
	assert_int_equal(minisign_generate(&pk, &sk), 0);
	minisign_pk_b64(&pk, pub);
	minisign_sk_wipe(&sk);
	snprintf(text, sizeof text,
		 "format = json\nselect = $.prefixes[*].ip_prefix\n"
		 "select = $.ipv6_prefixes[*].ipv6_prefix\npubkey = %s\nrefresh = 1h\n"
		 "proxy = http://127.0.0.1:3128\ntimeout = 5\nmax_body = 64k\nmin_prefix4 = 16\n"
		 "min_prefix6 = 32\nmax_entries = 100\nmax_stale = 2d\nallow_special = yes\n"
		 "ca_file = %s\n",
		 pub, other_cert);
	struct conf *c = load_url("ip-ranges.json", text);
	const struct source_limits *l = &c->sources[0]->limits;
	assert_int_equal(l->timeout, 5);
	assert_int_equal(l->max_body, 64 * 1024);
	assert_int_equal(l->min_prefix4, 16);
	assert_int_equal(l->min_prefix6, 32);
	assert_int_equal(l->max_entries, 100);
	assert_int_equal(l->max_stale, 2 * 86400);
	assert_true(l->allow_special);
	assert_string_equal(l->ca_file, other_cert);
	conf_free(c);
	/* Without overrides, [global]'s; the scheme in any case. */
	c = load("[source s]\ntype = url\nurl = HTTPS://127.0.0.1/list.txt\n");
	assert_int_equal(c->sources[0]->limits.timeout, 10);
	assert_string_equal(c->sources[0]->limits.ca_file, cert);
	conf_free(c);
	/* `ca_file =` in the source: back to the system's CAs alone. */
	c = load("[source s]\ntype = url\nurl = https://127.0.0.1/list.txt\nca_file =\n");
	assert_null(c->sources[0]->limits.ca_file);
	conf_free(c);

	refused("[source s]\ntype = url\nurl = http://127.0.0.1/list.txt\n", 7,
		"[source s] url = http://127.0.0.1/list.txt: only https:// URLs are fetched");
	refused("[source s]\ntype = url\nurl = https://\n", 7,
		"[source s] url = https://: only https:// URLs are fetched");
	refused("[source s]\ntype = url\nurl = https://a.example/x y\n", 7,
		"[source s] url = https://a.example/x y: only https:// URLs are fetched");
	refused("[source s]\ntype = url\nurl = file:///etc/hosts\n", 7,
		"[source s] url = file:///etc/hosts: only https:// URLs are fetched");
	refused("[source s]\ntype = url\nformat = text\n", 5,
		"[source s]: missing required key \"url\"");
	refused("[source s]\ntype = url\nurl = https://a.example/x\nformat = xml\n", 8,
		"[source s] format = xml: not text, json or allowsync");
	refused("[source s]\ntype = url\nurl = https://a.example/x\nformat = json\n", 8,
		"[source s] format = json needs at least one select = JSONPATH");
	refused("[source s]\ntype = url\nurl = https://a.example/x\nformat = text\n"
		"select = $.a\n",
		9, "[source s] select needs format = json");
	/* A bad second selector is reported on its own line. */
	refused("[source s]\ntype = url\nurl = https://a.example/x\nselect = $.a[*]\n"
		"select = prefixes\n",
		9, "[source s] select = prefixes: at character 1: a query starts with '$'");
	refused("[source s]\ntype = url\nurl = https://a.example/x\nrefresh = soon\n", 8,
		"[source s] refresh = soon: bad duration unit (use s, m, h, d or w)");
	refused("[source s]\ntype = url\nurl = https://a.example/x\nproxy =\n", 8,
		"[source s] proxy = : not a proxy URL");
	refused("[source s]\ntype = url\nurl = https://a.example/x\nsig_url = https://a.example/s\n",
		8, "[source s] sig_url needs pubkey");
	snprintf(text, sizeof text,
		 "[source s]\ntype = url\nurl = https://a.example/x\npubkey = %s\n"
		 "sig_url = http://a.example/x.minisig\n",
		 pub);
	refused(text, 9, "[source s] sig_url = http://a.example/x.minisig: only https:// URLs are "
			 "fetched");
	snprintf(text, sizeof text, "[source s]\ntype = url\nurl = https://a.example/x\n"
				    "pubkey = %s/no-such.pub\n",
		 test_dir);
	snprintf(want, sizeof want,
		 "[source s] pubkey = %s/no-such.pub: neither a readable file nor a minisign "
		 "public key (as a file: No such file or directory; as a key: not a minisign "
		 "public key (bad base64 or length))",
		 test_dir);
	refused(text, 8, want);
	refused("[source s]\ntype = url\nurl = https://a.example/x\ntimeout = 0\n", 8,
		"timeout = 0: a source needs some time");
	refused("[source s]\ntype = url\nurl = https://a.example/x\nmax_body = 0\n", 8,
		"max_body = 0 refuses every document");
	refused("[source s]\ntype = url\nurl = https://a.example/x\ndomain = a.example\n", 8,
		"unknown key \"domain\" in [source s]");
	refused("[source s]\ntype = url\nurl = https://a.example/x\npath = /etc/x.txt\n", 8,
		"unknown key \"path\" in [source s]");
}

/* 200: the prefixes, what was asked, and the cache it leaves. */
static void
test_fetch(void **state)
{
	const struct reply script[] = {
		{"200 OK", "ETag: \"v1\"\r\nLast-Modified: " LM "\r\n",
		 "# relay ranges\n192.0.2.0/25\n192.0.2.128/25\n2001:db8::/32\n198.51.100.7\n"},
	};
	struct conf *c = load_url("list.txt", "");
	char want[1024], *meta, *body;
	size_t len;
	struct stat sb;
	char path[1024];

	(void)state;
	server_start(script, 1);
	collect_ok(c->sources[0], NOW, "list.txt", "192.0.2.0/24\n198.51.100.7/32\n2001:db8::/32\n");
	assert_int_equal(requests(), 1);
	assert_true(request_has(0, "GET /list.txt HTTP/1.1"));
	assert_true(request_has(0, "User-Agent: allowsync/" ALLOWSYNC_VERSION));
	assert_false(request_has(0, "If-None-Match: \"v1\""));

	/* The cache: the exact body, and a meta naming URL, validators and
	 * times; both private. */
	body = cache_file("body", &len);
	assert_string_equal(body, script[0].body);
	meta = cache_file("meta", &len);
	snprintf(want, sizeof want, "allowsync-cache 1\nurl %s/list.txt\nurl-digest ", base);
	assert_true(strncmp(meta, want, strlen(want)) == 0);
	snprintf(want, sizeof want, "\nfetched %lld\nchecked %lld\n", (long long)NOW,
		 (long long)NOW);
	assert_non_null(strstr(meta, want));
	assert_non_null(strstr(meta, "\netag \"v1\"\n"));
	assert_non_null(strstr(meta, "\nlast-modified " LM "\n"));
	assert_non_null(strstr(meta, "\nfingerprint "));
	assert_non_null(strstr(meta, "\ndigest "));
	snprintf(path, sizeof path, "%s/cache/s.meta", state_dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* The source keeps no last good list itself: that is the pipeline's. */
	assert_false(state_file_exists("sources/s.list"));
	free(meta);
	free(body);
	conf_free(c);
}

/* The sources of a run share TLS sessions (http_share): a later
 * connection to the same server resumes the session of an earlier one,
 * though each collect has a connection of its own; without the share,
 * every collect pays a full handshake. */
static void
test_tls_shared(void **state)
{
	const struct reply script[] = {
		{"200 OK", "ETag: \"v1\"\r\n", "192.0.2.0/24\n"},
		{"304 Not Modified", NULL, NULL},
		{"304 Not Modified", NULL, NULL},
	};
	struct conf *c = load_url("list.txt", "");
	struct http_share *share = http_share_new();
	struct source_ctx ctx = {.state_dir = state_dir, .now = NOW, .http_share = share};
	struct source_result res;
	struct err err;
	char *kinds;

	(void)state;
	assert_non_null(share);
	server_start(script, 3);
	for (int i = 0; i < 2; i++) {
		memset(&res, 0, sizeof res);
		assert_non_null(res.set = pset_new());
		ctx.now = NOW + i;
		if (c->sources[0]->type->collect(c->sources[0], &ctx, &res, &err) != 0)
			fail_msg("collect %d failed: %s", i, err.msg);
		pset_free(res.set);
	}
	/* No share: a full handshake again. */
	assert_int_equal(collect(c->sources[0], NOW + 2, &res, &err), 0);
	pset_free(res.set);
	kinds = connection_kinds();
	assert_string_equal(kinds, "crc");
	free(kinds);
	http_share_free(share);
	conf_free(c);
}

/* A real published JSON document with two selectors. */
static void
test_fetch_json(void **state)
{
	size_t len;
	char *doc = test_slurp(test_fixture("feeds/google-goog.json"), &len);
	const struct reply script[] = {{"200 OK", "Content-Type: application/json\r\n", doc}};
	struct conf *c = load_url("goog.json", "select = $.prefixes[*].ipv4Prefix\n"
					       "select = $.prefixes[*].ipv6Prefix\n");
	struct source_result res;
	struct err err;

	(void)state;
	server_start(script, 1);
	assert_int_equal(collect(c->sources[0], NOW, &res, &err), 0);
	/* 73 IPv4 and 11 IPv6 entries, as published (unmerged). */
	assert_int_equal(pset_count(res.set, PFX_V4), 73);
	assert_int_equal(pset_count(res.set, PFX_V6), 11);
	char *got = set_text(res.set);
	const char *first = "8.8.4.0/24\n8.8.8.0/24\n8.34.208.0/20\n";
	assert_true(strncmp(got, first, strlen(first)) == 0);
	assert_non_null(strstr(got, "\n2001:4860::/32\n"));
	free(got);
	pset_free(res.set);
	assert_true(request_has(0, "GET /goog.json HTTP/1.1"));
	char *body = cache_file("body", &len);
	assert_int_equal(len, strlen(doc));
	assert_memory_equal(body, doc, len);
	free(body);
	free(doc);
	conf_free(c);
}

/* The second run asks conditionally; a 304 after a saved last good list
 * is "not modified" and rewrites nothing. */
static void
test_not_modified(void **state)
{
	const struct reply script[] = {
		{"200 OK", "ETag: \"v1\"\r\nLast-Modified: " LM "\r\n", "192.0.2.0/24\n"},
		{"304 Not Modified", "ETag: \"v1\"\r\n", NULL},
	};
	struct conf *c = load_url("list.txt", "");
	char *meta1, *meta2;
	size_t len;

	(void)state;
	server_start(script, 2);
	collect_ok(c->sources[0], NOW, "list.txt", "192.0.2.0/24\n");
	save_last_good(c->sources[0], "192.0.2.0/24\n", NOW);
	meta1 = cache_file("meta", &len);
	collect_not_modified(c->sources[0], NOW + 3600);
	assert_int_equal(requests(), 2);
	assert_true(request_has(1, "If-None-Match: \"v1\""));
	assert_true(request_has(1, "If-Modified-Since: " LM));
	/* Without refresh a 304 writes nothing: not even `checked`. */
	meta2 = cache_file("meta", &len);
	assert_string_equal(meta1, meta2);
	free(meta1);
	free(meta2);
	conf_free(c);
}

/* A 304 whose cached body never became the last good list (refused
 * downstream, or older) is parsed again: never passed off as current.
 * Which body the list came from is recorded (its basis), so times in
 * the same second cannot confuse it. */
#define BASIS_OTHER "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
static void
test_304_reparses(void **state)
{
	const struct reply script[] = {
		{"200 OK", "ETag: \"v2\"\r\n", "203.0.113.0/24\n"},
		{"304 Not Modified", NULL, NULL},
		{"304 Not Modified", NULL, NULL},
		{"304 Not Modified", NULL, NULL},
		{"304 Not Modified", NULL, NULL},
	};
	struct conf *c = load_url("list.txt", "");

	(void)state;
	server_start(script, 5);
	collect_ok(c->sources[0], NOW, "list.txt", "203.0.113.0/24\n");
	/* No last good list at all. */
	collect_ok(c->sources[0], NOW + 60, "list.txt", "203.0.113.0/24\n");
	/* A last good list from an earlier document (the cached body was
	 * refused downstream), however recent. */
	save_last_good_from(c->sources[0], "198.51.100.0/24\n", NOW + 60, BASIS_OTHER);
	collect_ok(c->sources[0], NOW + 120, "list.txt", "203.0.113.0/24\n");
	assert_int_equal(requests(), 3);
	/* From this body, but under another origin (no fingerprint: an
	 * older allowsync's list). */
	{
		struct conf *old = load_url("list.txt", "");
		old->sources[0]->fingerprint[0] = 0;
		save_last_good(old->sources[0], "203.0.113.0/24\n", NOW + 120);
		conf_free(old);
	}
	collect_ok(c->sources[0], NOW + 180, "list.txt", "203.0.113.0/24\n");
	assert_int_equal(requests(), 4);
	/* From this body and origin: not modified. */
	save_last_good(c->sources[0], "203.0.113.0/24\n", NOW + 180);
	collect_not_modified(c->sources[0], NOW + 180);
	assert_true(request_has(1, "If-None-Match: \"v2\""));
	assert_true(request_has(2, "If-None-Match: \"v2\""));
	conf_free(c);
}

/* New selectors on an unchanged document take effect on a 304. */
static void
test_304_new_select(void **state)
{
	const char *doc = "{\"prefixes\": [{\"ipv4Prefix\": \"192.0.2.0/24\"}, "
			  "{\"ipv6Prefix\": \"2001:db8::/32\"}]}\n";
	const struct reply script[] = {
		{"200 OK", "ETag: \"j1\"\r\n", doc},
		{"304 Not Modified", NULL, NULL},
	};
	struct conf *c = load_url("r.json", "select = $.prefixes[*].ipv4Prefix\n");

	(void)state;
	server_start(script, 2);
	collect_ok(c->sources[0], NOW, "r.json", "192.0.2.0/24\n");
	save_last_good(c->sources[0], "192.0.2.0/24\n", NOW);
	conf_free(c);
	c = load_url("r.json", "select = $.prefixes[*].ipv4Prefix\n"
			       "select = $.prefixes[*].ipv6Prefix\n");
	collect_ok(c->sources[0], NOW + 60, "r.json", "192.0.2.0/24\n2001:db8::/32\n");
	assert_int_equal(requests(), 2);
	assert_true(request_has(1, "If-None-Match: \"j1\""));
	conf_free(c);
}

/* refresh: no request while the cache is younger (checked at the
 * boundary); a 304 records when the copy was confirmed, not fetched; a
 * clock that went back asks. */
static void
test_refresh(void **state)
{
	const struct reply script[] = {
		{"200 OK", "ETag: \"r1\"\r\n", "192.0.2.0/24\n"},
		{"304 Not Modified", NULL, NULL},
		{"304 Not Modified", NULL, NULL},
	};
	struct conf *c = load_url("list.txt", "refresh = 1h\n");
	struct source *s = c->sources[0];
	char want[256], *meta;
	size_t len;

	(void)state;
	server_start(script, 3);
	collect_ok(s, NOW, "list.txt", "192.0.2.0/24\n");
	/* Younger than refresh, no last good list yet: parsed from the cache. */
	collect_ok(s, NOW + 60, "list.txt", "192.0.2.0/24\n");
	save_last_good(c->sources[0], "192.0.2.0/24\n", NOW);
	collect_not_modified(s, NOW + 3599);
	assert_int_equal(requests(), 1);
	/* As old as refresh: ask; the 304 moves `checked`, not `fetched`. */
	collect_not_modified(s, NOW + 3600);
	assert_int_equal(requests(), 2);
	assert_true(request_has(1, "If-None-Match: \"r1\""));
	meta = cache_file("meta", &len);
	snprintf(want, sizeof want, "\nfetched %lld\nchecked %lld\n", (long long)NOW,
		 (long long)NOW + 3600);
	assert_non_null(strstr(meta, want));
	free(meta);
	/* …so the next hour needs no request. */
	collect_not_modified(s, NOW + 7199);
	assert_int_equal(requests(), 2);
	/* The clock went back before `checked`: the copy's age is unknown. */
	collect_not_modified(s, NOW + 3000);
	assert_int_equal(requests(), 3);
	conf_free(c);
}

/* A server that sends no validators: every request is a full one, and a
 * 304 to an unconditional request is an error, not the cached copy. */
static void
test_no_validators(void **state)
{
	const struct reply script[] = {
		{"200 OK", NULL, "192.0.2.0/24\n"},
		{"200 OK", NULL, "198.51.100.0/24\n"},
		{"304 Not Modified", NULL, NULL},
	};
	struct conf *c = load_url("list.txt", "");
	char *meta;
	size_t len;

	(void)state;
	server_start(script, 3);
	collect_ok(c->sources[0], NOW, "list.txt", "192.0.2.0/24\n");
	meta = cache_file("meta", &len);
	assert_null(strstr(meta, "\netag "));
	assert_null(strstr(meta, "\nlast-modified "));
	free(meta);
	save_last_good(c->sources[0], "192.0.2.0/24\n", NOW);
	collect_ok(c->sources[0], NOW + 60, "list.txt", "198.51.100.0/24\n");
	collect_fails(c->sources[0], NOW + 120, "list.txt",
		      "HTTP 304 to a request that was not conditional", 0);
	assert_int_equal(requests(), 3);
	char *log = request_log();
	assert_null(strstr(log, "If-None-Match"));
	assert_null(strstr(log, "If-Modified-Since"));
	free(log);
	conf_free(c);
}

/* Error statuses fail the source with the status and reason; Retry-After
 * is reported; the good cache stays, so the next request is still
 * conditional on it. */
static void
test_http_status(void **state)
{
	const struct reply script[] = {
		{"200 OK", "ETag: \"g1\"\r\n", "192.0.2.0/24\n"},
		{"404 Not Found", NULL, "<html>gone</html>\n"},
		{"500 Internal Server Error", NULL, "oops\n"},
		{"503 Service Unavailable", "Retry-After: 120\r\n", ""},
		{"429 Too Many Requests", "Retry-After: 99999999\r\n", ""},
		{"503 Service Unavailable", NULL, ""},
		{"302 Found", NULL, ""},
		{"304 Not Modified", NULL, NULL},
	};
	struct conf *c = load_url("list.txt", "");
	struct source *s = c->sources[0];
	char *body1, *meta1, *body2, *meta2;
	size_t len;

	(void)state;
	server_start(script, 8);
	collect_ok(s, NOW, "list.txt", "192.0.2.0/24\n");
	save_last_good(c->sources[0], "192.0.2.0/24\n", NOW);
	body1 = cache_file("body", &len);
	meta1 = cache_file("meta", &len);
	collect_fails(s, NOW, "list.txt", "HTTP 404 Not Found", 0);
	collect_fails(s, NOW, "list.txt", "HTTP 500 Internal Server Error", 0);
	collect_fails(s, NOW, "list.txt", "HTTP 503 Service Unavailable (Retry-After given)",
		      NOW + 120);
	/* Capped: a publisher cannot silence a source for long. */
	collect_fails(s, NOW, "list.txt", "HTTP 429 Too Many Requests (Retry-After given)",
		      NOW + 24 * 3600);
	collect_fails(s, NOW, "list.txt", "HTTP 503 Service Unavailable", 0);
	collect_fails(s, NOW, "list.txt", "HTTP 302 Found without a usable Location", 0);
	body2 = cache_file("body", &len);
	meta2 = cache_file("meta", &len);
	assert_string_equal(body1, body2);
	assert_string_equal(meta1, meta2);
	collect_not_modified(s, NOW + 60);
	assert_int_equal(requests(), 8);
	assert_true(request_has(7, "If-None-Match: \"g1\""));
	free(body1);
	free(meta1);
	free(body2);
	free(meta2);
	conf_free(c);
}

/* Bodies that are not the document: refused with the URL (and line),
 * nothing cached; after a good one, the good one stays cached. */
static void
test_refused_bodies(void **state)
{
	size_t len;
	char *challenge = test_slurp(test_fixture("bad/cloudflare-js-challenge.txt"), &len);
	char *oracle = test_slurp(test_fixture("bad/oracle-html-error.json"), &len);
	char big[9000];
	memset(big, '#', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	const struct reply script[] = {
		{"200 OK", "ETag: \"h1\"\r\n", challenge},
		{"200 OK", NULL, "192.0.2.0/24\n192.0.2.0/33\n"},
		{"200 OK", NULL, big},
		{"200 OK", "ETag: \"ok\"\r\n", "192.0.2.0/24\n"},
		{"200 OK", "ETag: \"h2\"\r\n", challenge},
		{"304 Not Modified", NULL, NULL},
		{"200 OK", NULL, oracle},
	};
	struct conf *c = load_url("list.txt", "max_body = 8k\n");
	struct source *s = c->sources[0];
	struct source_result res;
	struct err err;
	char want[1024];

	(void)state;
	server_start(script, 7);
	collect_fails(s, NOW, "list.txt", "looks like an HTML page, not a list", 0);
	assert_false(state_file_exists("cache/s.body"));
	assert_false(state_file_exists("cache/s.meta"));
	/* The line is named.  (What the set holds after a failure is for the
	 * caller to drop: run.c does.) */
	assert_int_equal(collect(s, NOW, &res, &err), -1);
	snprintf(want, sizeof want, "%s/list.txt: line 2: prefix length out of range in "
		 "\"192.0.2.0/33\"", base);
	assert_string_equal(err.msg, want);
	pset_free(res.set);
	collect_fails(s, NOW, "list.txt", "body larger than max_body (8k, announced by Content-Length)",
		      0);
	assert_false(state_file_exists("cache/s.meta"));
	collect_ok(s, NOW, "list.txt", "192.0.2.0/24\n");
	save_last_good(c->sources[0], "192.0.2.0/24\n", NOW);
	/* HTML after a good document: the good one stays the cached copy… */
	collect_fails(s, NOW + 60, "list.txt", "looks like an HTML page, not a list", 0);
	char *body = cache_file("body", &len);
	assert_string_equal(body, "192.0.2.0/24\n");
	free(body);
	/* …and the next request is conditional on it. */
	collect_not_modified(s, NOW + 120);
	assert_true(request_has(5, "If-None-Match: \"ok\""));
	conf_free(c);

	/* An HTML error page where a JSON document was expected. */
	c = load_url("oracle.json", "select = $.prefixes[*].ip_prefix\n");
	collect_fails(c->sources[0], NOW, "oracle.json",
		      "looks like an HTML page, not a JSON document", 0);
	assert_int_equal(requests(), 7);
	assert_true(request_has(6, "GET /oracle.json HTTP/1.1"));
	conf_free(c);
	free(challenge);
	free(oracle);
}

/* A cache is trusted only for the same URL and an intact body: else the
 * request is a full one. */
static void
test_cache_distrust(void **state)
{
	const struct reply script[] = {
		{"200 OK", "ETag: \"t1\"\r\n", "192.0.2.0/24\n"},
		{"200 OK", "ETag: \"t2\"\r\n", "198.51.100.0/24\n"},
		{"200 OK", "ETag: \"t3\"\r\n", "203.0.113.0/24\n"},
		{"200 OK", "ETag: \"t4\"\r\n", "192.0.2.0/24\n"},
	};
	struct conf *c = load_url("list.txt", "");
	char path[1024], want[1200], *err;
	FILE *f;

	(void)state;
	server_start(script, 4);
	collect_ok(c->sources[0], NOW, "list.txt", "192.0.2.0/24\n");
	save_last_good(c->sources[0], "192.0.2.0/24\n", NOW);
	/* The body was changed behind our back. */
	snprintf(path, sizeof path, "%s/cache/s.body", state_dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("0.0.0.0/8\n", f);
	fclose(f);
	capture_stderr();
	collect_ok(c->sources[0], NOW + 60, "list.txt", "198.51.100.0/24\n");
	err = captured_stderr();
	snprintf(want, sizeof want,
		 "allowsync: warning: source \"s\": cached document %s does not match its digest: "
		 "ignored\n",
		 path);
	assert_string_equal(err, want);
	free(err);
	assert_false(request_has(1, "If-None-Match: \"t1\""));
	/* Another URL under the same source name. */
	conf_free(c);
	c = load_url("list.txt?v=2", "");
	collect_ok(c->sources[0], NOW + 120, "list.txt?v=2", "203.0.113.0/24\n");
	assert_true(request_has(2, "GET /list.txt?v=2 HTTP/1.1"));
	assert_false(request_has(2, "If-None-Match: \"t2\""));
	/* The meta shows no query value, yet tells the URLs apart. */
	size_t mlen;
	char *meta = cache_file("meta", &mlen);
	assert_non_null(strstr(meta, "list.txt?v=REDACTED\n"));
	assert_null(strstr(meta, "v=2"));
	free(meta);
	/* A meta file that is not ours. */
	snprintf(path, sizeof path, "%s/cache/s.meta", state_dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("garbage\n", f);
	fclose(f);
	collect_ok(c->sources[0], NOW + 180, "list.txt?v=2", "192.0.2.0/24\n");
	assert_int_equal(requests(), 4);
	char *log = request_log();
	assert_null(strstr(log, "If-None-Match"));
	free(log);
	conf_free(c);
}

/* ca_file per source: the source's own overrides [global]'s; and an
 * unreachable server is named as such. */
static void
test_transport_errors(void **state)
{
	const struct reply script[] = {{"200 OK", NULL, "192.0.2.0/24\n"}};
	char extra[1024], want[1024], url[128];
	struct conf *c;
	struct source_result res;
	struct err err;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;
	int dead;

	(void)state;
	server_start(script, 1);
	/* [global] trusts the test certificate; this source trusts another. */
	snprintf(extra, sizeof extra, "ca_file = %s\n", other_cert);
	c = load_url("list.txt", extra);
	assert_int_equal(collect(c->sources[0], NOW, &res, &err), -1);
	snprintf(want, sizeof want, "%s/list.txt: TLS certificate verification failed: ", base);
	if (strncmp(err.msg, want, strlen(want)) != 0)
		fail_msg("error \"%s\" does not start with \"%s\"", err.msg, want);
	pset_free(res.set);
	conf_free(c);
	/* No handshake completed, so nothing was asked; then the right CA. */
	assert_int_equal(requests(), 0);
	c = load_url("list.txt", "");
	collect_ok(c->sources[0], NOW, "list.txt", "192.0.2.0/24\n");
	conf_free(c);

	/* A port bound but never listened on refuses at once. */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((dead = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(dead, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(dead, (struct sockaddr *)&sa, &len), 0);
	snprintf(url, sizeof url, "https://127.0.0.1:%d/list.txt", ntohs(sa.sin_port));
	snprintf(extra, sizeof extra, "[source s]\ntype = url\nurl = %s\n", url);
	c = load(extra);
	assert_int_equal(collect(c->sources[0], NOW, &res, &err), -1);
	snprintf(want, sizeof want, "%s: connect: ", url);
	if (strncmp(err.msg, want, strlen(want)) != 0 || strchr(err.msg, '\n'))
		fail_msg("error \"%s\" does not start with \"%s\"", err.msg, want);
	assert_string_equal(res.origin, url);
	assert_int_equal(pset_total(res.set), 0);
	pset_free(res.set);
	conf_free(c);
	close(dead);
}

/* No state directory yet (a dry run before the first run): the document
 * is used, nothing is written, nothing is wrong. */
static void
test_no_state_dir(void **state)
{
	const struct reply script[] = {{"200 OK", "ETag: \"n1\"\r\n", "192.0.2.0/24\n"}};
	struct conf *c;
	char *err;
	struct stat sb;

	(void)state;
	snprintf(state_dir, sizeof state_dir, "%s/absent", test_dir);
	c = load_url("list.txt", "");
	server_start(script, 1);
	capture_stderr();
	collect_ok(c->sources[0], NOW, "list.txt", "192.0.2.0/24\n");
	err = captured_stderr();
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(stat(state_dir, &sb), -1);
	assert_int_equal(errno, ENOENT);
	conf_free(c);
}

/* ---- signed documents (pubkey) ---- */

static struct minisign_sk sk;
static char pub[MINISIGN_PK_B64_MAX];

static char *
sign(const char *body, const char *file, uint64_t serial, int64_t expires)
{
	char tc[256];
	struct err err;
	size_t n;
	char *sig;

	assert_int_equal(sigcheck_comment_format(tc, sizeof tc, NOW, file, serial, expires), 0);
	sig = minisign_sign(&sk, body, strlen(body), false, "test", tc, &n, &err);
	assert_non_null(sig);
	assert_int_equal(strlen(sig), n);
	return sig;
}

static struct conf *
load_signed(const char *extra)
{
	char text[1024];
	struct minisign_pk pk;

	assert_int_equal(minisign_generate(&pk, &sk), 0);
	minisign_pk_b64(&pk, pub);
	snprintf(text, sizeof text, "pubkey = %s\n%s", pub, extra);
	return load_url("relay.txt", text);
}

/* The signature is fetched beside the document and checked before the
 * body is parsed or cached; what was accepted is remembered. */
static void
test_signed(void **state)
{
	const char *doc = "192.0.2.0/24\n", *forged = "0.0.0.0/1\n";
	struct conf *c = load_signed("");
	char *sig = sign(doc, "relay.txt", 7, NOW + 86400);
	char *other = sign(doc, "other.txt", 8, NOW + 86400);
	const struct reply script[] = {
		{"200 OK", "ETag: \"s1\"\r\n", forged},
		{"200 OK", NULL, sig},
		{"200 OK", NULL, forged},
		{"404 Not Found", NULL, ""},
		{"200 OK", NULL, doc},
		{"200 OK", NULL, other},
		{"200 OK", "ETag: \"s2\"\r\n", doc},
		{"200 OK", NULL, sig},
	};
	struct source_result res;
	struct err err;
	char want[1024], *kept;
	size_t len;

	(void)state;
	server_start(script, 8);
	/* A body the signature does not cover. */
	assert_int_equal(collect(c->sources[0], NOW, &res, &err), -1);
	snprintf(want, sizeof want,
		 "%s/relay.txt.minisig: bad signature: the document does not match it (tampered?)",
		 base);
	assert_string_equal(err.msg, want);
	assert_int_equal(pset_total(res.set), 0);
	pset_free(res.set);
	assert_true(request_has(0, "GET /relay.txt HTTP/1.1"));
	assert_true(request_has(1, "GET /relay.txt.minisig HTTP/1.1"));
	assert_false(state_file_exists("cache/s.body"));
	assert_false(state_file_exists("sig/s.serial"));
	/* No signature published. */
	snprintf(want, sizeof want, "missing signature: %s/relay.txt.minisig: HTTP 404 Not Found",
		 base);
	assert_int_equal(collect(c->sources[0], NOW, &res, &err), -1);
	assert_string_equal(err.msg, want);
	pset_free(res.set);
	/* A good signature made for another of the publisher's documents. */
	assert_int_equal(collect(c->sources[0], NOW, &res, &err), -1);
	snprintf(want, sizeof want,
		 "%s/relay.txt.minisig: the signature was made for another document (its trusted "
		 "comment names another file): \"other.txt\"",
		 base);
	assert_string_equal(err.msg, want);
	pset_free(res.set);
	assert_false(state_file_exists("cache/s.body"));
	/* Signed: used, cached, and the serial and signature kept. */
	collect_ok(c->sources[0], NOW, "relay.txt", "192.0.2.0/24\n");
	assert_int_equal(requests(), 8);
	assert_int_equal(sigsrc_last_serial(state_dir, "s"), 7);
	snprintf(want, sizeof want, "%s/sig/s.minisig", state_dir);
	kept = test_slurp(want, &len);
	assert_string_equal(kept, sig);
	free(kept);
	kept = cache_file("body", &len);
	assert_string_equal(kept, doc);
	free(kept);
	free(sig);
	free(other);
	minisign_sk_wipe(&sk);
	conf_free(c);
}

/* refresh with a signed document: the kept signature vouches for the
 * cached body without a request until it expires; then the server is
 * asked after all (conditionally) and a fresh signature fetched. */
static void
test_signed_refresh(void **state)
{
	const char *doc = "192.0.2.0/24\n";
	struct conf *c = load_signed("refresh = 1d\n");
	char *sig1 = sign(doc, "relay.txt", 10, NOW + 3600);
	char *sig2 = sign(doc, "relay.txt", 11, NOW + 7 * 86400);
	const struct reply script[] = {
		{"200 OK", "ETag: \"e1\"\r\n", doc},
		{"200 OK", NULL, sig1},
		{"304 Not Modified", NULL, NULL},
		{"200 OK", NULL, sig2},
	};
	char path[1024], *kept;
	size_t len;

	(void)state;
	server_start(script, 4);
	collect_ok(c->sources[0], NOW, "relay.txt", "192.0.2.0/24\n");
	save_last_good(c->sources[0], "192.0.2.0/24\n", NOW);
	collect_not_modified(c->sources[0], NOW + 1800);
	assert_int_equal(requests(), 2);
	/* The kept signature expired at NOW + 3600. */
	collect_not_modified(c->sources[0], NOW + 3600);
	assert_int_equal(requests(), 4);
	assert_true(request_has(2, "GET /relay.txt HTTP/1.1"));
	assert_true(request_has(2, "If-None-Match: \"e1\""));
	assert_true(request_has(3, "GET /relay.txt.minisig HTTP/1.1"));
	assert_int_equal(sigsrc_last_serial(state_dir, "s"), 11);
	snprintf(path, sizeof path, "%s/sig/s.minisig", state_dir);
	kept = test_slurp(path, &len);
	assert_string_equal(kept, sig2);
	free(kept);
	free(sig1);
	free(sig2);
	minisign_sk_wipe(&sk);
	conf_free(c);
}

/* What a file of the state directory is: inode and mtime, to the ns. */
struct file_id {
	ino_t ino;
	struct timespec mtime;
};

static void
state_ids(const char *const *rel, struct file_id *ids)
{
	char path[1024];
	struct stat sb;

	for (size_t i = 0; rel[i]; i++) {
		snprintf(path, sizeof path, "%s/%s", state_dir, rel[i]);
		if (stat(path, &sb) != 0)
			fail_msg("%s: %s", path, strerror(errno));
		ids[i].ino = sb.st_ino;
		ids[i].mtime = sb.st_mtim;
	}
}

/* An edge's warm run: the document answered 304 means no signature
 * request and nothing of the source's state written; document and
 * signature share one connection; a new document's signature is asked
 * conditionally, and a new document beside the old signature is
 * refused (asked once more unconditionally first: the kept copy may not
 * be what the ETag named). */
static void
test_signed_warm(void **state)
{
	const char *doc = "192.0.2.0/24\n", *doc2 = "192.0.2.0/24\n198.51.100.0/24\n";
	struct conf *c = load_signed("");
	char *sig = sign(doc, "relay.txt", 7, NOW + 86400);
	char *sig2 = sign(doc2, "relay.txt", 8, NOW + 86400);
	const struct reply script[] = {
		{"+200 OK", "ETag: \"d1\"\r\n", doc},
		{"200 OK", "ETag: \"g1\"\r\n", sig},
		{"304 Not Modified", NULL, NULL},
		{"304 Not Modified", NULL, NULL},
		{"+200 OK", "ETag: \"d2\"\r\n", doc2},
		{"+304 Not Modified", NULL, NULL},
		{"200 OK", "ETag: \"g1\"\r\n", sig},
		{"+200 OK", "ETag: \"d2\"\r\n", doc2},
		{"200 OK", "ETag: \"g2\"\r\n", sig2},
	};
	const char *const files[] = {"cache/s.body", "cache/s.meta", "sig/s.minisig",
				     "sig/s.serial", "sig/s.verified", "sources/s.list", NULL};
	struct file_id before[6], after[6];
	struct source_result res;
	struct err err;
	char want[1024];

	(void)state;
	server_start(script, 9);
	collect_ok(c->sources[0], NOW, "relay.txt", "192.0.2.0/24\n");
	assert_int_equal(requests(), 2);
	assert_int_equal(connections(), 1);
	assert_true(request_has(1, "GET /relay.txt.minisig HTTP/1.1"));
	save_last_good(c->sources[0], "192.0.2.0/24\n", NOW);
	state_ids(files, before);
	/* Warm, twice: one request each, nothing written. */
	collect_not_modified(c->sources[0], NOW + 3600);
	collect_not_modified(c->sources[0], NOW + 7200);
	assert_int_equal(requests(), 4);
	assert_true(request_has(3, "If-None-Match: \"d1\""));
	state_ids(files, after);
	for (size_t i = 0; files[i]; i++)
		if (before[i].ino != after[i].ino || before[i].mtime.tv_sec != after[i].mtime.tv_sec ||
		    before[i].mtime.tv_nsec != after[i].mtime.tv_nsec)
			fail_msg("warm run rewrote %s", files[i]);
	/* A new document beside the old signature. */
	assert_int_equal(collect(c->sources[0], NOW + 7300, &res, &err), -1);
	snprintf(want, sizeof want,
		 "%s/relay.txt.minisig: bad signature: the document does not match it (tampered?)",
		 base);
	assert_string_equal(err.msg, want);
	pset_free(res.set);
	assert_int_equal(requests(), 7);
	assert_true(request_has(5, "GET /relay.txt.minisig HTTP/1.1"));
	assert_true(request_has(5, "If-None-Match: \"g1\""));
	assert_false(request_has(6, "If-None-Match: \"g1\""));
	/* The new document with its signature: one connection. */
	collect_ok(c->sources[0], NOW + 7400, "relay.txt", "192.0.2.0/24\n198.51.100.0/24\n");
	assert_int_equal(requests(), 9);
	assert_true(request_has(8, "If-None-Match: \"g1\""));
	assert_int_equal(connections(), 5);
	assert_int_equal(sigsrc_last_serial(state_dir, "s"), 8);
	free(sig);
	free(sig2);
	minisign_sk_wipe(&sk);
	conf_free(c);
}

/* ---- secrets: auth_file, userinfo, query tokens ---- */

static const char *
auth_file(const char *text, mode_t mode)
{
	static char path[600];
	FILE *f;

	snprintf(path, sizeof path, "%s/auth", test_dir);
	unlink(path);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

/* No file under the state directory holds `secret`. */
static void
state_lacks(const char *secret)
{
	char cmd[1200];

	snprintf(cmd, sizeof cmd, "grep -rqF '%s' '%s'", secret, state_dir);
	if (system(cmd) == 0)
		fail_msg("\"%s\" is in the state directory %s", secret, state_dir);
}

static void
test_secrets_configure(void **state)
{
	char text[2048], want[1024];
	const char *path;

	(void)state;
	/* Userinfo: refused, and the refusal does not repeat it. */
	refused("[source s]\ntype = url\nurl = https://alice:s3cret@a.example/x\n", 7,
		"[source s] url: credentials in the URL are refused; put them in a file named by "
		"auth_file (mode 0600)");
	refused("[source s]\ntype = url\nurl = http://alice:s3cret@a.example/x\n", 7,
		"[source s] url: credentials in the URL are refused; put them in a file named by "
		"auth_file (mode 0600)");
	/* Query values never in a refusal either. */
	refused("[source s]\ntype = url\nurl = https://a.example/x y?token=s3cret\n", 7,
		"[source s] url = https://a.example/x y?token=REDACTED: only https:// URLs are "
		"fetched");
	refused("[source s]\ntype = url\nurl = https://a.example/x\n"
		"proxy = http://u:s3cret@proxy.example:3128 x\n",
		8, "[source s] proxy = http://REDACTED@proxy.example:3128 x: not a proxy URL");

	/* auth_file: a private file, or refused at configure. */
	path = auth_file("alice:s3cret\n", 0644);
	snprintf(text, sizeof text, "[source s]\ntype = url\nurl = https://a.example/x\n"
				    "auth_file = %s\n", path);
	snprintf(want, sizeof want,
		 "[source s] auth_file = %s: group or others have access (mode 0644): chmod 600 it",
		 path);
	refused(text, 8, want);
	snprintf(text, sizeof text, "[source s]\ntype = url\nurl = https://a.example/x\n"
				    "auth_file = %s/none\n", test_dir);
	snprintf(want, sizeof want, "[source s] auth_file = %s/none: No such file or directory",
		 test_dir);
	refused(text, 8, want);
	refused("[source s]\ntype = url\nurl = https://a.example/x\nauth_file =\n", 8,
		"[source s] auth_file = : names no file");
	path = auth_file("alice:s3cret\n", 0600);
	snprintf(text, sizeof text, "auth_file = %s\n", path);
	conf_free(load_url("x", text));

	/* pubkey that is neither a file nor a key says so. */
	refused("[source s]\ntype = url\nurl = https://a.example/x\npubkey = RWQnope\n", 8,
		"[source s] pubkey = RWQnope: neither a readable file nor a minisign public key "
		"(as a file: No such file or directory; as a key: not a minisign public key (bad "
		"base64 or length))");
	snprintf(text, sizeof text, "[source s]\ntype = url\nurl = https://a.example/x\n"
				    "pubkey = %s\n", path);
	snprintf(want, sizeof want,
		 "[source s] pubkey = %s: a readable file but not a minisign public key: not a "
		 "minisign public key (bad base64 or length)",
		 path);
	refused(text, 8, want);
	refused("[source s]\ntype = url\nurl = https://a.example/x\npubkey = RWQnope\n"
		"sig_url = https://u:s3cret@a.example/x.sig\n",
		8, "[source s] pubkey = RWQnope: neither a readable file nor a minisign public key "
		   "(as a file: No such file or directory; as a key: not a minisign public key (bad "
		   "base64 or length))");
}

static void
test_auth_file(void **state)
{
	char loc[256], host[128], text[700];
	const struct reply script[] = {
		{"200 OK", NULL, "192.0.2.0/24\n"},
		{"200 OK", NULL, "192.0.2.0/24\n"},
		{"302 Found", loc, ""},
		{"200 OK", NULL, "198.51.100.0/24\n"},
	};
	const char *path = auth_file("alice:s3cret\n", 0600);
	struct source_result res;
	struct err err;

	(void)state;
	/* Another host name for the same server: libcurl must not follow
	 * with the credentials. */
	snprintf(loc, sizeof loc, "Location: https://localhost:%s/moved.txt\r\n",
		 strrchr(base, ':') + 1);
	snprintf(host, sizeof host, "Host: localhost:%s", strrchr(base, ':') + 1);
	snprintf(text, sizeof text, "auth_file = %s\n", path);
	struct conf *c = load_url("list.txt", text);
	server_start(script, 4);

	/* HTTP Basic: base64("alice:s3cret"). */
	collect_ok(c->sources[0], NOW, "list.txt", "192.0.2.0/24\n");
	assert_true(request_has(0, "Authorization: Basic YWxpY2U6czNjcmV0"));
	state_lacks("s3cret");
	state_lacks("YWxpY2U6czNjcmV0");

	/* Read at each collect: a header line now. */
	auth_file("Authorization: Bearer t0ken-xyz\n", 0600);
	collect_ok(c->sources[0], NOW + 60, "list.txt", "192.0.2.0/24\n");
	assert_true(request_has(1, "Authorization: Bearer t0ken-xyz"));
	assert_false(request_has(1, "Authorization: Basic YWxpY2U6czNjcmV0"));
	state_lacks("t0ken-xyz");

	/* A redirect to another host: followed, without the credentials. */
	assert_int_equal(collect(c->sources[0], NOW + 120, &res, &err), 0);
	pset_free(res.set);
	assert_true(request_has(2, "Authorization: Bearer t0ken-xyz"));
	assert_true(request_has(3, "GET /moved.txt HTTP/1.1"));
	assert_true(request_has(3, host));
	assert_false(request_has(3, "Authorization: Bearer t0ken-xyz"));
	assert_int_equal(requests(), 4);

	/* Opened up since: refused at collect, before any request; the
	 * message names the file, not what it holds. */
	auth_file("Authorization: Bearer t0ken-xyz\n", 0604);
	assert_int_equal(collect(c->sources[0], NOW + 180, &res, &err), -1);
	pset_free(res.set);
	snprintf(text, sizeof text,
		 "auth_file: %s: group or others have access (mode 0604): chmod 600 it", path);
	assert_string_equal(err.msg, text);
	assert_int_equal(requests(), 4);
	conf_free(c);
}

static void
test_query_token(void **state)
{
	const struct reply script[] = {
		{"500 Internal Server Error", NULL, "oops"},
		{"200 OK", "ETag: \"q1\"\r\n", "192.0.2.0/24\n"},
		{"200 OK", NULL, "198.51.100.0/24\n"},
	};
	struct conf *c = load_url("list.txt?token=s3cret&v=1", "");

	(void)state;
	server_start(script, 3);
	collect_fails(c->sources[0], NOW, "list.txt?token=REDACTED&v=REDACTED",
		      "HTTP 500 Internal Server Error", 0);
	/* Sent as configured, shown redacted (collect_ok: the origin). */
	collect_ok(c->sources[0], NOW + 60, "list.txt?token=s3cret&v=1", "192.0.2.0/24\n");
	assert_true(request_has(1, "GET /list.txt?token=s3cret&v=1 HTTP/1.1"));
	state_lacks("s3cret");
	/* Another token: the same redacted URL, yet another cache. */
	conf_free(c);
	c = load_url("list.txt?token=0th3r&v=1", "");
	collect_ok(c->sources[0], NOW + 120, "list.txt?token=0th3r&v=1", "198.51.100.0/24\n");
	assert_false(request_has(2, "If-None-Match: \"q1\""));
	state_lacks("0th3r");
	conf_free(c);
}

/* A signed source with auth_file: the signature beside the document gets
 * the credentials, a sig_url on another host does not. */
static void
test_auth_signed(void **state)
{
	const char *doc = "192.0.2.0/24\n";
	const char *path = auth_file("Authorization: Bearer t0ken-xyz\n", 0600);
	char extra[1024], host[128];
	const char *port = strrchr(base, ':') + 1;

	(void)state;
	snprintf(extra, sizeof extra, "auth_file = %s\n", path);
	struct conf *c = load_signed(extra);
	char *sig = sign(doc, "relay.txt", 7, NOW + 86400);
	char *sig2 = sign(doc, "relay.txt", 8, NOW + 86400);
	const struct reply script[] = {
		{"200 OK", NULL, doc},
		{"200 OK", NULL, sig},
		{"200 OK", NULL, doc},
		{"200 OK", NULL, sig2},
	};
	server_start(script, 4);
	collect_ok(c->sources[0], NOW, "relay.txt", doc);
	assert_true(request_has(0, "Authorization: Bearer t0ken-xyz"));
	assert_true(request_has(1, "GET /relay.txt.minisig HTTP/1.1"));
	assert_true(request_has(1, "Authorization: Bearer t0ken-xyz"));
	conf_free(c);
	minisign_sk_wipe(&sk);

	/* The same key, its signature elsewhere. */
	snprintf(extra, sizeof extra,
		 "pubkey = %s\nauth_file = %s\nsig_url = https://localhost:%s/sigs/relay.txt.minisig\n",
		 pub, path, port);
	c = load_url("relay.txt", extra);
	collect_ok(c->sources[0], NOW + 60, "relay.txt", doc);
	assert_true(request_has(2, "Authorization: Bearer t0ken-xyz"));
	snprintf(host, sizeof host, "Host: localhost:%s", port);
	assert_true(request_has(3, "GET /sigs/relay.txt.minisig HTTP/1.1"));
	assert_true(request_has(3, host));
	assert_false(request_has(3, "Authorization: Bearer t0ken-xyz"));
	state_lacks("t0ken-xyz");
	free(sig);
	free(sig2);
	conf_free(c);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)
	const struct CMUnitTest tests[] = {
		T(test_configure),     T(test_fetch),          T(test_fetch_json),
		T(test_not_modified),  T(test_304_reparses),   T(test_304_new_select),
		T(test_refresh),       T(test_no_validators),  T(test_http_status),
		T(test_refused_bodies), T(test_cache_distrust), T(test_transport_errors),
		T(test_no_state_dir),  T(test_signed),         T(test_signed_refresh), T(test_signed_warm),
		T(test_secrets_configure), T(test_auth_file),  T(test_query_token),
		T(test_auth_signed),   T(test_tls_shared),
	};
#undef T
	return cmocka_run_group_tests_name("src_url", tests, group_setup, group_teardown);
}
