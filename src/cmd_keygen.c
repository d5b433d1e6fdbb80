/* cmd_keygen — `allowsync keygen -p PUBFILE -s SECFILE`. */
#include "cmd.h"
#include "minisign.h"

#include <getopt.h>
#include <stdio.h>

int
cmd_keygen(int argc, char **argv, const struct global_opts *g)
{
	static const struct option longopts[] = {
		{"public", required_argument, NULL, 'p'},
		{"secret", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *pubfile = NULL, *secfile = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "p:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pubfile = optarg;
			break;
		case 's':
			secfile = optarg;
			break;
		case 'h':
			return cmd_usage(argv[0], stdout);
		default:
			return cmd_usage(argv[0], stderr);
		}
	}
	if (!pubfile || !secfile || optind != argc)
		return cmd_usage(argv[0], stderr);
	struct minisign_pk pk;
	struct err err;
	if (minisign_keygen_files(pubfile, secfile, &pk, &err) < 0) {
		fprintf(stderr, "allowsync: keygen: %s\n", err.msg);
		return EXIT_FAIL;
	}
	if (g->verbosity >= 0) {
		char b64[MINISIGN_PK_B64_MAX], id[17];
		minisign_pk_b64(&pk, b64);
		minisign_keyid_str(pk.keynum, id);
		printf("key id %s\nsecret key: %s (keep it secret)\npublic key: %s\n"
		       "consumers configure:  pubkey = %s\n",
		       id, secfile, pubfile, b64);
	}
	return EXIT_OK;
}
