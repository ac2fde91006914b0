// Turns the main child's wait status into the shim's exit code.
#include "core/exit_status.hpp"

#include "base/signal_names.hpp"

#include <fmt/format.h>

#include <sys/wait.h>

#include <algorithm>
#include <cerrno>

namespace sdshim {

int exit_code_from_status(int wait_status, const std::vector<int>& success_exit) {
    int code = 1;
    if (WIFEXITED(wait_status))
        code = WEXITSTATUS(wait_status);
    else if (WIFSIGNALED(wait_status))
        code = (128 + WTERMSIG(wait_status)) % 256;
    if (std::find(success_exit.begin(), success_exit.end(), code) != success_exit.end()) return 0;
    return code;
}

std::string describe_status(int wait_status) {
    if (WIFEXITED(wait_status)) return "exited with code " + fmt::to_string(WEXITSTATUS(wait_status));
    if (WIFSIGNALED(wait_status))
        return "killed by " + signal_name(WTERMSIG(wait_status)) + (WCOREDUMP(wait_status) ? " (core dumped)" : "");
    return "changed state (status " + fmt::to_string(wait_status) + ")";
}

int exit_code_for_exec_error(int err) { return err == ENOENT || err == ENOTDIR ? kExitNotFound : kExitCannotExecute; }

}  // namespace sdshim
