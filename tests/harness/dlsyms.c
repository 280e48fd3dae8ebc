/*
 * dlsyms — load a shared object as a PAM host would and look symbols up.
 *
 *   dlsyms MODULE SYMBOL...
 *
 * dlopen()s MODULE (RTLD_NOW | RTLD_LOCAL: every undefined symbol must
 * resolve now) and prints one line per SYMBOL, "SYMBOL found" or
 * "SYMBOL absent", as dlsym() on the module's handle sees it.  Exit status
 * 0 when the module loaded, 2 when it did not (dlerror() on stderr) or on a
 * usage error.  Used by tests/integration/test_schema.sh to prove that the
 * module exports its pam_sm_* entry points and nothing of lib/.
 */
#include <dlfcn.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
	void *h;
	int i;

	if (argc < 3) {
		fprintf(stderr, "usage: dlsyms MODULE SYMBOL...\n");
		return 2;
	}
	if ((h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "dlsyms: %s\n", dlerror());
		return 2;
	}
	for (i = 2; i < argc; i++) {
		(void)dlerror();
		printf("%s %s\n", argv[i], dlsym(h, argv[i]) != NULL ? "found" : "absent");
	}
	dlclose(h);
	return 0;
}
