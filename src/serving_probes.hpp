// What "the server serves" means for readiness and the watchdog, and the one-shot probes both use.
#pragma once

#include "activation.hpp"
#include "adapters.hpp"
#include "bridge_spec.hpp"
#include "launch.hpp"
#include "ready_mode.hpp"

#include <sys/types.h>

#include <string>
#include <variant>
#include <vector>

namespace sdshim {

// Checked once by readiness (is it serving yet?) and at every interval by the watchdog (still?).
struct ServingCheck {
    ReadyMode mode;                      // the resolved --ready mode, never automatic
    ServerKind kind = ServerKind::generic;
    std::string program;                 // for messages: "nginx"
    std::vector<SocketInfo> watched;     // inherited sockets the server must take and keep polling
    std::vector<BridgeTarget> targets;   // --bridge targets
    std::vector<std::string> probe_env;  // environment of cmd: probes
};

// `/bin/sh -c COMMAND` for a cmd: probe, in the shim's process group: its pid, or why it did not start.
std::variant<pid_t, LaunchFailure> launch_probe(const ServingCheck& check);

// One non-blocking connect: true when the target completed the handshake (a loopback or unix
// server answers within the call or a moment after it). The connection is closed at once.
bool target_accepts(const BridgeTarget& target);

// The file holds a positive pid of a process that exists.
bool pidfile_names_running_process(const std::string& path);

}  // namespace sdshim
