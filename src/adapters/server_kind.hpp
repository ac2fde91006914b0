// The server kinds the adapters know, and --server's choice among them.
#pragma once

namespace sdshim {

enum class ServerKind { generic, nginx, caddy };
// In the order --server lists them.
inline constexpr ServerKind kServerKinds[] = {ServerKind::nginx, ServerKind::caddy, ServerKind::generic};

}  // namespace sdshim
