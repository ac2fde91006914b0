// Signals every process the shim is responsible for: the whole pid namespace as PID 1, else its descendants.
#pragma once

#include <sys/types.h>

#include <utility>
#include <vector>

namespace sdshim {

// As PID 1, kill(-1, sig) reaches every other process of the namespace. Otherwise the shim is a
// subreaper and signals each descendant found in /proc. Returns how many processes were signalled
// (for PID 1: 1 if any process received it, else 0).
int signal_all_processes(int sig);

// The pids below `root` (children, grandchildren, ...) according to /proc/<pid>/stat.
std::vector<pid_t> list_descendants(pid_t root);
// The same, each with its parent's pid: (pid, ppid).
std::vector<std::pair<pid_t, pid_t>> list_descendants_with_parents(pid_t root);

// Whether `pid` (or, with `whole_group`, any process of the process group `pid` below the shim) is
// stopped (SIGSTOP, SIGTSTP, a tracer): a stop signal would wait until SIGCONT.
bool target_is_stopped(pid_t pid, bool whole_group);
// SIGCONT to every stopped process below the shim; returns how many it reached.
int continue_stopped_processes();

// Whether `pid` is `ancestor` or below it (ppid chain in /proc). False for a pid that is gone.
bool is_in_tree(pid_t pid, pid_t ancestor);

}  // namespace sdshim
