// `sdshim inspect`: one line (or one JSON object) per inherited socket and what the adapter exports.
#include "adapters/inspect_report.hpp"

#include "base/log.hpp"

#include <fmt/format.h>

namespace sdshim {
namespace {

std::string exports_for(const SocketInfo& s, const AdapterPlan& adapter) {
    std::string out;
    for (const auto& [name, value] : adapter.env) {
        bool mentions = value == fmt::to_string(s.fd) ||
                        (name == "NGINX" && value.find(fmt::to_string(s.fd) + ";") != std::string::npos);
        if (mentions) out += (out.empty() ? "" : " ") + name + "=" + value;
    }
    return out.empty() ? "-" : out;
}

}  // namespace

std::string inspect_text(const ActivationPlan& plan, const std::vector<SocketInfo>& sockets, ServerKind kind,
                         const AdapterPlan& adapter) {
    std::string out;
    if (sockets.empty())
        out += plan.ignored ? "no sockets: LISTEN_* is meant for another process\n"
                            : "no sockets: LISTEN_FDS is not set (is the unit socket-activated?)\n";
    for (const auto& s : sockets)
        out +=
            fmt::format("fd {} name={} family={} type={} protocol={} address={} {} inode={} exports: {}\n", s.fd,
                        s.name, family_name(s.family), type_name(s.type), protocol_name(s.family, s.type, s.protocol),
                        s.address, s.listening ? "listening" : "not-listening", s.inode, exports_for(s, adapter));
    out += fmt::format("server adapter: {}\n", server_name(kind));
    for (const auto& [name, value] : adapter.env) out += fmt::format("env {}={}\n", name, value);
    for (const auto& w : adapter.warnings) out += "warning: " + w + "\n";
    return out;
}

std::string inspect_json(const ActivationPlan& plan, const std::vector<SocketInfo>& sockets, ServerKind kind,
                         const AdapterPlan& adapter) {
    std::string out = fmt::format("{{\"server\":\"{}\",\"ignored\":{},\"sockets\":[", server_name(kind),
                                  plan.ignored ? "true" : "false");
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        const auto& s = sockets[i];
        out += fmt::format(
            "{}{{\"fd\":{},\"name\":\"{}\",\"family\":\"{}\",\"type\":\"{}\",\"protocol\":\"{}\",\"address\":\"{}\","
            "\"listening\":{},\"inode\":{}}}",
            i ? "," : "", s.fd, json_escape(s.name), family_name(s.family), type_name(s.type),
            protocol_name(s.family, s.type, s.protocol), json_escape(s.address), s.listening ? "true" : "false",
            s.inode);
    }
    out += "],\"env\":{";
    for (std::size_t i = 0; i < adapter.env.size(); ++i)
        out += fmt::format("{}\"{}\":\"{}\"", i ? "," : "", json_escape(adapter.env[i].first),
                           json_escape(adapter.env[i].second));
    out += "},\"warnings\":[";
    for (std::size_t i = 0; i < adapter.warnings.size(); ++i)
        out += fmt::format("{}\"{}\"", i ? "," : "", json_escape(adapter.warnings[i]));
    out += "]}\n";
    return out;
}

}  // namespace sdshim
