/*
 * The spool directories: atomic submission, listing, results, archive,
 * notices.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "spool.h"
#include "util.h"

#define MAX_SIG_COPY (1024 * 1024) /* the engine refuses one over 64 KiB, with a result */
#define MAX_SIG (64 * 1024)

static const char *const subdirs[] = { "tmp", "applications", "decisions", "results",
	"archive", "rejected", NULL };

static int
mkdir_p(const char *path, mode_t mode)
{
	char *copy, *p;
	int r = GPC_OK;

	if ((copy = strdup(path)) == NULL)
		return GPC_ERR_NOMEM;
	for (p = copy + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(copy, c == '\0' ? mode : 0755) != 0 && errno != EEXIST) {
				r = GPC_ERR_IO;
				break;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	free(copy);
	return r;
}

int
gpc_spool_init(const char *spool, const char *outbox)
{
	char *p = NULL;
	size_t i;
	int r;

	if ((r = mkdir_p(spool, 0750)) != GPC_OK)
		return r;
	for (i = 0; subdirs[i] != NULL; i++) {
		if (gpc_asprintf(&p, "%s/%s", spool, subdirs[i]) < 0)
			return GPC_ERR_NOMEM;
		r = mkdir_p(p, 0750);
		free(p);
		if (r != GPC_OK)
			return r;
	}
	/* Notices carry enrollment codes and mobile numbers. */
	return mkdir_p(outbox, 0700);
}

const char *
gpc_spool_subdir(enum gpc_doc_type t)
{
	return t == GPC_DOC_APPLICATION ? "applications" : "decisions";
}

/* Why reading a file to submit failed, for err. */
static const char *
read_error(int r, const char *limit)
{
	return r == GPC_ERR_INVAL ? limit : r == GPC_ERR_PERM ? "not a regular file" :
	    strerror(errno);
}

static int
copy_to(const char *src, const char *dst, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	/* regular files only: a FIFO given as the signature would block */
	if ((r = gpc_read_regular_file(src, MAX_SIG_COPY, 0, &buf, &len)) != GPC_OK) {
		snprintf(err, errlen, "%s: %s", src, read_error(r, "larger than 1 MiB"));
		return r == GPC_ERR_PERM ? GPC_ERR_FORMAT : r;
	}
	r = gpc_write_file_atomic(dst, buf, len, 0640);
	if (r != GPC_OK)
		snprintf(err, errlen, "%s: cannot write", dst);
	free(buf);
	return r;
}

int
gpc_spool_submit(const char *spool, const char *doc_path, const char *sig_path, char **id_out,
    char *err, size_t errlen)
{
	char *buf = NULL, *tmp_doc = NULL, *tmp_sig = NULL, *dst_doc = NULL, *dst_sig = NULL;
	const char *type, *id, *sub, *suffix = NULL;
	json_t *root = NULL;
	json_error_t jerr;
	size_t len = 0;
	struct stat st;
	int r;

	if (id_out != NULL)
		*id_out = NULL;
	err[0] = '\0';
	if ((r = gpc_read_regular_file(doc_path, GPC_DOC_MAX, 0, &buf, &len)) != GPC_OK) {
		snprintf(err, errlen, "%s: %s", doc_path, read_error(r, "larger than 64 KiB"));
		/* too large or not a file: no document, as the engine would say */
		if (r == GPC_ERR_INVAL || r == GPC_ERR_PERM)
			r = GPC_ERR_FORMAT;
		goto out;
	}
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		/* never the text jansson quotes: it may be the holder's ID number */
		snprintf(err, errlen, "%s:%d:%d: not JSON: %.80s", doc_path, jerr.line,
		    jerr.column, gpc_doc_json_error(&jerr));
		r = GPC_ERR_FORMAT;
		goto out;
	}
	type = json_string_value(json_object_get(root, "type"));
	id = json_string_value(json_object_get(root, "id"));
	if (type != NULL && strcmp(type, GPC_APPLICATION_TYPE) == 0)
		sub = "applications";
	else if (type != NULL && strcmp(type, GPC_DECISION_TYPE) == 0)
		sub = "decisions";
	else {
		snprintf(err, errlen, "%s: \"type\" must be %s or %s", doc_path,
		    GPC_APPLICATION_TYPE, GPC_DECISION_TYPE);
		r = GPC_ERR_FORMAT;
		goto out;
	}
	if (!gpc_doc_id_valid(id)) {
		snprintf(err, errlen, "%s: \"id\" missing or not 1-64 of [A-Za-z0-9._-]",
		    doc_path);
		r = GPC_ERR_FORMAT;
		goto out;
	}
	if (sig_path != NULL) {
		size_t sl = strlen(sig_path);

		suffix = sl > 4 && strcmp(sig_path + sl - 4, ".sig") == 0 ? ".sig" : ".p7s";
	}
	if (gpc_asprintf(&tmp_doc, "%s/tmp/%s.json.%ld", spool, id, (long)getpid()) < 0 ||
	    gpc_asprintf(&dst_doc, "%s/%s/%s.json", spool, sub, id) < 0 ||
	    (suffix != NULL && (gpc_asprintf(&tmp_sig, "%s%s", tmp_doc, suffix) < 0 ||
	    gpc_asprintf(&dst_sig, "%s%s", dst_doc, suffix) < 0))) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	if (lstat(dst_doc, &st) == 0) {
		snprintf(err, errlen, "a document with id %s is already waiting in %s/", id, sub);
		r = GPC_ERR_EXISTS;
		goto out;
	}
	if ((r = gpc_write_file_atomic(tmp_doc, buf, len, 0640)) != GPC_OK) {
		snprintf(err, errlen, "%s/tmp: cannot write: %s", spool, strerror(errno));
		goto out;
	}
	if (suffix != NULL && (r = copy_to(sig_path, tmp_sig, err, errlen)) != GPC_OK)
		goto out;
	/* The signature first: a document that arrives finds its signature there. */
	if ((suffix != NULL && rename(tmp_sig, dst_sig) != 0) || rename(tmp_doc, dst_doc) != 0) {
		snprintf(err, errlen, "%s/%s: rename failed: %s", spool, sub, strerror(errno));
		r = GPC_ERR_IO;
		goto out;
	}
	if (id_out != NULL && (*id_out = strdup(id)) == NULL) {
		r = GPC_ERR_NOMEM;
		goto out;
	}
	r = GPC_OK;
out:
	if (r != GPC_OK) {
		if (tmp_doc != NULL)
			(void)unlink(tmp_doc);
		if (tmp_sig != NULL)
			(void)unlink(tmp_sig);
	}
	json_decref(root);
	free(buf);
	free(tmp_doc);
	free(tmp_sig);
	free(dst_doc);
	free(dst_sig);
	return r;
}

static int
is_document_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && strcmp(name + len - 5, ".json") == 0;
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct gpc_spool_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

int
gpc_spool_list(const char *spool, struct gpc_spool_entry **out, size_t *n)
{
	struct gpc_spool_entry *v = NULL, *nv;
	size_t count = 0, cap = 0;
	enum gpc_doc_type t;
	char *dirpath = NULL;
	struct dirent *de;
	DIR *dir = NULL;
	int r = GPC_OK;

	*out = NULL;
	*n = 0;
	for (t = GPC_DOC_APPLICATION; t <= GPC_DOC_DECISION; t++) {
		if (gpc_asprintf(&dirpath, "%s/%s", spool, gpc_spool_subdir(t)) < 0) {
			r = GPC_ERR_NOMEM;
			goto out;
		}
		if ((dir = opendir(dirpath)) == NULL) {
			r = GPC_ERR_IO;
			goto out;
		}
		while ((de = readdir(dir)) != NULL) {
			if (!is_document_name(de->d_name))
				continue;
			if (count == cap) {
				cap = cap == 0 ? 32 : cap * 2;
				if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
					r = GPC_ERR_NOMEM;
					goto out;
				}
				v = nv;
			}
			v[count].type = t;
			v[count].name = strdup(de->d_name);
			if (gpc_asprintf(&v[count].path, "%s/%s", dirpath, de->d_name) < 0 ||
			    v[count].name == NULL) {
				free(v[count].name);
				r = GPC_ERR_NOMEM;
				goto out;
			}
			count++;
		}
		closedir(dir);
		dir = NULL;
		free(dirpath);
		dirpath = NULL;
	}
	if (count > 1)
		qsort(v, count, sizeof(*v), cmp_entry);
	*out = v;
	*n = count;
	v = NULL; /* transferred */
	count = 0;
out:
	if (dir != NULL)
		closedir(dir);
	free(dirpath);
	gpc_spool_entries_free(v, count);
	return r;
}

void
gpc_spool_entries_free(struct gpc_spool_entry *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].path);
		free(v[i].name);
	}
	free(v);
}

int
gpc_spool_read_signature(const char *doc_path, unsigned char **sig, size_t *len, int *is_sm2)
{
	static const char *const suffixes[] = { ".p7s", ".sig" };
	char *p = NULL, *buf = NULL;
	size_t i;
	int r;

	*sig = NULL;
	*len = 0;
	*is_sm2 = 0;
	for (i = 0; i < 2; i++) {
		if (gpc_asprintf(&p, "%s%s", doc_path, suffixes[i]) < 0)
			return GPC_ERR_NOMEM;
		/* never followed, never waited on: anyone who submits put it there */
		r = gpc_read_regular_file(p, MAX_SIG, 1, &buf, len);
		free(p);
		*is_sm2 = i == 1;
		if (r == GPC_OK) {
			*sig = (unsigned char *)buf;
			return GPC_OK;
		}
		if (r != GPC_ERR_IO || errno != ENOENT)
			return r;
	}
	*is_sm2 = 0;
	return GPC_OK;
}

/*
 * Move src into dstdir under its own name, or with a numeric suffix
 * (".1", ".2", ...) when that is taken: nothing there is overwritten.  A
 * name at the file system's limit is cut to make room for the suffix.  A
 * regular file moved becomes mode 0600.
 */
static int
move_unique(const char *src, const char *dstdir)
{
	char *copy = NULL, *dst = NULL, suffix[8];
	const char *base;
	struct stat st;
	int i, keep, r = GPC_ERR_IO;

	if ((copy = strdup(src)) == NULL)
		return GPC_ERR_NOMEM;
	base = basename(copy);
	for (i = 0; i < 1000; i++) {
		free(dst);
		dst = NULL;
		snprintf(suffix, sizeof(suffix), i == 0 ? "" : ".%d", i);
		keep = (int)(NAME_MAX - strlen(suffix));
		if (gpc_asprintf(&dst, "%s/%.*s%s", dstdir, keep, base, suffix) < 0) {
			r = GPC_ERR_NOMEM;
			break;
		}
		/* only a name that is not there is free; any other answer is not */
		if (lstat(dst, &st) == 0 || errno != ENOENT)
			continue;
		r = rename(src, dst) == 0 ? GPC_OK : GPC_ERR_IO;
		/* an application holds an ID number, a name and a phone: ours alone now */
		if (r == GPC_OK && lstat(dst, &st) == 0 && S_ISREG(st.st_mode))
			(void)chmod(dst, 0600);
		break;
	}
	free(dst);
	free(copy);
	return r;
}

int
gpc_spool_archive(const char *spool, const char *doc_path, int rejected)
{
	static const char *const suffixes[] = { ".p7s", ".sig" };
	char *dir = NULL, *sig = NULL;
	struct stat st;
	size_t i;
	int r;

	if (gpc_asprintf(&dir, "%s/%s", spool, rejected ? "rejected" : "archive") < 0)
		return GPC_ERR_NOMEM;
	for (i = 0; i < 2; i++) {
		if (gpc_asprintf(&sig, "%s%s", doc_path, suffixes[i]) < 0) {
			free(dir);
			return GPC_ERR_NOMEM;
		}
		if (lstat(sig, &st) == 0)
			(void)move_unique(sig, dir);
		free(sig);
		sig = NULL;
	}
	r = move_unique(doc_path, dir);
	free(dir);
	return r;
}

static int
safe_name(const char *name)
{
	return name != NULL && *name != '\0' && *name != '.' && strchr(name, '/') == NULL &&
	    strlen(name) <= 200;
}

static int
write_json(const char *dir, const char *sub, const char *name, json_t *obj, unsigned mode)
{
	char *path = NULL, *text = NULL;
	int r;

	if (!safe_name(name))
		return GPC_ERR_INVAL;
	/* Sorted keys: a rewrite after a crash gives the same bytes. */
	if ((text = json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL)
		return GPC_ERR_NOMEM;
	if ((sub != NULL ? gpc_asprintf(&path, "%s/%s/%s.json", dir, sub, name) :
	    gpc_asprintf(&path, "%s/%s.json", dir, name)) < 0) {
		gpc_freezero_str(text);
		return GPC_ERR_NOMEM;
	}
	r = gpc_write_file_atomic(path, text, strlen(text), mode);
	gpc_freezero_str(text);
	free(path);
	return r;
}

int
gpc_spool_write_result(const char *spool, const char *name, json_t *result)
{
	return write_json(spool, "results", name, result, 0640);
}

int
gpc_spool_read_result(const char *spool, const char *name, json_t **res)
{
	char *path = NULL, *buf = NULL;
	size_t len = 0;
	int r;

	*res = NULL;
	if (!safe_name(name))
		return GPC_ERR_INVAL;
	if (gpc_asprintf(&path, "%s/results/%s.json", spool, name) < 0)
		return GPC_ERR_NOMEM;
	r = gpc_read_regular_file(path, 1024 * 1024, 1, &buf, &len);
	free(path);
	if (r == GPC_ERR_IO && errno == ENOENT)
		return GPC_ERR_NOTFOUND;
	if (r == GPC_ERR_NOMEM)
		return r;
	if (r == GPC_OK && (*res = json_loadb(buf, len, 0, NULL)) != NULL &&
	    !json_is_object(*res)) {
		json_decref(*res);
		*res = NULL;
	}
	free(buf);
	return GPC_OK;
}

int
gpc_spool_write_notice(const char *outbox, const char *name, json_t *notice)
{
	return write_json(outbox, NULL, name, notice, 0600);
}
