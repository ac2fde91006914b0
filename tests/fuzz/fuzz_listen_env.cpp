// Fuzz target: the LISTEN_* parser and validator, with its invariants checked on every input.
#include "activation/activation.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

// Input: flags byte, then LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES separated by NUL bytes.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const unsigned flags = data[0];
    std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
    std::string fields[3];
    for (int i = 0, start = 0; i < 3; ++i) {
        std::size_t end = rest.find('\0', static_cast<std::size_t>(start));
        fields[i] = rest.substr(static_cast<std::size_t>(start),
                                end == std::string::npos ? std::string::npos : end - static_cast<std::size_t>(start));
        if (end == std::string::npos) break;
        start = static_cast<int>(end + 1);
    }
    sdshim::ListenEnv env;
    if (flags & 1) env.pid = fields[0].c_str();
    if (flags & 2) env.fds = fields[1].c_str();
    if (flags & 4) env.fdnames = fields[2].c_str();
    pid_t self = (flags & 8) ? 1 : 4242;
    pid_t parent = (flags & 16) ? 0 : 77;
    const auto parsed = sdshim::parse_listen_env(env, self, parent);
    if (!parsed) {
        if (parsed.message().empty() || !env.fds) std::abort();  // only a LISTEN_FDS that is set can be wrong
        return 0;
    }
    const sdshim::ActivationPlan& plan = *parsed;
    if (!env.fds && plan.present) std::abort();
    if (plan.count < 0) std::abort();
    if (plan.ignored && plan.count != 0) std::abort();
    if (!plan.ignored && plan.present && static_cast<int>(plan.names.size()) != plan.count) std::abort();
    for (const auto& name : plan.names)
        if (!sdshim::fdname_is_valid(name)) std::abort();  // what the server gets, libsystemd accepts
    return 0;
}
