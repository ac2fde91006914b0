// One-shot looks at whether the server serves now: a --bridge target accepting, a pid file naming a live process.
#include "serving_probes.hpp"

#include "bridge.hpp"

#include <poll.h>
#include <signal.h>

#include <cerrno>
#include <cstdio>

namespace sdshim {

bool target_accepts(const BridgeTarget& t) {
    UniqueFd fd;
    const int started = start_connect(t, fd);
    if (started != EINPROGRESS) return started == 0;
    pollfd p{fd.get(), POLLOUT, 0};
    return ::poll(&p, 1, 0) == 1 && connect_result(fd.get()) == 0;
}

bool pidfile_names_running_process(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "re");
    if (!f) return false;
    long pid = 0;
    bool ok = std::fscanf(f, "%ld", &pid) == 1 && pid > 0;
    std::fclose(f);
    return ok && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

}  // namespace sdshim
