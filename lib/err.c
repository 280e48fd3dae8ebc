#include "err.h"

const char *
gpc_strerror(int err)
{
	switch (err) {
	case GPC_OK: return "success";
	case GPC_ERR_INVAL: return "invalid argument";
	case GPC_ERR_NOMEM: return "out of memory";
	case GPC_ERR_IO: return "input/output error";
	case GPC_ERR_CONFIG: return "configuration error";
	case GPC_ERR_PERM: return "insecure file permissions";
	case GPC_ERR_UNAVAIL: return "directory unavailable";
	case GPC_ERR_TIMEOUT: return "timed out";
	case GPC_ERR_TLS: return "TLS failure";
	case GPC_ERR_LDAP: return "directory operation failed";
	case GPC_ERR_NOTFOUND: return "not found";
	case GPC_ERR_AMBIGUOUS: return "more than one entry matched";
	case GPC_ERR_BADPASS: return "invalid credentials";
	case GPC_ERR_BADCODE: return "wrong verification code";
	case GPC_ERR_REPLAY: return "verification code already used";
	case GPC_ERR_CONFLICT: return "concurrent update lost";
	case GPC_ERR_LOCKED: return "account locked";
	case GPC_ERR_NOTENROLLED: return "no authenticator enrolled";
	case GPC_ERR_STATE: return "account or unit not active";
	case GPC_ERR_CRYPTO: return "cryptographic failure";
	case GPC_ERR_BADSEAL: return "sealed value does not verify";
	case GPC_ERR_BADSIG: return "bad signature";
	case GPC_ERR_FORMAT: return "malformed input";
	case GPC_ERR_EXISTS: return "already exists";
	case GPC_ERR_DENIED: return "insufficient access";
	case GPC_ERR_KEY: return "key missing or invalid";
	case GPC_ERR_AGAIN: return "waiting for an earlier document";
	}
	return "unknown error";
}
