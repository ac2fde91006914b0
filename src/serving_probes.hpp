// One-shot looks at whether the server serves now: a --bridge target accepting, a pid file naming a live process.
#pragma once

#include "bridge_spec.hpp"

#include <string>

namespace sdshim {

// One non-blocking connect: true when the target completed the handshake (a loopback or unix
// server answers within the call or a moment after it). The connection is closed at once.
bool target_accepts(const BridgeTarget& target);

// The file holds a positive pid of a process that exists.
bool pidfile_names_running_process(const std::string& path);

}  // namespace sdshim
