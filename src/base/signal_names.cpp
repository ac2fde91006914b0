// Signal names and numbers: parsing "TERM", "SIGTERM", "15", "RTMIN+3" and printing them back.
#include "base/signal_names.hpp"

#include "base/parse_number.hpp"

#include <fmt/format.h>

#include <csignal>

#include <algorithm>
#include <array>
#include <cctype>

namespace sdshim {
namespace {

struct NamedSignal {
    const char* name;
    int number;
};

constexpr std::array<NamedSignal, 31> kNamed{{
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT}, {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},   {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},     {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
    {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU}, {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"PWR", SIGPWR},
}};

bool in_range(int sig) { return sig >= 1 && sig <= SIGRTMAX; }

}  // namespace

Result<int> parse_signal(std::string_view text) {
    const Error unknown{"unknown signal '" + std::string(text) + "'"};
    if (text.empty()) return unknown;
    if (std::isdigit(static_cast<unsigned char>(text.front()))) {
        auto n = parse_whole_number<int>(text);
        if (n && in_range(*n)) return *n;
        return Error{fmt::format("unknown signal '{}' (numbers go from 1 to {})", text, SIGRTMAX)};
    }
    std::string upper(text);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    std::string_view name = upper;
    if (name.substr(0, 3) == "SIG") name.remove_prefix(3);
    for (const auto& s : kNamed)
        if (name == s.name) return s.number;
    for (std::string_view base : {"RTMIN", "RTMAX"}) {
        if (name.substr(0, base.size()) != base) continue;
        std::string_view rest = name.substr(base.size());
        int origin = base == "RTMIN" ? SIGRTMIN : SIGRTMAX;
        if (rest.empty()) return origin;
        if (rest.size() < 2 || (rest[0] != '+' && rest[0] != '-')) return unknown;
        auto offset = parse_whole_number<int>(rest.substr(1));
        const int sig = !offset ? 0 : rest[0] == '+' ? origin + *offset : origin - *offset;
        if (sig < SIGRTMIN || sig > SIGRTMAX)
            return Error{fmt::format("unknown signal '{}' (real-time signals go from RTMIN to RTMAX, RTMIN+{})", text,
                                     SIGRTMAX - SIGRTMIN)};
        return sig;
    }
    return unknown;
}

std::string signal_name(int sig) {
    for (const auto& s : kNamed)
        if (s.number == sig && std::string_view(s.name) != "IOT") return std::string("SIG") + s.name;
    if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
        int off = sig - SIGRTMIN;
        return off == 0 ? "SIGRTMIN" : "SIGRTMIN+" + fmt::to_string(off);
    }
    return "signal " + fmt::to_string(sig);
}

}  // namespace sdshim
