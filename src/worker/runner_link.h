/*
 * runner_link.h: the worker's side of the runner socket (DESIGN.md
 * section 2): accepts runner connections and speaks the framed runner
 * protocol with them. Run assignment arrives with the runs issue; today a
 * runner says HELLO and heartbeats.
 */
#ifndef LH_RUNNER_LINK_H
#define LH_RUNNER_LINK_H

struct event_base;
struct lh_runner_link;

struct lh_runner_link *runner_link_new(struct event_base *base, int listen_fd);
/* Stops accepting and closes runner connections (drain). */
void runner_link_stop(struct lh_runner_link *l);
void runner_link_free(struct lh_runner_link *l);
int runner_link_count(const struct lh_runner_link *l);

#endif
