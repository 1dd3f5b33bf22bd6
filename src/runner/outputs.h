/*
 * outputs.h: parse the $LABHIT_OUTPUT file a stage writes (key=value lines
 * and the key<<DELIMITER heredoc form). Runs in the runner process.
 */
#ifndef LH_OUTPUTS_H
#define LH_OUTPUTS_H

#include <stddef.h>

#include "runner/stage.h"

#define LH_OUTPUT_KEY_MAX	128

/* Parses len bytes into outs and n (caller frees with outputs_free). A key
 * given twice keeps its last value. Returns 0, or -1 with err filled
 * ("line 3: ...") and nothing allocated. */
int	outputs_parse(const char *buf, size_t len, struct lh_stage_output **outs,
	    size_t *n, char *err, size_t errlen);
/* Reads and parses the file at path without following a final symlink and
 * only if it is a regular file of at most limit bytes. A missing file is
 * zero outputs. Returns 0 or -1 with err filled. */
int	outputs_read_file(const char *path, size_t limit,
	    struct lh_stage_output **outs, size_t *n, char *err, size_t errlen);
void	outputs_free(struct lh_stage_output *, size_t n);
/* 1 when key matches [A-Za-z_][A-Za-z0-9_-]* and is at most
 * LH_OUTPUT_KEY_MAX bytes long. */
int	outputs_key_valid(const char *key, size_t len);

#endif
