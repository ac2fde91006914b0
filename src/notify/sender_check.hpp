// Who may speak for the service on the server's NOTIFY_SOCKET: only processes the shim started.
#pragma once

#include "launch/server_process.hpp"
#include "notify/notify_access.hpp"
#include "notify/notify_relay.hpp"

namespace sdshim {

// The server's pid is read at each message: the relay is attached before the launch.
NotifyRelay::SenderCheck sender_check(NotifyAccess access, const ServerProcess& server);

}  // namespace sdshim
