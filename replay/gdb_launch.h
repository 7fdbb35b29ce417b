/* Setting up the gdb connection for `rrt replay` (gdb_launch.c). */
#ifndef RRT_REPLAY_GDB_LAUNCH_H
#define RRT_REPLAY_GDB_LAUNCH_H

#include <stddef.h>
#include <sys/types.h>

/* A listening socket on spec "HOST:PORT" (NULL: 127.0.0.1, a free port);
 * `where` gets "HOST:PORT" as bound. -1 with err set on failure. */
int gdbl_listen(const char *spec, char *where, size_t n, char *err,
                size_t errn);
/* Accepts one client. child: a gdb started here, watched while waiting;
 * -2 when it exited first (*child_status). */
int gdbl_accept(int lfd, pid_t child, int *child_status, char *err,
                size_t errn);
/* Starts gdb connected to `where`, with extra arguments, in its own
 * process group holding the terminal. */
pid_t gdbl_spawn(const char *gdb, const char *where, char **extra, int nextra);
/* Gives the terminal back to rrt's process group after gdb. */
void gdbl_take_terminal(void);

#endif
