/* libFuzzer: the minisign readers (signature, public and secret key
 * files) and the trusted-comment parser never crash on any input and
 * always say why they refuse. */
#include "minisign.h"
#include "sigcheck.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fixed key: the verifier must get as far as the signature check. */
static const char PUB[] = "RWSYAAPk5cbQPCUld7SEXnMRaS1XDZ7u8B9h1T5NtUY/uJQ/X1hMZ0w1";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct minisign_pk pk, any;
	struct minisign_sk sk;
	struct err reason = {0};
	char tc[256];

	if (minisign_pk_parse(PUB, strlen(PUB), &pk) != NULL)
		abort();
	enum minisign_status st =
		minisign_verify(&pk, "m", 1, (const char *)data, size, tc, sizeof tc, &reason);
	if (st != MINISIGN_OK && !reason.msg[0])
		abort();
	if (st == MINISIGN_OK && strlen(tc) >= sizeof tc)
		abort();
	if (minisign_pk_parse((const char *)data, size, &any) == NULL) {
		/* What parses formats back to the same key. */
		char b64[MINISIGN_PK_B64_MAX];
		struct minisign_pk again;
		minisign_pk_b64(&any, b64);
		if (minisign_pk_parse(b64, strlen(b64), &again) != NULL ||
		    memcmp(&any, &again, sizeof any) != 0)
			abort();
	}
	if (minisign_sk_parse((const char *)data, size, &sk) == NULL)
		minisign_sk_wipe(&sk);

	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct sigcheck_info info;
	const char *why = sigcheck_comment_parse(s, &info);
	if (!why && info.serial == 0)
		abort();
	free(s);
	return 0;
}
