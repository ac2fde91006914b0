// docs/options.md, rendered from the same option table and prose as --help and the man page.
#pragma once

#include <string>

namespace sdshim {

// Markdown: the usage lines, the description, one entry per option with its variable, exit status.
std::string option_reference();

}  // namespace sdshim
