// How many client connections the inherited TCP listeners have, from the network namespace's /proc/net tables.
#include "proc/connection_count.hpp"

#include "base/proc_text.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace sdshim {

std::size_t parse_open_connections(std::string_view table, const std::set<unsigned long>& listeners) {
    // "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid  timeout inode"
    static constexpr unsigned long kListen = 0x0A, kBad = ~0ul;
    auto number = [](std::string_view text, int base) {
        return parse_whole_number<unsigned long>(text, base).value_or(kBad);
    };
    auto after_colon = [](std::string_view text) { return text.substr(text.rfind(':') + 1); };
    std::vector<unsigned long> ports;  // the listeners': an accepted connection has its listener's local port
    std::size_t open = 0;
    for (const bool listeners_pass : {true, false}) {
        for_each_row(table, [&](std::string_view line) {
            FieldReader row(line);
            std::string_view f[10];
            std::size_t n = 0;
            while (n < 10)
                if (auto field = row.next()) f[n++] = *field;
                else break;
            if (n < 10) return;
            const unsigned long port = number(after_colon(f[1]), 16), state = number(f[3], 16);
            const unsigned long inode = number(f[9], 10);
            if (listeners_pass && state == kListen && listeners.count(inode)) {
                ports.push_back(port);
                open += number(after_colon(f[4]), 16);  // rx_queue: connections waiting to be accepted
            } else if (!listeners_pass && state != kListen && inode != 0 && inode != kBad &&
                       std::find(ports.begin(), ports.end(), port) != ports.end()) {
                ++open;
            }
        });
    }
    return open;
}

std::optional<std::uint64_t> parse_passive_opens(std::string_view snmp) {
    // "Tcp: RtoAlgorithm ... PassiveOpens ...\nTcp: 1 ... 42 ...": the names, then the values
    const auto names_at = snmp.find("\nTcp: ");
    if (names_at == std::string_view::npos) return std::nullopt;
    const auto values_at = snmp.find("\nTcp: ", names_at + 1);
    if (values_at == std::string_view::npos) return std::nullopt;
    FieldReader names(snmp.substr(names_at + 6, values_at - names_at - 6));
    FieldReader values(snmp.substr(values_at + 6, snmp.find('\n', values_at + 1) - values_at - 6));
    while (auto name = names.next()) {
        auto value = values.next();
        if (!value) return std::nullopt;
        if (*name == "PassiveOpens") return parse_whole_number<std::uint64_t>(*value);
    }
    return std::nullopt;
}

ConnectionSample count_connections_here(const std::set<unsigned long>& listeners) {
    const std::string tcp = read_small_file("/proc/net/tcp"), tcp6 = read_small_file("/proc/net/tcp6");
    const auto opened = parse_passive_opens(read_small_file("/proc/net/snmp"));
    if (tcp.empty() || !opened) return {1, 0};
    return {parse_open_connections(tcp, listeners) + parse_open_connections(tcp6, listeners), *opened};
}

}  // namespace sdshim
