/*
 * pl_yaml.h: internal to src/shared/pipeline. Loads one YAML document into a
 * small node tree with line:column marks, with size, depth and alias limits.
 * Runs in every process that reads pipeline files (validate, run, workers).
 */
#ifndef LH_PL_YAML_H
#define LH_PL_YAML_H

#include <stddef.h>

#include "shared/pipeline/pipeline.h"

enum lh_pl_node_kind {
	LH_PL_NODE_SCALAR,
	LH_PL_NODE_MAP,
	LH_PL_NODE_SEQ,
};

/* Resolved type of a scalar (YAML 1.2 core schema; quoted = string). */
enum lh_pl_scalar_type {
	LH_PL_SCALAR_STR,
	LH_PL_SCALAR_NULL,
	LH_PL_SCALAR_BOOL,
	LH_PL_SCALAR_INT,
	LH_PL_SCALAR_FLOAT,
};

enum lh_pl_scalar_style {
	LH_PL_STYLE_PLAIN,
	LH_PL_STYLE_QUOTED,
	LH_PL_STYLE_BLOCK,
};

struct lh_pl_node {
	enum lh_pl_node_kind	 kind;
	struct lh_pl_mark	 mark;
	/* scalar */
	char			*value;
	size_t			 len;
	enum lh_pl_scalar_type	 type;
	enum lh_pl_scalar_style	 style;
	/* map: items[2*i] is a key, items[2*i+1] its value; seq: items[i] */
	struct lh_pl_node	**items;
	size_t			 nitems;
	size_t			 cap;
	/* limits bookkeeping: nodes after alias expansion, height */
	size_t			 weight;
	size_t			 height;
	struct lh_pl_node	*all_next;	/* every node of a doc, for freeing */
};

struct lh_pl_doc {
	struct lh_pl_node	*root;
	struct lh_pl_node	*all;
	const char		*buf;	/* the source text (not owned) */
	size_t			 len;
};

/* Parses buf as one YAML document. Returns 0, or -1 with errors appended
 * to errs (the tree is then unusable; pl_yaml_free it anyway). */
int pl_yaml_load(struct lh_pl_doc *doc, const char *buf, size_t len,
    struct lh_pl_errors *errs);
void pl_yaml_free(struct lh_pl_doc *doc);
/* Number of key/value pairs of a map node. */
size_t pl_yaml_map_len(const struct lh_pl_node *map);
/* Human name of a node's type: "a string", "a map", "an integer"... */
const char *pl_yaml_type_name(const struct lh_pl_node *n);
/* Mark of the character at offset off inside scalar n's value, as close as
 * the source allows (used to point at an expression error). */
struct lh_pl_mark pl_yaml_scalar_mark(const struct lh_pl_doc *doc,
    const struct lh_pl_node *n, size_t off);

#endif
