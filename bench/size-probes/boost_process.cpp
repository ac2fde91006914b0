// Size probe: the stdlib probe plus a Boost.Process v2 launch (header-only, Boost.Filesystem path).
#include "launch/boost_process.hpp"
#include <boost/asio/io_context.hpp>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>
int main(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    std::map<int, std::string> m{{argc, args.at(0)}};
    try {
        if (argc > 5) throw std::runtime_error("x");
    } catch (const std::exception& e) {
        std::puts(e.what());
    }
    boost::asio::io_context ctx;
    boost::process::v2::posix::default_launcher launcher;
    boost::process::v2::error_code ec;
    const char* child_argv[] = {"/bin/true", nullptr};
    const char** p = child_argv;
    auto proc = launcher(ctx.get_executor(), ec, boost::process::v2::filesystem::path("/bin/true"), p);
    proc.detach();
    std::printf("%zu %d\n", m.size(), launcher.pid);
    return 0;
}
