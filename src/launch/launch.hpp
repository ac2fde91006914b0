// Starts the server with Boost.Process v2 and reports an exec failure precisely.
#pragma once

#include "base/result.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace sdshim {

struct LaunchSpec {
    std::vector<std::string> argv;  // argv[0] is looked up in the child's PATH
    std::vector<std::string> env;   // KEY=VALUE, exactly what the child gets
    std::vector<int> pass_fds;      // kept at their numbers, CLOEXEC cleared in the child
    std::string pid_variable;       // if set (e.g. "LISTEN_PID"), the child's own pid is written into it
    bool own_process_group = true;  // its own process group, so that it can be signalled as a whole
    bool take_terminal = true;      // and the terminal's foreground, if there is one (not for probes)
    int output_fd = -1;             // if set, the child's stdout and stderr (a pipe the shim reads)
};

// The child's pid, or why it could not be started: the errno of fork's or exec's failure as the
// code (a child whose exec failed is already reaped). Never throws: out of fds or memory is an Error.
Result<pid_t> launch(const LaunchSpec& spec);

// execvp's search: the first executable regular file named `program` in PATH; a found but
// non-executable file is returned when nothing better exists (exec then fails with EACCES).
// Empty when nothing is found. A program containing '/' is returned as is.
std::string resolve_program(const std::string& program, const char* path_value);

}  // namespace sdshim
