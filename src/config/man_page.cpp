// The sdshim(1) man page, rendered from the same option table and prose as --help.
#include "config/man_page.hpp"

#include "config/cli.hpp"

#include <fmt/format.h>

#include <cctype>
#include <string_view>

namespace sdshim {
namespace {

// Text as roff: backslashes escaped, hyphens as minus signs (options stay copyable), and a line
// that would start with a control character made literal.
std::string roff(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\')
            out += "\\e";
        else if (c == '-')
            out += "\\-";
        else
            out += c;
    }
    if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
    return out;
}

}  // namespace

std::string man_page(const std::string& version, const std::string& date) {
    std::string out;
    out += fmt::format(".TH SDSHIM 1 \"{}\" \"sdshim {}\" \"User Commands\"\n", date, version);
    out += ".SH NAME\nsdshim \\- PID 1 for socket\\-activated web servers in podman containers\n";
    out += ".SH SYNOPSIS\n";
    for (const char* usage : kUsageLines) out += fmt::format(".B {}\n.br\n", roff(usage));
    out += ".SH DESCRIPTION\n" + roff(kDescription) + "\n";
    out += ".SH OPTIONS\n";
    for (const auto& o : option_table()) {
        out += fmt::format(".TP\n.BR \\-\\-{}", roff(o.name));
        if (!o.metavar.empty()) out += fmt::format(" \" \" \\fI{}\\fR", roff(o.metavar));
        out += "\n" + roff(o.help) + "\n";
        out += fmt::format(".br\nEnvironment: \\fB{}\\fR{}\n", roff(o.env),
                           o.repeatable ? " (a comma\\-separated list)" : (o.metavar.empty() ? "=1" : ""));
    }
    out += ".TP\n.BR \\-h \", \" \\-\\-help\nPrint the usage and the options.\n";
    out += ".TP\n.BR \\-V \", \" \\-\\-version\nPrint the version, the commit, the architecture and the linkage.\n";
    out += ".SH ENVIRONMENT\n";
    out +=
        ".TP\n.B LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES\n"
        "The sockets systemd (through podman) passed, from fd 3 on. They are checked, then handed to PROGRAM "
        "with LISTEN_PID set to its pid.\n";
    out +=
        ".TP\n.B NOTIFY_SOCKET\nWhere sd_notify messages go: the server's own, relayed, and READY=1 made by "
        "sdshim for servers that never send it (nginx).\n";
    out += ".TP\n.B SDSHIM_*\nEach option, as listed under OPTIONS. The command line wins.\n";
    std::string exit_status = kExitStatus;
    exit_status[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(exit_status[0])));
    out += ".SH EXIT STATUS\n" + roff(exit_status) + "\n";
    out +=
        ".SH EXAMPLES\n"
        "As podman's init, in front of an unmodified nginx image:\n"
        ".PP\n.nf\n.RS\n"
        "podman run \\-\\-init \\-\\-init\\-path=/usr/bin/sdshim \\-\\-network=none \\-\\-sdnotify=container IMAGE\n"
        ".RE\n.fi\n"
        ".PP\nIn a Containerfile:\n"
        ".PP\n.nf\n.RS\n"
        "ENTRYPOINT [\"/usr/local/bin/sdshim\", \"\\-\\-\", \"/docker\\-entrypoint.sh\"]\n"
        ".RE\n.fi\n"
        ".PP\nExample systemd units and quadlet files are in /usr/share/doc/sdshim/examples.\n";
    out +=
        ".SH SEE ALSO\n"
        ".BR podman\\-run (1),\n.BR systemd.socket (5),\n.BR sd_notify (3),\n.BR sd_listen_fds (3)\n";
    return out;
}

}  // namespace sdshim
