/*
 * gpcgate — error codes shared by the core library and its front ends.
 *
 * Every fallible function in lib/ returns GPC_OK (0) or one of the negative
 * GPC_ERR_* codes below.  Codes from LDAP, liboath, libconfig and OpenSSL are
 * translated where they are called; gpc_strerror() names a code for logs.
 */
#ifndef GPC_ERR_H
#define GPC_ERR_H

enum {
	GPC_OK = 0,
	GPC_ERR_INVAL = -1,      /* a caller passed something malformed */
	GPC_ERR_NOMEM = -2,      /* allocation failed */
	GPC_ERR_IO = -3,         /* a file could not be read or written */
	GPC_ERR_CONFIG = -4,     /* configuration unreadable or invalid */
	GPC_ERR_PERM = -5,       /* a file is writable or readable by others */
	GPC_ERR_UNAVAIL = -6,    /* no directory server could be reached */
	GPC_ERR_TIMEOUT = -7,    /* an operation did not finish in time */
	GPC_ERR_TLS = -8,        /* TLS negotiation or certificate check failed */
	GPC_ERR_LDAP = -9,       /* the directory refused an operation */
	GPC_ERR_NOTFOUND = -10,  /* no such entry */
	GPC_ERR_AMBIGUOUS = -11, /* more than one entry where one was expected */
	GPC_ERR_BADPASS = -12,   /* invalid credentials */
	GPC_ERR_BADCODE = -13,   /* wrong verification code or outside the window */
	GPC_ERR_REPLAY = -14,    /* the code's step is at or below the last accepted */
	GPC_ERR_CONFLICT = -15,  /* a compare-and-swap lost a race */
	GPC_ERR_LOCKED = -16,    /* the account is locked out */
	GPC_ERR_NOTENROLLED = -17, /* no seed stored for the account */
	GPC_ERR_STATE = -18,     /* the account or unit is not in a usable state */
	GPC_ERR_CRYPTO = -19,    /* a cryptographic primitive failed */
	GPC_ERR_BADSEAL = -20,   /* a sealed value did not verify */
	GPC_ERR_BADSIG = -21,    /* a signature did not verify */
	GPC_ERR_FORMAT = -22,    /* a document or value is malformed */
	GPC_ERR_EXISTS = -23,    /* the entry or file already exists */
	GPC_ERR_DENIED = -24,    /* the directory's access control refused */
	GPC_ERR_KEY = -25,       /* a key file is missing or of the wrong size */
	GPC_ERR_AGAIN = -26,     /* not yet: waits for an earlier document */
};

/*
 * Name an error code in a few English words, for logs and messages.
 * Returns a static string; never NULL.  Thread-safe.
 */
const char *gpc_strerror(int err);

#endif
