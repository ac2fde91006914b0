// The sdshim(1) man page, rendered from the same option table and prose as --help.
#pragma once

#include <string>

namespace sdshim {

// roff (man macros). `date` is the page's date, YYYY-MM-DD (from SOURCE_DATE_EPOCH: reproducible).
std::string man_page(const std::string& version, const std::string& date);

}  // namespace sdshim
