// Starting a reader child process the way the CLI needs it, which neither Foundation's
// Process nor posix_spawn can: its own process group (so that a timeout kills the group),
// every signal unblocked and at its default (worker threads block some, and a child must
// not inherit that), and SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG, Linux).
#ifndef CCHILD_PROCESS_H
#define CCHILD_PROCESS_H

#include <sys/types.h>

/// Creates a pipe whose two ends are closed on exec (so that concurrent children do not hold
/// each other's pipes open). Returns 0, or -errno.
int cchild_pipe(int fds[2]);

/// Forks and execs `path` with `argv` and `envp` (NULL-terminated) in a new process group,
/// standard input from /dev/null, standard output to `out_fd`, standard error to `err_fd`.
/// The child is killed (SIGKILL) when the thread that started it ends, and exits at once if
/// the parent is already gone. Returns the child's pid, or -errno.
pid_t cchild_spawn(const char *path, char *const argv[], char *const envp[], int out_fd, int err_fd);

#endif
