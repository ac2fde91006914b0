// The lines that explain what a server did to an inherited socket, with the server's own fix.
#pragma once

#include "activation/activation.hpp"
#include "adapters/adapters.hpp"

#include <string>
#include <vector>

namespace sdshim {

// nginx's `listen` for the address of an inherited socket: "listen 0.0.0.0:8080;", "listen [::]:80;",
// "listen unix:/run/web.sock;".
std::string nginx_listen_for(const SocketInfo& socket);

// One line: the fd, its name and address, what it means, and where the adapter knows it (nginx) the
// configuration line that fixes it.
std::string dropped_socket_message(const SocketInfo& socket, const ServerAdapter& adapter, const std::string& program);

// One line for a server whose adapter names its configuration line (nginx) that exited (`how`: "exited
// with code 1") before its workers polled an inherited socket. The likeliest cause is a listen that
// matches no inherited socket: nginx then makes its own socket, which fails under systemd's
// RestrictAddressFamilies= (or a taken port), and exits.
std::string exited_before_polling_message(const SocketInfo& socket, const ServerAdapter& adapter,
                                          const std::string& how);

// A server that ended (`how`, `wait_status`) before it polled `unpolled`: one line per socket when its
// adapter can name the likely fix (a failed nginx), else none.
std::vector<std::string> explain_early_exit(const ServerAdapter& adapter, const std::vector<SocketInfo>& unpolled,
                                            const std::string& how, int wait_status);

}  // namespace sdshim
