/*
 * rmtree.h: removing a directory tree that a stage wrote (a run's temporary
 * workspace, a stage's scratch dir). Any process.
 */
#ifndef LH_RMTREE_H
#define LH_RMTREE_H

/*
 * Removes path and everything under it. Symbolic links are removed, never
 * followed; the tree is not left for another file system (a mount point
 * below path stays, and so makes the call fail). What a stage did to make
 * its files hard to remove is undone: directories the caller owns but may
 * not read or write (chmod 000) are opened up, and any depth of nesting is
 * handled with a bounded number of open files (the deepest directories are
 * moved up to path and removed from there). Everything removable is
 * removed; returns 0, or -1 with errno of the first failure.
 */
int	rmtree(const char *path);

/*
 * Removes the trees base/PREFIX<pid>-* whose process has ended: what a
 * killed labhit left (a temporary workspace, a stage's scratch dir). A
 * pid that is alive (again, or still: anyone's process) keeps its tree.
 */
void	rmtree_ended(const char *base, const char *prefix);

#endif
