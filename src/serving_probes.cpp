// What "the server serves" means for readiness and the watchdog, and the one-shot probes both use.
#include "serving_probes.hpp"

#include "bridge.hpp"
#include "proc_text.hpp"

#include <poll.h>
#include <signal.h>

#include <cerrno>

namespace sdshim {

std::variant<pid_t, LaunchFailure> launch_probe(const ServingCheck& check) {
    LaunchSpec spec;
    spec.argv = {"/bin/sh", "-c", check.mode.argument};
    spec.env = check.probe_env;
    spec.own_process_group = false;
    return launch(spec);
}

bool target_accepts(const BridgeTarget& t) {
    UniqueFd fd;
    const int started = start_connect(t, fd);
    if (started != EINPROGRESS) return started == 0;
    pollfd p{fd.get(), POLLOUT, 0};
    return ::poll(&p, 1, 0) == 1 && connect_result(fd.get()) == 0;
}

bool pidfile_names_running_process(const std::string& path) {
    const auto pid = FieldReader(read_small_file(path.c_str())).number<pid_t>();
    return pid && *pid > 0 && (::kill(*pid, 0) == 0 || errno == EPERM);
}

}  // namespace sdshim
