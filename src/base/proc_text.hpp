// Small text files of /proc and pid files: reading them whole, and taking their lines apart field by field (no scanf).
#pragma once

#include "base/parse_number.hpp"

#include <fcntl.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sdshim {

// The whole file (relative paths against `dir_fd`), at most 4 MiB; empty if it cannot be read.
std::string read_small_file(const char* path, int dir_fd = AT_FDCWD);

// Calls `fn` with each line of a /proc/net table (tcp, tcp6, unix) after its header line.
template <typename Fn>
void for_each_row(std::string_view table, Fn fn) {
    std::size_t pos = table.find('\n');
    while (pos != std::string_view::npos && pos + 1 < table.size()) {
        const std::size_t eol = table.find('\n', pos + 1);
        fn(table.substr(pos + 1, eol == std::string_view::npos ? std::string_view::npos : eol - pos - 1));
        pos = eol;
    }
}

// Whitespace-separated fields, one at a time. Each number must be a whole field: "12ab" is not 12.
class FieldReader {
  public:
    explicit FieldReader(std::string_view text) : rest_(text) {}

    std::optional<std::string_view> next();
    bool skip(std::size_t fields);  // false if the text ends first

    template <typename T>
    std::optional<T> number(int base = 10) {
        auto field = next();
        if (!field) return std::nullopt;
        return parse_whole_number<T>(*field, base);
    }

  private:
    std::string_view rest_;
};

}  // namespace sdshim
