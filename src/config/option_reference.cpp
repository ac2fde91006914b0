// docs/options.md, rendered from the same option table and prose as --help and the man page.
#include "config/option_reference.hpp"

#include "config/cli.hpp"

#include <fmt/format.h>

#include <string_view>

namespace sdshim {
namespace {

// Prose as markdown: what would read as an HTML tag or as emphasis is written literally.
std::string md(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '<')
            out += "&lt;";
        else if (c == '*')
            out += std::string("\\") + c;
        else
            out += c;
    }
    return out;
}

}  // namespace

std::string option_reference() {
    std::string out =
        "# Options\n\n"
        "<!-- Generated from the option table (src/config/cli.cpp) by `build/make_man_page --markdown`;\n"
        "     a test fails when it differs. Edit the table, then regenerate this file. -->\n\n"
        "```\n";
    for (const char* usage : kUsageLines) out += fmt::format("{}\n", usage);
    out += "```\n\n";
    out += md(kDescription) + "\n\n";
    out +=
        "Durations: `8s`, `500ms`, `1.5s`, `2m`, or a bare number of seconds. Signals: `TERM`, `SIGTERM`, "
        "`15`, `RTMIN+3`. Logs go to stderr only; stdout belongs to the server. `SDSHIM_*` variables are "
        "removed from the server's environment; the command line wins over them.\n\n";
    for (const auto& o : option_table()) {
        out += fmt::format("## `--{}{}{}`\n\n", o.name, o.metavar.empty() ? "" : " ", o.metavar);
        out += md(o.help) + "\n\n";
        out += fmt::format("Environment: `{}{}`{}\n\n", o.env, o.metavar.empty() ? "=1" : "",
                           o.repeatable ? " (a comma-separated list)" : "");
    }
    out +=
        "## `-h`, `--help` and `-V`, `--version`\n\n"
        "Print the usage and the options, or the version, the commit, the architecture and the linkage.\n\n";
    out += "## Exit status\n\nThe shim exits with " + md(kExitStatus) + "\n";
    return out;
}

}  // namespace sdshim
