// Signal rewriting (--map-signal FROM:TO) and which received signals start the stop sequence.
#include "core/signal_map.hpp"

#include "base/signal_names.hpp"

#include <csignal>

namespace sdshim {

Result<SignalRule> parse_signal_rule(std::string_view text) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos) return Error{"expected FROM:TO, e.g. TERM:QUIT or HUP:0"};
    std::string_view from_text = text.substr(0, colon);
    std::string_view to_text = text.substr(colon + 1);
    auto from = parse_signal(from_text);
    if (!from) return from.error();
    if (*from == SIGKILL || *from == SIGSTOP)
        return Error{signal_name(*from) + " cannot be caught, so it cannot be mapped"};
    if (*from == SIGCHLD) return Error{"SIGCHLD is used by the shim itself and is never forwarded"};
    if (to_text == "0") return SignalRule{*from, 0};
    auto to = parse_signal(to_text);
    if (!to) return Error{to.message() + " (use 0 to drop)"};
    return SignalRule{*from, *to};
}

int SignalMap::apply(int sig) const {
    auto it = rules_.find(sig);
    return it == rules_.end() ? sig : it->second;
}

bool is_stop_signal(int sig) { return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT; }

}  // namespace sdshim
