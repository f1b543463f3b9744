/*
 * yaml - YAML documents as a small tree with positions (the only user of
 * libyaml)
 *
 * Rule files and the configuration are read into nodes that remember their
 * line and column, so that every later complaint ("unknown key", "not a
 * number") names FILE:LINE:COL.  libyaml itself is lenient where rebound must
 * not be, so the loader also rejects, each as an error with its position:
 *   - duplicate keys in a mapping (libyaml keeps both);
 *   - anchors and aliases (nobody needs them in rules, and they make
 *     exponential "billion laughs" documents possible);
 *   - more than one document in a file;
 *   - non-scalar mapping keys;
 *   - more than RB_MAX_YAML_NODES nodes or RB_MAX_YAML_DEPTH levels.
 * Scalars keep their text; typing is the reader's job (libyaml tags every
 * plain scalar !!str), with `plain` telling "10" from '10'.
 */
#ifndef REBOUND_CORE_YAML_H
#define REBOUND_CORE_YAML_H

#include <stddef.h>
#include <stdint.h>

struct rb_arena;
struct rb_diag;

enum rb_ytype { RB_YSCALAR = 1, RB_YSEQ, RB_YMAP };

struct rb_ynode {
	enum rb_ytype type;
	int line, col;			/* 1-based */
	const char *str;		/* scalar text, NUL-terminated */
	size_t len;
	int plain;			/* scalar was not quoted */
	struct rb_ynode **kid;		/* seq items; map key, value, ... */
	size_t n;			/* entries in kid */
};

/* Parses a document.  Returns its root (an empty mapping for an empty
   document), or NULL after adding "NAME:LINE:COL: problem" lines to errs.
   The tree lives in the arena. */
struct rb_ynode *rb_yaml_parse(struct rb_arena *a, const char *data,
			       size_t len, const char *name,
			       struct rb_diag *errs);

/* Mapping access: the value of key, or NULL. */
const struct rb_ynode *rb_ymap_get(const struct rb_ynode *map,
				   const char *key);
/* Number of pairs, and the i-th key and value. */
size_t rb_ymap_count(const struct rb_ynode *map);
const struct rb_ynode *rb_ymap_key(const struct rb_ynode *map, size_t i);
const struct rb_ynode *rb_ymap_value(const struct rb_ynode *map, size_t i);

/* Scalar conversions: 0, or -1 when the node is not of that form. */
int rb_ybool(const struct rb_ynode *n, int *out);	/* true/false/yes/no */
int rb_yu64(const struct rb_ynode *n, uint64_t min, uint64_t max,
	    uint64_t *out);
/* A duration: a number with unit s, m, h, d or w ("15m", "72h"), or plain
   seconds; in seconds. */
int rb_yduration(const struct rb_ynode *n, int64_t *out);
/* 1 for the plain scalars ~, null and the empty plain scalar. */
int rb_ynull(const struct rb_ynode *n);

/* "a scalar", "a list" or "a mapping", for messages. */
const char *rb_ytype_name(enum rb_ytype t);

#endif
