// Who may speak for the service on the server's NOTIFY_SOCKET: only processes the shim started.
#include "notify/sender_check.hpp"

#include "proc/process_tree.hpp"

#include <fmt/format.h>

#include <unistd.h>

namespace sdshim {

NotifyRelay::SenderCheck sender_check(NotifyAccess access, const ServerProcess& server) {
    return [access, &server](pid_t pid) -> Status {
        const pid_t main_pid = server.pid();
        if (pid <= 0) return Error{"the sender is outside the container's pid namespace"};
        // By pid, not by /proc: the main child's last message may be read after it was reaped.
        if (pid == main_pid) return {};
        if (access == NotifyAccess::main)
            return Error{fmt::format("--notify-access=main accepts only pid {}", main_pid)};
        if (pid != ::getpid() && is_in_tree(pid, ::getpid())) return {};
        return Error{"not a process started by the shim"};
    };
}

}  // namespace sdshim
