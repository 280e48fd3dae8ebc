/*
 * Fuzz target: detached signatures on bureau decisions (lib/sig.h): the
 * .p7s / .sig file next to a decision in the spool.  Input: one byte of
 * flags, then the signature file's bytes.
 *
 *   bit 0   kind: 0 CMS (.p7s, DER or PEM), 1 raw SM2 (.sig)
 *   bit 1   the signed data is empty instead of the decision below
 *
 * The bureau's certificate file is fixed: the RSA, EC and SM2 signer
 * certificates below (issued by a throwaway CA, valid 2026-2126, keys not
 * kept), written to a private file at startup.  The seeds are real
 * signatures by those keys (README.md says how they were made), so the
 * fuzzer starts from inputs that verify.  Checks: the result is one of the
 * enum's values, and the subject is set on GPC_SIG_OK only.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "sig.h"

/* 2027-12-29: inside the certificates' validity */
#define NOW ((int64_t)1830000000)

static const char decision[] =
	"{ \"type\": \"gpcgate.decision/1\", \"id\": \"150102-D-000001\", \"issuer\": \"150102\",\n"
	"  \"issued_at\": \"2026-11-10T09:00:00+08:00\", \"action\": \"approve\",\n"
	"  \"application\": \"APP-0001\" }\n";

static const char certs[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIICljCCAjygAwIBAgIBCzAKBggqhkjOPQQDAjA2MQswCQYDVQQGEwJDTjEVMBMG\n"
	"A1UECgwMZ3BjZ2F0ZSBmdXp6MRAwDgYDVQQDDAdmdXp6IENBMCAXDTI2MTEyOTEy\n"
	"MDkyM1oYDzIxMjYxMTA1MTIwOTIzWjBEMQswCQYDVQQGEwJDTjEbMBkGA1UECgwS\n"
	"5paw5Z+O5Yy66LSi5pS/5bGAMRgwFgYDVQQDDA9mdXp6IHJzYSBzaWduZXIwggEi\n"
	"MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQCaMnrJMXNevssHb/iN+s1gbGb9\n"
	"tYPFpZgCtsjYVGLdL2EqKSBQiCj089mf91shm3wAqn8IlGn9cZcDPfc+AfbqQ7M1\n"
	"V7YpAWQOWYzoA29F+kEB26QBCn+wNHplHL5BA6JR26l8tfws+hSn+XvOWrRebr8M\n"
	"0tRRlXDPzhIWjeYoyGV3oYgyHBxQICTzOxbs8I8M+IcMdaJKewG9gtaOgQv86GGx\n"
	"0SGLJNjZ14UpSXiupsqLY86nulnrX5NqX68io2gn6TSpKNO6VIXXC3bThb/HUmE/\n"
	"+BIpDNwZLh7/3tktR6DIZ0IlHmdq4na5sV10a+7WKOi79QdYY0Xk8Iev9LJ3AgMB\n"
	"AAGjYDBeMAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgbAMB0GA1UdDgQWBBRl\n"
	"k7CTQv11OWDnYh94F3MM+5NPozAfBgNVHSMEGDAWgBQWoUHpnumRw7FROuiRrSen\n"
	"koPNuTAKBggqhkjOPQQDAgNIADBFAiBIe1F0uvGVsrgfQBT3ErI6cyCFW/VblRZw\n"
	"oVfYzyn9HgIhAPy6M2J7yW4P4PfVO10dlP6U1syzNB7ik8RCjMPiu7zf\n"
	"-----END CERTIFICATE-----\n"
	"-----BEGIN CERTIFICATE-----\n"
	"MIIByjCCAXCgAwIBAgIBDDAKBggqhkjOPQQDAjA2MQswCQYDVQQGEwJDTjEVMBMG\n"
	"A1UECgwMZ3BjZ2F0ZSBmdXp6MRAwDgYDVQQDDAdmdXp6IENBMCAXDTI2MTEyOTEy\n"
	"MDkyM1oYDzIxMjYxMTA1MTIwOTIzWjBDMQswCQYDVQQGEwJDTjEbMBkGA1UECgwS\n"
	"5paw5Z+O5Yy66LSi5pS/5bGAMRcwFQYDVQQDDA5mdXp6IGVjIHNpZ25lcjBZMBMG\n"
	"ByqGSM49AgEGCCqGSM49AwEHA0IABO85PKVt1T5pR5NW+hzrDulEiKDO5hFHqnzl\n"
	"Zt6VRkwekIFU8FAg44W9lSrsnWFjUPlh+8ZRbqz4xIa3M+o5lpqjYDBeMAwGA1Ud\n"
	"EwEB/wQCMAAwDgYDVR0PAQH/BAQDAgbAMB0GA1UdDgQWBBRNuYu8S5OwrbUlxz28\n"
	"HZmkC/r4wTAfBgNVHSMEGDAWgBQWoUHpnumRw7FROuiRrSenkoPNuTAKBggqhkjO\n"
	"PQQDAgNIADBFAiEAx5HknU88SyPkUDhI34mKJK2l1fBH+6bxdhAgXl97IqoCIBIe\n"
	"joFi6obbMuzJWEWYWw66oOBtqLR/ic+DswNlt2zG\n"
	"-----END CERTIFICATE-----\n"
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBzDCCAXGgAwIBAgIBDTAKBggqhkjOPQQDAjA2MQswCQYDVQQGEwJDTjEVMBMG\n"
	"A1UECgwMZ3BjZ2F0ZSBmdXp6MRAwDgYDVQQDDAdmdXp6IENBMCAXDTI2MTEyOTEy\n"
	"MDkyM1oYDzIxMjYxMTA1MTIwOTIzWjBEMQswCQYDVQQGEwJDTjEbMBkGA1UECgwS\n"
	"5paw5Z+O5Yy66LSi5pS/5bGAMRgwFgYDVQQDDA9mdXp6IHNtMiBzaWduZXIwWTAT\n"
	"BgcqhkjOPQIBBggqgRzPVQGCLQNCAATXm/YWMBU5Nld821tK9bg1VyXh7KMTIfs7\n"
	"xN/yrPy6XGM4/mozJuTLEBo/zNnJZTPPPzD6I4x6Ps/eeEjPV6LSo2AwXjAMBgNV\n"
	"HRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIGwDAdBgNVHQ4EFgQUS4QgTT2kub4rjXoY\n"
	"hjgzLj7rfAEwHwYDVR0jBBgwFoAUFqFB6Z7pkcOxUTroka0np5KDzbkwCgYIKoZI\n"
	"zj0EAwIDSQAwRgIhAI5qS875QoQPid5AS7GNYnBn0snZ2/pC3+sj+sP8UhDoAiEA\n"
	"mKo/AVgQB5VoiOTxA+yBwU+xyud0lYCGpSSFVZw3mOE=\n"
	"-----END CERTIFICATE-----\n";

static char cert_file[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(cert_file, sizeof(cert_file), "%s/bureau.pem", fuzz_tmpdir());
	fuzz_write_file(cert_file, certs, sizeof(certs) - 1, 0644);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum gpc_sig_result r;
	enum gpc_sig_kind kind;
	char subject[256];
	int empty;

	if (size < 1)
		return 0;
	kind = (data[0] & 1) ? GPC_SIG_KIND_SM2 : GPC_SIG_KIND_CMS;
	empty = (data[0] & 2) != 0;
	memset(subject, 'x', sizeof(subject));
	r = gpc_sig_verify(empty ? NULL : (const unsigned char *)decision,
	    empty ? 0 : sizeof(decision) - 1, data + 1, size - 1, kind, cert_file, NOW,
	    subject, sizeof(subject));
	FUZZ_CHECK(r >= GPC_SIG_OK && r <= GPC_SIG_ERROR);
	FUZZ_CHECK(r != GPC_SIG_MISSING && r != GPC_SIG_NO_CERT);
	FUZZ_CHECK(memchr(subject, '\0', sizeof(subject)) != NULL);
	FUZZ_CHECK(r == GPC_SIG_OK ? subject[0] != '\0' : subject[0] == '\0');
	FUZZ_CHECK(strcmp(gpc_sig_result_code(r), "unknown") != 0);
	return 0;
}
