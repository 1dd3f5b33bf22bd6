/*
 * gql_int.h: internal structures of the GraphQL engine: the arena, the
 * document AST (executable and type-system), the built schema, and the
 * functions the engine's files share.  Not for use outside graphql/.
 */
#ifndef LH_GQL_INT_H
#define LH_GQL_INT_H

#include <stddef.h>
#include <json-c/json.h>

#include "worker/graphql/gql.h"

#define LH_GQL_MAX_NESTING	128	/* parser recursion limit */

/* Arena: everything of one document or schema, freed at once. */
struct lh_gql_arena;
struct lh_gql_arena *gql_arena_new(void);
void	gql_arena_free(struct lh_gql_arena *a);
void	*gql_alloc(struct lh_gql_arena *a, size_t n);	/* zeroed */
char	*gql_strndup(struct lh_gql_arena *a, const char *s, size_t n);

struct lh_gql_loc {
	int	line;
	int	col;
};

enum lh_gql_vkind {
	LH_GQL_V_VAR, LH_GQL_V_INT, LH_GQL_V_FLOAT, LH_GQL_V_STRING,
	LH_GQL_V_BOOL, LH_GQL_V_NULL, LH_GQL_V_ENUM, LH_GQL_V_LIST,
	LH_GQL_V_OBJECT
};

struct lh_gql_arg;
struct lh_gql_value {
	enum lh_gql_vkind	 kind;
	struct lh_gql_loc	 loc;
	const char		*s;	/* var/enum name, number text, string */
	size_t			 slen;
	int			 b;
	int			 block;	/* block string */
	struct lh_gql_value	*items;
	struct lh_gql_arg	*fields;
	struct lh_gql_value	*next;
};

/* An argument or an object-literal field. */
struct lh_gql_arg {
	const char		*name;
	struct lh_gql_loc	 loc;
	struct lh_gql_value	*value;
	struct lh_gql_arg	*next;
};

struct lh_gql_dir {
	const char		*name;
	struct lh_gql_loc	 loc;
	struct lh_gql_arg	*args;
	struct lh_gql_dir	*next;
};

enum lh_gql_tkind { LH_GQL_T_NAMED, LH_GQL_T_LIST, LH_GQL_T_NONNULL };
struct lh_gql_type;
struct lh_gql_tref {
	enum lh_gql_tkind	 kind;
	const char		*name;
	struct lh_gql_tref	*of;
	struct lh_gql_loc	 loc;
	struct lh_gql_type	*type;	/* resolved (schema only) */
};

struct lh_gql_vardef {
	const char		*name;
	struct lh_gql_loc	 loc;
	struct lh_gql_loc	 name_loc;
	struct lh_gql_tref	*type;
	struct lh_gql_tref	*rtype;	/* type resolved by gql_prepare */
	struct lh_gql_value	*defval;
	struct lh_gql_dir	*dirs;
	struct lh_gql_vardef	*next;
};

enum lh_gql_selkind { LH_GQL_SEL_FIELD, LH_GQL_SEL_SPREAD, LH_GQL_SEL_INLINE };
struct lh_gql_sel {
	enum lh_gql_selkind	 kind;
	struct lh_gql_loc	 loc;
	const char		*alias;	/* NULL when none */
	const char		*name;	/* field or fragment name */
	struct lh_gql_arg	*args;
	struct lh_gql_dir	*dirs;
	const char		*type_cond;
	struct lh_gql_loc	 tc_loc;
	struct lh_gql_loc	 name_loc;	/* spread: its name */
	struct lh_gql_sel	*selset;
	struct lh_gql_loc	 selset_loc;	/* the '{' */
	int			 has_selset;
	struct lh_gql_sel	*next;
};

enum lh_gql_defkind {
	LH_GQL_D_OPERATION, LH_GQL_D_FRAGMENT, LH_GQL_D_SCHEMA,
	LH_GQL_D_SCALAR, LH_GQL_D_OBJECT, LH_GQL_D_INTERFACE, LH_GQL_D_UNION,
	LH_GQL_D_ENUM, LH_GQL_D_INPUT, LH_GQL_D_DIRECTIVE
};

struct lh_gql_name {
	const char		*name;
	struct lh_gql_loc	 loc;
	struct lh_gql_name	*next;
};

/* Argument definition or input field definition. */
struct lh_gql_ivdef {
	const char		*desc;
	const char		*name;
	struct lh_gql_loc	 loc;
	struct lh_gql_tref	*type;
	struct lh_gql_value	*defval;
	struct lh_gql_dir	*dirs;
	struct lh_gql_ivdef	*next;
};

struct lh_gql_fdef {
	const char		*desc;
	const char		*name;
	struct lh_gql_loc	 loc;
	struct lh_gql_ivdef	*args;
	struct lh_gql_tref	*type;
	struct lh_gql_dir	*dirs;
	struct lh_gql_fdef	*next;
};

struct lh_gql_evdef {
	const char		*desc;
	const char		*name;
	struct lh_gql_loc	 loc;
	struct lh_gql_dir	*dirs;
	struct lh_gql_evdef	*next;
};

struct lh_gql_optdef {
	enum lh_gql_optype	 op;
	const char		*type;
	struct lh_gql_loc	 loc;	/* of the operation keyword */
	struct lh_gql_loc	 type_loc;
	struct lh_gql_optdef	*next;
};

struct lh_gql_def {
	enum lh_gql_defkind	 kind;
	int			 extend;
	struct lh_gql_loc	 loc;
	const char		*desc;
	const char		*name;		/* NULL: anonymous operation */
	struct lh_gql_loc	 name_loc;
	enum lh_gql_optype	 op;
	int			 shorthand;	/* `{ ... }` query */
	struct lh_gql_vardef	*vardefs;
	struct lh_gql_dir	*dirs;
	struct lh_gql_sel	*selset;
	const char		*type_cond;
	struct lh_gql_loc	 tc_loc;
	struct lh_gql_name	*ifaces;	/* implements / union members */
	struct lh_gql_fdef	*fields;
	struct lh_gql_ivdef	*ivdefs;	/* input fields, directive args */
	struct lh_gql_evdef	*values;
	struct lh_gql_optdef	*optypes;
	int			 has_body;	/* `{...}` or `= ...` present */
	int			 repeatable;
	struct lh_gql_name	*locations;
	struct lh_gql_def	*next;
};

struct lh_gql_doc {
	struct lh_gql_arena	*arena;
	struct lh_gql_def	*defs;
};

/* Lexer. */
enum lh_gql_tok {
	LH_GQL_TK_EOF, LH_GQL_TK_PUNCT, LH_GQL_TK_NAME, LH_GQL_TK_INT,
	LH_GQL_TK_FLOAT, LH_GQL_TK_STRING, LH_GQL_TK_BLOCK
};
struct lh_gql_lexer {
	const char		*src;
	size_t			 len;
	size_t			 pos;
	int			 line;
	size_t			 line_start;
	size_t			 cpos;		/* column cache: position */
	int			 ccol;		/* and its column */
	struct lh_gql_arena	*arena;
	/* current token */
	enum lh_gql_tok		 tok;
	char			 punct;		/* '.' stands for "..." */
	const char		*text;		/* name / number / decoded string */
	size_t			 tlen;
	struct lh_gql_loc	 loc;
	/* first error */
	char			 err[256];
	struct lh_gql_loc	 err_loc;
};
void	gql_lex_init(struct lh_gql_lexer *lx, struct lh_gql_arena *a,
	    const char *src, size_t len);
int	gql_lex_next(struct lh_gql_lexer *lx);	/* 0 or -1 (lx->err) */
int	gql_lex_col(struct lh_gql_lexer *lx, size_t pos);

/* Parser: any document (executable and type-system definitions). */
struct lh_gql_doc *gql_parse(const char *src, size_t len, char *err,
	    size_t errlen, struct lh_gql_loc *errloc);
void	gql_doc_free(struct lh_gql_doc *doc);

/* Built schema. */
enum lh_gql_kind {
	LH_GQL_SCALAR, LH_GQL_OBJECT, LH_GQL_INTERFACE, LH_GQL_UNION,
	LH_GQL_ENUM, LH_GQL_INPUT
};

struct lh_gql_input {
	const char		*name;
	const char		*desc;
	struct lh_gql_tref	*type;
	struct lh_gql_value	*defval;
	const char		*deprecated;	/* reason or NULL */
};

struct lh_gql_field {
	const char		*name;
	const char		*desc;
	struct lh_gql_input	*args;
	size_t			 nargs;
	struct lh_gql_tref	*type;
	const char		*deprecated;
	struct lh_gql_type	*owner;
	gql_resolver_fn		 fn;
	void			*udata;
	int			 need_resolver;
	int			 intro;		/* introspection builtin id */
};

struct lh_gql_enumval {
	const char		*name;
	const char		*desc;
	const char		*deprecated;
};

struct lh_gql_type {
	enum lh_gql_kind	 kind;
	const char		*name;
	const char		*desc;
	const char		*specified_by;
	int			 oneof;
	int			 builtin;	/* scalars and __ types */
	struct lh_gql_field	*fields;
	size_t			 nfields;
	struct lh_gql_input	*inputs;
	size_t			 ninputs;
	struct lh_gql_type	**ifaces;
	size_t			 nifaces;
	struct lh_gql_type	**possible;
	size_t			 npossible;
	struct lh_gql_enumval	*values;
	size_t			 nvalues;
};

/* Directive locations (bit numbers follow the spec's order). */
enum lh_gql_dloc {
	LH_GQL_DL_QUERY, LH_GQL_DL_MUTATION, LH_GQL_DL_SUBSCRIPTION,
	LH_GQL_DL_FIELD, LH_GQL_DL_FRAGMENT_DEFINITION,
	LH_GQL_DL_FRAGMENT_SPREAD, LH_GQL_DL_INLINE_FRAGMENT,
	LH_GQL_DL_VARIABLE_DEFINITION, LH_GQL_DL_SCHEMA, LH_GQL_DL_SCALAR,
	LH_GQL_DL_OBJECT, LH_GQL_DL_FIELD_DEFINITION,
	LH_GQL_DL_ARGUMENT_DEFINITION, LH_GQL_DL_INTERFACE, LH_GQL_DL_UNION,
	LH_GQL_DL_ENUM, LH_GQL_DL_ENUM_VALUE, LH_GQL_DL_INPUT_OBJECT,
	LH_GQL_DL_INPUT_FIELD_DEFINITION, LH_GQL_DL_COUNT
};

struct lh_gql_directive {
	const char		*name;
	const char		*desc;
	struct lh_gql_input	*args;
	size_t			 nargs;
	unsigned		 locations;	/* 1u << lh_gql_dloc */
	int			 repeatable;
	int			 builtin;
};

struct lh_gql_schema {
	struct lh_gql_arena	*arena;
	struct lh_gql_doc	*docs[2];	/* builtin SDL, user SDL */
	const char		*desc;
	struct lh_gql_type	**types;
	size_t			 ntypes;
	struct lh_gql_directive	*dirs;
	size_t			 ndirs;
	struct lh_gql_type	*roots[3];
	struct lh_gql_field	 f_typename, f_schema, f_type;
};

const char *gql_dloc_name(int loc);
int	gql_dloc_parse(const char *name);
struct lh_gql_type *gql_schema_type(const struct lh_gql_schema *s,
	    const char *name);
const struct lh_gql_field *gql_type_field(const struct lh_gql_schema *s,
	    const struct lh_gql_type *t, const char *name);
struct lh_gql_input *gql_find_input(struct lh_gql_input *in, size_t n,
	    const char *name);
struct lh_gql_directive *gql_schema_directive(const struct lh_gql_schema *s,
	    const char *name);
struct lh_gql_type *gql_tref_named(const struct lh_gql_tref *t);
int	gql_type_is_input(const struct lh_gql_type *t);
int	gql_type_is_output(const struct lh_gql_type *t);
int	gql_type_is_composite(const struct lh_gql_type *t);
int	gql_type_is_abstract(const struct lh_gql_type *t);
int	gql_type_possible(const struct lh_gql_type *abs,
	    const struct lh_gql_type *obj);
int	gql_types_overlap(const struct lh_gql_type *a,
	    const struct lh_gql_type *b);
int	gql_is_subtype(const struct lh_gql_type *sub,
	    const struct lh_gql_type *super);
char	*gql_tref_str(const struct lh_gql_tref *t, char *buf, size_t len);
/* Resolves a document type reference against the schema (arena-alloc). */
struct lh_gql_tref *gql_tref_resolve(const struct lh_gql_schema *s,
	    struct lh_gql_arena *a, const struct lh_gql_tref *t);

/* Suggestions: the closest options (graphql-js order), at most max. */
size_t	gql_suggest(const char *input, const char *const *options, size_t n,
	    const char **out, size_t max);
/* " Did you mean [sub ]"a", "b", or "c"?" (empty when n == 0). */
void	gql_did_you_mean(char *buf, size_t len, const char *sub,
	    const char *const *s, size_t n);

/* Errors: {"message":...,"locations":[...]} appended to an array. */
void	gql_err_add(json_object *errors, const struct lh_gql_loc *locs,
	    size_t nlocs, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* Validation rules (bit numbers). */
enum lh_gql_rule {
	LH_GQL_R_EXECUTABLE_DEFINITIONS, LH_GQL_R_UNIQUE_OPERATION_NAMES,
	LH_GQL_R_LONE_ANONYMOUS_OPERATION, LH_GQL_R_SINGLE_FIELD_SUBSCRIPTIONS,
	LH_GQL_R_KNOWN_TYPE_NAMES, LH_GQL_R_FRAGMENTS_ON_COMPOSITE_TYPES,
	LH_GQL_R_VARIABLES_ARE_INPUT_TYPES, LH_GQL_R_SCALAR_LEAFS,
	LH_GQL_R_FIELDS_ON_CORRECT_TYPE, LH_GQL_R_UNIQUE_FRAGMENT_NAMES,
	LH_GQL_R_KNOWN_FRAGMENT_NAMES, LH_GQL_R_NO_UNUSED_FRAGMENTS,
	LH_GQL_R_POSSIBLE_FRAGMENT_SPREADS, LH_GQL_R_NO_FRAGMENT_CYCLES,
	LH_GQL_R_UNIQUE_VARIABLE_NAMES, LH_GQL_R_NO_UNDEFINED_VARIABLES,
	LH_GQL_R_NO_UNUSED_VARIABLES, LH_GQL_R_KNOWN_DIRECTIVES,
	LH_GQL_R_UNIQUE_DIRECTIVES_PER_LOCATION, LH_GQL_R_KNOWN_ARGUMENT_NAMES,
	LH_GQL_R_UNIQUE_ARGUMENT_NAMES, LH_GQL_R_VALUES_OF_CORRECT_TYPE,
	LH_GQL_R_PROVIDED_REQUIRED_ARGUMENTS,
	LH_GQL_R_VARIABLES_IN_ALLOWED_POSITION,
	LH_GQL_R_OVERLAPPING_FIELDS_CAN_BE_MERGED,
	LH_GQL_R_UNIQUE_INPUT_FIELD_NAMES,
	/* SDL rules */
	LH_GQL_R_LONE_SCHEMA_DEFINITION, LH_GQL_R_UNIQUE_OPERATION_TYPES,
	LH_GQL_R_UNIQUE_TYPE_NAMES, LH_GQL_R_UNIQUE_ENUM_VALUE_NAMES,
	LH_GQL_R_UNIQUE_FIELD_DEFINITION_NAMES,
	LH_GQL_R_UNIQUE_ARGUMENT_DEFINITION_NAMES,
	LH_GQL_R_UNIQUE_DIRECTIVE_NAMES, LH_GQL_R_POSSIBLE_TYPE_EXTENSIONS,
	/* optional */
	LH_GQL_R_MAX_INTROSPECTION_DEPTH, LH_GQL_R_NO_DEPRECATED,
	LH_GQL_R_NO_SCHEMA_INTROSPECTION,
	LH_GQL_R_COUNT
};
#define LH_GQL_RULE(r)		(1ULL << (r))
/* The spec's rules for executable documents (plus introspection depth). */
#define LH_GQL_RULES_SPECIFIED	((LH_GQL_RULE(LH_GQL_R_UNIQUE_INPUT_FIELD_NAMES + 1) - 1) \
	| LH_GQL_RULE(LH_GQL_R_MAX_INTROSPECTION_DEPTH))
int	gql_rule_parse(const char *name);

/*
 * Validates an executable document against schema with the rules in the
 * mask; errors appended to the array.  Returns the number of errors.
 */
int	gql_validate(const struct lh_gql_schema *s, const struct lh_gql_doc *d,
	    unsigned long long rules, json_object *errors);
/* Validates a type-system document; base may be NULL. */
int	gql_validate_sdl(const struct lh_gql_schema *base,
	    const struct lh_gql_doc *d, unsigned long long rules,
	    json_object *errors);
int	gql_validate_limits(const struct lh_gql_doc *d,
	    const struct lh_gql_def *op, const struct lh_gql_limits *lim,
	    json_object *errors);

/* Validation internals shared by validate_*.c. */
struct lh_gql_vusage {
	const struct lh_gql_def		*def;	/* operation or fragment */
	const struct lh_gql_value	*node;
	const struct lh_gql_tref	*type;	/* expected; NULL unknown */
	const struct lh_gql_type	*parent; /* enclosing input object */
	int				 has_default;
};

struct lh_gql_vctx {
	const struct lh_gql_schema	*s;
	const struct lh_gql_doc		*doc;
	unsigned long long		 rules;
	json_object			*errors;
	struct lh_gql_arena		*arena;
	const struct lh_gql_def		*cur;
	struct lh_gql_vusage		*usages;
	size_t				 nusages, capusages;
};
#define VRULE(c, r)	(((c)->rules & LH_GQL_RULE(r)) != 0)
struct lh_gql_def *gql_doc_fragment(const struct lh_gql_doc *d,
	    const char *name);
void	gql_validate_typed(struct lh_gql_vctx *c);
void	gql_validate_overlap(struct lh_gql_vctx *c);
void	gql_validate_vars(struct lh_gql_vctx *c);
void	gql_validate_misc(struct lh_gql_vctx *c);
int	gql_value_print(const struct lh_gql_value *v, char *buf, size_t len);

/* Coercion and execution. */
json_object *gql_value_to_json(const struct lh_gql_value *v,
	    json_object *vars);
int	gql_coerce_input(const struct lh_gql_tref *t, json_object *in,
	    json_object **out, char *err, size_t errlen);
int	gql_coerce_literal(const struct lh_gql_tref *t,
	    const struct lh_gql_value *v, json_object *vars,
	    json_object **out, char *err, size_t errlen);
int	gql_coerce_args(const struct lh_gql_input *defs, size_t n,
	    const struct lh_gql_arg *args, json_object *vars,
	    json_object **out, char *err, size_t errlen);
int	gql_coerce_vars(const struct lh_gql_schema *s, struct lh_gql_arena *a,
	    const struct lh_gql_def *op, json_object *in, json_object **out,
	    json_object *errors);
json_object *gql_serialize_leaf(const struct lh_gql_type *t, json_object *v,
	    char *err, size_t errlen, int *ok);

/* The served schema, generated from schema.graphql (schema_sdl.c). */
extern const char gql_served_sdl_data[];
extern const size_t gql_served_sdl_size;

/* Introspection (introspect.c). */
extern const char gql_builtin_sdl[];
json_object *gql_introspect_field(const struct lh_gql_schema *s,
	    const struct lh_gql_field *f, json_object *parent,
	    json_object *args, int *handled);
json_object *gql_intro_type(const struct lh_gql_schema *s,
	    const struct lh_gql_type *t);
json_object *gql_intro_schema(const struct lh_gql_schema *s);

#endif
