// Small text files of /proc and pid files: reading them whole, and taking their lines apart field by field (no scanf).
#include "base/proc_text.hpp"

#include <unistd.h>

namespace sdshim {

std::string read_small_file(const char* path, int dir_fd) {
    std::string out;
    int fd = ::openat(dir_fd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > (1u << 22)) break;  // /proc/net tables of a container stay far below this
    }
    ::close(fd);
    return out;
}

std::optional<std::string_view> FieldReader::next() {
    constexpr std::string_view kSpace = " \t\n";
    const auto start = rest_.find_first_not_of(kSpace);
    if (start == std::string_view::npos) {
        rest_ = {};
        return std::nullopt;
    }
    const auto end = rest_.find_first_of(kSpace, start);
    const auto field = rest_.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    rest_ = end == std::string_view::npos ? std::string_view{} : rest_.substr(end);
    return field;
}

bool FieldReader::skip(std::size_t fields) {
    for (; fields > 0; --fields)
        if (!next()) return false;
    return true;
}

}  // namespace sdshim
