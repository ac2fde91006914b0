// --notify-access: who in the container may speak for the service (systemd's NotifyAccess=).
#pragma once

namespace sdshim {

enum class NotifyAccess { main, all };

}  // namespace sdshim
