/*
 * pamloop — many logins in one process, for the leak and descriptor tests.
 *
 *   pamloop -n CYCLES SERVICE ANSWERS
 *
 * Runs CYCLES pam_start / pam_authenticate / pam_end cycles against
 * SERVICE through the real libpam (under pam_wrapper), cycle i answering
 * with the i-th line of the file ANSWERS (round robin), each line
 * "USER<TAB>PASSWORD<TAB>CODE": the password prompt gets PASSWORD, any
 * other prompt CODE.  (A file, not argv: valgrind and ps show argv, and
 * the logs must hold no password.)  At most 16 lines.  Prints
 *
 *   cycles=N success=S fds_before=A fds_after_first=B fds_after=C
 *
 * and, when B or C differs from A, what the extra descriptors are.  Exit
 * status 0 if C equals B (no descriptor is left behind per cycle), 1 if it
 * does not, 2 on a usage error.
 *
 * Deliberately linked with libpam alone: a host that links libldap itself
 * would keep it loaded and hide what pam_end's dlclose does to the module's
 * libraries (TESTING-NOTES, -z nodelete).
 */
#include <dirent.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct answers {
	const char *password;
	const char *code;
};

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	const struct answers *a = data;
	struct pam_response *r;
	int i;

	if ((r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		/* "Password: " / "密码: " first, the code after */
		r[i].resp = strdup(strstr(msg[i]->msg, "assword") != NULL ||
		    strstr(msg[i]->msg, "密码") != NULL ? a->password : a->code);
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* The open descriptors of this process, one "fd -> target" per line into buf. */
static int
fds(char *buf, size_t len)
{
	struct dirent *e;
	DIR *d;
	char path[300], target[256];
	size_t used = 0;
	ssize_t n;
	int count = 0;

	if (buf != NULL && len > 0)
		buf[0] = '\0';
	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		count++;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		if ((n = readlink(path, target, sizeof(target) - 1)) < 0)
			n = 0;
		target[n] = '\0';
		if (buf != NULL && used < len) {
			int w = snprintf(buf + used, len - used, "  fd %s -> %s\n", e->d_name,
			    target);

			if (w > 0)
				used += (size_t)w;
		}
	}
	closedir(d);
	return count;
}

#define MAX_ANSWERS 16

int
main(int argc, char **argv)
{
	static char before_list[8192], after_list[8192], lines[MAX_ANSWERS][512];
	struct answers ans[MAX_ANSWERS];
	char *users[MAX_ANSWERS];
	const char *service;
	long cycles = 1, i;
	int c, nans = 0, before, first = -1, after, ok = 0, status = 2;
	FILE *f;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n' || (cycles = atol(optarg)) < 1)
			goto usage;
	}
	if (argc - optind != 2)
		goto usage;
	service = argv[optind];
	if ((f = fopen(argv[optind + 1], "r")) == NULL) {
		perror(argv[optind + 1]);
		goto out;
	}
	while (nans < MAX_ANSWERS && fgets(lines[nans], sizeof(lines[0]), f) != NULL) {
		char *s = lines[nans], *p1, *p2;

		s[strcspn(s, "\n")] = '\0';
		if ((p1 = strchr(s, '\t')) == NULL || (p2 = strchr(p1 + 1, '\t')) == NULL)
			continue;
		*p1 = *p2 = '\0';
		users[nans] = s;
		ans[nans].password = p1 + 1;
		ans[nans].code = p2 + 1;
		nans++;
	}
	fclose(f);
	if (nans == 0)
		goto usage;
	before = fds(before_list, sizeof(before_list));
	for (i = 0; i < cycles; i++) {
		struct pam_conv pc = { conv, &ans[i % nans] };
		pam_handle_t *ph = NULL;
		int r;

		if ((r = pam_start(service, users[i % nans], &pc, &ph)) != PAM_SUCCESS) {
			fprintf(stderr, "pamloop: pam_start: %d\n", r);
			status = 1;
			goto out;
		}
		r = pam_authenticate(ph, 0);
		ok += r == PAM_SUCCESS;
		pam_end(ph, r);
		if (i == 0)
			first = fds(NULL, 0);
	}
	after = fds(after_list, sizeof(after_list));
	printf("cycles=%ld success=%d fds_before=%d fds_after_first=%d fds_after=%d\n", cycles,
	    ok, before, first, after);
	if (after != before)
		printf("before:\n%safter:\n%s", before_list, after_list);
	status = after == first ? 0 : 1;
	goto out;
usage:
	fprintf(stderr, "usage: pamloop -n CYCLES SERVICE ANSWERS\n");
out:
	return status;
}
