/*
 * expr_int.h: internal to src/shared/pipeline. The expression tree shared by
 * the parser (expr.c) and the evaluator (expr_eval.c).
 */
#ifndef LH_EXPR_INT_H
#define LH_EXPR_INT_H

#include <stddef.h>

#include "shared/pipeline/expr.h"

enum lh_expr_kind {
	LH_E_STR,
	LH_E_BOOL,
	LH_E_REF,
	LH_E_NOT,
	LH_E_AND,
	LH_E_OR,
	LH_E_EQ,
	LH_E_NE,
	LH_E_CALL,
};

enum lh_expr_func {
	LH_F_STARTSWITH,
	LH_F_ENDSWITH,
	LH_F_CONTAINS,
};

struct lh_expr {
	enum lh_expr_kind	 kind;
	size_t			 off;
	char			*str;
	int			 boolean;
	enum lh_expr_ref_kind	 ref;
	char			**parts;
	size_t			 nparts;
	enum lh_expr_func	 func;
	struct lh_expr		*a;
	struct lh_expr		*b;
};

#endif
