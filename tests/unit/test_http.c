/* Unit tests: http — what needs no server: Retry-After parsing, refusal
 * of non-https URLs, and failures on loopback named with the URL.  The
 * transfers themselves are tested against real HTTPS servers in
 * tests/integration/url_*. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void
test_retry_after(void **state)
{
	const time_t now = 1764280000; /* 2025-11-27 */

	(void)state;
	assert_int_equal(http_parse_retry_after("120", now), now + 120);
	assert_int_equal(http_parse_retry_after("0", now), now);
	/* Capped: a publisher cannot silence a source for months. */
	assert_int_equal(http_parse_retry_after("99999999", now), now + HTTP_RETRY_AFTER_MAX);
	assert_int_equal(http_parse_retry_after("99999999999999999999999", now),
			 now + HTTP_RETRY_AFTER_MAX);
	/* HTTP-date: in the past means now, in the future as given. */
	assert_int_equal(http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), now);
	assert_int_equal(http_parse_retry_after("Thu, 27 Nov 2025 22:00:00 GMT", now), 1764280800);
	assert_int_equal(http_parse_retry_after("Sat, 27 Dec 2025 22:00:00 GMT", now),
			 now + HTTP_RETRY_AFTER_MAX);
	assert_int_equal(http_parse_retry_after("12x", now), 0);
	assert_int_equal(http_parse_retry_after("", now), 0);
	assert_int_equal(http_parse_retry_after(NULL, now), 0);
	assert_int_equal(http_parse_retry_after("soon", now), 0);
}

static void
test_https_only(void **state)
{
	struct http_req req = {.url = "http://127.0.0.1:9/x", .timeout = 2, .max_body = 1024};
	struct http_resp resp;
	struct err err;

	(void)state;
	assert_int_equal(http_get(&req, 0, &resp, &err), HTTP_FAIL);
	assert_string_equal(err.msg, "http://127.0.0.1:9/x: not an https:// URL");
	assert_null(resp.body);
	http_resp_clear(&resp);
	req.url = "ftp://127.0.0.1/x";
	assert_int_equal(http_get(&req, 0, &resp, &err), HTTP_FAIL);
	assert_non_null(strstr(err.msg, "not an https:// URL"));
	http_resp_clear(&resp);
	http_resp_clear(NULL);
}

/* A port on loopback nobody listens on: bound, never listened. */
static int
dead_port(int *fd)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*fd >= 0);
	assert_int_equal(bind(*fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&sa, &len), 0);
	return ntohs(sa.sin_port);
}

static void
test_connect_refused(void **state)
{
	char url[64];
	int fd, port = dead_port(&fd);
	struct http_req req = {.url = url, .timeout = 3, .max_body = 1024};
	struct http_resp resp;
	struct err err;

	(void)state;
	snprintf(url, sizeof url, "https://127.0.0.1:%d/ranges.json", port);
	assert_int_equal(http_get(&req, 0, &resp, &err), HTTP_FAIL);
	assert_true(strncmp(err.msg, url, strlen(url)) == 0);
	assert_non_null(strstr(err.msg, ": connect: "));
	assert_null(strchr(err.msg, '\n'));
	http_resp_clear(&resp);
	close(fd);
}

/* A request whose collect's deadline has passed is not made at all. */
static void
test_deadline_passed(void **state)
{
	char url[64];
	int fd, port = dead_port(&fd);
	struct http_req req = {.url = url, .timeout = 3, .max_body = 1024,
			       .deadline_ms = http_now_ms() - 1};
	struct http_resp resp;
	struct err err;

	(void)state;
	snprintf(url, sizeof url, "https://127.0.0.1:%d/x.minisig", port);
	assert_int_equal(http_get(&req, 0, &resp, &err), HTTP_FAIL);
	assert_true(strncmp(err.msg, url, strlen(url)) == 0);
	assert_non_null(strstr(err.msg, ": timeout: the source's timeout ran out before this request"));
	http_resp_clear(&resp);
	close(fd);
}

/* A server that accepts and closes at once: the TLS handshake fails. */
static void
test_not_tls(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;
	struct http_req req = {.timeout = 3, .max_body = 1024};
	struct http_resp resp;
	struct err err;
	char url[64];
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;

	(void)state;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(url, sizeof url, "https://127.0.0.1:%d/", ntohs(sa.sin_port));
	req.url = url;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int c = accept(fd, NULL, NULL);
		static const char junk[] = "HTTP/1.0 200 OK\r\n\r\nplain text, no TLS\n";

		if (c >= 0) {
			if (write(c, junk, sizeof junk - 1) < 0)
				_exit(1);
			close(c);
		}
		_exit(0);
	}
	assert_int_equal(http_get(&req, 0, &resp, &err), HTTP_FAIL);
	assert_non_null(strstr(err.msg, url));
	assert_non_null(strstr(err.msg, "TLS"));
	http_resp_clear(&resp);
	waitpid(pid, NULL, 0);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_https_only),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_deadline_passed),
		cmocka_unit_test(test_not_tls),
	};
	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
