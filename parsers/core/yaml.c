/* yaml - YAML documents as a small tree with positions (libyaml) */
#include "yaml.h"

#include <string.h>
#include <yaml.h>

#include "arena.h"
#include "diag.h"
#include "limits.h"
#include "str.h"

struct loader {
	struct rb_arena *a;
	struct rb_diag *errs;
	const char *name;
	yaml_parser_t parser;
	size_t nodes;
	int depth;
	int failed;
};

static void
error_at(struct loader *l, int line, int col, const char *msg,
	 const char *arg)
{
	rb_diag_add(l->errs, "%s:%d:%d: %s%s", l->name, line, col, msg,
		    arg ? arg : "");
	l->failed = 1;
}

static int
next_event(struct loader *l, yaml_event_t *ev)
{
	if (yaml_parser_parse(&l->parser, ev))
		return 0;
	error_at(l, (int)l->parser.problem_mark.line + 1,
		 (int)l->parser.problem_mark.column + 1,
		 l->parser.problem ? l->parser.problem : "syntax error",
		 l->parser.context ? rb_arena_printf(l->a, " (%s)",
			l->parser.context) : NULL);
	return -1;
}

static struct rb_ynode *
new_node(struct loader *l, enum rb_ytype t, const yaml_event_t *ev)
{
	struct rb_ynode *n = rb_arena_zalloc(l->a, sizeof(*n));

	n->type = t;
	n->line = (int)ev->start_mark.line + 1;
	n->col = (int)ev->start_mark.column + 1;
	if (++l->nodes > RB_MAX_YAML_NODES && !l->failed)
		error_at(l, n->line, n->col, "too many nodes", NULL);
	return n;
}

static void
append(struct loader *l, struct rb_ynode *parent, struct rb_ynode *kid,
       size_t *cap)
{
	parent->kid = rb_arena_grow(l->a, parent->kid, cap, parent->n + 1,
				    sizeof(*parent->kid));
	parent->kid[parent->n++] = kid;
}

static struct rb_ynode *load_node(struct loader *l, yaml_event_t *ev);

static int
anchored(struct loader *l, const yaml_event_t *ev, const yaml_char_t *anchor)
{
	if (anchor == NULL)
		return 0;
	error_at(l, (int)ev->start_mark.line + 1,
		 (int)ev->start_mark.column + 1,
		 "anchors (&name) are not allowed", NULL);
	return 1;
}

/* Reads items until the end event of a sequence or mapping. */
static struct rb_ynode *
load_collection(struct loader *l, yaml_event_t *start, enum rb_ytype t)
{
	struct rb_ynode *n = new_node(l, t, start);
	yaml_event_type_t end = t == RB_YSEQ ? YAML_SEQUENCE_END_EVENT
					    : YAML_MAPPING_END_EVENT;
	size_t cap = 0, i;

	if (++l->depth > RB_MAX_YAML_DEPTH) {
		error_at(l, n->line, n->col, "nested too deep", NULL);
		return NULL;
	}
	for (;;) {
		yaml_event_t ev;
		struct rb_ynode *kid;

		if (next_event(l, &ev) < 0)
			return NULL;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			break;
		}
		kid = load_node(l, &ev);
		yaml_event_delete(&ev);
		if (kid == NULL)
			return NULL;
		if (t == RB_YMAP && n->n % 2 == 0) {
			if (kid->type != RB_YSCALAR) {
				error_at(l, kid->line, kid->col,
					 "a mapping key must be a scalar",
					 NULL);
			} else {
				for (i = 0; i < n->n; i += 2)
					if (n->kid[i]->type == RB_YSCALAR &&
					    strcmp(n->kid[i]->str, kid->str) == 0)
						error_at(l, kid->line, kid->col,
							 rb_arena_printf(l->a,
							 "duplicate key '%s' "
							 "(first at line %d)",
							 kid->str,
							 n->kid[i]->line), NULL);
			}
		}
		append(l, n, kid, &cap);
	}
	l->depth--;
	return n;
}

static struct rb_ynode *
load_node(struct loader *l, yaml_event_t *ev)
{
	struct rb_ynode *n;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (anchored(l, ev, ev->data.scalar.anchor))
			return NULL;
		n = new_node(l, RB_YSCALAR, ev);
		n->str = rb_arena_strndup(l->a,
					  (const char *)ev->data.scalar.value,
					  ev->data.scalar.length);
		n->len = ev->data.scalar.length;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		return n;
	case YAML_SEQUENCE_START_EVENT:
		if (anchored(l, ev, ev->data.sequence_start.anchor))
			return NULL;
		return load_collection(l, ev, RB_YSEQ);
	case YAML_MAPPING_START_EVENT:
		if (anchored(l, ev, ev->data.mapping_start.anchor))
			return NULL;
		return load_collection(l, ev, RB_YMAP);
	case YAML_ALIAS_EVENT:
		error_at(l, (int)ev->start_mark.line + 1,
			 (int)ev->start_mark.column + 1,
			 "aliases (*name) are not allowed", NULL);
		return NULL;
	default:
		error_at(l, (int)ev->start_mark.line + 1,
			 (int)ev->start_mark.column + 1,
			 "unexpected YAML event", NULL);
		return NULL;
	}
}

/* Skips to the first node of the first document; returns its event in
   *ev, or 0 when the stream holds no document. */
static int
first_node(struct loader *l, yaml_event_t *ev)
{
	for (;;) {
		if (next_event(l, ev) < 0)
			return -1;
		switch (ev->type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_START_EVENT:
			yaml_event_delete(ev);
			continue;
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(ev);
			return 0;
		default:
			return 1;
		}
	}
}

static struct rb_ynode *
empty_map(struct rb_arena *a)
{
	struct rb_ynode *n = rb_arena_zalloc(a, sizeof(*n));

	n->type = RB_YMAP;
	n->line = n->col = 1;
	return n;
}

struct rb_ynode *
rb_yaml_parse(struct rb_arena *a, const char *data, size_t len,
	      const char *name, struct rb_diag *errs)
{
	struct loader l;
	struct rb_ynode *root = NULL;
	yaml_event_t ev;
	int r;

	memset(&l, 0, sizeof(l));
	l.a = a;
	l.errs = errs;
	l.name = name;
	if (len > RB_MAX_YAML_BYTES) {
		rb_diag_add(errs, "%s: larger than %u bytes", name,
			    RB_MAX_YAML_BYTES);
		return NULL;
	}
	if (!yaml_parser_initialize(&l.parser))
		return rb_diag_add(errs, "%s: cannot start libyaml", name), NULL;
	yaml_parser_set_input_string(&l.parser, (const unsigned char *)data,
				     len);
	r = first_node(&l, &ev);
	if (r == 0) {
		root = empty_map(a);
	} else if (r > 0) {
		root = load_node(&l, &ev);
		yaml_event_delete(&ev);
		/* What follows must be the end: one document per file. */
		while (root != NULL && !l.failed) {
			if (next_event(&l, &ev) < 0)
				break;
			if (ev.type == YAML_DOCUMENT_START_EVENT)
				error_at(&l, (int)ev.start_mark.line + 1,
					 (int)ev.start_mark.column + 1,
					 "only one document per file", NULL);
			r = ev.type == YAML_STREAM_END_EVENT;
			yaml_event_delete(&ev);
			if (r)
				break;
		}
	}
	yaml_parser_delete(&l.parser);
	return l.failed ? NULL : root;
}

const struct rb_ynode *
rb_ymap_get(const struct rb_ynode *map, const char *key)
{
	size_t i;

	if (map == NULL || map->type != RB_YMAP)
		return NULL;
	for (i = 0; i + 1 < map->n; i += 2)
		if (strcmp(map->kid[i]->str, key) == 0)
			return map->kid[i + 1];
	return NULL;
}

size_t
rb_ymap_count(const struct rb_ynode *map)
{
	return map && map->type == RB_YMAP ? map->n / 2 : 0;
}

const struct rb_ynode *
rb_ymap_key(const struct rb_ynode *map, size_t i)
{
	return map->kid[2 * i];
}

const struct rb_ynode *
rb_ymap_value(const struct rb_ynode *map, size_t i)
{
	return map->kid[2 * i + 1];
}

int
rb_ybool(const struct rb_ynode *n, int *out)
{
	static const char *yes[] = {"true", "yes", "on", NULL};
	static const char *no[] = {"false", "no", "off", NULL};
	int i;

	if (n == NULL || n->type != RB_YSCALAR)
		return -1;
	for (i = 0; yes[i]; i++)
		if (rb_strcaseeq(n->str, yes[i]))
			return *out = 1, 0;
	for (i = 0; no[i]; i++)
		if (rb_strcaseeq(n->str, no[i]))
			return *out = 0, 0;
	return -1;
}

int
rb_yu64(const struct rb_ynode *n, uint64_t min, uint64_t max, uint64_t *out)
{
	if (n == NULL || n->type != RB_YSCALAR)
		return -1;
	return rb_parse_u64(n->str, n->len, min, max, out);
}

int
rb_yduration(const struct rb_ynode *n, int64_t *out)
{
	static const struct {
		char unit;
		int64_t secs;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400},
		     {'w', 604800}};
	uint64_t v;
	size_t i, k;

	if (n == NULL || n->type != RB_YSCALAR || n->len == 0)
		return -1;
	k = n->len;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (RB_TOLOWER(n->str[k - 1]) == units[i].unit)
			break;
	if (i == sizeof(units) / sizeof(units[0])) {
		if (rb_parse_u64(n->str, k, 0, INT32_MAX * 100ULL, &v) < 0)
			return -1;
		*out = (int64_t)v;
		return 0;
	}
	if (rb_parse_u64(n->str, k - 1, 0, INT32_MAX, &v) < 0)
		return -1;
	*out = (int64_t)v * units[i].secs;
	return 0;
}

int
rb_ynull(const struct rb_ynode *n)
{
	return n != NULL && n->type == RB_YSCALAR && n->plain &&
	       (n->len == 0 || strcmp(n->str, "~") == 0 ||
		rb_strcaseeq(n->str, "null"));
}

const char *
rb_ytype_name(enum rb_ytype t)
{
	switch (t) {
	case RB_YSCALAR:
		return "a scalar";
	case RB_YSEQ:
		return "a list";
	case RB_YMAP:
		return "a mapping";
	}
	return "?";
}
